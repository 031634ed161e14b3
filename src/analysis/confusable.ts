import { adjustPValues } from '../stats/multiple.ts';
import { informativePrior, logOddsDirichlet } from '../stats/logodds.ts';
import { subSeed } from '../stats/rng.ts';
import { compareClusters, compareSpeakers, type ClusterTestMethod } from './cluster-test.ts';
import { fixedTest, settleFamily, type SettledP } from './settle.ts';
import type { MonteCarloTest } from '../stats/permutation.ts';

/**
 * Confusable sounds: which phone confusions (ref → hyp, deletions, insertions) are over-represented
 * in one self-declared group versus all other groups, with speaker-level evidence.
 */

/** Placeholder phone: `hyp` of a deletion, `ref` of an insertion. */
export const NO_PHONE = '∅';

/** One aligned phone: correct when ref === hyp; deletion when hyp is NO_PHONE; insertion when ref is NO_PHONE. */
export interface PhoneEvent {
  ref: string;
  hyp: string;
  /** Reference word the phone belongs to (insertions: the preceding reference word). */
  word: string;
}

/** A word of the reference and whether the recogniser (or phone decoder) got it wrong. */
export interface WordOutcome {
  word: string;
  error: boolean;
}

export interface EvidenceUtterance {
  id: string;
  speaker: string;
  group: string;
  events: PhoneEvent[];
  words: WordOutcome[];
  /**
   * The speaker's value of the matching label (`ConfusableOptions.matched`), e.g. a synthetic speaker
   * profile shared across groups, or an age band: phone tests then compare matched strata.
   */
  match?: string;
}

export type ConfusionKind = 'sub' | 'del' | 'ins';

export interface ConfusionMatrix {
  group: string;
  utterances: number;
  speakers: number;
  /** Reference phone → number of occurrences (the row totals). */
  refCounts: Record<string, number>;
  /** counts[ref][hyp]: hyp may be the ref itself (correct) or NO_PHONE (deletion); counts[NO_PHONE][hyp]: insertions. */
  counts: Record<string, Record<string, number>>;
}

export interface ConfusableOptions {
  /** Minimum occurrences of a confusion within the group for it to be tested (default 5). */
  minCount: number;
  /**
   * Label-blind filter before Benjamini–Hochberg: a confusion is tested only when its pooled count
   * (group + comparison set) reaches this (default: `minCount`). A higher value shrinks the family
   * without biasing it (Bourgon, Gentleman & Huber 2010).
   */
  minPooledCount?: number;
  /** Minimum speakers of the group showing the confusion (default 2): one speaker cannot make a flag. */
  minSpeakers: number;
  /**
   * Speaker-cluster test of each confusion (see compareClusters). Default `permutation`: strongest
   * when the comparison set has many speakers (group vs rest). `welch` keeps p-value resolution for
   * small reference comparisons (6 vs 6 speakers: 924 splits) — the planted validation uses it.
   */
  test: ClusterTestMethod;
  /** Speaker-level permutations per test when `test` is `permutation` (default 2000). */
  permutations: number;
  /**
   * Compare every other group with this one (it is not tested itself); absent or not among the groups:
   * each group is compared with all the others. A declared reference (e.g. a null or majority group)
   * keeps one planted or real accent from making the others look accented in reverse.
   */
  referenceGroup?: string;
  seed: number;
  /** FDR level for Benjamini–Hochberg across every (group, confusion) tested (default 0.05). */
  alpha: number;
  /** Minimum log-odds z (default 1.96). */
  minZ: number;
  /** Total pseudo-count α₀ of the informative Dirichlet prior, spread by pooled frequencies (default 10). */
  priorScale: number;
  /** Example (utterance, word) pairs kept per confusion (default 5). */
  maxExamples: number;
  /**
   * Phone tests measure each speaker's misrecognition of a phone against the same speaker's other
   * phones (default true): a speaker (or a whole group) recognised worse everywhere — lower pitch, a
   * noisier room — does not make every phone look accented, and the between-speaker spread that
   * otherwise swamps 6-vs-6 comparisons cancels. False: the raw per-speaker rate.
   */
  speakerBaseline: boolean;
  /**
   * Compare matched strata (EvidenceUtterance.match) instead of independent speakers: per stratum on
   * both sides, group mean minus reference mean, then a paired t-test over strata (`compareMatched`).
   * Used when every compared speaker has a match value; otherwise the unmatched test is used and
   * `PhoneTest.design` says so.
   */
  matched: boolean;
}

