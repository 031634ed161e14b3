/**
 * Publish-mode disclosure control (issue 13.10). Suppressing one small cell is not enough when the
 * table also prints the total ("All groups"): total − the visible groups gives the hidden group back.
 * The statistical-disclosure rule (complementary or secondary suppression, as in Hundepool et al.,
 * *Statistical Disclosure Control*, 2012, §5.2) hides a second cell whenever exactly one is hidden.
 */

/** The parts of a card row and table (src/report/model.ts) this rule reads; kept structural to avoid an import cycle. */
interface Row {
  group: string;
  suppressed: boolean;
  suppression: CardSuppression | null;
  refWords: number | null;
}
interface Table<R extends Row, O> {
  rows: R[];
  overall: O;
}

/**
 * Why a row or model group is suppressed in publish mode: below the minimum cell (`small-cell`), or hidden beside small
 * cells so that they cannot be recovered by subtraction from a total (`complementary`: the table's All groups row, or a
 * coarser table's row its slice rows add up to; see protectMargins): that group is not small and must not be labelled
 * as if it were.
 */
export type CardSuppression = 'small-cell' | 'complementary';

/** The label of a suppressed value: "suppressed (small cell)" or "suppressed (complementary: hides a small cell from the total)". */
export function suppressionText(s: CardSuppression): string {
  return s === 'small-cell' ? 'suppressed (small cell)' : 'suppressed (complementary: hides a small cell from the total)';
}

/** The † note under a group table with suppressed rows: small cells only, or small cells and their complements. */
export function suppressedNote(complementary: boolean): string {
  return complementary
    ? '† Suppressed: below the minimum cell rule (small cell), or hidden beside small cells so that they cannot be recovered by subtraction from the All groups row or another table\'s rows (complementary); values are not published.'
    : '† Suppressed: fewer speakers or reference words than the minimum cell rule; values are not published.';
}

export const COMPLEMENTARY_NOTE =
  'Complementary suppression (Hundepool et al., Statistical Disclosure Control, 2012, ch. 5): within every set of rows that add up to a published row (a table\'s rows to All groups; a slice table\'s rows under one group to that group\'s row, e.g. england × each gender to england), where only one row was suppressed, or the suppressed rows together were still below the minimum cell, further rows (the smallest by reference words) are suppressed too, so no suppressed cell can be recovered by subtraction.';

/**
 * The row with every published value removed, labelled `complementary` (its flags too: it is not a small cell). Every
 * field but the group's name and why it is hidden becomes null, so no interval, metric or p of it is left behind.
 */
export function suppressRow<R extends Row>(r: R): R {
  return {
    // Every value a small-cell row withholds (model.ts toRow): the gap to the rest and the other WER metrics too, else
    // the All groups row and the gap give the hidden WER back.
    ...r, suppressed: true, suppression: 'complementary', flags: [], speakers: null, utterances: null, failed: null, emptyHyp: null, hours: null, refWords: null, wer: null,
    werMetrics: null, meanSpeakerWer: null, cer: null, per: null, gapToBest: null, ratioToBest: null, gapToRest: null, p: null, pAdjusted: null, pMethod: null, diffToRest: null,
    gapToReference: null, minDetectableGap: null,
  };
}

/**
 * The second cell of complementary suppression among `rows`: with exactly one suppressed row, the visible row with
 * the fewest reference words (then by name). A visible row with no scored reference word (a group whose every
 * utterance failed) is never the second cell: it adds nothing to the total, so hiding it would not protect the first
 * one, and it stays shown as "no scored utterance" (what it is, not a small cell). Returns `none` when no second cell
 * is needed (no or several suppressed rows), `total` when one is needed but no visible row is left to hide (the
 * table's total must then be withheld), or the row to hide. One rule for the group tables and the degradation tables.
 */
export function complementaryCell<R extends Row>(rows: readonly R[]): 'none' | 'total' | R {
  const hidden = rows.filter((r) => r.suppressed);
  if (hidden.length !== 1) return 'none';
  const visible = rows.filter((r) => !r.suppressed && (r.refWords ?? 0) > 0);
  if (!visible.length) return 'total';
  return [...visible].sort((a, b) => (a.refWords ?? 0) - (b.refWords ?? 0) || a.group.localeCompare(b.group))[0];
}

/**
 * Returns the table with complementary suppression applied (`changed` says whether it was needed): with exactly one
 * suppressed row, a second row is suppressed (`complementaryCell`); when no visible row is left to hide (the table
 * has one group), the total is withheld.
 */
export function withComplementarySuppression<R extends Row, O extends object, T extends Table<R, O>>(t: T): { table: T; changed: boolean } {
  const second = complementaryCell(t.rows);
  if (second === 'none') return { table: t, changed: false };
  if (second === 'total') {
    const o = t.overall;
    const overall = { ...o, speakers: null, utterances: null, failed: null, emptyHyp: null, hours: null, refWords: null, wer: null, meanSpeakerWer: null, cer: null, per: null };
    return { table: { ...t, overall }, changed: true };
  }
  const rows = t.rows.map((r) => (r === second ? suppressRow(r) : r));
  // Suppressed rows go last, as the card orders them.
  rows.sort((a, b) => Number(a.suppressed) - Number(b.suppressed));
  return { table: { ...t, rows }, changed: true };
}

