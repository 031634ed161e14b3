/**
 * A published card's copy of run.json (`--publish`): the per-group counts run.json carries besides the tables keep the
 * card's grouping key only, without the groups the card suppresses — their counts would give away the sizes the card
 * withholds. Covered: the letter-to-sound word tokens of PER (`scoring.phones.oov.groups`) and the utterances folded
 * by the Turkish I rules or, although declaring tr/az, by Unicode's default rules (`scoring.languageFold.groups`,
 * `scoring.defaultCaseFold.groups`). Totals stay: what they minus the shown groups give is the suppressed groups'
 * sum, which complementary suppression already keeps from being one group alone.
 */
import type { RunMeta } from '../score/run-export.ts';

type Counted = { groups: Record<string, Record<string, unknown>> };

function visibleOnly<T extends Counted>(counted: T, groupBy: string, hidden: ReadonlySet<string>): T {
  const visible = Object.fromEntries(Object.entries(counted.groups[groupBy] ?? {}).filter(([g]) => !hidden.has(g)));
  return { ...counted, groups: { [groupBy]: visible } };
}

/** `meta` with every per-group count of `scoring` cut to `groupBy`'s groups not in `hidden` (a new object). */
export function withoutHiddenGroups(meta: RunMeta, groupBy: string, hidden: ReadonlySet<string>): RunMeta {
  const sc = meta.scoring;
  if (!sc) return meta;
  return {
    ...meta,
    scoring: {
      ...sc,
      ...(sc.phones ? { phones: { ...sc.phones, oov: visibleOnly(sc.phones.oov, groupBy, hidden) } } : {}),
      ...(sc.languageFold ? { languageFold: visibleOnly(sc.languageFold, groupBy, hidden) } : {}),
      ...(sc.defaultCaseFold ? { defaultCaseFold: visibleOnly(sc.defaultCaseFold, groupBy, hidden) } : {}),
    },
  };
}
