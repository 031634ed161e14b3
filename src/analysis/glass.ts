import { align, tokenize } from '../score/align.ts';
import { basic } from '../text/normalise.ts';
import { subSeed } from '../stats/rng.ts';
import { compareSpeakers, type ClusterTestMethod } from './cluster-test.ts';
import { settleFamily, type SettledP } from './settle.ts';
import type { MonteCarloTest } from '../stats/permutation.ts';
import { ARPABET_VOWELS, NO_PHONE, positionInWord, positionalPhone, splitPositional, type EvidenceUtterance, type PhoneEvent, type PhonePosition, type WordOutcome } from './confusable.ts';

/** Phone-level evidence per utterance: from any hypothesis text (black-box) or from PocketSphinx phone decoding (glass-box). */

/** What evidence building needs from G2P (src/text/g2p.ts's G2P satisfies it). */
export interface Pronouncer {
  /** ARPAbet phones, upper case, stress removed. */
  word(w: string): string[];
}

export interface CanonicalPhone {
  phone: string;
  wordIndex: number;
  word: string;
}

export interface UtteranceMeta {
  id: string;
  speaker: string;
  group: string;
  /** Reference transcript (any case/punctuation: normalised with the `basic` normaliser here). */
  ref: string;
}

export function words(text: string): string[] {
  return tokenize(basic.normalise(text));
}

/** Canonical phones of a word sequence, each tagged with its word. */
export function canonicalPhones(ws: readonly string[], pron: Pronouncer): CanonicalPhone[] {
  const out: CanonicalPhone[] = [];
  ws.forEach((w, wordIndex) => {
    for (const phone of pron.word(w)) out.push({ phone, wordIndex, word: w });
  });
  return out;
}

/** Aligns canonical phones with observed phones; insertions are attributed to the preceding reference word. */
export function phoneEvents(canon: readonly CanonicalPhone[], observed: readonly string[]): { events: PhoneEvent[]; wrongWords: Set<number> } {
  const a = align(
    canon.map((c) => c.phone),
    observed,
  );
  const events: PhoneEvent[] = [];
  const wrongWords = new Set<number>();
  let i = 0;
  for (const op of a.ops) {
    if (op.type === 'I') {
      const c = canon[Math.max(0, i - 1)];
      events.push({ ref: NO_PHONE, hyp: op.hyp!, word: c?.word ?? '' });
      continue;
    }
    const c = canon[i++];
    events.push({ ref: c.phone, hyp: op.type === 'D' ? NO_PHONE : op.hyp!, word: c.word });
    if (op.type !== 'C') wrongWords.add(c.wordIndex);
  }
  return { events, wrongWords };
}

/**
 * Black-box evidence: G2P phones of reference vs hypothesis (any backend's text). Words are aligned
 * first; correctly recognised words anchor the phone alignment, and each run of word errors is aligned
 * at phone level (so a split word, "tink" → "to ink", still lines up). Word outcomes come from the
 * word alignment, so "words with differential error" are recognition errors.
 */
export function blackBoxEvidence(u: UtteranceMeta, hyp: string, pron: Pronouncer): EvidenceUtterance {
  const refWords = words(u.ref);
  const hypWords = words(hyp);
  const wa = align(refWords, hypWords);
  const events: PhoneEvent[] = [];
  const outcomes: WordOutcome[] = [];
  let regionRef: string[] = [];
  let regionHyp: string[] = [];
  let lastWord = '';
  const flush = () => {
    if (regionRef.length === 0 && regionHyp.length === 0) return;
    const canon = canonicalPhones(regionRef, pron);
    const hypPhones = regionHyp.flatMap((w) => pron.word(w));
    if (canon.length === 0) for (const p of hypPhones) events.push({ ref: NO_PHONE, hyp: p, word: lastWord });
    else events.push(...phoneEvents(canon, hypPhones).events);
    if (regionRef.length) lastWord = regionRef[regionRef.length - 1];
    regionRef = [];
    regionHyp = [];
  };
  for (const op of wa.ops) {
    if (op.type !== 'I') outcomes.push({ word: op.ref!, error: op.type !== 'C' });
    if (op.type === 'C') {
      flush();
      for (const p of pron.word(op.ref!)) events.push({ ref: p, hyp: p, word: op.ref! });
      lastWord = op.ref!;
      continue;
    }
    if (op.ref !== undefined) regionRef.push(op.ref);
    if (op.hyp !== undefined) regionHyp.push(op.hyp);
  }
  flush();
  return { id: u.id, speaker: u.speaker, group: u.group, events, words: outcomes };
}

/**
 * Glass-box evidence: canonical phones vs a free phone-loop decoding; a word is wrong when any of its
 * phones is. `canon` defaults to the first pronunciation of each word; pass the pronunciations forced
 * alignment chose (see `chosenCanonical`) so a valid variant ("the" as DH IY) is not counted as an error.
 */
