/**
 * The service-card model: what every renderer (Markdown, CSV, JSON, HTML) prints. Statistics come
 * from src/analysis/groups.ts; this module only chooses, labels, flags and (in publish mode) suppresses.
 */
import { perNote } from './per-note.ts';
import { hiddenGroupTest, withoutHiddenGroups } from './published-meta.ts';
import { COMPLEMENTARY_NOTE, NOT_LISTED_NOTE, withoutSuppressedSliceRows, protectMargins, suppressionText, suppressRow, withComplementarySuppression, type CardSuppression, type Margin, type MarginCell } from './publish.ts';
import { withheldNotes, withoutHiddenComparisons, type WithheldComparisons } from './published-comparisons.ts';
import { buildDataQuality, dataQualityShown, type CardDataQuality } from './data-quality.ts';
import { MAX_EXACT_SPLITS } from '../stats/permutation.ts';
import { analyseGroups, DEFAULT_MIN_CELL, intervalMinSpeakers, MIN_BOOTSTRAP_SPEAKERS, type GroupRow, type GroupTable, type MinCell, type WerMetric, type WithinBetween } from '../analysis/groups.ts';
import { analyseSlices, sliceOf } from '../analysis/slices.ts';
import type { ScoredUtterance } from '../analysis/types.ts';
import { groupOf, INTERVIEWER, UNDECLARED } from '../manifest/schema.ts';
import { isRoleGroup } from '../analysis/cells.ts';
import { bandwidthWarning, sourceRatesByGroup } from '../audio/source-rates.ts';
import { importRecordNotes, importRecordWarnings } from '../manifest/import-record.ts';
import { GroupSpellings, splitGroupWarning, type SplitGroup } from '../manifest/group-spellings.ts';
import { SpeakerGroups, speakerCrossingWarning } from '../manifest/speaker-groups.ts';
import { UndeclaredSpellings, undeclaredSpellingWarning, type UndeclaredSpelling } from '../manifest/undeclared-spelling.ts';
import { getNormaliser, type Normaliser } from '../text/normalise.ts';
import type { Interval, PAdjustMethod } from '../stats/types.ts';
import type { RunMeta } from '../score/run-export.ts';
import { defaultCaseFoldText, foldCountsText } from './case-fold.ts';
import { buildDegradationSection, buildModelSection, degradationComplementary, type CardDegradation, type CardModel, type CardModelFamily } from './sections.ts';
import { buildRemedySection, type CardRemedy } from './remedy-section.ts';
import type { RemedySettings } from '../run/suite.ts';
import { backendSubsetLines, isPartial, subsetLines } from '../run/subset.ts';
import { groupingText, type KeyGrouping } from '../run/labels.ts';
export type { CardRemedy, CardRemedyGroup } from './remedy-section.ts';
export type { CardDegradation, CardDegradationRow, CardModel, CardModelGroup, CardCovariate, CardModelFamily } from './sections.ts';

export type CardModelChoice = CardModelFamily | 'none';

export interface CardOptions {
  /** Label key of the main group table: the first of `groupKeys`, and the key of the model, degradation, data quality and remedy sections. */
  groupBy: string;
  /**
   * Every label key the card has group tables for (suite `groupBy: [accent, gender]`), one set of tables (backend ×
   * condition) each, with its own correction family; default `[groupBy]`. A list whose first key is not `groupBy` has
   * `groupBy` put first.
   */
  groupKeys?: readonly string[];
  /**
   * Intersectional slices: a list of slices, each a list of label keys (e.g. [['accent', 'gender'],
   * ['accent', 'tts_engine']]), one table per slice × backend × condition. A flat list of keys is one slice.
   */
  slices?: readonly string[] | readonly (readonly string[])[];
  bootstrap?: number;
  seed?: number;
  minCell?: MinCell;
  correction?: Exclude<PAdjustMethod, 'none'>;
  /** Significance level of the "significant gap" flag (default 0.05). */
  alpha?: number;
  /** Publish mode: small cells are suppressed (values removed), not just marked. */
  publish?: boolean;
  /** Time stamp printed on the card (default: none, so the same run gives the same card byte for byte). */
  generatedAt?: string;
  /**
   * Settings that differ from the run's recorded analysis settings, one line each (e.g.
   * "--bootstrap 2000 (run: 1000)"); printed at the top of the card so an overridden card cannot pass
   * for the run's own. See src/report/card-settings.ts.
   */
  overrides?: string[];
  /** Where the settings come from: the run's run.json, or defaults (an export that records none). */
  settingsSource?: 'run' | 'defaults';
  /** Version of asrfair making the report. */
  toolVersion?: string;
  /** Group the gap-to-reference column and the model's rate ratios are measured against. */
  referenceGroup?: string;
  /** Model-based view: count regression family, or 'none' to leave it out (default 'poisson'). */
  model?: CardModelChoice;
  /** Condition the degradation section compares the others with (default 'clean'). */
  cleanCondition?: string;
  /** The WER the tables lead with (WER column, gaps, ratios, tests); the other two are shown beside it (default 'pooled'). */
  headline?: WerMetric;
  /** Remedy section: adapted backend vs baseline (run.json `analysis.remedy`); absent = no section. */
  remedy?: RemedySettings;
}

/**
 * Row flags, decided by one rule (`verdictFlag`) that the tables, the terminal's verdicts and top findings and
 * the gate all read. `significant-gap`: the group meets the minimum cell, adjusted p < α, settled despite
 * Monte Carlo error, and the group is worse than the rest; `better-than-rest`: the same, better than the rest;
 * `undecided`: a sampled p whose adjusted Monte Carlo interval still contains α at the draw cap (no verdict).
 * A small cell is never tested: it has no verdict flag.
 */
export type CardFlag = 'small-cell' | 'no-scored-utterances' | 'significant-gap' | 'better-than-rest' | 'undecided' | 'best';

/**
 * A row's "no scored utterance" label: every utterance of the group failed (or none was scored). Such a group is not
 * a small cell ("not enough data"): it has no data at all, and `check` fails it (src/report/check.ts).
 */
export function noScoredText(r: Pick<CardRow, 'failed'>): string {
  return `no scored utterance${r.failed ? ` (${r.failed} failed)` : ''}`;
}

/**
 * A suppressed row's label (publish mode): a small cell, or a larger group hidden by complementary suppression
 * (src/report/publish.ts; its flags are empty), which must not be passed off as a small cell.
 */
export function suppressedText(r: Pick<CardRow, 'flags'>): string {
  return suppressionText(suppressionOf(r));
}

/** Why a suppressed row is suppressed: its own small cell, or complementary suppression (its flags are then empty). */
export function suppressionOf(r: Pick<CardRow, 'flags'> & { suppression?: CardSuppression | null }): CardSuppression {
  return r.suppression ?? (r.flags.includes('small-cell') ? 'small-cell' : 'complementary');
}

