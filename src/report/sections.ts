/**
 * Card sections beyond the group tables: the model-based view (count regression per backend) and
 * degradation under conditions (each non-clean condition against clean, paired by utterance).
 */
import { groupOnlyPoissonRateRatios, groupRateRatios, type GroupModel } from '../analysis/model.ts';
import { HIGH_COLLINEARITY_R2, MODERATE_COLLINEARITY_R2, type GroupCovariateCollinearity } from '../analysis/collinearity.ts';
export type { GroupCovariateCollinearity };
import { analyseDegradation, type DegradationTable } from '../analysis/paired.ts';
import type { ScoredUtterance } from '../analysis/types.ts';
import { groupOf } from '../manifest/schema.ts';
import { isCandidateGroup } from '../analysis/cells.ts';
import type { MinCell } from '../analysis/groups.ts';
import type { Interval, PAdjustMethod } from '../stats/types.ts';
import type { RunMeta } from '../score/run-export.ts';
import { protectMargins, type CardSuppression, type MarginCell } from './publish.ts';

export type CardModelFamily = 'poisson' | 'negbin';

export interface CardModelGroup {
  group: string;
  /** The reference level of the group factor (rate ratio 1 by definition, no p). */
  reference: boolean;
  suppressed: boolean;
  /**
   * Why it is suppressed (publish mode; null when shown): `small-cell`, or `complementary` — a group that is not small,
   * hidden in the group tables beside a table's one small cell (src/report/publish.ts). Only a `small-cell` one has
   * `smallCell: true`.
   */
  suppression: CardSuppression | null;
  /**
   * Below the minimum cell in the backend's group tables: "not enough data" (no rate ratio, no p),
   * as in the group table. The group stays in the fit; only its own estimate is withheld.
   */
  smallCell: boolean;
  utterances: number | null;
  /** Error-rate ratio vs the reference group, covariate-adjusted, 95% CI from the clustered SE. */
  rateRatio: Interval | null;
  p: number | null;
  /** Rate ratio of the same model without covariates (group only): what adjusting changes. */
  unadjusted: Interval | null;
}

export interface CardCovariate {
  /** Coefficient name as fitted: 'duration' (per second, centred), 'snr' (per dB, centred) or 'condition=NAME'. */
  name: string;
  rateRatio: Interval;
  p: number;
}

export interface CardModel {
  backend: string;
  backendName: string;
  /** Label key whose groups the model compares (the card's first grouping key; card-model.csv `group_by`). */
  groupBy: string;
  family: CardModelFamily;
  seType: 'CR0' | 'CR1';
  referenceGroup: string;
  /**
   * 'given': the run's declared reference group (suite `referenceGroup` or --reference-group); else the largest declared
   * group; on a published card, the largest declared group the card shows (`largest-shown`: a suppressed group is never
   * the automatic reference).
   */
  referenceSource: 'given' | 'largest-declared' | 'largest-shown';
  /**
   * Publish mode: the reference group is suppressed on the card, so no rate ratio (each one is against its rate) is
   * published and the reference row is suppressed too.
   */
  referenceSuppressed?: boolean;
  groups: CardModelGroup[];
  covariates: CardCovariate[];
  covariatesUsed: string[];
  /** Pearson χ²/df of the Poisson fit (the overdispersion check) and of the fitted model. */
  poissonDispersion: number;
  pearsonDispersion: number;
  /** NB2 dispersion α (negbin only). */
  nbAlpha: number | null;
  n: number;
  clusters: number;
  warnings: string[];
  /** R² of each numeric covariate on the grouping, with its VIF. */
  collinearity: GroupCovariateCollinearity[];
  /**
   * Shown on the rate-ratio table itself: covariates the grouping explains almost entirely
   * (R² ≥ 0.8, VIF ≥ 5), whose adjustment absorbs the group effect.
   */
  collinearityWarnings: string[];
  /** Set when the model could not be fitted (the rest is then empty). */
  error: string | null;
}

