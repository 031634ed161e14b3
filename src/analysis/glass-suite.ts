import pLimit from 'p-limit';
import { cpus } from 'node:os';
import { join } from 'node:path';
import {
  PocketSphinxGlass,
  defaultGlassOptions,
  speechPhones,
  isArpabetPhone,
  type BatchResult,
  type BatchSchedule,
  type GlassOptions,
  type WordAlignment,
} from '../backends/pocketsphinx-glass.ts';
import { PocketSphinxBackend, defaultPocketSphinxOptions } from '../backends/pocketsphinx.ts';
import { noFramesDecoded } from '../backends/pocketsphinx-batch.ts';
import { GlassResultCache } from '../backends/glass-cache.ts';
import { createG2P } from '../text/g2p.ts';
import { loadManifest } from '../manifest/jsonl.ts';
import { groupOf, hasAudio, speakerOf, type Utterance } from '../manifest/schema.ts';
import { prepareAudio } from '../audio/prepare.ts';
import { bandwidthWarning, sourceRatesByGroup, type SourceRates } from '../audio/source-rates.ts';
import { alignWithFragments, FRAGMENT_POLICY, splitFragments } from './fragments.ts';
import { basic } from '../text/normalise.ts';
import { deletableCount } from '../manifest/markup.ts';
import { countMarkup, digitsReason, GlassReferenceNotes, glassReference, markupCountsText, type MarkupByGroup } from './glass-markup.ts';
import { annotatedPairsFromFile, flaggedAnnotationAgreement, type Agreement, type AnnotatedPair } from './glass-l2arctic.ts';
import { findConfusableSounds, type ConfusableOptions, type ConfusableResult, type EvidenceUtterance } from './confusable.ts';
import {
  blackBoxEvidence,
  chosenCanonical,
  pronunciationVariants,
  goodnessByGroup,
  phoneGoodness,
  phoneLoopEvidence,
  words,
  type GoodnessTest,
  type GoodnessUtterance,
  type Pronouncer,
} from './glass.ts';

/** The glass-box suite: phone-level evidence per group, confusable sounds, and forced-alignment goodness. */

export interface GlassUtterance {
  id: string;
  speaker: string;
  group: string;
  /** Reference transcript. */
  ref: string;
  /** 16 kHz mono 16-bit WAV with a 44-byte header (the audio stage's `wav16k`). */
  wav: string;
  /** sha256 of `wav`'s bytes (the audio stage's `AudioRef.sha256`), when known: decoder results are cached on it. */
  sha256?: string;
  /** Hypothesis of any backend, for black-box phone evidence; absent: decoded with PocketSphinx when `decodeWords`. */
  hyp?: string;
  /** The speaker's matching stratum (label `matchBy`), for matched comparisons (ConfusableOptions.matched). */
  match?: string;
  /**
   * `ref` keeps a corpus's optionally deletable words in sclite's notation (`markup.deletable`: CORAAL fragments,
   * `(like-)`): read with the fragment policy of analysis/fragments.ts (left out of the canonical phones; in the
   * black box, with the hypothesis word each matched under sclite -D -F).
   */
  deletable?: boolean;
}

/** Per group: utterances whose reference kept corpus fragments, the fragments left out, and the hypothesis words they matched (black box). */
export interface GlassFragmentCounts {
  policy: string;
  byGroup: Record<string, { utterances: number; fragments: number; hypothesisWordsMatched: number }>;
}

export interface GlassSuiteOptions {
  /** Parallel pocketsphinx processes (default: number of cores). */
  processes: number;
  glass: Partial<GlassOptions>;
  confusable: Partial<ConfusableOptions>;
  /** Decode words with PocketSphinx for utterances without `hyp` (black-box evidence). Default true. */
  decodeWords: boolean;
  /** Run forced alignment (chooses each word's pronunciation variant) and per-phone goodness. Default true. */
  goodness: boolean;
  /** Beam of the forced-alignment retry for utterances the first attempt could not align (default 1e-250). */
  retryBeam: string;
  /** Let forced alignment choose among dictionary pronunciation variants (else the first only). Default true. */
  variants: boolean;
  /** Return the per-utterance phone evidence too (for re-analysis of subsets; not written to reports). */
  keepEvidence: boolean;
  /**
   * Folder of per-utterance decoder results (`GlassResultCache`), looked up before decoding and written as each
   * chunk finishes, so an interrupted run loses only the running chunks. Absent: nothing kept.
   */
  resultCache?: string;
  /** Progress messages (stage names and counts). */
  onProgress?: (message: string) => void;
  signal?: AbortSignal;
}

