import type { PlantedUtterance } from '../corpora/planted/index.ts';
import { findConfusableSounds, NO_PHONE, type ConfusableOptions, type PhoneTest } from './confusable.ts';
import { goodnessByGroup, type GoodnessTest } from './glass.ts';
import type { GlassReport } from './glass-suite.ts';
import { createRng } from '../stats/rng.ts';
import { welchTTest } from '../stats/tests.ts';

/**
 * Validation of the glass box against planted accents (src/corpora/planted): which planted
 * confusions each kind of evidence recovers (recall) and how many of its flags are planted (precision).
 *
 * Definitions (ours; stated in the bench output):
 * - A planted confusion of a group is a canonical → planted phone pair its rules produced (`∅` for a
 *   deletion), counted over the group's ground truth. It is *visible* when it occurs at least
 *   `minTokens` times (default 10) in at least `minSpeakers` speakers (default 2): fewer could not be
 *   flagged by the suite's own minimum counts.
 * - A flag is a flagged sound (group, canonical phone; phone loop and black box: `ConfusableResult.phones`,
 *   at any position; goodness: a phone that fits worse). It is correct when the phone is the canonical
 *   side of a planted pair of that group; flagged confusions (group, ref → hyp) give strict recall.
 * - Recall of a rule = its visible planted pairs that are flagged in its group / its visible planted
 *   pairs (goodness: visible canonical phones flagged / visible canonical phones).
 * - Precision = correct flags / all flags, over every group (a null group's flags are all wrong);
 *   lenient precision counts a flag on a rewritten canonical phone as correct whatever it became.
 */

export type EvidenceKind = 'phoneLoop' | 'goodness' | 'blackBox';
export const EVIDENCE_KINDS: readonly EvidenceKind[] = ['phoneLoop', 'goodness', 'blackBox'];

export interface PlantedPair {
  group: string;
  rule: string;
  from: string;
  /** Planted phone, or NO_PHONE for a deletion. */
  to: string;
  tokens: number;
  speakers: number;
  visible: boolean;
}

export interface RuleRecall {
  group: string;
  rule: string;
  /** Visible planted pairs (`TH→T`), and those flagged. */
  visible: string[];
  found: string[];
  /** found / visible (NaN when nothing is visible). */
  recall: number;
  /** Pairs with enough tokens that the engine does not show (`seen` returned false), left out of `visible`. */
  unseen: string[];
  /** Visible pairs whose canonical phone is flagged in the group with any outcome (DH → T for DH → D). */
  foundByPhone: string[];
  recallByPhone: number;
}

export interface EvidenceValidation {
  kind: EvidenceKind;
  rules: RuleRecall[];
  flags: number;
  correctFlags: number;
  /** correctFlags / flags (NaN without flags). */
  precision: number;
  /**
   * Lenient precision: flags whose canonical phone is one the group's rules rewrote (e.g. DH → T when
   * DH → D was planted: the recogniser heard the stop but not its voicing) / flags.
   */
  precisionByPhone: number;
  /** Flags that are not planted pairs, as `group: ref→hyp` (goodness: `group: phone`). */
  wrong: string[];
  /**
   * Flags that are planted pairs or consequences of the planted rules (`attributionOf`: per token, the
   * group's excess in rewritten words is ≥ 2× that in other words); NaN counts when no evidence was given.
   */
  attributedFlags: number;
  precisionAttributed: number;
  /** Flags neither planted nor attributable, as `group: ref→hyp`. */
  unattributed: string[];
}

/** Planted pairs per group from the ground truth. */
export function plantedPairs(truth: readonly PlantedUtterance[], opts: { minTokens?: number; minSpeakers?: number } = {}): PlantedPair[] {
  const minTokens = opts.minTokens ?? 10;
  const minSpeakers = opts.minSpeakers ?? 2;
  const m = new Map<string, PlantedPair & { spk: Set<string> }>();
  for (const u of truth) {
    for (const w of u.words) {
      for (const a of w.applied) {
        const to = a.to === '-' ? NO_PHONE : a.to;
        const k = `${u.group}\u0000${a.from}\u0000${to}`;
        let e = m.get(k);
        if (!e) m.set(k, (e = { group: u.group, rule: a.rule, from: a.from, to, tokens: 0, speakers: 0, visible: false, spk: new Set() }));
        e.tokens++;
        e.spk.add(u.speaker);
      }
    }
  }
  return [...m.values()].map(({ spk, ...e }) => ({ ...e, speakers: spk.size, visible: e.tokens >= minTokens && spk.size >= minSpeakers }));
}

