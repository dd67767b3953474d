// End to end, the 3D ward's readability with a 48-bed ward (LJ_E2E_WARD_BEDS): the home view
// frames every bed at 1280×800 and 1920×1080; bed labels keep their size in pixels from the whole
// ward to the foot of a bed and, where they would overlap, the less urgent give way (an alarmed
// bed's never does); an alarmed bed is circled by a pulsing ring in its priority's colour and its
// label is larger and raised; "Most urgent" (button, or U) flies to the most urgent bed and opens
// its panel, and again to the next one. Screenshots of each.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ClientPage, Engine, findBinary, findChromium, freePort, launchBrowser, saveArtifact, waitFor } from './harness';

const BEDS = Number(process.env.LJ_E2E_WARD_BEDS ?? 48);
const chromiumPath = findChromium();

interface Rect { x: number; y: number; w: number; h: number }
interface LabelInfo { mode: 'full' | 'compact' | 'hidden'; lift: number; rect: Rect | null }
interface LjWard {
  connection: string;
  bedIds: string[];
  selected: string | null;
  mostUrgent: string | null;
  value(bed: string, name: string): unknown;
  screenPosition(bed: string): { x: number; y: number } | null;
  labelInfo(bed: string): LabelInfo | null;
  ring(bed: string): { visible: boolean; color: string; opacity: number } | null;
  camera(): { x: number; y: number; z: number };
  home(): void;
  select(bed: string): void;
}
const lj = <T>(p: Page, fn: (l: LjWard) => T): Promise<T> => p.evaluate(`(${fn.toString()})(window.__lj)`) as Promise<T>;
const ljArg = <T, A>(p: Page, fn: (l: LjWard, a: A) => T, arg: A): Promise<T> =>
  p.evaluate(`(${fn.toString()})(window.__lj, ${JSON.stringify(arg)})`) as Promise<T>;

const overlap = (a: Rect, b: Rect) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

