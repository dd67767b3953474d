// Measures the client against a real `lingjing demo`: FPS and latency (sensor time → frame) in the
// 3D ward and in the overview, with LJ_MEASURE_BEDS beds (default 48) over LJ_MEASURE_SECONDS
// (default 20) each, in headless chromium. SwiftShader is a CPU rasteriser, so the FPS printed is
// a lower bound for a machine with a GPU. Prints one JSON line; asserts nothing about speed.
// Run: npm run measure
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { Engine, findBinary, findChromium, freePort, launchBrowser, repo, waitFor } from './harness';

const beds = Number(process.env.LJ_MEASURE_BEDS ?? 48);
const seconds = Number(process.env.LJ_MEASURE_SECONDS ?? 20);

it.skipIf(!findChromium())('measures fps and latency', async () => {
  const engine = new Engine(findBinary(), await freePort(), beds);
  await engine.start();
  const browser = await launchBrowser(findChromium()!);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const sample = async (hash: string) => {
      await page.goto(engine.loginUrl('', hash.replace(/^#/, '')));
      await waitFor('beds', () => page.evaluate((n) => window.__lj?.bedIds.length === n, beds), 120_000);
      await page.waitForTimeout(seconds * 1000);
      return page.evaluate(() => ({
        fps: Math.round(window.__lj.fps * 10) / 10,
        latencyMs: Math.round(window.__lj.latencyMs ?? NaN),
        detailedAvatars: (window.__lj as unknown as { detailedAvatars: number }).detailedAvatars,
      }));
    };
    const ward = await sample('');
    const overview = await sample('#overview');
    const dist = join(repo, 'web/dist/assets');
    const bundle = Object.fromEntries(readdirSync(dist).map((f) => [f, statSync(join(dist, f)).size]));
    console.log(JSON.stringify({ beds, seconds, binary: engine.binary, ward, overview, bundle }));
    expect(ward.fps).toBeGreaterThan(0);
  } finally {
    await browser.close();
    await engine.stop();
    engine.cleanup();
  }
}, 600_000);
