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
 * Why a row or model group is suppressed in publish mode: below the minimum cell (`small-cell`), or hidden beside the
 * one small cell of its table so that the small cell cannot be recovered from the total (`complementary`): that group
 * is not small and must not be labelled as if it were.
 */
export type CardSuppression = 'small-cell' | 'complementary';

/** The label of a suppressed value: "suppressed (small cell)" or "suppressed (complementary: hides a small cell from the total)". */
export function suppressionText(s: CardSuppression): string {
  return s === 'small-cell' ? 'suppressed (small cell)' : 'suppressed (complementary: hides a small cell from the total)';
}

/** The † note under a group table with suppressed rows: small cells only, or small cells and their complements. */
export function suppressedNote(complementary: boolean): string {
  return complementary
    ? '† Suppressed: below the minimum cell rule (small cell), or hidden beside the one small cell of its table so that it cannot be recovered from the All groups row (complementary); values are not published.'
    : '† Suppressed: fewer speakers or reference words than the minimum cell rule; values are not published.';
}

export const COMPLEMENTARY_NOTE =
  'Complementary suppression: where only one group of a table was below the minimum cell, a second group (the smallest by reference words) is suppressed too, so the hidden group cannot be recovered from the All groups row by subtraction.';

function suppressRow<R extends Row>(r: R): R {
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