const pairKey = (from: string, to: string) => `${from}→${to}`;

/** Recall per rule and precision of one kind of evidence. `flags`: (group, ref, hyp) for confusions; (group, phone) with hyp undefined for goodness. */
export function validateFlags(
  kind: EvidenceKind,
  pairs: readonly PlantedPair[],
  flags: readonly { group: string; ref: string; hyp?: string }[],
  attributed?: (kind: EvidenceKind, f: { group: string; ref: string; hyp?: string }) => boolean,
  seen?: (kind: EvidenceKind, p: PlantedPair) => boolean,
  pairFlags: readonly { group: string; ref: string; hyp: string }[] = [],
): EvidenceValidation {
  const byGroup = new Map<string, PlantedPair[]>();
  for (const p of pairs) byGroup.set(p.group, [...(byGroup.get(p.group) ?? []), p]);
  const isCorrect = (f: { group: string; ref: string; hyp?: string }) =>
    (byGroup.get(f.group) ?? []).some((p) => (f.hyp === undefined ? p.from === f.ref : p.from === f.ref && p.to === f.hyp));
  const rules: RuleRecall[] = [];
  const ruleKeys = [...new Set(pairs.map((p) => `${p.group}\u0000${p.rule}`))].sort();
  for (const rk of ruleKeys) {
    const [group, rule] = rk.split('\u0000');
    const enough = pairs.filter((p) => p.group === group && p.rule === rule && p.visible);
    const vis = enough.filter((p) => !seen || seen(kind, p));
    const name = (ps: PlantedPair[]) => (kind === 'goodness' ? [...new Set(ps.map((p) => p.from))] : ps.map((p) => pairKey(p.from, p.to)));
    const visible = name(vis);
    const unseen = name(enough.filter((p) => !vis.includes(p))).filter((x) => !visible.includes(x));
    const found = visible.filter((v) =>
      kind === 'goodness'
        ? flags.some((f) => f.group === group && f.ref === v)
        : [...flags, ...pairFlags].some((f) => f.group === group && f.hyp !== undefined && pairKey(f.ref, f.hyp) === v),
    );
    const foundByPhone = kind === 'goodness' ? found : visible.filter((v) => flags.some((f) => f.group === group && f.ref === v.split('→')[0]));
    rules.push({ group, rule, visible, unseen, found, recall: visible.length ? found.length / visible.length : Number.NaN, foundByPhone, recallByPhone: visible.length ? foundByPhone.length / visible.length : Number.NaN });
  }
  const correct = flags.filter(isCorrect);
  const onPlantedPhone = flags.filter((f) => (byGroup.get(f.group) ?? []).some((p) => p.from === f.ref));
  const label = (f: { group: string; ref: string; hyp?: string }) => `${f.group}: ${f.hyp === undefined ? f.ref : pairKey(f.ref, f.hyp)}`;
  const wrong = flags.filter((f) => !isCorrect(f)).map(label);
  const unattributed = attributed ? flags.filter((f) => !isCorrect(f) && !attributed(kind, f)) : [];
  const attributedFlags = attributed ? flags.length - unattributed.length : Number.NaN;
  return {
    kind,
    rules,
    flags: flags.length,
    correctFlags: correct.length,
    precision: flags.length ? correct.length / flags.length : Number.NaN,
    precisionByPhone: flags.length ? onPlantedPhone.length / flags.length : Number.NaN,
    wrong,
    attributedFlags,
    precisionAttributed: flags.length ? attributedFlags / flags.length : Number.NaN,
    unattributed: unattributed.map(label),
  };
}

/**
 * Findings of a glass report, per kind of evidence: flagged phones (group, phone; `hyp` absent) —
 * phone-loop and black-box phone tests, goodness tests.
 */
