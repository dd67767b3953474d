// End to end, the layout on a phone, a laptop and a wall screen (390×844, 1280×800, 1920×1080):
// nothing is wider than the viewport; every header control can be seen, hit and reached with Tab
// (behind "Menu" on the phone); the central-station overview reflows to fewer columns; each
// tile's patient-name row has a height and its alarm text stays inside the tile. Screenshots of
// the ward and the overview at each size go to test-artifacts/web/layout-<w>x<h>-*.png.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ClientPage, Engine, findBinary, findChromium, freePort, launchBrowser, saveArtifact, waitFor } from './harness';

const BEDS = Number(process.env.LJ_E2E_BEDS ?? 12);
const chromiumPath = findChromium();
const VIEWPORTS = [
  { width: 390, height: 844, phone: true },
  { width: 1280, height: 800, phone: false },
  { width: 1920, height: 1080, phone: false },
];

interface LjLayout {
  connection: string;
  bedIds: string[];
  value(bed: string, name: string): unknown;
}
const lj = <T>(p: Page, fn: (l: LjLayout) => T): Promise<T> => p.evaluate(`(${fn.toString()})(window.__lj)`) as Promise<T>;

/** Visible elements of the page's header and main that stick out of the viewport, as text. */
function offScreen(p: Page): Promise<string[]> {
  return p.evaluate(() => {
    const out: string[] = [];
    for (const e of document.querySelectorAll('header, header *, main, main *')) {
      if (e.closest('.sr-only')) continue; // 1 px, clipped: there for screen readers
      const r = e.getBoundingClientRect();
      if (!r.width || !r.height) continue;
      if (r.left < -0.5 || r.right > innerWidth + 0.5) out.push(`${e.tagName.toLowerCase()}#${e.id}.${e.className} [${Math.round(r.left)}, ${Math.round(r.right)}]`);
    }
    return out;
  });
}

async function expectNothingWiderThanTheViewport(p: Page, where: string): Promise<void> {
  const g = await p.evaluate(() => ({
    doc: document.documentElement.scrollWidth,
    body: document.body.scrollWidth,
    header: document.querySelector('header')!.scrollWidth,
    width: innerWidth,
  }));
  expect(g.doc, `${where}: document scrollWidth`).toBeLessThanOrEqual(g.width);
  expect(g.body, `${where}: body scrollWidth`).toBeLessThanOrEqual(g.width);
  expect(g.header, `${where}: header scrollWidth`).toBeLessThanOrEqual(g.width);
  expect(await offScreen(p), `${where}: elements outside the viewport`).toEqual([]);
}