/** One group of one table. In publish mode a small cell has `suppressed: true` and every value null. */
export interface CardRow {
  group: string;
  suppressed: boolean;
  /** Why it is suppressed (publish mode; null when shown): its own small cell, or `complementary` (src/report/publish.ts). */
  suppression: CardSuppression | null;
  flags: CardFlag[];
  speakers: number | null;
  utterances: number | null;
  failed: number | null;
  /**
   * Scored (ok) utterances whose hypothesis is empty after normalisation: every reference word a deletion (WER 100 %).
   * Counted because the same crash of a recogniser is a failure (left out of the rates) or an empty hypothesis
   * (scored) depending on how it ends (README "The `command` backend"). Null when suppressed.
   */
  emptyHyp: number | null;
  hours: number | null;
  refWords: number | null;
  /** The headline WER (card settings.headline) with its CI. */
  wer: Interval | null;
  /** Pooled, mean per-utterance and mean per-speaker WER, each with its speaker-cluster bootstrap CI. */
  werMetrics: Record<WerMetric, Interval> | null;
  meanSpeakerWer: number | null;
  cer: number | null;
  per: number | null;
  /** WER(group) − WER(best group): descriptive, not what p tests. */
  gapToBest: Interval | null;
  ratioToBest: Interval | null;
  /** WER(group) − WER(rest) with its bootstrap CI: the comparison the p-value tests. */
  gapToRest: Interval | null;
  /** Raw and corrected p of the speaker-level permutation test, group vs rest (corrected: null/NaN when not tested). */
  p: number | null;
  pAdjusted: number | null;
  /**
   * How p was obtained: `exact` (every split enumerated; `permutations` = splits) or sampled, with the Monte
   * Carlo interval of the adjusted p (`lo`, `hi`: Clopper–Pearson, family-wide risk 0.001); null when suppressed.
   */
  pMethod: { exact: boolean; permutations: number; adjustedLo: number; adjustedHi: number } | null;
  /** Pooled WER(group) − WER(rest) the permutation test is about. */
  diffToRest: number | null;
  /** WER(group) − WER(reference group), when a reference group is set and present. */
  gapToReference: Interval | null;
  /** Smallest difference in mean per-speaker WER (group vs rest) detectable at α 0.05, power 0.8. */
  minDetectableGap: number | null;
}

export interface CardTable {
  /** Stable id (for anchors and file names). */
  id: string;
  kind: 'group' | 'slice';
  /** Label key (group tables) or the slice keys joined with ×. */
  groupBy: string;
  /** Label keys the rows are grouped by (one for group tables, several for slices). */
  keys: string[];
  backend: string;
  backendName: string;
  condition: string;
  conditionName: string;
  bestGroup: string;
  /** Reference group of the gap-to-reference column (absent when unset or not in this table). */
  referenceGroup: string | null;
  /**
   * Publish mode: comparisons withheld because the table's best or reference group is suppressed
   * (src/report/published-comparisons.ts); absent when nothing was withheld.
   */
  withheld?: WithheldComparisons;
  /** Publish mode, slice tables: suppressed combinations left out of `rows` (publish.ts withoutSuppressedSliceRows). */
  notListed?: number;
  overall: Omit<CardRow, 'group' | 'suppressed' | 'suppression' | 'flags' | 'gapToBest' | 'ratioToBest' | 'gapToRest' | 'p' | 'pAdjusted' | 'pMethod' | 'diffToRest' | 'gapToReference' | 'minDetectableGap'>;
  rows: CardRow[];
  /** Within- vs between-group spread of per-speaker WER; p is a permutation p, not in the correction family. */
  withinBetween: WithinBetween;
}

export interface ServiceCard {
  title: string;
  meta: RunMeta;
  settings: {
    /** The first grouping key: the card's sections (model, degradation, data quality, remedy) are by it. */
    groupBy: string;
    /** Every grouping key with group tables (first = groupBy), e.g. ["accent", "gender"]. */
    groupKeys: string[];
    slices: string[][];
    bootstrap: number;
    seed: number;
    minCell: MinCell;
    correction: Exclude<PAdjustMethod, 'none'>;
    alpha: number;
    publish: boolean;
    referenceGroup: string | null;
    model: CardModelChoice;
    cleanCondition: string;
    /**
     * How the run formed the groups of a grouping or slice key from the declared values (run.json
     * `analysis.grouping`: label map file, then bins); keys grouped as declared are absent.
     */
    grouping: Record<string, KeyGrouping>;
    headline: WerMetric;
    /** Settings overridden on the command line against the run's, one line each (empty: the run's card). */
    overrides: string[];
    source: 'run' | 'defaults';
  };
  /** Time stamp of the card, or null (the default: a card is a function of the run). */
  generatedAt: string | null;
  toolVersion: string;
  tables: CardTable[];
  /** Model-based view, one per backend (empty with model 'none'). */
  models: CardModel[];
  /** Degradation under conditions, one per backend × condition ≠ clean (empty without clean + another condition). */
  degradation: CardDegradation[];
  /** Markup removed from references and audio faults, per group of `groupBy` (null when there are none). */
  dataQuality: CardDataQuality | null;
  /** Adapted backend vs baseline per group (null when the run declares no remedy). */
  remedy: CardRemedy | null;
  /**
   * Group names under the card's grouping and slice keys that differ only in case or spacing ("US English" and
   * "us english"): separate rows of every table, never merged (src/manifest/group-spellings.ts).
   */
  splitGroups: SplitGroup[];
  /**
   * What changes what the tables count and a reader must see (the terminal warning is lost in CI logs): one
   * sentence per import record that describes an earlier version of its manifest, then one per split group name, and
   * one per grouping key whose speakers declare more than one group (counts only). Shown at the top of the Markdown, HTML and terminal cards, in card.json and as
   * `warnings` lines of card-notes.csv.
   */
  warnings: string[];
  footnotes: string[];
}

/** The run's recorded grouping (run.json `analysis.grouping`) of `keys`, the keys this card groups or slices by. */
function groupingOfCard(meta: RunMeta, keys: readonly string[]): Record<string, KeyGrouping> {
  const all = meta.analysis?.grouping ?? {};
  return Object.fromEntries([...new Set(keys)].filter((k) => all[k]).map((k) => [k, all[k]]));
}

/** Declared values spelled "undeclared" among `utts` under `keys` (each utterance id once). */
function undeclaredSpellingsOf(utts: readonly ScoredUtterance[], keys: readonly string[]): UndeclaredSpelling[] {
  const found = new UndeclaredSpellings([...new Set(keys)]);
  for (const u of utts) found.add(u.id, u.labels);
  return found.found();
}

/** Split group names of `utts` under `keys` (each utterance id once), the first utterance of each spelling named by id. */
function splitGroupsOf(utts: readonly ScoredUtterance[], keys: readonly string[]): SplitGroup[] {
  const spellings = new GroupSpellings([...new Set(keys)]);
  for (const u of utts) spellings.add(u.id, u.labels);
  return spellings.splits();
}

/** The card's warning per grouping key whose speakers declare more than one group (counts only: no speaker, no group). */
function speakerCrossingCardWarnings(utts: readonly ScoredUtterance[], keys: readonly string[]): string[] {
  const sg = new SpeakerGroups([...new Set(keys)]);
  for (const u of utts) sg.add(u.id, u.speaker, u.labels);
  return sg.crossings().map((c) => `Speakers in several groups: ${speakerCrossingWarning(c, null)}.`);
}

