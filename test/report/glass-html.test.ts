/**
 * Issue 14, point 9 in real Chromium: the glass-box page shares the service card's stylesheet, has
 * one title (no duplicate headings), heatmaps readable at 1280 px (labels ≥ 10 px, inside the
 * viewport) and a colour scale. The evidence uses real CMUdict pronunciations (Debian's
 * pocketsphinx-en-us) of Harvard sentences, with TH/DH stopping planted in one group.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findConfusableSounds, type EvidenceUtterance, type PhoneEvent } from '../../src/analysis/confusable.ts';
import type { GlassReport } from '../../src/analysis/glass-suite.ts';
import { defaultGlassOptions } from '../../src/backends/pocketsphinx-glass.ts';
import { confusableHtmlPage } from '../../src/report/confusable.ts';
import { buildServiceCard } from '../../src/report/model.ts';
import { loadRunForReport } from '../../src/score/run-export.ts';
import { writeReport } from '../../src/report/write.ts';
import { writeFixtureRun } from './fixture.ts';

const ARTEFACTS = join(import.meta.dirname, '../../.tmp/test-artefacts');
const DICT = '/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict';
const SENTENCES = [
  'the birch canoe slid on the smooth planks', 'glue the sheet to the dark blue background', 'it is easy to tell the depth of a well',
  'these days a chicken leg is a rare dish', 'rice is often served in round bowls', 'the juice of lemons makes fine punch',
  'the box was thrown beside the parked truck', 'the hogs were fed chopped corn and garbage', 'four hours of steady work faced us',
  'a large size in stockings is hard to sell', 'the boy was there when the sun rose', 'a rod is used to catch pink salmon',
  'the source of the huge river is the clear spring', 'kick the ball straight and follow through', 'help the woman get back to her feet',
];
const root = mkdtempSync(join(tmpdir(), 'asrfair-glasshtml-'));
let browser: Browser;
let page: Page;
let glassFile = '';
let cardFile = '';

function pronunciations(): Map<string, string[]> {
  const words = new Set(SENTENCES.flatMap((s) => s.split(' ')));
  const out = new Map<string, string[]>();
  for (const line of readFileSync(DICT, 'utf8').split('\n')) {
    const [w, ...phones] = line.trim().split(/\s+/);
    if (words.has(w) && !out.has(w)) out.set(w, phones);
  }
  return out;
}

/** Six speakers a group; "th-stopping" says T for TH and D for DH; a seeded 3% of other phones are confused in both. */
function evidence(): EvidenceUtterance[] {
  const dict = pronunciations();
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const phones = [...new Set([...dict.values()].flat())];
  const out: EvidenceUtterance[] = [];
  for (const group of ['th-stopping', 'plain']) {
    for (let s = 0; s < 6; s++) {
      SENTENCES.forEach((text, k) => {
        const events: PhoneEvent[] = [];
        const words = text.split(' ').map((word) => {
          let error = false;
          for (const ref of dict.get(word) ?? []) {
            let hyp = ref;
            if (group === 'th-stopping' && (ref === 'TH' || ref === 'DH') && rand() < 0.8) hyp = ref === 'TH' ? 'T' : 'D';
            else if (rand() < 0.03) hyp = phones[Math.floor(rand() * phones.length)];
            error ||= hyp !== ref;
            events.push({ ref, hyp, word });
          }
          return { word, error };
        });
        out.push({ id: `${group}-${s}-${k}`, speaker: `${group}-${s}`, group, events, words });
      });
    }
  }
  return out;
}