export interface CardDegradationRow {
  group: string;
  suppressed: boolean;
  /**
   * Why it is suppressed (publish mode; null when shown): `small-cell`, or `complementary` — a group that is not small,
   * hidden beside the table's one small cell so that it cannot be recovered from the All groups row (src/report/publish.ts,
   * the group tables' rule).
   */
  suppression: CardSuppression | null;
  smallCell: boolean;
  speakers: number | null;
  utterances: number | null;
  /** Reference words of the group's paired utterances under the clean condition; null when suppressed. */
  refWords: number | null;
  werClean: number | null;
  werCondition: number | null;
  /** WER(condition) − WER(clean), paired speaker-bootstrap CI. */
  degradation: Interval | null;
  /** Degradation(group) − degradation(rest), stratified paired bootstrap CI. */
  excessOverRest: Interval | null;
  /** One-sided permutation p (group degrades more than the rest), raw and corrected. */
  p: number | null;
  pAdjusted: number | null;
  /** Adjusted p < alpha and excess > 0. */
  degradesMore: boolean;
}

export interface CardDegradation {
  id: string;
  backend: string;
  backendName: string;
  condition: string;
  conditionName: string;
  cleanCondition: string;
  groupBy: string;
  /**
   * Degradation of all groups pooled; null in publish mode when the table's one group is suppressed (the total would
   * give it back: complementary suppression with no other row to hide).
   */
  overall: Interval | null;
  rows: CardDegradationRow[];
  /**
   * Groups with utterances of this backend under the clean condition or this one but no utterance scored under both
   * (every pair has a failed side), with their utterance count: they have no row. Named, not dropped silently.
   */
  noScored: { group: string; utterances: number }[];
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'x';
}

function backendName(meta: RunMeta, key: string): string {
  return meta.backends.find((b) => b.key === key)?.name ?? key;
}

function conditionName(meta: RunMeta, key: string): string {
  return meta.conditions.find((c) => c.key === key)?.name ?? key;
}

/** Model inputs shared with the group analysis. */
export interface ModelSectionOptions {
  groupBy: string;
  family: CardModelFamily;
  referenceGroup?: string;
  /** Groups suppressed per backend (publish mode), and why: their rate ratios are not published. Null: shown. */
  suppressed: (backend: string, group: string) => CardSuppression | null;
  /** Groups below the minimum cell per backend: their rate ratios are "not enough data". */
  smallCell?: (backend: string, group: string) => boolean;
  /** Speakers and reference words of a group (for the warning on a small reference group). */
  cellSize?: (backend: string, group: string) => { speakers: number; words: number } | undefined;
  /** The card's minimum cell, named in that warning. */
  minCell?: { speakers: number; words: number };
  /** Publish mode: the automatic reference is the largest declared group the card shows (`suppressed` null). */
  publish?: boolean;
}

/** The warning of a model whose reference group is suppressed on a published card (every rate ratio withheld). */
export function referenceSuppressedWarning(reference: string): string {
  return `Rate ratios withheld: the reference group "${reference}" is suppressed on this published card, and every rate ratio is measured against its rate (with a shown group's WER, one would give its error rate back). Choose a reference group that is shown (--reference-group).`;
}

/**
 * The automatic reference of a published card's model: the declared group (isCandidateGroup) with the most scored
 * utterances with reference words among those the card shows (ties: by name), or undefined when it shows none.
 */
function largestShownGroup(mine: readonly ScoredUtterance[], o: ModelSectionOptions, backend: string): string | undefined {
  const n = new Map<string, number>();
  for (const u of mine) {
    if (u.status !== 'ok' || u.words.ref <= 0) continue;
    const g = groupOf(u, o.groupBy);
    if (isCandidateGroup(g) && o.suppressed(backend, g) === null) n.set(g, (n.get(g) ?? 0) + 1);
  }
  return [...n].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
}

/** Opening of the model warning on a reference group below the minimum cell (the CLI repeats it on the terminal). */
export const SMALL_REFERENCE_WARNING = 'Small reference group:';

/**
 * The warning when the model's reference group is below the card's minimum cell (undefined
 * otherwise): every rate ratio is a ratio to that group's rate, so its few speakers set the width
 * and stability of all of them. Names the group, its speakers and reference words, and the minimum.
 */
