// Presence and rounds controls in the header: your name as others see it, "Lead rounds", a
// "People" menu listing the other viewers (colour, name, leading / following whom) with "Follow"
// on those who lead, and the follow status with "Stop". It only renders and reports clicks;
// main.ts owns the state.
import type { PeerStore } from '../presence/peers';
import { el, setText } from './dom';

export interface RoundsState {
  selfLabel: string;
  leading: boolean;
  following: string | null; // leader's presence twin id
  followers: number; // peers following us
  note: string; // e.g. "Alice left — rounds ended"
}

export interface RoundsActions {
  rename(label: string): void;
  toggleLead(): void;
  follow(leaderId: string | null): void;
}

export class RoundsBox {
  private readonly name: HTMLInputElement;
  private readonly lead: HTMLButtonElement;
  private readonly menu: HTMLDetailsElement;
  private readonly summary: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly status: HTMLElement;
  private readonly stop: HTMLButtonElement;
  private key = '';

  constructor(root: HTMLElement, private readonly actions: RoundsActions) {
    this.name = el('input', '', root);
    this.name.id = 'presence-name';
    this.name.maxLength = 40;
    this.name.placeholder = 'Your name';
    this.name.setAttribute('aria-label', 'Your name as others in the ward see it');
    this.name.onchange = () => {
      const v = this.name.value.trim();
      if (v) actions.rename(v);
    };
    this.menu = el('details', '', root);
    this.menu.id = 'people-menu';
    this.summary = el('summary', '', this.menu, 'People');
    this.list = el('ul', 'people', this.menu);
    this.list.id = 'people';
    this.lead = el('button', 'act', root, 'Lead rounds');
    this.lead.id = 'lead';
    this.lead.setAttribute('aria-pressed', 'false');
    this.lead.onclick = () => actions.toggleLead();
    this.status = el('span', '', root);
    this.status.id = 'follow-status';
    this.status.setAttribute('role', 'status');
    this.stop = el('button', 'act', root, 'Stop following');
    this.stop.id = 'unfollow';
    this.stop.hidden = true;
    this.stop.onclick = () => actions.follow(null);
  }

  render(state: RoundsState, peers: PeerStore): void {
    const rows = [...peers.peers.values()].sort((a, b) => a.label.localeCompare(b.label));
    const key = JSON.stringify([state, rows.map((p) => [p.id, p.label, p.color, p.leading, p.following])]);
    if (key === this.key) return;
    this.key = key;
    if (document.activeElement !== this.name && this.name.value !== state.selfLabel) this.name.value = state.selfLabel;
    this.lead.textContent = state.leading ? 'Stop leading' : 'Lead rounds';
    this.lead.setAttribute('aria-pressed', String(state.leading));
    this.lead.hidden = state.following !== null; // "Stop following" takes its place
    const leader = state.following ? peers.peers.get(state.following) : undefined;
    let status = state.note;
    if (state.leading) status = `Leading rounds${state.followers ? ` · ${state.followers} following` : ''}`;
    else if (leader) status = `Following ${leader.label}`;
    setText(this.status, status);
    this.stop.hidden = !leader;
    const leaders = rows.filter((p) => p.leading).length;
    setText(this.summary, `People ${rows.length}${leaders ? ` · ${leaders} leading` : ''}`);
    this.list.innerHTML = '';
    if (!rows.length) el('li', 'empty', this.list, 'No one else is in the ward');
    for (const p of rows) {
      const li = el('li', '', this.list);
      li.dataset.peer = p.id;
      const dot = el('i', 'dot', li);
      dot.style.background = p.color;
      el('span', 'who', li, p.label);
      const lead = p.following ? peers.peers.get(p.following) : undefined;
      if (p.leading) el('span', 'badge lead', li, 'leading');
      else if (lead) el('span', 'muted', li, `→ ${lead.label}`);
      if (p.leading && state.following !== p.id && !state.leading) {
        const b = el('button', 'act follow', li, 'Follow');
        b.dataset.follow = p.id;
        b.setAttribute('aria-label', `Follow ${p.label}`);
        b.onclick = () => {
          this.menu.open = false;
          this.actions.follow(p.id);
        };
      }
    }
  }
}
