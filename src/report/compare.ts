import { letterToSoundName, runHasPer } from './per-note.ts';
import type { PhoneSources, RunMeta } from '../score/run-export.ts';
import { comparePaired, type PairedComparison, type PairedResult } from '../analysis/paired.ts';
import { adjustPValues } from '../stats/multiple.ts';
import { DASH, fmtGap, fmtInt, fmtP, fmtPct, NOT_ENOUGH_DATA } from './format.ts';
import { groupOf } from '../manifest/schema.ts';
import { mdEscape, noIntervalNote } from './render-md.ts';
import type { LoadedRun } from '../score/run-export.ts';
import type { ScoredUtterance } from '../score/types.ts';
import { DEFAULT_MIN_CELL, intervalMinSpeakers, MIN_BOOTSTRAP_SPEAKERS, type MinCell } from '../analysis/groups.ts';
import { cardOptionsForRun, runAnalysis, type SettingFlags } from './card-settings.ts';
import { compareCoverage, type CompareCoverage } from './compare-coverage.ts';
import { UsageError } from '../manifest/errors.ts';
import { escapeControl } from '../manifest/escape.ts';

export interface CompareOptions {
  groupBy?: string;
  /** Backend key (or name) of run A / run B; may be left out when the run has one backend. */
  backendA?: string;
  backendB?: string;
  /** Conditions compared (default: every condition both sides have). */
  conditions?: string[];
  bootstrap?: number;
  seed?: number;
  correction?: 'holm' | 'bh';
  /**
   * Minimum cell (speakers and reference words of the paired utterances, run A's side) a group needs
   * to be tested: smaller groups are "not enough data" and left out of the correction family, as in
   * the service card (default DEFAULT_MIN_CELL: 10 speakers, 500 words).
   */
  minCell?: MinCell;
  /** Flags that changed one of the run's recorded settings, "--flag value (run: value)": printed at the top. */
  overrides?: string[];
  /** Where the settings came from: run A's run.json, or the defaults (an export that records none). */
  settingsSource?: 'run' | 'defaults';
}

/**
 * Compare options from run A's recorded analysis settings (run.json: group-by, B, seed, minimum
 * cell, correction), each overridden only by a flag given; like `report`/`check` (card-settings.ts),
 * every flag that changes a recorded value is listed in `overrides`. When run B records other
 * settings, `notes` says so (A's are used).
 */
export function compareOptionsForRuns(a: LoadedRun, b: LoadedRun, flags: SettingFlags = {}): CompareOptions & { notes: string[] } {
  const o = cardOptionsForRun(a.meta, flags);
  const minCell = o.minCell ?? DEFAULT_MIN_CELL;
  const notes: string[] = [];
  if (flags.groupBy !== undefined && o.groupKeys.length > 1) throw new UsageError(`compare: --group-by takes one label key, not "${o.groupKeys.join(',')}" (compare once per key)`);
  // A run grouped by several keys is compared by its first: said, so a reader does not take it for every key.
  if (o.groupKeys.length > 1) notes.push(`Compared by ${o.groupBy}, the first of run A's groupBy keys (${o.groupKeys.join(', ')}); --group-by ${o.groupKeys[1]} compares by another.`);
  const sb = runAnalysis(b.meta);
  if (a !== b && a.meta.runId !== b.meta.runId && sb.source === 'run') {
    const rb = sb.settings;
    const ra = runAnalysis(a.meta).settings;
    const diffs: string[] = [];
    if (rb.groupBy[0] !== ra.groupBy[0]) diffs.push(`group-by ${rb.groupBy[0]}`);
    if (rb.bootstrap !== ra.bootstrap) diffs.push(`bootstrap ${rb.bootstrap}`);
    if (rb.seed !== ra.seed) diffs.push(`seed ${rb.seed}`);
    if (rb.minCell.speakers !== ra.minCell.speakers || rb.minCell.words !== ra.minCell.words) diffs.push(`minimum cell ${rb.minCell.speakers} speakers / ${rb.minCell.words} words`);
    if (rb.correction !== ra.correction) diffs.push(`correction ${rb.correction}`);
    if (diffs.length) notes.push(`Run B records other settings (${diffs.join(', ')}); run A's are used.`);
  }
  return {
    groupBy: o.groupBy,
    bootstrap: o.bootstrap,
    seed: o.seed,
    correction: o.correction,
    minCell: { speakers: minCell.speakers, words: minCell.words },
    overrides: o.overrides,
    settingsSource: o.settingsSource,
    notes,
  };
}

