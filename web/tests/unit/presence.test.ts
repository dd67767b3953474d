import { describe, expect, it } from 'vitest';
import {
  avatarTransform, entourageOffset, floorUnder, followStep, lerpAngle, PoseBuffer, poseFromTelemetry, wrapAngle,
  type Pose,
} from '../../src/presence/pose';
import { PeerStore } from '../../src/presence/peers';
import { entourageSlot, followStatus, panelAction } from '../../src/presence/follow';
import { PresenceSender } from '../../src/presence/presence-sender';
import type { ServerMessage, Twin } from '../../src/types';

const P = (x: number, z: number, heading = 0, y = 1.6, pitch = 0): Pose => ({ x, y, z, heading, pitch });
const tel = (p: Pose, t: number) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, { t, v }]));
const MODEL = 'dtmi:lingjing:ward:Presence;1';
const twin = (id: string, props: Record<string, unknown>, telemetry = {}): Twin => ({ id, model: MODEL, properties: props, telemetry });

describe('pose → avatar transform', () => {
  it('reads a pose only when every field is a number', () => {
    expect(poseFromTelemetry(tel(P(1, 2, 0.5), 1000))).toEqual({ t: 1000, pose: P(1, 2, 0.5) });
    const partial = tel(P(1, 2), 1000);
    delete partial.pitch;
    expect(poseFromTelemetry(partial)).toBeUndefined();
    expect(poseFromTelemetry({ ...tel(P(1, 2), 5), x: { t: 5, v: 'a' } })).toBeUndefined();
  });
  it('stands a viewer on the floor below a camera at eye height, facing its heading', () => {
    const t = avatarTransform(P(3, -4, 1.2, 1.6, -0.3), 0);
    expect(t).toMatchObject({ x: 3, y: 0, z: -4, floating: false, floorY: 0 });
    expect(t.rotY).toBeCloseTo(1.2, 12);
    expect(t.headPitch).toBeCloseTo(-0.3, 12);
    // Same on the second floor (4 m up).
    expect(avatarTransform(P(0, 0, 0, 5.8), 4)).toMatchObject({ y: 4, floating: false });
  });
  it('floats a camera high above the floor (overview) at the camera itself', () => {
    expect(avatarTransform(P(5, 5, 0, 20), 0)).toMatchObject({ x: 5, y: 20, z: 5, floating: true, floorY: 0 });
  });
  it('finds the floor under a height for stacked wards', () => {
    expect(floorUnder(1.6, 0, 8)).toBe(0);
    expect(floorUnder(5.2, 0, 8)).toBe(4);
    expect(floorUnder(40, 0, 8)).toBe(8);
    expect(floorUnder(-3, 0, 8)).toBe(0);
  });
  it('wraps and interpolates headings along the shorter arc', () => {
    expect(wrapAngle(3 * Math.PI)).toBeCloseTo(-Math.PI, 12);
    expect(wrapAngle(-0.5)).toBeCloseTo(-0.5, 12);
    // From +170° to −170° goes through 180°, not through 0°.
    const mid = lerpAngle((170 * Math.PI) / 180, (-170 * Math.PI) / 180, 0.5);
    expect(Math.abs(Math.abs(mid) - Math.PI)).toBeLessThan(1e-9);
  });
  it('queues followers behind their leader, left then right', () => {
    const h = 0; // leader looks along −z: behind is +z, left is −x
    const s0 = entourageOffset(0, h);
    const s1 = entourageOffset(1, h);
    const s2 = entourageOffset(2, h);
    expect(s0.dz).toBeCloseTo(1.0, 9);
    expect(s0.dx).toBeCloseTo(-0.6, 9);
    expect(s1.dx).toBeCloseTo(0.6, 9);
    expect(s2.dz).toBeGreaterThan(s0.dz);
    // Turned 90° left (looking along −x): behind is +x.
    expect(entourageOffset(0, Math.PI / 2).dx).toBeCloseTo(1.0, 9);
  });
});