export function smallReferenceWarning(m: Pick<GroupModel, 'backend' | 'referenceGroup' | 'referenceSource'>, o: ModelSectionOptions): string | undefined {
  if (!o.smallCell?.(m.backend, m.referenceGroup)) return undefined;
  const size = o.cellSize?.(m.backend, m.referenceGroup);
  const has = size ? ` has ${size.speakers} speaker${size.speakers === 1 ? '' : 's'} and ${size.words} reference words,` : ' is';
  const min = o.minCell ? ` (${o.minCell.speakers} speakers and ${o.minCell.words} reference words)` : '';
  const why = m.referenceSource === 'given' ? "the run's declared reference group" : 'the largest declared group';
  return (
    `${SMALL_REFERENCE_WARNING} "${m.referenceGroup}" (${why})${has} below the card's minimum cell${min}. ` +
    'Every rate ratio is measured against its rate, so their intervals are wide and unstable; declare a larger reference group (suite referenceGroup or --reference-group).'
  );
}

function fromGroupModel(m: GroupModel, meta: RunMeta, o: ModelSectionOptions, plain?: Pick<GroupModel, 'groups' | 'referenceGroup'>): CardModel {
  const unadjusted = (g: string) => plain?.groups.find((x) => x.group === g)?.rateRatio ?? null;
  const groupCols = new Set(m.groups.map((g) => `${m.groupBy}=${g.group}`));
  // Published: a suppressed reference withholds every ratio (and its own row); its size is not named either.
  const refHidden = o.suppressed(m.backend, m.referenceGroup);
  const small = refHidden ? referenceSuppressedWarning(m.referenceGroup) : smallReferenceWarning(m, o);
  const warnings = [
    ...(small ? [small] : []),
    ...m.warnings.map((w) => (m.family === 'poisson' && w.startsWith('overdispersion') ? `${w} (re-run with --model negbin)` : w)),
  ];
  return {
    backend: m.backend,
    backendName: backendName(meta, m.backend),
    groupBy: m.groupBy,
    family: m.family,
    seType: m.seType,
    referenceGroup: m.referenceGroup,
    referenceSource: m.referenceSource,
    ...(refHidden ? { referenceSuppressed: true } : {}),
    // Highest rate ratio first, reference, then small cells: the order of the group tables (worst first).
    groups: m.groups
      .map((g): CardModelGroup => {
        const reference = g.group === m.referenceGroup;
        const suppression = o.suppressed(m.backend, g.group);
        const smallCell = (!reference || suppression !== null) && (o.smallCell?.(m.backend, g.group) ?? suppression === 'small-cell');
        if (suppression) {
          return { group: g.group, reference, suppressed: true, suppression, smallCell, utterances: null, rateRatio: null, p: null, unadjusted: null };
        }
        if (refHidden) {
          return { group: g.group, reference, suppressed: false, suppression: null, smallCell, utterances: g.utterances, rateRatio: null, p: null, unadjusted: null };
        }
        if (smallCell) {
          return { group: g.group, reference, suppressed: false, suppression: null, smallCell: true, utterances: g.utterances, rateRatio: null, p: null, unadjusted: null };
        }
        return {
          group: g.group, reference, suppressed: false, suppression: null, smallCell: false, utterances: g.utterances, rateRatio: g.rateRatio,
          p: reference ? null : g.p, unadjusted: reference ? null : unadjusted(g.group),
        };
      })
      .sort(
        (a, b) =>
          Number(a.suppressed) - Number(b.suppressed) || Number(a.smallCell) - Number(b.smallCell) || Number(a.reference) - Number(b.reference) ||
          (b.rateRatio?.estimate ?? 0) - (a.rateRatio?.estimate ?? 0) || a.group.localeCompare(b.group),
      ),
    covariates: m.coefficients
      .filter((c) => c.name !== '(intercept)' && !groupCols.has(c.name))
      .map((c) => ({ name: c.name, rateRatio: c.rateRatio, p: c.p })),
    covariatesUsed: m.covariatesUsed,
    poissonDispersion: m.poissonDispersion,
    pearsonDispersion: m.pearsonDispersion,
    nbAlpha: m.alpha ?? null,
    n: m.n,
    clusters: m.clusters,
    warnings,
    collinearity: m.collinearity,
    // Only the ratios the card shows may be named (the largest effect of a suppressed group is its ratio).
    collinearityWarnings: refHidden ? [] : collinearityWarnings(shownOnly(m, o), o.groupBy, plain && shownOnly(plain, o, m.backend)),
    error: null,
  };
}

/** `m` with the groups the card suppresses (and small cells, whose ratio is not shown) left out. */
function shownOnly<M extends Pick<GroupModel, 'groups' | 'referenceGroup'>>(m: M, o: ModelSectionOptions, backend = (m as Partial<GroupModel>).backend ?? ''): M {
  return { ...m, groups: m.groups.filter((g) => o.suppressed(backend, g.group) === null && !(o.smallCell?.(backend, g.group) ?? false)) };
}