export interface CompareSide {
  runId: string;
  backend: string;
  backendName: string;
  corpus: string;
  corpusHash: string;
}

export interface CompareGroupRow extends PairedResult {
  group: string;
  /** Below the minimum cell: "not enough data", left out of the correction family (adjusted p NaN). */
  smallCell: boolean;
  /** Reference words of the group's paired utterances (run A's side). */
  refWords: number;
  signPAdjusted: number;
  mapsswePAdjusted: number;
}

/**
 * What one group lost from the pairing, by reason (group from run A's labels; B's for ids only in B). A pair is
 * compared only when both sides scored it and their references (as each run read them: after its normaliser, markup
 * and GLM, alternatives intact — `pairingRef`) are identical: a changed reference makes the two WERs about different
 * sentences. Within one run every id has one reference, whatever alternative each backend's alignment chose.
 */
export interface CompareUnpaired {
  group: string;
  /** Rows of the group in run A (scored or failed) and how many of them were scored. */
  inA: number;
  scoredA: number;
  /** Pairs compared. */
  paired: number;
  onlyInA: number;
  onlyInB: number;
  /** Pairs with the same reference left out because run A's / run B's call failed (both: counted in A). */
  failedA: number;
  failedB: number;
  /** Ids in both runs whose references differ; the first few of them in `refDiffersIds`. */
  refDiffers: number;
  refDiffersIds: string[];
}

export interface CompareTable {
  condition: string;
  conditionName: string;
  overall: PairedComparison;
  groups: CompareGroupRow[];
  /** Ids in both runs left out because their references differ (counted nowhere in `overall`). */
  refDiffers: number;
  /** Pairs whose reference text one side did not record (imported scores): matched on reference word count only. */
  refUnchecked: number;
  /** Per group, what the pairing left out (every group with at least one utterance left out), sorted by group. */
  unpaired: CompareUnpaired[];
}

export interface RunComparison {
  a: CompareSide;
  b: CompareSide;
  groupBy: string;
  settings: { bootstrap: number; seed: number; correction: 'holm' | 'bh'; minCell: MinCell; source: 'run' | 'defaults' | 'flags' };
  /** Flags that changed a setting recorded in run A's run.json (shown at the top). */
  overrides: string[];
  /**
   * What makes the two runs not fully comparable (different utterances or backends covered — `coverage.warning`,
   * first —, conditions only one run holds, left out of the default comparison, normalisers, references that differ):
   * shown at the top.
   */
  warnings: string[];
  /** Set when the runs' compared backends hold different conditions and the default (all shared) left some out: the sentence, also in `warnings`. */
  conditionWarning?: string;
  /**
   * Set when utterances both runs hold carry another value of the grouping key in B than in A (groups are A's labels):
   * how many, an example, and the sentence (also in `notes`; compare prints it as a warning line).
   */
  labelsDiffer?: LabelsDiffer;
  /** What part of its manifests and suite backends each side covers (run.json `subset`, `backendSubset`); its lines shown at the top. */
  coverage: CompareCoverage;
  tables: CompareTable[];
  notes: string[];
}

export interface LabelsDiffer {
  key: string;
  /** Utterance ids in both runs (compared backends and conditions) whose group differs. */
  count: number;
  example: { id: string; a: string; b: string };
  sentence: string;
}

/**
 * Utterances both sides hold whose value of `groupBy` differs between run A and run B (`undeclared` when blank or
 * missing), over the rows given; undefined when none. compare groups by run A's labels, so the sentence says so.
 */