export const DEFAULT_CONFUSABLE_OPTIONS: ConfusableOptions = {
  minCount: 5,
  minSpeakers: 2,
  test: 'permutation',
  permutations: 2000,
  seed: 1,
  alpha: 0.05,
  minZ: 1.96,
  priorScale: 10,
  maxExamples: 5,
  speakerBaseline: true,
  matched: false,
};

export interface ConfusionExample {
  utteranceId: string;
  word: string;
}

export interface ConfusionTest {
  group: string;
  kind: ConfusionKind;
  ref: string;
  hyp: string;
  /** Occurrences of the confusion and of its denominator (reference phone; all reference phones for insertions). */
  countGroup: number;
  totalGroup: number;
  countRest: number;
  totalRest: number;
  rateGroup: number;
  rateRest: number;
  /** Log-odds ratio (informative Dirichlet prior) of group vs comparison set, and its z. */
  logOdds: number;
  z: number;
  /** Speaker-cluster p (see compareClusters) and its Benjamini–Hochberg adjustment over every test. */
  p: number;
  pAdjusted: number;
  speakersWithConfusion: number;
  speakersInGroup: number;
  flagged: boolean;
  /** Passed its own test (adjusted p, z, counts) but its sound was not flagged, so it is not a flag. */
  withheld: boolean;
  examples: ConfusionExample[];
}

export type PhonePosition = 'word-final' | 'before vowel' | 'before consonant';

/** ARPAbet vowels (CMUdict's 15, stress removed). */
export const ARPABET_VOWELS: ReadonlySet<string> = new Set(['AA', 'AE', 'AH', 'AO', 'AW', 'AY', 'EH', 'ER', 'EY', 'IH', 'IY', 'OW', 'OY', 'UH', 'UW']);
const POS = '\u0001';

/**
 * The same evidence with each reference phone tagged with its position in the word (`R` → `R␁word-final`):
 * the next reference phone of the utterance belongs to another word (or there is none), or it is a
 * vowel or a consonant. Insertions keep NO_PHONE. A word repeated back to back counts as one word.
 */
function positional(utts: readonly EvidenceUtterance[]): EvidenceUtterance[] {
  return utts.map((u) => {
    const refs = u.events.map((e) => ({ phone: e.ref, word: e.word }));
    return { ...u, events: u.events.map((e, i) => (e.ref === NO_PHONE ? e : { ...e, ref: `${e.ref}${POS}${positionInWord(refs, i)}` })) };
  });
}

/**
 * Position of `phones[i]` in its word: `word-final` when the next phone (NO_PHONE entries skipped)
 * belongs to another word or there is none, else `before vowel` / `before consonant` (ARPAbet).
 */
export function positionInWord(phones: readonly { phone: string; word: string }[], i: number): PhonePosition {
  let j = i + 1;
  while (j < phones.length && phones[j].phone === NO_PHONE) j++;
  const next = phones[j];
  return !next || next.word !== phones[i].word ? 'word-final' : ARPABET_VOWELS.has(next.phone) ? 'before vowel' : 'before consonant';
}

/** `R` at `word-final` → the key the positional tests use for it. */
export function positionalPhone(phone: string, position: PhonePosition): string {
  return `${phone}${POS}${position}`;
}

/** Inverse of `positionalPhone` (a plain phone gives no position). */
export function splitPositional(key: string): { phone: string; position?: PhonePosition } {
  const [phone, position] = key.split(POS);
  return position ? { phone, position: position as PhonePosition } : { phone };
}

/**
 * One canonical phone of one group: recognised as something else (substituted or deleted) more often
 * than in the comparison set? `phone` NO_PHONE stands for insertions (inserted phones per reference phone).
 */