export function reportFlags(report: GlassReport): Record<EvidenceKind, { group: string; ref: string; hyp?: string }[]> {
  const phones = (r: GlassReport['phoneLoop']) => (r?.phones ?? []).filter((t) => t.flagged).map((t) => ({ group: t.group, ref: t.phone }));
  return {
    phoneLoop: phones(report.phoneLoop),
    blackBox: phones(report.blackBox),
    goodness: (report.goodness ?? []).filter((t) => t.flagged).map((t) => ({ group: t.group, ref: t.phone })),
  };
}

/** Flagged confusions (group, ref → hyp) of a report: what each flagged phone was heard as (strict recall). */
export function reportPairFlags(report: GlassReport): Record<EvidenceKind, { group: string; ref: string; hyp: string }[]> {
  const conf = (r: GlassReport['phoneLoop']) => (r?.confusions ?? []).filter((t) => t.flagged).map((t) => ({ group: t.group, ref: t.ref, hyp: t.hyp }));
  return { phoneLoop: conf(report.phoneLoop), blackBox: conf(report.blackBox), goodness: [] };
}

/** A sound test of one kind of evidence: a phone-loop or black-box phone test, or a goodness test. */
export type SoundTest = { kind: 'goodness'; test: GoodnessTest } | { kind: 'phoneLoop' | 'blackBox'; test: PhoneTest };

/**
 * The tests of `phone` in `group` (any position, or one) that `kind` of evidence ran, smallest p first, at most `n`;
 * tests without a p (too few tokens to test) are left out. What the report and the bench show for a planted sound
 * that was not flagged.
 */
export function closestTests(report: GlassReport, kind: EvidenceKind, group: string, phone: string, n: number): SoundTest[] {
  const tests: SoundTest[] =
    kind === 'goodness'
      ? (report.goodness ?? []).filter((t) => t.group === group && t.phone === phone).map((test) => ({ kind, test }))
      : ((kind === 'phoneLoop' ? report.phoneLoop : report.blackBox)?.phones ?? []).filter((t) => t.group === group && t.phone === phone).map((test) => ({ kind, test }));
  return tests.filter((x) => Number.isFinite(x.test.p)).sort((a, b) => a.test.p - b.test.p).slice(0, n);
}

/**
 * Validates each kind of evidence `report` has (a run with --no-goodness or --no-words lacks some) against
 * the planted ground truth. Only the flags of groups the ground truth covers are scored: a group it does
 * not describe can be neither right nor wrong.
 */
export function validateGlassReport(
  report: GlassReport,
  truth: readonly PlantedUtterance[],
  opts: { minTokens?: number; minSpeakers?: number; seen?: (kind: EvidenceKind, p: PlantedPair) => boolean } = {},
): EvidenceValidation[] {
  const pairs = plantedPairs(truth, opts);
  const covered = new Set(truth.map((u) => u.group));
  const inTruth = <T extends { group: string }>(xs: readonly T[]) => xs.filter((x) => covered.has(x.group));
  const flags = reportFlags(report);
  const comparison = report.phoneLoop?.comparison ?? report.blackBox?.comparison ?? 'rest';
  const attributed = report.evidence ? attributionOf(truth, report.evidence, comparison) : undefined;
  const pairFlags = reportPairFlags(report);
  const present: Record<EvidenceKind, unknown> = { phoneLoop: report.phoneLoop, goodness: report.goodness, blackBox: report.blackBox };
  return EVIDENCE_KINDS.filter((k) => present[k] !== undefined).map((k) => validateFlags(k, pairs, inTruth(flags[k]), attributed, opts.seen, inTruth(pairFlags[k])));
}

/**
 * Null-vs-null: the speakers of `groups` (null groups: no rules) are split at random into two halves
 * `partitions` times (seeded), and each evidence kind's statistics are recomputed on the kept
 * evidence with only those two groups. Returns, per kind, how many partitions gave no flag at all.
 */
