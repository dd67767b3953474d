// Another viewer's avatar fades out as our camera comes within about a metre of it, so a peer
// standing where we stand (or walking through us) never fills the screen. Pure.
import type { Vec3 } from './spawn';

/** At or beyond this distance (m) an avatar is fully opaque… */
export const FADE_FAR = 1.5;
/** …and at or within this one it is not drawn at all. */
export const FADE_NEAR = 0.75;

/**
 * Distance from the camera to an avatar's figure: the vertical segment from `base` (its feet, or
 * its head when floating) up `height` metres (to the top of its head; 0 for a floating head).
 */
export function figureDistance(camera: Vec3, base: Vec3, height: number): number {
  const y = Math.max(base.y, Math.min(base.y + Math.max(0, height), camera.y));
  return Math.hypot(camera.x - base.x, camera.y - y, camera.z - base.z);
}

/** Opacity factor 0…1 for an avatar `distance` metres away: a smooth ramp from FADE_NEAR to FADE_FAR. */
export function proximityOpacity(distance: number, near = FADE_NEAR, far = FADE_FAR): number {
  if (!(distance > near)) return 0; // also NaN
  if (distance >= far) return 1;
  const k = (distance - near) / (far - near);
  return k * k * (3 - 2 * k);
}