export interface GlassFailure {
  id: string;
  /** The utterance's group (absent only when the audio could not be read before grouping). */
  group?: string;
  stage: 'phone-loop' | 'alignment' | 'words' | 'g2p' | 'audio';
  error: string;
  /** The decoder saw no frame of the audio (a clip shorter than its window): no recognition. `error` says it for people. */
  noFrames?: true;
  /** The manifest's `audio` as written, and the manifest file and line of the utterance (set by runGlassboxOnManifest). */
  audio?: string;
  source?: { file: string; line: number };
}

/**
 * Forced-alignment retries: utterances the exact grammar could not align are retried with wider
 * beams, then with a grammar in which any phone may be skipped. Counts per attempt and group.
 */
export interface AlignmentRetries {
  attempts: { attempt: 'wider-beams' | 'loose-grammar'; beam: string; tried: number; recovered: number; byGroup: Record<string, { tried: number; recovered: number }> }[];
  /** Canonical phones the loose grammar skipped (no goodness for them), per group. */
  skippedPhones: Record<string, number>;
}

/** Failures counted per group and stage (every utterance that missed a stage, none dropped silently). */
export function failureCounts(failures: readonly GlassFailure[]): { group: string; stage: GlassFailure['stage']; count: number }[] {
  const m = new Map<string, { group: string; stage: GlassFailure['stage']; count: number }>();
  for (const f of failures) {
    const group = f.group ?? '(unknown)';
    const k = `${group}\u0000${f.stage}`;
    const e = m.get(k);
    if (e) e.count++;
    else m.set(k, { group, stage: f.stage, count: 1 });
  }
  return [...m.values()].sort((a, b) => a.group.localeCompare(b.group) || a.stage.localeCompare(b.stage));
}

/** One group of the manifest: what was declared and what reached the analysis. */
export interface GlassGroupCount {
  group: string;
  /** Utterances and speakers the manifest declares for the group. */
  utterances: number;
  speakers: number;
  /** Utterances that went through every stage that ran (the rest are in `failures`). */
  analysed: number;
}

export interface GlassReport {
  groupBy?: string;
  /** Every group of the manifest, including one whose every utterance failed. */
  groups: string[];
  utterances: number;
  speakers: number;
  /** Per group, declared and analysed (set by runGlassboxOnManifest). */
  groupCounts?: GlassGroupCount[];
  /** Per group, the source audio's sample rates (set by runGlassboxOnManifest). */
  sourceRates?: SourceRates;
  /** What the reader must know before reading the findings (e.g. groups recorded at different bandwidths). */
  warnings?: string[];
  /** Markup tokens left out of the references (analysis/glass-markup.ts), per group: utterances and tokens. */
  referenceMarkup?: MarkupByGroup;
  /** Markup tokens left out of the given hypotheses (black box; read as references are), per group: utterances and tokens. */
  hypothesisMarkup?: MarkupByGroup;
  /** Glass-box: canonical phones vs free phone-loop decoding (PocketSphinx). */
  phoneLoop?: ConfusableResult;
  /** Black-box compatible: G2P phones of reference vs hypothesis text. */
  blackBox?: ConfusableResult & { hypothesisSource: string };
  /** Forced-alignment goodness (GOP-like, per frame) per group and canonical phone. */
  goodness?: GoodnessTest[];
  failures: GlassFailure[];
  alignmentRetries?: AlignmentRetries;
  /**
   * `settings.canonical`: which pronunciation the canonical phones are — the dictionary variant forced alignment
   * chose, or each word's first (forced alignment not run, or `variants` off).
   */
  settings: { glass: GlassOptions; engine: string; canonical?: 'aligned-variant' | 'first-variant' };
  evidence?: { phoneLoop: EvidenceUtterance[]; blackBox: EvidenceUtterance[]; goodness: GoodnessUtterance[] };
  /** Corpus word fragments left out of the analysis (analysis/fragments.ts), per group; absent when no reference kept any. */
  fragments?: GlassFragmentCounts;
  /** Agreement of flagged substitutions with human phone-error annotations (L2-ARCTIC), when given. */
  annotations?: { file: string; pairs: AnnotatedPair[]; phoneLoop?: Agreement; blackBox?: Agreement };
}

