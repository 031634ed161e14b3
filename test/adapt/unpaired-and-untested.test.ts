import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { ScoredUtterance } from '../../src/analysis/types.ts';
import type { AdaptResult } from '../../src/adapt/pipeline.ts';
import { commonTestSet, remedyReport } from '../../src/adapt/remedy.ts';
import { adaptHtml, adaptMarkdown } from '../../src/report/remedy.ts';

/**
 * Trial 19 (speechocean762 by age, bins 0–12 / 18+, 2 test speakers per group, minCell 2 speakers / 50 words): real
 * PocketSphinx test scorings written by `asrfair adapt --test-all` (fixtures/t19). map/unweighted lost two child
 * utterances (014040124, 014040145) to a decode timeout; remedy.md showed 0–12 before 115.2 % on 38 utterances in the
 * map table and 117.6 % on 40 in the mllr table, and "No group got significantly worse" though no group had an interval.
 */
const read = (n: string) => readFileSync(new URL(`./fixtures/t19/test-${n}.jsonl`, import.meta.url), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ScoredUtterance);
const scorings = new Map([['baseline', read('baseline')], ['map/unweighted', read('map-unweighted')], ['mllr/unweighted', read('mllr-unweighted')]]);
const opts = { groupBy: 'age', beforeName: 'baseline', resamples: 200, seed: 1, minCell: { speakers: 2, words: 50 } };

function reports() {
  const c = commonTestSet(scorings, 'age');
  const of = (name: string) => remedyReport(c.rows.get('baseline')!, c.rows.get(name)!, { ...opts, afterName: name, unpaired: c.unpaired });
  return { c, map: of('map/unweighted'), mllr: of('mllr/unweighted') };
}

function result(map: ReturnType<typeof reports>['map'], mllr: ReturnType<typeof reports>['mllr']): AdaptResult {
  return {
    split: { seed: 1, hash: 'e9a4be2a3d41', groups: [{ group: '0–12', train: [], dev: [], test: ['1075', '1404'] }, { group: '18+', train: [], dev: [], test: ['1030', '1099'] }] },
    dataHash: 'd', candidates: [], selected: { minimax: 'map/unweighted', average: 'mllr/unweighted' }, remedy: { minimax: map, average: mllr },
    remedyByCandidate: { 'map/unweighted': map, 'mllr/unweighted': mllr }, failures: [], failuresByGroup: {}, rules: {}, rulesSource: 'none', variants: {},
    trainAudioSeconds: 0, decodeSeconds: {}, selectionGroups: ['0–12', '18+'], warnings: [], files: [],
  } as unknown as AdaptResult;
}

describe('remedy tables over one set of test utterances (trial 19, real decodes)', () => {
  it('cuts the utterances a tested candidate failed from every table, and names them per group', () => {
    const { c, map, mllr } = reports();
    expect(c.unpaired.map((u) => [u.id, u.group]).sort()).toEqual([['014040124', '0–12'], ['014040145', '0–12']]);
    expect(c.unpaired[0].why).toMatch(/map\/unweighted: decode of 01404014?\d+ aborted \(TimeoutError/);
    const g = (r: typeof map, name: string) => r.groups.find((x) => x.group === name)!;
    // One "before" per group for one baseline.
    expect(g(map, '0–12').before).toBe(g(mllr, '0–12').before);
    expect([g(map, '0–12').utterances, g(mllr, '0–12').utterances]).toEqual([38, 38]);
    expect([g(map, '0–12').unpaired, g(mllr, '0–12').unpaired, g(map, '18+').unpaired]).toEqual([2, 2, 0]);
    const md = adaptMarkdown(result(map, mllr));
    expect(md).toMatch(/\| 0–12 \| 2 \| 38 \(\+2 left out\) \|/);
    expect(md).toMatch(/Left out of before and after alike .*per group: 0–12 2 — 014040\d+: not scored by map\/unweighted: decode of/);
    expect(md).not.toContain('117.6%');
    expect(adaptHtml(result(map, mllr))).toContain('38 (+2 left out)');
  });

  it('says "not tested" instead of "no group got significantly worse" when no group has an interval', () => {
    const { map, mllr } = reports();
    const md = adaptMarkdown(result(map, mllr));
    expect(md).not.toContain('No group got significantly worse');
    expect(md).toContain('No group could be tested for getting worse');
    expect(md).toContain('Not tested (fewer than 4 speakers, no interval): 0–12, 18+');
    const html = adaptHtml(result(map, mllr));
    expect(html).not.toContain('No group got significantly worse');
    expect(html).toContain('Not tested (fewer than 4 speakers, no interval): 0–12, 18+');
  });
});