const COVARIATE_WORDS: Record<string, string> = { snr: 'Estimated SNR', duration: 'Duration' };

/** Largest |log rate ratio| over the non-reference groups of a model. */
function largestEffect(m: Pick<GroupModel, 'groups' | 'referenceGroup'>): number {
  return Math.max(0, ...m.groups.filter((g) => g.group !== m.referenceGroup && Number.isFinite(g.rateRatio.estimate)).map((g) => Math.abs(Math.log(g.rateRatio.estimate))));
}

/**
 * Warnings printed on the rate-ratio table: one per covariate the grouping explains a large share of
 * (R² ≥ HIGH_COLLINEARITY_R2, VIF ≥ 5; or R² ≥ MODERATE_COLLINEARITY_R2, VIF ≥ 2, when adjusting
 * also removes more than half of the largest group effect on the log scale, so the adjusted and
 * descriptive views disagree).
 */
export function collinearityWarnings(m: Pick<GroupModel, 'collinearity' | 'groups' | 'referenceGroup'>, groupBy: string, plain?: Pick<GroupModel, 'groups' | 'referenceGroup'>): string[] {
  const before = plain ? largestEffect(plain) : 0;
  const after = largestEffect(m);
  const attenuated = plain !== undefined && before > 0 && after < before / 2;
  const change = attenuated ? ` Adjusting shrinks the largest group rate ratio (distance from 1, either direction) from ${Math.exp(before).toFixed(2)}× without covariates to ${Math.exp(after).toFixed(2)}×.` : '';
  return m.collinearity
    .filter((x) => x.r2 >= HIGH_COLLINEARITY_R2 || (x.r2 >= MODERATE_COLLINEARITY_R2 && attenuated))
    .map(
      (x) =>
        `${COVARIATE_WORDS[x.covariate] ?? x.covariate} is collinear with ${groupBy}: ${groupBy} explains ${(x.r2 * 100).toFixed(0)}% of its variance (R² ${x.r2.toFixed(2)}, VIF ${Number.isFinite(x.vif) ? x.vif.toFixed(1) : '∞'}), so the model cannot tell the group's effect from the ${x.covariate === 'snr' ? 'SNR' : x.covariate}'s. ` +
        (attenuated
          ? `Adjusting for it removes most of the group difference: these rate ratios understate the gap and do not contradict the descriptive table above.${change}`
          : 'The adjusted rate ratios and their intervals are unreliable; compare them with the rate ratios without covariates.'),
    );
}

/**
 * The model warning naming the groups of one backend's utterances that are not in the fit (none scored: every
 * utterance failed), with their failed counts; undefined when every group is in it. A group with no data has no rate
 * ratio, and must not vanish from the section unsaid.
 */
function modelNoScoredWarning(mine: readonly ScoredUtterance[], groupBy: string, fitted: ReadonlySet<string>): string | undefined {
  const failed = new Map<string, number>();
  const scored = new Set<string>();
  for (const u of mine) {
    const g = groupOf(u, groupBy);
    if (fitted.has(g)) continue;
    if (u.status === 'ok') scored.add(g);
    else failed.set(g, (failed.get(g) ?? 0) + 1);
  }
  for (const g of scored) failed.delete(g);
  if (!failed.size) return undefined;
  const list = [...failed].sort(([a], [b]) => a.localeCompare(b)).map(([g, n]) => `${g} (${n} failed)`);
  return `No scored utterance, so not in the model: ${list.join(', ')}.`;
}

/**
 * One count regression per backend: errors ~ group + duration + SNR + condition (each covariate
 * only when every scored utterance carries it), log(reference words) offset, CR1 speaker-clustered SEs.
 * A backend whose model cannot be fitted gets an entry with `error` set instead of failing the card.
 */