export function labelsDiffer(a: readonly ScoredUtterance[], b: readonly ScoredUtterance[], groupBy: string): LabelsDiffer | undefined {
  const inB = new Map(b.map((u) => [u.id, groupOf(u, groupBy)]));
  const seen = new Set<string>();
  let count = 0;
  let example: LabelsDiffer['example'] | undefined;
  for (const u of a) {
    if (seen.has(u.id)) continue;
    seen.add(u.id);
    const gb = inB.get(u.id);
    const ga = groupOf(u, groupBy);
    if (gb === undefined || gb === ga) continue;
    count++;
    example ??= { id: u.id, a: ga, b: gb };
  }
  if (!example) return undefined;
  const sentence =
    `Group labels differ between the runs for ${count.toLocaleString('en-US')} utterance${count === 1 ? '' : 's'} both hold (key ${groupBy}; e.g. ${example.id}: A ${example.a}, B ${example.b}): ` +
    `run A's labels are used for every group.`;
  return { key: groupBy, count, example, sentence };
}

/**
 * The sentence for runs whose compared backends hold different conditions (keys, sorted), or undefined when they hold
 * the same: `Runs A and B cover different conditions: the comparison rests on the 3 both hold (clean, gsm, telephone);
 * left out: only in run A: noise10, opus8; only in run B: none (--condition to choose).`
 */
export function conditionCoverageWarning(condsA: readonly string[], condsB: readonly string[], shared: readonly string[]): string | undefined {
  const onlyA = condsA.filter((c) => !shared.includes(c));
  const onlyB = condsB.filter((c) => !shared.includes(c));
  if (!onlyA.length && !onlyB.length) return undefined;
  const list = (xs: readonly string[]): string => xs.join(', ') || 'none';
  return (
    `Runs A and B cover different conditions: the comparison rests on the ${shared.length} condition${shared.length === 1 ? '' : 's'} both hold (${list(shared)}); ` +
    `left out: only in run A: ${list(onlyA)}; only in run B: ${list(onlyB)}.`
  );
}

/** Error thrown for a selection the user must fix (unknown backend, nothing shared). */
export class CompareSelectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function pickBackend(run: LoadedRun, wanted: string | undefined, side: 'A' | 'B'): { key: string; name: string } {
  const present = [...new Set(run.utterances.map((u) => u.backend))];
  const described = (key: string) => ({ key, name: run.meta.backends.find((b) => b.key === key)?.name ?? key });
  if (wanted) {
    const hit = present.find((k) => k === wanted) ?? present.find((k) => described(k).name === wanted);
    if (!hit) throw new CompareSelectionError(`run ${side} (${run.dir}) has no backend "${wanted}"; it has: ${present.join(', ') || 'none'}`);
    return described(hit);
  }
  if (present.length !== 1) {
    throw new CompareSelectionError(`run ${side} (${run.dir}) has ${present.length} backends (${present.join(', ')}); choose one with --backend-${side.toLowerCase()}`);
  }
  return described(present[0]);
}

/**
 * The reference a row is paired on: `refNetwork` (the reference with its alternatives, before the alignment chose
 * one) when the row has one, else `ref`. Pairing on `ref` alone would call the same sentence "a different reference"
 * wherever two backends' alignments chose different alternatives — exactly the utterances where they differ.
 */
export function pairingRef(u: Pick<ScoredUtterance, 'ref' | 'refNetwork'>): string {
  return u.refNetwork ?? u.ref;
}

/**
 * Whether a run's references may have alternatives that its results.jsonl does not record (no row carries
 * `refNetwork`: an export written before it existed) — sclite markup or a GLM in run.json `scoring`, or no record.
 */
function altsUnrecorded(run: LoadedRun): boolean {
  if (run.utterances.some((u) => u.refNetwork !== undefined)) return false;
  const sc = run.meta.scoring;
  return !sc || sc.markup.convention === 'sclite' || sc.glm !== undefined;
}

/**
 * Splits two runs' rows of one backend × condition into what may be paired (ids whose references are identical,
 * or, when one side recorded no reference text, whose reference word counts are) and counts, per group, what the
 * pairing leaves out. Pure bookkeeping: the paired statistics are comparePaired's.
 */
