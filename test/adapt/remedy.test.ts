import { describe, expect, it } from 'vitest';
import { remedyReport } from '../../src/adapt/remedy.ts';
import type { ScoredUtterance } from '../../src/analysis/types.ts';
import type { AdaptResult } from '../../src/adapt/pipeline.ts';
import { adaptHtml, adaptMarkdown } from '../../src/report/remedy.ts';
import { UNDECLARED_LEFT_OUT, gapShift } from '../../src/adapt/remedy.ts';

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
  it('undeclared utterances (no label) are never the best or worst group of the gap; their own row stays', () => {
    // 4 speakers who declare no group, recognised perfectly before and after: as "best" they would widen the gap to 0.4.
    const none = (id: string, speaker: string): ScoredUtterance => ({ ...utt(id, speaker, '', 20, 0), labels: {} });
    const u = [0, 1, 2, 3].map((i) => none(`u${i}`, `u-${i}`));
    const r = remedyReport([...before, ...u], [...after, ...u], { groupBy: 'g', beforeName: 'b', afterName: 'a', resamples: 200 });
    expect(r.groups.map((g) => g.group).sort()).toEqual(['far', 'near', 'undeclared']);
    expect(r.undeclaredLeftOut).toBe(true);
    expect(r.gapBefore).toBeCloseTo(0.3, 12);
    expect(r.gapAfter).toBeCloseTo(0.1, 12);
    // Without declared groups to compare, undeclared stays in: one declared group and undeclared.
    const one = remedyReport([...before.filter((x) => x.labels.g === 'far'), ...u], [...after.filter((x) => x.labels.g === 'far'), ...u], { groupBy: 'g', beforeName: 'b', afterName: 'a', resamples: 100 });
    expect(one.undeclaredLeftOut).toBe(false);
    expect(one.gapBefore).toBeCloseTo(0.4, 12);
    const a = {
      split: { seed: 1, fractions: { train: 0.5, dev: 0.25, test: 0.25 }, hash: 'h', groups: r.groups.map((g) => ({ group: g.group, train: [], dev: [], test: [] })) },
      dataHash: 'd', candidates: [], selected: { minimax: 'a', average: 'a' }, remedy: { minimax: r, average: r }, remedyByCandidate: {},
      failures: [], failuresByGroup: {}, rules: {}, rulesSource: 'none', variants: {}, trainAudioSeconds: 0, decodeSeconds: {}, selectionGroups: [], warnings: [], files: [],
    } as AdaptResult;
    expect(adaptMarkdown(a)).toContain(UNDECLARED_LEFT_OUT);
    expect(adaptHtml(a)).toContain('is not a group anyone declared');
  });

  it('escapes group names in Markdown and HTML', () => {
    const hostile = (u: ScoredUtterance) => ({ ...u, labels: { g: u.labels.g === 'far' ? '<b>|x\u001b[31m' : 'near' } });
    const r = remedyReport(before.map(hostile), after.map(hostile), { groupBy: 'g', beforeName: 'b', afterName: 'a', resamples: 100 });
    const a = {
      split: { seed: 1, fractions: { train: 0.5, dev: 0.25, test: 0.25 }, hash: 'h', groups: r.groups.map((g) => ({ group: g.group, train: [], dev: [], test: [] })) },
      dataHash: 'd', candidates: [], selected: { minimax: 'a', average: 'a' }, remedy: { minimax: r, average: r }, remedyByCandidate: {},
      failures: [], failuresByGroup: {}, rules: {}, rulesSource: 'none', variants: {}, trainAudioSeconds: 0, decodeSeconds: {}, selectionGroups: [], warnings: [], files: [],
    } as AdaptResult;
    const md = adaptMarkdown(a);
    expect(md).not.toContain('\u001b');
    expect(md).toContain('\\<b>\\|x\\\\x1b\\[31m');
    expect(adaptHtml(a)).toContain('&lt;b&gt;|x');
  });

  it('one bootstrap feeds every interval: a group worst in every resample has its row\'s interval as the worst-group change', () => {
    // far (30–60% WER) is worse than near (5–15%) for every speaker, so it is the worst group in every resample.
    const fb = [6, 8, 10, 12], fa = [3, 4, 6, 5], nb = [1, 2, 2, 3], na = [2, 2, 1, 3];
    const b = [...fb.map((e, i) => utt(`f${i}`, `far-${i}`, 'far', 20, e)), ...nb.map((e, i) => utt(`n${i}`, `near-${i}`, 'near', 20, e))];
    const a = [...fa.map((e, i) => utt(`f${i}`, `far-${i}`, 'far', 20, e)), ...na.map((e, i) => utt(`n${i}`, `near-${i}`, 'near', 20, e))];
    const r = remedyReport(b, a, { groupBy: 'g', beforeName: 'b', afterName: 'a', resamples: 400, seed: 3 });
    const far = r.groups.find((g) => g.group === 'far')!;
    expect(far.change.lo).toBeLessThan(far.change.hi);
    expect(r.worstChange).toEqual(far.change);
  });

  it('Markdown: a group named "none" is never confused with "no group worse"; gaps in pp; no negative zero', () => {
    const named = (u: ScoredUtterance) => ({ ...u, labels: { g: u.labels.g === 'near' ? 'none' : 'th-stopping' } });
    const tiny = after.map((u) => (u.labels.g === 'far' ? { ...u, words: { ...u.words, sub: 8, hits: 12 } } : u));
    tiny[0] = { ...tiny[0], words: { ...tiny[0].words, sub: 7, hits: 13 } };
    const r = remedyReport(before.map(named), tiny.map(named), { groupBy: 'g', beforeName: 'baseline', afterName: 'x', resamples: 100 });
    // A pair gap that widened by a hair: unchanged in size, its change rounds to zero, printed without a minus sign.
    const hair = { estimate: 0.0001, lo: -0.0004, hi: 0.0002 };
    r.pair = { target: 'th-stopping', reference: 'none', gapBefore: 0.3, gapAfter: 0.3001, ...gapShift(0.3, 0.3001, hair, hair, []) };
    const a = {
      split: { seed: 1, fractions: { train: 0.5, dev: 0.25, test: 0.25 }, hash: 'h', groups: r.groups.map((g) => ({ group: g.group, train: [], dev: [], test: [] })) },
      dataHash: 'd', candidates: [], selected: { minimax: 'x', average: 'x' }, remedy: { minimax: r, average: r }, remedyByCandidate: { x: r },
      failures: [], failuresByGroup: {}, rules: {}, rulesSource: 'none', variants: {}, trainAudioSeconds: 0, decodeSeconds: {}, selectionGroups: [], warnings: [], files: [],
    } as AdaptResult;
    const md = adaptMarkdown(a);
    const row = md.split('\n').find((l) => l.startsWith('| x |'))!;
    expect(row.endsWith('| *no group* |')).toBe(true);
    expect(md).toContain('- Gap (worst − best): 30.0 pp → 28.7 pp;');
    expect(md).toContain('- Gap th-stopping − none: 30.0 pp → 30.0 pp; change +0.0 [+0.0, +0.0]; size |th-stopping − none| 30.0 pp → 30.0 pp (change +0.0 [+0.0, +0.0]): unchanged in size.');
    expect(row).toContain('| 30.0 pp → 30.0 pp | unchanged | *no group* |');
    expect(md).not.toMatch(/-0%|-0\.0\b/);
  });
});

