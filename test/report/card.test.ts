import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ScoredUtterance } from '../../src/analysis/types.ts';
import { buildServiceCard } from '../../src/report/model.ts';
import { csvCell, renderCsv } from '../../src/report/render-csv.ts';
import { renderHtml } from '../../src/report/render-html.ts';
import { renderJson } from '../../src/report/render-json.ts';
import { mdEscape, renderMarkdown } from '../../src/report/render-md.ts';
import { RunMetaSchema } from '../../src/score/run-export.ts';
import { writeReport } from '../../src/report/write.ts';
import { makeMeta, makeUtterances } from './fixture.ts';
import { parseCsv } from './parse-csv.ts';

const meta = RunMetaSchema.parse(makeMeta());
const utts = makeUtterances();
const opts = { groupBy: 'accent', bootstrap: 300, seed: 3, generatedAt: '2026-11-23T10:00:00Z' };

/** Direct pooled numbers of one group, computed here without the library. */
function direct(group: string) {
  const mine = utts.filter((u) => u.labels.accent === group);
  const err = (u: ScoredUtterance) => u.words.sub + u.words.del + u.words.ins;
  const words = mine.reduce((s, u) => s + u.words.ref, 0);
  const chars = mine.reduce((s, u) => s + u.chars.ref, 0);
  return {
    speakers: new Set(mine.map((u) => u.speaker)).size,
    utterances: mine.length,
    refWords: words,
    wer: mine.reduce((s, u) => s + err(u), 0) / words,
    cer: mine.reduce((s, u) => s + u.chars.sub + u.chars.del + u.chars.ins, 0) / chars,
    hours: mine.reduce((s, u) => s + (u.durationSec ?? 0), 0) / 3600,
  };
}

const groups = ['scottish', 'caribbean', 'welsh'];
const expected = Object.fromEntries(groups.map((g) => [g, direct(g)]));
const best = 'scottish'; // lowest WER among groups meeting the minimum cell (welsh has 3 speakers)