function pairable(a: readonly ScoredUtterance[], b: readonly ScoredUtterance[], groupBy: string, oneRun: boolean) {
  const bById = new Map(b.map((u) => [u.id, u]));
  const aIds = new Set(a.map((u) => u.id));
  const per = new Map<string, CompareUnpaired>();
  const row = (g: string): CompareUnpaired => {
    let r = per.get(g);
    if (!r) per.set(g, (r = { group: g, inA: 0, scoredA: 0, paired: 0, onlyInA: 0, onlyInB: 0, failedA: 0, failedB: 0, refDiffers: 0, refDiffersIds: [] }));
    return r;
  };
  const differ = new Set<string>();
  let refUnchecked = 0;
  for (const x of a) {
    const r = row(groupOf(x, groupBy));
    r.inA++;
    if (x.status === 'ok') r.scoredA++;
    const y = bById.get(x.id);
    if (!y) {
      r.onlyInA++;
      continue;
    }
    const recorded = x.ref !== '' && y.ref !== '';
    if (!recorded) refUnchecked++;
    // One run read one manifest text per id with one normaliser and markup: its rows share their reference, whatever
    // alternative each backend's alignment chose (also in exports older than `refNetwork`).
    if (!oneRun && (recorded ? pairingRef(x) !== pairingRef(y) : x.words.ref !== y.words.ref)) {
      differ.add(x.id);
      r.refDiffers++;
      if (r.refDiffersIds.length < 5) r.refDiffersIds.push(x.id);
    } else if (x.status !== 'ok') r.failedA++;
    else if (y.status !== 'ok') r.failedB++;
    else r.paired++;
  }
  for (const y of b) if (!aIds.has(y.id)) row(groupOf(y, groupBy)).onlyInB++;
  const unpaired = [...per.values()]
    .filter((r) => r.onlyInA + r.onlyInB + r.failedA + r.failedB + r.refDiffers > 0)
    .sort((x, y) => x.group.localeCompare(y.group));
  return {
    ua: a.filter((u) => !differ.has(u.id)),
    ub: b.filter((u) => !differ.has(u.id)),
    refDiffers: differ.size,
    refUnchecked,
    unpaired,
  };
}

/**
 * The warning when the two runs' PER phones came from different sources (run.json `scoring.phones`): another
 * letter-to-sound engine or version (flite's t2p against espeak-ng), or another dictionary (sha256). Words outside the
 * dictionary then get other phones, so a PER difference between the runs may come from the machine, not the
 * recogniser. Undefined when they agree, or when neither run measured PER.
 */
export function phoneSourceWarning(a: RunMeta, b: RunMeta): string | undefined {
  if (!runHasPer(a) && !runHasPer(b)) return undefined;
  const pa = a.scoring?.phones;
  const pb = b.scoring?.phones;
  const engine = (p: PhoneSources | undefined) => (p ? letterToSoundName(p.letterToSound) : 'not recorded');
  const dict = (p: PhoneSources | undefined) => (p ? `${p.dictionary.path} sha256 ${p.dictionary.sha256.slice(0, 12)}` : 'not recorded');
  const sameEngine = pa && pb && JSON.stringify(pa.letterToSound) === JSON.stringify(pb.letterToSound);
  const sameDict = pa && pb && pa.dictionary.sha256 === pb.dictionary.sha256;
  if (sameEngine && sameDict) return undefined;
  const parts: string[] = [];
  if (!sameEngine) parts.push(`letter-to-sound engine A ${engine(pa)}, B ${engine(pb)}`);
  if (!sameDict) parts.push(`pronunciation dictionary A ${dict(pa)}, B ${dict(pb)}`);
  const oov = (p: PhoneSources | undefined) => (p ? `${p.oov.refOov + p.oov.hypOov}` : 'an unknown number of');
  return `PER phones come from different sources (${parts.join('; ')}; see each run.json "scoring.phones"): words outside the dictionary (A ${oov(pa)}, B ${oov(pb)} word tokens) get other phones, so PER differences between the runs may come from the machine that scored them, not the recogniser.`;
}

