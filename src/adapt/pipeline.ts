/**
 * `asrfair adapt`: speaker-disjoint splits per group → candidate remedies trained on the train
 * speakers (pronunciation variants from the glass box's flagged confusions; MLLR and MAP with
 * SphinxTrain, on unweighted or group-balanced data) → selection on the dev speakers (worst-group
 * WER, i.e. minimax, and average WER) → baseline vs selected remedy on the test speakers.
 */
import { makeOutputDir, writeOutputFile } from '../manifest/output.ts';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { stringify as yamlStringify } from 'yaml';
import { loadManifest } from '../manifest/jsonl.ts';
import { InputError } from '../manifest/errors.ts';
import { groupOf, speakerOf, type ManifestEntry } from '../manifest/schema.ts';
import { prepareAudio } from '../audio/prepare.ts';
import type { BadInput } from '../manifest/bad-input.ts';
import { PocketSphinxBackend, defaultPocketSphinxOptions, type PocketSphinxOptions } from '../backends/pocketsphinx.ts';
import { alignCounts, tokenize } from '../score/align.ts';
import { getNormaliser } from '../text/normalise.ts';
import type { ScoredUtterance } from '../analysis/types.ts';
import { NO_PHONE, type ConfusionTest } from '../analysis/confusable.ts';
import { splitSpeakers, splitOfSpeaker, DEFAULT_MIN_PER_SPLIT, SPLITS, type SplitName, type SplitPlan } from './splits.ts';
import { isUndeclaredGroup } from '../analysis/cells.ts';
import { writeVariantDictionary, type PhoneRule, type VariantResult } from './variants.ts';
import {
  AdaptError, baumWelch, extractFeatures, inspectModel, mapAdapt, mllrSolve, prepareModelFiles, requireFor, type TrainUtterance,
} from './sphinxtrain.ts';
import { commonTestSet, rankedGroups, remedyReport, type RemedyReport } from './remedy.ts';
import { DecodeCache, stepCost } from './steps.ts';
import { ADAPT_DECODE_TIMEOUT_MS, decodeEach } from './decode-queue.ts';
import { glassFlags } from './glass-step.ts';
import { codeVersion } from '../backends/code-version.ts';
import { contentHash } from '../backends/content-hash.ts';
import { bandwidthWarning, sourceRatesByGroup } from '../audio/source-rates.ts';
import { alignWithFragments, splitFragments } from '../analysis/fragments.ts';
import { deletableCount } from '../manifest/markup.ts';

export type Method = 'variants' | 'mllr' | 'map';
export type Weighting = 'unweighted' | 'balanced';
export type Selection = 'minimax' | 'average';

export interface AdaptOptions {
  /** The manifest (JSONL): read here unless `entries` are given; recorded in splits.json either way. */
  manifest: string;
  /**
   * The manifest's entries as the caller already read them, each with its labels as `labels` gives them (the CLI reads
   * and labels the manifest once, for its warnings and for this run): used as they are, so `manifest` is not read again
   * and `labels` is not applied again. Default: `loadManifest(manifest)`, labelled by `labels`.
   */
  entries?: readonly ManifestEntry[];
  groupBy: string;
  /**
   * The labels the suite's run records for a manifest entry (its label map and bins: `suiteLabeller` in
   * src/run/labels.ts), so splits, minimum cells, tables and the glass step are over the card's groups; default: the
   * manifest's labels as declared. test.jsonl keeps these labels, so `asrfair run adapted.yaml` groups the same way.
   */
  labels?: (e: ManifestEntry) => Record<string, string>;
  /** How `labels` forms the groups, for the record (e.g. "bins at 0, 13, 18"): in splits.json and the remedy's provenance. */
  grouping?: string;
  out: string;
  cacheDir: string;
  seed: number;
  methods: Method[];
  /** Variants for each group's own backend (`group`) or one dictionary for all (`global`). */
  variantScope: ('group' | 'global')[];
  weightings: Weighting[];
  /** Acoustic adaptation for everyone (`global`, on unweighted/balanced data) and/or one model per group from its own train speakers (`group`). */
  acousticScope?: ('global' | 'group')[];
  /** Label whose value pairs speakers across groups (same split in every group), e.g. `speaker_profile` of a matched planted corpus. */
  matchSpeakersBy?: string;
  /** Which selection decides the remedy compared on test (both are reported). */
  select: Selection;
  /** Rules to use instead of the glass box's flags (group → rules), e.g. from a previous `glass` run. */
  rules?: Record<string, PhoneRule[]>;
  /** Group and reference group whose gap is reported separately (e.g. planted vs null). */
  pair?: { target: string; reference: string };
  normaliser: string;
  /** The suite's minimum cell: remedy.md and the card of adapted.yaml give no verdict for smaller groups (written into adapted.yaml). */
  minCell?: { speakers: number; words: number };
  resamples: number;
  processes: number;
  /** MAP prior weight tau (default: map_adapt's Bayesian mean update). */
  tau?: number;
  /** MAP also updates mixture weights (from the sendump reconstruction; the model is then written with mixture_weights, no sendump). */
  mapWeights?: boolean;
  /** Also decode every candidate (not only the selected ones) on test and report each against the baseline. */
  testAll?: boolean;
  /**
   * The model adapt starts from (the suite's pocketsphinx backend's options, absolute paths: `adaptBase` in base.ts);
   * unset options are the decoder's defaults (Debian's en-us). It is the baseline, adapted.yaml's `baseline` backend
   * and the options under every candidate.
   */
  base?: Partial<PocketSphinxOptions>;
  /** Groups left out of adapt altogether (`--exclude-group`): said and counted (speakers, utterances) as a warning. */
  excludeGroups?: readonly string[];
  log?: (m: string) => void;
  /** Each utterance whose audio cannot be used, with its manifest file:line, as it is found (it is left out). */
  onBadInput?: (b: BadInput) => void;
  /**
   * Warnings about the input said on stderr (the stale or unchecked import record: `manifestImportWarnings`), recorded
   * as `warnings` in splits.json and adapt.json (and the result), so a reader of those files alone sees them too.
   */
  warnings?: readonly string[];
  /** Each warning about the input or the selection as it is found (also in `AdaptResult.warnings`); default: `log`. */
  onWarning?: (w: string) => void;
}

/** A candidate recogniser: one backend spec per group (the same for global candidates). */
export interface Candidate {
  name: string;
  method: 'baseline' | Method;
  weighting?: Weighting;
  scope: 'global' | 'group';
  /** Options per group (global: the same object for every group). */
  options: Record<string, Partial<PocketSphinxOptions>>;
  provenance: string;
  /**
   * Seconds of the steps that made this candidate (glass box, features summed over utterances, bw, mllr_solve,
   * map_adapt), each as the run that made it recorded it: a step reused from an earlier run keeps its cost.
   */
  trainSeconds: number;
  /** Every step that made it was reused from an earlier run into the same work folder. */
  trainReused?: boolean;
  /** Dev WER per group; `worst` and `average` over `AdaptResult.selectionGroups` only; `pooled` over every group. */
  dev?: { perGroup: Record<string, { errors: number; words: number; wer: number }>; worst: number; average: number; pooled: number };
}