export interface PhoneTest {
  group: string;
  phone: string;
  /**
   * Where in the word the tokens are: absent = every position; else only the phone's tokens at the
   * end of a word, or before a vowel / a consonant of the same word. Positional rules (final
   * devoicing, coda R and L, final cluster reduction) touch a share of a phone's tokens, which the
   * all-positions test dilutes.
   */
  position?: PhonePosition;
  /** Tokens not recognised as the phone (insertions: inserted phones) and tokens of the phone (insertions: all reference phones). */
  errorsGroup: number;
  totalGroup: number;
  errorsRest: number;
  totalRest: number;
  rateGroup: number;
  rateRest: number;
  /**
   * Mean over speakers of the per-speaker value tested: the phone's misrecognition rate minus the
   * speaker's rate over its other phones (`speakerBaseline`), else the rate itself.
   */
  excessGroup: number;
  excessRest: number;
  /** `welch`/`permutation` over speakers, or `matched` (paired over `strata` matched strata). */
  design: ClusterTestMethod | 'matched';
  strata?: number;
  p: number;
  /** The smallest p this test could give (its permutation or sign-flip floor; NaN when not testable). */
  pMin: number;
  /** Benjamini–Hochberg over every (group, phone) tested, settled by MMCTest when a p is sampled (`settleFamily`). */
  pAdjusted: number;
  /** How p was obtained (exact or sampled, its Monte Carlo interval) and whether its verdict is settled. */
  mc?: Omit<SettledP, 'p' | 'pAdjusted'>;
  speakersWithErrors: number;
  speakersInGroup: number;
  flagged: boolean;
  /** What the group's tokens became (NO_PHONE: deleted), largest excess over the comparison's rate first. */
  outcomes: { hyp: string; countGroup: number; countRest: number }[];
  /**
   * The test's input, one row per speaker: its side, its tokens of the sound and their misrecognitions, and
   * the value tested (`excessGroup`/`excessRest` are the sides' means of it; NaN: the speaker has no token), and
   * its matching stratum (`match`, the `--match-speakers-by` value) when the design is matched.
   */
  speakerValues: { speaker: string; side: 'group' | 'comparison'; errors: number; tokens: number; value: number; match?: string }[];
}

export interface WordTest {
  group: string;
  word: string;
  errorsGroup: number;
  countGroup: number;
  errorsRest: number;
  countRest: number;
  rateGroup: number;
  rateRest: number;
  logOdds: number;
  z: number;
  p: number;
  pAdjusted: number;
  flagged: boolean;
  utteranceIds: string[];
}

export interface ConfusableResult {
  groups: string[];
  /** What each group was compared with: `rest` (all other groups) or the reference group's name. `*Rest` fields are this set. */
  comparison: string;
  /** Confusion tests in the Benjamini–Hochberg family (listed or not). */
  tested: number;
  /**
   * Every confusion test of the Benjamini–Hochberg family, listed in `confusions` or not (a group rate not above
   * the comparison's enters with p = 1; too few occurrences in the group to be flagged), so the adjustment can be
   * recomputed: (group, ref, hyp, p, adjusted p).
   */
  confusionFamily: { group: string; ref: string; hyp: string; p: number; pAdjusted: number }[];
  /** Per (group, canonical phone): the findings; confusions are flagged only under a flagged phone. */
  phones: PhoneTest[];
  matrices: ConfusionMatrix[];
  /** Every confusion tested, most over-represented first (by z) within each group. */
  confusions: ConfusionTest[];
  /** Words tested for differential error, by z within each group. */
  words: WordTest[];
  options: ConfusableOptions;
}

function bump(m: Record<string, number>, k: string, by = 1): void {
  m[k] = (m[k] ?? 0) + by;
}

export function classifyEvent(e: PhoneEvent): ConfusionKind | 'correct' {
  if (e.ref === NO_PHONE) return 'ins';
  if (e.hyp === NO_PHONE) return 'del';
  return e.ref === e.hyp ? 'correct' : 'sub';
}

/** Per-group confusion matrices (raw counts; divide by refCounts for rates). */
export function confusionMatrices(utts: readonly EvidenceUtterance[]): ConfusionMatrix[] {
  const byGroup = new Map<string, { m: ConfusionMatrix; speakers: Set<string> }>();
  for (const u of utts) {
    let g = byGroup.get(u.group);
    if (!g) {
      g = { m: { group: u.group, utterances: 0, speakers: 0, refCounts: {}, counts: {} }, speakers: new Set() };
      byGroup.set(u.group, g);
    }
    g.m.utterances++;
    g.speakers.add(u.speaker);
    for (const e of u.events) {
      if (e.ref !== NO_PHONE) bump(g.m.refCounts, e.ref);
      bump((g.m.counts[e.ref] ??= {}), e.hyp);
    }
  }
  return [...byGroup.values()]
    .map(({ m, speakers }) => ({ ...m, speakers: speakers.size }))
    .sort((a, b) => a.group.localeCompare(b.group));
}

/** Rate of `ref → hyp` in a matrix, normalised by the reference phone's frequency (insertions: by all reference phones). */
export function confusionRate(m: ConfusionMatrix, ref: string, hyp: string): number {
  const c = m.counts[ref]?.[hyp] ?? 0;
  const total = ref === NO_PHONE ? Object.values(m.refCounts).reduce((a, b) => a + b, 0) : (m.refCounts[ref] ?? 0);
  return total > 0 ? c / total : 0;
}

/** Speaker clusters: counts of each (ref, hyp) outcome and of each reference phone. */
interface Cluster {
  key: string;
  group: string;
  speaker: string;
  match?: string;
  outcome: Map<string, number>;
  refTotals: Map<string, number>;
  allRef: number;
}