describe('service card', () => {
  const card = buildServiceCard(meta, utts, opts);
  const t = card.tables[0];

  it('has one group table with the directly computed sizes and rates', () => {
    expect(card.tables).toHaveLength(1);
    expect(t.bestGroup).toBe(best);
    expect(t.rows.map((r) => r.group)).toEqual(['caribbean', 'welsh', 'scottish']); // worst first
    for (const r of t.rows) {
      const e = expected[r.group];
      expect(r.speakers).toBe(e.speakers);
      expect(r.utterances).toBe(e.utterances);
      expect(r.refWords).toBe(e.refWords);
      expect(r.wer!.estimate).toBeCloseTo(e.wer, 12);
      expect(r.cer).toBeCloseTo(e.cer, 12);
      expect(r.hours).toBeCloseTo(e.hours, 12);
      expect(r.gapToBest!.estimate).toBeCloseTo(e.wer - expected[best].wer, 12);
      expect(r.ratioToBest!.estimate).toBeCloseTo(e.wer / expected[best].wer, 12);
      // welsh (3 speakers, below the minimum cell's 10) has no interval: [—] (intervalMinSpeakers).
      if (r.group === 'welsh') expect([r.wer!.lo, r.wer!.hi]).toEqual([NaN, NaN]);
      else {
        expect(r.wer!.lo).toBeLessThanOrEqual(r.wer!.estimate);
        expect(r.wer!.hi).toBeGreaterThanOrEqual(r.wer!.estimate);
      }
    }
    const welsh = t.rows.find((r) => r.group === 'welsh')!;
    expect(welsh.flags).toContain('small-cell');
    const carib = t.rows.find((r) => r.group === 'caribbean')!;
    // 30% vs 5% error rates over 12 speakers each: the permutation test must find it.
    expect(carib.flags).toContain('significant-gap');
    expect(carib.pAdjusted!).toBeLessThan(0.05);
  });

  it('Markdown prints the numbers, the correction and the footnotes', () => {
    const md = renderMarkdown(card);
    const e = expected.caribbean;
    const row = md.split('\n').find((l) => l.startsWith('| caribbean |'))!;
    const cells = row.split('|').map((s) => s.trim());
    expect(cells[2]).toBe(String(e.speakers));
    expect(cells[3]).toBe(String(e.utterances));
    expect(cells[5]).toBe(String(e.refWords));
    expect(cells[6].startsWith(`${(e.wer * 100).toFixed(1)}% [`)).toBe(true);
    // One comparison per row: gap to rest, its p and the flag sit together; gap to best is labelled descriptive.
    const rest = utts.filter((u) => u.labels.accent !== 'caribbean');
    const restWer = rest.reduce((a, u) => a + u.words.sub + u.words.del + u.words.ins, 0) / rest.reduce((a, u) => a + u.words.ref, 0);
    expect(cells[7].startsWith(`+${((e.wer - restWer) * 100).toFixed(1)} pp [`)).toBe(true);
    expect(cells[9]).toBe('significant gap');
    expect(cells[12]).toBe(`${(e.cer * 100).toFixed(1)}%`);
    expect(cells[13].startsWith(`+${((e.wer - expected[best].wer) * 100).toFixed(1)} pp [`)).toBe(true);
    expect(md).toContain('| Gap to rest [95% CI] | Adj. p vs rest (holm) | Flags |');
    expect(md).toContain('Gap to best adequate group, descriptive [95% CI]');
    expect(md).toContain('**Synthetic accents.**');
    expect(md).toMatch(/Corpus: fixture-corpus, hash sha256:abc123/);
    expect(md).toMatch(/Normaliser: basic version 2\. It does: Unicode NFKC, .* Examples: "don’t" → "don't", "well-known" → "well known", "30,000" → "30 000".* Alignment cost model: sclite/);
    expect(md).toContain('Intended use: Testing the report layer.');
    expect(md).toContain('Possible confounder: Sentence length varies by chance.');
    expect(md).toContain('300 resamples, seed 3');
  });

  it('CSV carries raw fractions that match direct computation', () => {
    const rows = parseCsv(renderCsv(card));
    expect(rows).toHaveLength(4);
    for (const g of groups) {
      const r = rows.find((x) => x.group === g && x.row_type === 'group')!;
      expect(Number(r.wer)).toBeCloseTo(expected[g].wer, 12);
      expect(Number(r.ref_words)).toBe(expected[g].refWords);
      expect(Number(r.speakers)).toBe(expected[g].speakers);
      expect(r.correction).toBe('holm');
      expect(r.suppressed).toBe('false');
    }
    const all = rows.find((x) => x.row_type === 'overall')!;
    expect(Number(all.ref_words)).toBe(utts.reduce((s, u) => s + u.words.ref, 0));
  });

  it('JSON is the card with a format tag', () => {
    const j = JSON.parse(renderJson(card));
    expect(j.format).toBe('asrfair-service-card');
    expect(j.settings).toMatchObject({ groupBy: 'accent', bootstrap: 300, seed: 3, correction: 'holm', publish: false });
    const w = j.tables[0].rows.find((r: { group: string }) => r.group === 'welsh');
    expect(w.wer.estimate).toBeCloseTo(expected.welsh.wer, 12);
    expect(j.meta.corpus.synthetic).toBe(true);
  });

  it('slices add a table whose rows cover every accent × gender pair', () => {
    const c2 = buildServiceCard(meta, utts, { ...opts, slices: ['accent', 'gender'] });
    expect(c2.tables.map((x) => x.kind)).toEqual(['group', 'slice']);
    const s = c2.tables[1];
    expect(s.rows).toHaveLength(6);
    const sw = s.rows.find((r) => r.group === 'accent=welsh × gender=male')!;
    const mine = utts.filter((u) => u.labels.accent === 'welsh' && u.labels.gender === 'male');
    expect(sw.refWords).toBe(mine.reduce((a, u) => a + u.words.ref, 0));
  });
});

describe('publish mode', () => {
  const card = buildServiceCard(meta, utts, { ...opts, publish: true });
  const root = mkdtempSync(join(tmpdir(), 'asrfair-pub-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('suppresses small cells in every format, not just marks them', () => {
    const welsh = card.tables[0].rows.find((r) => r.group === 'welsh')!;
    expect(welsh.suppressed).toBe(true);
    expect(welsh.wer).toBeNull();
    expect(welsh.speakers).toBeNull();
    const files = writeReport(card, { dir: root, utterances: utts }, join(root, 'out'), ['md', 'csv', 'json', 'html']);
    const [md, csv, json, html] = files.map((f) => readFileSync(f, 'utf8'));

    const row = md.split('\n').find((l) => l.startsWith('| welsh'))!;
    const cells = row.split('|').slice(2, -1).map((s) => s.trim()).filter((c) => c !== 'suppressed (small cell)');
    expect(cells.length).toBeGreaterThan(10);
    expect(cells.every((c) => c === '—')).toBe(true);
    expect(md).toContain('† Suppressed');
    expect(md).toMatch(/— = suppressed/);
    // The small cell's WER must appear nowhere.
    const welshWer = `${(expected.welsh.wer * 100).toFixed(1)}%`;
    expect(row).not.toContain(welshWer);

    const r = parseCsv(csv).find((x) => x.group === 'welsh')!;
    expect(r.suppressed).toBe('true');
    expect(r.wer).toBe('');
    expect(r.ref_words).toBe('');

    const jw = JSON.parse(json).tables[0].rows.find((x: { group: string }) => x.group === 'welsh');
    expect(jw.wer).toBeNull();
    expect(jw.refWords).toBeNull();

    // No drill-down of a suppressed group, and its utterances are not in the page.
    for (const u of utts.filter((x) => x.labels.accent === 'welsh')) expect(html).not.toContain(u.id);
    // welsh is the only small cell, so scottish (fewest words) is hidden too (complementary suppression, issue 13.10).
    expect(html).toContain('caribbean-spk1-u0');
    for (const u of utts.filter((x) => x.labels.accent === 'scottish')) expect(html).not.toContain(u.id);
  });

  it('unsuppressed rows keep their values', () => {
    const c = card.tables[0].rows.find((r) => r.group === 'caribbean')!;
    expect(c.wer!.estimate).toBeCloseTo(expected.caribbean.wer, 12);
  });
});

