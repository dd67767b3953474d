// Frame-rate and latency readouts. Latency = local time when a frame showing a value is rendered
// minus the value's sensor timestamp (includes clock skew between sensor and viewer); the median
// over the last 2 s is shown.
export class FrameStats {
  fps = 0;
  latencyMs: number | null = null;
  private frames = 0;
  private fpsStart = 0;
  private samples: Array<{ at: number; ms: number }> = [];

  frame(nowMs: number, sensorTimes: number[]): void {
    this.frames++;
    if (!this.fpsStart) this.fpsStart = nowMs;
    if (nowMs - this.fpsStart >= 1000) {
      this.fps = (this.frames * 1000) / (nowMs - this.fpsStart);
      this.frames = 0;
      this.fpsStart = nowMs;
    }
    // One sample per frame: the newest value shown in it.
    if (sensorTimes.length) this.samples.push({ at: nowMs, ms: nowMs - Math.max(...sensorTimes) });
    while (this.samples.length && this.samples[0].at < nowMs - 2000) this.samples.shift();
    if (this.samples.length) {
      const sorted = this.samples.map((s) => s.ms).sort((a, b) => a - b);
      this.latencyMs = sorted[Math.floor(sorted.length / 2)];
    }
  }
}
