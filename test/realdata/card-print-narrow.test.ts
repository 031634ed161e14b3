/**
 * The HTML service card printed and on a phone (trial 20, defects 2 and 4), in real Chromium (playwright-core, as
 * test/report/html-layout.test.ts drives it) on real runs: Artie's Amazon and Google en-US transcripts by accent
 * (shipped, CC0), and CORAAL transcripts (tests only) for the data-quality table. Printing kept `.tablewrap`'s
 * horizontal scroll and no-wrap cells, so on paper 11 of the group table's 15 columns fell off the page; at 375 px
 * the page was 649 px wide (997 px with drill-downs open) from fixed-width charts and unbroken hashes.
 * Screenshots and the A4 PDF are kept under .tmp/test-artefacts/ for a person to look at.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceCard } from '../../src/report/model.ts';
import { fmtInt, fmtPct } from '../../src/report/format.ts';
import { writeArtieSuite } from '../helpers/artie-suite.ts';
import { cli, cliIn } from '../helpers/cli.ts';
import { importCoraal } from '../helpers/coraal-lines.ts';

const ARTEFACTS = join(import.meta.dirname, '../../.tmp/test-artefacts');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-card-print-'));
const MM = 96 / 25.4;
/** The card prints landscape with 10 mm margins: US Letter's content box is the narrower (A4's 1,047 px) and… */
const PAGE_W = Math.floor(11 * 96 - 20 * MM); // 980 px
/** …A4's the lower (Letter's 740 px). */
const PAGE_H = Math.floor(210 * MM - 20 * MM); // 718 px
const PHONE = 375;
let browser: Browser;
let artieHtml: string;
let artieCard: ServiceCard;

beforeAll(async () => {
  mkdirSync(ARTEFACTS, { recursive: true });
  const suite = writeArtieSuite(dir, 'artie-print', ['amazon', 'google']);
  const run = await cli('run', suite, '--store', join(dir, 'store.sqlite'), '--out', join(dir, 'run'), '--no-progress');
  expect(run.code, run.stderr).toBe(0);
  const rep = await cli('report', join(dir, 'run'), '--bootstrap', '100', '--out', join(dir, 'card'));
  expect(rep.code, rep.stderr).toBe(0);
  artieHtml = join(dir, 'card', 'card.html');
  artieCard = JSON.parse(readFileSync(join(dir, 'card', 'card.json'), 'utf8')) as ServiceCard;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function open(html: string, width: number, height: number): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height } });
  await page.goto(pathToFileURL(html).href);
  return page;
}

interface CellBox { table: string; row: number; col: number; text: string; left: number; right: number; width: number; spills: boolean }

/** Every th/td of every table on the page: its table (id, else section id), place, text and box. */
function cells(page: Page): Promise<CellBox[]> {
  return page.evaluate(`Array.from(document.querySelectorAll('table')).flatMap((t, ti) => Array.from(t.rows).flatMap((tr, ri) => Array.from(tr.cells).map((c, ci) => {
    const r = c.getBoundingClientRect();
    return { table: t.id || ((t.closest('section') || {}).id || '') + '#' + ti, row: ri, col: ci, text: c.textContent.trim(), left: r.left, right: r.right, width: r.width, spills: c.scrollWidth > c.clientWidth + 1 };
  })))`);
}

/** Elements (outside the tables' own scroll areas) reaching past the viewport, and the document's scroll width. */
function overflow(page: Page, width: number): Promise<{ scrollWidth: number; past: string[] }> {
  return page.evaluate(`({ scrollWidth: document.documentElement.scrollWidth,
    past: Array.from(document.querySelectorAll('body *')).filter((e) => !e.closest('.tablewrap') && e.getBoundingClientRect().right > ${width} + 0.5)
      .slice(0, 8).map((e) => e.tagName + ' ' + Math.round(e.getBoundingClientRect().right) + ' px: ' + e.textContent.slice(0, 50)) })`);
}

/** Under print media at the page's content width: every cell shown, inside the page, not spilling; charts inside the page. */
async function expectPrintFits(page: Page): Promise<CellBox[]> {
  await page.emulateMedia({ media: 'print' });
  const all = await cells(page);
  expect(all.length).toBeGreaterThan(0);
  const bad = all.filter((c) => c.width <= 0 || c.left < -0.5 || c.right > PAGE_W + 0.5 || c.spills);
  expect(bad.slice(0, 8).map((c) => `${c.table} row ${c.row} col ${c.col} "${c.text}": ${Math.round(c.left)}–${Math.round(c.right)} px${c.spills ? ', text spills' : ''}`), `${bad.length} of ${all.length} cells off a ${PAGE_W} px page`).toEqual([]);
  const scrolled = await page.evaluate<number>(`Array.from(document.querySelectorAll('.tablewrap')).filter((w) => w.scrollWidth > w.clientWidth + 1).length`);
  expect(scrolled, 'table wrappers that would scroll (clip) on paper').toBe(0);
  const charts = await page.evaluate<Array<{ right: number; height: number }>>(`Array.from(document.querySelectorAll('svg.chart')).map((s) => { const r = s.getBoundingClientRect(); return { right: r.right, height: r.height }; })`);
  for (const c of charts) {
    expect(c.right).toBeLessThanOrEqual(PAGE_W + 0.5);
    expect(c.height).toBeLessThanOrEqual(PAGE_H);
  }
  expect((await overflow(page, PAGE_W)).past).toEqual([]);
  return all;
}