export interface AdaptResult {
  split: SplitPlan;
  dataHash: string;
  candidates: Candidate[];
  selected: Record<Selection, string>;
  remedy: Record<Selection, RemedyReport>;
  /** Every candidate tested against the baseline (with `testAll`; else the selected ones). */
  remedyByCandidate: Record<string, RemedyReport>;
  /**
   * Every utterance left out of a step, with its cause: audio not prepared, left out of training, a decode that failed,
   * and a dev/test decode that could not be scored (`score <candidate> <dev|test>`: its hypothesis has markup sclite
   * cannot read, an unclosed `{`); `group` where the utterance's group is known.
   */
  failures: { id: string; file?: string; group?: string; split?: SplitName; stage: string; error: string }[];
  /** The failures counted per group (`(no group)` for those without one), then per stage. */
  failuresByGroup: Record<string, Record<string, number>>;
  rules: Record<string, PhoneRule[]>;
  /** Where the rules came from: the glass box on the train speakers, or given (`--rules`). */
  rulesSource: 'glass' | 'given' | 'none';
  variants: Record<string, VariantResult>;
  trainAudioSeconds: number;
  /**
   * Per candidate: seconds of audio decoded (dev and test) and the wall seconds of decoding it, as the runs that made the
   * decodes measured them (`<work>/decode-costs.json`); `reusedAudio` of that audio was decoded by an earlier run.
   */
  decodeSeconds: Record<string, { audio: number; wall: number; reusedAudio: number }>;
  /** The groups the dev selection ranks (worst and average): those the test report ranks (`rankedGroups`: declared, not small cells). */
  selectionGroups: string[];
  /**
   * Warnings about the input and the selection, as said on stderr (remedy.md/html/json show them): `AdaptOptions.warnings`
   * (the import record), groups that differ
   * in source sample rate (the check `glass` makes, src/audio/source-rates.ts), dev selection resting on few speakers.
   */
  warnings: string[];
  files: string[];
}

interface Utt {
  e: ManifestEntry;
  id: string;
  speaker: string;
  group: string;
  split: SplitName;
  /** The reference normalised, without corpus fragments (analysis/fragments.ts). */
  ref: string;
  /** The reference as written when it keeps corpus fragments `(like-)` (`markup.deletable`): scored with sclite -D -F. */
  markedRef?: string;
  wav: string;
  /** sha256 of the prepared audio (the decode cache's key with the backend's key). */
  sha: string;
  duration: number;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 12);

function readDictWords(dict: string): Set<string> {
  const out = new Set<string>();
  for (const line of readFileSync(dict, 'utf8').split('\n')) {
    const w = line.split(/\s/, 1)[0];
    if (w) out.add(w.replace(/\(\d+\)$/, ''));
  }
  return out;
}

