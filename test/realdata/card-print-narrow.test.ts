/**
 * The HTML service card on a phone (trial 20, defect 4), in real Chromium (playwright-core, as
 * test/report/html-layout.test.ts drives it) on real runs: Artie's Amazon and Google en-US transcripts by accent
 * (shipped, CC0), and CORAAL transcripts (tests only) for the data-quality table. At 375 px the page was 649 px
 * wide (997 px with drill-downs open) from fixed-width charts and unbroken hashes.
 * Screenshots are kept under .tmp/test-artefacts/ for a person to look at.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceCard } from '../../src/report/model.ts';
import { writeArtieSuite } from '../helpers/artie-suite.ts';
import { cli, cliIn } from '../helpers/cli.ts';
import { importCoraal } from '../helpers/coraal-lines.ts';

const ARTEFACTS = join(import.meta.dirname, '../../.tmp/test-artefacts');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-card-print-'));
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

/** Elements (outside the tables' own scroll areas) reaching past the viewport, and the document's scroll width. */
function overflow(page: Page, width: number): Promise<{ scrollWidth: number; past: string[] }> {
  return page.evaluate(`({ scrollWidth: document.documentElement.scrollWidth,
    past: Array.from(document.querySelectorAll('body *')).filter((e) => !e.closest('.tablewrap') && e.getBoundingClientRect().right > ${width} + 0.5)
      .slice(0, 8).map((e) => e.tagName + ' ' + Math.round(e.getBoundingClientRect().right) + ' px: ' + e.textContent.slice(0, 50)) })`);
}

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

  it('keeps the data-quality table inside a 375 px screen, scrolling in its own box', async () => {
    const page = await open(html, PHONE, 800);
    try {
      expect(await page.locator('#s-data-quality .tablewrap table').count()).toBe(1);
      const o = await overflow(page, PHONE);
      expect(o.past).toEqual([]);
      expect(o.scrollWidth).toBeLessThanOrEqual(PHONE);
    } finally {
      await page.close();
    }
  }, 120_000);
});