describe('escaping', () => {
  const hostile = utts.map((u) => (u.labels.accent === 'welsh' ? { ...u, labels: { ...u.labels, accent: '=HYPERLINK("x")|<b>bold</b>' } } : u));
  const card = buildServiceCard(meta, hostile, { ...opts, minCell: { speakers: 1, words: 1 } });

  it('Markdown keeps the table shape and shows labels as text', () => {
    const md = renderMarkdown(card);
    const row = md.split('\n').find((l) => l.includes('HYPERLINK'))!;
    expect(row).toContain(mdEscape('=HYPERLINK("x")|<b>bold</b>'));
    expect(row).not.toMatch(/(?<!\\)<\/?b>/);
    const head = md.split('\n').find((l) => l.startsWith('| Group'))!;
    const unescapedPipes = (s: string) => s.replace(/\\\|/g, '').split('|').length;
    expect(unescapedPipes(row)).toBe(unescapedPipes(head));
  });

  it('CSV quotes and defuses formula-like text', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell(-0.5)).toBe('-0.5');
    expect(renderCsv(card)).toContain(`"'=HYPERLINK(""x"")|<b>bold</b>"`);
  });

  it('HTML escapes labels and transcripts', () => {
    const html = renderHtml(card, { dir: '/tmp', utterances: makeUtterances({ hostile: true }) });
    expect(html).not.toContain('<b>bold</b>');
    expect(html).toContain('&lt;b&gt;bold&lt;/b&gt;');
    expect(html).not.toMatch(/<script>window/);
    expect(html).toContain('&lt;script&gt;window.__pwned=1&lt;/script&gt;');
    expect(html.match(/<script[ >]/g)).toHaveLength(1);
  });
});

describe('failed utterances', () => {
  const failedUtt = { ...utts[0], id: 'scottish-failed', status: 'failed' as const, hyp: '', error: 'HTTP 500 <b>boom</b>' };
  const withFailure = [...utts, failedUtt];
  const card = buildServiceCard(meta, withFailure, opts);

  it('are counted in a Failed column and left out of the rates', () => {
    const s = card.tables[0].rows.find((r) => r.group === 'scottish')!;
    expect(s.failed).toBe(1);
    expect(s.utterances).toBe(expected.scottish.utterances);
    expect(s.wer!.estimate).toBeCloseTo(expected.scottish.wer, 12);
    const md = renderMarkdown(card);
    expect(md).toMatch(/\| Group \| Speakers \| Utterances \| Failed \| Hours/);
    expect(md).toMatch(/^\| scottish \| 12 \| 60 \| 1 \|/m);
    expect(md).toMatch(/^\| caribbean \| 12 \| 60 \| 0 \|/m);
  });

  it('show their escaped error in the drill-down', () => {
    const html = renderHtml(card, { dir: '/tmp', utterances: withFailure });
    expect(html).toContain('HTTP 500 &lt;b&gt;boom&lt;/b&gt;');
    expect(html).not.toContain('<b>boom');
  });
});

describe('several backends and conditions', () => {
  it('makes one table per backend × condition, named from run.json', () => {
    const many = [
      ...makeUtterances({ backend: 'mock-asr' }),
      ...makeUtterances({ backend: 'mock-asr', condition: 'noise', errorSeed: 11 }),
      ...makeUtterances({ backend: 'other', errorSeed: 12 }),
      ...makeUtterances({ backend: 'other', condition: 'noise', errorSeed: 13 }),
    ];
    const m = RunMetaSchema.parse(makeMeta({ conditions: [{ key: 'clean', name: 'clean' }, { key: 'noise', name: 'babble 10 dB' }] }));
    const card = buildServiceCard(m, many, opts);
    expect(card.tables.map((t) => `${t.backendName}/${t.conditionName}`).sort()).toEqual(['Mock ASR/babble 10 dB', 'Mock ASR/clean', 'other/babble 10 dB', 'other/clean']);
    const md = renderMarkdown(card);
    expect(md).toContain('## Mock ASR · condition babble 10 dB · by accent');
    const ids = new Set(card.tables.map((t) => t.id));
    expect(ids.size).toBe(4);
    for (const t of card.tables) {
      const mine = many.filter((u) => u.backend === t.backend && u.condition === t.condition);
      expect(t.overall.refWords).toBe(mine.reduce((s, u) => s + u.words.ref, 0));
    }
  });
});