/**
 * What must be said before a glass run decodes anything (`entries`: the manifest's utterances).
 * `error`: nothing to analyse (no utterance, fewer than two groups), a `referenceGroup` that is not a
 * group, a `matchBy` label no utterance has. `warnings`: a `matchBy` label some utterances lack (the
 * comparisons they take part in fall back to independent speakers, each test says which design it
 * used); groups with fewer than two speakers (a speaker-level test cannot test them).
 */
export function glassInputCheck(
  entries: readonly (Pick<Utterance, 'id' | 'speaker' | 'labels'> & { source?: { file: string; line: number } })[],
  groupBy: string,
  opts: { manifest: string; referenceGroup?: string; matchBy?: string },
): { error?: string; warnings: string[] } {
  const warnings: string[] = [];
  if (entries.length === 0) return { error: `${opts.manifest}: no utterances to analyse`, warnings };
  const speakers = new Map<string, Set<string>>();
  const firstSeen = new Map<string, { group: string; at?: string }>();
  for (const e of entries) {
    const g = groupOf(e, groupBy);
    const spk = speakerOf(e);
    speakers.set(g, (speakers.get(g) ?? new Set()).add(spk));
    const at = e.source ? `${e.source.file}:${e.source.line}` : undefined;
    const seen = firstSeen.get(spk);
    if (!seen) firstSeen.set(spk, { group: g, ...(at ? { at } : {}) });
    else if (seen.group !== g) {
      // A speaker on both sides of a speaker-level test is counted twice: refused, as `adapt` does.
      return {
        error: `${at ? `${at}: ` : ''}speaker "${spk}" is in group "${g}" by "${groupBy}" here and in group "${seen.group}"${seen.at ? ` at ${seen.at}` : ''}: the glass box compares speakers, so each speaker must be in one group (fix the label or the speaker id)`,
        warnings,
      };
    }
  }
  const groups = [...speakers.keys()].sort();
  if (groups.length < 2) return { error: `${opts.manifest}: nothing to compare — every utterance is in group "${groups[0]}" by "${groupBy}"`, warnings };
  if (opts.referenceGroup !== undefined && !speakers.has(opts.referenceGroup)) {
    return { error: `reference group "${opts.referenceGroup}" is not a group of ${opts.manifest} by "${groupBy}" (groups: ${groups.join(', ')})`, warnings };
  }
  if (opts.referenceGroup !== undefined && speakers.get(opts.referenceGroup)!.size < 2) {
    return { error: `reference group "${opts.referenceGroup}" has 1 speaker in ${opts.manifest}: a speaker-level test cannot compare any group with it (choose a reference with at least 2 speakers, or none to compare each group with the rest)`, warnings };
  }
  if (opts.matchBy !== undefined) {
    const has = entries.filter((e) => e.labels?.[opts.matchBy!] !== undefined && e.labels?.[opts.matchBy!] !== '').length;
    if (has === 0) return { error: `no utterance of ${opts.manifest} has the label "${opts.matchBy}" to match speakers by`, warnings };
    if (has < entries.length) {
      warnings.push(
        `${entries.length - has} of ${entries.length} utterances lack the label "${opts.matchBy}": a comparison is matched only when every speaker in it has the label; the others use independent speakers (each test's design is in the report)`,
      );
    }
  }
  const small = groups.filter((g) => speakers.get(g)!.size < 2);
  if (small.length) warnings.push(`${small.map((g) => `"${g}"`).join(', ')} ${small.length === 1 ? 'has' : 'have'} fewer than 2 speakers: a speaker-level test cannot test ${small.length === 1 ? 'it' : 'them'} (reported as not tested)`);
  return { warnings };
}

function withMatch(e: EvidenceUtterance, u: GlassUtterance): EvidenceUtterance {
  return u.match !== undefined ? { ...e, match: u.match } : e;
}

export function defaultGlassSuiteOptions(): GlassSuiteOptions {
  return { processes: Math.max(1, cpus().length), glass: {}, confusable: {}, decodeWords: true, goodness: true, variants: true, keepEvidence: false, retryBeam: '1e-250' };
}

