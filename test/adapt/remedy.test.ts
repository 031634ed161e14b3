import { describe, expect, it } from 'vitest';
import { remedyReport } from '../../src/adapt/remedy.ts';
import type { ScoredUtterance } from '../../src/analysis/types.ts';
import type { AdaptResult } from '../../src/adapt/pipeline.ts';
import { adaptHtml, adaptMarkdown } from '../../src/report/remedy.ts';

const utt = (id: string, speaker: string, group: string, ref: number, errors: number): ScoredUtterance => ({
  id, speaker, labels: { g: group }, backend: 'x', condition: 'clean', status: 'ok', ref: '', hyp: '',
  words: { ref, hits: ref - errors, sub: errors, del: 0, ins: 0 }, chars: { ref: 0, hits: 0, sub: 0, del: 0, ins: 0 },
});

// Group "far": 4 speakers, 20 words each; "near": 4 speakers, 20 words each.
const before = [
  ...[0, 1, 2, 3].map((i) => utt(`f${i}`, `far-${i}`, 'far', 20, 8)),
  ...[0, 1, 2, 3].map((i) => utt(`n${i}`, `near-${i}`, 'near', 20, 2)),
];
const after = [
  ...[0, 1, 2, 3].map((i) => utt(`f${i}`, `far-${i}`, 'far', 20, 4)),
  ...[0, 1, 2, 3].map((i) => utt(`n${i}`, `near-${i}`, 'near', 20, 2)),
];

describe('remedy report', () => {
  it('per-group before/after, worst group, gap and share closed', () => {
    const r = remedyReport(before, after, { groupBy: 'g', beforeName: 'baseline', afterName: 'adapted', resamples: 500, seed: 1, pair: { target: 'far', reference: 'near' } });
    const far = r.groups.find((g) => g.group === 'far')!;
    expect([far.before, far.after, far.change.estimate]).toEqual([0.4, 0.2, -0.2 + 0]);
    // Every speaker improves by the same amount: the paired interval is the point.
    expect([far.change.lo, far.change.hi]).toEqual([expect.closeTo(-0.2, 12), expect.closeTo(-0.2, 12)]);
    expect(far.significantlyBetter).toBe(true);
    expect(r.worstBefore).toEqual({ group: 'far', wer: 0.4 });
    expect(r.gapBefore).toBeCloseTo(0.3, 12);
    expect(r.gapAfter).toBeCloseTo(0.1, 12);
    expect(r.gapClosed).toBeCloseTo(2 / 3, 12);
    expect(r.pair!.closed).toBeCloseTo(2 / 3, 12);
    expect(r.noGroupSignificantlyWorse).toBe(true);
  });
  it('flags a group whose every speaker got worse', () => {
    const worse = after.map((u) => (u.labels.g === 'near' ? { ...u, words: { ...u.words, sub: 6, hits: 14 } } : u));
    const r = remedyReport(before, worse, { groupBy: 'g', beforeName: 'b', afterName: 'a', resamples: 200 });
    expect(r.groups.find((g) => g.group === 'near')!.significantlyWorse).toBe(true);
    expect(r.noGroupSignificantlyWorse).toBe(false);
  });
  it('escapes group names in Markdown and HTML', () => {
    const hostile = (u: ScoredUtterance) => ({ ...u, labels: { g: u.labels.g === 'far' ? '<b>|x\u001b[31m' : 'near' } });
    const r = remedyReport(before.map(hostile), after.map(hostile), { groupBy: 'g', beforeName: 'b', afterName: 'a', resamples: 100 });
    const a = {
      split: { seed: 1, fractions: { train: 0.5, dev: 0.25, test: 0.25 }, hash: 'h', groups: r.groups.map((g) => ({ group: g.group, train: [], dev: [], test: [] })) },
      dataHash: 'd', candidates: [], selected: { minimax: 'a', average: 'a' }, remedy: { minimax: r, average: r }, remedyByCandidate: {},
      failures: [], rules: {}, rulesSource: 'none', variants: {}, trainAudioSeconds: 0, decodeSeconds: {}, files: [],
    } as AdaptResult;
    const md = adaptMarkdown(a);
    expect(md).not.toContain('\u001b');
    expect(md).toContain('\\<b\\>\\|x\\[31m');
    expect(adaptHtml(a)).toContain('&lt;b&gt;|x');
  });
});
