// A keyboard (and touch) way to a bed in the 3D ward: a list of the beds (label, patient, NEWS2)
// and "Open". Choosing a bed in the list flies the camera to it, so arrowing through the list
// tours the ward with the bed's name on screen; "Open" (or Enter in the list) opens its panel.
import { el, setText } from './dom';

export interface PickerBed {
  id: string;
  text: string; // e.g. "A03 · Jane Doe · NEWS2 5"
}

export class BedPicker {
  readonly select: HTMLSelectElement;
  private readonly open: HTMLButtonElement;
  private key = '';

  constructor(
    root: HTMLElement,
    actions: { goTo(bedId: string): void; open(bedId: string): void },
  ) {
    const label = el('label', '', root, 'Bed');
    label.htmlFor = 'bed-picker';
    this.select = el('select', '', root);
    this.select.id = 'bed-picker';
    this.open = el('button', 'act', root, 'Open');
    this.open.id = 'bed-open';
    this.open.type = 'button';
    this.open.setAttribute('aria-label', 'Open the patient panel of the chosen bed');
    this.select.onchange = () => {
      if (this.select.value) actions.goTo(this.select.value);
      this.sync();
    };
    this.select.onkeydown = (e) => {
      if (e.key !== 'Enter' || !this.select.value) return;
      e.preventDefault();
      actions.open(this.select.value);
    };
    this.open.onclick = () => {
      if (this.select.value) actions.open(this.select.value);
    };
    this.sync();
  }

  /** The beds in ward order, and the bed whose panel is open (shown as chosen). */
  update(beds: readonly PickerBed[], openBed: string | null): void {
    const key = beds.map((b) => b.id).join('\n');
    if (key !== this.key) {
      this.key = key;
      const value = this.select.value;
      this.select.replaceChildren();
      el('option', '', this.select, 'Choose a bed…').value = '';
      for (const b of beds) el('option', '', this.select, b.text).value = b.id;
      this.select.value = beds.some((b) => b.id === value) ? value : '';
    }
    beds.forEach((b, i) => setText(this.select.options[i + 1], b.text));
    if (openBed && this.select.value !== openBed && document.activeElement !== this.select) this.select.value = openBed;
    this.sync();
  }

  private sync(): void {
    this.open.disabled = !this.select.value;
  }
}