export function nullPartitions(
  evidence: NonNullable<GlassReport['evidence']>,
  groups: readonly string[],
  partitions: number,
  seed: number,
  confusable: Partial<ConfusableOptions> = {},
): Record<EvidenceKind, { clean: number; runs: number; flagged: string[] }> {
  const inNull = <T extends { group: string }>(xs: readonly T[]) => xs.filter((x) => groups.includes(x.group));
  const speakers = [...new Set(inNull(evidence.phoneLoop).map((u) => u.speaker))].sort();
  const out: Record<EvidenceKind, { clean: number; runs: number; flagged: string[] }> = {
    phoneLoop: { clean: 0, runs: 0, flagged: [] },
    goodness: { clean: 0, runs: 0, flagged: [] },
    blackBox: { clean: 0, runs: 0, flagged: [] },
  };
  for (let i = 0; i < partitions; i++) {
    const rng = createRng(seed + i);
    const order = [...speakers];
    for (let k = order.length - 1; k > 0; k--) {
      const j = Math.floor(rng.next() * (k + 1));
      [order[k], order[j]] = [order[j], order[k]];
    }
    const k = Math.floor(order.length / 2);
    const half = new Set(order.slice(0, k));
    // Matched designs: speaker i of one half is paired with speaker i of the other (a random pairing, so
    // the pairs do not share a profile or sentences: stricter than the planted design's pairs).
    const pairOf = new Map(order.map((s, i) => [s, `pair${i % k}`]));
    const relabel = <T extends { group: string; speaker: string }>(xs: readonly T[]) =>
      inNull(xs).map((x) => ({ ...x, group: half.has(x.speaker) ? 'null-a' : 'null-b', ...(confusable.matched ? { match: pairOf.get(x.speaker) } : {}) }));
    const opts = { ...confusable, seed: seed + i };
    const n = {
      phoneLoop: findConfusableSounds(relabel(evidence.phoneLoop), opts).phones.filter((t) => t.flagged).map((t) => `${t.group}: ${t.phone}`),
      blackBox: evidence.blackBox.length ? findConfusableSounds(relabel(evidence.blackBox), opts).phones.filter((t) => t.flagged).map((t) => `${t.group}: ${t.phone}`) : [],
      goodness: evidence.goodness.length ? goodnessByGroup(relabel(evidence.goodness), opts).filter((t) => t.flagged).map((t) => `${t.group}: ${t.phone}`) : [],
    };
    for (const k of EVIDENCE_KINDS) {
      if (k === 'blackBox' && !evidence.blackBox.length) continue;
      if (k === 'goodness' && !evidence.goodness.length) continue;
      out[k].runs++;
      if (n[k].length === 0) out[k].clean++;
      else out[k].flagged.push(...n[k]);
    }
  }
  return out;
}

/**
 * What the engine shows at the planted sites, measured without any test: for each planted pair
 * (group, from → to), the share of `from` tokens in the words the rules rewrote whose evidence is not
 * `from` (phone loop / black box: substituted or deleted; goodness: mean GOP per frame), against the same
 * words of the same sentences spoken by the reference group. `delta` = group − reference (goodness:
 * reference − group, so positive = worse fit in the group). When it is small the engine's output does
 * not change with the planted rule, and no statistic on that evidence can find it.
 */
export interface SiteSignal {
  kind: EvidenceKind;
  group: string;
  rule: string;
  from: string;
  to: string;
  tokensGroup: number;
  tokensReference: number;
  valueGroup: number;
  valueReference: number;
  delta: number;
  /** Goodness: pooled SD of the sites' token GOP (group and reference), for the standardised effect delta / sd. */
  sd?: number;
}

function rewrittenSites(truth: readonly PlantedUtterance[]): { byUtt: Map<string, Map<string, Set<string>>>; sentenceOf: Map<string, string> } {
  const byUtt = new Map<string, Map<string, Set<string>>>();
  const sentenceOf = new Map<string, string>();
  for (const u of truth) {
    sentenceOf.set(u.id, u.words.map((w) => w.word).join(' '));
    const m = new Map<string, Set<string>>();
    for (const w of u.words) for (const a of w.applied) m.set(w.word, (m.get(w.word) ?? new Set()).add(`${a.from}\u0000${a.to === '-' ? NO_PHONE : a.to}`));
    byUtt.set(u.id, m);
  }
  return { byUtt, sentenceOf };
}

/**
 * The site test of a planted pair: what an analysis that knew where the rules applied could find. Each speaker's value at
 * the pair's sites (phone loop, black box: share of the canonical phone's tokens recognised as something else; goodness:
 * GOP deficit, minus the mean GOP per frame), the group's speakers against the reference's, one-sided Welch t-test (the
 * group worse; `welchTTest`), unadjusted. A pair whose own sites do not show the group worse at a group size is beyond
 * any site-blind sound test at that size, which must besides survive Benjamini–Hochberg over the whole family; a pair
 * the site test finds and the sound tests miss is lost by the analysis (its tokens diluted among the phone's others).
 */
