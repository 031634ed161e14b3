/**
 * Verdicts that do not depend on Monte Carlo luck, and each comparison tested once (fresh-user trial 7), on the
 * real Amazon and Google transcripts of the Artie bias corpus: exact permutation p where the splits can be
 * enumerated (checked against brute force), one two-group comparison counted once, small cells out of the
 * correction family in card, terminal and gate alike, and verdicts that do not change with the seed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseGroups } from '../../src/analysis/groups.ts';
import type { ScoredUtterance } from '../../src/analysis/types.ts';
import { buildServiceCard, type ServiceCard } from '../../src/report/model.ts';
import { evaluateGate } from '../../src/report/gate.ts';
import { cardOptionsForRun } from '../../src/report/card-settings.ts';
import { renderTerminalSummary, topFindings, verdictOf } from '../../src/report/render-terminal.ts';
import { adjustPValues } from '../../src/stats/multiple.ts';
import { loadRunForReport, type LoadedRun } from '../../src/score/run-export.ts';
import { cli } from '../helpers/cli.ts';
import { bruteForcePermutationP } from '../helpers/brute-permutation.ts';

const SUITE = join(import.meta.dirname, '../../manifests/suites/artie-vendors.yaml');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-verdicts-real-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let run: LoadedRun;

beforeAll(async () => {
  const r = await cli('run', SUITE, '--backend', 'amazon-en-US,google-en-US', '--store', join(dir, 'store.sqlite'), '--out', join(dir, 'run'), '--no-progress');
  expect(r.code, r.stderr).toBe(0);
  run = loadRunForReport(join(dir, 'run'));
}, 120_000);

const errs = (u: ScoredUtterance) => u.words.sub + u.words.del + u.words.ins;

/** Speaker totals of a set of utterances (one cluster per speaker). */
function speakers(us: readonly ScoredUtterance[]): Map<string, { e: number; w: number; accent: string }> {
  const m = new Map<string, { e: number; w: number; accent: string }>();
  for (const u of us) {
    const s = m.get(u.speaker) ?? { e: 0, w: 0, accent: u.labels.accent };
    s.e += errs(u);
    s.w += u.words.ref;
    m.set(u.speaker, s);
  }
  return m;
}

/** The exact two-sided permutation p by brute force over every labelling of `k` of the clusters (2^n masks). */
const bruteForceP = (cl: Array<{ e: number; w: number; inGroup: boolean }>): number =>
  bruteForcePermutationP(cl.map((c) => c.e), cl.map((c) => c.w), cl.map((c) => c.inGroup));

