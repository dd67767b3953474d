// End to end, the central station with a 48-bed ward (LJ_E2E_STATION_BEDS): every tile on screen
// draws a live waveform while only the tiles on screen are subscribed to, and the page stays
// responsive; a tile shows the most severe active alarm first — an older latched one is
// outlined and says "ended · latched" — with its onset and duration; Acknowledge on the tile
// acknowledges it in the engine as the logged-in user; a viewer (who may not acknowledge) gets
// no Acknowledge. Screenshots at 1280×800 and 1920×1080.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ClientPage, Engine, findBinary, findChromium, freePort, launchBrowser, saveArtifact, seriousAxeViolations, waitFor } from './harness';

const BEDS = Number(process.env.LJ_E2E_STATION_BEDS ?? 48);
const chromiumPath = findChromium();

interface AlarmInfo { id: string; state: string; message: string; priority: number; kind: string; ended?: number; acknowledgedBy: string }
interface LjStation {
  connection: string;
  bedIds: string[];
  selected: string | null;
  alarmsAvailable: boolean | null;
  tileWaves: { subscribed: string[]; drawn: number; drawMs: number };
  value(bed: string, name: string): unknown;
  alarmsFor(bed: string): AlarmInfo[];
  select(bed: string): void;
}
const lj = <T>(p: Page, fn: (l: LjStation) => T): Promise<T> => p.evaluate(`(${fn.toString()})(window.__lj)`) as Promise<T>;
const ljArg = <T, A>(p: Page, fn: (l: LjStation, a: A) => T, arg: A): Promise<T> =>
  p.evaluate(`(${fn.toString()})(window.__lj, ${JSON.stringify(arg)})`) as Promise<T>;