/**
 * Runs the whole glass-box analysis on prepared utterances: phone-loop decoding, forced alignment,
 * black-box phone alignment of hypotheses, and the per-group statistics.
 */
export async function runGlassbox(given: readonly GlassUtterance[], options: Partial<GlassSuiteOptions> = {}): Promise<GlassReport> {
  const o: GlassSuiteOptions = { ...defaultGlassSuiteOptions(), ...options };
  // Corpus fragments `(like-)` never reach G2P: each pass reads the reference without them (analysis/fragments.ts).
  const marked = new Map<string, string>();
  const fragmentCounts: GlassFragmentCounts = { policy: FRAGMENT_POLICY, byGroup: {} };
  // Hypotheses are read as references are (glass-markup.ts; sclite reads both sides' markup alike): markup tokens
  // ([noise], <unk>, (%HESITATION), {breath}) are no words to look phones up for, left out and counted per group.
  const hypothesisMarkup: MarkupByGroup = {};
  const utts = given.map((x) => {
    let u = x;
    if (u.hyp !== undefined) {
      const read = glassReference(u.hyp);
      if (read.markup.length) {
        countMarkup(hypothesisMarkup, u.group, read.markup.length);
        u = { ...u, hyp: read.ref };
      }
    }
    if (!u.deletable) return u;
    const split = splitFragments(u.ref);
    if (!split.fragments.length) return u;
    marked.set(u.id, u.ref);
    const c = (fragmentCounts.byGroup[u.group] ??= { utterances: 0, fragments: 0, hypothesisWordsMatched: 0 });
    c.utterances++;
    c.fragments += split.fragments.length;
    return { ...u, ref: split.ref };
  });
  const progress = o.onProgress ?? (() => {});
  const gopts: GlassOptions = { ...defaultGlassOptions(), processes: o.processes, ...o.glass };
  const failures: GlassFailure[] = [];

  const g2p = await createG2P();
  await g2p.prepare(utts.flatMap((u) => [...words(u.ref), ...(u.hyp ? words(u.hyp) : [])]));
  // Only ARPAbet phones of the acoustic model take part (letter-to-sound may give others).
  const pron: Pronouncer = { word: (w) => g2p.word(w).filter(isArpabetPhone) };

  // Allowed pronunciations per reference word: dictionary variants (forced alignment picks one), else G2P.
  const variantsOf = (w: string): string[][] => {
    const dictProns = o.variants ? g2p.pronunciations(w).filter((p) => p.every(isArpabetPhone)) : [];
    return dictProns.length ? dictProns : [pron.word(w)];
  };
  const prons = new Map(utts.map((u) => [u.id, pronunciationVariants(words(u.ref), variantsOf)]));
  const usable = utts.filter((u) => {
    const ok = prons.get(u.id)!.length > 0;
    if (!ok) failures.push({ id: u.id, group: u.group, stage: 'g2p', error: 'reference has no pronounceable words' });
    return ok;
  });
  const glass = new PocketSphinxGlass(gopts, pron.word);

  // The three decoding stages are independent: run them at once under one limiter of `processes` slots,
  // split into a few chunks each, so no core idles while a stage's slowest process finishes (each
  // utterance is decoded on its own, so the schedule changes no result).
  const slots = pLimit(o.processes);
  const cache = o.resultCache !== undefined ? new GlassResultCache(o.resultCache) : undefined;
  const schedule: BatchSchedule = { limit: slots, chunks: Math.max(o.processes, Math.min(o.processes * 4, Math.floor(usable.length / 16))), ...(cache ? { cache } : {}) };
  progress(`phone-loop decoding of ${usable.length} utterances (${gopts.processes} process${gopts.processes === 1 ? '' : 'es'})`);
  const loopRun = glass.decodePhonesBatch(
    usable.map((u) => ({ id: u.id, wav: u.wav, ...(u.sha256 ? { sha256: u.sha256 } : {}) })),
    o.signal,
    schedule,
  );

  const items = usable.map((u) => ({ id: u.id, wav: u.wav, ...(u.sha256 ? { sha256: u.sha256 } : {}), prons: prons.get(u.id)!.map((w) => w.prons) }));
  const groupOfId = new Map(usable.map((u) => [u.id, u.group]));
  const alignRun = async (): Promise<{ aligned: BatchResult<WordAlignment>; retries: AlignmentRetries }> => {
    progress(`forced alignment of ${usable.length} utterances`);
    const aligned = await glass.forceAlignWordsBatch(items, o.signal, {}, schedule);
    // No silent drops: retry what failed with wider beams, then with a grammar that may skip phones.
    const retries: AlignmentRetries = { attempts: [], skippedPhones: {} };
    for (const attempt of [
      { attempt: 'wider-beams' as const, beam: o.retryBeam, loose: false },
      { attempt: 'loose-grammar' as const, beam: o.retryBeam, loose: true },
    ]) {
      const failed = items.filter((it) => !aligned.get(it.id)?.ok);
      if (failed.length === 0) break;
      progress(`forced alignment: retrying ${failed.length} utterances (${attempt.attempt}, beam ${attempt.beam})`);
      const again = await glass.forceAlignWordsBatch(failed, o.signal, { beam: attempt.beam, loose: attempt.loose }, schedule);
      const byGroup: Record<string, { tried: number; recovered: number }> = {};
      let recovered = 0;
      for (const it of failed) {
        const g = groupOfId.get(it.id)!;
        const row = (byGroup[g] ??= { tried: 0, recovered: 0 });
        row.tried++;
        const r = again.get(it.id);
        if (r?.ok) {
          aligned.set(it.id, r);
          row.recovered++;
          recovered++;
        }
      }
      retries.attempts.push({ attempt: attempt.attempt, beam: attempt.beam, tried: failed.length, recovered, byGroup });
    }
    return { aligned, retries };
  };

  const hyps = new Map<string, string>();
  for (const u of usable) if (u.hyp !== undefined) hyps.set(u.id, u.hyp);
  const missing = usable.filter((u) => u.hyp === undefined);
  let source = 'given hypotheses';
  const wordFailures: GlassFailure[] = [];
  const wordsRun = async (): Promise<void> => {
    if (missing.length === 0 || !o.decodeWords) return;
    progress(`word decoding of ${missing.length} utterances`);
    const be = new PocketSphinxBackend({ ...defaultPocketSphinxOptions(), processes: o.processes });
    source = hyps.size > 0 ? `given hypotheses + ${be.key}` : be.key;
    const decoded = new Map<string, string>();
    try {
      await Promise.all(
        missing.map((u) =>
          slots(async () => {
            try {
              // 'frames-checked': results kept before a 0-frame decode was told from an empty one are not reused.
              const key = cache?.key('words', be.key, 'frames-checked', u);
              const kept = key !== undefined ? cache!.get<string>(key, 'words') : undefined;
              if (kept !== undefined) {
                decoded.set(u.id, kept);
                return;
              }
              const t = await be.transcribe({ id: u.id, path: u.wav, wav16k: u.wav, sha256: u.sha256 ?? '', durationSec: 0 }, o.signal ?? new AbortController().signal);
              // The decoder saw no frame (audio shorter than its window): no recognition, not every word deleted.
              const raw = t.raw as { hypseg?: unknown } | undefined;
              if (typeof raw?.hypseg === 'string' && noFramesDecoded(raw.hypseg)) {
                wordFailures.push({ id: u.id, group: u.group, stage: 'words', error: `empty word result for ${u.id} (pocketsphinx_batch: 0 frames decoded)`, noFrames: true });
                return;
              }
              decoded.set(u.id, t.text);
              if (key !== undefined) cache!.put(key, t.text);
            } catch (e) {
              wordFailures.push({ id: u.id, group: u.group, stage: 'words', error: (e as Error).message });
            }
          }),
        ),
      );
    } finally {
      await be.close();
    }
    // Manifest order, whatever order the decoders finished in.
    for (const u of missing) if (decoded.has(u.id)) hyps.set(u.id, decoded.get(u.id)!);
  };

  const [loop, alignment] = await Promise.all([loopRun, o.goodness ? alignRun() : undefined, wordsRun()]);
  if (cache?.reused.size) progress(`reused from ${cache.dir}: ${[...cache.reused].map(([pass, n]) => `${pass} ${n}`).join(', ')} utterance results (decoded before with the same audio, model and settings)`);

  // Canonical phones: the pronunciation variants forced alignment chose, else each word's first.
  const canonById = new Map(usable.map((u) => [u.id, chosenCanonical(prons.get(u.id)!, [])]));
  let goodness: GoodnessTest[] | undefined;
  const retries = alignment?.retries;
  const gu: GoodnessUtterance[] = [];
  if (alignment && retries) {
    const { aligned } = alignment;
    for (const u of usable) {
      const a = aligned.get(u.id);
      const l = loop.get(u.id);
      if (!a?.ok) {
        failures.push({ id: u.id, group: u.group, stage: 'alignment', error: a?.error ?? 'no result', ...(a?.noFrames ? { noFrames: true as const } : {}) });
        continue;
      }
      const canon = chosenCanonical(prons.get(u.id)!, a.value.chosen);
      canonById.set(u.id, canon);
      const alignedCanon = a.value.canonicalIndex ? a.value.canonicalIndex.map((k) => canon[k]) : canon;
      if (alignedCanon.length < canon.length) retries.skippedPhones[u.group] = (retries.skippedPhones[u.group] ?? 0) + canon.length - alignedCanon.length;
      if (!l?.ok) continue;
      try {
        gu.push({ id: u.id, speaker: u.speaker, group: u.group, ...(u.match !== undefined ? { match: u.match } : {}), phones: phoneGoodness(alignedCanon, a.value.phones, l.value) });
      } catch (e) {
        failures.push({ id: u.id, group: u.group, stage: 'alignment', error: (e as Error).message });
      }
    }
    goodness = goodnessByGroup(gu, o.confusable);
  }

  const loopEvidence: EvidenceUtterance[] = [];
  /** Utterances whose audio the phone loop saw no frame of (its typed flag), with its reason. */
  const unreadable = new Map<string, string>();
  for (const u of usable) {
    const r = loop.get(u.id);
    if (!r?.ok) {
      failures.push({ id: u.id, group: u.group, stage: 'phone-loop', error: r?.error ?? 'no result', ...(r?.noFrames ? { noFrames: true as const } : {}) });
      if (r?.noFrames) unreadable.set(u.id, r.error);
      continue;
    }
    loopEvidence.push(withMatch(phoneLoopEvidence(u, speechPhones(r.value).map((p) => p.phone), pron, canonById.get(u.id)), u));
  }

  let blackBox: GlassReport['blackBox'];
  let bbEvidence: EvidenceUtterance[] = [];
  const order = new Map(usable.map((u, i) => [u.id, i]));
  failures.push(...wordFailures.sort((a, b) => order.get(a.id)! - order.get(b.id)!));
  if (hyps.size > 0) {
    await g2p.prepare([...hyps.values()].flatMap((h) => words(h)));
    bbEvidence = usable.filter((u) => hyps.has(u.id)).flatMap((u) => {
      const hyp = hyps.get(u.id)!;
      // An empty hypothesis for audio the phone loop found no frame in is no evidence (all deleted) but a failure.
      if (!words(hyp).length && unreadable.has(u.id)) {
        failures.push({ id: u.id, group: u.group, stage: 'words', error: `empty hypothesis for audio the phone loop could not read (${unreadable.get(u.id)}): no black-box evidence`, noFrames: true });
        return [];
      }
      const markedRef = marked.get(u.id);
      if (markedRef === undefined) return [withMatch(blackBoxEvidence(u, hyp, pron), u)];
      // A hypothesis word a fragment matched (sclite -D -F) is no error in the run's WER: no evidence either way.
      try {
        const a = alignWithFragments(markedRef, hyp, (t) => basic.normalise(t), `reference of ${u.id}`);
        fragmentCounts.byGroup[u.group].hypothesisWordsMatched += a.matched;
        return [withMatch(blackBoxEvidence(u, a.hyp, pron), u)];
      } catch (e) {
        // Markup sclite cannot read (an unclosed "{"): this utterance gives no black-box evidence, said as a failure.
        failures.push({ id: u.id, group: u.group, stage: 'words', error: `markup: ${(e as Error).message}` });
        return [];
      }
    });
    blackBox = { ...findConfusableSounds(bbEvidence, o.confusable), hypothesisSource: source };
  }

  progress('statistics');
  const phoneLoop = findConfusableSounds(loopEvidence, o.confusable);
  return {
    groups: [...new Set(utts.map((u) => u.group))].sort(),
    utterances: utts.length,
    speakers: new Set(utts.map((u) => u.speaker)).size,
    phoneLoop,
    blackBox,
    goodness,
    failures,
    ...(retries ? { alignmentRetries: retries } : {}),
    ...(marked.size ? { fragments: fragmentCounts } : {}),
    ...(Object.keys(hypothesisMarkup).length ? { hypothesisMarkup } : {}),
    settings: { glass: gopts, engine: 'pocketsphinx_batch (Debian pocketsphinx, en-us acoustic model)', canonical: alignment && o.variants ? 'aligned-variant' : 'first-variant' },
    ...(o.keepEvidence ? { evidence: { phoneLoop: loopEvidence, blackBox: bbEvidence, goodness: gu } } : {}),
  };
}