describe('interpolation', () => {
  it('moves at constant speed between 10 Hz samples, shown delayMs late', () => {
    const b = new PoseBuffer(150);
    expect(b.at(0)).toBeUndefined();
    // Server times 0, 100, 200 ms; arrival with 20 ms transport (+ jitter on the second).
    b.push(1_000_000, P(0, 0), 20);
    b.push(1_000_100, P(1, 0), 150);
    b.push(1_000_200, P(2, 0), 220);
    // Offset = min(arrival − t) = 20 − 1_000_000. Local 20 + 150 → server t 1_000_000.
    expect(b.at(170)!.x).toBeCloseTo(0, 9);
    expect(b.at(220)!.x).toBeCloseTo(0.5, 9);
    expect(b.at(295)!.x).toBeCloseTo(1.25, 9);
    // Past the newest sample: hold it, never extrapolate.
    expect(b.at(10_000)!.x).toBe(2);
    // Before the first: the first.
    expect(b.at(0)!.x).toBe(0);
  });
  it('interpolates the heading across ±π and ignores stale or duplicate samples', () => {
    const b = new PoseBuffer(0);
    b.push(0, P(0, 0, 3.0), 0);
    b.push(100, P(0, 0, -3.0), 100);
    b.push(50, P(9, 9), 120); // older than the newest: dropped
    expect(b.size).toBe(2);
    const mid = b.at(50)!;
    expect(Math.abs(mid.heading)).toBeGreaterThan(3.0); // through π, not 0
    b.push(100, P(0, 0, -2.9), 130); // same t: replaced
    expect(b.latest()!.heading).toBe(-2.9);
  });
  it('glides the follower camera, frame-rate independent, and snaps across the ward', () => {
    const start = P(0, 0);
    const target = P(10, 0, 1);
    const one = followStep(start, target, 0.2, 0.25);
    let two = followStep(start, target, 0.1, 0.25);
    two = followStep(two, target, 0.1, 0.25);
    expect(one.x).toBeCloseTo(two.x, 9);
    expect(one.x).toBeGreaterThan(0);
    expect(one.x).toBeLessThan(10);
    let p = start;
    for (let i = 0; i < 120; i++) p = followStep(p, target, 1 / 60);
    expect(p.x).toBeCloseTo(10, 2);
    expect(p.heading).toBeCloseTo(1, 2);
    expect(followStep(start, P(500, 0), 0.016)).toEqual(P(500, 0));
  });
});

describe('peers from the presence subscription', () => {
  const snap = (twins: Twin[]): ServerMessage => ({ op: 'snapshot', sub: 'presence', twins });
  it('leaves out our own twin and viewers of another scene; follows joins, changes and leaves', () => {
    const s = new PeerStore('hospital', 0);
    s.setSelf('presence-me');
    s.apply(snap([
      twin('presence-me', { label: 'Me', scene: 'hospital' }, tel(P(0, 0), 1)),
      twin('presence-a', { label: 'Alice', scene: 'hospital', color: '#f472b6', leading: true }, tel(P(3, 4), 1)),
      twin('presence-x', { label: 'Xavier', scene: 'other-hospital' }),
    ]), 0);
    expect([...s.peers.keys()]).toEqual(['presence-a']);
    const a = s.peers.get('presence-a')!;
    expect(a).toMatchObject({ label: 'Alice', color: '#f472b6', leading: true, following: '' });
    expect(s.poseOf('presence-a', 10)).toEqual(P(3, 4));
    expect(s.leaders().map((p) => p.id)).toEqual(['presence-a']);

    const v = s.version;
    s.apply({ op: 'twin', sub: 'presence', twin: twin('presence-b', { label: 'Bob', scene: 'hospital', following: 'presence-a' }, tel(P(1, 1), 2)) }, 20);
    expect(s.version).toBeGreaterThan(v);
    expect(s.followersOf('presence-a').map((p) => p.id)).toEqual(['presence-b']);
    // A property change (no telemetry) keeps the pose.
    s.apply({ op: 'twin', sub: 'presence', twin: { id: 'presence-a', model: MODEL, properties: { label: 'Alice', scene: 'hospital', leading: false }, telemetry: undefined as never } }, 30);
    expect(s.peers.get('presence-a')!.leading).toBe(false);
    expect(s.poseOf('presence-a', 40)).toEqual(P(3, 4));
    // Deltas feed the interpolation buffer.
    s.apply({ op: 'delta', sub: 'presence', twins: { 'presence-a': tel(P(5, 4), 101) } }, 140);
    expect(s.peers.get('presence-a')!.poses.latest()).toEqual(P(5, 4));
    s.apply({ op: 'twin', sub: 'presence', id: 'presence-a', removed: true }, 50);
    expect([...s.peers.keys()]).toEqual(['presence-b']);
  });
  it('drops our own twin when the server tells us which it is after the snapshot', () => {
    const s = new PeerStore('hospital');
    s.apply(snap([twin('presence-me', { label: 'Me' }), twin('presence-a', { label: 'A' })]), 0);
    expect(s.peers.size).toBe(2);
    s.setSelf('presence-me');
    expect([...s.peers.keys()]).toEqual(['presence-a']);
  });
});

