/**
 * Intervals of the Artie vendor card (reviewer, trial 14), on the real Amazon and Google en-US transcripts:
 * - a two-speaker cell (singapore, wales) got a "95% CI" made of its two speakers' own WERs (amazon-en-US singapore
 *   21.7% [15.4, 30.0]) and a detectable gap: a speaker bootstrap of 2 speakers has 3 distinct resamples. Below the
 *   minimum cell's speaker rule (and never below 4 speakers) a cell now has [—], the reason under it, no detectable gap;
 * - the same "All groups" population got two intervals in one card (amazon-en-US 24.6% [23.1, 26.0] in the accent
 *   table, [23.2, 26.1] in the accent × gender table): now computed once per backend × condition, identical.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServiceCard, type ServiceCard } from '../../src/report/model.ts';
import { renderMarkdown } from '../../src/report/render-md.ts';
import { renderCsv, renderNotesCsv } from '../../src/report/render-csv.ts';
import { renderJson } from '../../src/report/render-json.ts';
import { renderHtml } from '../../src/report/render-html.ts';
import { renderTerminalSummary } from '../../src/report/render-terminal.ts';
import { checkCard } from '../../src/report/check.ts';
import { loadRunForReport, type LoadedRun } from '../../src/score/run-export.ts';
import { cli } from '../helpers/cli.ts';

const SUITE = join(import.meta.dirname, '../../manifests/suites/artie-vendors.yaml');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-card-intervals-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let run: LoadedRun;
let card: ServiceCard;
const opts = { groupBy: 'accent', slices: [['accent', 'gender']], bootstrap: 300, seed: 1, minCell: { speakers: 10, words: 500 }, model: 'none' as const };

beforeAll(async () => {
  const r = await cli('run', SUITE, '--backend', 'amazon-en-US,google-en-US', '--store', join(dir, 'store.sqlite'), '--out', join(dir, 'run'), '--no-progress');
  expect(r.code, r.stderr).toBe(0);
  run = loadRunForReport(join(dir, 'run'));
  card = buildServiceCard(run.meta, run.utterances, opts);
}, 300_000);

const amazon = (c: ServiceCard) => c.tables.find((t) => t.kind === 'group' && t.backendName === 'amazon-en-US')!;

describe('a cell of too few speakers has no interval and no detectable gap, in every format', () => {
  it('singapore and wales (2 speakers each): [—], no gap intervals, no detectable gap', () => {
    for (const g of ['singapore', 'wales']) {
      const r = amazon(card).rows.find((x) => x.group === g)!;
      expect(r.speakers).toBe(2);
      expect(Number.isFinite(r.wer!.estimate)).toBe(true);
      for (const i of [r.wer!, r.gapToRest!, r.gapToBest!, r.ratioToBest!, ...Object.values(r.werMetrics!)]) expect([i.lo, i.hi], g).toEqual([NaN, NaN]);
      expect(r.minDetectableGap, g).toBeNull();
    }
    // A group meeting the minimum cell keeps its interval.
    const us = amazon(card).rows.find((x) => x.group === 'us')!;
    expect(Number.isFinite(us.wer!.lo) && Number.isFinite(us.minDetectableGap)).toBe(true);
  });

  it('md, html, terminal: "[—]" on the row and the reason under the table; csv empty, json null; notes in card-notes.csv', () => {
    // Markdown escapes the brackets (\[—\]); the rendered page shows [—].
    const reason = /\\?\[—\\?\] = no interval: fewer than 10 speakers/;
    const md = renderMarkdown(card);
    const row = md.split('\n').find((l) => l.startsWith('| singapore'))!;
    expect(row).toMatch(/% \[—\]/);
    expect(row).not.toMatch(/15\.4/);
    expect(md).toMatch(reason);
    expect(renderHtml(card, { dir: join(dir, 'run'), utterances: run.utterances })).toMatch(reason);
    const term = renderTerminalSummary(card, []);
    expect(term.split('\n').find((l) => l.trim().startsWith('singapore'))).toMatch(/\[—\]/);
    expect(term).toMatch(reason);
    const csv = renderCsv(card).trimEnd().split('\r\n').map((l) => l.split(','));
    const col = (n: string) => csv[0].indexOf(n);
    const sg = csv.find((c) => c[col('backend_name')] === 'amazon-en-US' && c[col('table_kind')] === 'group' && c[col('group')] === 'singapore')!;
    expect([sg[col('wer_lo')], sg[col('wer_hi')], sg[col('min_detectable_gap')]]).toEqual(['', '', '']);
    expect(renderNotesCsv(card)).toMatch(/fewer than 10 speakers has no interval/);
    const json = JSON.parse(renderJson(card)) as { tables: Array<{ backendName: string; kind: string; rows: Array<{ group: string; wer: { lo: unknown }; minDetectableGap: unknown }> }>; footnotes: string[] };
    const j = json.tables.find((t) => t.backendName === 'amazon-en-US' && t.kind === 'group')!.rows.find((r) => r.group === 'singapore')!;
    expect([j.wer.lo, j.minDetectableGap]).toEqual([null, null]);
    expect(json.footnotes.join('\n')).toMatch(/fewer than 10 speakers has no interval/);
  });

  it('check names such a cell with [—], never "NaN" or "[—, —]"', () => {
    const v = checkCard(card, { maxWer: 0.2, maxGap: 0.02, includeSmallCells: true }).violations.filter((x) => x.group === 'singapore' && x.backend === amazon(card).backend);
    expect(v.map((x) => x.rule).sort()).toEqual(['max-gap', 'max-wer']);
    for (const x of v) {
      expect(x.message).toMatch(/\[—\]/);
      expect(x.message).not.toMatch(/NaN|—, —/);
    }
  });

  it('a minimum cell lowered to 2 speakers still gives no 2-speaker interval (floor of 4)', () => {
    const low = buildServiceCard(run.meta, run.utterances, { ...opts, slices: [], minCell: { speakers: 2, words: 1 } });
    const r = amazon(low).rows.find((x) => x.group === 'wales')!;
    expect([r.wer!.lo, r.wer!.hi]).toEqual([NaN, NaN]);
    expect(renderMarkdown(low)).toMatch(/\\?\[—\\?\] = no interval: fewer than 4 speakers/);
  });
});

describe('"All groups" is one population: one interval wherever the card shows it', () => {
  it('the accent table and the accent × gender table give the same All groups row, for each backend', () => {
    for (const b of ['amazon-en-US', 'google-en-US']) {
      const [g, s] = ['group', 'slice'].map((k) => card.tables.find((t) => t.kind === k && t.backendName === b)!);
      expect(s.overall.wer, b).toEqual(g.overall.wer);
      expect(s.overall.werMetrics, b).toEqual(g.overall.werMetrics);
      expect(s.overall, b).toEqual(g.overall);
      // And it is an interval (969 speakers).
      expect(g.overall.wer!.hi - g.overall.wer!.lo).toBeGreaterThan(0);
    }
  });

  it('with several slices too (accent × gender, accent × age): every table of a backend, one All groups interval', () => {
    const c = buildServiceCard(run.meta, run.utterances, { ...opts, slices: [['accent', 'gender'], ['accent', 'age']] });
    const ts = c.tables.filter((t) => t.backendName === 'amazon-en-US');
    expect(ts).toHaveLength(3);
    for (const t of ts) expect(t.overall.wer).toEqual(ts[0].overall.wer);
  });
});