// Trial 15: "it narrowed because none got worse" when none's rise came after a sign flip and made |gap| larger.
describe('remedy report: which group\'s rise narrowed a gap, in every sign case', () => {
  // Two groups, 4 speakers each, 1000 words per utterance: WER per mille as given, the same for every speaker.
  const side = (t: number, r: number) => [
    ...[0, 1, 2, 3].map((i) => utt(`t${i}`, `t-${i}`, 'stops', 1000, t)),
    ...[0, 1, 2, 3].map((i) => utt(`r${i}`, `r-${i}`, 'none', 1000, r)),
  ];
  const run = (tb: number, rb: number, ta: number, ra: number) =>
    remedyReport(side(tb, rb), side(ta, ra), { groupBy: 'g', beforeName: 'baseline', afterName: 'map/unweighted', resamples: 100, pair: { target: 'stops', reference: 'none' } });
  const md = (r: ReturnType<typeof run>) => adaptMarkdown({
    split: { seed: 1, fractions: { train: 0.5, dev: 0.25, test: 0.25 }, hash: 'h', groups: r.groups.map((g) => ({ group: g.group, train: [], dev: [], test: [] })) },
    dataHash: 'd', candidates: [], selected: { minimax: 'map/unweighted', average: 'map/unweighted' }, remedy: { minimax: r, average: r }, remedyByCandidate: { 'map/unweighted': r },
    failures: [], failuresByGroup: {}, rules: {}, rulesSource: 'none', variants: {}, trainAudioSeconds: 0, decodeSeconds: {}, selectionGroups: [], warnings: [], files: [],
  } as AdaptResult);

  it('the trial\'s case: stops 60.5 → 53.2, none 53.2 → 54.0 (gap +7.3 → −0.8): narrowed and reversed, not "because none got worse"', () => {
    const r = run(605, 532, 532, 540);
    expect([r.pair!.shift, r.pair!.reversed]).toEqual(['narrowed', true]);
    expect(r.pair!.narrowedByWorse).toEqual([]);
    expect(r.gap.narrowedByWorse).toEqual([]);
    expect(md(r)).not.toContain('because none got worse');
    expect(md(r)).not.toContain('by none getting worse');
  });
  it('positive gap, no flip: the reference (the better group) got worse → named', () => {
    const r = run(400, 100, 400, 200);
    expect([r.pair!.shift, r.pair!.reversed, r.pair!.narrowedByWorse]).toEqual(['narrowed', false, ['none']]);
    expect(r.gap.narrowedByWorse).toEqual(['none']);
    expect(md(r)).toContain('it narrowed because none got worse');
  });
  it('positive gap, both worse: only the reference\'s rise narrowed it; the target\'s widened it', () => {
    const r = run(400, 100, 450, 200);
    expect([r.pair!.shift, r.pair!.narrowedByWorse]).toEqual(['narrowed', ['none']]);
  });
  it('negative gap (target better), no flip: the target got worse → named', () => {
    const r = run(100, 400, 300, 400);
    expect([r.pair!.shift, r.pair!.reversed, r.pair!.narrowedByWorse]).toEqual(['narrowed', false, ['stops']]);
  });
  it('negative gap, flipped by the target getting worse (−10 → +5 pp): the target is named', () => {
    const r = run(200, 300, 350, 300);
    expect([r.pair!.shift, r.pair!.reversed, r.pair!.narrowedByWorse]).toEqual(['narrowed', true, ['stops']]);
  });
  it('negative gap, flipped by the reference improving while the target rose a little (−10 → +6 pp): nobody named', () => {
    const r = run(500, 600, 510, 450);
    expect([r.pair!.shift, r.pair!.reversed, r.pair!.narrowedByWorse]).toEqual(['narrowed', true, []]);
  });
  it('positive gap, flipped by the reference getting worse past the target (+10 → −5 pp): the reference is named', () => {
    const r = run(300, 200, 300, 350);
    expect([r.pair!.shift, r.pair!.reversed, r.pair!.narrowedByWorse]).toEqual(['narrowed', true, ['none']]);
  });
});

