/**
 * Which label keys a set of utterances declares, so that grouping by a key nobody declared (the
 * default `accent` on a corpus that records only `l1`, such as L2-ARCTIC or the Speech Accent
 * Archive) says what exists instead of silently putting everyone in `undeclared`.
 */
import { UNDECLARED } from '../manifest/schema.ts';
import { distance } from 'fastest-levenshtein';

/** One label key: how many utterances declare it (non-blank value) and how many distinct values. */
export interface LabelKeyCount {
  key: string;
  declared: number;
  groups: number;
}

/** An utterance's labels; `id` when the same utterance appears once per backend and condition (a run export). */
export interface Labelled {
  id?: string;
  labels: Record<string, string>;
}

/** Each utterance once: rows of a run export repeat an utterance per backend × condition. */
function distinct<T extends Labelled>(utts: readonly T[]): readonly T[] {
  if (!utts.some((u) => u.id !== undefined)) return utts;
  const seen = new Set<string>();
  return utts.filter((u) => u.id === undefined || (!seen.has(u.id) && (seen.add(u.id), true)));
}

/**
 * Label keys counted one utterance at a time (what `labelKeyCounts` and `groupKeyWarning` count), holding one set
 * of values per key and never the utterances: for a caller that streams them (the run command's export).
 */
export class LabelKeyTally {
  private readonly byKey = new Map<string, { declared: number; values: Set<string> }>();
  /** Utterances added. */
  n = 0;

  /** Adds one utterance's labels (the caller adds each utterance once). */
  add(labels: Record<string, string> | undefined): void {
    this.n++;
    for (const [k, v] of Object.entries(labels ?? {})) {
      if (typeof v !== 'string' || v.trim() === '' || v === UNDECLARED) continue;
      let c = this.byKey.get(k);
      if (!c) this.byKey.set(k, (c = { declared: 0, values: new Set() }));
      c.declared++;
      c.values.add(v);
    }
  }

  /** Declared label keys, most declared first (ties by name). */
  counts(): LabelKeyCount[] {
    return [...this.byKey]
      .map(([key, c]) => ({ key, declared: c.declared, groups: c.values.size }))
      .sort((a, b) => b.declared - a.declared || a.key.localeCompare(b.key));
  }

  /** `groupKeyWarning` of the utterances added. */
  warning(key: string, flag = '--group-by'): string | undefined {
    return warningOf(this.counts(), this.n, key, flag);
  }
}

/** Declared label keys, most declared first (ties by name); utterances with the same `id` count once. */
export function labelKeyCounts(rows: readonly Labelled[]): LabelKeyCount[] {
  const t = new LabelKeyTally();
  for (const u of distinct(rows)) t.add(u.labels);
  return t.counts();
}

/**
 * A grouping key to suggest: the most declared key with at least two groups, preferring canonical
 * keys over raw declared text (`*_raw`, which importers keep beside the canonical group).
 */
export function suggestGroupKey(counts: readonly LabelKeyCount[]): string | undefined {
  const usable = counts.filter((c) => c.groups >= 2);
  return (usable.find((c) => !c.key.endsWith('_raw')) ?? usable[0])?.key;
}

/**
 * One line when the grouping key `key` is absent from every utterance, or declared (non-blank,
 * not "undeclared") by fewer than half of them; undefined otherwise (and for no utterances).
 * The line gives how many of the N utterances declare the key (they are the only ones not in
 * group "undeclared"), the keys that do exist with their counts, and a suggestion. `flag` is how
 * the user chooses the key (e.g. "--group-by" or "groupBy:"). Every command that groups by a
 * label (run, report, check, compare, glass, adapt) prints it as `asrfair: warning: …`. Rows with
 * the same `id` (one per backend × condition in a run export) count as one utterance.
 */
export function groupKeyWarning(rows: readonly Labelled[], key: string, flag = '--group-by'): string | undefined {
  const t = new LabelKeyTally();
  for (const u of distinct(rows)) t.add(u.labels);
  return t.warning(key, flag);
}

/**
 * The refusal when no utterance declares the grouping key `key` (everyone would be one group, "undeclared": a typo
 * such as `acent` compares or checks nothing): `groupKeyWarning`'s line, naming the closest declared key; undefined
 * when some utterance declares it. `check` and `compare` throw it as a UsageError (exit 2).
 */
export function undeclaredGroupKey(rows: readonly Labelled[], key: string, flag = '--group-by'): string | undefined {
  const t = new LabelKeyTally();
  for (const u of distinct(rows)) t.add(u.labels);
  if (t.n === 0 || t.counts().some((c) => c.key === key)) return undefined;
  return t.warning(key, flag);
}

function warningOf(counts: LabelKeyCount[], n: number, key: string, flag: string): string | undefined {
  if (n === 0) return undefined;
  const mine = counts.find((c) => c.key === key);
  const declared = mine?.declared ?? 0;
  if (declared * 2 >= n) return undefined;
  const listed = counts.slice(0, 8).map((c) => `${c.key} (${c.declared} utterances, ${c.groups} group${c.groups === 1 ? '' : 's'})`);
  const more = counts.length > 8 ? ` and ${counts.length - 8} more` : '';
  const better = counts.filter((c) => c.declared > declared);
  // A key within two edits of the one asked for (a typo: accnt → accent) comes before the most declared.
  const near = better.filter((c) => c.groups >= 2 && distance(c.key.toLowerCase(), key.toLowerCase()) <= 2).sort((a, b) => distance(a.key, key) - distance(b.key, key))[0];
  const suggestion = near?.key ?? suggestGroupKey(better);
  const head = declared === 0
    ? `no utterance declares "${key}" (0 of ${n}), so every speaker is in group "${UNDECLARED}". `
    : `only ${declared} of ${n} utterances (${pct(declared, n)}) declare "${key}"; the other ${n - declared} are in group "${UNDECLARED}". `;
  return (
    head +
    (counts.length ? `Label keys declared: ${listed.join(', ')}${more}.` : 'The utterances declare no labels at all.') +
    (suggestion ? ` Try ${flag} ${suggestion}.` : '')
  );
}


function pct(k: number, n: number): string {
  const p = (100 * k) / n;
  return `${p < 1 ? p.toFixed(1) : Math.round(p)}%`;
}