describe('follow the lead', () => {
  const store = () => {
    const s = new PeerStore('hospital', 0);
    s.apply({ op: 'snapshot', sub: 'presence', twins: [twin('lead', { label: 'Alice', leading: true }), twin('other', { label: 'Bob' })] }, 0);
    return s;
  };
  it('goes on while the leader leads; ends when it stops leading or leaves', () => {
    const s = store();
    expect(followStatus(null, s.peers)).toEqual({ following: false, ended: null });
    expect(followStatus('lead', s.peers)).toEqual({ following: true, ended: null });
    s.apply({ op: 'twin', sub: 'presence', twin: twin('lead', { label: 'Alice', leading: false }) }, 1);
    expect(followStatus('lead', s.peers)).toEqual({ following: false, ended: 'stopped-leading' });
    s.apply({ op: 'twin', sub: 'presence', id: 'lead', removed: true }, 2);
    expect(followStatus('lead', s.peers)).toEqual({ following: false, ended: 'left' });
  });
  it("opens the follower's panel on the leader's patient and closes only the one it opened", () => {
    const beds: Record<string, string> = { 'patient-a01': 'bed-a01', 'patient-a02': 'bed-a02' };
    const bedOf = (p: string) => beds[p];
    expect(panelAction('', 'patient-a01', bedOf, null)).toEqual({ kind: 'open', bedId: 'bed-a01' });
    expect(panelAction('patient-a01', 'patient-a02', bedOf, 'bed-a01')).toEqual({ kind: 'open', bedId: 'bed-a02' });
    expect(panelAction('patient-a01', 'patient-a01', bedOf, null)).toEqual({ kind: 'none' });
    expect(panelAction('', 'patient-a01', bedOf, 'bed-a01')).toEqual({ kind: 'none' }); // already open
    expect(panelAction('patient-a01', '', bedOf, 'bed-a01')).toEqual({ kind: 'close' });
    expect(panelAction('patient-a01', '', bedOf, 'bed-a02')).toEqual({ kind: 'none' }); // the follower's own
    expect(panelAction('', 'patient-zz', bedOf, null)).toEqual({ kind: 'none' }); // not in this ward
  });
  it('gives each follower its own queue slot', () => {
    const s = store();
    s.apply({ op: 'twin', sub: 'presence', twin: twin('f2', { label: 'Y', following: 'lead' }) }, 1);
    s.apply({ op: 'twin', sub: 'presence', twin: twin('f1', { label: 'Z', following: 'lead' }) }, 1);
    const f = s.followersOf('lead');
    expect(entourageSlot('f1', f)).toBe(0);
    expect(entourageSlot('f2', f)).toBe(1);
    expect(entourageSlot('other', f)).toBe(-1);
  });
});

describe('presence sender', () => {
  it('announces on connect, then sends changed properties only', () => {
    const sent: object[] = [];
    const s = new PresenceSender((m) => (sent.push(m), true), { label: 'Alice', scene: 'hospital', leading: false, following: '', focusPatient: '' });
    expect(s.hello()).toEqual([{ op: 'presence', scene: 'hospital', leading: false, label: 'Alice' }]);
    s.set({ leading: true, label: 'Alice' });
    expect(sent).toEqual([{ op: 'presence', leading: true }]);
    s.set({ leading: true });
    expect(sent.length).toBe(1);
    s.set({ focusPatient: 'patient-a01' });
    // After a reconnect the references to other twins come separately (they may be refused).
    expect(s.hello()).toEqual([
      { op: 'presence', scene: 'hospital', leading: true, label: 'Alice' },
      { op: 'presence', following: '', focusPatient: 'patient-a01' },
    ]);
  });
  it('sends poses at most every 125 ms and only when the camera moved or turned', () => {
    const sent: Array<Record<string, number>> = [];
    const s = new PresenceSender((m) => (sent.push(m as Record<string, number>), true), { scene: 'h', leading: false, following: '', focusPatient: '' });
    expect(s.pose(P(1, 2), 0)).toBe(true);
    expect(s.pose(P(5, 2), 50)).toBe(false); // too soon
    expect(s.pose(P(1, 2), 200)).toBe(false); // unchanged
    expect(s.pose(P(1.5, 2), 200)).toBe(true);
    expect(s.pose(P(1.5, 2, 0.1), 400)).toBe(true); // turned
    expect(sent.map((m) => m.x)).toEqual([1, 1.5, 1.5]);
    expect(sent[0]).toEqual({ op: 'pose', x: 1, y: 1.6, z: 2, heading: 0, pitch: 0 });
    // 10 s of 60 fps movement stays within the engine's 10 Hz.
    let n = 0;
    for (let t = 1000; t < 11_000; t += 1000 / 60) if (s.pose(P(t / 1000, 0), t)) n++;
    expect(n).toBeLessThanOrEqual(81);
    expect(n).toBeGreaterThan(60);
  });
  it('does not count a pose as sent while disconnected', () => {
    let up = false;
    const s = new PresenceSender(() => up, { scene: 'h', leading: false, following: '', focusPatient: '' });
    expect(s.pose(P(0, 0), 0)).toBe(false);
    up = true;
    expect(s.pose(P(0, 0), 10)).toBe(true);
  });
});
