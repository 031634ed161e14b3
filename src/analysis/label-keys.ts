/**
 * Which label keys a set of utterances declares, so that grouping by a key nobody declared (the
 * default `accent` on a corpus that records only `l1`, such as L2-ARCTIC or the Speech Accent
 * Archive) says what exists instead of silently putting everyone in `undeclared`.
 */
import { UNDECLARED } from '../manifest/schema.ts';

/** One label key: how many utterances declare it (non-blank value) and how many distinct values. */
export interface LabelKeyCount {
  key: string;
  declared: number;
  groups: number;
}

/** Declared label keys, most declared first (ties by name). */
export function labelKeyCounts(utts: readonly { labels: Record<string, string> }[]): LabelKeyCount[] {
  const counts = new Map<string, { declared: number; values: Set<string> }>();
  for (const u of utts) {
    for (const [k, v] of Object.entries(u.labels ?? {})) {
      if (typeof v !== 'string' || v.trim() === '' || v === UNDECLARED) continue;
      let c = counts.get(k);
      if (!c) counts.set(k, (c = { declared: 0, values: new Set() }));
      c.declared++;
      c.values.add(v);
    }
  }
  return [...counts]
    .map(([key, c]) => ({ key, declared: c.declared, groups: c.values.size }))
    .sort((a, b) => b.declared - a.declared || a.key.localeCompare(b.key));
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
 * One line when no utterance declares `key` (undefined otherwise): the keys that exist with their
 * counts, and a suggestion. `flag` is how the user chooses the key (e.g. "--group-by" or "groupBy").
 */
export function undeclaredKeyHint(utts: readonly { labels: Record<string, string> }[], key: string, flag = '--group-by'): string | undefined {
  const counts = labelKeyCounts(utts);
  if (counts.some((c) => c.key === key)) return undefined;
  if (utts.length === 0) return undefined;
  const listed = counts.slice(0, 8).map((c) => `${c.key} (${c.declared} utterances, ${c.groups} group${c.groups === 1 ? '' : 's'})`);
  const more = counts.length > 8 ? ` and ${counts.length - 8} more` : '';
  const suggestion = suggestGroupKey(counts);
  return (
    `no utterance declares "${key}", so every speaker is in group "${UNDECLARED}". ` +
    (counts.length ? `Label keys declared: ${listed.join(', ')}${more}.` : 'The utterances declare no labels at all.') +
    (suggestion ? ` Try ${flag} ${suggestion}.` : '')
  );
}
