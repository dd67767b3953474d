// End to end, the patient panel on the live feed: the NEWS2 rows always sum to the total under
// them, which equals the engine's live NEWS2 shown in the panel header and on the 3D label, and
// nothing is polled (the breakdown is fetched when the panel opens and again only when the rows
// and the engine disagree; no per-patient alarm requests at all); the alarm list is the one the
// tile and the label show, and acknowledging updates them together; the alarm history of the last
// 8 h / 24 h lists onset, end, level, text and who acknowledged. Screenshots at 1280×800 and
// 1920×1080.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page, Request } from 'playwright-core';
import { ClientPage, Engine, findBinary, findChromium, freePort, launchBrowser, saveArtifact, seriousAxeViolations, waitFor } from './harness';

const BEDS = Number(process.env.LJ_E2E_BEDS ?? 12);
const chromiumPath = findChromium();

interface LjPanel {
  connection: string;
  bedIds: string[];
  selected: string | null;
  alarmFetches: Record<string, number>;
  news2Fetches: { open: number; resync: number };
  value(bed: string, name: string): unknown;
  alarmsFor(bed: string): Array<{ id: string; state: string; message: string; kind: string }>;
  select(bed: string): void;
}
const lj = <T>(p: Page, fn: (l: LjPanel) => T): Promise<T> => p.evaluate(`(${fn.toString()})(window.__lj)`) as Promise<T>;

/** The panel's NEWS2 table, header and the bed's NEWS2 (what the 3D label and the tile show). */
const news2State = (p: Page, bed: string) =>
  p.evaluate((b) => {
    const t = document.querySelector<HTMLTableElement>('#panel table.n2')!;
    const rows = [...t.querySelectorAll<HTMLElement>('tr[data-param] td.score')].map((td) => Number(td.textContent) || 0);
    const total = t.querySelector<HTMLElement>('tr.total');
    return {
      state: t.dataset.state ?? '',
      rows: rows.length,
      sum: rows.reduce((a, x) => a + x, 0),
      total: total ? Number(total.dataset.total) : NaN,
      header: Number.parseInt(document.querySelector('[data-num="news2"] b')!.textContent ?? '', 10),
      label: (window as unknown as { __lj: LjPanel }).__lj.value(b, 'news2') as number,
    };
  }, bed);

