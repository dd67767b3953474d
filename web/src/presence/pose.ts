// Viewer poses (presence telemetry x, y, z, heading, pitch — models/ward/presence.json) and the
// maths that turn them into something drawn: smooth interpolation between received samples,
// the standing avatar's transform, and the follower camera's glide. Pure.
//
// Conventions (as the first-person camera, scene/navigation.ts): metres, y up; heading is the
// yaw about +y with 0 looking along −z and +π/2 looking along −x; pitch > 0 looks up.

export interface Pose {
  x: number;
  y: number; // eye height (world)
  z: number;
  heading: number;
  pitch: number;
}

export const POSE_FIELDS = ['x', 'y', 'z', 'heading', 'pitch'] as const;

/** A full pose from a presence twin's telemetry map, or undefined while any field is missing. */
export function poseFromTelemetry(tel: Record<string, { t: number; v: unknown }> | undefined): { t: number; pose: Pose } | undefined {
  if (!tel) return undefined;
  const p: Partial<Pose> = {};
  let t = -Infinity;
  for (const f of POSE_FIELDS) {
    const tv = tel[f];
    if (!tv || typeof tv.v !== 'number' || !Number.isFinite(tv.v)) return undefined;
    p[f] = tv.v;
    if (typeof tv.t === 'number' && tv.t > t) t = tv.t;
  }
  return { t, pose: p as Pose };
}

/** Angle in [−π, π). */
export function wrapAngle(a: number): number {
  const w = (((a + Math.PI) % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
  return w - Math.PI;
}

/** Interpolates angles along the shorter arc. */
export function lerpAngle(a: number, b: number, k: number): number {
  return wrapAngle(a + wrapAngle(b - a) * k);
}

export function lerpPose(a: Pose, b: Pose, k: number): Pose {
  return {
    x: a.x + (b.x - a.x) * k,
    y: a.y + (b.y - a.y) * k,
    z: a.z + (b.z - a.z) * k,
    heading: lerpAngle(a.heading, b.heading, k),
    pitch: a.pitch + (b.pitch - a.pitch) * k,
  };
}

/**
 * Snapshot interpolation of one peer's pose. Samples carry the server's time `t`; they are shown
 * `delayMs` late on the local clock so there is (almost) always a sample on either side, and the
 * pose moves at constant speed between them instead of jumping at each 10 Hz delta. The offset
 * server → local is the smallest (arrival − t) seen: the least-delayed sample.
 */
export class PoseBuffer {
  private samples: { t: number; pose: Pose }[] = [];
  private offset = Infinity;

  constructor(
    readonly delayMs = 150,
    private readonly keep = 32,
  ) {}

  get size(): number {
    return this.samples.length;
  }

  /** `t`: server time of the sample (ms); `localMs`: local time it arrived. */
  push(t: number, pose: Pose, localMs: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && t <= last.t) {
      if (t === last.t) last.pose = pose; // same sample re-sent (snapshot after a delta)
      return;
    }
    this.offset = Math.min(this.offset, localMs - t);
    this.samples.push({ t, pose });
    if (this.samples.length > this.keep) this.samples.splice(0, this.samples.length - this.keep);
  }

  /** The pose to draw at local time `localMs`, or undefined before the first sample. */
  at(localMs: number): Pose | undefined {
    const s = this.samples;
    if (!s.length) return undefined;
    const t = localMs - this.offset - this.delayMs;
    if (t <= s[0].t) return s[0].pose;
    const last = s[s.length - 1];
    if (t >= last.t) return last.pose; // no extrapolation: hold the newest
    let i = s.length - 1;
    while (i > 0 && s[i - 1].t > t) i--;
    const a = s[i - 1];
    const b = s[i];
    return lerpPose(a.pose, b.pose, (t - a.t) / (b.t - a.t));
  }

  latest(): Pose | undefined {
    return this.samples[this.samples.length - 1]?.pose;
  }
}

/** Eye height of a standing person; cameras up to STAND_MAX above the floor stand on it. */
export const EYE_HEIGHT = 1.6;
export const STAND_MAX = 2.6;

export interface AvatarTransform {
  /** Feet position (standing) or the marker's centre (floating). */
  x: number;
  y: number;
  z: number;
  /** Rotation about +y so the avatar faces its heading (three.js: faces −z at 0). */
  rotY: number;
  /** Head tilt (pitch). */
  headPitch: number;
  /** Camera far above the floor (overview): a floating marker at the camera, line to the floor. */
  floating: boolean;
  /** Floor under the viewer. */
  floorY: number;
}

/** Where and how to draw a viewer whose camera is at `pose`, above floor level `floorY`. */
export function avatarTransform(pose: Pose, floorY: number): AvatarTransform {
  const above = pose.y - floorY;
  const floating = above > STAND_MAX || above < 0;
  return {
    x: pose.x,
    y: floating ? pose.y : floorY,
    z: pose.z,
    rotY: wrapAngle(pose.heading),
    headPitch: Math.max(-1.2, Math.min(1.2, pose.pitch)),
    floating,
    floorY,
  };
}

/** Floor level under a height, for wards stacked `floorHeight` apart from `minY`. */
export function floorUnder(y: number, minY: number, maxY: number, floorHeight = 4): number {
  const n = Math.floor((y - minY + 0.5) / floorHeight);
  return Math.max(minY, Math.min(maxY, minY + Math.max(0, n) * floorHeight));
}

/**
 * Where a follower is drawn by everyone else: in a queue behind its leader (slot 0 behind-left,
 * 1 behind-right, 2 further back-left…), not inside the leader, whose pose its camera copies.
 */
export function entourageOffset(slot: number, heading: number): { dx: number; dz: number } {
  const back = 1.0 + 0.8 * Math.floor(slot / 2);
  const side = slot % 2 === 0 ? -0.6 : 0.6;
  // Forward is (−sin h, −cos h); right is (cos h, −sin h).
  const fx = -Math.sin(heading);
  const fz = -Math.cos(heading);
  const rx = Math.cos(heading);
  const rz = -Math.sin(heading);
  return { dx: -fx * back + rx * side, dz: -fz * back + rz * side };
}

/**
 * One frame of the follower's camera gliding to the leader's pose: exponential approach with
 * time constant `tauS` (frame-rate independent), angles along the shorter arc; snaps when far.
 */
export function followStep(cur: Pose, target: Pose, dtS: number, tauS = 0.25, snapM = 60): Pose {
  if (Math.hypot(target.x - cur.x, target.y - cur.y, target.z - cur.z) > snapM) return { ...target };
  const k = 1 - Math.exp(-Math.max(0, dtS) / tauS);
  return lerpPose(cur, target, k);
}