/**
 * Paired comparison A − B on the utterances both runs scored with identical references (as each run read them,
 * after its normaliser, before an alternative was chosen: `pairingRef`), per condition, overall and per group; what the pairing leaves out is counted per
 * group (CompareTable.unpaired). Throws CompareSelectionError (exit 2) for an unknown backend or condition, and
 * when no utterance can be paired.
 */
export function compareRuns(a: LoadedRun, b: LoadedRun, options: CompareOptions = {}): RunComparison {
  const groupBy = options.groupBy ?? 'accent';
  const minCell = options.minCell ?? DEFAULT_MIN_CELL;
  const settings = {
    bootstrap: options.bootstrap ?? 2000,
    seed: options.seed ?? 1,
    correction: options.correction ?? 'holm',
    minCell: { speakers: minCell.speakers, words: minCell.words },
    source: options.settingsSource ?? 'flags',
  } as const;
  const ba = pickBackend(a, options.backendA, 'A');
  const bb = pickBackend(b, options.backendB, 'B');
  const condsA = new Set(a.utterances.filter((u) => u.backend === ba.key).map((u) => u.condition));
  const condsB = new Set(b.utterances.filter((u) => u.backend === bb.key).map((u) => u.condition));
  const shared = [...condsA].filter((c) => condsB.has(c)).sort();
  const conditions = options.conditions ?? shared;
  for (const c of conditions) {
    if (!shared.includes(c)) throw new CompareSelectionError(`condition "${c}" is not in both runs (shared: ${shared.join(', ') || 'none'})`);
  }
  if (!conditions.length) throw new CompareSelectionError('the two runs share no condition: nothing to compare');
  const coverage = compareCoverage(a, b, ba, bb, conditions);
  const notes: string[] = [];
  if (a.meta.corpus.hash !== b.meta.corpus.hash) notes.push(`Corpus hashes differ (A ${a.meta.corpus.hash}, B ${b.meta.corpus.hash}): only utterance ids present in both are compared.`);
  const warnings: string[] = coverage.warning ? [coverage.warning] : [];
  // Conditions only one run holds are left out of the default comparison (all shared): said, never dropped silently.
  const conditionWarning = options.conditions ? undefined : conditionCoverageWarning([...condsA].sort(), [...condsB].sort(), shared);
  if (conditionWarning) warnings.push(conditionWarning);
  if (a.meta.normaliser.name !== b.meta.normaliser.name || a.meta.normaliser.version !== b.meta.normaliser.version) {
    warnings.push(
      `Normalisers differ (A ${a.meta.normaliser.name} v${a.meta.normaliser.version}, B ${b.meta.normaliser.name} v${b.meta.normaliser.version}): only utterances whose normalised references are identical are paired, and differences may come from normalisation.`,
    );
  }
  const phones = phoneSourceWarning(a.meta, b.meta);
  if (phones) warnings.push(phones);
  const textSettings = (m: typeof a.meta) => (m.scoring ? JSON.stringify({ ...m.scoring, phones: undefined }) : null);
  if (textSettings(a.meta) !== textSettings(b.meta)) {
    const how = (m: typeof a.meta): string =>
      m.scoring ? `markup ${m.scoring.markup.convention}${m.scoring.glm ? `, GLM ${m.scoring.glm.name} sha256 ${m.scoring.glm.sha256.slice(0, 12)}` : ', no GLM'}` : 'not recorded';
    notes.push(`Transcript markup or GLM settings differ (A ${how(a.meta)}; B ${how(b.meta)}; see each run.json "scoring"): differences may come from how texts were read.`);
  }
  const oneRun = a.meta.runId === b.meta.runId && a.meta.corpus.hash === b.meta.corpus.hash;
  const relabelled = labelsDiffer(
    a.utterances.filter((u) => u.backend === ba.key && conditions.includes(u.condition)),
    b.utterances.filter((u) => u.backend === bb.key && conditions.includes(u.condition)),
    groupBy,
  );
  if (relabelled) notes.push(`Warning: ${relabelled.sentence}`);
  const tables: CompareTable[] = conditions.map((condition) => {
    const all = pairable(
      a.utterances.filter((u) => u.backend === ba.key && u.condition === condition),
      b.utterances.filter((u) => u.backend === bb.key && u.condition === condition),
      groupBy,
      oneRun,
    );
    const { ua, ub } = all;
    const overall = comparePaired(ua, ub, { resamples: settings.bootstrap, seed: settings.seed, groupBy, minCell });
    const gs = overall.groups ?? [];
    const pairedIds = new Set(ub.filter((u) => u.status === 'ok').map((u) => u.id));
    const words = new Map<string, number>();
    for (const u of ua) {
      if (u.status !== 'ok' || !pairedIds.has(u.id)) continue;
      const g = groupOf(u, groupBy);
      words.set(g, (words.get(g) ?? 0) + u.words.ref);
    }
    const rows = gs.map((g) => {
      const refWords = words.get(g.group) ?? 0;
      return { ...g, refWords, smallCell: g.speakers < minCell.speakers || refWords < minCell.words };
    });
    // Only adequately sized groups are tested: the family of the correction is theirs.
    const tested = rows.filter((g) => !g.smallCell);
    const signAdj = new Map(adjustPValues(tested.map((g) => g.sign.p), settings.correction).map((p, i) => [tested[i].group, p]));
    const mapAdj = new Map(adjustPValues(tested.map((g) => g.mapsswe.p), settings.correction).map((p, i) => [tested[i].group, p]));
    return {
      condition,
      conditionName: a.meta.conditions.find((c) => c.key === condition)?.name ?? condition,
      overall,
      groups: rows.map((g) => ({ ...g, signPAdjusted: signAdj.get(g.group) ?? NaN, mapsswePAdjusted: mapAdj.get(g.group) ?? NaN })),
      refDiffers: all.refDiffers,
      refUnchecked: all.refUnchecked,
      unpaired: all.unpaired,
    };
  });
  if (tables.every((t) => t.overall.utterances === 0)) {
    const diff = tables.reduce((n, t) => n + t.refDiffers, 0);
    throw new CompareSelectionError(
      `nothing to compare: no utterance is scored by both runs with the same reference (${diff} id${diff === 1 ? '' : 's'} in both with a different reference, ` +
        `${tables.reduce((n, t) => n + t.overall.failedPairs, 0)} with a failure; A ${a.meta.normaliser.name} v${a.meta.normaliser.version}, B ${b.meta.normaliser.name} v${b.meta.normaliser.version} normaliser)`,
    );
  }
  const refDiffers = tables.reduce((n, t) => n + t.refDiffers, 0);
  if (refDiffers) {
    const byGroup = new Map<string, number>();
    for (const t of tables) for (const u of t.unpaired) if (u.refDiffers) byGroup.set(u.group, (byGroup.get(u.group) ?? 0) + u.refDiffers);
    warnings.push(
      `References differ for ${refDiffers} utterance id${refDiffers === 1 ? '' : 's'} present in both runs (${[...byGroup].map(([g, n]) => `${g} ${n}`).join(', ')}): left out of the pairing, since their WERs are about different sentences.` +
        legacyRefNote(a, b),
    );
  }
  const side = (r: LoadedRun, bk: { key: string; name: string }): CompareSide => ({
    runId: r.meta.runId, backend: bk.key, backendName: bk.name, corpus: r.meta.corpus.name, corpusHash: r.meta.corpus.hash,
  });
  const small = [...new Set(tables.flatMap((t) => t.groups.filter((g) => g.smallCell).map((g) => g.group)))];
  const whole = tables.reduce((n, t) => n + t.overall.mapsswe.wholeUtterances, 0);
  if (whole > 0) {
    notes.push(`MAPSSWE: ${whole} paired utterance${whole === 1 ? "'s" : "s'"} word alignment could not be recovered from the stored words (sclite markup networks, imported error totals); each is one segment of its total errors, where sclite would cut it finer.`);
  }
  notes.push(
    `Differences are A − B (negative: A makes fewer errors). CI: paired speaker bootstrap, ${settings.bootstrap} resamples, seed ${settings.seed}; a group (or All groups) of fewer than ${intervalMinSpeakers(minCell)} speakers has no interval ([—]): the card's rule, the minimum cell's speakers and never fewer than ${MIN_BOOTSTRAP_SPEAKERS}. ` +
      `Sign test on per-speaker WER differences; MAPSSWE as sclite sc_stats computes it (segments bounded by 2 words both systems got right; its p, from Φ at |W| truncated to 0.01; compare.json also has the exact normal p). Adjusted p: ${settings.correction === 'holm' ? 'Holm' : 'Benjamini–Hochberg'} across the adequately sized groups of a condition.`,
    `Minimum cell: ${minCell.speakers} speakers and ${minCell.words} reference words (${settings.source === 'run' ? "run A's run.json" : settings.source === 'defaults' ? 'defaults: run.json records none' : 'given'}); ` +
      (small.length ? `${small.length} smaller group${small.length === 1 ? ' is' : 's are'} "not enough data", not tested and not in the correction: ${small.join(', ')}.` : 'every group meets it.'),
  );
  const unchecked = tables.reduce((n, t) => n + t.refUnchecked, 0);
  if (unchecked) notes.push(`${unchecked} pair${unchecked === 1 ? '' : 's'} without reference text on one side (imported scores): matched on reference word count only.`);
  return { a: side(a, ba), b: side(b, bb), groupBy, settings, overrides: options.overrides ?? [], warnings, ...(conditionWarning ? { conditionWarning } : {}), ...(relabelled ? { labelsDiffer: relabelled } : {}), coverage, tables, notes };
}

