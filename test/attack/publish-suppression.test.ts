/**
 * Issue 13, item 10: `--publish` suppressed a small cell but the "All groups" row still included it, so
 * one suppressed group could be recovered by subtraction. With exactly one hidden cell in a table, a
 * second one is hidden too (complementary suppression), and the card says so.
 */
import { describe, expect, it } from 'vitest';
import { buildServiceCard } from '../../src/report/model.ts';
import { RunMetaSchema } from '../../src/score/run-export.ts';
import { renderMarkdown } from '../../src/report/render-md.ts';
import { renderTerminalSummary } from '../../src/report/render-terminal.ts';
import { COMPLEMENTARY_NOTE } from '../../src/report/publish.ts';
import { DEFAULT_GROUPS, makeMeta, makeUtterances } from '../report/fixture.ts';

const meta = RunMetaSchema.parse(makeMeta());
const opts = { groupBy: 'accent', bootstrap: 200, seed: 3, generatedAt: '2026-11-23T10:00:00Z', model: 'none' as const };

describe('publish mode: no small cell recoverable from the total', () => {
  it('smallest input: one small group of three → a second group is hidden and total − visible is no single group', () => {
    const utts = makeUtterances();
    const card = buildServiceCard(meta, utts, { ...opts, publish: true });
    const t = card.tables[0];
    const hidden = t.rows.filter((r) => r.suppressed).map((r) => r.group);
    expect(hidden).toHaveLength(2);
    expect(hidden).toContain('welsh');
    const visibleWords = t.rows.filter((r) => !r.suppressed).reduce((s, r) => s + (r.refWords ?? 0), 0);
    const welshWords = utts.filter((u) => u.labels.accent === 'welsh').reduce((s, u) => s + u.words.ref, 0);
    expect(t.overall.refWords! - visibleWords).not.toBe(welshWords);
    expect(card.footnotes).toContain(COMPLEMENTARY_NOTE);
    expect(renderMarkdown(card)).toContain('Complementary suppression');
    // The second hidden group is no small cell and is not labelled as one (md and terminal).
    const second = hidden.find((g) => g !== 'welsh')!;
    const mdRow = renderMarkdown(card).split('\n').find((l) => l.startsWith(`| ${second} †`))!;
    expect(mdRow).toContain('suppressed (complementary: hides a small cell from the total)');
    expect(mdRow).not.toContain('small cell)');
    expect(renderMarkdown(card).split('\n').find((l) => l.startsWith('| welsh †'))).toContain('suppressed (small cell)');
    expect(renderTerminalSummary(card, []).split('\n').find((l) => l.trim().startsWith(second))).toMatch(/suppressed \(complementary/);
  });

  it('two small groups whose sum is still a small cell (5 speakers): the smallest other group is hidden too', () => {
    // total − visible = cornish + welsh, 5 speakers: itself a small cell (Hundepool et al. 2012, ch. 5).
    const groups = [...DEFAULT_GROUPS, { accent: 'cornish', speakers: 2, uttsPerSpeaker: 4, errorRate: 0.2 }];
    const card = buildServiceCard(meta, makeUtterances({ groups }), { ...opts, publish: true });
    const rows = card.tables[0].rows.filter((r) => r.suppressed);
    expect(rows.map((r) => r.group).sort()).toEqual(['cornish', 'scottish', 'welsh']);
    expect(rows.find((r) => r.group === 'scottish')!.suppression).toBe('complementary');
    expect(card.footnotes).toContain(COMPLEMENTARY_NOTE);
  });

  it('two small groups whose sum meets the minimum cell already hide each other: nothing more is suppressed, no note', () => {
    const groups = [...DEFAULT_GROUPS, { accent: 'cornish', speakers: 9, uttsPerSpeaker: 12, errorRate: 0.2 }];
    const card = buildServiceCard(meta, makeUtterances({ groups }), { ...opts, publish: true });
    expect(card.tables[0].rows.filter((r) => r.suppressed).map((r) => r.group).sort()).toEqual(['cornish', 'welsh']);
    expect(card.footnotes).not.toContain(COMPLEMENTARY_NOTE);
  });

  it('a table with a single, small group withholds the total', () => {
    const card = buildServiceCard(meta, makeUtterances({ groups: [DEFAULT_GROUPS[2]] }), { ...opts, publish: true });
    expect(card.tables[0].overall.refWords).toBeNull();
    expect(card.tables[0].overall.wer).toBeNull();
  });

  it('a group whose every utterance failed is never the second hidden cell (it adds nothing to the total) and stays shown', () => {
    // welsh is the one small cell; manx lost all of its utterances (0 reference words scored): hiding manx instead of a
    // real group would leave total − visible = welsh exactly.
    const manx = makeUtterances({ groups: [{ accent: 'manx', speakers: 2, uttsPerSpeaker: 2, errorRate: 0.1 }], seed: 11 }).map((u) => ({ ...u, status: 'failed' as const, hyp: '', error: 'decoder crashed' }));
    const utts = [...makeUtterances(), ...manx];
    const card = buildServiceCard(meta, utts, { ...opts, publish: true });
    const t = card.tables[0];
    // Nor does it vanish from the model-based view unsaid (it has no rate ratio: nothing was scored).
    const model = buildServiceCard(meta, utts, { ...opts, model: 'poisson', publish: true }).models[0];
    expect(model.groups.map((g) => g.group)).not.toContain('manx');
    expect(model.warnings).toContain('No scored utterance, so not in the model: manx (4 failed).');
    // The terminal verdict table (demo, run) says it too.
    expect(renderTerminalSummary(card, []).split('\n').find((l) => l.trim().startsWith('manx'))).toMatch(/no scored utterance \(4 failed\)$/);
    const byGroup = Object.fromEntries(t.rows.map((r) => [r.group, r]));
    expect(byGroup.manx).toMatchObject({ suppressed: false, flags: ['no-scored-utterances'], utterances: 0, failed: 4 });
    const hidden = t.rows.filter((r) => r.suppressed).map((r) => r.group);
    expect(hidden).toHaveLength(2);
    expect(hidden).toContain('welsh');
    expect(hidden).not.toContain('manx');
    const visibleWords = t.rows.filter((r) => !r.suppressed).reduce((s, r) => s + (r.refWords ?? 0), 0);
    const welshWords = utts.filter((u) => u.labels.accent === 'welsh').reduce((s, u) => s + u.words.ref, 0);
    expect(t.overall.refWords! - visibleWords).not.toBe(welshWords);
  });

  it('without --publish nothing changes', () => {
    const card = buildServiceCard(meta, makeUtterances(), { ...opts, publish: false });
    expect(card.tables[0].rows.every((r) => !r.suppressed)).toBe(true);
  });
});
