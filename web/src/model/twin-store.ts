// Client-side mirror of the subscribed subtree: twins with latest telemetry (snapshot, delta,
// twin join/leave), relationships fetched over REST for the structural twins, and the derived
// Structure. Listeners hear "structure" (graph changed) and "values" (telemetry changed).
import type { Relationship, ServerMessage, TimedValue, Twin } from '../types';
import { isModel } from '../types';
import { buildStructure, type Structure } from './structure';

type Listener = (kind: 'structure' | 'values', changed?: Set<string>) => void;

const STRUCTURAL = ['Hospital', 'Ward', 'Room', 'Bed'];
const RELATIONSHIP_REFRESH_MS = 20_000;

export class TwinStore {
  readonly twins = new Map<string, Twin>();
  readonly rels = new Map<string, Relationship[]>();
  structure: Structure = { wards: [], rooms: new Map(), beds: [] };
  private listeners: Listener[] = [];
  private relTimer: ReturnType<typeof setTimeout> | undefined;
  private relRefresh: ReturnType<typeof setInterval> | undefined;
  /** Sensor times of scalars received since the last frame (for the latency readout). */
  pendingTimes: number[] = [];

  constructor(private readonly apiBase = '') {}

  on(l: Listener): void {
    this.listeners.push(l);
  }

  private emit(kind: 'structure' | 'values', changed?: Set<string>): void {
    for (const l of this.listeners) l(kind, changed);
  }

  apply(m: ServerMessage): void {
    switch (m.op) {
      case 'snapshot':
        this.twins.clear();
        for (const t of m.twins ?? []) this.upsert(t, true);
        this.restructure();
        this.scheduleRelationships(0);
        // A patient moved between beds of the subtree stays subscribed (no `twin` message): a
        // slow refresh of the relationships catches such moves.
        clearInterval(this.relRefresh);
        this.relRefresh = setInterval(() => void this.fetchRelationships(), RELATIONSHIP_REFRESH_MS);
        break;
      case 'delta': {
        const changed = new Set<string>();
        for (const [id, tel] of Object.entries(m.twins ?? {})) {
          const t = this.twins.get(id);
          if (!t) continue;
          for (const [name, tv] of Object.entries(tel as Record<string, TimedValue>)) {
            t.telemetry[name] = tv;
            if (typeof tv.t === 'number') this.pendingTimes.push(tv.t);
          }
          changed.add(id);
        }
        if (this.pendingTimes.length > 5000) this.pendingTimes.splice(0, this.pendingTimes.length - 5000);
        this.emit('values', changed);
        break;
      }
      case 'twin': {
        if (m.removed) {
          const id = m.id ?? m.twin?.id;
          if (id) {
            this.twins.delete(id);
            this.rels.delete(id);
          }
        } else if (m.twin) {
          this.upsert(m.twin, false);
        }
        this.restructure();
        this.scheduleRelationships(250);
        break;
      }
      default:
        break;
    }
  }

  private upsert(t: Twin, fresh: boolean): void {
    const old = this.twins.get(t.id);
    this.twins.set(t.id, {
      id: t.id,
      model: t.model ?? old?.model ?? '',
      properties: t.properties ?? {},
      telemetry: t.telemetry ?? (!fresh && old ? old.telemetry : {}),
    });
  }

  private restructure(): void {
    this.structure = buildStructure(this.twins, this.rels);
    this.emit('structure');
  }

  private scheduleRelationships(ms: number): void {
    clearTimeout(this.relTimer);
    this.relTimer = setTimeout(() => void this.fetchRelationships(), ms);
  }

  /** Outgoing relationships of every hospital, ward, room and bed (a few requests at a time). */
  async fetchRelationships(): Promise<void> {
    const ids = [...this.twins.values()].filter((t) => STRUCTURAL.some((n) => isModel(t, n))).map((t) => t.id);
    const fetched = new Map<string, Relationship[]>();
    const queue = [...ids];
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        try {
          const r = await fetch(`${this.apiBase}/api/v1/twins/${encodeURIComponent(id)}/relationships`);
          if (!r.ok) continue;
          const j = (await r.json()) as { value?: Array<Record<string, unknown>> };
          fetched.set(
            id,
            (j.value ?? []).map((x) => ({ name: String(x.$relationshipName), target: String(x.$targetId) })),
          );
        } catch {
          /* keep what we had; the id convention fills in */
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    let changed = false;
    for (const [id, list] of fetched) {
      const old = JSON.stringify(this.rels.get(id) ?? null);
      if (old !== JSON.stringify(list)) changed = true;
      this.rels.set(id, list);
    }
    if (changed) this.restructure();
  }
}