describe('the Artie card (Amazon and Google en-US by accent) printed', () => {
  it('puts every column and every number of every table on a landscape page, secondary columns included though hidden on screen', async () => {
    const page = await open(artieHtml, 1280, 900);
    try {
      const screen = await cells(page);
      const secToggles = await page.locator('input.showsec').count();
      expect(secToggles).toBe(artieCard.tables.length);
      // The reader hid the secondary columns on screen: the printed card still carries them.
      for (const label of await page.locator('label.seclabel').all()) await label.click();
      expect(await page.evaluate<number>(`Array.from(document.querySelectorAll('td.sec')).filter((c) => c.getBoundingClientRect().width > 0).length`)).toBe(0);
      await page.setViewportSize({ width: PAGE_W, height: PAGE_H });
      const printed = await expectPrintFits(page);
      // Same cells, same text as on a wide screen with every column shown.
      expect(printed.map((c) => `${c.table}|${c.row}|${c.col}|${c.text}`)).toEqual(screen.map((c) => `${c.table}|${c.row}|${c.col}|${c.text}`));
      // And the numbers are the card's: the columns that fell off before (Flags, Ref words, CER, gap and ratio to best).
      for (const t of artieCard.tables) {
        const mine = printed.filter((c) => c.table === `tbl-${t.id}`);
        const head = mine.filter((c) => c.row === 0).map((c) => c.text);
        for (const h of ['Flags', 'Ref words', 'CER']) expect(head).toContain(h);
        expect(head.some((h) => h.startsWith('Gap to best'))).toBe(true);
        expect(head.some((h) => h.startsWith('Ratio to best'))).toBe(true);
        const at = (row: number, h: string) => mine.find((c) => c.row === row && c.col === head.indexOf(h))!.text;
        t.rows.forEach((r, i) => {
          expect(mine.find((c) => c.row === i + 1 && c.col === 0)!.text).toContain(r.group);
          if (r.suppressed) return;
          expect(at(i + 1, 'Ref words')).toBe(fmtInt(r.refWords));
          expect(at(i + 1, 'CER')).toBe(fmtPct(r.cer));
        });
      }
      await page.screenshot({ path: join(ARTEFACTS, 'card-print-980.png'), fullPage: true });
      // Printing uses the landscape page the layout above assumed, on A4 and on Letter alike.
      for (const format of ['A4', 'Letter'] as const) {
        const pdf = await page.pdf({ format });
        const box = /\/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]/.exec(pdf.toString('latin1'));
        expect(box, format).not.toBeNull();
        expect(Number(box![1]), `${format} page width > height`).toBeGreaterThan(Number(box![2]));
        if (format === 'A4') writeFileSync(join(ARTEFACTS, 'card-print-a4.pdf'), pdf);
      }
    } finally {
      await page.close();
    }
  }, 180_000);
});

describe('the Artie card on a 375 px phone screen', () => {
  it('is no wider than the screen, drill-downs closed and open: charts scale, hashes wrap, tables scroll in their own box', async () => {
    const page = await open(artieHtml, PHONE, 800);
    try {
      const closed = await overflow(page, PHONE);
      expect(closed.past).toEqual([]);
      expect(closed.scrollWidth).toBeLessThanOrEqual(PHONE);
      const charts = await page.evaluate<number[]>(`Array.from(document.querySelectorAll('svg.chart')).map((s) => s.getBoundingClientRect().right)`);
      expect(charts.length).toBe(2 * artieCard.tables.length);
      for (const r of charts) expect(r).toBeLessThanOrEqual(PHONE);
      await page.screenshot({ path: join(ARTEFACTS, 'card-375.png') });
      await page.evaluate(`document.querySelectorAll('details').forEach((d) => { d.open = true; })`);
      expect(await page.locator('details[open] .utt').count()).toBeGreaterThan(100);
      const opened = await overflow(page, PHONE);
      expect(opened.past).toEqual([]);
      expect(opened.scrollWidth).toBeLessThanOrEqual(PHONE);
      await page.locator('details .utt').first().scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(ARTEFACTS, 'card-375-drill.png') });
    } finally {
      await page.close();
    }
  }, 120_000);
});

describe('a CORAAL card (tests only) with its data-quality table', () => {
  let html: string;
  beforeAll(async () => {
    const cdir = join(dir, 'coraal');
    mkdirSync(cdir);
    const rows = await importCoraal(cdir);
    writeFileSync(join(cdir, 'hyps.tsv'), rows.map((u) => `${u.id}\t${u.text} yeah`).join('\n') + '\n');
    writeFileSync(
      join(cdir, 'suite.yaml'),
      'name: coraal-print\nkind: blackbox\nmanifest: coraal.jsonl\ngroupBy: [site]\nnormaliser: basic\nbootstrap: { B: 100 }\n' +
        'backends:\n  - name: vendor\n    type: hypotheses\n    options: { file: hyps.tsv }\n',
    );
    const run = await cliIn(['run', 'suite.yaml', '--out', 'export', '--no-progress'], cdir);
    expect(run.code, run.stderr).toBe(0);
    const rep = await cliIn(['report', 'export', '--model', 'none', '--out', 'card'], cdir);
    expect(rep.code, rep.stderr).toBe(0);
    html = join(cdir, 'card', 'card.html');
  }, 300_000);

  it('keeps the data-quality table inside a 375 px screen (scrolling in its own box) and on the printed page', async () => {
    const page = await open(html, PHONE, 800);
    try {
      expect(await page.locator('#s-data-quality .tablewrap table').count()).toBe(1);
      const o = await overflow(page, PHONE);
      expect(o.past).toEqual([]);
      expect(o.scrollWidth).toBeLessThanOrEqual(PHONE);
      await page.setViewportSize({ width: PAGE_W, height: PAGE_H });
      const printed = await expectPrintFits(page);
      expect(printed.filter((c) => c.table.startsWith('s-data-quality')).length).toBeGreaterThan(9);
    } finally {
      await page.close();
    }
  }, 120_000);
});