export function buildModelSection(utts: readonly ScoredUtterance[], meta: RunMeta, o: ModelSectionOptions): CardModel[] {
  const backends = [...new Set(utts.map((u) => u.backend))].sort();
  return backends.map((backend) => {
    const mine = utts.filter((u) => u.backend === backend);
    try {
      const shown = o.referenceGroup === undefined && o.publish ? largestShownGroup(mine, o, backend) : undefined;
      const reference = o.referenceGroup ?? shown;
      const [m] = groupRateRatios(mine, {
        groupBy: o.groupBy,
        covariates: ['duration', 'snr', 'condition'],
        family: o.family,
        se: 'CR1',
        ...(reference !== undefined ? { referenceGroup: reference } : {}),
      });
      // The same model without covariates shows what adjusting for them does to the group effects.
      let plain: Pick<GroupModel, 'groups' | 'referenceGroup'> | undefined;
      if (m.covariatesUsed.length && o.family === 'poisson') {
        // Closed form of the group-only Poisson fit (same estimates and CR1 intervals, no iterations).
        const rr = groupOnlyPoissonRateRatios(mine, o.groupBy, m.referenceGroup);
        plain = { referenceGroup: m.referenceGroup, groups: m.groups.map((g) => ({ ...g, rateRatio: rr.get(g.group) ?? { estimate: NaN, lo: NaN, hi: NaN } })) };
      } else if (m.covariatesUsed.length) {
        try {
          [plain] = groupRateRatios(mine, { groupBy: o.groupBy, covariates: [], family: o.family, se: 'CR1', referenceGroup: m.referenceGroup });
        } catch {
          plain = undefined;
        }
      }
      const card = { ...fromGroupModel(m, meta, o, plain), ...(shown !== undefined ? { referenceSource: 'largest-shown' as const } : {}) };
      const none = modelNoScoredWarning(mine, o.groupBy, new Set(m.groups.map((g) => g.group)));
      return none ? { ...card, warnings: [...card.warnings, none] } : card;
    } catch (e) {
      return {
        backend, backendName: backendName(meta, backend), groupBy: o.groupBy, family: o.family, seType: 'CR1', referenceGroup: o.referenceGroup ?? '', referenceSource: o.referenceGroup !== undefined ? 'given' : 'largest-declared',
        groups: [], covariates: [], covariatesUsed: [], poissonDispersion: NaN, pearsonDispersion: NaN, nbAlpha: null,
        n: 0, clusters: 0, warnings: [], collinearity: [], collinearityWarnings: [], error: (e as Error).message.replace(/^groupRateRatios: /, ''),
      };
    }
  });
}

export interface DegradationSectionOptions {
  groupBy: string;
  cleanCondition: string;
  resamples: number;
  seed: number;
  minCell: MinCell;
  correction: Exclude<PAdjustMethod, 'none'>;
  alpha: number;
  publish: boolean;
  /**
   * Publish mode: the groups the card's group tables suppress, with why (model.ts `cardHiddenGroups`: one set for the
   * whole card). Each is suppressed here too, whatever its size under the pairs: a group hidden only as a complement in
   * the group tables would otherwise show its clean WER and counts here, and All groups minus the shown rows minus it
   * would give the small cell back.
   */
  hidden?: ReadonlyMap<string, CardSuppression>;
}

/** Whether the run has a clean reference condition and at least one other (the degradation section's precondition). */
export function hasDegradationConditions(utts: readonly ScoredUtterance[], cleanCondition: string): boolean {
  const conds = new Set(utts.map((u) => u.condition));
  return conds.size > 1 && conds.has(cleanCondition);
}

/** A degradation row with every value withheld (publish mode), labelled with why. */
function suppressedDegradationRow(r: Pick<CardDegradationRow, 'group' | 'smallCell'>, suppression: CardSuppression): CardDegradationRow {
  return {
    group: r.group, suppressed: true, suppression, smallCell: r.smallCell, speakers: null, utterances: null, refWords: null, werClean: null, werCondition: null,
    degradation: null, excessOverRest: null, p: null, pAdjusted: null, degradesMore: false,
  };
}

