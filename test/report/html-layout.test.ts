/**
 * Issue 14, points 3 and 5 in real Chromium: at a 1280 px window the verdict columns (WER [CI],
 * gap to rest [CI], adj. p, flags) of every table lie inside the viewport without scrolling, the
 * secondary columns collapse, and the chart legend names every bar colour. Screenshots are kept
 * under .tmp/test-artefacts/ for a person to look at.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServiceCard } from '../../src/report/model.ts';
import { loadRunForReport, type ExportedUtterance } from '../../src/score/run-export.ts';
import { writeReport } from '../../src/report/write.ts';
import { makeUtterances, writeFixtureRun } from './fixture.ts';

const ARTEFACTS = join(import.meta.dirname, '../../.tmp/test-artefacts');
const root = mkdtempSync(join(tmpdir(), 'asrfair-layout-'));
let browser: Browser;
let page: Page;
const WIDTH = 1280;

/** The widest realistic card: long group and slice names, PER, failures, a reference group, a one-speaker cell. */
function wideRun(): ExportedUtterance[] {
  const utts = makeUtterances({
    groups: [
      { accent: 'british-received-pronunciation', speakers: 10, uttsPerSpeaker: 4, errorRate: 0.12 },
      { accent: 'caribbean-english', speakers: 10, uttsPerSpeaker: 4, errorRate: 0.3 },
      { accent: 'lancastrian', speakers: 10, uttsPerSpeaker: 4, errorRate: 0.1 },
      { accent: 'scottish-highlands', speakers: 1, uttsPerSpeaker: 6, errorRate: 0.2 },
    ],
  });
  utts.forEach((u, i) => {
    u.labels.tts_engine = i % 3 === 0 ? 'espeak-ng' : 'festival-hts';
    u.phones = { ...u.words };
  });
  utts[0] = { ...utts[0], status: 'failed', error: 'decoder timed out', hyp: '' };
  return utts;
}

beforeAll(async () => {
  mkdirSync(ARTEFACTS, { recursive: true });
  const dir = join(root, 'run');
  writeFixtureRun(dir, { utterances: wideRun() });
  const run = loadRunForReport(dir);
  const card = buildServiceCard(run.meta, run.utterances, {
    groupBy: 'accent', slices: [['accent', 'tts_engine'], ['accent', 'gender']], bootstrap: 200, referenceGroup: 'lancastrian',
    minCell: { speakers: 5, words: 100 },
  });
  const [html] = writeReport(card, run, join(root, 'out'), ['html']);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  page = await browser.newPage({ viewport: { width: WIDTH, height: 900 } });
  await page.goto(pathToFileURL(html).href);
});

afterAll(async () => {
  await browser?.close();
  rmSync(root, { recursive: true, force: true });
});

interface Box { x: number; y: number; width: number; height: number }

/** Bounding boxes (page x, width) of every verdict cell of every card table, with the table's id. */
async function verdictBoxes(): Promise<Array<{ table: string; text: string; box: Box; wrapRight: number; scrollLeft: number }>> {
  return page.evaluate(`Array.from(document.querySelectorAll('table.card')).flatMap((t) => {
    const wrap = t.closest('.tablewrap');
    return Array.from(t.querySelectorAll('th.v, td.v')).map((c) => {
      const r = c.getBoundingClientRect();
      return { table: t.id, text: c.textContent, box: { x: r.x, y: r.y, width: r.width, height: r.height }, wrapRight: wrap.getBoundingClientRect().right, scrollLeft: wrap.scrollLeft };
    });
  })`);
}

describe('service card HTML at 1280 px', () => {
  it('shows every verdict cell of every table inside the viewport, secondary columns shown', async () => {
    const cells = await verdictBoxes();
    const tables = new Set(cells.map((c) => c.table));
    expect(tables.size).toBe(3); // accent, accent × tts_engine, accent × gender
    expect(cells.length).toBeGreaterThan(3 * 6 * 5);
    for (const c of cells) {
      expect(c.box.width, `${c.table}: "${c.text}"`).toBeGreaterThan(0);
      expect(c.box.x, `${c.table}: "${c.text}"`).toBeGreaterThanOrEqual(0);
      expect(c.box.x + c.box.width, `${c.table}: "${c.text}" ends at ${c.box.x + c.box.width}`).toBeLessThanOrEqual(Math.min(WIDTH, c.wrapRight) + 0.5);
      expect(c.scrollLeft).toBe(0);
    }
    await page.screenshot({ path: join(ARTEFACTS, 'card-1280.png'), fullPage: true });
  });

  it('collapses the secondary columns with the toggle, leaving a table that needs no horizontal scroll', async () => {
    const toggle = page.locator('input.showsec').first();
    const secVisible = () => page.evaluate<number>(`Array.from(document.querySelectorAll('table.card')[0].querySelectorAll('.sec')).filter((c) => c.getBoundingClientRect().width > 0).length`);
    expect(await secVisible()).toBeGreaterThan(0);
    await page.locator('label.seclabel').first().click();
    expect(await toggle.isChecked()).toBe(false);
    expect(await secVisible()).toBe(0);
    const fits = await page.evaluate<boolean>(`(() => { const w = document.querySelectorAll('.tablewrap')[0]; return w.scrollWidth <= w.clientWidth; })()`);
    expect(fits).toBe(true);
    await page.screenshot({ path: join(ARTEFACTS, 'card-1280-collapsed.png'), fullPage: false });
    await page.locator('label.seclabel').first().click();
    expect(await secVisible()).toBeGreaterThan(0);
  });

  it('has a legend naming every bar colour, blue included, with the colours the bars use', async () => {
    const legend = page.locator('.chart-legend').first();
    const text = await legend.textContent();
    expect(text).toContain('no significant gap');
    expect(text).toContain('significant gap');
    expect(text).toContain('best group');
    expect(text).toContain('not enough data');
    const colour = (sel: string) => page.evaluate<string>(`(() => { const e = document.querySelector(${JSON.stringify(sel)}); const s = getComputedStyle(e); return e.tagName === 'rect' ? s.fill : s.backgroundColor; })()`);
    const barClasses = await page.evaluate<string[]>(`Array.from(new Set(Array.from(document.querySelectorAll('svg rect.bar')).map((b) => b.getAttribute('class'))))`);
    const swatch: Record<string, string> = { 'bar ': '.sw.plain', 'bar sig': '.sw.sig', 'bar best': '.sw.best', 'bar small': '.sw.small' };
    expect(barClasses.length).toBeGreaterThan(1);
    for (const cls of barClasses) {
      const sel = swatch[cls];
      expect(sel, `legend entry for bars of class "${cls}"`).toBeDefined();
      const bar = cls === 'bar ' ? 'svg rect.bar:not(.sig):not(.best):not(.small)' : `svg rect.${cls.split(' ').join('.')}`;
      expect(await colour(bar)).toBe(await colour(sel));
    }
  });

  it('prints "[—]" for the one-speaker cell, never a zero-width interval, and explains it', async () => {
    const row = page.locator('table.card >> nth=0 >> tr[data-group="scottish-highlands"]');
    // td.v: group, WER, gap to rest, adj. p, flags.
    const wer = await row.locator('td.v').nth(1).textContent();
    expect(wer).toMatch(/^\d+\.\d% \[—\]$/);
    expect(await row.locator('td.v').nth(2).textContent()).toMatch(/ pp \[—\]$/);
    expect(await page.locator('body').textContent()).toMatch(/\[—\] = no interval: fewer than \d+ speakers/);
  });
});
