/**
 * The gate on a run that covers part of its suite: some of its manifests' utterances (`run --limit`, `run --shard`) or
 * some of its backends (`run --backend`), as run.json records them (src/run/subset.ts). Used by checkCard.
 */
import type { ServiceCard } from './model.ts';
import type { CheckViolation } from './check-types.ts';
import { backendSubsetFlag, backendSubsetLines, backendsRan, isPartial, notInRunSentences, subsetFlags, subsetSentence, type RunSubset } from '../run/subset.ts';

/** A declared group of a gated key that a subset run left out entirely (run.json `subset.notInRun`). */
interface LeftOut {
  key: string;
  group: string;
  /** Its utterances in the whole manifest. */
  utterances: number;
}

/** The groups of the keys the card gates (grouping key and slice keys) that the subset left out, by key then name. */
function leftOutGroups(sub: RunSubset, keys: ReadonlySet<string>): LeftOut[] {
  return Object.entries(sub.notInRun)
    .filter(([key]) => keys.has(key))
    .flatMap(([key, groups]) => Object.entries(groups).map(([group, utterances]) => ({ key, group, utterances })));
}

function notInRunViolation(sub: RunSubset, g: LeftOut): CheckViolation {
  return {
    rule: 'not-in-run', table: 'subset', backend: '', condition: '', group: g.group, value: g.utterances, limit: 0,
    message: `group "${g.group}" (by ${g.key}, ${g.utterances.toLocaleString('en-US')} utterance${g.utterances === 1 ? '' : 's'} in the manifest) is not in this run: ${subsetFlags(sub)} left it out, so the gate never measured it (--allow-subset to accept the subset knowingly)`,
  };
}

/**
 * The gate on a subset run (run.json `subset`: `--limit`, `--shard`; src/run/subset.ts): a `not-in-run` violation per
 * declared group of a gated key (grouping and slice keys) the subset left out, unless `allow` (--allow-subset); the
 * lines to print ("Subset: …", then "Not in this run …" for left-out groups not already violations, and a line when a
 * gated key is one the run did not record left-out groups for); the summary's note. Nothing for a whole run.
 */
export function subsetCheck(card: ServiceCard, allow: boolean): { violations: CheckViolation[]; leftOut: number; lines: string[]; note: string } {
  const sub = isPartial(card.meta.subset) ? card.meta.subset : undefined;
  if (!sub) return { violations: [], leftOut: 0, lines: [], note: '' };
  const gatedKeys = new Set([...card.settings.groupKeys, ...card.settings.slices.flat()]);
  const leftOut = leftOutGroups(sub, gatedKeys);
  const violations = allow ? [] : leftOut.map((g) => notInRunViolation(sub, g));
  // The groups left out are said once: as violations, or (accepted, or of keys not gated) as "Not in this run" lines.
  const said = new Set(allow ? [] : leftOut.map((g) => `${g.key}\u0000${g.group}`));
  const unsaid = Object.fromEntries(
    Object.entries(sub.notInRun)
      .map(([key, groups]) => [key, Object.fromEntries(Object.entries(groups).filter(([g]) => !said.has(`${key}\u0000${g}`)))] as const)
      .filter(([, groups]) => Object.keys(groups).length > 0),
  );
  // The run recorded left-out groups of its suite's keys only: of another gated key (check --group-by) they are unknown.
  const an = card.meta.analysis;
  const recordedKeys = new Set(an ? [...an.groupBy, ...an.slices.flat()] : []);
  const unknownKeys = [...gatedKeys].filter((k) => !recordedKeys.has(k));
  const quoted = (keys: Iterable<string>) => [...keys].map((k) => `"${k}"`).join(', ');
  const unknownLine = unknownKeys.length
    ? [`Subset: the run recorded the groups it left out by ${quoted(recordedKeys) || 'no key'} only; which groups of ${quoted(unknownKeys)} it left out is not known, so this gate cannot say every declared group of ${unknownKeys.length === 1 ? 'that key' : 'those keys'} was measured.`]
    : [];
  const n = Object.values(sub.notInRun).reduce((k, g) => k + Object.keys(g).length, 0);
  const note =
    `; subset: ${sub.utterances} of ${sub.manifestUtterances} utterances of the manifest (${subsetFlags(sub)})` +
    (n ? `, ${n} declared group(s) not in this run${allow && leftOut.length ? ', accepted with --allow-subset' : ''}` : '');
  return { violations, leftOut: leftOut.length, lines: [subsetSentence(sub), ...notInRunSentences({ ...sub, notInRun: unsaid }), ...unknownLine], note };
}

/**
 * The gate on a run of some of its suite's backends (run.json `backendSubset`, `run --backend NAME`): a
 * `backend-not-in-run` violation per suite backend left out, unless `allow` (--allow-subset: the gate then concerns the
 * backends that ran only, and says so); the lines to print and the summary's note. Nothing when every backend ran.
 */
export function backendSubsetCheck(card: ServiceCard, allow: boolean): { violations: CheckViolation[]; lines: string[]; note: string } {
  const b = card.meta.backendSubset;
  if (!b) return { violations: [], lines: [], note: '' };
  const flag = backendSubsetFlag(b);
  const violations: CheckViolation[] = allow
    ? []
    : b.notInRun.map((name) => ({
        rule: 'backend-not-in-run' as const, table: 'backend-subset', backend: name, condition: '', group: '', value: 1, limit: 0,
        message: `backend "${name}" of the suite is not in this run: ${flag} left it out, so the gate never measured it (--allow-subset to gate the backends that ran only, knowingly)`,
      }));
  const ran = backendsRan(b).map((n) => `"${n}"`).join(', ');
  const note = `; backend subset: ${b.suiteBackends.length - b.notInRun.length} of the suite's ${b.suiteBackends.length} backends (${flag})${allow ? `, accepted with --allow-subset: this gate concerns ${ran} only` : ''}`;
  return { violations, lines: backendSubsetLines(b), note };
}