function toDegradation(t: DegradationTable, meta: RunMeta, o: DegradationSectionOptions): Omit<CardDegradation, 'noScored'> {
  const cardHidden = (g: string) => (o.publish ? o.hidden?.get(g) : undefined);
  let rows = t.rows.map((r): CardDegradationRow => {
    if (o.publish && r.smallCell) return suppressedDegradationRow(r, 'small-cell');
    const hidden = cardHidden(r.group);
    if (hidden) return suppressedDegradationRow(r, hidden);
    return {
      group: r.group,
      suppressed: false,
      suppression: null,
      smallCell: r.smallCell,
      speakers: r.speakers,
      utterances: r.utterances,
      refWords: r.refWords,
      werClean: r.werClean,
      werCondition: r.werCondition,
      degradation: r.degradation,
      excessOverRest: r.excessOverRest,
      p: r.p,
      pAdjusted: r.pAdjusted,
      degradesMore: !r.smallCell && r.decided && r.pAdjusted < o.alpha && r.excessOverRest.estimate > 0,
    };
  });
  // Publish mode: the group tables' rule (src/report/publish.ts protectMargins) on this table's own sizes (the pairs),
  // starting from its small cells and the card's hidden groups: no single hidden row, and no hidden rows adding up to a
  // small cell, can be recovered from the All groups degradation and the rows left; with no row left to hide, the
  // total is withheld.
  let withheldTotal = false;
  if (o.publish) {
    const cells = t.rows.map((r, i): MarginCell => ({ table: 0, group: r.group, speakers: r.speakers, words: r.refWords, hidden: rows[i].suppressed }));
    const total: MarginCell = { table: 0, group: '', speakers: cells.reduce((a, c) => a + c.speakers, 0), words: cells.reduce((a, c) => a + c.words, 0), hidden: false };
    const added = protectMargins([{ total, parts: cells }], o.minCell);
    withheldTotal = added.includes(total);
    const more = new Set(added.filter((c) => c !== total).map((c) => c.group));
    rows = rows.map((r) => (more.has(r.group) ? suppressedDegradationRow(r, 'complementary') : r));
  }
  rows.sort(
    (a, b) =>
      Number(a.suppressed) - Number(b.suppressed) || (b.excessOverRest?.estimate ?? -Infinity) - (a.excessOverRest?.estimate ?? -Infinity) ||
      a.group.localeCompare(b.group),
  );
  return {
    id: slug(`degradation-${t.groupBy}-${backendName(meta, t.backend)}-${t.backend}-${t.condition}`),
    backend: t.backend,
    backendName: backendName(meta, t.backend),
    condition: t.condition,
    conditionName: conditionName(meta, t.condition),
    cleanCondition: t.cleanCondition,
    groupBy: t.groupBy,
    overall: withheldTotal ? null : t.overall,
    rows,
  };
}

/** Per backend × condition ≠ clean, per group: WER rise over clean and its excess over the rest (empty without clean + another condition). */
export function buildDegradationSection(utts: readonly ScoredUtterance[], meta: RunMeta, o: DegradationSectionOptions): CardDegradation[] {
  if (!hasDegradationConditions(utts, o.cleanCondition)) return [];
  const tables = analyseDegradation(utts, {
    groupBy: o.groupBy,
    cleanCondition: o.cleanCondition,
    resamples: o.resamples,
    permutations: o.resamples,
    seed: o.seed,
    minCell: o.minCell,
    adjust: o.correction,
    alpha: o.alpha,
  });
  return tables.map((t) => {
    const card = toDegradation(t, meta, o);
    const shown = new Set(t.rows.map((r) => r.group));
    const ids = new Map<string, Set<string>>();
    for (const u of utts) {
      if (u.backend !== t.backend || (u.condition !== t.condition && u.condition !== o.cleanCondition)) continue;
      const g = groupOf(u, o.groupBy);
      if (shown.has(g)) continue;
      if (!ids.has(g)) ids.set(g, new Set());
      ids.get(g)!.add(u.id);
    }
    const noScored = [...ids].map(([group, s]) => ({ group, utterances: s.size })).sort((a, b) => a.group.localeCompare(b.group));
    return { ...card, noScored };
  });
}

/** Whether publish mode applied complementary suppression to the table (a second row hidden, or its total withheld). */
export function degradationComplementary(d: Pick<CardDegradation, 'rows' | 'overall'>): boolean {
  return d.overall === null || d.rows.some((r) => r.suppression === 'complementary');
}

/** The sentence under a degradation table naming its groups with no scored pair (none: undefined). */
export function degradationNoScoredText(d: Pick<CardDegradation, 'noScored' | 'conditionName' | 'cleanCondition'>): string | undefined {
  if (!d.noScored?.length) return undefined;
  return `No scored pair (every utterance failed under ${d.conditionName} or ${d.cleanCondition}), so no row above: ${d.noScored.map((g) => `${g.group} (${g.utterances} utterance${g.utterances === 1 ? '' : 's'})`).join(', ')}.`;
}
