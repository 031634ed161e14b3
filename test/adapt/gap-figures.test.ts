/**
 * The remedy's gap figures on real PocketSphinx test scores of a fresh-user trial (fixtures/t12/README.md): a gap of 0
 * before, a gap that widens, a negative gap, a gap narrowed by a group getting worse and a small cell, said the same way
 * in remedy.md and in the card's remedy section.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { remedyReport } from '../../src/adapt/remedy.ts';
import type { ScoredUtterance } from '../../src/analysis/types.ts';
import { adaptMarkdown } from '../../src/report/remedy.ts';
import { remedySentences, remedyRows, renderRemedyCsv } from '../../src/report/render-remedy.ts';
import type { AdaptResult } from '../../src/adapt/pipeline.ts';
import type { CardRemedy } from '../../src/report/remedy-section.ts';

const fx = (name: string): ScoredUtterance[] =>
  readFileSync(join(import.meta.dirname, 'fixtures', 't12', `${name}.jsonl`), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as ScoredUtterance);
const pair = { target: 'th-stopping', reference: 'none' };
const report = (set: string, cand: string, minCell: { speakers: number; words: number }) =>
  remedyReport(fx(`${set}-baseline`), fx(`${set}-${cand}`), { groupBy: 'accent', beforeName: 'baseline', afterName: cand, resamples: 1000, seed: 1, pair, minCell });

const asAdapt = (rs: Record<string, ReturnType<typeof report>>) => {
  const r = Object.values(rs)[0];
  return {
    split: { seed: 1, fractions: { train: 0.5, dev: 0.25, test: 0.25 }, hash: 'h', groups: r.groups.map((g) => ({ group: g.group, train: [], dev: [], test: [] })) },
    dataHash: 'd', candidates: [], selected: { minimax: 'baseline', average: 'baseline' }, remedy: { minimax: r, average: r }, remedyByCandidate: rs,
    failures: [], rules: {}, rulesSource: 'none', variants: {}, trainAudioSeconds: 0, decodeSeconds: {}, selectionGroups: [], warnings: [], files: [],
  } as unknown as AdaptResult;
};
const card = (r: ReturnType<typeof report>): CardRemedy => ({
  settings: { before: 'baseline', after: r.after, pair, scope: 'global', provenance: [] } as unknown as CardRemedy['settings'],
  before: { name: 'baseline', key: 'b' }, after: { name: r.after, key: 'a' }, condition: 'clean', conditionName: 'clean',
  report: { ...r, groups: r.groups.map(({ paired: _p, ...g }) => g) }, failedPairs: 0, noScored: [], error: null, caveat: null, unpublished: [],
});

describe('remedy gap figures (trial 12)', () => {
  it('a pair with no gap before has no share closed; the gap it opens is said, never "0% closed"', () => {
    const r = report('matched', 'map-group', { speakers: 2, words: 30 });
    expect(r.pair!.gapBefore).toBe(0);
    expect(r.pair!.gapAfter).toBeCloseTo(5 / 63, 12);
    expect(r.pair!.shift).toBe('no-gap-before');
    expect(r.pair!.closed).toBeNull();
    const md = adaptMarkdown(asAdapt({ 'map/group': r }));
    expect(md).toContain('- Gap th-stopping − none: 0.0 pp → 7.9 pp;');
    expect(md).toContain('no gap before (below 0.05 pp), so no share closed: a gap of 7.9 pp opened');
    expect(md).toContain('| 0.0 pp → 7.9 pp | no gap before |');
    expect(md).not.toMatch(/\b0% (of the gap )?closed/);
  });

  it('a gap that grows is "widened by X pp", never a negative share closed', () => {
    const r = report('mixed', 'map-unweighted', { speakers: 2, words: 40 });
    // worst − best among declared groups that are not small cells: h-dropping 43.5% − none 35.3% → none 20.6% − h-dropping 4.8%.
    expect(r.gapBefore).toBeCloseTo(27 / 62 - 24 / 68, 12);
    expect(r.gap.shift).toBe('widened');
    expect(r.gapClosed).toBeNull();
    const md = adaptMarkdown(asAdapt({ 'map/unweighted': r }));
    expect(md).toContain(`widened by ${(100 * (r.gapAfter - r.gapBefore)).toFixed(1)} pp`);
    expect(md).not.toMatch(/-\d+% /);
    const csvGap = renderRemedyCsv(card(r), 'accent').split('\r\n').find((l) => l.startsWith('gap,'))!;
    // share_closed empty, the shift in the note.
    expect(csvGap).toMatch(/,,1000,1,widened \d+\.\d pp; no group significantly worse$/);
  });

  it('a negative gap is judged by its size; narrowed by a small group getting worse: said, with the small-cell caveat', () => {
    const r = report('mixed', 'map-group', { speakers: 2, words: 40 });
    const th = r.groups.find((g) => g.group === 'th-stopping')!;
    expect(th.smallCell).toBe(true);
    // Every group has 2 test speakers: under the card's interval rule (s-ar; max(minimum cell, 4) speakers) no paired
    // interval is defined, so th-stopping can no longer be named "worse" (its interval was 2 speakers' own changes).
    expect(th.speakers).toBe(2);
    expect(Number.isNaN(th.change.lo) && Number.isNaN(th.change.hi)).toBe(true);
    expect(th.worseSmallCell).toBe(false);
    expect(r.worseSmallCells).toEqual([]);
    expect(Number.isNaN(r.pair!.change.lo) && Number.isNaN(r.gap.change.lo) && Number.isNaN(r.worstChange.lo)).toBe(true);
    // th-stopping − none: −15.9 pp → −1.9 pp: its size shrank because th-stopping (the better group) got worse.
    expect(r.pair!.gapBefore).toBeLessThan(0);
    expect(r.pair!.shift).toBe('narrowed');
    expect(r.pair!.closed).toBeCloseTo(1 - Math.abs(r.pair!.gapAfter) / Math.abs(r.pair!.gapBefore), 12);
    expect(r.pair!.sizeChange.estimate).toBeCloseTo(Math.abs(r.pair!.gapAfter) - Math.abs(r.pair!.gapBefore), 12);
    expect(r.pair!.narrowedByWorse).toEqual(['th-stopping']);
    expect(r.pair!.smallCells).toEqual(['th-stopping']);
    const md = adaptMarkdown(asAdapt({ 'map/group': r }));
    const row = md.split('\n').find((l) => l.startsWith('| map/group |'))!;
    expect(row).toContain('88% closed (by th-stopping getting worse; small cell: th-stopping)');
    expect(row).toMatch(/\| \*no group\* \|$/);
    expect(md).toContain('change +14.1 [—]; size |th-stopping − none| 15.9 pp → 1.9 pp (change -14.1 [—])');
    expect(md).toContain('- \\[—\\] = no interval: fewer than 4 speakers (at least 4 whatever the minimum cell).');
    expect(md).toContain('size |th-stopping − none| 15.9 pp → 1.9 pp');
    expect(md).toContain('it narrowed because th-stopping got worse; th-stopping is a small cell (below the minimum cell): fragile, no verdict.');
    // The card says the same.
    const sentences = remedySentences(card(r)).join('\n');
    expect(sentences).toContain('it narrowed because th-stopping got worse; th-stopping is a small cell (below the minimum cell): fragile, no verdict.');
    expect(sentences).not.toContain('Worse after the remedy, but small cells');
    expect(sentences).toContain('[—] = no interval: fewer than 4 speakers (at least 4 whatever the minimum cell).');
    expect(remedyRows(card(r)).find((x) => x[0].startsWith('th-stopping'))!.at(-1)).toBe('not enough data (small cell)');
    expect(remedyRows(card(r)).find((x) => x[0] === 'none')!.at(-1)).toBe('not tested (fewer than 4 speakers: no interval)');
    const csvPair = renderRemedyCsv(card(r), 'accent').split('\r\n').find((l) => l.startsWith('pair,'))!;
    expect(csvPair.endsWith(',88% closed (by th-stopping getting worse; small cell: th-stopping)')).toBe(true);
  });

  it('the card never prints a share closed for a small cell\'s gap without the caveat (map/unweighted: the "11 % of it closed" of the trial)', () => {
    const r = report('mixed', 'map-unweighted', { speakers: 2, words: 40 });
    const line = remedySentences(card(r)).find((l) => l.startsWith('Gap th-stopping − none'))!;
    expect(line).toMatch(/narrowed, 11% of it closed; th-stopping is a small cell \(below the minimum cell\): fragile, no verdict\.$/);
  });
});