describe.skipIf(!chromiumPath)(`central station with ${BEDS} beds`, () => {
  let engine: Engine;
  let client: ClientPage;
  let browser: Browser;
  let page: Page;
  let alarmApi = false;
  const limitsToReset = new Set<string>();
  const errors: string[] = [];

  const patientOf = async (bed: string) =>
    ((await (await engine.fetch(`${engine.base}/api/v1/twins/${bed}/relationships/occupiedBy`)).json()) as { $targetId: string }).$targetId;
  const putLimits = async (patient: string, body: object) => {
    limitsToReset.add(patient);
    const r = await engine.fetch(`${engine.base}/api/v1/patients/${patient}/alarm-limits`, {
      method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
    });
    expect(r.status, await r.clone().text()).toBe(200);
  };
  const engineAlarms = async (patient: string) =>
    ((await (await engine.fetch(`${engine.base}/api/v1/alarms?patient=${patient}`)).json()) as { value: Array<{ id: string; state: string; message: string; acknowledgedBy: string; kind: string }> }).value;

  beforeAll(async () => {
    engine = new Engine(findBinary(), Number(process.env.LJ_E2E_PORT) || (await freePort()), BEDS);
    await engine.start();
    client = await ClientPage.start(engine, inject('clientDist'));
    const probe = await engine.fetch(`${engine.base}/api/v1/alarms`);
    alarmApi = probe.ok;
    browser = await launchBrowser(chromiumPath!);
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(engine.loginUrl('', 'overview', client.base));
    await waitFor('beds and live', () => lj(page, (l) => l.connection === 'live' && l.bedIds.length > 0), 180_000);
    await waitFor('every tile', () => page.evaluate((n) => document.querySelectorAll('#overview .tile').length === n, BEDS), 90_000);
    await waitFor('vitals', () => lj(page, (l) => l.bedIds.filter((b) => typeof l.value(b, 'hr') === 'number').length > l.bedIds.length / 2), 90_000);
  });

  afterAll(async () => {
    for (const p of limitsToReset) {
      await engine.fetch(`${engine.base}/api/v1/patients/${p}/alarm-limits`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{}' }).catch(() => {});
    }
    await browser?.close();
    await client?.close();
    await engine?.stop();
    engine?.cleanup();
  });

  /** Tiles whose card intersects the overview's visible area (grown by `margin` px). */
  const visibleTiles = (margin = 0) =>
    page.evaluate((m) => {
      const box = document.getElementById('overview')!.getBoundingClientRect();
      return [...document.querySelectorAll<HTMLElement>('#overview .card')]
        .filter((c) => {
          const r = c.getBoundingClientRect();
          return r.bottom > box.top - m && r.top < box.bottom + m;
        })
        .map((c) => c.dataset.bed!);
    }, margin);

  /** Trace pixels (green ECG or cyan pleth) in a tile's canvas. */
  const tracePixels = (bed: string) =>
    page.evaluate((b) => {
      const c = document.querySelector<HTMLCanvasElement>(`#overview .card[data-bed="${b}"] .wave canvas`);
      if (!c || !c.width) return 0;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 100 && d[i + 1] > 150) n++;
      return n;
    }, bed);

  it('draws a live waveform on every tile on screen, subscribing to those tiles only, and stays responsive', async () => {
    const visible = await visibleTiles();
    expect(visible.length).toBeGreaterThan(4);
    expect(visible.length).toBeLessThan(BEDS);
    await waitFor('waveforms on the tiles in view', async () => {
      const w = await lj(page, (l) => l.tileWaves);
      return w.drawn >= Math.min(visible.length, BEDS) - 2;
    }, 60_000);
    // Tiles within the observer's 40 px margin count as in view; a tile the ranking just moved
    // out keeps its subscription for LINGER_MS.
    const subs = await lj(page, (l) => l.tileWaves.subscribed);
    const near = await visibleTiles(40);
    expect(subs.length, `one subscription per tile in view (${near.length}), not per bed`).toBeLessThanOrEqual(near.length + 6);
    expect(subs.length).toBeLessThan(BEDS * 0.75);
    const first = visible[0];
    const last = (await page.$$eval('#overview .card', (cs) => cs.map((c) => (c as HTMLElement).dataset.bed!))).at(-1)!;
    expect(visible).not.toContain(last);
    await waitFor('a trace on the first tile', async () => (await tracePixels(first)) > 30, 30_000);
    expect(await tracePixels(last), 'nothing drawn on a tile off screen').toBe(0);
    // The trace moves.
    const a = await page.evaluate((b) => document.querySelector<HTMLCanvasElement>(`#overview .card[data-bed="${b}"] .wave canvas`)!.toDataURL(), first);
    await waitFor('the tile trace to move', async () => (await page.evaluate((b) => document.querySelector<HTMLCanvasElement>(`#overview .card[data-bed="${b}"] .wave canvas`)!.toDataURL(), first)) !== a, 20_000);

    // Frame intervals and long tasks over 4 s, measured and printed; a click opens the panel.
    const perf = (await page.evaluate(() => new Promise((done) => {
      const gaps: number[] = [];
      let longest = 0;
      const obs = new PerformanceObserver((l) => {
        for (const e of l.getEntries()) longest = Math.max(longest, e.duration);
      });
      try {
        obs.observe({ type: 'longtask', buffered: false });
      } catch {
        /* no longtask support */
      }
      let last = performance.now();
      const end = last + 4000;
      const tick = (t: number) => {
        gaps.push(t - last);
        last = t;
        if (t < end) requestAnimationFrame(tick);
        else {
          obs.disconnect();
          gaps.sort((x, y) => x - y);
          done({ frames: gaps.length, p50: gaps[Math.floor(gaps.length / 2)], p95: gaps[Math.floor(gaps.length * 0.95)], longest });
        }
      };
      requestAnimationFrame(tick);
    }))) as { frames: number; p50: number; p95: number; longest: number };
    console.log(`overview with ${BEDS} beds: ${JSON.stringify(perf)}, tile waves ${JSON.stringify(await lj(page, (l) => l.tileWaves))}`);
    // Reported, never asserted: frame times depend on the machine (tests hold no wall-clock
    // threshold; doc/design/web-client.md has the measured figures).
    await page.click(`#overview .tile[data-bed="${first}"]`);
    await waitFor('panel open', () => lj(page, (l) => !!l.selected), 10_000);
    await page.keyboard.press('Escape');
    await waitFor('panel closed', async () => !(await page.isVisible('#panel')), 10_000);

    // Scrolled to the end: the waveforms follow the tiles in view.
    await page.evaluate(() => document.getElementById('overview')!.scrollTo(0, 1e6));
    await waitFor('the last tile drawn, the first tile unsubscribed', async () => {
      const monitorFirst = first.replace(/^bed-/, 'monitor-');
      const w = await lj(page, (l) => l.tileWaves);
      return !w.subscribed.includes(monitorFirst) && (await tracePixels(last)) > 30;
    }, 30_000);
    await page.evaluate(() => document.getElementById('overview')!.scrollTo(0, 0));

    // Leaving the overview ends every tile subscription.
    await page.click('#view-ward');
    await waitFor('no tile subscriptions in the 3D view', async () => (await lj(page, (l) => l.tileWaves.subscribed.length)) === 0, 10_000);
    await page.click('#view-overview');
    await waitFor('waveforms again', async () => (await lj(page, (l) => l.tileWaves.drawn)) > 4, 30_000);
    await page.waitForTimeout(1500);
    saveArtifact('station-1280x800.png', await page.screenshot());
    await page.setViewportSize({ width: 1920, height: 1080 });
    await waitFor('waveforms at 1920×1080', async () => (await lj(page, (l) => l.tileWaves.drawn)) >= (await visibleTiles()).length - 2, 30_000);
    await page.waitForTimeout(1500);
    saveArtifact('station-1920x1080.png', await page.screenshot());
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('shows the most severe active alarm first, an older latched one outlined as ended, with onset and duration', async (ctx) => {
    if (!alarmApi) {
      console.warn('alarm API absent: tile alarm e2e skipped');
      ctx.skip();
    }
    // A calm patient: vitals inside the default limits and no alarm yet.
    const bed = await waitFor('a calm bed', () => lj(page, (l) => l.bedIds.find((b) => {
      const hr = l.value(b, 'hr') as number, rr = l.value(b, 'rr') as number, spo2 = l.value(b, 'spo2') as number;
      return hr > 55 && hr < 100 && rr > 10 && rr < 20 && spo2 > 94 && (l.value(b, 'priority') as number) === 0 && l.alarmsFor(b).length === 0;
    }) ?? null), 60_000);
    const patient = await patientOf(bed);
    const tile = `#overview .card[data-bed="${bed}"]`;
    // 1. An HR alarm of high priority (the live HR is above an extreme limit of 45)…
    await putLimits(patient, { hr: { extremeLow: 20, low: 30, high: 40, extremeHigh: 45, onsetS: 0, extremePriority: 'high' } });
    await waitFor('the HR alarm, active, on the tile', async () =>
      (await page.getAttribute(`${tile} .alarm`, 'data-state')) === 'active' && /HR/.test((await page.textContent(`${tile} .alarm .text`)) ?? ''), 90_000);
    expect(await page.textContent(`${tile} .alarm .when`)).toMatch(/^since \d\d:\d\d:\d\d · \d+ (s|min)/);
    // 2. …ends before anyone acknowledged it (limits back to normal: it latches), while a newer
    //    RR alarm of the same priority starts.
    await putLimits(patient, { rr: { extremeLow: 1, low: 2, high: 5, extremeHigh: 6, onsetS: 0, extremePriority: 'high' } });
    const list = await waitFor('a latched HR alarm and an active RR alarm', async () => {
      const a = await ljArg(page, (l, b: string) => l.alarmsFor(b), bed);
      return a.some((x) => x.kind === 'hr_high' && x.state === 'latched') && a.some((x) => x.kind === 'rr_high' && x.state === 'active') ? a : null;
    }, 90_000);
    expect(list[0].kind, 'the active alarm first, though the latched one is older').toBe('rr_high');
    await waitFor('the RR alarm heads the tile, the HR one below it as ended', async () =>
      /RR/.test((await page.textContent(`${tile} .alarm .text`)) ?? '') && /HR .*ended · latched/.test((await page.textContent(`${tile} .more`)) ?? ''), 30_000);
    expect(await page.$eval(`${tile} .alarm .badge`, (b) => b.classList.contains('outline')), 'active: a filled badge').toBe(false);
    await page.evaluate((t) => document.querySelector(t)!.scrollIntoView({ block: 'center' }), tile);
    await page.waitForTimeout(800);
    saveArtifact('station-active-over-latched.png', await page.screenshot());

    // 3. Acknowledge on the tile: the RR alarm, as the logged-in user.
    const rr = list.find((x) => x.kind === 'rr_high')!;
    expect(await page.getAttribute(`${tile} .actions button.ack`, 'aria-label')).toMatch(/^Acknowledge HIGH alarm RR/);
    await page.click(`${tile} .actions button.ack`);
    const acked = await waitFor('the engine has it acknowledged', async () => (await engineAlarms(patient)).find((a) => a.id === rr.id && a.state === 'acknowledged'), 30_000);
    expect(acked.acknowledgedBy).toBe('admin');
    // Now the latched HR alarm heads the tile: outlined, "ended · latched", when it ran.
    await waitFor('the latched alarm heads the tile', async () => (await page.getAttribute(`${tile} .alarm`, 'data-state')) === 'latched', 30_000);
    expect(await page.$eval(`${tile} .alarm .badge`, (b) => b.classList.contains('outline'))).toBe(true);
    expect(await page.textContent(`${tile} .alarm .state`)).toBe('ended · latched');
    await waitFor('its onset and end', async () => /^\d\d:\d\d:\d\d–\d\d:\d\d:\d\d · lasted /.test((await page.textContent(`${tile} .alarm .when`)) ?? ''), 30_000);
    await page.waitForTimeout(500);
    saveArtifact('station-latched.png', await page.screenshot());
    expect(await seriousAxeViolations(page), 'axe-core: tiles with waveforms, a latched alarm and Acknowledge').toEqual([]);
    // Acknowledging a latched alarm clears it.
    await page.click(`${tile} .actions button.ack`);
    await waitFor('the latched alarm cleared', async () => !(await engineAlarms(patient)).some((a) => a.kind === 'hr_high'), 30_000);
    await putLimits(patient, {});
  });

  it('offers no Acknowledge to a viewer, who may not acknowledge', async (ctx) => {
    if (!alarmApi) ctx.skip();
    const bed = 'bed-a04';
    const patient = await patientOf(bed);
    const run = (args: string[], input?: string) => execFileSync(engine.binary, [...args, '--data', engine.dataDir], {
      encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ASAN_OPTIONS: process.env.ASAN_OPTIONS ?? 'detect_leaks=0' },
    });
    run(['user', 'add', 'family.viewer', '--role', 'viewer', '--patient', patient, '--password-stdin'], 'a viewer password 123\n');
    const link = run(['user', 'link', 'family.viewer', '--url', engine.base]);
    const code = /#login=([A-Za-z0-9_-]+)/.exec(link)![1];
    await putLimits(patient, { hr: { extremeLow: 20, low: 30, high: 45, onsetS: 0 } });
    const ctxV = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const v = await ctxV.newPage();
      await v.goto(`${client.base}#login=${code}&overview`);
      await waitFor('the viewer sees the patient tile', () => v.evaluate(() => document.querySelectorAll('#overview .tile').length === 1), 90_000);
      const tile = `#overview .card[data-bed="${bed}"]`;
      await waitFor('the alarm on the viewer tile', async () => /HR/.test((await v.textContent(`${tile} .alarm`)) ?? ''), 90_000);
      expect(await v.isVisible(`${tile} button.ack`)).toBe(false);
      // Nor in the panel.
      await v.click(`${tile} .tile`);
      await waitFor('the panel alarm list', async () => (await v.$$('#panel li[data-alarm]')).length > 0, 30_000);
      expect(await v.$$('#panel button.ack')).toHaveLength(0);
      saveArtifact('station-viewer.png', await v.screenshot());
      // The admin has the button on the same alarm.
      await waitFor('Acknowledge for the admin', () => page.isVisible(`${tile} button.ack`), 30_000);
    } finally {
      await ctxV.close();
      await putLimits(patient, {});
    }
  });

  it('logged no errors in the page', () => {
    expect(errors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource/.test(e))).toEqual([]);
  });
});
