// The header's controls fold behind a "Menu" button when they do not fit on one row (phones,
// tablets, narrow windows; what fits depends on the ward's name, the user, the people count,
// an "Enter VR" button…): `header.compact`, styled in styles.css. Checked again whenever the
// header is resized or its content changes. Esc, choosing a view or a click outside the header
// closes the menu; Esc also returns focus to the button.
export class HeaderMenu {
  private pending = false;

  constructor(
    private readonly header: HTMLElement,
    private readonly button: HTMLButtonElement,
    private readonly controls: HTMLElement,
  ) {
    button.onclick = () => this.set(!this.open);
    document.addEventListener('pointerdown', (e) => {
      if (this.open && !header.contains(e.target as Node)) this.set(false);
    });
    new ResizeObserver(() => this.schedule()).observe(header);
    new MutationObserver(() => this.schedule()).observe(header, {
      subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['hidden'],
    });
    this.fit();
  }

  get open(): boolean {
    return this.header.classList.contains('menu-open');
  }

  /** Whether the controls are folded behind the button. */
  get compact(): boolean {
    return this.header.classList.contains('compact');
  }

  set(open: boolean, refocus = false): void {
    this.header.classList.toggle('menu-open', open);
    this.button.setAttribute('aria-expanded', String(open));
    if (!open && refocus) this.button.focus();
  }

  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.fit();
    });
  }

  /**
   * Lays the controls out on one row and folds them if that row is wider than the header. All
   * in one task: nothing is painted in between, and focus stays where it is.
   */
  private fit(): void {
    const h = this.header;
    const was = this.compact;
    const scroll = this.controls.scrollTop; // of the open menu, lost on the one-row layout
    h.classList.remove('compact');
    const compact = h.scrollWidth > h.clientWidth;
    h.classList.toggle('compact', compact);
    if (compact) this.controls.scrollTop = scroll;
    if (was && !compact && this.open) this.set(false);
  }
}
