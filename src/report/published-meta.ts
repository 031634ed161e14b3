/**
 * A published card's copy of run.json (`--publish`): every per-group count run.json carries besides the tables is cut
 * to what the card shows, since a count of a suppressed group gives away the size the card withholds. The one place
 * where the card's notes and warnings get their per-group counts from run.json (they read this copy), so a new
 * per-group field is cut here. Covered:
 * - the letter-to-sound word tokens of PER (`scoring.phones.oov.groups`) and the utterances folded by the Turkish I
 *   rules or, although declaring tr/az, by Unicode's default rules (`scoring.languageFold.groups`,
 *   `scoring.defaultCaseFold.groups`): the card's grouping key only, without its suppressed groups;
 * - the import records' "NA → undeclared in N utterances" (`corpus.imports[].undeclared`): kept for a key whose
 *   `undeclared` group the card shows (or a key the card does not group or slice by); otherwise the mapping is said
 *   without its count (a note of the record);
 * - the groups a limited or sharded run left out (`subset.notInRun`): named, their manifest counts withheld
 *   (`subset.notInRunNamesOnly`): a group with no row has no published size.
 * Totals stay: what they minus the shown groups give is the suppressed groups' sum, which complementary suppression
 * already keeps from being one group alone.
 */
import type { RunMeta } from '../score/run-export.ts';
import { undeclaredSource } from '../manifest/import-record.ts';

type Counted = { groups: Record<string, Record<string, unknown>> };

function visibleOnly<T extends Counted>(counted: T, groupBy: string, hidden: ReadonlySet<string>): T {
  const visible = Object.fromEntries(Object.entries(counted.groups[groupBy] ?? {}).filter(([g]) => !hidden.has(g)));
  return { ...counted, groups: { [groupBy]: visible } };
}

/** The note of an import record whose "→ undeclared" count is withheld. */
export function undeclaredWithheldNote(source: string): string {
  return `${source} → undeclared (count not published: that group is suppressed on this published card)`;
}

/**
 * Whether a group of label `key` is hidden on a published card: `hidden` holds the groups of `groupBy` its group tables
 * suppress; `sliceHidden`, per other key it slices by, the values that are part of a suppressed slice row.
 */
export function hiddenGroupTest(groupBy: string, hidden: ReadonlySet<string>, sliceHidden: ReadonlyMap<string, ReadonlySet<string>> = new Map()): (key: string, group: string) => boolean {
  return (key, group) => (key === groupBy ? hidden.has(group) : (sliceHidden.get(key)?.has(group) ?? false));
}

/**
 * `meta` with every per-group count cut to what a published card shows (a new object). `hidden`: the groups of
 * `groupBy` the card suppresses in a group table; `sliceHidden`: per other label key the card slices by, the values of
 * that key that are part of a suppressed slice row (e.g. gender → {male} for "accent=wales × gender=male").
 */
export function withoutHiddenGroups(meta: RunMeta, groupBy: string, hidden: ReadonlySet<string>, sliceHidden: ReadonlyMap<string, ReadonlySet<string>> = new Map()): RunMeta {
  const isHidden = hiddenGroupTest(groupBy, hidden, sliceHidden);
  const sc = meta.scoring;
  const imports = meta.corpus.imports?.map((r) => {
    const cut = r.undeclared.filter((u) => isHidden(u.key, 'undeclared'));
    if (!cut.length) return r;
    return { ...r, undeclared: r.undeclared.filter((u) => !cut.includes(u)), notes: [...cut.map((u) => undeclaredWithheldNote(undeclaredSource(u))), ...r.notes] };
  });
  const sub = meta.subset;
  const names = sub ? Object.entries(sub.notInRun).filter(([, g]) => Object.keys(g).length) : [];
  return {
    ...meta,
    corpus: { ...meta.corpus, ...(imports ? { imports } : {}) },
    ...(sub && names.length ? { subset: { ...sub, notInRun: {}, notInRunNamesOnly: Object.fromEntries(names.map(([k, g]) => [k, Object.keys(g)])) } } : {}),
    ...(sc
      ? {
          scoring: {
            ...sc,
            ...(sc.phones ? { phones: { ...sc.phones, oov: visibleOnly(sc.phones.oov, groupBy, hidden) } } : {}),
            ...(sc.languageFold ? { languageFold: visibleOnly(sc.languageFold, groupBy, hidden) } : {}),
            ...(sc.defaultCaseFold ? { defaultCaseFold: visibleOnly(sc.defaultCaseFold, groupBy, hidden) } : {}),
          },
        }
      : {}),
  };
}
