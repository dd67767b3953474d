// End to end, accessibility (WCAG 2.2 AA) against a real `lingjing demo`: axe-core (from npm,
// injected into the page) finds nothing serious or critical in the 3D ward, with the patient
// panel open, or in the central-station overview; the overview's tiles work from the keyboard
// (Tab, Enter, Space), the panel takes focus and Esc gives it back; a bed is picked in the 3D
// view with the keyboard; a new high-priority alarm is announced in an aria-live region.
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ClientPage, Engine, findBinary, findChromium, freePort, launchBrowser, saveArtifact, waitFor } from './harness';

const BEDS = Number(process.env.LJ_E2E_BEDS ?? 12);
const chromiumPath = findChromium();
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

interface LjA11y {
  connection: string;
  bedIds: string[];
  selected: string | null;
  announcement: string;
  value(bed: string, name: string): unknown;
  camera(): { x: number; y: number; z: number };
}
const lj = <T>(p: Page, fn: (l: LjA11y) => T): Promise<T> => p.evaluate(`(${fn.toString()})(window.__lj)`) as Promise<T>;

interface AxeFinding {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** Runs axe-core on the whole page; the serious and critical violations, with their targets. */
async function axeViolations(p: Page): Promise<AxeFinding[]> {
  if (!(await p.evaluate(() => 'axe' in window))) await p.addScriptTag({ path: AXE });
  const all = (await p.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.map(String).join(' ')) }));
  })) as AxeFinding[];
  return all.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

async function expectNoSeriousViolations(p: Page, where: string): Promise<void> {
  const found = await axeViolations(p);
  const lines = found.map((v) => `${v.id} (${v.impact}: ${v.help}) at ${v.targets.slice(0, 8).join(' | ')}`);
  expect(lines, `axe-core in ${where}`).toEqual([]);
}

const activeInfo = (p: Page) =>
  p.evaluate(() => {
    const a = document.activeElement as HTMLElement | null;
    return { id: a?.id ?? '', bed: a?.dataset.bed ?? '', inPanel: !!a?.closest('#panel'), tile: !!a?.classList.contains('tile') };
  });