describe.skipIf(!chromiumPath)('layout on phone, laptop and wall screen', () => {
  let engine: Engine;
  let client: ClientPage;
  let browser: Browser;
  let alarmBed = '';
  let limits = '';

  beforeAll(async () => {
    engine = new Engine(findBinary(), Number(process.env.LJ_E2E_PORT) || (await freePort()), BEDS);
    await engine.start();
    client = await ClientPage.start(engine, inject('clientDist'));
    browser = await launchBrowser(chromiumPath!);
    // One alarm with text on a tile (HR above a low limit), when the engine has the alarm API.
    alarmBed = 'bed-a02';
    const occupied = await engine.fetch(`${engine.base}/api/v1/twins/${alarmBed}/relationships/occupiedBy`);
    if (occupied.ok) {
      const patient = ((await occupied.json()) as { $targetId: string }).$targetId;
      limits = `${engine.base}/api/v1/patients/${patient}/alarm-limits`;
      const put = await engine.fetch(limits, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ hr: { extremeLow: 20, low: 30, high: 45, onsetS: 0 } }),
      });
      if (!put.ok) limits = '';
    }
  });

  afterAll(async () => {
    if (limits) await engine.fetch(limits, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{}' }).catch(() => {});
    await browser?.close();
    await client?.close();
    await engine?.stop();
    engine?.cleanup();
  });

  for (const vp of VIEWPORTS) {
    const size = `${vp.width}x${vp.height}`;
    it(`fits ${size}: header controls reachable, overview reflowed, tiles keep their rows`, async () => {
      const ctx = await browser.newContext({ viewport: { width: vp.width, height: vp.height } });
      try {
        const page = await ctx.newPage();
        await page.goto(engine.loginUrl('', '', client.base));
        await waitFor('beds and live', () => lj(page, (l) => l.connection === 'live' && l.bedIds.length > 0), 120_000);
        await waitFor('vitals', () => lj(page, (l) => l.bedIds.some((b) => typeof l.value(b, 'hr') === 'number')), 60_000);
        await expectNothingWiderThanTheViewport(page, `${size} ward`);

        // The header: on the phone the controls are behind "Menu".
        const toggle = await page.isVisible('#menu-toggle');
        expect(toggle, 'a Menu button exactly on the phone').toBe(vp.phone);
        if (toggle) {
          expect(await page.isVisible('#view-overview')).toBe(false);
          await page.click('#menu-toggle');
          expect(await page.getAttribute('#menu-toggle', 'aria-expanded')).toBe('true');
        }
        const controls = await page.evaluate(() => {
          const list = [...document.querySelectorAll<HTMLElement>('header button, header input, header select, header summary, header a[href]')]
            .filter((e) => !e.closest('[hidden]') && e.id !== 'menu-toggle');
          return list.map((e, i) => {
            e.dataset.e2e = String(i);
            const r = e.getBoundingClientRect();
            const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            return {
              name: e.id || e.textContent?.trim() || e.tagName,
              inside: r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= innerWidth && r.top >= 0 && r.bottom <= innerHeight,
              hittable: !!hit && (hit === e || e.contains(hit)),
            };
          });
        });
        expect(controls.length).toBeGreaterThanOrEqual(5); // views ×2, name, People, Lead rounds, Log out
        expect(controls.filter((c) => !c.inside || !c.hittable), 'header controls not visible or covered').toEqual([]);
        await expectNothingWiderThanTheViewport(page, `${size} header controls`);
        // Every control is reached by Tab.
        if (toggle) await page.focus('#menu-toggle');
        else await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
        const reached = new Set<string>();
        for (let i = 0; i < controls.length + 6; i++) {
          await page.keyboard.press('Tab');
          const k = await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.e2e);
          if (k !== undefined) reached.add(k);
        }
        expect(reached.size, `header controls reached with Tab: ${[...reached].join(',')}`).toBe(controls.length);
        if (toggle) {
          await page.keyboard.press('Escape');
          expect(await page.getAttribute('#menu-toggle', 'aria-expanded')).toBe('false');
          expect(await page.evaluate(() => document.activeElement?.id)).toBe('menu-toggle');
        }
        await page.waitForTimeout(800); // a frame or two of the ward at this size
        saveArtifact(`layout-${size}-ward.png`, await page.screenshot());

        // The overview.
        if (toggle) await page.click('#menu-toggle');
        await page.click('#view-overview');
        expect(await page.isVisible('#header-controls .views'), 'choosing a view closes the menu').toBe(!toggle);
        await waitFor('tiles', () => page.evaluate((n) => document.querySelectorAll('#overview .tile').length === n, BEDS), 60_000);
        if (limits) {
          await waitFor('the alarm on its tile', async () => /\w/.test((await page.textContent(`#overview .tile[data-bed="${alarmBed}"] .alarm`)) ?? ''), 90_000);
        }
        await page.waitForTimeout(600);
        await expectNothingWiderThanTheViewport(page, `${size} overview`);
        const columns = await page.evaluate(() => new Set([...document.querySelectorAll('#overview .tile')].map((t) => Math.round(t.getBoundingClientRect().left))).size);
        if (vp.phone) expect(columns, 'one column on a phone').toBe(1);
        else expect(columns).toBeGreaterThanOrEqual(vp.width >= 1920 ? 6 : 4);
        // `long`: first give the alarm tile a long alarm text, with an unbreakable run (in the same
        // task as the measuring, before the 4 Hz refresh puts the engine's short text back).
        const tileProblems = (long?: { bed: string; text: string }) =>
          page.evaluate((long) => {
            if (long) {
              const text = document.querySelector(`#overview .tile[data-bed="${long.bed}"] .alarm .text`);
              if (!text) return [`${long.bed}: no alarm text`];
              text.textContent = long.text;
            }
            const bad: string[] = [];
            for (const t of document.querySelectorAll<HTMLElement>('#overview .tile')) {
              const tr = t.getBoundingClientRect();
              const pt = t.querySelector('.pt')!.getBoundingClientRect();
              if (pt.height < 10) bad.push(`${t.dataset.bed}: patient-name row ${pt.height} px high`);
              const alarm = t.querySelector<HTMLElement>('.alarm')!;
              const ar = alarm.getBoundingClientRect();
              if (alarm.scrollWidth > alarm.clientWidth + 1) bad.push(`${t.dataset.bed}: alarm text wider than its row`);
              if (ar.left < tr.left || ar.right > tr.right + 0.5 || ar.bottom > tr.bottom + 0.5) bad.push(`${t.dataset.bed}: alarm outside the tile`);
              if (t.scrollWidth > t.clientWidth + 1) bad.push(`${t.dataset.bed}: content wider than the tile`);
            }
            return bad;
          }, long);
        expect(await tileProblems()).toEqual([]);
        saveArtifact(`layout-${size}-overview.png`, await page.screenshot());
        if (limits) {
          // The engine's texts are short ("HR 93 > 45"): a long one must wrap inside its tile.
          const text = `HR 162 > 45 · sustained tachycardia for more than ten minutes; check the leads ${'X'.repeat(60)}`;
          expect(await tileProblems({ bed: alarmBed, text })).toEqual([]);
        }
      } finally {
        await ctx.close();
      }
    });
  }
});