const SEP = '\u0000';

function clusters(utts: readonly EvidenceUtterance[]): Cluster[] {
  const map = new Map<string, Cluster>();
  for (const u of utts) {
    // A speaker listed under two groups is two clusters, so permutations keep group sizes meaningful.
    const key = `${u.group}${SEP}${u.speaker}`;
    let c = map.get(key);
    if (!c) map.set(key, (c = { key, group: u.group, speaker: u.speaker, ...(u.match !== undefined ? { match: u.match } : {}), outcome: new Map(), refTotals: new Map(), allRef: 0 }));
    for (const e of u.events) {
      const k = `${e.ref}${SEP}${e.hyp}`;
      c.outcome.set(k, (c.outcome.get(k) ?? 0) + 1);
      if (e.ref !== NO_PHONE) {
        c.refTotals.set(e.ref, (c.refTotals.get(e.ref) ?? 0) + 1);
        c.allRef++;
      }
    }
  }
  return [...map.values()];
}

/**
 * Tests every sound and every confusion of every group against a comparison set — one declared
 * reference group (`referenceGroup`: every other group is compared with it, the reference itself is
 * not tested) or, without one, all the other groups — and flags the over-represented ones.
 *
 * Sounds (`phones`, the findings): which canonical phones, at any position and at each position in
 * the word, the group's speakers have misrecognised more than the comparison's, each measured against
 * the speaker's other phones (`phoneFamily`, `testPhones`).
 *
 * Confusions say as what a sound is heard.
 * Per (group, ref → hyp): the log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi &
 * Quinn 2008) as the effect size, and a speaker-cluster test of the per-speaker rates (count / count
 * of the reference phone; insertions: / all reference phones), one-sided "higher in the group"
 * (`compareClusters`: cluster-level Welch t-test by default, or a speaker permutation test).
 * Multiple testing: Benjamini–Hochberg at `alpha` over every (group, confusion) that passes a filter
 * blind to group labels — pooled count (group + comparison) ≥ `minCount` in ≥ `minSpeakers`
 * speakers — so the filter does not bias the FDR (independent filtering, Bourgon, Gentleman & Huber
 * 2010, PNAS 107:9546). Tests whose group rate is not above the comparison's enter BH with p = 1
 * (conservative) and are not listed. A confusion is flagged when its BH-adjusted p ≤ `alpha`, its
 * log-odds z ≥ `minZ`, it occurs ≥ `minCount` times in ≥ `minSpeakers` speakers of the group, and
 * its reference phone (NO_PHONE for insertions) is a flagged sound of the group: a confusion without
 * a flagged sound is a shift among outcomes (the null group's quirk that the rest lost to an accent),
 * not a sound the group is served worse on.
 */
