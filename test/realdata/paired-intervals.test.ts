/**
 * The card's interval rule (s-ar: a cell of fewer than max(minimum cell speakers, 4) speakers has no interval, `[—]`
 * with the reason) now holds for every interval over speakers: degradation, remedy (adapt) and compare intervals kept
 * the one-speaker rule, so Artie's 2-speaker singapore got a paired "95% CI" made of its two speakers' own changes.
 * Real data: the Artie bias corpus scored with the real Amazon and Google en-US answers (artie-vendors suite).
 * - compare (Amazon A vs Google B): text, md (reason under the table), json (null; the rule in the notes);
 * - degradation: Google's answers as the "clean" condition and Amazon's as another condition of the same utterances
 *   (the paired analysis is the same whatever produced the second condition): md and html reason, csv empty, json null;
 * - remedy: Amazon before, Google after: md (adapt's terminal and remedy.md) and html.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServiceCard } from '../../src/report/model.ts';
import { renderMarkdown } from '../../src/report/render-md.ts';
import { renderHtml } from '../../src/report/render-html.ts';
import { renderJson } from '../../src/report/render-json.ts';
import { renderDegradationCsv } from '../../src/report/render-csv.ts';
import { loadRunForReport, type LoadedRun } from '../../src/score/run-export.ts';
import { remedyReport } from '../../src/adapt/remedy.ts';
import { adaptHtml, adaptMarkdown } from '../../src/report/remedy.ts';
import type { AdaptResult } from '../../src/adapt/pipeline.ts';
import type { ScoredUtterance } from '../../src/analysis/types.ts';
import { cli } from '../helpers/cli.ts';
import { parseCsv } from '../report/parse-csv.ts';

const SUITE = join(import.meta.dirname, '../../manifests/suites/artie-vendors.yaml');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-paired-intervals-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const REASON = '[—] = no interval: fewer than 10 speakers (the minimum cell\'s speaker rule).';
let run: LoadedRun;
let amazon: ScoredUtterance[];
let google: ScoredUtterance[];

beforeAll(async () => {
  const r = await cli('run', SUITE, '--backend', 'amazon-en-US,google-en-US', '--store', join(dir, 'store.sqlite'), '--out', join(dir, 'run'), '--no-progress');
  expect(r.code, r.stderr).toBe(0);
  run = loadRunForReport(join(dir, 'run'));
  const key = (name: string) => run.meta.backends.find((b) => b.name === name)!.key;
  amazon = run.utterances.filter((u) => u.backend === key('amazon-en-US'));
  google = run.utterances.filter((u) => u.backend === key('google-en-US'));
}, 300_000);

const unescapeHtml = (h: string) => h.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const speakersOf = (utts: readonly ScoredUtterance[], accent: string) => new Set(utts.filter((u) => u.labels.accent === accent).map((u) => u.speaker)).size;

describe('paired intervals follow the card\'s rule: [—] below max(minimum cell, 4) speakers, with the reason', () => {
  it('compare: singapore (2 speakers) has [—] in text, md and json, the reason under the table, the rule in the notes', async () => {
    expect(speakersOf(amazon, 'singapore')).toBe(2);
    const out = join(dir, 'cmp');
    const r = await cli('compare', join(dir, 'run'), join(dir, 'run'), '--backend-a', 'amazon-en-US', '--backend-b', 'google-en-US', '--min-speakers', '10', '--format', 'md,json', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const row = r.stdout.split('\n').find((l) => l.startsWith('singapore'))!;
    expect(row).toMatch(/ \+?-?\d+\.\d+ pp \[—\]|\[—\]/);
    expect(row).not.toMatch(/\[-?\d/);
    expect(r.stdout).toContain(REASON);
    const us = r.stdout.split('\n').find((l) => l.startsWith('us '))!;
    expect(us).toMatch(/\[-?\d+\.\d+, -?\d+\.\d+\]/);
    const md = readFileSync(join(out, 'compare.md'), 'utf8');
    expect(md).toContain(REASON.replace('[—]', '\\[—\\]'));
    const json = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8'));
    const sg = json.tables[0].groups.find((g: { group: string }) => g.group === 'singapore');
    expect([sg.diff.lo, sg.diff.hi]).toEqual([null, null]);
    expect(json.notes.join('\n')).toContain('a group (or All groups) of fewer than 10 speakers has no interval ([—])');
  }, 120_000);

  it('degradation: singapore has [—] (md, html with the reason; csv empty; json null); us keeps its interval', () => {
    const other = amazon.map((u) => ({ ...u, backend: google[0].backend, condition: 'amazon-answers' }));
    const meta = { ...run.meta, backends: run.meta.backends.filter((b) => b.name === 'google-en-US'), conditions: [...run.meta.conditions, { name: 'amazon-answers' }] } as typeof run.meta;
    const card = buildServiceCard(meta, [...google, ...other], { groupBy: 'accent', bootstrap: 200, seed: 1, minCell: { speakers: 10, words: 500 }, model: 'none' });
    expect(card.degradation).toHaveLength(1);
    const d = card.degradation[0];
    const sg = d.rows.find((x) => x.group === 'singapore')!;
    expect(sg.speakers).toBe(2);
    expect([sg.degradation!.lo, sg.degradation!.hi, sg.excessOverRest!.lo]).toEqual([NaN, NaN, NaN]);
    const us = d.rows.find((x) => x.group === 'us')!;
    expect(Number.isFinite(us.degradation!.lo)).toBe(true);
    const md = renderMarkdown(card);
    const section = md.slice(md.indexOf('## Degradation under conditions'));
    expect(section.split('\n').find((l) => l.startsWith('| singapore'))).toMatch(/\[—\]/);
    expect(section).toContain(REASON.replace('[—]', '\\[—\\]'));
    const html = unescapeHtml(renderHtml(card, { dir: join(dir, 'run'), utterances: [...google, ...other] }));
    expect(html.slice(html.indexOf('s-degradation'))).toContain(REASON);
    const csv = parseCsv(renderDegradationCsv(card)).find((x) => x.group === 'singapore')!;
    expect([csv.degradation_lo, csv.degradation_hi, csv.excess_lo, csv.excess_hi]).toEqual(['', '', '', '']);
    expect(csv.degradation).not.toBe('');
    const json = JSON.parse(renderJson(card));
    const j = json.degradation[0].rows.find((x: { group: string }) => x.group === 'singapore');
    expect([j.degradation.lo, j.degradation.hi]).toEqual([null, null]);
  });

  it('remedy (Amazon before, Google after): singapore and the worst/gap changes over 2–9 speaker groups have [—] and the reason, md and html', () => {
    const r = remedyReport(amazon, google, { groupBy: 'accent', beforeName: 'amazon', afterName: 'google', resamples: 200, seed: 1, minCell: { speakers: 10, words: 500 }, pair: { target: 'singapore', reference: 'us' } });
    const sg = r.groups.find((g) => g.group === 'singapore')!;
    expect([sg.change.lo, sg.change.hi]).toEqual([NaN, NaN]);
    expect(Number.isNaN(r.pair!.change.lo)).toBe(true);
    const us = r.groups.find((g) => g.group === 'us')!;
    expect(Number.isFinite(us.change.lo)).toBe(true);
    const a = {
      split: { seed: 1, fractions: { train: 0.5, dev: 0.25, test: 0.25 }, hash: 'h', groups: r.groups.map((g) => ({ group: g.group, train: [], dev: [], test: [] })) },
      dataHash: 'd', candidates: [], selected: { minimax: 'google', average: 'google' }, remedy: { minimax: r, average: r }, remedyByCandidate: {},
      failures: [], failuresByGroup: {}, rules: {}, rulesSource: 'none', variants: {}, trainAudioSeconds: 0, decodeSeconds: {}, selectionGroups: [], warnings: [], files: [],
    } as unknown as AdaptResult;
    const md = adaptMarkdown(a);
    expect(md.split('\n').find((l) => l.startsWith('| singapore |'))).toMatch(/ \[—\] \|/);
    expect(md).not.toMatch(/NaN/);
    expect(md).toContain(REASON.replace('[—]', '\\[—\\]'));
    expect(unescapeHtml(adaptHtml(a))).toContain(REASON);
  });
});
