import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServiceCard } from '../../src/report/model.ts';
import { loadRunForReport } from '../../src/score/run-export.ts';
import { writeReport } from '../../src/report/write.ts';
import { makeConditionRun, NOISY, writeFixtureRun } from './fixture.ts';

const root = mkdtempSync(join(tmpdir(), 'asrfair-html-'));
let browser: Browser;
let page: Page;
const consoleLines: string[] = [];
let htmlPath = '';
let embeddedPath = '';

beforeAll(async () => {
  const dir = join(root, 'run');
  writeFixtureRun(dir, { hostile: true });
  const run = loadRunForReport(dir);
  const card = buildServiceCard(run.meta, run.utterances, { groupBy: 'accent', slices: ['accent', 'gender'], bootstrap: 200 });
  [htmlPath] = writeReport(card, run, join(root, 'out'), ['html']);
  [embeddedPath] = writeReport(card, run, join(root, 'embedded'), ['html'], { embedAudio: true });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
  await page.goto(pathToFileURL(htmlPath).href);
});

afterAll(async () => {
  await browser?.close();
  rmSync(root, { recursive: true, force: true });
});

// The project compiles without the DOM lib: in-page code is passed as source strings, and element
// callbacks use these minimal shapes.
interface El {
  className: string;
  open: boolean;
  duration: number;
  addEventListener(type: string, f: () => void): void;
  load(): void;
}
const FIRST_TABLE_ROWS = "Array.from(document.querySelectorAll('table.sortable')[0].querySelectorAll('tbody tr'))";

/** Group names of the first table's body, top to bottom. */
async function order(): Promise<string[]> {
  return page.evaluate<string[]>(`${FIRST_TABLE_ROWS}.map((r) => r.getAttribute('data-group') ?? '')`);
}

/** Loads an <audio> element's metadata; resolves to its duration (or -1 on error). */
function audioDuration(a: unknown): Promise<number> {
  return new Promise<number>((res) => {
    const el = a as El;
    el.addEventListener('loadedmetadata', () => res(el.duration));
    el.addEventListener('error', () => res(-1));
    el.load();
  });
}

describe('HTML report in Chromium', () => {
  it('renders the title, the synthetic-accents banner, both charts and the tables', async () => {
    expect(await page.textContent('h1')).toContain('Accuracy by accent');
    expect(await page.textContent('#synthetic')).toContain('Synthetic accents');
    expect(await page.locator('section.card-table').count()).toBe(2);
    expect(await page.locator('section.card-table >> nth=0 >> svg.chart').count()).toBe(2);
    // One bar and one forest point per group, with CI whiskers.
    expect(await page.locator('section.card-table >> nth=0 >> svg.wer rect.bar').count()).toBe(3);
    expect(await page.locator('section.card-table >> nth=0 >> svg.gap circle.pt').count()).toBe(3);
    // The page's own style applied (hash allowed by the CSP): table cells are right-aligned.
    expect(await page.evaluate<string>("getComputedStyle(document.querySelector('table.sortable td:nth-child(2)')).textAlign")).toBe('right');
    expect(consoleLines.filter((l) => /Content Security Policy|pageerror/.test(l))).toEqual([]);
  });

  it('sorts a table on header click, numbers by value, both directions', async () => {
    const wers = await page.evaluate<Record<string, number>>(
      `Object.fromEntries(${FIRST_TABLE_ROWS}.map((r) => [r.getAttribute('data-group'), Number(r.cells[2].getAttribute('data-v'))]))`,
    );
    const asc = Object.keys(wers).sort((a, b) => wers[a] - wers[b]);
    const header = page.locator('table.sortable >> nth=0 >> th', { hasText: 'Pooled WER [95% CI]' });
    await header.click();
    expect(await order()).toEqual(asc);
    expect(await header.getAttribute('aria-sort')).toBe('ascending');
    await header.click();
    expect(await order()).toEqual([...asc].reverse());
    await page.locator('table.sortable >> nth=0 >> th', { hasText: /^Group/ }).click();
    expect(await order()).toEqual(['caribbean', 'scottish', 'welsh']);
  });

  it('opens the drill-down from the group link and shows the coloured alignment and audio', async () => {
    const details = page.locator('details.drill', { hasText: 'scottish' }).first();
    expect(await details.evaluate((d) => (d as unknown as El).open)).toBe(false);
    await page.locator('table.sortable >> nth=0 >> a.drill', { hasText: 'scottish' }).click();
    expect(await details.evaluate((d) => (d as unknown as El).open)).toBe(true);
    const utt = details.locator('.utt', { hasText: 'scottish-spk0-u0' });
    await expect.poll(() => utt.isVisible()).toBe(true);
    const ops = await utt.locator('.align .op').evaluateAll((els) => els.map((e) => e.className.replace('op ', '')));
    const u = loadRunForReport(join(root, 'run')).utterances.find((x) => x.id === 'scottish-spk0-u0')!;
    expect(ops.filter((o) => o === 'S').length).toBe(u.words.sub);
    expect(ops.filter((o) => o === 'D').length).toBe(u.words.del);
    expect(ops.filter((o) => o === 'I').length).toBe(u.words.ins);
    expect(ops.filter((o) => o === 'C').length).toBe(u.words.hits);
    // Substitutions are coloured differently from hits.
    const colours = await page.evaluate<string[]>(
      `Array.from(Array.from(document.querySelectorAll('.utt')).find((u) => u.querySelector('.uid').textContent === 'scottish-spk0-u0')` +
        `.querySelectorAll('.align .op')).map((e) => getComputedStyle(e).backgroundColor)`,
    );
    expect(colours).toHaveLength(ops.length);
    const hitBg = colours[ops.indexOf('C')];
    if (ops.includes('S')) expect(colours[ops.indexOf('S')]).not.toBe(hitBg);
    // Audio: relative link that the CSP lets the player load.
    const audio = utt.locator('audio');
    expect(await audio.getAttribute('src')).toBe('../run/audio/scottish-spk0-u0.wav');
    const duration = await audio.evaluate(audioDuration);
    expect(duration).toBeCloseTo(0.1, 2);
  });

  it('shows injected markup in a transcript as text and never runs it', async () => {
    const hostile = page.locator('.utt', { hasText: 'scottish-spk0-hostile' });
    const text = await hostile.locator('.align').textContent();
    expect(text).toContain('<script>window.__pwned=1</script>');
    expect(text).toContain('<img');
    expect(await page.evaluate<string>('typeof window.__pwned')).toBe('undefined');
    expect(await page.locator('main script, main img').count()).toBe(0);
    const raw = readFileSync(htmlPath, 'utf8');
    expect(raw).toContain('&lt;script&gt;window.__pwned=1&lt;/script&gt;');
    expect(raw).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; script-src &#39;sha256-/);
    await page.screenshot({ path: '/tmp/asrfair-report-test.png', fullPage: false });
  });

  it('--embed-audio inlines the audio as a data URI that plays', async () => {
    const p2 = await browser.newPage();
    await p2.goto(pathToFileURL(embeddedPath).href);
    const audio = p2.locator('.utt audio').first();
    expect((await audio.getAttribute('src'))!.startsWith('data:audio/wav;base64,')).toBe(true);
    const duration = await audio.evaluate(audioDuration);
    expect(duration).toBeCloseTo(0.1, 2);
    await p2.close();
  });
});