/** What is assumed of exports without `refNetwork` whose references may hold alternatives (empty when none). */
function legacyRefNote(a: LoadedRun, b: LoadedRun): string {
  const sides = [altsUnrecorded(a) ? 'A' : '', altsUnrecorded(b) ? 'B' : ''].filter(Boolean);
  if (!sides.length) return '';
  return ` Run ${sides.join(' and ')} records no "refNetwork" (exported before it existed), so a reference with alternatives ({ a / b }, GLM) is compared as the alternative each alignment chose and the same sentence may count as different: export the run again (asrfair export) to pair them.`;
}

/** One line per group the pairing left utterances out of: why, and how many of run A's scored ones were compared. */
function unpairedLines(t: CompareTable): string[] {
  return t.unpaired.map((u) => {
    const why = [
      u.onlyInA ? `${u.onlyInA} only in A` : '',
      u.onlyInB ? `${u.onlyInB} only in B` : '',
      u.failedA ? `${u.failedA} failed in A` : '',
      u.failedB ? `${u.failedB} failed in B` : '',
      u.refDiffers ? `${u.refDiffers} with a different reference (${u.refDiffersIds.join(', ')}${u.refDiffers > u.refDiffersIds.length ? ', …' : ''})` : '',
    ].filter(Boolean);
    return `${u.group}: ${u.paired} of run A's ${u.scoredA} scored utterances paired; left out: ${why.join(', ')}`;
  });
}

