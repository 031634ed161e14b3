/**
 * Per-group totals of what corpus markup policies did to the references (for the service card: "the card states the
 * policy and how many tokens and utterances it touched per group"). Pure: reads only `labels` and `markup`.
 */
import { groupOf, type Markup, type Utterance } from './schema.ts';

/**
 * A whole token that is a bracketed event or noise tag — `<unk>`, `<noise>`, `<SPOKEN_NOISE>`, `[laughter]`, `[noise]`
 * (Kaldi `text`, EdAcc) — as a regular-expression source without anchors: one or more characters between `<…>` or
 * `[…]`, no nested bracket of its kind, no white space. The one definition the Kaldi importer (corpora) and the glass
 * box's reference and hypothesis reader (analysis/glass-markup.ts) build their token tests from.
 */
export const BRACKET_TAG = String.raw`<[^<>\s]+>|\[[^[\]\s]+\]`;

export interface MarkupGroupSummary {
  group: string;
  /** Utterances in the group. */
  utterances: number;
  /** Utterances whose reference a markup policy changed (removed tokens or unwrapped markup). */
  touched: number;
  /** Markup tokens removed from the references (never counted as words). */
  removedTokens: number;
  /** Markup tokens kept in the references as sclite optionally deletable words (`(like-)`, scored with -D -F). */
  deletableTokens: number;
  /** Every markup occurrence by kind (pause, nonspeech, redaction, unintelligible, fragment, overlap, uncertain, …). */
  kinds: Record<string, number>;
  /** The occurrences of `kinds` removed from the references, and those unwrapped and kept as words (KEPT_MARKUP_KINDS); neither counts `deletableKinds`. */
  removedKinds: Record<string, number>;
  keptKinds: Record<string, number>;
  /** The occurrences of `kinds` kept as optionally deletable words (the utterances' `markup.deletable`). */
  deletableKinds: Record<string, number>;
  /** Policies seen in the group (e.g. `coraal`), sorted. */
  policies: string[];
}

/**
 * Per policy, the markup kinds whose words are unwrapped and kept (scored as words); every other kind is removed.
 * CORAAL: overlapping speech `[…]` and best guesses `/…/` (src/corpora/importers/markup.ts). EdAcc removes its
 * `<overlap>` tag, so the same kind name is removed there.
 */
export const KEPT_MARKUP_KINDS: Readonly<Record<string, readonly string[]>> = { coraal: ['overlap', 'uncertain'] };

/** Whether occurrences of `kind` under `policy` kept their words (else they were removed). */
export function keptKind(policy: string, kind: string): boolean {
  return KEPT_MARKUP_KINDS[policy]?.includes(kind) ?? false;
}

/**
 * Markup tokens of one utterance kept in its reference as sclite optionally deletable words (`markup.deletable`):
 * such a reference must be scored with sclite's `-D -F` semantics (src/score/run-scorer.ts does so for every run).
 */
export function deletableCount(m: Pick<Markup, 'deletable'> | undefined): number {
  return Object.values(m?.deletable ?? {}).reduce((a, b) => a + b, 0);
}

/**
 * Aggregates `utterance.markup` per group of `groupBy` (groups as `groupOf` forms them, so `undeclared` and
 * `interviewer` are groups like any other). Groups are returned sorted by name; a group none of whose utterances
 * carry `markup` has touched = removedTokens = 0.
 */
export function summariseMarkup(utts: Iterable<Pick<Utterance, 'labels' | 'markup'>>, groupBy: string): MarkupGroupSummary[] {
  const by = new Map<string, MarkupGroupSummary & { policySet: Set<string> }>();
  for (const u of utts) {
    const g = groupOf(u, groupBy);
    let s = by.get(g);
    if (!s) {
      s = { group: g, utterances: 0, touched: 0, removedTokens: 0, deletableTokens: 0, kinds: {}, removedKinds: {}, keptKinds: {}, deletableKinds: {}, policies: [], policySet: new Set() };
      by.set(g, s);
    }
    s.utterances++;
    const m = u.markup;
    if (!m) continue;
    s.policySet.add(m.policy);
    const occurrences = Object.values(m.kinds ?? {}).reduce((a, b) => a + b, 0);
    if (m.removed > 0 || occurrences > 0) s.touched++;
    s.removedTokens += m.removed;
    s.deletableTokens += deletableCount(m);
    for (const [k, n] of Object.entries(m.kinds ?? {})) {
      s.kinds[k] = (s.kinds[k] ?? 0) + n;
      const d = Math.min(n, m.deletable?.[k] ?? 0);
      if (d > 0) s.deletableKinds[k] = (s.deletableKinds[k] ?? 0) + d;
      if (n - d === 0) continue;
      const side = keptKind(m.policy, k) ? s.keptKinds : s.removedKinds;
      side[k] = (side[k] ?? 0) + n - d;
    }
  }
  return [...by.values()]
    .sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0))
    .map(({ policySet, ...s }) => ({ ...s, policies: [...policySet].sort() }));
}
