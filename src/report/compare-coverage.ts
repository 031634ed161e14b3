import { backendsRan, backendSubsetFlag, backendSubsetLines, isPartial, subsetFlags, subsetLines, type BackendSubset, type RunSubset } from '../run/subset.ts';
import type { LoadedRun } from '../score/run-export.ts';

/**
 * What part of its manifests and of its suite's backends each side of a `compare` covers (run.json `subset`, set by
 * `run --limit N` / `--shard i/n`, and `backendSubset`, set by `run --backend NAME`; src/run/subset.ts), and, when the
 * two runs cover different utterances or backends, on what the comparison rests. A paired comparison of a
 * `--limit 300` run with a whole run is a comparison of 300 utterances, and must say so before its tables.
 */
export interface CompareSideCoverage {
  /** run.json `subset` of the side's run (absent: the run read its manifests whole). */
  subset?: RunSubset;
  /** run.json `backendSubset` of the side's run (absent: every backend of its suite ran). */
  backendSubset?: BackendSubset;
  /** Distinct utterance ids of the side's compared backend, over the compared conditions. */
  utterances: number;
  /** Backend names of the side's run (run.json `backends`). */
  backends: string[];
}

export interface CompareCoverage {
  a: CompareSideCoverage;
  b: CompareSideCoverage;
  /** Utterance ids both sides' compared backends hold (over the compared conditions): what the comparison can pair. */
  sharedUtterances: number;
  /** Backend names both runs hold. */
  sharedBackends: string[];
  /**
   * Per side, what subset it is ("Run A (run …): Subset: this run covers 300 of 1,712 utterances …"); empty when
   * neither run records a subset. Shown at the top of every compare output.
   */
  lines: string[];
  /**
   * Set when the two runs cover different utterance ids or (with a backend subset on either side) different backends:
   * one sentence naming what the comparison rests on, with counts. `compare` prints it as a warning line on stderr and
   * at the top of every report (text, compare.md, compare.json `warnings`).
   */
  warning?: string;
}

const n = (x: number): string => x.toLocaleString('en-US');
const plural = (k: number, one: string, many = `${one}s`): string => `${n(k)} ${k === 1 ? one : many}`;

function idsOf(run: LoadedRun, backend: string, conditions: readonly string[]): Set<string> {
  return new Set(run.utterances.filter((u) => u.backend === backend && conditions.includes(u.condition)).map((u) => u.id));
}

function sideOf(run: LoadedRun, ids: Set<string>): CompareSideCoverage {
  return {
    ...(run.meta.subset ? { subset: run.meta.subset } : {}),
    ...(run.meta.backendSubset ? { backendSubset: run.meta.backendSubset } : {}),
    utterances: ids.size,
    backends: run.meta.backends.map((b) => b.name),
  };
}

/** "300 (--limit 300, of 1,712 in its manifest)" or "1,712 (no --limit or --shard)". */
function utterancesOf(s: CompareSideCoverage): string {
  return isPartial(s.subset) ? `${n(s.utterances)} (${subsetFlags(s.subset)}, of ${n(s.subset.manifestUtterances)} in its manifest)` : `${n(s.utterances)} (no --limit or --shard)`;
}

/** "1 of its suite's 6 backends (--backend google-en-US)" or "6 backends (every backend of its suite)". */
function backendsOf(s: CompareSideCoverage): string {
  return s.backendSubset
    ? `${backendsRan(s.backendSubset).length} of its suite's ${s.backendSubset.suiteBackends.length} backends (${backendSubsetFlag(s.backendSubset)})`
    : `${plural(s.backends.length, 'backend')} (every backend of its suite)`;
}

/**
 * The coverage of a comparison of run A's backend `backendA` with run B's `backendB` over `conditions` (keys).
 * Pure: reads run.json's records and the rows; the per-group counts of what the pairing leaves out are compareRuns'.
 */
export function compareCoverage(a: LoadedRun, b: LoadedRun, backendA: { key: string; name: string }, backendB: { key: string; name: string }, conditions: readonly string[]): CompareCoverage {
  const idsA = idsOf(a, backendA.key, conditions);
  const idsB = idsOf(b, backendB.key, conditions);
  const shared = [...idsA].filter((id) => idsB.has(id)).length;
  const sa = sideOf(a, idsA);
  const sb = sideOf(b, idsB);
  const sharedBackends = sa.backends.filter((x) => sb.backends.includes(x));
  const oneRun = a.meta.runId === b.meta.runId;
  // What says nothing about the groups or backends a side left out: that run (or, for one run, the comparison).
  const said = (s: CompareSideCoverage, about: string): string[] => [...subsetLines(s.subset, '--limit', about), ...backendSubsetLines(s.backendSubset, about)];
  const lines: string[] = [];
  const anySubset = said(sa, '').length + said(sb, '').length > 0;
  if (anySubset) {
    if (oneRun) lines.push(...said(sa, 'the comparison').map((l) => `Runs A and B (one run, ${a.meta.runId}): ${l}`));
    else {
      for (const [side, s, id] of [['A', sa, a.meta.runId], ['B', sb, b.meta.runId]] as const) {
        const own = said(s, `run ${side}`);
        lines.push(...(own.length ? own.map((l) => `Run ${side} (${id}): ${l}`) : [`Run ${side} (${id}): no subset: it read its manifests whole and ran every backend of its suite.`]));
      }
    }
  }
  const parts: string[] = [];
  const utterancesDiffer = idsA.size !== shared || idsB.size !== shared;
  if (utterancesDiffer) {
    parts.push(
      `the comparison rests on the ${plural(shared, 'utterance')} both runs hold (run A ${utterancesOf(sa)}, run B ${utterancesOf(sb)}); ` +
        `${n(idsA.size - shared)} only in run A and ${n(idsB.size - shared)} only in run B are left out (counted per group below)`,
    );
  }
  const sameBackends = sa.backends.length === sb.backends.length && sa.backends.every((x) => sb.backends.includes(x));
  const backendsDiffer = !oneRun && (sa.backendSubset !== undefined || sb.backendSubset !== undefined) && !sameBackends;
  if (backendsDiffer) {
    parts.push(
      `run A ran ${backendsOf(sa)}, run B ${backendsOf(sb)}; ${plural(sharedBackends.length, 'backend')} in both` +
        `${sharedBackends.length ? ` (${sharedBackends.join(', ')})` : ''}; compared: A ${backendA.name} against B ${backendB.name}`,
    );
  }
  const what = [utterancesDiffer ? 'utterances' : '', backendsDiffer ? 'backends' : ''].filter(Boolean).join(' and ');
  return {
    a: sa,
    b: sb,
    sharedUtterances: shared,
    sharedBackends,
    lines,
    ...(parts.length ? { warning: `Runs A and B cover different ${what}: ${parts.join('; ')}.` } : {}),
  };
}
