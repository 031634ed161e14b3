/**
 * Publish mode: no published value is measured against a suppressed group. A gap or ratio to the best group, or to the
 * reference group, beside a shown group's own WER gives the suppressed group's WER back by subtraction or division
 * (WER(best) = WER(g) − gap). So when a table's best or reference group is suppressed on the card, every row's gap and
 * ratio to it are withheld, the table names no best / reference group, and the card says why (`withheldNote`).
 */

/** The parts of a card row and table (src/report/model.ts) this rule reads; structural to avoid an import cycle. */
interface Row {
  group: string;
  suppressed: boolean;
  flags: string[];
  gapToBest: unknown;
  ratioToBest: unknown;
  gapToReference: unknown;
}
interface Table<R extends Row> {
  rows: R[];
  bestGroup: string;
  referenceGroup: string | null;
  withheld?: WithheldComparisons;
}

/** What a published table withheld because its best or reference group is suppressed (absent: nothing). */
export interface WithheldComparisons {
  /** The best declared group is suppressed: no best group is named, gap and ratio to best are withheld. */
  best: boolean;
  /** The reference group (the run's or --reference-group) is suppressed: the gap-to-reference column is withheld. */
  reference: string | null;
}

/**
 * `t` without any comparison to a suppressed group (a new table; `t` itself when nothing is withheld): a suppressed
 * best group → `bestGroup` '', every row's `gapToBest`/`ratioToBest` null and no `best` flag; a suppressed reference
 * group → `referenceGroup` null and every row's `gapToReference` null. `withheld` records which.
 */
export function withoutHiddenComparisons<R extends Row, T extends Table<R>>(t: T): T {
  const hidden = new Set(t.rows.filter((r) => r.suppressed).map((r) => r.group));
  const best = t.bestGroup !== '' && hidden.has(t.bestGroup);
  const reference = t.referenceGroup !== null && hidden.has(t.referenceGroup) ? t.referenceGroup : null;
  if (!best && reference === null) return t;
  const rows = t.rows.map((r): R => ({
    ...r,
    ...(best ? { gapToBest: null, ratioToBest: null, flags: r.flags.filter((f) => f !== 'best') as R['flags'] } : {}),
    ...(reference !== null ? { gapToReference: null } : {}),
  }));
  return { ...t, rows, ...(best ? { bestGroup: '' } : {}), ...(reference !== null ? { referenceGroup: null } : {}), withheld: { best, reference } };
}

/** The best-group line of a table whose best group is suppressed (it names no group). */
export const BEST_WITHHELD_TEXT =
  'Best group: not published — the declared group with the lowest WER is suppressed on this published card, so no group is named best and no gap or ratio to best is given (it would give the suppressed group\'s WER back).';

/**
 * The card's note when a published table withheld its gap to the reference group: names the reference (the run's
 * setting, already public) and why no gap to it is given.
 */
export function referenceWithheldNote(reference: string): string {
  return `Gap to reference withheld: the reference group "${reference}" is suppressed on this published card (below the minimum cell, or hidden beside one), and a gap to it beside a shown group's WER would give its WER back; choose a reference group that is shown (--reference-group).`;
}

/** The card's notes on withheld comparisons (one per distinct kind), in card order. */
export function withheldNotes(tables: readonly { withheld?: WithheldComparisons }[]): string[] {
  const refs = [...new Set(tables.flatMap((t) => (t.withheld?.reference ? [t.withheld.reference] : [])))];
  return [...(tables.some((t) => t.withheld?.best) ? [BEST_WITHHELD_TEXT] : []), ...refs.map(referenceWithheldNote)];
}