export function findConfusableSounds(utts: readonly EvidenceUtterance[], opts: Partial<ConfusableOptions> = {}): ConfusableResult {
  const o: ConfusableOptions = { ...DEFAULT_CONFUSABLE_OPTIONS, ...opts };
  const matrices = confusionMatrices(utts);
  const groups = matrices.map((m) => m.group);
  const gi = new Map(groups.map((g, i) => [g, i]));
  const cl = clusters(utts);
  const tests: ConfusionTest[] = [];
  // The Benjamini–Hochberg family, listed tests or not; testIndex maps a listed test into it.
  const family: { group: string; ref: string; hyp: string; test: MonteCarloTest }[] = [];
  const testIndex: number[] = [];
  const all = new Map<string, ConfusionMatrix>(matrices.map((m) => [m.group, m]));
  const reference = o.referenceGroup !== undefined && all.has(o.referenceGroup) ? o.referenceGroup : undefined;

  if (groups.length >= 2) {
    const refPhones = [...new Set(matrices.flatMap((m) => Object.keys(m.counts)))].sort();
    for (const g of groups) {
      if (g === reference) continue;
      const mg = all.get(g)!;
      const rest = matrices.filter((m) => m.group !== g && (reference === undefined || m.group === reference));
      const compSet = new Set(rest.map((m) => gi.get(m.group)!));
      const speakersInGroup = cl.filter((c) => c.group === g).length;
      for (const ref of refPhones) {
        const isIns = ref === NO_PHONE;
        const countsG = new Map<string, number>();
        const countsR = new Map<string, number>();
        for (const [hyp, n] of Object.entries(mg.counts[ref] ?? {})) countsG.set(hyp, n);
        for (const m of rest) for (const [hyp, n] of Object.entries(m.counts[ref] ?? {})) countsR.set(hyp, (countsR.get(hyp) ?? 0) + n);
        const totalG = isIns ? sum(Object.values(mg.refCounts)) : (mg.refCounts[ref] ?? 0);
        const totalR = isIns ? sum(rest.flatMap((m) => Object.values(m.refCounts))) : sum(rest.map((m) => m.refCounts[ref] ?? 0));
        if (totalG === 0 || totalR === 0) continue;
        // Insertions compete with "no insertion" at each reference phone, so both sides sum to their totals.
        if (isIns) {
          countsG.set('', Math.max(0, totalG - sum([...countsG.values()])));
          countsR.set('', Math.max(0, totalR - sum([...countsR.values()])));
        }
        const pooled = new Map<string, number>(countsG);
        for (const [k, v] of countsR) pooled.set(k, (pooled.get(k) ?? 0) + v);
        const lo = logOddsDirichlet(countsG, countsR, informativePrior(pooled, o.priorScale));
        for (const f of lo) {
          const hyp = f.feature;
          if (hyp === '' || hyp === ref || f.countA + f.countB < (o.minPooledCount ?? o.minCount)) continue;
          const key = `${ref}${SEP}${hyp}`;
          const inScope = cl.filter((c) => c.group === g || compSet.has(gi.get(c.group)!));
          // Label-blind filter: too few speakers overall to test → listed untested (p NaN), outside the BH family.
          const eligible = inScope.filter((c) => (c.outcome.get(key) ?? 0) > 0).length >= o.minSpeakers;
          const rateG = f.countA / totalG;
          const rateR = f.countB / totalR;
          if (eligible && !(rateG > rateR)) {
            family.push({ group: g, ref, hyp, test: fixedTest(1) });
            continue;
          }
          const withIt = cl.filter((c) => c.group === g && (c.outcome.get(key) ?? 0) > 0).length;
          const cmp = eligible
            ? compareClusters(
                inScope.map((c) => ({ group: gi.get(c.group)!, num: c.outcome.get(key) ?? 0, den: isIns ? c.allRef : (c.refTotals.get(ref) ?? 0) })),
                gi.get(g)!,
                compSet,
                'greater',
                o.test,
                o.permutations,
                subSeed(o.seed, `${g}|${ref}|${hyp}`),
              )
            : undefined;
          family.push({ group: g, ref, hyp, test: cmp ? cmp.test : fixedTest(Number.NaN) });
          if (f.countA < o.minCount || f.delta <= 0) continue;
          testIndex.push(family.length - 1);
          tests.push({
            group: g,
            kind: isIns ? 'ins' : hyp === NO_PHONE ? 'del' : 'sub',
            ref,
            hyp,
            countGroup: f.countA,
            totalGroup: totalG,
            countRest: f.countB,
            totalRest: totalR,
            rateGroup: rateG,
            rateRest: rateR,
            logOdds: f.delta,
            z: f.z,
            p: Number.NaN,
            pAdjusted: Number.NaN,
            speakersWithConfusion: withIt,
            speakersInGroup,
            flagged: false,
            withheld: false,
            examples: [],
          });
        }
      }
    }
  }
  // BH over the whole family (listed and unlisted tests), settled by MMCTest.
  const settled = settleFamily(family.map((t) => t.test), o.alpha);
  const phones = groups.length >= 2 ? phoneFamily(utts, cl, groups, reference, o) : [];
  const phoneFlagged = new Set(phones.filter((t) => t.flagged).map((t) => `${t.group}${SEP}${t.phone}`));
  tests.forEach((t, i) => {
    const s = settled[testIndex[i]];
    t.p = s.p;
    t.pAdjusted = s.pAdjusted;
    // Hierarchical: a confusion says *as what* a flagged phone is misrecognised, so it needs its phone flagged.
    const passed = !Number.isNaN(t.pAdjusted) && s.decided && t.pAdjusted <= o.alpha && t.z >= o.minZ && t.speakersWithConfusion >= o.minSpeakers;
    t.flagged = passed && phoneFlagged.has(`${t.group}${SEP}${t.ref}`);
    t.withheld = passed && !t.flagged;
  });
  addExamples(tests, utts, o.maxExamples);
  tests.sort((a, b) => a.group.localeCompare(b.group) || Number(b.flagged) - Number(a.flagged) || b.z - a.z);
  const confusionFamily = family.map((t, i) => ({ group: t.group, ref: t.ref, hyp: t.hyp, p: settled[i].p, pAdjusted: settled[i].pAdjusted })).filter((t) => !Number.isNaN(t.p));
  return { groups, comparison: reference ?? 'rest', tested: confusionFamily.length, confusionFamily, phones, matrices, confusions: tests, words: wordTests(utts, groups, o, reference), options: o };
}

