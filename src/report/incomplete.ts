/**
 * Incomplete runs (issue 13.2): a run export whose run.json carries `incomplete` (killed, interrupted,
 * stopped at the budget) is refused by `report` unless the user says `--allow-incomplete`; cards of
 * such a run then say "incomplete: n of N" at the top and in every group's row.
 */
import { UsageError } from '../manifest/errors.ts';
import type { RunMeta } from '../score/run-export.ts';

/** Throws UsageError (exit 2) naming the run when it is incomplete and `allow` is not set. */
export function refuseIncomplete(meta: RunMeta, path: string, allow: boolean | undefined): void {
  const inc = meta.incomplete;
  if (!inc || allow) return;
  throw new UsageError(
    `${path}: run ${meta.runId} is incomplete (${inc.status}, ${inc.items} of ${inc.expected} items); ` +
      'finish the run, or pass --allow-incomplete to report it marked "incomplete"',
  );
}

/** The card's top line for an incomplete run ("incomplete: 373 of 576 items (interrupted)"), or undefined. */
export function incompleteBanner(meta: Pick<RunMeta, 'incomplete'>): string | undefined {
  const inc = meta.incomplete;
  return inc ? `incomplete: ${inc.items} of ${inc.expected} items (run ${inc.status}); rates cover only what was done` : undefined;
}

/** A group's note ("incomplete: 12 of 40"), or undefined when the group is complete or unknown. */
export function incompleteGroupNote(meta: Pick<RunMeta, 'incomplete'>, groupBy: string, group: string): string | undefined {
  const g = meta.incomplete?.groups[groupBy]?.[group];
  if (!meta.incomplete) return undefined;
  if (!g) return 'incomplete: n of N unknown';
  return g.items < g.expected ? `incomplete: ${g.items} of ${g.expected}` : undefined;
}

/** Groups the run expected on `groupBy` that have no exported row at all (they vanish from tables otherwise). */
export function missingGroups(meta: Pick<RunMeta, 'incomplete'>, groupBy: string, present: ReadonlySet<string>): string[] {
  const gs = meta.incomplete?.groups[groupBy] ?? {};
  return Object.keys(gs).filter((g) => !present.has(g) && gs[g].expected > 0).sort();
}