function conditionLine(t: CompareTable): string {
  const o = t.overall;
  return `Condition ${t.conditionName}: ${o.utterances} paired utterances (${o.onlyInA} only in A, ${o.onlyInB} only in B, ${o.failedPairs} with a failure left out, ${t.refDiffers} with a different reference left out)`;
}

interface Line {
  group: string;
  r: PairedResult;
  signAdj?: number;
  mapAdj?: number;
  small?: boolean;
}

function linesOf(t: CompareTable): Line[] {
  return [...t.groups.map((g) => ({ group: g.group, r: g, signAdj: g.signPAdjusted, mapAdj: g.mapsswePAdjusted, small: g.smallCell })), { group: 'All groups', r: t.overall }];
}

const HEAD = ['Group', 'Speakers', 'Utts', 'WER A', 'WER B', 'A − B [95% CI]', 'Sign p', 'MAPSSWE p', 'Adj. sign p', 'Adj. MAPSSWE p', 'Cell'];

function cells(l: Line): string[] {
  // A small cell shows no test: its p-values are not evidence (and not in the correction).
  const p = (v: number) => (l.small ? DASH : fmtP(v));
  return [
    l.group, fmtInt(l.r.speakers), fmtInt(l.r.utterances), fmtPct(l.r.werA), fmtPct(l.r.werB), fmtGap(l.r.diff),
    p(l.r.sign.p), p(l.r.mapsswe.p), l.signAdj === undefined ? '' : p(l.signAdj), l.mapAdj === undefined ? '' : p(l.mapAdj),
    l.small ? NOT_ENOUGH_DATA : '',
  ];
}