/** Each phone test's speaker-level test (its draws), for settling the family (`phoneFamily`). */
const phoneTestOf = new WeakMap<PhoneTest, MonteCarloTest>();

/**
 * Phone tests: for every group (not the reference) and canonical phone with ≥ `minCount` tokens on
 * both sides and ≥ `minPooledCount` (default 2 × `minCount`) misrecognitions on both sides together
 * (a label-blind filter, Bourgon et al. 2010), a speaker-level one-sided test that the phone is misrecognised more in the group than
 * in the comparison set. Each speaker contributes one value: the phone's misrecognition rate minus
 * the rate over the speaker's other phones when `speakerBaseline` (a within-speaker contrast: the
 * cluster-level analogue of a speaker random intercept), else the rate. Test: `compareMatched` over
 * matched strata when `matched` and every compared speaker has a match value, else `compareValues`
 * (`test`: Welch or permutation). Returns unadjusted tests (`phoneFamily` corrects and flags).
 * Insertions (NO_PHONE) use the raw insertion rate per reference phone.
 */
function testPhones(cl: readonly Cluster[], groups: readonly string[], reference: string | undefined, o: ConfusableOptions): PhoneTest[] {
  // Each cluster's outcomes by reference phone (ref → hyp → count), split once, not per phone tested.
  const byRef = new Map<Cluster, Map<string, Map<string, number>>>();
  for (const c of cl) {
    const m = new Map<string, Map<string, number>>();
    for (const [k, v] of c.outcome) {
      const [r, h] = k.split(SEP);
      let row = m.get(r);
      if (!row) m.set(r, (row = new Map()));
      row.set(h, v);
    }
    byRef.set(c, m);
  }
  const errorsOf = (c: Cluster, ph: string): number => {
    if (ph === NO_PHONE) return sum([...(byRef.get(c)!.get(NO_PHONE)?.values() ?? [])]);
    return (c.refTotals.get(ph) ?? 0) - (c.outcome.get(`${ph}${SEP}${splitPositional(ph).phone}`) ?? 0);
  };
  const totalOf = (c: Cluster, ph: string) => (ph === NO_PHONE ? c.allRef : (c.refTotals.get(ph) ?? 0));
  const allErrors = new Map(cl.map((c) => [c, [...c.refTotals.keys()].reduce((s, ph) => s + errorsOf(c, ph), 0)]));
  const value = (c: Cluster, ph: string): number => {
    const n = totalOf(c, ph);
    if (!n) return Number.NaN;
    const e = errorsOf(c, ph);
    if (ph === NO_PHONE || !o.speakerBaseline) return e / n;
    const otherN = c.allRef - n;
    return otherN > 0 ? e / n - (allErrors.get(c)! - e) / otherN : Number.NaN;
  };
  const phones = [...new Set(cl.flatMap((c) => [...c.refTotals.keys()]))].sort();
  if (!phones.some((ph) => ph.includes(POS)) && cl.some((c) => byRef.get(c)!.has(NO_PHONE))) phones.push(NO_PHONE);
  const out: PhoneTest[] = [];
  for (const g of groups) {
    if (g === reference) continue;
    const inG = cl.filter((c) => c.group === g);
    const inC = cl.filter((c) => c.group !== g && (reference === undefined || c.group === reference));
    for (const ph of phones) {
      const sumOver = (cs: readonly Cluster[], f: (c: Cluster) => number) => cs.reduce((s, c) => s + f(c), 0);
      const totalG = sumOver(inG, (c) => totalOf(c, ph));
      const totalR = sumOver(inC, (c) => totalOf(c, ph));
      if (totalG < o.minCount || totalR < o.minCount) continue;
      const errorsG = sumOver(inG, (c) => errorsOf(c, ph));
      const errorsR = sumOver(inC, (c) => errorsOf(c, ph));
      // Label-blind filter (as for confusions): a sound misrecognised fewer than `minPooledCount` times in
      // both sides together (default 2 × minCount) could hardly be flagged and would only enlarge the family.
      if (errorsG + errorsR < (o.minPooledCount ?? 2 * o.minCount)) continue;
      const cmp = compareSpeakers(
        inG.map((c) => ({ value: value(c, ph), match: c.match })),
        inC.map((c) => ({ value: value(c, ph), match: c.match })),
        'greater',
        { ...o, seed: subSeed(o.seed, `phone|${g}|${ph}`) },
      );
      const hyps = new Map<string, { hyp: string; countGroup: number; countRest: number }>();
      for (const [side, cs] of [['countGroup', inG], ['countRest', inC]] as const) {
        for (const c of cs) {
          for (const [h, v] of byRef.get(c)!.get(ph) ?? []) {
            if (h === splitPositional(ph).phone) continue;
            const e = hyps.get(h) ?? { hyp: h, countGroup: 0, countRest: 0 };
            e[side] += v;
            hyps.set(h, e);
          }
        }
      }
      const excess = (x: { countGroup: number; countRest: number }) => x.countGroup - (x.countRest / totalR) * totalG;
      const { phone, position } = splitPositional(ph);
      out.push({
        group: g,
        phone,
        ...(position ? { position } : {}),
        errorsGroup: errorsG,
        totalGroup: totalG,
        errorsRest: errorsR,
        totalRest: totalR,
        rateGroup: errorsG / totalG,
        rateRest: errorsR / totalR,
        excessGroup: cmp.meanGroup,
        excessRest: cmp.meanComparison,
        design: cmp.design,
        ...(cmp.strata !== undefined ? { strata: cmp.strata } : {}),
        p: cmp.p,
        pMin: cmp.pMin,
        pAdjusted: Number.NaN,
        speakersWithErrors: inG.filter((c) => errorsOf(c, ph) > 0).length,
        speakersInGroup: inG.length,
        flagged: false,
        outcomes: [...hyps.values()].sort((x, y) => excess(y) - excess(x) || x.hyp.localeCompare(y.hyp)),
        speakerValues: [...inG.map((c) => ['group', c] as const), ...inC.map((c) => ['comparison', c] as const)].map(([side, c]) => ({ speaker: c.speaker, side, errors: errorsOf(c, ph), tokens: totalOf(c, ph), value: value(c, ph), ...(c.match !== undefined ? { match: c.match } : {}) })),
      });
      phoneTestOf.set(out[out.length - 1], cmp.test);
    }
  }
  return out;
}