describe('real 6 vs 6 speakers (Amazon en-US, Artie: the first six "us" and six "indian" speakers)', () => {
  const pick = () => {
    const amazon = run.meta.backends.find((b) => b.name === 'amazon-en-US')!.key;
    const us = run.utterances.filter((u) => u.backend === amazon && u.status === 'ok');
    const chosen = new Set<string>();
    for (const accent of ['us', 'indian']) {
      [...new Set(us.filter((u) => u.labels.accent === accent).map((u) => u.speaker))].sort().slice(0, 6).forEach((s) => chosen.add(s));
    }
    return us.filter((u) => chosen.has(u.speaker));
  };

  it('gives the exact permutation p over all 924 splits, equal to brute force, whatever the seed; both rows one comparison', () => {
    const utts = pick();
    const cl = [...speakers(utts).values()].map((s) => ({ ...s, inGroup: s.accent === 'indian' }));
    expect(cl).toHaveLength(12);
    const exact = bruteForceP(cl);
    for (const seed of [1, 2, 3]) {
      const [t] = analyseGroups(utts, { groupBy: 'accent', resamples: 200, permutations: 200, seed, minCell: { speakers: 6, words: 1 } });
      for (const r of t.rows) {
        expect(r.permutation.exact).toBe(true);
        expect(r.permutation.permutations).toBe(924);
        expect(r.permutation.p).toBeCloseTo(exact, 14);
        // One comparison, counted once: Holm over a family of one leaves p as it is (it was doubled before).
        expect(r.permutation.pAdjusted).toBeCloseTo(exact, 14);
        expect(r.permutation.decided).toBe(true);
      }
      expect(t.rows[0].permutation.sameComparisonAs).toBe(t.rows[1].group);
      expect(t.rows[0].permutation.diff).toBe(-t.rows[1].permutation.diff);
    }
    expect(Math.round(exact * 924)).toBeGreaterThanOrEqual(1);
  });

  it('under the default minimum cell (10 speakers) neither row is tested: raw p shown, no adjusted p, "not enough data" everywhere', () => {
    const utts = pick();
    const card = buildServiceCard(run.meta, utts, { groupBy: 'accent', bootstrap: 200, model: 'none' });
    const t = card.tables[0];
    for (const r of t.rows) {
      expect(r.flags).toContain('small-cell');
      expect(r.flags.some((f) => f === 'significant-gap' || f === 'better-than-rest' || f === 'undecided')).toBe(false);
      expect(r.p).toBeGreaterThan(0);
      expect(r.pAdjusted).toBeNaN();
      expect(verdictOf(r)).toBe('not enough data');
    }
    const findings = topFindings(card);
    expect(findings.join('\n')).not.toMatch(/above the rest, adj\. p/);
    expect(findings.join('\n')).toMatch(/not enough data \(below 10 speakers \/ 500 words\): (indian, us|us, indian)/);
    expect(findings[0]).toBe('no group of "accent" was tested: none meets the minimum cell (10 speakers / 500 words)');
  });

  it('with one of the two groups meeting the minimum cell, the comparison is tested once, its verdict on that row', () => {
    const utts = pick();
    // Drop one "indian" speaker: 5 of them (below a 6-speaker minimum) against 6 "us".
    const fewer = utts.filter((u) => u.labels.accent !== 'indian' || u.speaker !== [...new Set(utts.filter((x) => x.labels.accent === 'indian').map((x) => x.speaker))].sort()[0]);
    const [t2] = analyseGroups(fewer, { groupBy: 'accent', resamples: 200, permutations: 200, minCell: { speakers: 6, words: 1 } });
    const indian = t2.rows.find((r) => r.group === 'indian')!;
    const us = t2.rows.find((r) => r.group === 'us')!;
    expect(indian.smallCell).toBe(true);
    expect(us.smallCell).toBe(false);
    expect(us.permutation.permutations).toBe(462); // C(11, 5)
    expect(indian.permutation.p).toBe(us.permutation.p);
    expect(us.permutation.pAdjusted).toBe(us.permutation.p); // a family of one
    expect(indian.permutation.pAdjusted).toBeNaN();
  });
});

describe('two groups of real speakers with Monte Carlo p (Amazon en-US: england 77 vs indian 154 speakers)', () => {
  it('tests the split once: one p for both rows, a family of one', () => {
    const amazon = run.meta.backends.find((b) => b.name === 'amazon-en-US')!.key;
    const utts = run.utterances.filter((u) => u.backend === amazon && (u.labels.accent === 'england' || u.labels.accent === 'indian'));
    const [t] = analyseGroups(utts, { groupBy: 'accent', resamples: 200, permutations: 1000 });
    const [a, b] = t.rows;
    expect(a.permutation.exact).toBe(false);
    expect(a.permutation.p).toBe(b.permutation.p);
    expect(a.permutation.permutations).toBe(b.permutation.permutations);
    expect(a.permutation.pAdjusted).toBe(a.permutation.p);
    expect(a.permutation.lo).toBeLessThanOrEqual(a.permutation.p);
    expect(a.permutation.hi).toBeGreaterThanOrEqual(a.permutation.p);
    // Indian is worse: significant (Amazon en-US indian 34.7% vs england 22.0%), and england the mirror image.
    expect(b.group).toBe('indian');
    expect(b.permutation.decided && b.permutation.pAdjusted < 0.05 && b.permutation.diff > 0).toBe(true);
  });
});