describe.skipIf(!chromiumPath)('patient panel on the live feed', () => {
  let engine: Engine;
  let client: ClientPage;
  let browser: Browser;
  let page: Page;
  let bed = '';
  let patient = '';
  let alarmApi = false;
  const requests: string[] = [];

  beforeAll(async () => {
    engine = new Engine(findBinary(), Number(process.env.LJ_E2E_PORT) || (await freePort()), BEDS);
    await engine.start();
    client = await ClientPage.start(engine, inject('clientDist'));
    alarmApi = (await engine.fetch(`${engine.base}/api/v1/alarms`)).ok;
    browser = await launchBrowser(chromiumPath!);
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('request', (r: Request) => {
      const u = new URL(r.url());
      if (u.pathname.startsWith('/api/')) requests.push(`${r.method()} ${u.pathname}${u.search}`);
    });
    await page.goto(engine.loginUrl('', '', client.base));
    await waitFor('beds and live', () => lj(page, (l) => l.connection === 'live' && l.bedIds.length > 0), 120_000);
    await waitFor('engine NEWS2 on every bed', () => lj(page, (l) => l.bedIds.every((b) => typeof l.value(b, 'news2') === 'number' && l.value(b, 'news2Estimated') === false)), 90_000);
    bed = 'bed-a03';
    patient = ((await (await engine.fetch(`${engine.base}/api/v1/twins/${bed}/relationships/occupiedBy`)).json()) as { $targetId: string }).$targetId;
  });

  afterAll(async () => {
    if (patient) await engine.fetch(`${engine.base}/api/v1/patients/${patient}/alarm-limits`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{}' }).catch(() => {});
    await browser?.close();
    await client?.close();
    await engine?.stop();
    engine?.cleanup();
  });

  it('keeps the NEWS2 rows summing to the total, equal to the engine NEWS2 and the 3D label, without polling', async () => {
    await page.evaluate((b) => (window as unknown as { __lj: LjPanel }).__lj.select(b), bed);
    await waitFor('the breakdown', async () => (await news2State(page, bed)).rows === 7, 30_000);
    const before = requests.length;
    const samples: Array<Awaited<ReturnType<typeof news2State>>> = [];
    const end = Date.now() + 15_000;
    while (Date.now() < end) {
      samples.push(await news2State(page, bed));
      await page.waitForTimeout(250);
    }
    const ok = samples.filter((s) => s.state === 'ok');
    const bad = ok.filter((s) => s.sum !== s.total || s.total !== s.header);
    expect(bad, 'rows, total and the panel header agree whenever the table is not updating').toEqual([]);
    // The label's value is read a moment later than the panel's 4 Hz render: it may be one change ahead.
    const labelOff = samples.filter((s) => s.header !== s.label).length;
    expect(labelOff, 'samples where the 3D label had already moved on').toBeLessThanOrEqual(samples.length * 0.1);
    expect(samples.every((s) => s.sum === s.total), 'the rows always sum to the total shown').toBe(true);
    expect(ok.length, `samples in sync: ${ok.length}/${samples.length}`).toBeGreaterThanOrEqual(samples.length * 0.7);
    const during = requests.slice(before);
    expect(during.filter((r) => /\/api\/v1\/alarms\?patient=/.test(r)), 'no per-patient alarm poll').toEqual([]);
    const n2 = await lj(page, (l) => l.news2Fetches);
    expect(n2.open).toBe(1);
    expect(during.filter((r) => r.includes('/news2')).length, 'breakdown requests only on disagreement').toBe(n2.resync);
    expect(n2.resync, 'resyncs in 15 s (a 3 s poll would be 5)').toBeLessThanOrEqual(3);
    const reasons = Object.keys(await lj(page, (l) => l.alarmFetches));
    for (const r of reasons) expect(['live', 'snapshot', 'reconcile', 'again', 'ack', 'silence', 'latchedEnd']).toContain(r);
    console.log(`15 s with the panel open: ${during.length} API requests (${JSON.stringify(await lj(page, (l) => l.alarmFetches))}, news2 ${JSON.stringify(n2)})`);
    await page.evaluate(() => document.querySelector('#panel table.n2')!.scrollIntoView({ block: 'center' }));
    saveArtifact('panel-news2-1280x800.png', await page.screenshot());
  });

  it('shows the alarm list the tile and the label show, and acknowledging updates all of them', async (ctx) => {
    if (!alarmApi) ctx.skip();
    const r = await engine.fetch(`${engine.base}/api/v1/patients/${patient}/alarm-limits`, {
      method: 'PUT', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ hr: { extremeLow: 20, low: 30, high: 45, onsetS: 0 } }),
    });
    expect(r.status).toBe(200);
    await waitFor('the HR alarm in the panel', () => page.isVisible('#panel li[data-alarm] button.ack'), 90_000);
    expect(await seriousAxeViolations(page), 'axe-core: panel with an alarm, Acknowledge and Silence').toEqual([]);
    const first = await page.textContent('#panel li[data-alarm] .text');
    expect(first).toMatch(/HR/);
    expect(await lj(page, (l) => l.value('bed-a03', 'alarmText'))).toBe(first);
    await page.click('#view-overview');
    const tile = `#overview .card[data-bed="${bed}"]`;
    await waitFor('the same alarm on the tile', async () => (await page.textContent(`${tile} .alarm .text`)) === first, 30_000);
    await page.click('#view-ward');
    await page.click('#panel li[data-alarm] button.ack');
    await waitFor('acknowledged in the panel', async () => /acknowledged/.test((await page.textContent('#panel .alarms')) ?? ''), 30_000);
    expect(await page.textContent('#panel .alarms')).toMatch(/by admin/);
    expect(await lj(page, (l) => l.alarmsFor('bed-a03')[0].state)).toBe('acknowledged');
    await waitFor('no unacknowledged alarm on the bed', async () => (await lj(page, (l) => l.value('bed-a03', 'priority'))) === 0, 60_000);
    saveArtifact('panel-alarms-1280x800.png', await page.screenshot());
  });

  it('reviews the alarm history of the last 8 h and 24 h: onset, end, level, text, acknowledged by', async (ctx) => {
    if (!alarmApi) ctx.skip();
    await page.evaluate(() => document.getElementById('history-title')!.scrollIntoView({ block: 'start' }));
    const row = await waitFor('the HR alarm in the history, acknowledged by admin', async () => {
      const rows = await page.$$eval('#panel table.history tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
      return rows.find((c) => /HR/.test(c[3]) && /admin/.test(c[4])) ?? null;
    }, 30_000);
    expect(row[0]).toMatch(/\d\d:\d\d:\d\d/);
    expect(row[1]).toMatch(/ongoing|\d\d:\d\d:\d\d/);
    expect(row[2]).toMatch(/MEDIUM|HIGH|LOW/);
    expect(await page.getAttribute('#panel .history-bar button[data-range="8h"]', 'aria-pressed')).toBe('true');
    expect(await page.textContent('#history-note')).toMatch(/in the last 8 h/);
    // The condition ends (limits back to normal): the history shows when.
    await engine.fetch(`${engine.base}/api/v1/patients/${patient}/alarm-limits`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    await waitFor('the end of the HR alarm in the history', async () => {
      const rows = await page.$$eval('#panel table.history tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
      return rows.some((c) => /HR/.test(c[3]) && /^\d\d:\d\d:\d\d/.test(c[1]));
    }, 60_000);
    saveArtifact('panel-history-1280x800.png', await page.screenshot());
    await page.click('#panel .history-bar button[data-range="24h"]');
    await waitFor('the 24 h review', async () => /in the last 24 h/.test((await page.textContent('#history-note')) ?? ''), 20_000);
    expect(await page.getAttribute('#panel .history-bar button[data-range="24h"]', 'aria-pressed')).toBe('true');
    expect(await page.$$('#panel table.history tbody tr[data-alarm]')).not.toHaveLength(0);
    expect(await seriousAxeViolations(page), 'axe-core: panel with the alarm history').toEqual([]);
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.waitForTimeout(1200);
    saveArtifact('panel-history-1920x1080.png', await page.screenshot());
    await page.setViewportSize({ width: 1280, height: 800 });
  });
});