/**
 * One published cell of the margin audit: a row of a card table with its true (unsuppressed) size. `hidden` is set by
 * the caller for the cells already suppressed and by `protectMargins` for those it adds.
 */
export interface MarginCell {
  /** Index of the card table and the row's group label, to find the row again. */
  table: number;
  group: string;
  speakers: number;
  words: number;
  hidden: boolean;
}

/**
 * A linear relation a reader can use: `parts` sum (in every count: speakers, utterances, words, errors) to `total`, a
 * published row of another table of the same backend × condition, or `null` for the parts' own table's "All groups"
 * row. E.g. the accent × gender rows of accent "england" sum to the accent table's "england" row.
 */
export interface Margin {
  total: MarginCell | null;
  parts: MarginCell[];
}

/**
 * Complementary suppression across the margins of a card (Hundepool et al., *Statistical Disclosure Control*, 2012,
 * ch. 5, primary and secondary suppression in linked tables): within each margin whose total is published, when exactly
 * one part is hidden, or the hidden parts' sum (total − visible parts) is itself a small cell (fewer than
 * `minCell.speakers` speakers or `minCell.words` reference words), the visible part with the fewest reference words
 * (then by name; never one with no scored word, which adds nothing) is hidden too, until neither holds; if no part is
 * left to hide, the total is hidden. Within a margin whose total is hidden, a total whose parts are all shown is their
 * sum, so its smallest part is hidden. Repeated over all margins until nothing changes (a cell hidden for one margin
 * can expose another). Mutates `hidden` of the cells; returns the cells it hid (empty: the card was already safe).
 * Speakers are summed over cells, as a reader subtracting published counts would.
 */
export function protectMargins(margins: readonly Margin[], minCell: { speakers: number; words: number }): MarginCell[] {
  const added: MarginCell[] = [];
  const hide = (c: MarginCell) => {
    c.hidden = true;
    added.push(c);
  };
  const smallest = (cs: readonly MarginCell[]) => [...cs].sort((a, b) => a.words - b.words || a.group.localeCompare(b.group))[0] as MarginCell | undefined;
  for (let changed = true; changed; ) {
    changed = false;
    for (const m of margins) {
      const hidden = m.parts.filter((c) => c.hidden);
      const candidates = m.parts.filter((c) => !c.hidden && c.words > 0);
      if (m.total?.hidden) {
        const next = hidden.length === 0 && m.parts.length > 0 ? smallest(candidates) : undefined;
        if (next) {
          hide(next);
          changed = true;
        }
        continue;
      }
      if (!hidden.length) continue;
      const sum = hidden.reduce((a, c) => ({ speakers: a.speakers + c.speakers, words: a.words + c.words }), { speakers: 0, words: 0 });
      const exposed = hidden.length === 1 || sum.speakers < minCell.speakers || sum.words < minCell.words;
      if (!exposed) continue;
      const next = smallest(candidates) ?? (m.total && !m.total.hidden && m.total.words > 0 ? m.total : undefined);
      if (next) {
        hide(next);
        changed = true;
      }
    }
  }
  return added;
}

/**
 * A published slice table without its suppressed rows (`notListed`: how many were left out; the table itself when it
 * has none). Listing a suppressed combination tells that it occurs (e.g. "accent=southatlandtic × gender=male †" tells
 * that the one southatlandtic speaker is male); a published table does not show which suppressed cells exist
 * (Hundepool et al., 2012, §5.2: suppressed cells are blanked, not named). Group tables keep their rows: every value of
 * the grouping key is a declared group whose name the card's settings and notes publish anyway. Applied after
 * complementary suppression, so what the shown rows and their totals give is unchanged: still never one small cell.
 */
export function withoutSuppressedSliceRows<R extends Row, T extends { kind: string; rows: R[]; notListed?: number }>(t: T): T {
  if (t.kind !== 'slice') return t;
  const rows = t.rows.filter((r) => !r.suppressed);
  return rows.length === t.rows.length ? t : { ...t, rows, notListed: t.rows.length - rows.length };
}

/** The line under a published slice table with suppressed combinations left out. */
export function notListedText(n: number): string {
  return `${n} combination${n === 1 ? '' : 's'} below the minimum cell, or hidden beside one (complementary suppression), ${n === 1 ? 'is' : 'are'} not listed: a published slice table does not show which suppressed combinations occur.`;
}

export const NOT_LISTED_NOTE =
  'Published slice tables list the shown combinations only: a suppressed combination is left out, not marked, since its row alone would tell that it occurs (e.g. which gender a one-speaker accent\'s speaker declared); each table says how many are left out. The rows left out are the suppressed ones after complementary suppression, so no total minus the shown rows gives one small cell.';