/**
 * The card's top warning on backends that read no audio in a run with conditions (run.json `cleanOnly`): they ran on
 * the clean audio only, so no condition or degradation of theirs is measured. Empty when there are none.
 */
function cleanOnlyWarnings(meta: RunMeta): string[] {
  const names = meta.cleanOnly ?? [];
  if (!names.length) return [];
  const conds = meta.conditions.filter((c) => c.key !== 'clean').map((c) => c.name);
  const others = meta.backends.map((b) => b.name).filter((n) => !names.includes(n));
  const one = names.length === 1;
  return [
    `Backend${one ? '' : 's'} ${names.map((n) => `"${n}"`).join(', ')} read${one ? 's' : ''} no audio (answers given by utterance id): run on the clean audio only, not under ${conds.join(', ') || 'the conditions'}, since a condition cannot change ${one ? 'its' : 'their'} answers; conditions and degradation concern ${others.map((n) => `"${n}"`).join(', ') || 'no backend'} only.`,
  ];
}

/**
 * The card's top warnings on failed utterances: one line per group table (backend × condition) with a group that lost
 * utterances, naming each such group with its failed count and share of its utterances (failed / (scored + failed)),
 * and "no scored utterance" when it lost them all. Rates exclude failed utterances, so a reader must see this first.
 */
export function failedWarnings(tables: readonly CardTable[]): string[] {
  return groupTableWarnings(
    tables,
    (r) => (r.failed ?? 0) > 0,
    (r) => {
      const f = r.failed ?? 0;
      const all = f + (r.utterances ?? 0);
      return `group "${r.group}" ${f} of ${all} utterances (${pct(f / all)})${r.utterances === 0 ? ': no scored utterance, nothing of this group is measured' : ''}`;
    },
    (t, parts) => `Failed utterances (${t.backendName} · condition ${t.conditionName}, by ${t.groupBy}): ${parts}. Failed utterances are excluded from every rate: a group's rates cover its scored utterances only.`,
  );
}

/**
 * The card's top warnings on empty hypotheses: one line per group table with a group that has scored utterances whose
 * hypothesis is empty (after normalisation), naming each such group with its count and share of its scored utterances.
 * An empty answer is scored as all deletions while a failed call is left out of the rates, so a group whose answers are
 * mostly empty must be visible (README "The `command` backend": which outputs are empty and which are failures).
 */