describe('HTML statistics sections in Chromium', () => {
  const EVIL = '<img src=x onerror="window.__pwned=3">';
  let p3: Page;
  let card: ReturnType<typeof buildServiceCard>;

  beforeAll(async () => {
    const dir = join(root, 'noisy');
    // Welsh is renamed to markup that would run if any section failed to escape it.
    const utts = makeConditionRun().map((u) => (u.labels.accent === 'welsh' ? { ...u, labels: { ...u.labels, accent: EVIL } } : u));
    writeFixtureRun(dir, { utterances: utts, meta: { conditions: [{ key: 'clean', name: 'clean' }, { key: NOISY, name: `noise ${EVIL}` }] } });
    const loaded = loadRunForReport(dir);
    card = buildServiceCard(loaded.meta, loaded.utterances, { groupBy: 'accent', bootstrap: 200, referenceGroup: 'scottish', minCell: { speakers: 1, words: 1 } });
    const [path] = writeReport(card, loaded, join(root, 'out-noisy'), ['html']);
    p3 = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    p3.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
    p3.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    await p3.goto(pathToFileURL(path).href);
  });
  afterAll(async () => p3?.close());

  it('shows the detectable gap, within/between line, model and degradation sections, all escaped', async () => {
    const heads = await p3.locator('section.card-table >> nth=0 >> thead th').allTextContents();
    expect(heads).toContain('Detectable gap');
    expect(heads.some((h) => h.startsWith('Gap to scottish'))).toBe(true);
    const t = card.tables[0];
    const caribbean = t.rows.find((r) => r.group === 'caribbean')!;
    const cell = p3.locator(`section.card-table >> nth=0 >> tr[data-group="caribbean"] td >> nth=${heads.indexOf('Detectable gap')}`);
    expect(await cell.textContent()).toBe(`${(caribbean.minDetectableGap! * 100).toFixed(1)} pp`);
    expect(await p3.locator('p.within-between').count()).toBe(2);
    expect(await p3.locator('p.within-between >> nth=0').textContent()).toContain('(uncorrected)');
    expect(await p3.textContent('#s-model h2')).toBe('Model-based view by accent (Poisson regression, speaker-clustered CR1 errors)');
    expect(await p3.locator('#s-model table.model-groups tbody tr').count()).toBe(3);
    expect(await p3.locator('#s-degradation h3').textContent()).toBe(`Mock ASR · noise ${EVIL} vs clean · by accent`);
    expect(await p3.locator('#s-degradation tr[data-group="caribbean"] .flag.sig').textContent()).toBe('degrades more');
    // The hostile label is shown as text in every section and never runs.
    expect(await p3.locator('#s-model', { hasText: EVIL }).count()).toBe(1);
    expect(await p3.locator('#s-degradation tbody tr', { hasText: EVIL }).count()).toBe(1);
    expect(await p3.evaluate<string>('typeof window.__pwned')).toBe('undefined');
    expect(await p3.locator('main img, main script').count()).toBe(0);
    expect(consoleLines.filter((l) => /Content Security Policy|pageerror/.test(l))).toEqual([]);
  });

  it('sorts the degradation table by excess on header click', async () => {
    const rows = '#s-degradation tbody tr';
    await p3.locator('#s-degradation th', { hasText: 'Excess over rest' }).click();
    const asc = await p3.locator(rows).evaluateAll((els) => els.map((e) => (e as unknown as { getAttribute(n: string): string }).getAttribute('data-group')));
    expect(asc).toEqual(['scottish', EVIL, 'caribbean']);
    await p3.locator('#s-degradation th', { hasText: 'Excess over rest' }).click();
    const desc = await p3.locator(rows).evaluateAll((els) => els.map((e) => (e as unknown as { getAttribute(n: string): string }).getAttribute('data-group')));
    expect(desc).toEqual(['caribbean', EVIL, 'scottish']);
  });
});
