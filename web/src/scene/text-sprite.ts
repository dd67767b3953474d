// A camera-facing text label drawn on a canvas. redraw() re-renders only when the content key
// changed, so callers may call it every frame and still upload a texture rarely.
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
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.width = 512;
    this.canvas.height = Math.round(512 * aspect);
    this.texture = new THREE.CanvasTexture(this.canvas);
    this.texture.colorSpace = THREE.SRGBColorSpace;
    this.texture.anisotropy = 4;
    const material = new THREE.SpriteMaterial({ map: this.texture, transparent: true, depthWrite: false });
    this.sprite = new THREE.Sprite(material);
    this.sprite.scale.set(widthM, widthM * aspect, 1);
    this.sprite.renderOrder = 10;
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
    ctx.beginPath();
    ctx.roundRect(6, 6, w - 12, h - 12, 28);
    ctx.fill();
    if (border) {
      ctx.lineWidth = 12;
      ctx.strokeStyle = border;
      ctx.setLineDash(dashed ? [28, 16] : []);
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
      ctx.fillText(l.text, w / 2, y, w - 40);
      y += l.size * 1.15;
    }
    this.texture.needsUpdate = true;
  }

  dispose(): void {
    this.texture.dispose();
    (this.sprite.material as THREE.SpriteMaterial).dispose();
  }
}