export function emptyHypWarnings(tables: readonly CardTable[]): string[] {
  return groupTableWarnings(
    tables,
    (r) => (r.emptyHyp ?? 0) > 0,
    (r) => `group "${r.group}" ${r.emptyHyp} of ${r.utterances} scored utterances (${pct((r.emptyHyp ?? 0) / (r.utterances || 1))})`,
    (t, parts) => `Empty hypotheses (${t.backendName} · condition ${t.conditionName}, by ${t.groupBy}): ${parts}. An empty hypothesis is scored: every reference word of it counts as a deletion (a failed call is left out instead).`,
  );
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/**
 * One warning per group table (backend × condition) with a shown row that `has` something to warn about: `line` of the
 * table and its rows' `part`s (sorted by group, joined by "; "). The shared shape of failedWarnings and emptyHypWarnings.
 */
function groupTableWarnings(tables: readonly CardTable[], has: (r: CardRow) => boolean, part: (r: CardRow) => string, line: (t: CardTable, parts: string) => string): string[] {
  return tables
    .filter((t) => t.kind === 'group')
    .flatMap((t) => {
      const rows = t.rows.filter((r) => !r.suppressed && has(r)).sort((a, b) => a.group.localeCompare(b.group));
      return rows.length ? [line(t, rows.map(part).join('; '))] : [];
    });
}

/** The card's sentence for each import record that describes an earlier version of its manifest (run.json `manifestChanged`) or has no hash to check it by. */
function importWarnings(meta: RunMeta): string[] {
  return importRecordWarnings(meta.corpus.imports).map((w) => `${w[0].toUpperCase()}${w.slice(1)}.`);
}

/** The card's sentence for a split group name (splitGroupWarning's text, said as a fact of the card). */
export function splitGroupCardWarning(s: SplitGroup, counts = true): string {
  return `Group names split by case or spacing: ${splitGroupWarning(s, counts)}${counts ? '' : ' (utterance counts not published: a spelling is suppressed on this published card)'}.`;
}

/** A flat key list is one slice; a list of lists is several. Empty and duplicate slices are dropped. */
export function normaliseSlices(slices: CardOptions['slices']): string[][] {
  if (!slices || slices.length === 0) return [];
  const list = (typeof slices[0] === 'string' ? [slices as readonly string[]] : (slices as readonly (readonly string[])[])).map((s) => [...s]);
  const seen = new Set<string>();
  return list.filter((s) => s.length > 0 && !seen.has(s.join('\u0000')) && seen.add(s.join('\u0000')));
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'x';
}

/** The verdict flag of a group-vs-rest test (see CardFlag), or undefined for "no significant gap" / not tested. */
export function verdictFlag(r: Pick<GroupRow, 'smallCell' | 'permutation'>, alpha: number): CardFlag | undefined {
  const t = r.permutation;
  if (r.smallCell || !t.tested || !Number.isFinite(t.pAdjusted)) return undefined;
  if (!t.decided) return 'undecided';
  if (t.pAdjusted >= alpha) return undefined;
  return t.diff > 0 ? 'significant-gap' : t.diff < 0 ? 'better-than-rest' : undefined;
}

function toRow(r: GroupRow, best: string, alpha: number, publish: boolean, emptyHyp: number): CardRow {
  const flags: CardFlag[] = [];
  // No scored utterance is not a small cell: the group has no data at all (every utterance failed).
  if (r.utterances === 0) flags.push('no-scored-utterances');
  else if (r.smallCell) flags.push('small-cell');
  if (r.group === best) flags.push('best');
  const verdict = verdictFlag(r, alpha);
  if (verdict) flags.push(verdict);
  // Publish mode hides small cells; a group with nothing scored has no value to hide and is shown as what it is.
  if (publish && r.smallCell && r.utterances !== 0) {
    return {
      group: r.group, suppressed: true, suppression: 'small-cell', flags: ['small-cell'],
      speakers: null, utterances: null, failed: null, emptyHyp: null, hours: null, refWords: null, wer: null, werMetrics: null, meanSpeakerWer: null,
      cer: null, per: null, gapToBest: null, ratioToBest: null, gapToRest: null, p: null, pAdjusted: null, pMethod: null, diffToRest: null,
      gapToReference: null, minDetectableGap: null,
    };
  }
  return {
    group: r.group,
    suppressed: false,
    suppression: null,
    flags,
    speakers: r.speakers,
    utterances: r.utterances,
    failed: r.failed,
    emptyHyp,
    hours: Number.isFinite(r.hours) ? r.hours : null,
    refWords: r.refWords,
    wer: r.wer,
    werMetrics: r.werMetrics,
    meanSpeakerWer: r.meanSpeakerWer,
    cer: r.cer,
    per: r.per ?? null,
    gapToBest: r.gapToBest,
    ratioToBest: r.ratioToBest,
    gapToRest: r.gapToRest,
    p: r.permutation.p,
    pAdjusted: r.permutation.pAdjusted,
    pMethod: { exact: r.permutation.exact, permutations: r.permutation.permutations, adjustedLo: r.permutation.adjustedLo, adjustedHi: r.permutation.adjustedHi },
    diffToRest: r.permutation.diff,
    gapToReference: r.gapToReference ?? null,
    minDetectableGap: Number.isFinite(r.minDetectableGap) ? r.minDetectableGap : null,
  };
}

/** Scored utterances with an empty (normalised) hypothesis of one table's backend × condition, by row label. */
function emptyHypCounts(utts: readonly ScoredUtterance[], t: Pick<CardTable, 'kind' | 'keys' | 'backend' | 'condition'>): Map<string, number> {
  const out = new Map<string, number>();
  for (const u of utts) {
    if (u.backend !== t.backend || u.condition !== t.condition || u.status !== 'ok' || u.hyp.trim() !== '') continue;
    const g = groupLabelOf(u, t);
    out.set(g, (out.get(g) ?? 0) + 1);
  }
  return out;
}

function toTable(t: GroupTable, kind: CardTable['kind'], keys: string[], meta: RunMeta, alpha: number, publish: boolean, utts: readonly ScoredUtterance[]): CardTable {
  const backendName = meta.backends.find((b) => b.key === t.backend)?.name ?? t.backend;
  const conditionName = meta.conditions.find((c) => c.key === t.condition)?.name ?? t.condition;
  const o = t.overall;
  const empty = emptyHypCounts(utts, { kind, keys, backend: t.backend, condition: t.condition });
  return {
    id: slug(`${kind}-${t.groupBy}-${backendName}-${t.backend}-${t.condition}`),
    kind,
    groupBy: t.groupBy,
    keys,
    backend: t.backend,
    backendName,
    condition: t.condition,
    conditionName,
    bestGroup: t.bestGroup,
    referenceGroup: t.referenceGroup ?? null,
    withinBetween: t.withinBetween,
    overall: {
      speakers: o.speakers, utterances: o.utterances, failed: o.failed, emptyHyp: [...empty.values()].reduce((a, b) => a + b, 0), hours: Number.isFinite(o.hours) ? o.hours : null, refWords: o.refWords,
      wer: o.wer, werMetrics: o.werMetrics, meanSpeakerWer: o.meanSpeakerWer, cer: o.cer, per: o.per ?? null,
    },
    // Worst-served first: the order a reader of a fairness card needs.
    rows: t.rows.map((r) => toRow(r, t.bestGroup, alpha, publish, empty.get(r.group) ?? 0)).sort(
      (a, b) => Number(a.suppressed) - Number(b.suppressed) || (b.wer?.estimate ?? 0) - (a.wer?.estimate ?? 0) || a.group.localeCompare(b.group),
    ),
  };
}

/** The card's sentence on how transcript markup and the GLM were applied (run.json `scoring`). */
export function scoringNote(meta: RunMeta): string {
  const sc = meta.scoring;
  if (!sc) return 'Transcript markup: not recorded by this run (an export from before markup settings were recorded, or imported scores).';
  const m = sc.markup;
  const markup =
    m.convention === 'none'
      ? 'Transcript markup: none (every token is a word; the normaliser alone decides what is compared).'
      : `Transcript markup: read as NIST sclite reads trn text, in references and hypotheses, before the normaliser: {a / b / @} alternations (any one may match; @ = nothing), ;tags dropped, ${m.caseSensitive ? 'case-sensitive (sclite -s)' : `case folded (${m.caseFold})`}, ${m.optionallyDeletable ? '(word) optionally deletable (sclite -D)' : '(word) a plain word'}, ${m.fragments ? 'fragments th- / -ing match the words they begin / end (sclite -F)' : 'fragments plain words'}.`;
  const lf = sc.languageFold;
  const lfText = lf ? foldCountsText(lf) : undefined;
  const fold = lfText
    ? ` Case folding follows each utterance's declared language: ${lfText[0]} were lower-cased by the Turkish/Azerbaijani dotted and dotless I rules (İ → i, I → ı; JavaScript toLocaleLowerCase('tr')), the rest by plain Unicode lower case (I → i)${lfText[1]}.`
    : m.convention !== 'none' && !m.caseSensitive && m.caseFold === 'babel_turkish'
      ? ' Case folded as sclite -e utf-8 babel_turkish for every utterance (İ → i, I → ı, Ç Ö Ü Ğ Ş, A–Z).'
      : '';
  const defaultFold = sc.defaultCaseFold ? ` ${defaultCaseFoldText(sc.defaultCaseFold)}` : '';
  const glm = sc.glm
    ? ` GLM: ${sc.glm.name} (file ${sc.glm.file}, ${sc.glm.rules} rules, sha256 ${sc.glm.sha256}), applied to references and hypotheses as SCTK csrfilt.sh does.`
    : '';
  return markup + fold + defaultFold + glm;
}

function footnotesFor(
  meta: RunMeta,
  s: ServiceCard['settings'],
  generatedAt: string | null,
  toolVersion: string,
  sections: { models: boolean; degradation: boolean; reference: boolean },
  /** Tested comparisons of each grouping key's correction family (first key first). */
  family: readonly { key: string; n: number }[],
  /** Groups of `s.groupBy` a published card suppresses in a group table (left out of per-group notes). */
  hidden: ReadonlySet<string>,
): string[] {
  const c = meta.corpus;
  const notes: string[] = [];
  if (c.synthetic) {
    notes.push(
      'Synthetic accents: the voices in this corpus are text-to-speech voices, not people. Differences measure the recogniser on synthetic speech and are no claim about any human group.',
    );
  }
  // A limited run: the suite's description and limits are about the whole manifest, not the subset counted here.
  const partial = isPartial(meta.subset);
  const whole = partial ? 'suite text, about the whole manifest, not this subset: ' : '';
  notes.push(
    `Corpus: ${c.name}${c.version ? ` version ${c.version}` : ''}, hash ${c.hash}${partial ? ' (of the whole manifest)' : ''}${c.description ? ` (${whole}${c.description})` : ''}.`,
  );
  notes.push(`Run ${meta.runId} of ${meta.createdAt} (asrfair ${meta.toolVersion}); card by asrfair ${toolVersion}${generatedAt ? ` generated ${generatedAt}` : ''}.`);
  notes.push(`Normaliser: ${meta.normaliser.name} version ${meta.normaliser.version}. ${normaliserNote(meta.normaliser)} Alignment cost model: ${meta.costModel === 'sclite' ? 'sclite (sub 4, ins 3, del 3; counts equal NIST sclite)' : meta.costModel === 'unit' ? 'unit (plain Levenshtein 1/1/1)' : 'external (error counts imported from another pipeline; its alignment is not asrfair\'s)'}.`);
  if (meta.costModel !== 'external') notes.push(scoringNote(meta));
  const per = meta.costModel !== 'external' ? perNote(meta, s.groupBy, hidden) : undefined;
  if (per) notes.push(per);
  const grouped = Object.entries(s.grouping);
  if (grouped.length) notes.push(`Grouping: ${grouped.map(([k, g]) => `${k} by ${groupingText(g)}`).join('; ')} (the suite's label map first, then its bins; bins are half-open [a, b), the last edge opens the top bin). Other keys are grouped as declared.`);
  for (const b of meta.backends) notes.push(`Backend ${b.name}${b.model ? ` model ${b.model}` : ''}${b.version ? ` version ${b.version}` : ''} (key ${b.key}).`);
  const conds = meta.conditions.map((x) => (x.description ? `${x.name} (${x.description})` : x.name));
  if (conds.length) notes.push(`Conditions: ${conds.join('; ')}.`);
  notes.push(
    `WER = Σ(S+D+I)/Σ reference words over the cell. 95% intervals: speaker-cluster bootstrap, ${s.bootstrap} resamples, seed ${s.seed}; All groups: every speaker resampled without strata, seeded per backend and condition, so the same population has the same interval in every table. Gap to rest = WER(group) − WER(all other groups pooled), the comparison the p-value tests; gap and ratio to best = against the best declared group meeting the minimum cell rule, descriptive only; their intervals take, in each bootstrap resample, the lowest WER among those groups, so that which group is best is uncertain too (comparisons with the best, Hsu 1996). "undeclared" (utterances that declare no value of the grouping key; in slices, any undeclared part) is never the best group nor an automatically chosen reference: nobody declared it; its own gap and ratio to the best declared group are shown. ${noIntervalText(s.minCell)}`,
  );
  notes.push(
    `p: two-sided speaker-level permutation test of the group against all other groups pooled (pooled WER difference, speaker labels permuted, group sizes kept). Exact when the splits can be enumerated (at most ${MAX_EXACT_SPLITS.toLocaleString('en-US')}; 6 vs 6 speakers: 924), p = share of splits at least as extreme; otherwise sampled, p = (b + 1)/(m + 1) (Phipson & Smyth 2010), starting at ${s.bootstrap} permutations and doubled, up to 1,000,000, until the adjusted p's Monte Carlo interval (Clopper–Pearson, family-wide risk 0.001; shown as "MC lo–hi") lies wholly on one side of α (MMCTest, Gandy & Hahn 2014); a p still straddling α at the cap is "undecided", with no verdict. ${familyText(family, s.correction)}: a group below the minimum cell is not tested ("not enough data": its raw p is shown, no adjusted p, not in the family), and in a table of two groups "A vs rest" and "B vs rest" are one comparison, tested and counted once. "significant gap" = adjusted p < ${s.alpha}, settled, and the group worse than the rest; the terminal's verdicts and top findings and the gate read the same flags.`,
  );
  if (sections.reference) notes.push(`Gap to reference: WER(group) − WER(${s.referenceGroup}) with the same speaker-cluster bootstrap interval.`);
  notes.push(
    `Detectable gap: the smallest difference in mean per-speaker WER between the group and the rest that a two-sided test at α = ${s.alpha} would detect with power 0.8 on this sample, (z₁₋α/₂ + z₀.₈)·√(s²_group/n_group + s²_rest/n_rest) with per-speaker sample variances. A gap smaller than this going unflagged is no evidence of equal accuracy.`,
  );
  notes.push(
    `Within vs between: mean squared difference of per-speaker WER over pairs of speakers in the same group (within) and in different groups (between); ratio = between/within (> 1: group membership explains part of the spread). p: one-sided permutation test of the ratio (group labels permuted across speakers, group sizes kept): exact when the relabellings can be enumerated (at most ${MAX_EXACT_SPLITS.toLocaleString('en-US')}), else from ${s.bootstrap} random relabellings, p = (b + 1)/(m + 1), printed with its Monte Carlo interval (Clopper–Pearson, risk 0.001); uncorrected — it is not in the ${s.correction === 'holm' ? 'Holm' : 'Benjamini–Hochberg'} family and no verdict rests on it.`,
  );
  if (sections.models) {
    notes.push(
      `Model-based view: ${s.model === 'negbin' ? 'negative binomial (NB2, α by moment regression)' : 'Poisson'} regression of per-utterance word errors with log(reference words) offset, one model per backend: errors ~ ${s.groupBy} + duration + SNR + condition (a covariate is used only when every scored utterance has it; numeric covariates centred, effects per second / per dB). Standard errors clustered by speaker (CR1: G/(G−1)·(N−1)/(N−K)); 95% Wald intervals; p unadjusted. Rate ratio = error rate of the group over the reference group's at equal covariates. Dispersion = Pearson χ²/df of the Poisson fit; above 1.5 the counts are overdispersed (clustered SEs stay valid; a negative binomial fit, --model negbin, is more efficient). Fewer than ~30 speakers make clustered SEs unreliable.`,
    );
  }
  if (sections.degradation) {
    notes.push(
      `Degradation: per group, WER(condition) − WER(${s.cleanCondition}) on the same utterances (paired by utterance id), 95% paired speaker-bootstrap interval (${s.bootstrap} resamples, stratified by group). Excess = degradation(group) − degradation(all other groups). p: one-sided speaker permutation test that the group degrades more than the rest (exact when the splits can be enumerated, else from ${s.bootstrap} random splits doubled until the verdict is settled, as for the group tables), adjusted with ${s.correction === 'holm' ? 'Holm' : 'Benjamini–Hochberg'} across the groups meeting the minimum cell of every backend and condition of this section (smaller groups are not tested: no adjusted p); "degrades more" = adjusted p < ${s.alpha}, settled, and excess > 0.`,
    );
  }
  notes.push(`Minimum cell: ${s.minCell.speakers} speakers and ${s.minCell.words} reference words; smaller cells are marked "small cell".`);
  if (s.publish) notes.push('— = suppressed: the cell is below the minimum cell rule, so its values are not published.');
  const seeds = Object.entries(meta.seeds);
  if (seeds.length) notes.push(`Run seeds: ${seeds.map(([k, v]) => `${k}=${v}`).join(', ')}.`);
  notes.push(...importNotes(meta));
  if (meta.intendedUse) notes.push(`Intended use: ${meta.intendedUse}`);
  for (const l of meta.limits) notes.push(`Limit${partial ? ` (${whole.replace(/: $/, '')})` : ''}: ${l}`);
  for (const cf of meta.confounders) notes.push(`Possible confounder: ${cf}`);
  return notes;
}

/** The p note's sentence on the correction families: one for a card of one grouping key, one per key (each over every backend and condition) for several. */
function familyText(family: readonly { key: string; n: number }[], correction: ServiceCard['settings']['correction']): string {
  const name = correction === 'holm' ? 'Holm' : 'Benjamini–Hochberg';
  const n = (k: number) => `${k} tested comparison${k === 1 ? '' : 's'}`;
  if (family.length === 1) return `Adjusted with ${name} over the ${n(family[0].n)} of every backend and condition (slices: over those of their table)`;
  return `Adjusted per grouping key, each over every backend and condition (${family.map((f) => `by ${f.key}: ${name} over the ${n(f.n)}`).join('; ')}; slices: over those of their table), so each key's tables equal its card alone (report --group-by KEY)`;
}

/** What each normaliser does, in a line (the code: src/text/normalise.ts, src/text/english.ts). */
const NORMALISER_RULES: Readonly<Record<string, string>> = {
  none: 'whitespace only: case, punctuation and every other character are compared as written',
  basic: 'Unicode NFKC, lower case (by the Turkish dotted/dotless I rules for utterances declaring tr or az, since version 2), ’ ‘ ʼ count as an apostrophe, apostrophes kept only inside words, every other punctuation mark (hyphen, slash, comma, period) removed and splitting words',
  english: "a port of Whisper's English normaliser (src/text/english.ts): lower case, words in brackets or parentheses and fillers removed, contractions and titles expanded, numbers as digits, British spellings American, punctuation removed",
};

/** Inputs the card shows through the run's normaliser, so a reader sees what it does to apostrophes, hyphens, numbers. */
const NORMALISER_EXAMPLES = ['don’t', 'well-known', '30,000', '9/11', 'Mr. Smith', 'colour'];

/**
 * The card's line on what the run's normaliser does: its rule, and the examples run through this build's normaliser
 * of that name when its version is the run's (else the examples are left out and the mismatch said).
 */
export function normaliserNote(n: RunMeta['normaliser']): string {
  const rule = NORMALISER_RULES[n.name];
  let current: Normaliser | undefined;
  try {
    current = getNormaliser(n.name);
  } catch {
    current = undefined;
  }
  const examples =
    current && current.version === n.version
      ? ` Examples: ${NORMALISER_EXAMPLES.map((x) => `"${x}" → "${current.normalise(x)}"`).join(', ')}.`
      : current
        ? ` (This asrfair has version ${current.version} of it, so no examples are shown.)`
        : '';
  return `${rule ? `It does: ${rule}.` : 'Its rules are not known to this asrfair.'}${examples}`;
}

/**
 * The card's sentences on what the groups are and what the import counted (run.json `corpus.imports`, from each
 * manifest's import record): "self-declared labels" unless an importer said otherwise (CORAAL: community/site),
 * then per import what was left out, which documented "not declared" markers became `undeclared`, missing audio.
 */
export function importNotes(meta: RunMeta): string[] {
  const imports = meta.corpus.imports ?? [];
  const groupsNotes = [...new Set(imports.flatMap((r) => (r.groupsNote ? [r.groupsNote] : [])))];
  const groups = groupsNotes.length
    ? `Groups are not (all) self-declared labels: ${groupsNotes.join('; ')}. Undeclared speakers form the group "undeclared".`
    : 'Groups are self-declared labels; undeclared speakers form the group "undeclared".';
  return [
    `${groups} Failed utterances are counted and excluded from rates.`,
    ...imports.flatMap((r) => importRecordNotes(r, imports.length > 1 ? r.manifest : undefined)),
  ];
}

/** What a role is, said wherever a card shows a role row (md, html, terminal under its table; json, csv in the notes). */
const ROLE_WHAT = `a role (corpus staff, labels.role = ${INTERVIEWER}), not a declared group: never the best group nor an automatic reference`;

/**
 * The rows of a card table that are roles (`interviewer`, analysis/cells.ts isRoleGroup: CORAAL's interviewers imported
 * with --include-interviewers), in table order; suppressed rows too (their name is published).
 */
export function roleRows(t: Pick<CardTable, 'rows'>): string[] {
  return t.rows.filter((r) => isRoleGroup(r.group)).map((r) => r.group);
}

/**
 * The sentence under a table with role rows, e.g. "interviewer: a role (corpus staff, labels.role = interviewer), not a
 * declared group: never the best group nor an automatic reference; its gap to the best group is shown."; '' when the
 * table has none.
 */
export function roleRowsText(t: Pick<CardTable, 'rows'>): string {
  const roles = roleRows(t);
  return roles.length ? `${roles.join(', ')}: ${ROLE_WHAT}; ${roles.length === 1 ? 'its' : 'their'} gap to the best group is shown.` : '';
}

/** The card's note when any table shows a role row (card.json footnotes, card-notes.csv, md and html notes). */
export const ROLE_NOTE = `${INTERVIEWER}: ${ROLE_WHAT} (nor is a slice with an ${INTERVIEWER} part). Its speakers are real and its rows keep their numbers, tests and gap to the best declared group, but they describe the corpus's staff, not a group of the speaker population.`;

/**
 * The card's sentence on cells without an interval (footnotes, so card.json and card-notes.csv carry it; md, html and
 * the terminal repeat it under each table with a [—]): the rule of src/analysis/groups.ts intervalMinSpeakers.
 */
export function noIntervalText(minCell: MinCell): string {
  const n = intervalMinSpeakers(minCell);
  return `A cell (group, rest of the table, or whole table; in the group tables, degradation, remedy and compare alike) of fewer than ${n} speakers has no interval ([—]; CSV empty, JSON null) and no detectable gap: the minimum cell's speaker rule, and never fewer than ${MIN_BOOTSTRAP_SPEAKERS} (a speaker bootstrap of n speakers draws one speaker alone with probability n^(1−n): 50% for 2, 11% for 3, so its 95% percentile interval would be single speakers' own WERs).`;
}

/** Footnote of a card with a cell whose audio duration is unknown (text-only utterances). */
export const HOURS_NOT_MEASURED_NOTE =
  'Hours — (empty in CSV, null in JSON): not measured — the utterances carry no audio duration (a text-only manifest, scored from transcripts), or only some of them do.';

/** Builds the service card of a run: one table per backend × condition for `groupBy` and for the slice. */
/**
 * The card's warning when its groups were recorded at different bandwidths (`bandwidthWarning`: shares of sources
 * below 16 kHz differ by 10 points or more), each utterance counted once; none for text-only runs.
 */
function sourceRateWarnings(utts: readonly ScoredUtterance[], groupBy: string, hidden: ReadonlySet<string>): string[] {
  const seen = new Set<string>();
  // A published card's groups only: the shares and rate counts of a suppressed group are its size.
  const rows = utts
    .filter((u) => u.sourceRate !== undefined && !seen.has(u.id) && (seen.add(u.id), true))
    .map((u) => ({ group: groupOf(u, groupBy), sampleRate: u.sourceRate }))
    .filter((r) => !hidden.has(r.group));
  const w = bandwidthWarning(sourceRatesByGroup(rows));
  return w ? [w] : [];
}

export function buildServiceCard(meta: RunMeta, utts: readonly ScoredUtterance[], options: CardOptions): ServiceCard {
  const groupKeys = [...new Set([options.groupBy, ...(options.groupKeys ?? [])])];
  const settings: ServiceCard['settings'] = {
    groupBy: options.groupBy,
    groupKeys,
    slices: normaliseSlices(options.slices),
    bootstrap: options.bootstrap ?? 2000,
    seed: options.seed ?? 1,
    minCell: options.minCell ?? DEFAULT_MIN_CELL,
    correction: options.correction ?? 'holm',
    alpha: options.alpha ?? 0.05,
    publish: options.publish ?? false,
    referenceGroup: options.referenceGroup ?? null,
    model: options.model ?? 'poisson',
    cleanCondition: options.cleanCondition ?? 'clean',
    grouping: groupingOfCard(meta, [...groupKeys, ...normaliseSlices(options.slices).flat()]),
    headline: options.headline ?? 'pooled',
    overrides: options.overrides ?? [],
    source: options.settingsSource ?? 'run',
  };
  const common = {
    resamples: settings.bootstrap,
    permutations: settings.bootstrap,
    seed: settings.seed,
    minCell: settings.minCell,
    alpha: settings.alpha,
    headline: settings.headline,
  };
  // One set of group tables per grouping key, each its own correction family; the reference group is a group of the first key.
  const byKey = groupKeys.map((key, i) => ({
    key,
    tables: analyseGroups(utts, {
      ...common,
      adjust: settings.correction,
      groupBy: key,
      ...(i === 0 && settings.referenceGroup !== null ? { referenceGroup: settings.referenceGroup } : {}),
    }),
  }));
  const groupTables = byKey.flatMap((k) => k.tables);
  // Slices are corrected for the number of slices tried within their own table (analyseSlices).
  // The card shows no worst-slice pMaxT, so it is not computed (settling it can take 10^6 relabellings).
  const sliceTables = settings.slices.map((keys) => ({ keys, tables: analyseSlices(utts, { ...common, keys, correction: settings.correction, maxT: false }) }));
  const generatedAt = options.generatedAt ?? null;
  const toolVersion = options.toolVersion ?? meta.toolVersion;
  let complementary = false;
  const analysed = [...groupTables, ...sliceTables.flatMap((s) => s.tables)];
  const withinTables = [
    ...byKey.flatMap((k) => k.tables.map((t) => toTable(t, 'group', [k.key], meta, settings.alpha, settings.publish, utts))),
    ...sliceTables.flatMap((s) => s.tables.map((t) => toTable(t, 'slice', [...s.keys], meta, settings.alpha, settings.publish, utts))),
  ].map((t) => {
    if (!settings.publish) return t;
    const c = withComplementarySuppression(t);
    complementary ||= c.changed;
    return c.table;
  });
  let tables = withinTables;
  if (settings.publish) {
    const m = acrossTables(withinTables, analysed, utts, settings.minCell);
    complementary ||= m.changed;
    // No gap or ratio against a suppressed best or reference group (it would give that group's WER back).
    tables = m.tables.map(withoutHiddenComparisons);
  }
  // The sections (model, degradation, data quality, remedy) and their suppression are by the first key.
  const groupCards = tables.filter((t) => t.kind === 'group' && t.groupBy === settings.groupBy);
  // A group's rate ratio is withheld in publish mode when the group is suppressed in every table of the backend: as a
  // small cell when one of those tables suppressed it as one, else as the complement of another table's small cell.
  const suppressed = (backend: string, group: string): CardSuppression | null => {
    const rows = groupCards.filter((t) => t.backend === backend).map((t) => t.rows.find((r) => r.group === group));
    if (!settings.publish || !rows.every((r) => r?.suppressed ?? true)) return null;
    return rows.some((r) => r && suppressionOf(r) === 'small-cell') ? 'small-cell' : 'complementary';
  };
  const models =
    settings.model === 'none'
      ? []
      : buildModelSection(utts, meta, {
          groupBy: settings.groupBy,
          family: settings.model,
          ...(settings.referenceGroup !== null ? { referenceGroup: settings.referenceGroup } : {}),
          suppressed,
          smallCell: (backend: string, group: string) =>
            groupCards.filter((t) => t.backend === backend).every((t) => t.rows.find((r) => r.group === group)?.flags.includes('small-cell') ?? true),
          cellSize: (backend: string, group: string) => {
            const row = groupCards.find((t) => t.backend === backend)?.rows.find((r) => r.group === group);
            return row && row.speakers !== null && row.refWords !== null ? { speakers: row.speakers, words: row.refWords } : undefined;
          },
          minCell: settings.minCell,
          publish: settings.publish,
        });
  // One set of hidden groups for the whole card (publish mode): every section suppresses what the group tables do.
  const hiddenWhy = settings.publish ? cardHiddenGroups(groupCards) : new Map<string, CardSuppression>();
  const hidden: ReadonlySet<string> = new Set(hiddenWhy.keys());
  const degradation = buildDegradationSection(utts, meta, {
    groupBy: settings.groupBy,
    cleanCondition: settings.cleanCondition,
    resamples: settings.bootstrap,
    seed: settings.seed,
    minCell: settings.minCell,
    correction: settings.correction,
    alpha: settings.alpha,
    publish: settings.publish,
    hidden: hiddenWhy,
  });
  const synthetic = meta.corpus.synthetic ? ' (synthetic accents)' : '';
  const splitGroups = splitGroupsOf(utts, [...groupKeys, ...settings.slices.flat()]);
  const sliceHidden = settings.publish ? hiddenSliceValues(tables, settings.groupBy, utts) : new Map<string, Set<string>>();
  const isHidden = hiddenGroupTest(settings.groupBy, hidden, sliceHidden);
  // Every per-group count of run.json the notes and warnings print comes from this copy (published-meta.ts).
  const shownMeta = settings.publish ? withoutHiddenGroups(meta, settings.groupBy, hidden, sliceHidden) : meta;
  return {
    title: `Accuracy by ${keysText(groupKeys)} — ${meta.corpus.name}${synthetic}`,
    meta: shownMeta,
    settings,
    generatedAt,
    toolVersion,
    // Published slice tables list shown combinations only (after every count above was taken from the full tables).
    tables: settings.publish ? tables.map(withoutSuppressedSliceRows) : tables,
    models,
    degradation,
    // `hidden` is empty unless published, and then dataQualityShown returns the section as built.
    dataQuality: dataQualityShown(buildDataQuality(utts, settings.groupBy), hidden),
    remedy: options.remedy
      ? buildRemedySection(meta, utts, options.remedy, { groupBy: settings.groupBy, resamples: settings.bootstrap, seed: settings.seed, minCell: settings.minCell, cleanCondition: settings.cleanCondition, publish: settings.publish, hidden: hiddenWhy })
      : null,
    splitGroups,
    warnings: [
      ...subsetLines(shownMeta.subset), ...backendSubsetLines(meta.backendSubset), ...cleanOnlyWarnings(meta), ...failedWarnings(tables), ...importWarnings(meta),
      ...splitGroups.map((s) => splitGroupCardWarning(s, !s.spellings.some((g) => isHidden(s.key, g.value)))),
      ...undeclaredSpellingsOf(utts, groupKeys).map((s) => `Declared values spelled as "undeclared": ${undeclaredSpellingWarning(s, !isHidden(s.key, UNDECLARED) && ![...s.spellings.keys()].some((v) => isHidden(s.key, v)))}.`),
      ...sourceRateWarnings(utts, settings.groupBy, hidden), ...emptyHypWarnings(tables),
      ...speakerCrossingCardWarnings(utts, groupKeys),
    ],
    footnotes: [
      ...footnotesFor(shownMeta, settings, generatedAt, toolVersion, {
        models: models.length > 0,
        degradation: degradation.length > 0,
        reference: tables.some((t) => t.referenceGroup !== null),
      }, byKey.map((k) => ({ key: k.key, n: k.tables.flatMap((t) => t.rows).filter((r) => r.permutation.tested && !(r.permutation.sameComparisonAs !== undefined && r.group > r.permutation.sameComparisonAs)).length })), hidden),
      ...(groupKeys.length > 1 ? [sectionsKeyNote(settings.groupBy, groupKeys)] : []),
      ...(complementary || degradation.some(degradationComplementary) ? [COMPLEMENTARY_NOTE] : []),
      ...withheldNotes(tables),
      ...(settings.publish && tables.some((t) => t.kind === 'slice' && t.rows.some((r) => r.suppressed)) ? [NOT_LISTED_NOTE] : []),
      ...(tables.some((t) => roleRows(t).length > 0) ? [ROLE_NOTE] : []),
      ...(tables.some((t) => t.rows.some((r) => !r.suppressed && r.hours === null))
        ? [HOURS_NOT_MEASURED_NOTE]
        : []),
    ],
  };
}

/** "accent", "accent and gender", "accent, gender and age". */
function keysText(keys: readonly string[]): string {
  return keys.length < 2 ? (keys[0] ?? '') : `${keys.slice(0, -1).join(', ')} and ${keys[keys.length - 1]}`;
}

/** The note of a card with several grouping keys: which of its parts are by the first key only. */
export function sectionsKeyNote(first: string, keys: readonly string[]): string {
  return `Grouping keys: ${keys.join(', ')}; each has its group tables (intervals, tests, flags; the gate checks them all). The model-based view, degradation, data quality and remedy sections are by ${first} (the first groupBy key) only, as are the HTML drill-downs, the per-group notes, the failed-share check of an incomplete run and the reference group (suite referenceGroup, --reference-group: a group of ${first}; the other keys' tables have no gap-to-reference column).`;
}

/**
 * Publish mode: the groups of the grouping key suppressed in any group table of the card (any backend or condition),
 * with why: `small-cell` when a table suppressed it as one, else `complementary`. Computed once; the notes, the
 * degradation and remedy sections and the copy of run.json all leave out these groups (one set for the whole card).
 */
export function cardHiddenGroups(groupCards: readonly Pick<CardTable, 'rows'>[]): Map<string, CardSuppression> {
  const out = new Map<string, CardSuppression>();
  for (const r of groupCards.flatMap((t) => t.rows)) {
    if (!r.suppressed) continue;
    if (suppressionOf(r) === 'small-cell' || !out.has(r.group)) out.set(r.group, suppressionOf(r));
  }
  return out;
}

/**
 * Publish mode, across the tables of each backend × condition: the margins a reader can subtract (every table's rows
 * under its "All groups" row; a slice table's rows under each row of a published table whose keys are a subset of the
 * slice's, e.g. accent × gender rows under the accent table's rows) are protected by `protectMargins`; rows it hides
 * become `complementary`. `analysed` holds each card table's unsuppressed sizes, in the same order.
 */
function acrossTables(tables: CardTable[], analysed: readonly GroupTable[], utts: readonly ScoredUtterance[], minCell: MinCell): { tables: CardTable[]; changed: boolean } {
  const cells = tables.map((t, i) =>
    new Map(analysed[i].rows.map((r) => [r.group, { table: i, group: r.group, speakers: r.speakers, words: r.refWords, hidden: t.rows.find((x) => x.group === r.group)?.suppressed ?? false } satisfies MarginCell])),
  );
  const margins: Margin[] = [];
  tables.forEach((t, i) => {
    // A withheld total (a table of one small group) is no margin a reader has.
    if (t.overall.refWords !== null) margins.push({ total: null, parts: [...cells[i].values()] });
    tables.forEach((c, j) => {
      if (t.kind !== 'slice' || j === i || c.backend !== t.backend || c.condition !== t.condition) return;
      if (!(c.keys.length < t.keys.length && c.keys.every((k) => t.keys.includes(k)))) return;
      const under = new Map<string, Set<string>>();
      for (const u of utts) {
        if (u.backend !== t.backend || u.condition !== t.condition) continue;
        const coarse = groupLabelOf(u, c);
        under.set(coarse, (under.get(coarse) ?? new Set()).add(groupLabelOf(u, t)));
      }
      for (const [coarse, fine] of under) {
        const total = cells[j].get(coarse);
        const parts = [...fine].flatMap((g) => cells[i].get(g) ?? []);
        if (total) margins.push({ total, parts });
      }
    });
  });
  const added = protectMargins(margins, minCell);
  if (!added.length) return { tables, changed: false };
  const out = tables.map((t, i) => {
    const hide = new Set(added.filter((c) => c.table === i).map((c) => c.group));
    if (!hide.size) return t;
    const rows = t.rows.map((r) => (hide.has(r.group) ? suppressRow(r) : r));
    // Suppressed rows go last, as the card orders them.
    rows.sort((a, b) => Number(a.suppressed) - Number(b.suppressed));
    return { ...t, rows };
  });
  return { tables: out, changed: true };
}

/**
 * Publish mode: per label key of the card's slices and further grouping keys other than `groupBy`, the values suppressed
 * in a further key's group table or that are part of a suppressed slice
 * row (e.g. gender → {male} for a suppressed "accent=wales × gender=male"): a per-group count of that key in run.json
 * would be a sum a reader could subtract shown slice rows from.
 */
function hiddenSliceValues(tables: readonly CardTable[], groupBy: string, utts: readonly ScoredUtterance[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const t of tables) {
    // The group tables of a further grouping key (groupBy: [accent, gender]): their suppressed groups are hidden values too.
    if (t.kind === 'group' && t.groupBy !== groupBy) {
      for (const r of t.rows) if (r.suppressed) out.set(t.groupBy, (out.get(t.groupBy) ?? new Set()).add(r.group));
    }
    if (t.kind !== 'slice') continue;
    const hiddenRows = new Set(t.rows.filter((r) => r.suppressed).map((r) => r.group));
    if (!hiddenRows.size) continue;
    for (const u of utts) {
      if (u.backend !== t.backend || u.condition !== t.condition || !hiddenRows.has(groupLabelOf(u, t))) continue;
      for (const k of t.keys) if (k !== groupBy) out.set(k, (out.get(k) ?? new Set()).add(groupOf(u, k)));
    }
  }
  return out;
}

/** Groups whose rows are not suppressed (the only ones a published page may show utterances of). */
export function visibleGroups(t: CardTable): Set<string> {
  return new Set(t.rows.filter((r) => !r.suppressed).map((r) => r.group));
}

/** Row label of an utterance in a table (the slice name for slice tables). */
export function groupLabelOf(u: ScoredUtterance, t: Pick<CardTable, 'kind' | 'keys'>): string {
  return t.kind === 'slice' ? sliceOf(u, t.keys) : groupOf(u, t.keys[0]);
}
