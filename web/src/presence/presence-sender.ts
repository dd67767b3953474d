// Our side of presence over the live connection: announces this viewer (`presence` op: label,
// scene, leading, following, focusPatient) on every (re)connect and sends the camera pose
// (`pose` op) when it changed, at most every `minIntervalMs` (the engine accepts ≤ 10 Hz).
import type { Pose } from './pose';

export interface PresenceProps {
  label?: string;
  scene: string;
  leading: boolean;
  following: string;
  focusPatient: string;
}

export class PresenceSender {
  readonly props: PresenceProps;
  private lastSent: Pose | null = null;
  private lastAt = -Infinity;

  constructor(
    private readonly send: (m: object) => boolean,
    props: PresenceProps,
    private readonly minIntervalMs = 125,
    private readonly minMoveM = 0.01,
    private readonly minTurnRad = 0.003,
  ) {
    this.props = { ...props };
  }

  /**
   * The messages to send right after (re)connecting: the announcement (label, scene, leading —
   * fields that cannot be refused), then following/focus, which refer to other twins and may be
   * refused after a restart without losing the announcement.
   */
  hello(): object[] {
    this.lastSent = null;
    this.lastAt = -Infinity;
    const first: Record<string, unknown> = { op: 'presence', scene: this.props.scene, leading: this.props.leading };
    if (this.props.label) first.label = this.props.label;
    const msgs: object[] = [first];
    if (this.props.following || this.props.focusPatient) {
      msgs.push({ op: 'presence', following: this.props.following, focusPatient: this.props.focusPatient });
    }
    return msgs;
  }

  /** Changes some properties and tells the engine (when connected). */
  set(change: Partial<PresenceProps>): void {
    const diff: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(change) as [keyof PresenceProps, unknown][]) {
      if (v === undefined || this.props[k] === v) continue;
      (this.props as unknown as Record<string, unknown>)[k] = v;
      diff[k] = v;
    }
    if (Object.keys(diff).length) this.send({ op: 'presence', ...diff });
  }

  /** Sends `p` if it moved enough since the last pose sent and the interval passed. */
  pose(p: Pose, nowMs: number): boolean {
    if (nowMs - this.lastAt < this.minIntervalMs) return false;
    const l = this.lastSent;
    if (l) {
      const moved = Math.hypot(p.x - l.x, p.y - l.y, p.z - l.z) >= this.minMoveM;
      const turned = Math.abs(p.heading - l.heading) >= this.minTurnRad || Math.abs(p.pitch - l.pitch) >= this.minTurnRad;
      if (!moved && !turned) return false;
    }
    const r = (v: number, d: number) => Math.round(v * d) / d;
    const msg = { op: 'pose', x: r(p.x, 1000), y: r(p.y, 1000), z: r(p.z, 1000), heading: r(p.heading, 10000), pitch: r(p.pitch, 10000) };
    if (!this.send(msg)) return false;
    this.lastSent = { ...p };
    this.lastAt = nowMs;
    return true;
  }
}