/** Rules from flagged substitutions/deletions of a glass-box result (phone loop and black box, deduplicated). */
export function rulesFromFlags(flags: readonly (Pick<ConfusionTest, 'ref' | 'hyp'> & { kind?: ConfusionTest['kind'] })[]): PhoneRule[] {
  const seen = new Set<string>();
  const out: PhoneRule[] = [];
  for (const f of flags) {
    if (f.kind === 'ins' || f.ref === NO_PHONE) continue;
    const k = `${f.ref}>${f.hyp}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ ref: f.ref, hyp: f.hyp });
  }
  return out;
}

/**
 * The entries adapt works on: without the groups in `exclude` and without "undeclared" speakers too few for a
 * speaker-disjoint split (each left-out group said through `warn` with its speakers and utterances). Errors
 * (`AdaptError`, one line): fewer than two groups left (e.g. `--group-by` a key no utterance declares); declared
 * groups with fewer speakers than a split needs — every one with its count, the manifest, and the ways out.
 */
export function groupsToAdapt(entries: readonly ManifestEntry[], key: string, manifest: string, exclude: readonly string[], warn: (w: string) => void): ManifestEntry[] {
  const need = SPLITS.reduce((n, s) => n + DEFAULT_MIN_PER_SPLIT[s], 0);
  const speakers = new Map<string, Set<string>>();
  const utterances = new Map<string, number>();
  for (const e of entries) {
    const g = groupOf(e, key);
    if (!speakers.has(g)) speakers.set(g, new Set());
    speakers.get(g)!.add(speakerOf(e));
    utterances.set(g, (utterances.get(g) ?? 0) + 1);
  }
  const unknown = exclude.filter((g) => !speakers.has(g));
  if (unknown.length) throw new AdaptError(`--exclude-group ${unknown.join(', ')}: not a group of ${manifest} by "${key}" (groups: ${[...speakers.keys()].sort().join(', ')})`);
  const out = new Set(exclude);
  const count = (g: string) => `${speakers.get(g)!.size} speaker${speakers.get(g)!.size === 1 ? '' : 's'}, ${utterances.get(g)} utterance${utterances.get(g) === 1 ? '' : 's'}`;
  for (const g of exclude) warn(`group "${g}" (${count(g)}) left out of adapt (--exclude-group)`);
  for (const [g, spk] of speakers) {
    if (isUndeclaredGroup(g) && !out.has(g) && spk.size < need) {
      out.add(g);
      warn(`"${g}" (utterances that declare no ${key}: ${count(g)}) is too few for a speaker-disjoint split (${need} speakers) and is not ranked anyway: left out of adapt`);
    }
  }
  const left = [...speakers.keys()].filter((g) => !out.has(g));
  if (left.length < 2) {
    throw new AdaptError(`adapt compares groups, and ${manifest} has ${left.length === 1 ? `one group by "${key}" ("${left[0]}")` : `no group by "${key}"`}${[...speakers.keys()].every(isUndeclaredGroup) ? ` (no utterance declares ${key})` : ''}: it needs at least two (choose another key with --group-by)`);
  }
  const small = left.filter((g) => speakers.get(g)!.size < need).sort();
  if (small.length) {
    throw new AdaptError(`${manifest}: a speaker-disjoint train/dev/test split needs at least ${need} speakers per group; too few in ${small.map((g) => `"${g}" (${speakers.get(g)!.size})`).join(', ')}: add speakers, or leave ${small.length === 1 ? 'it' : 'them'} out with ${small.map((g) => `--exclude-group ${g}`).join(' ')}`);
  }
  return entries.filter((e) => !out.has(groupOf(e, key)));
}

function score(u: Utt, hyp: string | undefined, backend: string, norm: (s: string) => string, error?: string): ScoredUtterance {
  const ok = hyp !== undefined;
  let a: ReturnType<typeof alignWithFragments> | undefined;
  try {
    a = u.markedRef !== undefined ? alignWithFragments(u.markedRef, hyp ?? '', norm, `reference of ${u.id}`) : undefined;
  } catch (e) {
    // As `run`: a hypothesis with markup sclite cannot read (an unclosed "{") is a failed row naming the fault.
    return score({ ...u, markedRef: undefined }, undefined, backend, norm, `markup: ${(e as Error).message}`);
  }
  if (a) {
    // As `run` scores a reference that keeps corpus fragments: sclite -D -F (src/score/run-scorer.ts CORPUS_DELETABLE).
    const h = ok ? norm(hyp) : '';
    const words = ok ? a.counts : { ref: a.counts.ref, hits: 0, sub: 0, del: a.counts.ref, ins: 0 };
    const chars = alignCounts([...a.alignedRef.replace(/ /g, '')], [...h.replace(/ /g, '')]);
    return {
      id: u.id, speaker: u.speaker, labels: { ...(u.e.labels ?? {}), split: u.split }, backend, condition: 'clean',
      status: ok ? 'ok' : 'failed', ...(error ? { error } : {}), ref: a.alignedRef, hyp: h, durationSec: u.duration, words, chars,
    };
  }
  const ref = u.ref;
  const h = hyp === undefined ? '' : norm(hyp);
  const rt = tokenize(ref);
  const words = ok ? alignCounts(rt, tokenize(h)) : { ref: rt.length, hits: 0, sub: 0, del: rt.length, ins: 0 };
  const chars = alignCounts([...ref.replace(/ /g, '')], [...h.replace(/ /g, '')]);
  return {
    id: u.id, speaker: u.speaker, labels: { ...(u.e.labels ?? {}), split: u.split }, backend, condition: 'clean',
    status: ok ? 'ok' : 'failed', ...(error ? { error } : {}), ref, hyp: h, durationSec: u.duration, words, chars,
  };
}

/** Failures per group (`(no group)` when a failure names none), then per stage; groups and stages sorted. */
export function countFailures(failures: readonly { group?: string; stage: string }[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const f of [...failures].sort((a, b) => (a.group ?? '(no group)').localeCompare(b.group ?? '(no group)') || a.stage.localeCompare(b.stage))) {
    const g = (out[f.group ?? '(no group)'] ??= {});
    g[f.stage] = (g[f.stage] ?? 0) + 1;
  }
  return out;
}

/** What adapt does with references that keep corpus fragments (splits.json `fragments.policy`). */
export const ADAPT_FRAGMENT_POLICY =
  "Corpus word fragments kept in sclite's notation, (like-), are left out of the glass step's canonical phones (their phones are unknown), utterances holding one are left out of acoustic training (listed in adapt.json's failures), and dev/test decodes are scored with sclite -D -F, as run scores them.";

/**
 * Per group (sorted): utterances whose reference keeps corpus fragments (`markup.deletable`), the fragments, and those
 * utterances per split (`splitOf`: speaker → split). Undefined when no reference keeps one.
 */
export function fragmentCounts(
  entries: readonly ManifestEntry[],
  groupBy: string,
  splitOf: ReadonlyMap<string, SplitName>,
): { policy: string; byGroup: Record<string, { utterances: number; fragments: number } & Record<SplitName, number>> } | undefined {
  const byGroup: Record<string, { utterances: number; fragments: number } & Record<SplitName, number>> = {};
  for (const e of [...entries].sort((a, b) => (groupOf(a, groupBy) < groupOf(b, groupBy) ? -1 : groupOf(a, groupBy) > groupOf(b, groupBy) ? 1 : 0))) {
    if (deletableCount(e.markup) === 0) continue;
    const n = splitFragments(e.text).fragments.length;
    if (!n) continue;
    const c = (byGroup[groupOf(e, groupBy)] ??= { utterances: 0, fragments: 0, train: 0, dev: 0, test: 0 });
    c.utterances++;
    c.fragments += n;
    const s = splitOf.get(speakerOf(e));
    if (s) c[s]++;
  }
  return Object.keys(byGroup).length ? { policy: ADAPT_FRAGMENT_POLICY, byGroup } : undefined;
}

/** The files `adapt` always writes into its output folder (beside per-candidate test-*.jsonl and work/). */
export const ADAPT_OUTPUT_FILES = ['splits.json', 'test.jsonl', 'adapted.yaml', 'adapt.json'] as const;

/** Runs the whole adaptation experiment and writes its files into `opts.out`. */
export async function adapt(opts: AdaptOptions): Promise<AdaptResult> {
  const log = opts.log ?? (() => {});
  // Steps stamped before this moment were made by an earlier run (reused): their recorded cost is kept and said.
  const since = Date.now();
  const out = resolve(opts.out);
  makeOutputDir(out);
  const work = join(out, 'work');
  makeOutputDir(work, 'work folder');
  const base: PocketSphinxOptions = { ...defaultPocketSphinxOptions(), ...opts.base, processes: opts.processes, flags: opts.base?.flags ?? {} };
  const model = inspectModel(base.hmm);
  for (const m of opts.methods) if (m === 'mllr' || m === 'map') requireFor(m, model);
  const norm = getNormaliser(opts.normaliser);
  const normText = (s: string) => norm.normalise(s);
  const failures: AdaptResult['failures'] = [];

  // 1. Manifest, groups, splits.
  const labelsOf = opts.labels;
  const read = opts.entries ?? (labelsOf ? (await loadManifest(opts.manifest)).map((e) => ({ ...e, labels: labelsOf(e) })) : await loadManifest(opts.manifest));
  // The caller said the input's warnings already; the pipeline's own are said as they are found.
  const warnings: string[] = [...(opts.warnings ?? [])];
  const warn = (w: string) => {
    warnings.push(w);
    (opts.onWarning ?? ((m: string) => log(`asrfair: warning: ${m}`)))(w);
  };
  const entries = groupsToAdapt(read, opts.groupBy, opts.manifest, opts.excludeGroups ?? [], warn);
  const byGroup = new Map<string, Set<string>>();
  const groupOfSpeaker = new Map<string, { group: string; e: ManifestEntry }>();
  for (const e of entries) {
    const g = groupOf(e, opts.groupBy);
    const first = groupOfSpeaker.get(speakerOf(e));
    // Speaker-disjoint splits per group need each speaker in one group.
    if (first && first.group !== g) {
      throw new InputError(e.source.file, e.source.line, `speaker "${speakerOf(e)}" is in ${opts.groupBy} "${g}" here and in "${first.group}" at line ${first.e.source.line}: adapt splits speakers per group, so each speaker needs one ${opts.groupBy}`);
    }
    if (!first) groupOfSpeaker.set(speakerOf(e), { group: g, e });
    if (!byGroup.has(g)) byGroup.set(g, new Set());
    byGroup.get(g)!.add(speakerOf(e));
  }
  const profile = new Map<string, string>();
  if (opts.matchSpeakersBy) for (const e of entries) if (e.labels?.[opts.matchSpeakersBy]) profile.set(speakerOf(e), e.labels[opts.matchSpeakersBy]);
  if (opts.matchSpeakersBy && !profile.size) throw new AdaptError(`--match-speakers-by ${opts.matchSpeakersBy}: no utterance of ${opts.manifest} has that label`);
  const split = splitSpeakers(byGroup, { seed: opts.seed, ...(opts.matchSpeakersBy ? { matchKey: (s: string) => profile.get(s) } : {}) });
  const splitOf = splitOfSpeaker(split);
  const inputWarnings = opts.warnings?.length ? { warnings: [...opts.warnings] } : {};
  const fragments = fragmentCounts(entries, opts.groupBy, splitOf);
  writeOutputFile(join(out, 'splits.json'), JSON.stringify({ manifest: resolve(opts.manifest), groupBy: opts.groupBy, grouping: opts.grouping ?? 'as declared in the manifest', ...inputWarnings, ...(fragments ? { fragments } : {}), ...split }, null, 2) + '\n');
  log(`adapt: ${split.groups.map((g) => `${g.group} ${g.train.length}/${g.dev.length}/${g.test.length}`).join(', ')} speakers (train/dev/test), seed ${opts.seed}`);
  if (fragments) {
    const per = Object.entries(fragments.byGroup).map(([g, c]) => `${g} ${c.fragments} in ${c.utterances} (train/dev/test utterances ${c.train}/${c.dev}/${c.test})`);
    log(`adapt: word fragments, per group: ${per.join('; ')}. ${fragments.policy}`);
  }

  // 2. Audio.
  const utts: Utt[] = [];
  const rates: { group: string; split?: SplitName; sampleRate?: number }[] = [];
  for (const e of entries) {
    try {
      const a = await prepareAudio({ id: e.id, audioPath: e.audioPath, start: e.start, end: e.end }, { cacheDir: opts.cacheDir });
      const spk = speakerOf(e);
      // pocketsphinx_batch appends a lower-case `.wav` to control-file entries: link other names (e.g. Kaldi's .WAV).
      let wav = a.wav16k;
      if (!wav.endsWith('.wav')) {
        makeOutputDir(join(work, 'audio'), 'work folder');
        wav = join(work, 'audio', `${a.sha256 || sha(wav)}.wav`);
        if (!existsSync(wav)) symlinkSync(a.wav16k, wav);
      }
      rates.push({ group: groupOf(e, opts.groupBy), split: splitOf.get(spk), ...(a.source?.sampleRate !== undefined ? { sampleRate: a.source.sampleRate } : {}) });
      const marked = deletableCount(e.markup) > 0 && splitFragments(e.text).fragments.length > 0;
      utts.push({ e, id: e.id, speaker: spk, group: groupOf(e, opts.groupBy), split: splitOf.get(spk)!, ref: normText(marked ? splitFragments(e.text).ref : e.text), ...(marked ? { markedRef: e.text } : {}), wav, sha: a.sha256 || contentHash(wav), duration: a.durationSec ?? 0 });
    } catch (err) {
      failures.push({ id: e.id, file: e.audioPath, group: groupOf(e, opts.groupBy), split: splitOf.get(speakerOf(e)), stage: 'audio', error: (err as Error).message });
      opts.onBadInput?.({ file: e.source.file, line: e.source.line, message: (err as Error).message });
    }
  }
  // As `glass` warns: groups recorded at different rates differ on S, Z, F, TH whatever the accent, and a remedy
  // (an MLLR transform especially) can fit the channel instead of the accent.
  const bandwidth = bandwidthWarning(sourceRatesByGroup(rates));
  if (bandwidth) warn(bandwidth);
  // Any clip below 16 kHz is said with its count per group and split, even when groups' shares do not differ (trial 19:
  // one 8 kHz clip in a group was upsampled and used with no line).
  const narrow = rates.filter((r) => r.sampleRate !== undefined && r.sampleRate < 16000);
  if (narrow.length) {
    const per = new Map<string, number>();
    for (const r of narrow) per.set(`${r.group} ${r.split ?? '?'}`, (per.get(`${r.group} ${r.split ?? '?'}`) ?? 0) + 1);
    warn(`${narrow.length} utterance${narrow.length === 1 ? '' : 's'} recorded below 16 kHz (${[...new Set(narrow.map((r) => `${r.sampleRate} Hz`))].join(', ')}), upsampled to 16 kHz and used (they lack the high band the model uses), per ${opts.groupBy} and split: ${[...per].sort().map(([k, n]) => `${k} ${n}`).join(', ')}`);
  }
  const of = (s: SplitName) => utts.filter((u) => u.split === s);
  // One rule for the dev selection and the test report: rank the groups the report ranks (declared, not small cells of
  // the test split; src/adapt/remedy.ts rankedGroups), so the pick never rests on a group the report leaves out.
  const cellsOf = (s: SplitName) =>
    split.groups.map((g) => {
      const us = of(s).filter((u) => u.group === g.group);
      return { group: g.group, speakers: new Set(us.map((u) => u.speaker)).size, words: us.reduce((n, u) => n + tokenize(u.ref).length, 0) };
    });
  const ranked = rankedGroups(cellsOf('test'), opts.minCell).among;
  const thinDev = cellsOf('dev').filter((c) => ranked.includes(c.group) && (c.speakers <= 1 || (opts.minCell !== undefined && c.words < opts.minCell.words)));
  if (thinDev.length) {
    warn(
      `the dev selection rests on few data per group — ${thinDev.map((c) => `${c.group} ${c.speakers} speaker${c.speakers === 1 ? '' : 's'}, ${c.words} words`).join('; ')} ` +
        `(a group with 1 dev speaker${opts.minCell ? ` or under the minimum cell's ${opts.minCell.words} words` : ''}): which candidate wins on dev can be chance; more speakers per group steady it`,
    );
  }
  const dataHash = sha(of('train').map((u) => `${u.id}:${u.wav}`).join('\n'));
  const groups = split.groups.map((g) => g.group);

  // 3. Training data in dictionary words (utterances with OOV words are left out of training, named).
  const dictWords = readDictWords(base.dict);
  const train: (TrainUtterance & { group: string; duration: number })[] = [];
  for (const u of of('train')) {
    if (u.markedRef !== undefined) {
      // Its transcript would train the whole word on the part of it said, or the fragment's audio on its neighbours.
      const n = splitFragments(u.markedRef).fragments;
      failures.push({ id: u.id, group: u.group, split: u.split, stage: 'train-fragments', error: `reference keeps ${n.length} word fragment${n.length === 1 ? '' : 's'} (${n.slice(0, 3).join(' ')}) whose phones are unknown; left out of adaptation` });
      continue;
    }
    const ws = tokenize(u.ref);
    const oov = ws.filter((w) => !dictWords.has(w));
    if (oov.length) failures.push({ id: u.id, group: u.group, split: u.split, stage: 'train-dictionary', error: `words not in ${base.dict}: ${[...new Set(oov)].slice(0, 5).join(' ')}; left out of adaptation` });
    else train.push({ id: u.id, wav: u.wav, words: ws, group: u.group, duration: u.duration });
  }
  const trainAudioSeconds = train.reduce((s, u) => s + u.duration, 0);

  const candidates: Candidate[] = [];
  const everyGroup = (o: Partial<PocketSphinxOptions>) => Object.fromEntries(groups.map((g) => [g, o]));
  candidates.push({ name: 'baseline', method: 'baseline', scope: 'global', options: everyGroup({}), provenance: '', trainSeconds: 0 });

  // 4a. Pronunciation variants from the glass box on the train speakers.
  const rules: Record<string, PhoneRule[]> = opts.rules ? { ...opts.rules } : {};
  const variants: Record<string, VariantResult> = {};
  if (opts.methods.includes('variants')) {
    const t0 = Date.now();
    let glass = { wall: 0, seconds: 0, reused: false };
    if (!opts.rules) {
      const g0 = Date.now();
      const found = await glassFlags(of('train'), groups, work, opts.processes, log);
      glass = { wall: (Date.now() - g0) / 1000, ...stepCost(join(work, 'glass-flags.json'), since) };
      for (const f of found.failures) failures.push({ ...f, group: utts.find((u) => u.id === f.id)?.group });
      for (const g of groups) {
        const r = rulesFromFlags(found.flags[g] ?? []);
        if (r.length) rules[g] = r;
      }
    }
    log(`adapt: flagged rules ${JSON.stringify(rules)}`);
    // Alternates for every dictionary word whose pronunciation has a rule's phone (README), not only the corpus's words:
    // a vocabulary from the references would take the test speakers' words (trial 19: 12 entries, all corpus words),
    // so the adapted decoder would never be hurt by alternates of words they do not say.
    const dictDir = join(work, 'dict');
    makeOutputDir(dictDir, 'work folder');
    const groupOpts: Record<string, Partial<PocketSphinxOptions>> = {};
    for (const g of groups) {
      if (!rules[g]?.length) {
        groupOpts[g] = {};
        continue;
      }
      variants[g] = await writeVariantDictionary(base.dict, join(dictDir, `${sha(g)}.dict`), rules[g]);
      groupOpts[g] = { dict: variants[g].file, provenance: `variants-${sha(JSON.stringify(rules[g]))}-${dataHash}-${split.hash}` };
    }
    // This run's time without the glass step's, plus the glass step's cost as the run that made it recorded it.
    const secs = (Date.now() - t0) / 1000 - glass.wall + glass.seconds;
    if (Object.keys(variants).length) {
      if (opts.variantScope.includes('group')) {
        candidates.push({ name: 'variants/group', method: 'variants', scope: 'group', options: groupOpts, provenance: `variants-group-${dataHash}-${split.hash}`, trainSeconds: secs, trainReused: glass.reused });
      }
      if (opts.variantScope.includes('global')) {
        const all = rulesFromFlags(Object.values(rules).flat());
        variants['*'] = await writeVariantDictionary(base.dict, join(dictDir, 'global.dict'), all);
        const provenance = `variants-global-${sha(JSON.stringify(all))}-${dataHash}-${split.hash}`;
        candidates.push({ name: 'variants/global', method: 'variants', scope: 'global', options: everyGroup({ dict: variants['*'].file, provenance }), provenance, trainSeconds: secs, trainReused: glass.reused });
      }
    } else log('adapt: the glass box flagged no confusion on the train speakers: no pronunciation variants');
  }

  // 4b/c. Acoustic adaptation (MLLR, MAP) on unweighted or group-balanced train data.
  if (opts.methods.includes('mllr') || opts.methods.includes('map')) {
    // A step reused from an earlier run is said, with the cost recorded by the run that made it.
    const costOf = (what: string, output: string) => {
      const c = stepCost(output, since);
      if (c.reused) log(`adapt: ${what} reused from an earlier run (${output}; made in ${c.seconds.toFixed(1)} s)`);
      return c;
    };
    log(`adapt: features of ${train.length} train utterances (sphinx_fe)`);
    const fe = await extractFeatures(model, train, work, Math.max(1, opts.processes), log);
    for (const f of fe.failed) failures.push({ id: f.id, file: f.wav, group: utts.find((u) => u.id === f.id)?.group, stage: 'features', error: f.error });
    const files = await prepareModelFiles(model, work, log);
    const featCosts = [...fe.ok.map((u) => stepCost(join(work, 'feat', `${u.id}.mfc`), since)), stepCost(files.mdef, since), ...(files.mixw.startsWith(`${work}/`) ? [stepCost(files.mixw, since)] : [])];
    const featSecs = featCosts.reduce((a, c) => a + c.seconds, 0);
    const featReused = featCosts.every((c) => c.reused);
    const reusedFeats = fe.ok.filter((u) => stepCost(join(work, 'feat', `${u.id}.mfc`), since).reused).length;
    if (reusedFeats) log(`adapt: features of ${reusedFeats} of ${fe.ok.length} train utterances reused from an earlier run (${join(work, 'feat')})`);
    const seconds = new Map<string, number>();
    for (const u of fe.ok) seconds.set((u as (typeof train)[number]).group, (seconds.get((u as (typeof train)[number]).group) ?? 0) + (u as (typeof train)[number]).duration);
    const maxSec = Math.max(...seconds.values());
    const acousticScope = opts.acousticScope ?? ['global'];
    for (const w of acousticScope.includes('global') ? opts.weightings : []) {
      // Balanced: each group's utterances repeated so every group contributes about as much audio as the largest one.
      const repeat = w === 'balanced' ? (u: TrainUtterance) => Math.max(1, Math.round(maxSec / (seconds.get((u as (typeof train)[number]).group) ?? maxSec))) : () => 1;
      const acc = join(work, `acc-${w}`);
      log(`adapt: bw counts on ${fe.ok.length} train utterances (${w})`);
      await baumWelch(model, files, base.dict, fe.ok, work, acc, repeat, log);
      const bw = costOf(`bw counts (${w})`, acc);
      const bwSecs = bw.seconds + featSecs;
      if (opts.methods.includes('mllr')) {
        log(`adapt: MLLR transform (${w})`);
        const mat = await mllrSolve(model, acc, join(work, `mllr-${w}.matrix`), log);
        const c = costOf(`MLLR transform (${w})`, mat);
        const provenance = `mllr-${w}-${dataHash}-${split.hash}`;
        candidates.push({ name: `mllr/${w}`, method: 'mllr', weighting: w, scope: 'global', options: everyGroup({ mllr: mat, provenance }), provenance, trainSeconds: bwSecs + c.seconds, trainReused: featReused && bw.reused && c.reused });
      }
      if (opts.methods.includes('map')) {
        log(`adapt: MAP model (${w})`);
        const hmm = await mapAdapt(model, files, acc, join(work, `map-${w}`), { tau: opts.tau, mixw: opts.mapWeights, say: log });
        const c = costOf(`MAP model (${w})`, hmm);
        const provenance = `map${opts.mapWeights ? '+weights' : ''}-${w}-${dataHash}-${split.hash}`;
        candidates.push({ name: `map/${w}`, method: 'map', weighting: w, scope: 'global', options: everyGroup({ hmm, provenance }), provenance, trainSeconds: bwSecs + c.seconds, trainReused: featReused && bw.reused && c.reused });
      }
    }

    // Per group: bw on that group's train speakers only, one MLLR transform / MAP model per group.
    if (acousticScope.includes('group')) {
      const mllrOpts: Record<string, Partial<PocketSphinxOptions>> = {};
      const mapOpts: Record<string, Partial<PocketSphinxOptions>> = {};
      let mllrSecs = featSecs;
      let mapSecs = featSecs;
      let mllrReused = featReused;
      let mapReused = featReused;
      for (const g of groups) {
        const mine = fe.ok.filter((u) => (u as (typeof train)[number]).group === g);
        if (!mine.length) {
          failures.push({ id: `(group ${g})`, group: g, stage: 'adapt-group', error: `group "${g}" has no usable train utterance; its per-group model is the baseline` });
          mllrOpts[g] = {};
          mapOpts[g] = {};
          continue;
        }
        const acc = join(work, `acc-group-${sha(g)}`);
        const mineSec = mine.reduce((t, u) => t + (u as (typeof train)[number]).duration, 0);
        const mineSpk = new Set(mine.map((u) => utts.find((x) => x.id === u.id)?.speaker)).size;
        if (mine.length < GROUP_MODEL_MIN.utterances || mineSec < GROUP_MODEL_MIN.seconds) {
          warn(`group "${g}"'s own ${opts.methods.filter((m) => m !== 'variants').map((m) => (m === 'mllr' ? 'MLLR transform' : 'MAP model')).join(' and ')} rest${opts.methods.filter((m) => m !== 'variants').length === 1 ? 's' : ''} on ${mine.length} train utterance${mine.length === 1 ? '' : 's'} (${mineSec.toFixed(1)} s, ${mineSpk} speaker${mineSpk === 1 ? '' : 's'}), below the minimum of ${GROUP_MODEL_MIN.utterances} utterances and ${GROUP_MODEL_MIN.seconds} s: it fits those few recordings, not the group; read its per-group figures as fragile`);
        }
        log(`adapt: bw counts on ${mine.length} train utterances of group ${g}`);
        await baumWelch(model, files, base.dict, mine, work, acc, undefined, log);
        const bw = costOf(`bw counts of group ${g}`, acc);
        mllrReused &&= bw.reused;
        mapReused &&= bw.reused;
        const gHash = sha(mine.map((u) => `${u.id}:${u.wav}`).join('\n'));
        if (opts.methods.includes('mllr')) {
          log(`adapt: MLLR transform of group ${g}`);
          const mat = await mllrSolve(model, acc, join(work, `mllr-group-${sha(g)}.matrix`), log);
          const c = costOf(`MLLR transform of group ${g}`, mat);
          mllrReused &&= c.reused;
          mllrOpts[g] = { mllr: mat, provenance: `mllr-group-${sha(g)}-${gHash}-${split.hash}` };
          mllrSecs += bw.seconds + c.seconds;
        }
        if (opts.methods.includes('map')) {
          log(`adapt: MAP model of group ${g}`);
          const hmm = await mapAdapt(model, files, acc, join(work, `map-group-${sha(g)}`), { tau: opts.tau, mixw: opts.mapWeights, say: log });
          const c = costOf(`MAP model of group ${g}`, hmm);
          mapReused &&= c.reused;
          mapOpts[g] = { hmm, provenance: `map${opts.mapWeights ? '+weights' : ''}-group-${sha(g)}-${gHash}-${split.hash}` };
          mapSecs += bw.seconds + c.seconds;
        }
      }
      if (opts.methods.includes('mllr')) {
        candidates.push({ name: 'mllr/group', method: 'mllr', scope: 'group', options: mllrOpts, provenance: `mllr-group-${dataHash}-${split.hash}`, trainSeconds: mllrSecs, trainReused: mllrReused });
      }
      if (opts.methods.includes('map')) {
        candidates.push({ name: 'map/group', method: 'map', scope: 'group', options: mapOpts, provenance: `map-group-${dataHash}-${split.hash}`, trainSeconds: mapSecs, trainReused: mapReused });
      }
    }
  }

  // 5. Decoding: every candidate on dev; baseline and the selected ones on test.
  const backends = new Map<string, PocketSphinxBackend>();
  const backendFor = (o: Partial<PocketSphinxOptions>) => {
    const k = JSON.stringify(o);
    if (!backends.has(k)) backends.set(k, new PocketSphinxBackend({ ...base, ...o }));
    return backends.get(k)!;
  };
  const decodeSeconds: AdaptResult['decodeSeconds'] = {};
  // Decodes of an earlier (interrupted) run into this work folder, keyed by model contents and audio: reused, not redone.
  const decodeCode = codeVersion(['backends/pocketsphinx.ts']);
  const decodes = new DecodeCache(join(work, 'decodes.jsonl'), decodeCode);
  if (decodes.size) log(`adapt: ${decodes.size} decodes of an earlier run in ${work} are reused where model and audio are unchanged`);
  if (decodes.otherCode) log(`adapt: ${decodes.otherCode} decodes in ${join(work, 'decodes.jsonl')} were made by other code than this (${decodeCode}): decoded again`);
  // The cost of decoding each (candidate, split) as the run that decoded it measured it: a rerun that reuses decodes
  // reports their cost, not zero.
  const costFile = join(work, 'decode-costs.json');
  let costs: Record<string, { audio: number; wall: number }> = {};
  try {
    costs = existsSync(costFile) ? (JSON.parse(readFileSync(costFile, 'utf8')) as typeof costs) : {};
  } catch {
    costs = {};
  }
  const decodeAll = async (c: Candidate, set: readonly Utt[], setName: SplitName): Promise<ScoredUtterance[]> => {
    const t0 = Date.now();
    const audioSec = set.reduce((s, u) => s + u.duration, 0);
    log(`adapt: decoding ${setName} with ${c.name} (${set.length} utterances, ${(audioSec / 60).toFixed(1)} min of audio)`);
    let reusedSec = 0;
    // At most one decode per decoder process at a time, each timed from its own start (decode-queue.ts): waiting for a
    // decoder never counts against the limit.
    const res = await decodeEach(set, base.processes, ADAPT_DECODE_TIMEOUT_MS, async (u, _i, signal) => {
        const b = backendFor(c.options[u.group] ?? {});
        try {
          const done = decodes.get(b.key, u.sha);
          if (done !== undefined) reusedSec += u.duration;
          const text = done ?? (await b.transcribe({ id: u.id, path: u.e.audioPath, wav16k: u.wav, sha256: u.sha, durationSec: u.duration } as Parameters<PocketSphinxBackend['transcribe']>[0], signal)).text;
          if (done === undefined) decodes.put(b.key, u.sha, text);
          const row = score(u, text, `pocketsphinx:${c.name}`, normText);
          // Decoded but not scored (hypothesis markup sclite cannot read): a failed row, listed with its cause as run counts it.
          if (row.status === 'failed') failures.push({ id: u.id, file: u.wav, group: u.group, split: u.split, stage: `score ${c.name} ${setName}`, error: row.error ?? 'not scored' });
          return row;
        } catch (e) {
          failures.push({ id: u.id, file: u.wav, group: u.group, split: u.split, stage: `decode ${c.name}`, error: (e as Error).message });
          // Said when it happens, with the manifest's file:line, the group and what it costs.
          opts.onBadInput?.({
            file: u.e.source.file, line: u.e.source.line,
            message: `${u.id} (${opts.groupBy} ${u.group}, ${setName}): decode with ${c.name} failed: ${(e as Error).message}; ${setName === 'test' ? 'left out of before and after of every tested candidate (counted on its group\'s row)' : `left out of ${c.name}'s dev WER`}`,
          });
          return score(u, undefined, `pocketsphinx:${c.name}`, normText, (e as Error).message);
        }
      });
    const costKey = `${c.name} ${setName} ${sha(JSON.stringify([...new Set(set.map((u) => backendFor(c.options[u.group] ?? {}).key))].sort()))}`;
    const stored = costs[costKey];
    const wall = (Date.now() - t0) / 1000;
    // Reused decodes cost what the run that made them measured (pro rata of its record); unknown (0) without one.
    const reusedWall = reusedSec > 0 && stored && stored.audio > 0 ? (stored.wall * reusedSec) / stored.audio : 0;
    const cost = reusedSec >= audioSec && stored ? stored : { audio: audioSec, wall: wall + reusedWall };
    if (reusedSec > 0) log(`adapt: ${setName} decodes with ${c.name} reused for ${reusedSec.toFixed(1)} of ${audioSec.toFixed(1)} s of audio (same model and audio, decoded by an earlier run or another candidate; ${join(work, 'decodes.jsonl')})`);
    if (reusedSec < audioSec) {
      costs[costKey] = cost;
      writeOutputFile(costFile, JSON.stringify(costs, null, 2) + '\n');
    }
    const d = (decodeSeconds[c.name] ??= { audio: 0, wall: 0, reusedAudio: 0 });
    d.audio += cost.audio;
    d.wall += cost.wall;
    d.reusedAudio += reusedSec;
    return res;
  };
  try {
    for (const c of candidates) {
      const scored = await decodeAll(c, of('dev'), 'dev');
      const perGroup: NonNullable<Candidate['dev']>['perGroup'] = {};
      for (const g of groups) {
        const s = scored.filter((u) => u.status === 'ok' && groupOf(u, opts.groupBy) === g);
        const errors = s.reduce((a, u) => a + u.words.sub + u.words.del + u.words.ins, 0);
        const words = s.reduce((a, u) => a + u.words.ref, 0);
        perGroup[g] = { errors, words, wer: words ? errors / words : NaN };
      }
      const empty = groups.filter((g) => !perGroup[g].words);
      if (empty.length) {
        const why = failures.filter((f) => f.stage === `decode ${c.name}`).slice(-1)[0]?.error ?? 'no dev utterances';
        throw new AdaptError(`${c.name}: no dev utterance of group${empty.length > 1 ? 's' : ''} ${empty.map((g) => `"${g}"`).join(', ')} decoded (${why})`);
      }
      const wers = ranked.map((g) => perGroup[g].wer);
      const tot = Object.values(perGroup).reduce((a, p) => ({ e: a.e + p.errors, w: a.w + p.words }), { e: 0, w: 0 });
      c.dev = { perGroup, worst: Math.max(...wers), average: wers.reduce((a, b) => a + b, 0) / wers.length, pooled: tot.e / tot.w };
    }
    const pick = (key: 'worst' | 'average') => candidates.reduce((best, c) => (c.dev![key] < best.dev![key] ? c : best)).name;
    const selected: Record<Selection, string> = { minimax: pick('worst'), average: pick('average') };
    log(`adapt: selected ${selected.minimax} (minimax dev) and ${selected.average} (average dev)`);
    const testSet = of('test');
    const baseline = await decodeAll(candidates[0], testSet, 'test');
    const testScores = new Map<string, ScoredUtterance[]>([['baseline', baseline]]);
    for (const name of new Set([...Object.values(selected), ...(opts.testAll ? candidates.map((c) => c.name) : [])])) {
      if (!testScores.has(name)) testScores.set(name, await decodeAll(candidates.find((c) => c.name === name)!, testSet, 'test'));
    }
    // Every table over the same test utterances (those baseline and every tested candidate scored), so one baseline has
    // one "before" per group; the utterances cut are counted on their group's row and listed.
    const common = commonTestSet(testScores, opts.groupBy);
    if (common.unpaired.length) {
      const per = Object.entries(common.unpaired.reduce<Record<string, number>>((m, x) => ({ ...m, [x.group]: (m[x.group] ?? 0) + 1 }), {})).map(([g, n]) => `${g} ${n}`).join(', ');
      warn(`${common.unpaired.length} test utterance${common.unpaired.length === 1 ? '' : 's'} left out of before and after of every tested candidate, per ${opts.groupBy}: ${per} (${common.unpaired.slice(0, 5).map((x) => `${x.id}: ${x.why}`).join('; ')}${common.unpaired.length > 5 ? '; …' : ''})`);
    }
    const reportOf = (name: string) =>
      remedyReport(common.rows.get('baseline')!, common.rows.get(name)!, { groupBy: opts.groupBy, beforeName: 'baseline', afterName: name, resamples: opts.resamples, seed: opts.seed, pair: opts.pair, minCell: opts.minCell, unpaired: common.unpaired });
    const remedy = Object.fromEntries((['minimax', 'average'] as const).map((s) => [s, reportOf(selected[s])])) as Record<Selection, RemedyReport>;
    const remedyByCandidate: Record<string, RemedyReport> = {};
    for (const name of testScores.keys()) if (name !== 'baseline') remedyByCandidate[name] = reportOf(name);

    // 6. Files: the split, adapted backends as a suite on the test speakers, the results.
    const files: string[] = [join(out, 'splits.json')];
    const testManifest = join(out, 'test.jsonl');
    // Every test utterance, those whose audio could not be prepared too: `run adapted.yaml` counts them as "audio failed"
    // on their group's row, as a plain run would (trial 19: a corrupt 18+ clip was missing, and the card said 0 failed).
    const testEntries = entries.filter((e) => splitOf.get(speakerOf(e)) === 'test');
    writeOutputFile(testManifest, testEntries.map(({ audioPath, source: _source, ...rest }) => JSON.stringify({ ...rest, audio: audioPath })).join('\n') + '\n');
    files.push(testManifest);
    // Global candidates are ordinary pocketsphinx backends; per-group ones one by-group backend (the group's model for its utterances).
    const backendName = (c: Candidate) => c.name.replace('/', '-');
    // The user's model (the suite's backend) under every candidate: the baseline is it, and an adapted candidate only
    // replaces what its method changed (hmm, dict or mllr).
    const { processes: _p, ...baseSpec } = opts.base ?? {};
    const withBase = (o: Partial<PocketSphinxOptions>): Partial<PocketSphinxOptions> => ({ ...baseSpec, ...o, ...(baseSpec.flags || o.flags ? { flags: { ...baseSpec.flags, ...o.flags } } : {}) });
    const shown = candidates.filter((c) => c.method !== 'baseline' && (Object.values(selected).includes(c.name) || opts.testAll));
    // Model files under the output folder are written relative to adapted.yaml, so the folder can be moved or copied as a
    // whole (result keys hash the files' contents, so cached decodes stay valid there).
    const rel = (o: Partial<PocketSphinxOptions>): Record<string, unknown> =>
      Object.fromEntries(Object.entries(withBase(o)).map(([k, v]) => [k, typeof v === 'string' && (k === 'hmm' || k === 'dict' || k === 'mllr' || k === 'lm') && v.startsWith(`${out}/`) ? relative(out, v) : v]));
    const suiteBackends: { name: string; type: string; options: Record<string, unknown> }[] = [{ name: 'baseline', type: 'pocketsphinx', options: rel({}) }];
    for (const c of shown) {
      if (c.scope === 'global') suiteBackends.push({ name: backendName(c), type: 'pocketsphinx', options: rel(c.options[groups[0]]) });
      else {
        suiteBackends.push({
          name: backendName(c),
          type: 'by-group',
          options: { key: opts.groupBy, groups: Object.fromEntries(groups.map((g) => [g, { type: 'pocketsphinx', options: rel(c.options[g]) }])) },
        });
      }
    }
    const chosen = candidates.find((c) => c.name === selected[opts.select])!;
    const devLine = (c: Candidate) => `${c.name}: ${groups.map((g) => `${g} ${(100 * (c.dev?.perGroup[g]?.wer ?? NaN)).toFixed(1)}%`).join(', ')}`;
    const remedySpec =
      chosen.method === 'baseline'
        ? undefined
        : {
            before: 'baseline',
            after: backendName(chosen),
            ...(opts.pair ? { pair: opts.pair } : {}),
            method: chosen.name,
            scope: chosen.scope,
            provenance: [
              `Chosen by ${opts.select === 'minimax' ? 'worst-group (minimax)' : 'average'} WER on dev speakers among ${candidates.map((c) => c.name).join(', ')} (asrfair adapt).`,
              `Dev WER per candidate — ${candidates.map(devLine).join('; ')}.`,
              `Speaker-disjoint split per ${opts.groupBy}${opts.grouping ? ` as the suite's run groups it (${opts.grouping})` : ''} (seed ${split.seed}, hash ${split.hash}), train/dev/test speakers: ${split.groups.map((g) => `${g.group} ${g.train.length}/${g.dev.length}/${g.test.length}`).join(', ')}; adaptation data hash ${dataHash}, ${(trainAudioSeconds / 60).toFixed(1)} min of training audio; this run holds the test speakers only.`,
              ...(chosen.method === 'variants' ? [`Pronunciation variants for ${Object.entries(rules).map(([g, rs]) => `${g}: ${rs.map((r) => `${r.ref}→${r.hyp}`).join(', ')}`).join('; ')} (${opts.rules ? 'rules given' : 'rules flagged by the glass box on the train speakers'}).`] : []),
            ],
          };
    const suite = join(out, 'adapted.yaml');
    writeOutputFile(
      suite,
      `# Written by asrfair adapt: the baseline and the adapted recognisers on the held-out test speakers.\n# test.jsonl holds the labels as the suite's run recorded them (after its label map and bins), so no map or bins here.\n# by-group backends decode each utterance with its declared group's model. \`asrfair run\` this file: its card has the remedy section.\n` +
        yamlStringify({
          name: 'adapted', kind: 'blackbox', manifest: 'test.jsonl', groupBy: [opts.groupBy], normaliser: opts.normaliser, seed: opts.seed,
          bootstrap: { B: opts.resamples }, ...(opts.minCell ? { minCell: opts.minCell } : {}), model: 'none', backends: suiteBackends, ...(remedySpec ? { remedy: remedySpec } : {}),
        }),
    );
    files.push(suite);
    for (const [name, rows] of testScores) {
      const f = join(out, `test-${name.replace('/', '-')}.jsonl`);
      writeOutputFile(f, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
      files.push(f);
    }
    // Per-utterance files an earlier run into this folder wrote for candidates not in this remedy: removed and said, so
    // no test-*.jsonl with old labels sits beside this run's.
    const stale = readdirSync(out).filter((n) => /^test-.+\.jsonl$/.test(n) && !files.includes(join(out, n))).sort();
    for (const n of stale) rmSync(join(out, n), { force: true });
    if (stale.length) log(`adapt: removed ${stale.length} per-utterance file${stale.length === 1 ? '' : 's'} of an earlier run's candidates not in this remedy: ${stale.join(', ')}`);
    const rulesSource = !opts.methods.includes('variants') ? 'none' : opts.rules ? 'given' : 'glass';
    const failuresByGroup = countFailures(failures);
    const scoreFailed = failures.filter((f) => f.stage.startsWith('score '));
    if (scoreFailed.length) {
      const by = Object.entries(countFailures(scoreFailed)).map(([g, st]) => `${g} ${Object.values(st).reduce((a, b) => a + b, 0)}`).join(', ');
      log(`adapt: ${scoreFailed.length} dev/test decode${scoreFailed.length === 1 ? '' : 's'} not scored (hypothesis markup sclite cannot read; failed rows, per group: ${by}); each is listed in ${join(out, 'adapt.json')} (failures)`);
    }
    const result: AdaptResult = { split, dataHash, candidates, selected, remedy, remedyByCandidate, failures, failuresByGroup, rules, rulesSource, variants, trainAudioSeconds, decodeSeconds, selectionGroups: ranked, warnings, files };
    writeOutputFile(join(out, 'adapt.json'), JSON.stringify(result, null, 2) + '\n');
    files.push(join(out, 'adapt.json'));
    return result;
  } finally {
    for (const b of backends.values()) await b.close();
  }
}

export { AdaptError, SPLITS };
/**
 * The least train data a per-group acoustic model (`--acoustic-scope group`) should rest on before adapt warns: utterances
 * and seconds of that group's train speakers (MLLR's one global transform needs about this much, SphinxTrain's docs
 * suggest minutes for MAP). Trial 19 (Common Voice): England's transform rested on 1 utterance of ~5 s, unsaid.
 */
export const GROUP_MODEL_MIN = { utterances: 10, seconds: 60 } as const;

export const DEFAULT_PROCESSES = Math.max(1, cpus().length);
export const modelHasSendumpOnly = (hmm: string) => existsSync(join(hmm, 'sendump')) && !existsSync(join(hmm, 'mixture_weights'));