/** The one line for markup left out of the hypotheses of `source` (a file, or a run's backend), with its count per group. */
function hypothesisMarkupWarning(source: string, byGroup: MarkupByGroup): string {
  const total = Object.values(byGroup).reduce((n, c) => n + c.utterances, 0);
  return `glass: ${source}: markup tokens ([noise], <unk>, (uh), {breath}) left out of ${total} hypothes${total === 1 ? 'is' : 'es'}, as of references (not words: no phones; by group: ${markupCountsText(byGroup)})`;
}

/**
 * Reads a manifest, prepares 16 kHz audio (cached in `cacheDir`), groups by a label key, and runs
 * `runGlassbox`. `hypotheses` (utterance id → text) supplies black-box evidence from another backend.
 */
export async function runGlassboxOnManifest(
  manifest: string,
  groupBy: string,
  opts: Omit<Partial<GlassSuiteOptions>, 'resultCache'> & {
    cacheDir: string;
    /** Decoder results folder (default `<cacheDir>/glass-results`); false: decode everything again. */
    resultCache?: string | false;
    hypotheses?: ReadonlyMap<string, string>;
    /** Where `hypotheses` came from (the `--hyp` file, or the run's backend), named by the line on markup left out of them. */
    hypothesesSource?: string;
    /** L2-ARCTIC annotations side file (utterance id → phone errors) to measure agreement against. */
    annotations?: string;
    /** Only these utterance ids (e.g. the utterances of a run made with --limit or --shard). */
    ids?: ReadonlySet<string>;
    /** Labels by utterance id to group by instead of the manifest's (a run's, after its label map and bins). */
    labels?: ReadonlyMap<string, Record<string, string>>;
    /**
     * Label whose value matches speakers across groups (e.g. `speaker_profile` of `synth --matched-speakers`):
     * sets each utterance's `match` and `confusable.matched`.
     */
    matchBy?: string;
  },
): Promise<GlassReport> {
  const ids = opts.ids;
  const entries = (await loadManifest(manifest)).filter((e) => !ids || ids.has(e.id)).map((e) => (opts.labels?.has(e.id) ? { ...e, labels: opts.labels.get(e.id)! } : e));
  // Read annotations first: a bad file should fail before minutes of decoding.
  const pairs = opts.annotations
    ? annotatedPairsFromFile(
        opts.annotations,
        entries.map((e) => ({ id: e.id, speaker: speakerOf(e), group: groupOf(e, groupBy) })),
      )
    : undefined;
  const failures: GlassFailure[] = [];
  const utts: GlassUtterance[] = [];
  const rates: { group: string; sampleRate?: number }[] = [];
  const limit = pLimit(Math.max(1, opts.processes ?? cpus().length));
  // Markup tokens ([noise], <unk>, (uh), {breath}) left out of references: named (ten lines) and counted per group.
  const notes = new GlassReferenceNotes();
  await Promise.all(
    entries.map((e) =>
      limit(async () => {
        const read = notes.add(glassReference(e.text), { id: e.id, group: groupOf(e, groupBy), where: `${e.source.file}:${e.source.line}`, order: e.source.line });
        if (read.digits.length) {
          // Digits have no one spoken form (42: forty-two or four two): their phones would be guesses. Not analysed.
          failures.push({ id: e.id, group: groupOf(e, groupBy), stage: 'g2p', error: digitsReason(read.digits) });
          return;
        }
        if (!hasAudio(e)) {
          // A text-only utterance (no "audio" key) is not a missing file: say what it is.
          failures.push({ id: e.id, group: groupOf(e, groupBy), stage: 'audio', error: `utterance ${e.id} has no audio (text-only: no "audio" key), and the glass box decodes audio` });
          return;
        }
        try {
          const a = await prepareAudio({ id: e.id, audioPath: e.audioPath, start: e.start, end: e.end }, { cacheDir: opts.cacheDir });
          const match = opts.matchBy !== undefined ? e.labels?.[opts.matchBy] : undefined;
          utts.push({ id: e.id, speaker: speakerOf(e), group: groupOf(e, groupBy), ref: read.ref, wav: a.wav16k, sha256: a.sha256, hyp: opts.hypotheses?.get(e.id), ...(match !== undefined && match !== '' ? { match: String(match) } : {}), ...(deletableCount(e.markup) > 0 ? { deletable: true } : {}) });
          rates.push({ group: groupOf(e, groupBy), sampleRate: a.source?.sampleRate });
        } catch (err) {
          failures.push({ id: e.id, group: groupOf(e, groupBy), stage: 'audio', error: (err as Error).message });
        }
      }),
    ),
  );
  // Keep manifest order so batches (and results) do not depend on completion order.
  const order = new Map(entries.map((e, i) => [e.id, i]));
  utts.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  // Decoder results are kept beside the prepared audio unless the caller says otherwise (false) or names a folder.
  const resultCache = opts.resultCache === false ? undefined : (opts.resultCache ?? join(opts.cacheDir, 'glass-results'));
  const suiteOpts: Partial<GlassSuiteOptions> = { ...opts, resultCache };
  const report = await runGlassbox(utts, opts.matchBy !== undefined ? { ...suiteOpts, confusable: { ...opts.confusable, matched: true } } : suiteOpts);
  const annotations =
    pairs && opts.annotations
      ? {
          file: opts.annotations,
          pairs,
          ...(report.phoneLoop ? { phoneLoop: flaggedAnnotationAgreement(report.phoneLoop, pairs) } : {}),
          ...(report.blackBox ? { blackBox: flaggedAnnotationAgreement(report.blackBox, pairs) } : {}),
        }
      : undefined;
  // Each failure says where its utterance is declared and which audio file it is.
  const byId = new Map(entries.map((e) => [e.id, e]));
  const located = [...failures, ...report.failures].map((f) => {
    const e = byId.get(f.id);
    return e ? { ...f, ...(e.audio !== undefined ? { audio: e.audio } : {}), source: e.source } : f;
  });
  // Groups, speakers and counts as the manifest declares them: a group whose every utterance failed is still a group.
  const failed = new Set(located.map((f) => f.id));
  const counts = new Map<string, { utterances: number; speakers: Set<string>; analysed: number }>();
  for (const e of entries) {
    const c = counts.get(groupOf(e, groupBy)) ?? { utterances: 0, speakers: new Set<string>(), analysed: 0 };
    c.utterances++;
    c.speakers.add(speakerOf(e));
    if (!failed.has(e.id)) c.analysed++;
    counts.set(groupOf(e, groupBy), c);
  }
  const groupCounts = [...counts.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([group, c]) => ({ group, utterances: c.utterances, speakers: c.speakers.size, analysed: c.analysed }));
  const sourceRates = sourceRatesByGroup(rates);
  const bandwidth = bandwidthWarning(sourceRates);
  return {
    ...report,
    groupBy,
    groups: groupCounts.map((c) => c.group),
    utterances: entries.length,
    speakers: new Set(entries.map((e) => speakerOf(e))).size,
    groupCounts,
    sourceRates,
    warnings: [
      ...(report.warnings ?? []),
      ...notes.markupWarnings(),
      ...(report.hypothesisMarkup ? [hypothesisMarkupWarning(opts.hypothesesSource ?? 'given hypotheses', report.hypothesisMarkup)] : []),
      ...(bandwidth ? [bandwidth] : []),
    ],
    ...(Object.keys(notes.markupByGroup).length ? { referenceMarkup: notes.markupByGroup } : {}),
    failures: located,
    ...(annotations ? { annotations } : {}),
  };
}
