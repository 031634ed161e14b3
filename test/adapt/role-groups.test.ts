/**
 * `adapt`'s remedy figures (worst group, worst − best gap) and its dev selection range over `rankedGroups`, which left
 * out only `undeclared`: CORAAL's `interviewer` (a role, corpus staff, not a declared group) could be the worst or the
 * best group of the gap. Real CORAAL transcript lines (../shared/data, imported into a temp folder with
 * `--include-interviewers`, never shipped) scored text-only: before the remedy every interviewer line is recognised
 * exactly (the lowest WER) and each interviewee line gets one inserted word; after it the interviewer lines are all
 * wrong (the highest WER) and the sites are unchanged. The gap must be the sites' own (0 before and after), with the
 * role named as left out, as cards do (isCandidateGroup).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rankedGroups, remedyReport } from '../../src/adapt/remedy.ts';
import type { ScoredUtterance } from '../../src/analysis/types.ts';
import { groupOf } from '../../src/manifest/schema.ts';
import { tokenize } from '../../src/score/align.ts';
import { adaptMarkdown } from '../../src/report/remedy.ts';
import { remedySentences } from '../../src/report/render-remedy.ts';
import type { AdaptResult } from '../../src/adapt/pipeline.ts';
import type { CardRemedy } from '../../src/report/remedy-section.ts';
import { importCoraal, type CoraalRow } from '../helpers/coraal-lines.ts';
import { parsePair } from '../../src/cli/commands/adapt.ts';
import { roleReferenceWarning } from '../../src/report/options.ts';

const dir = mkdtempSync(join(tmpdir(), 'asrfair-adapt-roles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ROLE_TEXT = '"interviewer" is a role (corpus staff), not a declared group: it is left out of the worst group and the gap';

let rows: CoraalRow[];
beforeAll(async () => {
  rows = await importCoraal(dir, ['--include-interviewers']);
}, 120_000);

const scored = (u: CoraalRow, errors: number): ScoredUtterance => {
  const ref = tokenize(u.text).length;
  const sub = Math.min(errors, ref);
  return {
    id: u.id, speaker: u.speaker, labels: u.labels, backend: 'x', condition: 'clean', status: 'ok', ref: u.text, hyp: '',
    words: { ref, hits: ref - sub, sub, del: 0, ins: errors - sub }, chars: { ref: 0, hits: 0, sub: 0, del: 0, ins: 0 },
  };
};
const isInterviewer = (u: CoraalRow) => u.labels.role === 'interviewer';

describe('adapt: the interviewer role is never the worst or best group of the gap', () => {
  it('remedy figures range over the sites; the role is named as left out', () => {
    const usable = rows.filter((u) => tokenize(u.text).length > 0);
    expect(new Set(usable.map((u) => groupOf(u as never, 'site')))).toEqual(new Set(['atl', 'dcb', 'roc', 'interviewer']));
    const before = usable.map((u) => scored(u, isInterviewer(u) ? 0 : 1));
    const after = usable.map((u) => scored(u, isInterviewer(u) ? tokenize(u.text).length : 1));
    const r = remedyReport(before, after, { groupBy: 'site', beforeName: 'baseline', afterName: 'adapted', resamples: 200, seed: 1, minCell: { speakers: 2, words: 100 } });
    const iv = r.groups.find((g) => g.group === 'interviewer')!;
    expect(iv.before).toBe(0);
    expect(iv.after).toBe(1);
    expect(r.worstBefore.group).not.toBe('interviewer');
    expect(r.worstAfter.group).not.toBe('interviewer');
    expect(r.worstAfter).toEqual(r.worstBefore);
    expect(r.gapAfter).toBeCloseTo(r.gapBefore, 12);
    expect(r.gapAfter).toBeLessThan(0.5);
    expect(r.leftOut).toEqual(['interviewer']);
    expect(r.undeclaredLeftOut).toBe(true);
    const a = {
      split: { seed: 1, fractions: { train: 0.5, dev: 0.25, test: 0.25 }, hash: 'h', groups: r.groups.map((g) => ({ group: g.group, train: [], dev: [], test: [] })) },
      dataHash: 'd', candidates: [], selected: { minimax: 'adapted', average: 'adapted' }, remedy: { minimax: r, average: r }, remedyByCandidate: {},
      failures: [], failuresByGroup: {}, rules: {}, rulesSource: 'none', variants: {}, trainAudioSeconds: 0, decodeSeconds: {}, selectionGroups: [], warnings: [], files: [],
    } as unknown as AdaptResult;
    expect(adaptMarkdown(a)).toContain(ROLE_TEXT);
    const card = {
      settings: { before: 'baseline', after: 'adapted', scope: 'global', provenance: [] }, before: { name: 'baseline', key: 'b' }, after: { name: 'adapted', key: 'a' },
      condition: 'clean', conditionName: 'clean', report: { ...r, groups: r.groups.map(({ paired: _p, ...g }) => g) }, failedPairs: 0, noScored: [], error: null, caveat: null, unpublished: [],
    } as unknown as CardRemedy;
    expect(remedySentences(card).join('\n')).toContain(ROLE_TEXT);
  }, 60_000);

  it('the dev selection ranks the same groups (rankedGroups), with undeclared and the role both named', () => {
    const cells = [
      { group: 'atl', speakers: 5, words: 900 },
      { group: 'interviewer', speakers: 6, words: 4000 },
      { group: 'roc', speakers: 5, words: 800 },
      { group: 'undeclared', speakers: 3, words: 500 },
    ];
    const r = rankedGroups(cells, { speakers: 2, words: 100 });
    expect(r.among).toEqual(['atl', 'roc']);
    expect(r.leftOut).toEqual(['interviewer', 'undeclared']);
  });

  it('adapt --pair with the role as its reference, and report --reference-group: one warning line naming the role', () => {
    const pair = parsePair('roc:interviewer');
    expect(roleReferenceWarning('--pair', pair.reference)).toMatch(/^--pair interviewer: "interviewer" is a role \(corpus staff, labels\.role = interviewer\), not a declared group/);
    expect(roleReferenceWarning('--reference-group', 'roc')).toBeUndefined();
    expect(roleReferenceWarning('--reference-group', undefined)).toBeUndefined();
  });
});