/** The reason under a table with a [—] (the card's line, noIntervalNote); none when every line has its interval. */
function noIntervalLines(c: RunComparison, t: CompareTable): string[] {
  return linesOf(t).some((l) => Number.isNaN(l.r.diff.lo) || Number.isNaN(l.r.diff.hi)) ? [noIntervalNote(c.settings.minCell)] : [];
}

function title(c: RunComparison): string {
  return `A = ${c.a.backendName} (run ${c.a.runId}) vs B = ${c.b.backendName} (run ${c.b.runId}), by ${c.groupBy}`;
}

/** The lines under the title: warnings, each side's subset, each flag that changed a recorded setting (as the card's top says). */
function settingsLines(c: RunComparison): string[] {
  const out = [...c.warnings.map((w) => `WARNING: ${w}`), ...c.coverage.lines, ...c.overrides.map((o) => `Setting differs from run A's run.json: ${o}`)];
  if (c.settings.source === 'defaults') out.push('Settings: run A\'s run.json records no analysis settings (an older export); defaults and flags used.');
  return out;
}

/**
 * Plain-text table for the terminal (columns padded). Every line, and every cell before it is padded, goes through
 * `escapeControl` as the other commands' terminal output does (src/cli/terminal.ts): a label's ESC shows as `\x1b`
 * and its line break as `\x0a`, never acting on the terminal nor forging a line.
 */
export function renderCompareText(c: RunComparison): string {
  const out = [title(c), ...settingsLines(c)].map((l) => escapeControl(l));
  for (const t of c.tables) {
    out.push('', escapeControl(conditionLine(t)));
    const left = unpairedLines(t);
    if (left.length) out.push('Left out of the pairing, per group (rates below cover the paired utterances only):', ...left.map((l) => `  ${escapeControl(l)}`));
    const rows = [HEAD, ...linesOf(t).map(cells)].map((r) => r.map((s) => escapeControl(s)));
    const widths = HEAD.map((_, i) => Math.max(...rows.map((r) => [...r[i]].length)));
    for (const r of rows) out.push(r.map((s, i) => (i === 0 ? s.padEnd(widths[i]) : s.padStart(widths[i]))).join('  ').trimEnd());
    out.push(...noIntervalLines(c, t).map((l) => escapeControl(l)));
  }
  out.push('', ...c.notes.map((l) => escapeControl(l)));
  return out.join('\n') + '\n';
}

export function renderCompareMarkdown(c: RunComparison): string {
  const out = [`# Paired comparison`, '', mdEscape(title(c)), '', ...settingsLines(c).flatMap((l) => [`**${mdEscape(l)}**`, '']) ];
  for (const t of c.tables) {
    const left = unpairedLines(t);
    out.push(`## Condition ${mdEscape(t.conditionName)}`, '', mdEscape(conditionLine(t)), '');
    if (left.length) out.push('Left out of the pairing, per group (rates below cover the paired utterances only):', '', ...left.map((l) => `- ${mdEscape(l)}`), '');
    out.push(`| ${HEAD.join(' | ')} |`, `|${HEAD.map((_, i) => (i === 0 || i === HEAD.length - 1 ? ' --- ' : ' ---: ')).join('|')}|`);
    for (const l of linesOf(t)) out.push(`| ${cells(l).map((s, i) => (i === 0 ? mdEscape(s) : s)).join(' | ')} |`);
    out.push('', ...noIntervalLines(c, t).flatMap((l) => [mdEscape(l), '']));
  }
  out.push('## Notes', '', ...c.notes.map((n, i) => `${i + 1}. ${mdEscape(n)}`), '');
  return out.join('\n');
}

export function renderCompareJson(c: RunComparison): string {
  return JSON.stringify({ format: 'asrfair-comparison', formatVersion: 1, ...c }, null, 2) + '\n';
}