/**
 * The phone family: every phone at every position (`testPhones` on the evidence) and at each position
 * in the word (`testPhones` on `positional` evidence; phones whose tokens all sit at one position are
 * tested once), under one Benjamini–Hochberg at `alpha`. Flagged: adjusted p ≤ `alpha`, the group's
 * pooled rate higher, ≥ `minCount` errors from ≥ `minSpeakers` speakers.
 */
function phoneFamily(utts: readonly EvidenceUtterance[], cl: readonly Cluster[], groups: readonly string[], reference: string | undefined, o: ConfusableOptions): PhoneTest[] {
  const whole = testPhones(cl, groups, reference, o);
  const byPosition = testPhones(clusters(positional(utts)), groups, reference, o).filter((t) => {
    const w = whole.find((x) => x.group === t.group && x.phone === t.phone && x.position === undefined);
    return !w || w.totalGroup !== t.totalGroup || w.totalRest !== t.totalRest;
  });
  const out = [...whole, ...byPosition];
  const settled = settleFamily(out.map((t) => phoneTestOf.get(t)!), o.alpha);
  out.forEach((t, i) => {
    const { p, pAdjusted, ...mc } = settled[i];
    t.p = p;
    t.pAdjusted = pAdjusted;
    t.mc = mc;
    t.flagged = !Number.isNaN(t.pAdjusted) && mc.decided && t.pAdjusted <= o.alpha && t.rateGroup > t.rateRest && t.errorsGroup >= o.minCount && t.speakersWithErrors >= o.minSpeakers;
  });
  return out.sort((x, y) => x.group.localeCompare(y.group) || Number(y.flagged) - Number(x.flagged) || x.p - y.p);
}

/**
 * What a group's flagged sounds are heard as: its flagged confusions, and for a flagged sound without
 * one, the outcome with the largest excess over the comparison's rate (`PhoneTest.outcomes[0]`).
 * Insertions are left out. Each (ref, hyp) once, in order of the flags.
 */
export function flaggedOutcomes(result: ConfusableResult, group: string): { ref: string; hyp: string }[] {
  const out: { ref: string; hyp: string }[] = [];
  const add = (ref: string, hyp: string) => {
    if (ref !== NO_PHONE && !out.some((x) => x.ref === ref && x.hyp === hyp)) out.push({ ref, hyp });
  };
  for (const t of flaggedFor(result, group)) add(t.ref, t.hyp);
  for (const t of flaggedPhones(result, group)) if (!out.some((x) => x.ref === t.phone) && t.outcomes[0]) add(t.phone, t.outcomes[0].hyp);
  return out;
}

/** Flagged phones of one group, smallest p first. */
export function flaggedPhones(result: ConfusableResult, group: string): PhoneTest[] {
  return result.phones.filter((t) => t.group === group && t.flagged);
}

function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