describe.skipIf(!chromiumPath)('accessibility: axe, keyboard, live alarm announcements', () => {
  let engine: Engine;
  let client: ClientPage;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    engine = new Engine(findBinary(), Number(process.env.LJ_E2E_PORT) || (await freePort()), BEDS);
    await engine.start();
    client = await ClientPage.start(engine, inject('clientDist'));
    browser = await launchBrowser(chromiumPath!);
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(engine.loginUrl('', '', client.base));
    await waitFor('beds and live', () => lj(page, (l) => l.connection === 'live' && l.bedIds.length > 0), 120_000);
    await waitFor('vitals', () => lj(page, (l) => l.bedIds.every((b) => typeof l.value(b, 'hr') === 'number')), 60_000);
  });

  afterAll(async () => {
    await browser?.close();
    await client?.close();
    await engine?.stop();
    engine?.cleanup();
  });

  it('has an h1 for the app and h2 headings for the views and the patient panel', async () => {
    expect(await page.$$eval('h1', (hs) => hs.filter((h) => !h.closest('[hidden]')).map((h) => h.textContent?.trim()))).toEqual([
      expect.stringMatching(/^Lingjing/),
    ]);
    const h2 = await page.$$eval('main h2', (hs) => hs.map((h) => h.id));
    expect(h2).toEqual(expect.arrayContaining(['ward-view-title', 'overview-title', 'panel-title']));
    expect(await page.$$eval('#panel h3', (hs) => hs.map((h) => h.textContent))).toEqual(
      expect.arrayContaining(['Vital signs', 'ECG II', 'Trends', 'NEWS2', 'Alarms', 'Record']),
    );
  });

  it('has no serious or critical axe violations in the 3D ward', async () => {
    await expectNoSeriousViolations(page, 'the 3D ward');
  });

  it('has no serious or critical axe violations with the patient panel open', async () => {
    const bed = (await lj(page, (l) => [...l.bedIds].sort()[0]))!;
    await page.evaluate((b) => (window as unknown as { __lj: { select(b: string): void } }).__lj.select(b), bed);
    await waitFor('HR in the panel', async () => /\d/.test((await page.textContent('[data-num="hr"] b')) ?? ''), 30_000);
    await waitFor('the alarm list loaded', async () => ((await page.$$('#panel .alarms li')).length > 0), 30_000);
    await expectNoSeriousViolations(page, 'the ward with the patient panel open');
    await page.keyboard.press('Escape');
    await waitFor('panel closed', async () => !(await page.isVisible('#panel')), 10_000);
  });

  it('has no serious or critical axe violations in the central-station overview', async () => {
    await page.click('#view-overview');
    await waitFor('tiles', () => page.evaluate((n) => document.querySelectorAll('#overview .tile').length === n, BEDS), 60_000);
    await expectNoSeriousViolations(page, 'the overview');
  });

  it('opens a tile with Enter or Space, moves focus into the panel, and Esc returns it to the tile', async () => {
    // Tab from the view switch reaches the tiles.
    await page.focus('#view-overview');
    let at = await activeInfo(page);
    for (let i = 0; i < 12 && !at.tile; i++) {
      await page.keyboard.press('Tab');
      at = await activeInfo(page);
    }
    expect(at.tile, 'Tab reaches an overview tile').toBe(true);
    for (const key of ['Enter', ' ']) {
      const bed = (await activeInfo(page)).bed;
      expect(bed).toMatch(/^bed-/);
      await page.keyboard.press(key);
      await waitFor(`panel open (${key === ' ' ? 'Space' : key})`, () => lj(page, (l) => l.selected), 10_000);
      expect(await lj(page, (l) => l.selected)).toBe(bed);
      expect(await activeInfo(page)).toMatchObject({ id: 'panel-title', inPanel: true });
      await page.keyboard.press('Escape');
      await waitFor('panel closed', async () => !(await page.isVisible('#panel')), 10_000);
      expect(await activeInfo(page), 'focus back on the tile that opened the panel').toMatchObject({ tile: true, bed });
    }
  });

  it('picks a bed in the 3D view with the keyboard: the list flies there, Enter opens the panel', async () => {
    await page.click('#view-ward');
    // Start from the whole-ward view, settled: an earlier test may have left the camera at the
    // very bed the list offers first (opening a panel flies there), and then nothing would move.
    await page.click('#home-view');
    let last = await lj(page, (l) => l.camera());
    await waitFor('the camera settled on the whole ward', async () => {
      await new Promise((r) => setTimeout(r, 300));
      const c = await lj(page, (l) => l.camera());
      const still = Math.hypot(c.x - last.x, c.y - last.y, c.z - last.z) < 0.01;
      last = c;
      return still;
    }, 20_000);
    const before = last;
    await page.focus('#bed-picker');
    await page.keyboard.press('ArrowDown'); // from "Choose a bed…" to the first bed
    const chosen = await page.inputValue('#bed-picker');
    expect(chosen).toMatch(/^bed-/);
    expect(await page.$eval('#bed-picker', (s) => (s as HTMLSelectElement).selectedOptions[0].textContent)).toMatch(/^A\d+ · /);
    await waitFor('the camera flying to the bed', async () => {
      const c = await lj(page, (l) => l.camera());
      return Math.hypot(c.x - before.x, c.y - before.y, c.z - before.z) > 1;
    }, 20_000);
    await page.keyboard.press('Enter');
    await waitFor('panel open', () => lj(page, (l) => l.selected), 10_000);
    expect(await lj(page, (l) => l.selected)).toBe(chosen);
    expect((await activeInfo(page)).inPanel).toBe(true);
    await page.keyboard.press('Escape');
    await waitFor('panel closed', async () => !(await page.isVisible('#panel')), 10_000);
    expect((await activeInfo(page)).id).toBe('bed-picker');
  });

  it('announces a new high-priority alarm in an aria-live region, and names it on the tile', async (ctx) => {
    const probe = await engine.fetch(`${engine.base}/api/v1/alarms`);
    if (probe.status === 404 || probe.status === 503) {
      console.warn(`alarm API absent (HTTP ${probe.status}): alarm announcement e2e skipped`);
      ctx.skip();
    }
    const region = '#alarm-announcer';
    expect(await page.getAttribute(region, 'aria-live')).toBe('assertive');
    const bed = 'bed-a05';
    const label = 'A05';
    const patient = ((await (await engine.fetch(`${engine.base}/api/v1/twins/${bed}/relationships/occupiedBy`)).json()) as { $targetId: string }).$targetId;
    const limits = `${engine.base}/api/v1/patients/${patient}/alarm-limits`;
    // The live HR is above an extreme limit of 45 whose alarm is of high priority.
    const put = await engine.fetch(limits, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ hr: { extremeLow: 20, low: 30, high: 40, extremeHigh: 45, onsetS: 0, extremePriority: 'high' } }),
    });
    expect(put.status, await put.clone().text()).toBe(200);
    try {
      const said = await waitFor('the announcement', async () => {
        const t = (await page.textContent(region)) ?? '';
        return new RegExp(`[Hh]igh priority alarms?:.*bed ${label}\\b`).test(t) ? t : null;
      }, 90_000);
      expect(said).toMatch(/HR/);
      await page.click('#view-overview');
      const tile = page.locator(`#overview .tile[data-bed="${bed}"]`);
      await waitFor('the high alarm on the tile', async () => (await tile.getAttribute('data-priority')) === '3', 30_000);
      expect(await tile.getAttribute('aria-label'), 'the name comes from the visible text').toBeNull();
      const snapshot = await tile.ariaSnapshot();
      expect(snapshot).toMatch(new RegExp(`button "Bed ${label}\\b.*HIGH alarm: HR`));
      saveArtifact('a11y-alarm-overview.png', await page.screenshot());
    } finally {
      await engine.fetch(limits, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    }
  });
});