beforeAll(async () => {
  mkdirSync(ARTEFACTS, { recursive: true });
  const r = findConfusableSounds(evidence(), { permutations: 500 });
  const report: GlassReport = {
    groupBy: 'accent', groups: r.groups, utterances: 180, speakers: 12, phoneLoop: r, goodness: [], failures: [],
    settings: { glass: defaultGlassOptions(), engine: 'pocketsphinx' },
  };
  glassFile = join(root, 'glass.html');
  writeFileSync(glassFile, confusableHtmlPage(report, { title: 'Confusable sounds by accent' }));
  writeFixtureRun(join(root, 'run'));
  const run = loadRunForReport(join(root, 'run'));
  [cardFile] = writeReport(buildServiceCard(run.meta, run.utterances, { groupBy: 'accent', bootstrap: 200 }), run, join(root, 'card'), ['html']);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
});

afterAll(async () => {
  await browser?.close();
  rmSync(root, { recursive: true, force: true });
});

const STYLE_PROBE = `(() => { const b = getComputedStyle(document.body), h = getComputedStyle(document.querySelector('h1')), t = document.querySelector('td') ? getComputedStyle(document.querySelector('td')) : null;
  return { font: b.fontFamily, size: b.fontSize, maxWidth: b.maxWidth, h1: h.fontSize, td: t ? t.paddingLeft + ' ' + t.borderBottomStyle : '' }; })()`;

describe('glass-box HTML at 1280 px', () => {
  it('uses the card\'s visual language: same fonts, widths, heading and cell styles', async () => {
    await page.goto(pathToFileURL(cardFile).href);
    const card = await page.evaluate(STYLE_PROBE);
    await page.goto(pathToFileURL(glassFile).href);
    const glass = await page.evaluate(STYLE_PROBE);
    expect(glass).toEqual(card);
  });

  it('has one title and no duplicate headings', async () => {
    const heads = await page.evaluate<string[]>(`Array.from(document.querySelectorAll('h1, h2')).map((h) => h.textContent.trim())`);
    expect(heads.filter((h) => /confusable sounds/i.test(h))).toEqual(['Confusable sounds by accent']);
    expect(new Set(heads).size).toBe(heads.length);
  });

  it('never skips a heading level (h1, then h2 methods, then h3 groups)', async () => {
    const levels = await page.evaluate<number[]>(`Array.from(document.querySelectorAll('h1, h2, h3, h4, h5, h6')).map((h) => Number(h.tagName[1]))`);
    expect(levels[0]).toBe(1);
    for (let i = 1; i < levels.length; i++) expect(levels[i] - levels[i - 1], `heading ${i}`).toBeLessThanOrEqual(1);
  });

  it('flags the planted TH and DH stopping, and draws readable heatmaps inside the viewport with a colour scale', async () => {
    const text = await page.locator('main').textContent();
    expect(text).toContain('TH → T');
    expect(text).toContain('DH → D');
    const maps = await page.evaluate<Array<{ left: number; right: number; width: number; label: number; steps: string[] }>>(`Array.from(document.querySelectorAll('svg.heatmap')).map((svg) => {
      const r = svg.getBoundingClientRect();
      const scale = r.width / svg.viewBox.baseVal.width;
      const label = Array.from(svg.querySelectorAll('text')).find((t) => t.textContent === 'TH');
      return { left: r.left, right: r.right, width: r.width, label: parseFloat(getComputedStyle(label).fontSize) * scale,
        steps: Array.from(svg.querySelectorAll('g.scale rect.scale-step')).map((s) => s.getAttribute('fill')) };
    })`);
    expect(maps).toHaveLength(2);
    for (const m of maps) {
      expect(m.left).toBeGreaterThanOrEqual(0);
      expect(m.right).toBeLessThanOrEqual(1280);
      expect(m.width).toBeGreaterThan(560);
      expect(m.label).toBeGreaterThanOrEqual(10.5);
      // Ten steps of the red ramp, lightest to darkest (green channel falls).
      expect(m.steps).toHaveLength(10);
      const green = m.steps.map((f) => Number(/rgb\(\d+,(\d+),/.exec(f)![1]));
      for (let i = 1; i < green.length; i++) expect(green[i]).toBeLessThan(green[i - 1]);
    }
    await page.screenshot({ path: join(ARTEFACTS, 'glass-1280.png'), fullPage: true });
  });
});