export interface SiteTest {
  kind: EvidenceKind;
  group: string;
  rule: string;
  from: string;
  to: string;
  /** Speakers with at least one token at the sites, per side. */
  speakersGroup: number;
  speakersReference: number;
  /** One-sided p (NaN when a side has fewer than 2 speakers with tokens). */
  p: number;
}

/**
 * Every planted pair of a group other than `reference`, with `at(utteranceId, word)`: whether the word is one of the
 * pair's sites — a (sentence, word) where the group's rules rewrote `from` into `to`, so the same word read by the
 * reference (matched sentences) counts too.
 */
function pairSites(truth: readonly PlantedUtterance[], reference: string): { p: PlantedPair; at: (id: string, word: string) => boolean }[] {
  const { byUtt, sentenceOf } = rewrittenSites(truth);
  return plantedPairs(truth, { minTokens: 0, minSpeakers: 0 })
    .filter((p) => p.group !== reference)
    .map((p) => {
      const key = `${p.from}\u0000${p.to}`;
      const sites = new Set<string>();
      for (const u of truth) if (u.group === p.group) for (const [w, s] of byUtt.get(u.id) ?? []) if (s.has(key)) sites.add(`${sentenceOf.get(u.id)}\u0000${w}`);
      return { p, at: (id: string, word: string) => sites.has(`${sentenceOf.get(id)}\u0000${word}`) };
    });
}

/** Site tests (see SiteTest) of every planted pair, on the speakers present in `evidence` (a subset keeps its own). */
export function siteTests(truth: readonly PlantedUtterance[], evidence: NonNullable<GlassReport['evidence']>, reference: string): SiteTest[] {
  const out: SiteTest[] = [];
  for (const { p, at } of pairSites(truth, reference)) {
    for (const kind of EVIDENCE_KINDS) {
      // speaker → [tokens, sum of the value]
      const per = new Map<string, { group: boolean; n: number; sum: number }>();
      const tally = (u: { group: string; speaker: string }) => {
        if (u.group !== p.group && u.group !== reference) return undefined;
        const k = `${u.group}\u0000${u.speaker}`;
        let t = per.get(k);
        if (!t) per.set(k, (t = { group: u.group === p.group, n: 0, sum: 0 }));
        return t;
      };
      if (kind === 'goodness') {
        for (const u of evidence.goodness) {
          const t = tally(u);
          if (t) for (const ph of u.phones) if (ph.phone === p.from && at(u.id, ph.word)) (t.n++, (t.sum -= ph.gop));
        }
      } else {
        for (const u of evidence[kind]) {
          const t = tally(u);
          if (t) for (const e of u.events) if (e.ref === p.from && at(u.id, e.word)) (t.n++, (t.sum += e.hyp !== p.from ? 1 : 0));
        }
      }
      if (![...per.values()].length) continue;
      const side = (g: boolean) => [...per.values()].filter((t) => t.group === g && t.n > 0).map((t) => t.sum / t.n);
      const a = side(true);
      const b = side(false);
      let pOne = Number.NaN;
      if (a.length >= 2 && b.length >= 2) {
        const w = welchTTest(a, b);
        pOne = Number.isNaN(w.p) ? Number.NaN : w.diff > 0 ? w.p / 2 : 1 - w.p / 2;
      }
      out.push({ kind, group: p.group, rule: p.rule, from: p.from, to: p.to, speakersGroup: a.length, speakersReference: b.length, p: pOne });
    }
  }
  return out;
}