describe.skipIf(!chromiumPath)(`3D ward readability with ${BEDS} beds`, () => {
  let engine: Engine;
  let client: ClientPage;
  let browser: Browser;
  let page: Page;
  let alarmBed = '';
  let limits = '';

  beforeAll(async () => {
    engine = new Engine(findBinary(), Number(process.env.LJ_E2E_PORT) || (await freePort()), BEDS);
    await engine.start();
    client = await ClientPage.start(engine, inject('clientDist'));
    browser = await launchBrowser(chromiumPath!);
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(engine.loginUrl('', '', client.base));
    await waitFor('every bed in the scene and live', () => lj(page, (l) => l.connection === 'live' && l.bedIds.length > 0), 180_000);
    await waitFor('vitals', () => lj(page, (l) => l.bedIds.filter((b) => typeof l.value(b, 'hr') === 'number').length === l.bedIds.length), 90_000);
    // A high-priority alarm on a known bed (its live HR is above an extreme limit of 45).
    alarmBed = 'bed-a10';
    const patient = ((await (await engine.fetch(`${engine.base}/api/v1/twins/${alarmBed}/relationships/occupiedBy`)).json()) as { $targetId: string }).$targetId;
    limits = `${engine.base}/api/v1/patients/${patient}/alarm-limits`;
    const r = await engine.fetch(limits, {
      method: 'PUT', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ hr: { extremeLow: 20, low: 30, high: 40, extremeHigh: 45, onsetS: 0, extremePriority: 'high' } }),
    });
    if (!r.ok) limits = '';
  });

  afterAll(async () => {
    if (limits) await engine.fetch(limits, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{}' }).catch(() => {});
    await browser?.close();
    await client?.close();
    await engine?.stop();
    engine?.cleanup();
  });

  /** Every bed's screen position inside the 3D canvas (CSS px, with `margin`). */
  const bedsOffScreen = async (margin = 4) => {
    const box = (await page.$eval('#scene', (c) => {
      const r = c.getBoundingClientRect();
      return { x: r.left, y: r.top, w: r.width, h: r.height };
    }));
    const pos = await lj(page, (l) => l.bedIds.map((b) => [b, l.screenPosition(b)] as const));
    return pos.filter(([, p]) => !p || p.x < box.x + margin || p.x > box.x + box.w - margin || p.y < box.y + margin || p.y > box.y + box.h - margin).map(([b]) => b);
  };

  for (const [w, h] of [[1280, 800], [1920, 1080]]) {
    it(`frames every bed in the home view at ${w}×${h}, labels sized in pixels and not piled up`, async () => {
      await page.setViewportSize({ width: w, height: h });
      await page.keyboard.press('Escape');
      await page.click('#home-view');
      await page.waitForTimeout(1500);
      expect(await bedsOffScreen(), 'beds outside the canvas').toEqual([]);
      const labels = await lj(page, (l) => l.bedIds.map((b) => ({ b, alarmed: (l.value(b, 'priority') as number) > 0, ...l.labelInfo(b)! })));
      const shown = labels.filter((x) => x.mode !== 'hidden');
      expect(shown.length, 'labels shown at the home view').toBeGreaterThan(BEDS / 4);
      for (const x of shown) {
        if (x.mode === 'full') expect([63, 76], `label height of ${x.b}`).toContain(Math.round(x.rect!.h));
        else expect(Math.round(x.rect!.h)).toBe(28);
      }
      for (let i = 0; i < shown.length; i++) {
        for (let j = i + 1; j < shown.length; j++) {
          if (shown[i].alarmed && shown[j].alarmed) continue; // alarms are never hidden, even when crowded
          expect(overlap(shown[i].rect!, shown[j].rect!), `${shown[i].b} and ${shown[j].b} overlap`).toBe(false);
        }
      }
      expect(labels.filter((x) => x.alarmed).every((x) => x.mode === 'full'), 'every alarmed bed has its full label').toBe(true);
      saveArtifact(`ward-home-${w}x${h}.png`, await page.screenshot());
    });
  }

  it('keeps a label the same size in pixels near and far', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.click('#home-view');
    await page.waitForTimeout(800);
    const bed = 'bed-a01';
    await page.evaluate((b) => (window as unknown as { __lj: LjWard }).__lj.select(b), bed);
    await page.waitForTimeout(2000); // the flight to the foot of the bed
    const near = await ljArg(page, (l, b: string) => l.labelInfo(b), bed);
    expect(near!.mode).toBe('full');
    const alarmed = (await ljArg(page, (l, b: string) => l.value(b, 'priority'), bed)) as number;
    expect(Math.round(near!.rect!.h)).toBe(alarmed > 0 ? 76 : 63);
    saveArtifact('ward-label-near.png', await page.screenshot());
    await page.keyboard.press('Escape');
  });

  it('circles an alarmed bed with a pulsing ring and raises its label', async (ctx) => {
    if (!limits) ctx.skip();
    await page.click('#home-view');
    await waitFor('the high alarm on the bed', () => ljArg(page, (l, b: string) => l.value(b, 'priority') === 3, alarmBed), 90_000);
    const samples: Array<{ visible: boolean; color: string; opacity: number }> = [];
    for (let i = 0; i < 20; i++) {
      samples.push((await ljArg(page, (l, b: string) => l.ring(b), alarmBed))!);
      await page.waitForTimeout(100);
    }
    expect(samples.every((s) => s.visible && s.color === '#ef4444')).toBe(true);
    const ops = samples.map((s) => s.opacity);
    expect(Math.max(...ops) - Math.min(...ops), 'the ring pulses').toBeGreaterThan(0.1);
    const calm = await waitFor('a bed without an alarm', () => lj(page, (l) => l.bedIds.find((b) => (l.value(b, 'priority') as number) === 0) ?? null), 30_000);
    expect((await ljArg(page, (l, b: string) => l.ring(b), calm))!.visible).toBe(false);
    const label = (await ljArg(page, (l, b: string) => l.labelInfo(b), alarmBed))!;
    expect(label.mode).toBe('full');
    expect(Math.round(label.rect!.h), 'an alarmed bed has the larger label').toBe(76);
    const anchor = (await ljArg(page, (l, b: string) => l.screenPosition(b), alarmBed))!;
    expect(label.rect!.y + label.rect!.h, 'raised above its bed').toBeLessThan(anchor.y - 14);
    saveArtifact('ward-alarm-ring.png', await page.screenshot());
  });

  it('goes to the most urgent bed with the button and with U, then to the next', async () => {
    await page.click('#home-view');
    const top = await waitFor('a most urgent bed', () => lj(page, (l) => l.mostUrgent), 30_000);
    const before = await lj(page, (l) => l.camera());
    expect(await page.textContent('#urgent-bed')).toMatch(/^Most urgent: A\d+/);
    expect(await page.getAttribute('#urgent-bed', 'aria-keyshortcuts')).toBe('U');
    await page.click('#urgent-bed');
    await waitFor('its panel open', () => lj(page, (l) => l.selected), 10_000);
    expect(await lj(page, (l) => l.selected)).toBe(top);
    await waitFor('the camera at the bed', async () => {
      const c = await lj(page, (l) => l.camera());
      return Math.hypot(c.x - before.x, c.y - before.y, c.z - before.z) > 2;
    }, 20_000);
    await page.waitForTimeout(1200);
    saveArtifact('ward-most-urgent.png', await page.screenshot());
    // U from the keyboard: the next bed that needs attention (when there is one).
    await page.focus('#scene');
    await page.keyboard.press('u');
    await page.waitForTimeout(300);
    const next = await lj(page, (l) => l.selected);
    const urgentCount = await lj(page, (l) => l.bedIds.filter((b) => (l.value(b, 'priority') as number) > 0 || (l.value(b, 'news2') as number) >= 5).length);
    if (urgentCount > 1) expect(next).not.toBe(top);
    else expect(next).toBe(top);
    // Reached by Tab and Enter as well.
    await page.keyboard.press('Escape');
    await page.focus('#bed-picker');
    for (let i = 0; i < 3 && (await page.evaluate(() => document.activeElement?.id)) !== 'urgent-bed'; i++) await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('urgent-bed');
    await page.keyboard.press('Enter');
    await waitFor('a panel open from the keyboard', () => lj(page, (l) => !!l.selected), 10_000);
    await page.keyboard.press('Escape');
  });
});
