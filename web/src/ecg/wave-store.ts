// Recent waveform blocks and gap markers per (twin, telemetry), trimmed to `keepMs`.
import type { GapMessage, WaveMessage } from '../types';
import type { Gap, WaveBlock } from './strip-math';

export class WaveStore {
  private blocks = new Map<string, WaveBlock[]>();
  private gaps = new Map<string, Gap[]>();

  constructor(readonly keepMs = 15_000) {}

  private static key(twin: string, telemetry: string): string {
    return `${twin}\u0000${telemetry}`;
  }

  addWave(m: WaveMessage): WaveBlock | null {
    const n = m.values?.length ?? 0;
    if (!n || !(m.rate > 0)) return null;
    const dt = 1000 / m.rate;
    const b: WaveBlock = { t0: m.t0, dt, v: Float32Array.from(m.values), end: m.t0 + n * dt };
    const k = WaveStore.key(m.twin, m.telemetry);
    let list = this.blocks.get(k);
    if (!list) this.blocks.set(k, (list = []));
    list.push(b);
    if (list.length > 1 && list[list.length - 2].t0 > b.t0) list.sort((a, c) => a.t0 - c.t0);
    while (list.length && list[0].end < b.end - this.keepMs) list.shift();
    const g = this.gaps.get(k);
    while (g && g.length && g[0].to < b.end - this.keepMs) g.shift();
    return b;
  }

  addGap(m: GapMessage): void {
    const k = WaveStore.key(m.twin, m.telemetry);
    let g = this.gaps.get(k);
    if (!g) this.gaps.set(k, (g = []));
    g.push({ from: m.from, to: m.to });
  }

  get(twin: string, telemetry: string): { blocks: WaveBlock[]; gaps: Gap[] } {
    const k = WaveStore.key(twin, telemetry);
    return { blocks: this.blocks.get(k) ?? [], gaps: this.gaps.get(k) ?? [] };
  }

  clear(): void {
    this.blocks.clear();
    this.gaps.clear();
  }
}