/** Site signals of the phone loop, black box and goodness evidence against `reference` (see SiteSignal). */
export function siteSignals(
  truth: readonly PlantedUtterance[],
  evidence: NonNullable<GlassReport['evidence']>,
  reference: string,
): SiteSignal[] {
  const out: SiteSignal[] = [];
  for (const { p, at } of pairSites(truth, reference)) {
    for (const kind of ['phoneLoop', 'blackBox'] as const) {
      const ev = evidence[kind];
      if (!ev.length) continue;
      const tally = { g: [0, 0], r: [0, 0] };
      for (const u of ev) {
        const side = u.group === p.group ? tally.g : u.group === reference ? tally.r : undefined;
        if (!side) continue;
        for (const e of u.events) {
          if (e.ref !== p.from || !at(u.id, e.word)) continue;
          side[0]++;
          if (e.hyp !== p.from) side[1]++;
        }
      }
      const vg = tally.g[1] / tally.g[0];
      const vr = tally.r[1] / tally.r[0];
      out.push({ kind, group: p.group, rule: p.rule, from: p.from, to: p.to, tokensGroup: tally.g[0], tokensReference: tally.r[0], valueGroup: vg, valueReference: vr, delta: vg - vr });
    }
    if (evidence.goodness.length) {
      const tally = { g: [0, 0, 0], r: [0, 0, 0] };
      for (const u of evidence.goodness) {
        const side = u.group === p.group ? tally.g : u.group === reference ? tally.r : undefined;
        if (!side) continue;
        for (const ph of u.phones) {
          if (ph.phone !== p.from || !at(u.id, ph.word)) continue;
          side[0]++;
          side[1] += ph.gop;
          side[2] += ph.gop * ph.gop;
        }
      }
      const vg = tally.g[1] / tally.g[0];
      const vr = tally.r[1] / tally.r[0];
      // Pooled within-side SD of the tokens' GOP, for Cohen's d.
      const ss = tally.g[2] - tally.g[0] * vg * vg + (tally.r[2] - tally.r[0] * vr * vr);
      const sd = Math.sqrt(ss / Math.max(1, tally.g[0] + tally.r[0] - 2));
      out.push({ kind: 'goodness', group: p.group, rule: p.rule, from: p.from, to: p.to, tokensGroup: tally.g[0], tokensReference: tally.r[0], valueGroup: vg, valueReference: vr, delta: vr - vg, sd });
    }
  }
  return out;
}

type Flag = { group: string; ref: string; hyp?: string };

/**
 * Whether a flag is a consequence of the planted rules: per token, the group's excess over the comparison
 * set in words the group's rules rewrote is at least twice its excess in the other words (`concentrated`).
 * Confusions: excess = count − rate(comparison) × tokens of the reference phone (insertions: of all
 * phones), over all words and over the words no rule touched. Goodness: excess = Σ (mean GOP of the comparison − GOP) over the phone's tokens. A flag whose
 * over-representation is carried by untouched words (a recogniser quirk, a speaker) is not attributed;
 * one made by the rewrite's neighbours (TH → T heard with an inserted vowel, a stopped DH worsening the
 * next vowel's fit) is. Counted over the utterances `truth` covers only (a partial ground truth: the others are left out).
 */
export function attributionOf(
  truth: readonly PlantedUtterance[],
  evidence: NonNullable<GlassReport['evidence']>,
  comparison: string,
): (kind: EvidenceKind, f: Flag) => boolean {
  // Only the utterances the ground truth covers: one it does not describe has no known untouched words (a partial
  // ground truth must not read them all as untouched, which moves excess out of the rewritten words).
  const ids = new Set(truth.map((u) => u.id));
  const only = <T extends { id: string }>(xs: readonly T[]) => xs.filter((u) => ids.has(u.id));
  evidence = { phoneLoop: only(evidence.phoneLoop), blackBox: only(evidence.blackBox), goodness: only(evidence.goodness) };
  const rewritten = new Map<string, Set<string>>();
  for (const u of truth) rewritten.set(u.id, new Set(u.words.filter((w) => w.applied.length > 0).map((w) => w.word)));
  const inComparison = (g: string, flagGroup: string) => (comparison === 'rest' ? g !== flagGroup : g === comparison);
  const touched = (id: string, word: string) => rewritten.get(id)?.has(word) ?? false;
  return (kind, f) => {
    if (kind === 'goodness') {
      let sumC = 0;
      let nC = 0;
      for (const u of evidence.goodness) if (inComparison(u.group, f.group)) for (const p of u.phones) if (p.phone === f.ref) (sumC += p.gop), nC++;
      const meanC = nC ? sumC / nC : 0;
      let all = 0;
      let nAll = 0;
      let untouched = 0;
      let nU = 0;
      for (const u of evidence.goodness) {
        if (u.group !== f.group) continue;
        for (const p of u.phones) {
          if (p.phone !== f.ref) continue;
          all += meanC - p.gop;
          nAll++;
          if (!touched(u.id, p.word)) (untouched += meanC - p.gop), nU++;
        }
      }
      return concentrated(all, nAll, untouched, nU);
    }
    const ev = evidence[kind];
    const isIns = f.ref === NO_PHONE;
    // A phone finding (hyp absent) counts every misrecognition of the phone (every insertion for NO_PHONE).
    const hit = (e: { ref: string; hyp: string }) => (f.hyp === undefined ? e.ref === f.ref && e.hyp !== e.ref : e.ref === f.ref && e.hyp === f.hyp);
    let cC = 0;
    let tC = 0;
    for (const u of ev) {
      if (!inComparison(u.group, f.group)) continue;
      for (const e of u.events) {
        if (isIns ? e.ref !== NO_PHONE : e.ref === f.ref) tC++;
        if (hit(e)) cC++;
      }
    }
    const rate = tC ? cC / tC : 0;
    let cAll = 0;
    let tAll = 0;
    let cU = 0;
    let tU = 0;
    for (const u of ev) {
      if (u.group !== f.group) continue;
      for (const e of u.events) {
        const un = !touched(u.id, e.word);
        if (isIns ? e.ref !== NO_PHONE : e.ref === f.ref) {
          tAll++;
          if (un) tU++;
        }
        if (hit(e)) {
          cAll++;
          if (un) cU++;
        }
      }
    }
    return concentrated(cAll - rate * tAll, tAll, cU - rate * tU, tU);
  };
}

