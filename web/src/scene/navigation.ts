// First-person navigation: WASD / arrow keys walk, Q/E (or Space/Shift) fly down/up, drag with
// the mouse to look around, wheel to move forward. flyTo() glides the camera to a viewpoint
// (click-to-fly to a bed). Keys are ignored while typing in an input, and Space on a button.
// follow() makes the camera glide after a moving pose (another viewer's, in "follow the lead"
// rounds) until cleared.
import * as THREE from 'three';
import { followStep, type Pose } from '../presence/pose';

const SPEED = 6; // m/s
const LOOK = 0.004; // rad per px

export class Navigation {
  yaw = 0;
  pitch = -0.6;
  private keys = new Set<string>();
  private dragging = false;
  private moved = 0;
  private last = { x: 0, y: 0 };
  private flight: { from: THREE.Vector3; to: THREE.Vector3; yaw0: number; yaw1: number; p0: number; p1: number; t0: number; dur: number } | null = null;
  enabled = true;
  private following: Pose | null = null;

  constructor(
    private readonly camera: THREE.PerspectiveCamera,
    dom: HTMLElement,
  ) {
    window.addEventListener('keydown', (e) => {
      const t = e.target as HTMLElement;
      if (!this.enabled || t?.closest?.('input,textarea,select')) return;
      // Space presses a focused button (or overview tile); it does not also fly the camera up.
      if (e.code === 'Space' && t?.closest?.('button,summary,a,[role="button"]')) return;
      this.keys.add(e.code);
    });
    window.addEventListener('keyup', (e) => this.keys.delete(e.code));
    window.addEventListener('blur', () => this.keys.clear());
    dom.addEventListener('pointerdown', (e) => {
      this.dragging = true;
      this.moved = 0;
      this.last = { x: e.clientX, y: e.clientY };
    });
    window.addEventListener('pointerup', () => (this.dragging = false));
    window.addEventListener('pointermove', (e) => {
      if (!this.dragging || !this.enabled) return;
      const dx = e.clientX - this.last.x;
      const dy = e.clientY - this.last.y;
      this.moved += Math.abs(dx) + Math.abs(dy);
      this.last = { x: e.clientX, y: e.clientY };
      this.yaw -= dx * LOOK;
      this.pitch = Math.max(-1.5, Math.min(1.2, this.pitch - dy * LOOK));
      this.flight = null;
    });
    dom.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        this.flight = null;
        this.camera.position.addScaledVector(this.forward(true), -e.deltaY * 0.01);
      },
      { passive: false },
    );
  }

  /** True when the last pointer interaction was a click rather than a drag. */
  wasClick(): boolean {
    return this.moved < 6;
  }

  forward(withPitch = false): THREE.Vector3 {
    const c = withPitch ? Math.cos(this.pitch) : 1;
    return new THREE.Vector3(-Math.sin(this.yaw) * c, withPitch ? Math.sin(this.pitch) : 0, -Math.cos(this.yaw) * c);
  }

  lookAt(target: THREE.Vector3): void {
    const d = target.clone().sub(this.camera.position);
    this.yaw = Math.atan2(-d.x, -d.z);
    this.pitch = Math.atan2(d.y, Math.hypot(d.x, d.z));
  }

  flyTo(position: THREE.Vector3, target: THREE.Vector3, dur = 900): void {
    const d = target.clone().sub(position);
    let yaw1 = Math.atan2(-d.x, -d.z);
    while (yaw1 - this.yaw > Math.PI) yaw1 -= 2 * Math.PI;
    while (yaw1 - this.yaw < -Math.PI) yaw1 += 2 * Math.PI;
    this.flight = {
      from: this.camera.position.clone(), to: position.clone(), yaw0: this.yaw, yaw1,
      p0: this.pitch, p1: Math.atan2(d.y, Math.hypot(d.x, d.z)), t0: performance.now(), dur,
    };
  }

  /** Glide after `target` (updated every frame by the caller); null returns control to the user. */
  follow(target: Pose | null): void {
    this.following = target;
    if (target) this.flight = null;
  }

  update(dt: number): void {
    if (this.following) {
      const p = this.camera.position;
      const next = followStep({ x: p.x, y: p.y, z: p.z, heading: this.yaw, pitch: this.pitch }, this.following, dt);
      this.camera.position.set(next.x, next.y, next.z);
      this.yaw = next.heading;
      this.pitch = next.pitch;
    } else if (this.flight) {
      const f = this.flight;
      const k = Math.min(1, (performance.now() - f.t0) / f.dur);
      const e = k < 0.5 ? 2 * k * k : 1 - (-2 * k + 2) ** 2 / 2;
      this.camera.position.lerpVectors(f.from, f.to, e);
      this.yaw = f.yaw0 + (f.yaw1 - f.yaw0) * e;
      this.pitch = f.p0 + (f.p1 - f.p0) * e;
      if (k >= 1) this.flight = null;
    } else if (this.enabled && this.keys.size) {
      const fwd = this.forward();
      const right = new THREE.Vector3(-fwd.z, 0, fwd.x);
      const v = new THREE.Vector3();
      const k = (c: string) => this.keys.has(c);
      if (k('KeyW') || k('ArrowUp')) v.add(fwd);
      if (k('KeyS') || k('ArrowDown')) v.sub(fwd);
      if (k('KeyD') || k('ArrowRight')) v.add(right);
      if (k('KeyA') || k('ArrowLeft')) v.sub(right);
      if (k('KeyE') || k('Space')) v.y += 1;
      if (k('KeyQ') || k('ShiftLeft')) v.y -= 1;
      if (v.lengthSq() > 0) this.camera.position.addScaledVector(v.normalize(), SPEED * dt);
    }
    this.camera.rotation.set(this.pitch, this.yaw, 0, 'YXZ');
  }
}