export function phoneLoopEvidence(u: UtteranceMeta, loopPhones: readonly string[], pron: Pronouncer, canon?: readonly CanonicalPhone[]): EvidenceUtterance {
  const refWords = words(u.ref);
  const { events, wrongWords } = phoneEvents(canon ?? canonicalPhones(refWords, pron), loopPhones);
  return {
    id: u.id,
    speaker: u.speaker,
    group: u.group,
    events,
    words: refWords.map((word, i) => ({ word, error: wrongWords.has(i) })),
  };
}

/** Allowed pronunciations of each word (dictionary variants, at most `max`), for alignment grammars. */
export function pronunciationVariants(ws: readonly string[], variants: (w: string) => string[][], max = 4): { wordIndex: number; word: string; prons: string[][] }[] {
  const out: { wordIndex: number; word: string; prons: string[][] }[] = [];
  ws.forEach((word, wordIndex) => {
    const seen = new Set<string>();
    const prons = variants(word).filter((p) => {
      const k = p.join(' ');
      if (p.length === 0 || seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    if (prons.length) out.push({ wordIndex, word, prons: prons.slice(0, max) });
  });
  return out;
}

/** Canonical phones built from the pronunciation chosen for each word. */
export function chosenCanonical(words: ReturnType<typeof pronunciationVariants>, chosen: readonly number[]): CanonicalPhone[] {
  return words.flatMap((w, i) => w.prons[chosen[i] ?? 0].map((phone) => ({ phone, wordIndex: w.wordIndex, word: w.word })));
}

/** A segment with an acoustic score over [startFrame, endFrame). */
export interface ScoredSegment {
  phone: string;
  startFrame: number;
  endFrame: number;
  score: number;
}

export interface PhoneGoodness {
  phone: string;
  word: string;
  startFrame: number;
  endFrame: number;
  /** Forced-alignment acoustic score of the canonical phone. */
  alignedScore: number;
  /** Free phone-loop score over the same frames (overlapping loop segments pro rata). */
  loopScore: number;
  /** (aligned − loop) / frames: 0 when the canonical phone is what the free loop preferred, negative when worse. */
  gop: number;
}

/**
 * GOP-like goodness per aligned phone. `aligned` must be the canonical phones in order (silences removed);
 * `loop` must include silences so every frame has a free-loop score.
 */
export function phoneGoodness(canon: readonly CanonicalPhone[], aligned: readonly ScoredSegment[], loop: readonly ScoredSegment[]): PhoneGoodness[] {
  if (aligned.length !== canon.length) {
    throw new Error(`alignment has ${aligned.length} phones, canonical sequence has ${canon.length}`);
  }
  const out: PhoneGoodness[] = [];
  let j = 0;
  aligned.forEach((seg, k) => {
    const frames = seg.endFrame - seg.startFrame;
    if (frames <= 0) return;
    while (j < loop.length && loop[j].endFrame <= seg.startFrame) j++;
    let loopScore = 0;
    for (let m = j; m < loop.length && loop[m].startFrame < seg.endFrame; m++) {
      const l = loop[m];
      const overlap = Math.min(l.endFrame, seg.endFrame) - Math.max(l.startFrame, seg.startFrame);
      const len = l.endFrame - l.startFrame;
      if (overlap > 0 && len > 0) loopScore += (l.score * overlap) / len;
    }
    out.push({
      phone: seg.phone,
      word: canon[k].word,
      startFrame: seg.startFrame,
      endFrame: seg.endFrame,
      alignedScore: seg.score,
      loopScore,
      gop: (seg.score - loopScore) / frames,
    });
  });
  return out;
}

export interface GoodnessUtterance {
  id: string;
  speaker: string;
  group: string;
  phones: PhoneGoodness[];
  /** The speaker's value of the matching label (see ConfusableOptions.matched). */
  match?: string;
}

/** See `GoodnessTest.baseline`. */
export type GoodnessBaseline = 'same-class' | 'all' | 'none';

export interface GoodnessTest {
  group: string;
  phone: string;
  /** Tokens at one position in the word only (see PhoneTest.position); absent: every position. */
  position?: PhonePosition;
  /** Mean GOP per frame over the phone's tokens, in the group and in the rest. */
  meanGroup: number;
  meanRest: number;
  countGroup: number;
  countRest: number;
  /** meanGroup − meanRest (negative: the group's realisations fit the canonical phone worse). */
  diff: number;
  /**
   * What each speaker's value subtracts: `same-class` the mean GOP of the speaker's other phones of the sound's class
   * (vowels for a vowel, consonants for a consonant), `all` of all its other phones, `none` nothing (the mean GOP).
   */
  baseline: GoodnessBaseline;
  /** Mean over speakers of the value tested (the sound's mean GOP minus the baseline, or the mean GOP). */
  excessGroup?: number;
  excessRest?: number;
  /** `welch`/`permutation` over speakers, or `matched` (paired over `strata` matched strata). */
  design?: ClusterTestMethod | 'matched';
  strata?: number;
  p: number;
  /** The smallest p this test could give with its speakers (permutation or sign-flip floor; NaN when not testable). */
  pMin?: number;
  pAdjusted: number;
  /** How p was obtained (exact or sampled, its Monte Carlo interval) and whether its verdict is settled (MMCTest). */
  mc?: Omit<SettledP, 'p' | 'pAdjusted'>;
  flagged: boolean;
  /** Lowest-scoring tokens in the group. */
  examples: { utteranceId: string; word: string; gop: number }[];
  /**
   * The test's input, one row per speaker (as `PhoneTest.speakerValues`): its side, its tokens of the phone (at the
   * test's position) and the value tested (the phone's mean GOP minus the mean GOP of the speaker's other phones, or
   * the mean GOP without `speakerBaseline`; NaN, null in JSON: the speaker takes no part). `excessGroup`/`excessRest`
   * are the sides' means of it; `match` is the speaker's matching stratum when the design is `matched`.
   */
  speakerValues: { speaker: string; side: 'group' | 'comparison'; tokens: number; value: number; match?: string }[];
}

/**
 * Per group and canonical phone: is the forced-alignment goodness (GOP per frame) lower than in the
 * comparison set — the `referenceGroup` when given and present (it is not tested itself), else all
 * other groups? Each speaker contributes one value: the phone's mean GOP minus the mean GOP of the
 * speaker's other phones when `speakerBaseline` (default true: a within-speaker contrast, so a speaker
 * whose voice fits the models worse everywhere does not make every phone look accented), else the
 * phone's mean GOP. `goodnessBaseline: 'same-class'` takes that baseline over the speaker's other
 * phones of the sound's class only (vowels for a vowel, consonants for a consonant), so a group's
 * rewritten consonants do not lower its vowels' baseline; on the held-out planted decode it was no
 * better than all phones (README "Planted accents", seed 13), so it is not the default. One-sided "lower in the group": `compareMatched` over matched strata when
 * `matched` and every compared speaker has a match value, else `compareValues` (`test`: Welch or
 * speaker permutations; default permutation). Benjamini–Hochberg over all (group, phone) with
 * ≥ `minCount` tokens on each side. A phone is flagged when its adjusted p ≤ `alpha` and its mean is
 * lower by ≥ `minDiff` (GOP units per frame, default 0).
 */
export function goodnessByGroup(
  utts: readonly GoodnessUtterance[],
  opts: {
    minCount?: number;
    permutations?: number;
    seed?: number;
    alpha?: number;
    maxExamples?: number;
    referenceGroup?: string;
    test?: ClusterTestMethod;
    minDiff?: number;
    speakerBaseline?: boolean;
    goodnessBaseline?: 'same-class' | 'all';
    matched?: boolean;
  } = {},
): GoodnessTest[] {
  const minCount = opts.minCount ?? 5;
  const minDiff = opts.minDiff ?? 0;
  const test = opts.test ?? 'permutation';
  const permutations = opts.permutations ?? 2000;
  const seed = opts.seed ?? 1;
  const alpha = opts.alpha ?? 0.05;
  const maxExamples = opts.maxExamples ?? 5;
  const groups = [...new Set(utts.map((u) => u.group))].sort();
  if (groups.length < 2) return [];
  const SEP = '\u0000';
  const baseline: GoodnessBaseline = (opts.speakerBaseline ?? true) ? (opts.goodnessBaseline ?? 'all') : 'none';
  type Pool = 'vowel' | 'consonant' | 'all';
  // The speaker's phones a phone's baseline is taken over: its class (same-class) or all.
  const poolOf = (phone: string): Pool => (baseline !== 'same-class' ? 'all' : ARPABET_VOWELS.has(splitPositional(phone).phone) ? 'vowel' : 'consonant');
  const cmap = new Map<string, { speaker: string; group: string; match?: string; sum: Map<string, number>; n: Map<string, number>; sumPool: Record<Pool, number>; nPool: Record<Pool, number> }>();
  for (const u of utts) {
    const key = `${u.group}${SEP}${u.speaker}`;
    let c = cmap.get(key);
    if (!c) cmap.set(key, (c = { speaker: u.speaker, group: u.group, ...(u.match !== undefined ? { match: u.match } : {}), sum: new Map(), n: new Map(), sumPool: { vowel: 0, consonant: 0, all: 0 }, nPool: { vowel: 0, consonant: 0, all: 0 } }));
    u.phones.forEach((p, i) => {
      for (const k of [p.phone, positionalPhone(p.phone, positionInWord(u.phones, i))]) {
        c.sum.set(k, (c.sum.get(k) ?? 0) + p.gop);
        c.n.set(k, (c.n.get(k) ?? 0) + 1);
      }
      c.sumPool[poolOf(p.phone)] += p.gop;
      c.nPool[poolOf(p.phone)]++;
    });
  }
  const value = (c: (typeof cmap extends Map<string, infer V> ? V : never), phone: string): number => {
    const n = c.n.get(phone) ?? 0;
    if (!n) return Number.NaN;
    const m = (c.sum.get(phone) ?? 0) / n;
    if (baseline === 'none') return m;
    const k = poolOf(phone);
    return c.nPool[k] > n ? m - (c.sumPool[k] - (c.sum.get(phone) ?? 0)) / (c.nPool[k] - n) : Number.NaN;
  };
  const cl = [...cmap.values()];
  const gi = new Map(groups.map((g, i) => [g, i]));
  const phones = [...new Set(cl.flatMap((c) => [...c.n.keys()]))].sort();
  const out: GoodnessTest[] = [];
  const mcTests: MonteCarloTest[] = [];
  const reference = opts.referenceGroup !== undefined && groups.includes(opts.referenceGroup) ? opts.referenceGroup : undefined;
  const totalOf = (g: string, phone: string, inGroup: boolean): number => {
    let n = 0;
    for (const c of cl) if ((c.group === g) === inGroup && (inGroup || reference === undefined || c.group === reference)) n += c.n.get(phone) ?? 0;
    return n;
  };
  for (const g of groups) {
    if (g === reference) continue;
    const compSet = new Set(groups.filter((x) => x !== g && (reference === undefined || x === reference)).map((x) => gi.get(x)!));
    for (const phone of phones) {
      let sg = 0,
        ng = 0,
        sr = 0,
        nr = 0;
      for (const c of cl) {
        if (c.group === g) {
          sg += c.sum.get(phone) ?? 0;
          ng += c.n.get(phone) ?? 0;
        } else if (compSet.has(gi.get(c.group)!)) {
          sr += c.sum.get(phone) ?? 0;
          nr += c.n.get(phone) ?? 0;
        }
      }
      if (ng < minCount || nr < minCount) continue;
      // A position holding all of a phone's tokens repeats the all-positions test: tested once.
      const { phone: basePhone, position } = splitPositional(phone);
      if (position && ng === totalOf(g, basePhone, true) && nr === totalOf(g, basePhone, false)) continue;
      const diff = sg / ng - sr / nr;
      const sides = [...cl.filter((c) => c.group === g).map((c) => ['group', c] as const), ...cl.filter((c) => compSet.has(gi.get(c.group)!)).map((c) => ['comparison', c] as const)];
      const speakerValues: GoodnessTest['speakerValues'] = sides.map(([side, c]) => ({ speaker: c.speaker, side, tokens: c.n.get(phone) ?? 0, value: value(c, phone), ...(c.match !== undefined ? { match: c.match } : {}) }));
      const cmp = compareSpeakers(
        speakerValues.filter((v) => v.side === 'group'),
        speakerValues.filter((v) => v.side === 'comparison'),
        'less',
        { matched: opts.matched ?? false, test, permutations, seed: subSeed(seed, `gop|${g}|${phone}`) },
      );
      mcTests.push(cmp.test);
      out.push({ group: g, phone: basePhone, ...(position ? { position } : {}), baseline, meanGroup: sg / ng, meanRest: sr / nr, countGroup: ng, countRest: nr, diff, excessGroup: cmp.meanGroup, excessRest: cmp.meanComparison, design: cmp.design, ...(cmp.strata !== undefined ? { strata: cmp.strata } : {}), p: cmp.p, pMin: cmp.pMin, pAdjusted: Number.NaN, flagged: false, examples: [], speakerValues });
    }
  }
  const settled = settleFamily(mcTests, alpha);
  out.forEach((t, i) => {
    const { p, pAdjusted, ...mc } = settled[i];
    t.p = p;
    t.pAdjusted = pAdjusted;
    t.mc = mc;
    t.flagged = t.diff < -minDiff && mc.decided && t.pAdjusted <= alpha;
  });
  for (const t of out) {
    const toks = utts
      .filter((u) => u.group === t.group)
      .flatMap((u) => u.phones.filter((p, i) => p.phone === t.phone && (!t.position || positionInWord(u.phones, i) === t.position)).map((p) => ({ utteranceId: u.id, word: p.word, gop: p.gop })));
    t.examples = toks.sort((a, b) => a.gop - b.gop).slice(0, maxExamples);
  }
  return out.sort((a, b) => a.group.localeCompare(b.group) || Number(b.flagged) - Number(a.flagged) || a.diff - b.diff);
}