function addExamples(tests: ConfusionTest[], utts: readonly EvidenceUtterance[], max: number): void {
  const want = new Map<string, ConfusionTest[]>();
  for (const t of tests) {
    const k = `${t.group}${SEP}${t.ref}${SEP}${t.hyp}`;
    want.set(k, [...(want.get(k) ?? []), t]);
  }
  for (const u of utts) {
    for (const e of u.events) {
      const list = want.get(`${u.group}${SEP}${e.ref}${SEP}${e.hyp}`);
      if (!list) continue;
      for (const t of list) {
        // Distinct words make better examples than one word repeated.
        if (t.examples.length < max && !t.examples.some((x) => x.word === e.word)) t.examples.push({ utteranceId: u.id, word: e.word });
      }
    }
  }
}

function wordTests(utts: readonly EvidenceUtterance[], groups: readonly string[], o: ConfusableOptions, reference: string | undefined): WordTest[] {
  if (groups.length < 2) return [];
  interface WCluster {
    group: string;
    err: Map<string, number>;
    n: Map<string, number>;
  }
  const cmap = new Map<string, WCluster>();
  const ids = new Map<string, string[]>();
  for (const u of utts) {
    const key = `${u.group}${SEP}${u.speaker}`;
    let c = cmap.get(key);
    if (!c) cmap.set(key, (c = { group: u.group, err: new Map(), n: new Map() }));
    for (const w of u.words) {
      c.n.set(w.word, (c.n.get(w.word) ?? 0) + 1);
      if (w.error) {
        c.err.set(w.word, (c.err.get(w.word) ?? 0) + 1);
        const k = `${u.group}${SEP}${w.word}`;
        const l = ids.get(k) ?? [];
        if (l.length < o.maxExamples && !l.includes(u.id)) l.push(u.id);
        ids.set(k, l);
      }
    }
  }
  const cl = [...cmap.values()];
  const gi = new Map(groups.map((g, i) => [g, i]));
  const out: WordTest[] = [];
  const vocab = new Set(cl.flatMap((c) => [...c.n.keys()]));
  for (const g of groups) {
    if (g === reference) continue;
    const inComparison = (c: WCluster) => c.group !== g && (reference === undefined || c.group === reference);
    const compSet = new Set(groups.filter((x) => x !== g && (reference === undefined || x === reference)).map((x) => gi.get(x)!));
    for (const word of vocab) {
      let eg = 0,
        ng = 0,
        er = 0,
        nr = 0;
      for (const c of cl) {
        const e = c.err.get(word) ?? 0;
        const n = c.n.get(word) ?? 0;
        if (c.group === g) {
          eg += e;
          ng += n;
        } else if (inComparison(c)) {
          er += e;
          nr += n;
        }
      }
      if (ng === 0 || nr === 0 || eg < o.minCount) continue;
      const countsG = { err: eg, ok: ng - eg };
      const countsR = { err: er, ok: nr - er };
      const prior = informativePrior({ err: eg + er, ok: ng + nr - eg - er }, o.priorScale);
      const f = logOddsDirichlet(countsG, countsR, prior).find((x) => x.feature === 'err')!;
      if (f.delta <= 0) continue;
      const perm = compareClusters(
        cl.map((c) => ({ group: gi.get(c.group)!, num: c.err.get(word) ?? 0, den: c.n.get(word) ?? 0 })),
        gi.get(g)!,
        compSet,
        'greater',
        o.test,
        o.permutations,
        subSeed(o.seed, `word|${g}|${word}`),
      );
      out.push({
        group: g,
        word,
        errorsGroup: eg,
        countGroup: ng,
        errorsRest: er,
        countRest: nr,
        rateGroup: eg / ng,
        rateRest: er / nr,
        logOdds: f.delta,
        z: f.z,
        p: perm.p,
        pAdjusted: Number.NaN,
        flagged: false,
        utteranceIds: ids.get(`${g}${SEP}${word}`) ?? [],
      });
    }
  }
  const adj = adjustPValues(
    out.map((t) => t.p),
    'bh',
  );
  out.forEach((t, i) => {
    t.pAdjusted = adj[i];
    t.flagged = !Number.isNaN(t.pAdjusted) && t.pAdjusted <= o.alpha && t.z >= o.minZ;
  });
  return out.sort((a, b) => a.group.localeCompare(b.group) || Number(b.flagged) - Number(a.flagged) || b.z - a.z);
}

/** Flagged confusions of one group, most over-represented first. */
export function flaggedFor(result: ConfusableResult, group: string): ConfusionTest[] {
  return result.confusions.filter((t) => t.group === group && t.flagged);
}
