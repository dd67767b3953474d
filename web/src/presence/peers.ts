// The other viewers in the ward, from the `presence` subscription ({model: Presence}): their
// presence twins' properties (label, colour, scene, leading, following, focusPatient) and pose
// telemetry, interpolated per peer. The viewer's own twin (`selfId`, from the server's reply to
// our `presence` op) and viewers of another scene are left out. Pure apart from the clock
// passed in.
import type { ServerMessage, TimedValue, Twin } from '../types';
import { PoseBuffer, poseFromTelemetry, type Pose } from './pose';

export interface Peer {
  id: string;
  label: string;
  color: string;
  scene: string;
  leading: boolean;
  following: string; // presence twin id of the leader, '' when not following
  focusPatient: string; // patient twin id whose panel is open, '' when none
  poses: PoseBuffer;
}

const str = (v: unknown, d = ''): string => (typeof v === 'string' ? v : d);

export class PeerStore {
  readonly peers = new Map<string, Peer>();
  private all = new Map<string, Twin>();
  selfId: string | null = null;
  /** Bumped whenever peers join, leave or change properties (not on pose updates). */
  version = 0;

  constructor(
    private readonly scene: string,
    private readonly delayMs = 150,
  ) {}

  setSelf(id: string | null): void {
    this.selfId = id;
    this.rebuild();
  }

  /** Applies a message of the presence subscription; `localMs` is its arrival time. */
  apply(m: ServerMessage, localMs: number): void {
    switch (m.op) {
      case 'snapshot':
        this.all.clear();
        for (const t of m.twins ?? []) this.all.set(t.id, { ...t, telemetry: { ...(t.telemetry ?? {}) } });
        this.rebuild(localMs, true);
        break;
      case 'twin':
        if (m.removed) {
          const id = m.id ?? m.twin?.id;
          if (id) this.all.delete(id);
        } else if (m.twin) {
          const old = this.all.get(m.twin.id);
          this.all.set(m.twin.id, {
            ...m.twin,
            telemetry: { ...(old?.telemetry ?? {}), ...(m.twin.telemetry ?? {}) },
          });
        }
        this.rebuild(localMs, !!m.twin?.telemetry);
        break;
      case 'delta':
        for (const [id, tel] of Object.entries(m.twins ?? {})) {
          const t = this.all.get(id);
          if (!t) continue;
          Object.assign(t.telemetry, tel as Record<string, TimedValue>);
          const peer = this.peers.get(id);
          const p = poseFromTelemetry(t.telemetry);
          if (peer && p) peer.poses.push(p.t, p.pose, localMs);
        }
        break;
      default:
        break;
    }
  }

  private rebuild(localMs = 0, seedPoses = false): void {
    const keep = new Set<string>();
    for (const t of this.all.values()) {
      if (t.id === this.selfId) continue;
      const scene = str(t.properties?.scene);
      if (scene && scene !== this.scene) continue;
      keep.add(t.id);
      let peer = this.peers.get(t.id);
      if (!peer) {
        peer = {
          id: t.id, label: '', color: '#a78bfa', scene, leading: false, following: '', focusPatient: '',
          poses: new PoseBuffer(this.delayMs),
        };
        this.peers.set(t.id, peer);
        seedPoses = true;
      }
      const props = t.properties ?? {};
      peer.label = str(props.label, t.id);
      peer.color = /^#[0-9a-f]{6}$/i.test(str(props.color)) ? str(props.color) : '#a78bfa';
      peer.scene = scene;
      peer.leading = props.leading === true;
      peer.following = str(props.following);
      peer.focusPatient = str(props.focusPatient);
      if (seedPoses) {
        const p = poseFromTelemetry(t.telemetry);
        if (p) peer.poses.push(p.t, p.pose, localMs);
      }
    }
    for (const id of [...this.peers.keys()]) if (!keep.has(id)) this.peers.delete(id);
    this.version++;
  }

  /** Peers that lead a round. */
  leaders(): Peer[] {
    return [...this.peers.values()].filter((p) => p.leading).sort((a, b) => a.label.localeCompare(b.label));
  }

  /** Peers following `leaderId`, in a stable order (their queue slots). */
  followersOf(leaderId: string): Peer[] {
    return [...this.peers.values()].filter((p) => p.following === leaderId).sort((a, b) => a.id.localeCompare(b.id));
  }

  poseOf(id: string, localMs: number): Pose | undefined {
    return this.peers.get(id)?.poses.at(localMs);
  }
}