describe('the whole Artie card (Amazon and Google en-US, 36 group rows)', () => {
  const cards = new Map<number, ServiceCard>();
  const card = (seed: number) => {
    if (!cards.has(seed)) cards.set(seed, buildServiceCard(run.meta, run.utterances, { groupBy: 'accent', bootstrap: 1000, seed, model: 'none' }));
    return cards.get(seed)!;
  };

  it('corrects over the groups meeting the minimum cell only, and says so', () => {
    const rows = card(1).tables.filter((t) => t.kind === 'group').flatMap((t) => t.rows);
    expect(rows).toHaveLength(36);
    const tested = rows.filter((r) => !r.flags.includes('small-cell'));
    expect(tested).toHaveLength(8); // us, indian, england, undeclared × 2 backends
    for (const r of rows.filter((x) => x.flags.includes('small-cell'))) expect(r.pAdjusted).toBeNaN();
    const adj = adjustPValues(tested.map((r) => r.p!), 'holm');
    tested.forEach((r, i) => expect(r.pAdjusted).toBe(adj[i]));
    expect(card(1).footnotes.join('\n')).toMatch(/over the 8 tested comparisons .* a group below the minimum cell is not tested \("not enough data": its raw p is shown, no adjusted p, not in the family\)/);
  });

  it('gives the same verdicts for seeds 1, 2 and 3, each settled (exact or its Monte Carlo interval clear of α)', () => {
    const verdicts = (seed: number) => card(seed).tables.flatMap((t) => t.rows.map((r) => `${t.backendName} ${t.kind} ${r.group}: ${r.flags.filter((f) => f !== 'best').join(',')}`));
    expect(verdicts(2)).toEqual(verdicts(1));
    expect(verdicts(3)).toEqual(verdicts(1));
    for (const r of card(1).tables.flatMap((t) => t.rows)) {
      if (!Number.isFinite(r.pAdjusted)) continue;
      expect(r.flags).not.toContain('undecided');
      const m = r.pMethod!;
      expect(m.adjustedLo < 0.05 && m.adjustedHi >= 0.05, `${r.group} ${JSON.stringify(m)}`).toBe(false);
    }
  });

  it('terminal verdicts, top findings and the gate follow the card flags', () => {
    const c = card(1);
    const text = renderTerminalSummary(c, []);
    const significant = c.tables.filter((t) => t.kind === 'group').flatMap((t) => t.rows.filter((r) => r.flags.includes('significant-gap')).map((r) => r.group));
    expect(significant.length).toBeGreaterThan(0);
    for (const f of topFindings(c, 50).filter((x) => /above the rest, adj\. p/.test(x))) {
      expect(significant).toContain(f.split(':')[0]);
    }
    for (const t of c.tables.filter((x) => x.kind === 'group')) {
      for (const r of t.rows) {
        const line = text.split('\n').find((l) => l.startsWith(`  ${r.group} `))!;
        expect(line).toBeDefined();
        if (r.flags.includes('small-cell')) expect(text).toContain(`${r.group} `);
      }
    }
    // The gate: with --significant-only and a 0-point gap, exactly the rows flagged "significant gap" fail, small
    // cells never (even when included: they are not tested).
    const gate = evaluateGate(run, { maxGap: 0, significantOnly: true, includeSmallCells: true }, { bootstrap: 1000, seed: 1 });
    const failing = gate.violations.filter((v) => v.rule === 'max-gap');
    const withSlices = buildServiceCard(run.meta, run.utterances, { ...cardOptionsForRun(run.meta, { bootstrap: 1000, seed: 1 }), model: 'none' });
    expect(withSlices.tables.some((t) => t.kind === 'slice')).toBe(true);
    const flagged = withSlices.tables.flatMap((t) => t.rows.filter((r) => r.flags.includes('significant-gap') && r.gapToBest!.estimate > 0).map((r) => `${t.id}/${r.group}`));
    expect(failing.map((v) => `${v.table}/${v.group}`).sort()).toEqual(flagged.sort());
  });
});