// Trial 15: remedy.html held only the first selection: no dev candidates, no average selection, no --test-all table.
describe('remedy.html carries what remedy.md carries', () => {
  it('dev candidates, both selections, every tested candidate; names escaped', () => {
    const r = remedyReport(before, after, { groupBy: 'g', beforeName: 'baseline', afterName: 'map/<b>', resamples: 100 });
    const r2 = { ...r, after: 'mllr/unweighted' };
    const dev = { perGroup: { far: { errors: 1, words: 10, wer: 0.1 }, near: { errors: 2, words: 10, wer: 0.2 } }, worst: 0.2, average: 0.15, pooled: 0.15 };
    const a = {
      split: { seed: 1, fractions: { train: 0.5, dev: 0.25, test: 0.25 }, hash: 'h', groups: r.groups.map((g) => ({ group: g.group, train: [], dev: [], test: [] })) },
      dataHash: 'd', selected: { minimax: 'map/<b>', average: 'mllr/unweighted' }, remedy: { minimax: r, average: r2 }, remedyByCandidate: { 'map/<b>': r, 'mllr/unweighted': r2 },
      candidates: [
        { name: 'baseline', method: 'baseline', scope: 'global', options: {}, provenance: '', trainSeconds: 0, dev },
        { name: 'map/<b>', method: 'map', scope: 'group', options: {}, provenance: '', trainSeconds: 12.5, dev },
        { name: 'mllr/unweighted', method: 'mllr', scope: 'global', options: {}, provenance: '', trainSeconds: 3, dev },
      ],
      failures: [], rules: {}, rulesSource: 'none', variants: {}, trainAudioSeconds: 0, decodeSeconds: {}, selectionGroups: ['far', 'near'], warnings: [], files: [],
    } as unknown as AdaptResult;
    const html = adaptHtml(a);
    expect(html).toContain('<h3>Candidates on dev speakers</h3>');
    expect(html).toContain('<td>map/&lt;b&gt; (minimax)</td><td>10.0%</td><td>20.0%</td><td>20.0%</td><td>15.0%</td><td>12.5</td>');
    expect(html).toContain('<h3>Remedy: mllr/unweighted vs baseline (selected by average dev WER)</h3>');
    expect(html).toContain('<h3>Every tested candidate vs baseline (test speakers)</h3>');
    expect(html).toContain('<td>mllr/unweighted</td><td>40.0% → 20.0%');
    expect(html).toContain('Per-group candidates (map/&lt;b&gt;)');
    expect(html).not.toContain('<b>');
    // The same sections as the Markdown.
    for (const t of ['Candidates on dev speakers', 'selected by average dev WER', 'Every tested candidate vs baseline']) expect(adaptMarkdown(a)).toContain(t);
  });
});
