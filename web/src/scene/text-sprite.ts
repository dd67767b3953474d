// A camera-facing text label drawn on a canvas. redraw() re-renders only when the content key
// changed, so callers may call it every frame and still upload a texture rarely. A screen-space
// label (`screenSpace`) keeps its size in pixels at any distance (sizeAttenuation off; its owner
// sets the scale, scene/label-layout.ts), is anchored at its bottom centre, is not dimmed by the
// fog and is drawn over the scene.
import * as THREE from 'three';

export interface LabelLine {
  text: string;
  color: string;
  size: number; // px on the 512-wide canvas
  bold?: boolean;
}

export class TextSprite {
  readonly sprite: THREE.Sprite;
  private readonly canvas: HTMLCanvasElement;
  private readonly texture: THREE.CanvasTexture;
  private key = '';

  constructor(
    widthM: number,
    aspect = 0.5,
    private readonly background = 'rgba(10,14,19,0.82)',
    canvasWidth = 512,
    screenSpace = false,
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.width = canvasWidth;
    this.canvas.height = Math.round(canvasWidth * aspect);
    this.texture = new THREE.CanvasTexture(this.canvas);
    this.texture.colorSpace = THREE.SRGBColorSpace;
    this.texture.anisotropy = 4;
    const material = new THREE.SpriteMaterial({
      map: this.texture, transparent: true, depthWrite: false,
      ...(screenSpace ? { sizeAttenuation: false, fog: false, depthTest: false } : {}),
    });
    this.sprite = new THREE.Sprite(material);
    this.sprite.scale.set(widthM, widthM * aspect, 1);
    this.sprite.renderOrder = screenSpace ? 20 : 10;
    if (screenSpace) this.sprite.center.set(0.5, 0);
  }

  /** Draws the lines centred; `border` (a colour) frames the label, `dashed` for non-colour cue. */
  redraw(lines: LabelLine[], border?: string, dashed = false): void {
    const key = JSON.stringify([lines, border, dashed]);
    if (key === this.key) return;
    this.key = key;
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    const { width: w, height: h } = this.canvas;
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = this.background;
    const k = w / 512; // sizes are given for a 512-wide canvas
    ctx.beginPath();
    ctx.roundRect(6 * k, 6 * k, w - 12 * k, h - 12 * k, 28 * k);
    ctx.fill();
    if (border) {
      ctx.lineWidth = 12 * k;
      ctx.strokeStyle = border;
      ctx.setLineDash(dashed ? [28 * k, 16 * k] : []);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    const total = lines.reduce((a, l) => a + l.size * 1.15, 0);
    let y = (h - total) / 2;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const l of lines) {
      ctx.font = `${l.bold ? 700 : 500} ${l.size}px system-ui, sans-serif`;
      ctx.fillStyle = l.color;
      ctx.fillText(l.text, w / 2, y, w - 40 * k);
      y += l.size * 1.15;
    }
    this.texture.needsUpdate = true;
  }

  dispose(): void {
    this.texture.dispose();
    (this.sprite.material as THREE.SpriteMaterial).dispose();
  }
}