/**
 * Whether a group's excess over the comparison (misrecognitions, or GOP deficit) is the rules' doing: per token,
 * the excess in the words the rules rewrote is at least twice the excess in the other words. A rate, not a share
 * of the total: when rewritten words hold, say, 44 % of a phone's tokens, an excess spread evenly over all words
 * would put 44 % of it in them and must not count as caused by the rules.
 */
function concentrated(excessAll: number, tokensAll: number, excessUntouched: number, tokensUntouched: number): boolean {
  const tokensTouched = tokensAll - tokensUntouched;
  if (excessAll <= 0 || tokensTouched <= 0) return false;
  const rateTouched = (excessAll - excessUntouched) / tokensTouched;
  const rateUntouched = tokensUntouched ? excessUntouched / tokensUntouched : 0;
  return rateTouched > 0 && rateUntouched <= rateTouched / 2;
}

/**
 * Site signal from which a planted pair counts as shown by the engine: share of tokens recognised
 * otherwise, group minus reference (phone loop, black box; 0.15 is Cohen's h ≈ 0.3 around 50 %).
 */
export const SEEN_CONFUSION = 0.15;
/**
 * … and lower GOP per frame at the sites, standardised by the tokens' pooled SD (Cohen's d; 0.2 is
 * Cohen's "small" effect, about 4 GOP units here, where tokens spread with SD ≈ 20).
 */
export const SEEN_GOODNESS_D = 0.2;

/** Whether the engine shows a planted pair at its sites (see SiteSignal); NaN signals (no tokens) count as not shown. */
export function engineSees(s: SiteSignal): boolean {
  if (s.kind === 'goodness') return s.sd !== undefined && s.sd > 0 && s.delta / s.sd >= SEEN_GOODNESS_D;
  return s.delta >= SEEN_CONFUSION;
}

/** Why a planted pair is not visible to the engine, from its measured site signal. */
export function unseenReason(s: SiteSignal): string {
  if (!s.tokensGroup) return 'no tokens at the planted sites';
  if (s.kind === 'goodness') {
    return `the canonical phone fits the planted sound about as well as the reference's (GOP per frame ${s.valueGroup.toFixed(2)} vs ${s.valueReference.toFixed(2)}, d = ${s.sd ? (s.delta / s.sd).toFixed(2) : '–'} with tokens' SD ${s.sd?.toFixed(1) ?? '–'}): the acoustic model scores the substitute close to the canonical phone`;
  }
  const what = s.kind === 'phoneLoop' ? 'the free phone loop' : 'word decoding (the language model restores or replaces the word)';
  return `${what} outputs something other than ${s.from} at the planted sites about as often in the group (${(100 * s.valueGroup).toFixed(0)}%) as in the reference (${(100 * s.valueReference).toFixed(0)}%)`;
}
