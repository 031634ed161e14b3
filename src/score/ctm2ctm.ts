/**
 * A CTM reference against a CTM hypothesis, as NIST sclite does it (`sclite -r R ctm -h H ctm`,
 * SCTK `ctm2ctm.c` align_ctm_to_ctm and chop_WTOKE_2; checked against Debian's sclite 2.4.10 on
 * SCTK's test13, test13_D, test13_a and test13_aD):
 *
 * - Both files hold the same conversations (`file`) and channels; each channel is scored on its own.
 *   A file/channel in one file and not the other is an InputError naming the line (sclite stops too).
 * - A channel is cut into chunks where both sides have a silence: from at most 50 words ahead
 *   (doubled until a cut is found) sclite walks back until the gap after a reference word and the
 *   gap after a hypothesis word overlap in time, never cutting inside a reference alternation. Each
 *   chunk is one "sentence" with the id `file-channel-NNNN` of the speaker `file-channel`.
 * - Alternations (`<ALT_BEGIN>`, `<ALT>`, `<ALT_END>`) become networks as sclite's
 *   Network_create_from_WTOKE builds them (an empty alternative is `@`), and each chunk is aligned
 *   like a trn utterance (`-D`, `-F`, case folding).
 * - `timeMediated` (sclite `-T`): the word distance is computed from the words' times instead of
 *   their spelling (network.ts, timeDistance): a pair costs |ΔT1| + |ΔT2| (+0.001 if the words
 *   differ), an insertion or deletion the word's duration.
 *
 * sclite reads CTM lines in file order and accepts negative durations and times out of order;
 * asrfair stops at them (file:line) unless `timeFaults: 'keep'`, which keeps them as sclite does and
 * counts them in the result.
 */
import { InputError } from '../manifest/errors.ts';
import { wordsToNetwork, type NetWord, type ParsedText, type WordNetwork } from '../text/markup.ts';
import type { NetworkTimes } from './network.ts';
import { UtteranceScorer, type ScoreResult, type ScorerOptions } from './scorer.ts';
import { crlfFileOf, ctmConfidences, noTimeFaults, readCtm, type CtmCrWords, type CtmUnit, type TimeFaultPolicy, type TimeFaults } from './stm.ts';

/** One CTM line as sclite's word-token array holds it (alternation markers included). */
export interface CtmToken {
  word: string;
  /** Begin time and duration in seconds (a marker's `*` is 0, as C atof reads it). */
  t1: number;
  dur: number;
  line: number;
  /** Inside an alternation, markers included (sclite's `alternate` flag). */
  alternate: boolean;
  marker?: 'begin' | 'alt' | 'end';
  /** File and channel (case-folded like the scorer's ids). */
  conv?: string;
  turn?: string;
}

/** The units of one channel as sclite's token array: markers and words in file order. */
export function ctmTokens(units: readonly CtmUnit[], conv?: string, turn?: string, out: CtmToken[] = []): CtmToken[] {
  for (const u of units) {
    if (u.kind === 'word') {
      out.push({ word: u.word, t1: u.begin, dur: u.duration, line: u.line, alternate: false, conv, turn });
      continue;
    }
    const m = (k: number): { t1: number; dur: number } => ({ t1: u.markers[k]?.begin ?? 0, dur: u.markers[k]?.duration ?? 0 });
    out.push({ word: '<ALT_BEGIN>', ...m(0), line: u.line, alternate: true, marker: 'begin', conv, turn });
    u.alternatives.forEach((alt, k) => {
      if (k > 0) out.push({ word: '<ALT>', ...m(k), line: alt[0]?.line ?? u.line, alternate: true, marker: 'alt', conv, turn });
      for (const w of alt) out.push({ word: w.word, t1: w.begin, dur: w.duration, line: w.line, alternate: true, conv, turn });
    });
    out.push({ word: '<ALT_END>', ...m(u.alternatives.length), line: u.line, alternate: true, marker: 'end', conv, turn });
  }
  return out;
}

const NO_TOKEN: CtmToken = { word: '', t1: 0, dur: 0, line: 0, alternate: false };

/** sclite's `overlap` (ctm2ctm.c): the time two intervals share; negative when they are apart. */
export function overlap(s1t1: number, s1t2: number, s2t1: number, s2t2: number): number {
  if (s1t1 < s2t1) return s1t2 < s2t2 ? s1t2 - s2t1 : s2t2 - s2t1;
  return s1t2 < s2t2 ? s1t2 - s1t1 : s2t2 - s1t1;
}

/**
 * sclite's chop_WTOKE_2: where to end the next chunk of reference tokens `rs..` and hypothesis
 * tokens `hs..` (inclusive ends `re`, `he` of the channel), looking at most `max` tokens ahead.
 * Returns the two last indices of the chunk, or undefined when no cut was found within `max`.
 */
export function chopChunk(R: readonly (CtmToken | undefined)[], H: readonly (CtmToken | undefined)[], rs: number, hs: number, re: number, he: number, max: number): [number, number] | undefined {
  const r = (i: number): CtmToken => R[i] ?? NO_TOKEN;
  const h = (i: number): CtmToken => H[i] ?? NO_TOKEN;
  const apart = (i: number, j: number): boolean => overlap(r(i).t1, r(i).t1 + r(i).dur, h(j).t1, h(j).t1 + h(j).dur) < 0;
  if (rs > re && hs > he) return undefined;
  if (re - rs < max && he - hs < max) return [re, he];
  let rEnd = Math.min(rs + max, re);
  let hEnd = Math.min(hs + max, he);
  while (rEnd >= rs && r(rEnd).alternate) rEnd--;
  // Synchronise the two ends: step back the side that ends later while the two words are apart.
  let skippedAlt = true;
  while (skippedAlt) {
    skippedAlt = false;
    if (r(rEnd).t1 > h(hEnd).t1) {
      while (!skippedAlt && rEnd >= rs && r(rEnd).t1 > h(hEnd).t1 && apart(rEnd, hEnd)) {
        for (rEnd--; rEnd >= rs && r(rEnd).alternate; ) {
          rEnd--;
          skippedAlt = true;
        }
      }
    } else if (r(rEnd).t1 < h(hEnd).t1) {
      while (hEnd >= hs && r(rEnd).t1 < h(hEnd).t1 && apart(rEnd, hEnd)) hEnd--;
    }
  }
  // Walk back until the silence after a reference word overlaps the silence after a hypothesis word.
  while (rEnd > rs && hEnd > hs) {
    const rg1 = r(rEnd).t1 + r(rEnd).dur;
    const rg2 = rEnd === re ? 999999.99 : r(rEnd + 1).t1;
    const hg1 = h(hEnd).t1 + h(hEnd).dur;
    const hg2 = hEnd === he ? 999999.99 : h(hEnd + 1).t1;
    if (overlap(rg1, rg2, hg1, hg2) >= 0) return [rEnd, hEnd];
    skippedAlt = true;
    while (skippedAlt) {
      skippedAlt = false;
      if (r(rEnd).t1 > h(hEnd).t1) {
        if (rEnd > rs) {
          rEnd--;
          while (rEnd >= rs && r(rEnd).alternate) {
            rEnd--;
            skippedAlt = true;
          }
        }
        while (!skippedAlt && hEnd >= hs && r(rEnd).t1 < h(hEnd).t1 && apart(rEnd, hEnd)) hEnd--;
      } else {
        if (hEnd > hs) hEnd--;
        // Debian's sclite 2.4.10 takes this hypothesis word's end from the *reference* token at the
        // same index (r(hEnd).dur); SCTK fixed it later. Kept, so that chunks equal Debian's.
        const apartDebian = (): boolean => overlap(r(rEnd).t1, r(rEnd).t1 + r(rEnd).dur, h(hEnd).t1, h(hEnd).t1 + r(hEnd).dur) < 0;
        while (!skippedAlt && rEnd >= rs && r(rEnd).t1 > h(hEnd).t1 && apartDebian()) {
          for (rEnd--; rEnd >= rs && r(rEnd).alternate; ) {
            rEnd--;
            skippedAlt = true;
          }
        }
      }
    }
  }
  return rEnd > rs || hEnd > hs ? [rEnd, hEnd] : undefined;
}

/** A network with the times of its arcs. */
export interface TimedNetwork {
  parsed: ParsedText & { kind: 'network' };
  times: NetworkTimes;
}

/**
 * The network of tokens `s..e` as sclite's Network_create_from_WTOKE builds it, every word read
 * with `parse` (markup, case, `-D`, `-F`) and given its token's times. Tokens with `skip(i)` true
 * are left out (sclite's `ignore` flag, used by `-m hyp`).
 */
export function tokenNetwork(
  T: readonly (CtmToken | undefined)[],
  s: number,
  e: number,
  parse: (word: string, line: number) => ParsedText,
  skip: (i: number) => boolean = () => false,
): TimedNetwork {
  const net: WordNetwork = { words: [null], preds: [[]], finals: [] };
  const t1: number[] = [0];
  const t2: number[] = [0];
  const append = (cur: number[], sub: WordNetwork, b: number, d: number): number[] => {
    if (sub.words.length === 2 && sub.finals.length === 1 && sub.finals[0] === 1 && sub.preds[1]!.length === 1 && sub.preds[1]![0] === 0) {
      net.words.push(sub.words[1]!);
      net.preds.push(cur);
      t1.push(b);
      t2.push(b + d);
      return [net.words.length - 1];
    }
    const base = net.words.length - 1;
    const map = (p: number): number[] => (p === 0 ? cur : [base + p]);
    for (let k = 1; k < sub.words.length; k++) {
      net.words.push(sub.words[k]!);
      net.preds.push(dedupe(sub.preds[k]!.flatMap(map)));
      t1.push(b);
      t2.push(b + d);
    }
    return dedupe(sub.finals.flatMap(map));
  };
  const word = (cur: number[], tok: CtmToken): number[] => {
    const p = parse(tok.word, tok.line);
    return append(cur, p.kind === 'network' ? p.net : wordsToNetwork(p.words), tok.t1, tok.dur);
  };
  const NULL: NetWord = { text: '@', key: '@', isNull: true, optDel: false, frag: false };
  const at = (i: number): CtmToken | undefined => (i <= e ? T[i] : undefined);
  let cur = [0];
  for (let i = s; i <= e && i < T.length; i++) {
    const tok = T[i]!;
    if (skip(i)) continue;
    if (!tok.alternate) {
      cur = word(cur, tok);
      continue;
    }
    while (at(i)?.marker === 'begin') i++;
    const outs: number[] = [];
    do {
      let alt = cur;
      let n = 0;
      for (let u = at(i); u !== undefined && u.marker === undefined; u = at(++i), n++) alt = word(alt, u);
      if (n === 0) {
        alt = append(alt, { words: [null, NULL], preds: [[], [0]], finals: [1] }, 0, 0);
        i++;
      }
      for (const o of alt) if (!outs.includes(o)) outs.push(o);
      // sclite steps over an <ALT> unless an <ALT_END> follows it (then the next round adds `@`).
      if (!(T[i]?.marker === 'alt' && T[i + 1]?.marker === 'end') && T[i]?.marker !== 'end') i++;
    } while (i <= e && i < T.length && T[i]!.marker !== 'end');
    cur = outs;
  }
  net.finals = cur;
  return { parsed: { kind: 'network', net }, times: { t1: Float64Array.from(t1), t2: Float64Array.from(t2) } };
}

function dedupe(xs: number[]): number[] {
  return xs.length < 2 ? xs : [...new Set(xs)];
}

export interface CtmCtmOptions extends ScorerOptions {
  /** sclite `-T`: time-mediated word distances. */
  timeMediated?: boolean;
  /** Negative durations and out-of-order times: stop (default) or keep as sclite does. */
  timeFaults?: TimeFaultPolicy;
}

export interface CtmCtmResult extends ScoreResult {
  timeMediated: boolean;
  /** Hypothesis CTM words with a confidence (not used: no NCE column; see `ctmConfidences`). */
  hypConfidences: number;
  /** Time faults kept (`timeFaults: 'keep'`), both files together. */
  timeFaults: TimeFaults;
}

/**
 * sclite's word-token buffer of one CTM file (SCTK `fillmrks.c`, fill_WTOKE_structure and
 * fill_mark_struct): 1-based slots holding up to 4999 lines, refilled when the conversation at `s`
 * reaches the end of what was read (the rest is first copied down to slot 1; slots past `n` keep
 * stale lines), grown ×1.3 when one conversation fills it. Only the slot numbers matter: Debian's
 * chunker reads the reference buffer at a hypothesis slot number (see chopChunk).
 */
class TokenBuffer {
  readonly slots: (CtmToken | undefined)[] = [];
  s = 1;
  n = 0;
  private max = 5000;
  private next = 0;
  private eof = false;

  constructor(private readonly lines: readonly CtmToken[]) {}

  /** Last slot of the run starting at `start` with the same file (and channel when `byTurn`). */
  boundary(start: number, byTurn: boolean): number {
    if (start === this.n) return start;
    const a = this.slots[start];
    for (let w = start; w <= this.n; w++) {
      const b = this.slots[w]!;
      if (b.conv !== a?.conv || (byTurn && b.turn !== a?.turn)) return w - 1;
    }
    return this.n;
  }

  fill(): void {
    while (this.boundary(this.s, false) === this.n && !this.eof) this.read();
  }

  private read(): void {
    if (this.s > 1) {
      for (let i = this.s; i <= this.n; i++) this.slots[i - this.s + 1] = this.slots[i];
      this.n -= this.s - 1;
      this.s = 1;
    }
    while (this.n < this.max - 1) {
      if (this.next >= this.lines.length) {
        this.eof = true;
        return;
      }
      this.slots[++this.n] = this.lines[this.next++];
      if (this.n >= this.max - 1 && this.slots[this.n]!.conv === this.slots[1]!.conv) this.max = Math.trunc(this.max * 1.3);
    }
  }
}

/**
 * Every line of a CTM file in file order (alternation markers included), checking that each
 * file/channel's lines are contiguous and that files come in `order` (sclite reads both files in
 * step and stops otherwise).
 */
function fileOrder(ctm: Map<string, CtmUnit[]>, path: string): CtmToken[] {
  const out: CtmToken[] = [];
  let lastLine = 0;
  const seen = new Set<string>();
  for (const [key, units] of ctm) {
    const conv = key.slice(0, key.lastIndexOf(' '));
    const turn = key.slice(key.lastIndexOf(' ') + 1);
    const start = out.length;
    ctmTokens(units, conv, turn, out);
    let first = Infinity;
    let last = 0;
    for (let i = start; i < out.length; i++) {
      first = Math.min(first, out[i]!.line);
      last = Math.max(last, out[i]!.line);
    }
    if (first < lastLine) throw new InputError(path, lastLine, `the lines of file/channel "${key}" are not together (one of them is at line ${first}); sclite reads a ctm file channel by channel`);
    if (seen.has(conv) && out[start - 1]?.conv !== conv) throw new InputError(path, first, `file "${conv}" appears again after another file; sclite reads a ctm file file by file`);
    seen.add(conv);
    lastLine = last;
  }
  return out;
}

/** Scores a CTM reference file against a CTM hypothesis file (see the top of this file). */
export async function scoreCtmCtm(refPath: string, hypPath: string, opts: CtmCtmOptions = {}): Promise<CtmCtmResult> {
  const scorer = new UtteranceScorer(opts, 'delete');
  const fold = scorer.foldId;
  const faults = noTimeFaults();
  const policy = opts.timeFaults ?? 'error';
  const refCr: CtmCrWords = { lines: 0 };
  const hypCr: CtmCrWords = { lines: 0 };
  const ref = await readCtm(refPath, fold, policy, faults, opts.encoding, refCr);
  const hyp = await readCtm(hypPath, fold, policy, faults, opts.encoding, hypCr);
  const crlfFiles = [...crlfFileOf(refPath, refCr), ...crlfFileOf(hypPath, hypCr)];
  const crlf = crlfFiles.length ? { crlfFiles } : {};
  for (const [key, units] of hyp) {
    if (!ref.has(key)) throw new InputError(hypPath, units[0]?.line, `file/channel "${key}" is not in the reference ${refPath}`);
  }
  for (const [key, units] of ref) {
    if (!hyp.has(key)) throw new InputError(refPath, units[0]?.line, `file/channel "${key}" has no word in the hypothesis ${hypPath}`);
  }
  const refKeys = [...ref.keys()];
  [...hyp.keys()].forEach((key, k) => {
    if (refKeys[k] !== key) throw new InputError(hypPath, hyp.get(key)![0]?.line, `file/channel "${key}" comes in another order than in the reference ${refPath} (sclite reads both in step)`);
  });
  const RB = new TokenBuffer(fileOrder(ref, refPath));
  const HB = new TokenBuffer(fileOrder(hyp, hypPath));
  if (refKeys.length === 0) return { ...scorer.result(), ...crlf, timeMediated: !!opts.timeMediated, timeFaults: faults, hypConfidences: ctmConfidences(hyp) };
  const timed = !!opts.timeMediated;
  // A word parses the same wherever it stands (errors name its first line): parse each spelling once.
  const cache = (path: string): ((w: string, line: number) => ParsedText) => {
    const seen = new Map<string, ParsedText>();
    return (w, line) => {
      let p = seen.get(w);
      if (!p) seen.set(w, (p = scorer.parse(w, path, line)));
      return p;
    };
  };
  const parseRef = cache(refPath);
  const parseHyp = cache(hypPath);
  do {
    HB.fill();
    RB.fill();
    const R = RB.slots;
    const H = HB.slots;
    const rConvEnd = RB.boundary(RB.s, false);
    const hConvEnd = HB.boundary(HB.s, false);
    // Channels as sclite finds them: the first run of lines, and a second one of the same file.
    const rEnd1 = RB.boundary(RB.s, true);
    const hEnd1 = HB.boundary(HB.s, true);
    const second = (b: TokenBuffer, end1: number): number | undefined =>
      end1 + 1 < b.n && b.slots[end1 + 1]!.conv === b.slots[b.s]!.conv ? b.boundary(end1 + 1, true) : undefined;
    const rEnd2 = second(RB, rEnd1);
    const hEnd2 = second(HB, hEnd1);
    if ((rEnd2 === undefined) !== (hEnd2 === undefined)) {
      const [path, t] = rEnd2 === undefined ? [refPath, R[RB.s]!] : [hypPath, H[HB.s]!];
      throw new InputError(path, t.line, `sclite finds one channel of file "${t.conv}" here and two in the other file (a last channel of one line is not seen), and stops`);
    }
    const channels: [number, number, number, number][] = [[RB.s, rEnd1, HB.s, hEnd1]];
    if (rEnd2 !== undefined && hEnd2 !== undefined) channels.push([rEnd1 + 1, rEnd2, hEnd1 + 1, hEnd2]);
    for (const [r0, re, h0, he] of channels) {
      let rb = r0;
      let hb = h0;
      for (let chunk = 0; rb <= re || hb <= he; chunk++) {
        let max = 50;
        let cut: [number, number] | undefined;
        while (!(cut = chopChunk(R, H, rb, hb, re, he, max))) max *= 2;
        const r = tokenNetwork(R, rb, cut[0], parseRef);
        const h = tokenNetwork(H, hb, cut[1], parseHyp);
        // sclite names the chunk after the reference token at its start (the next channel's when
        // this channel's reference is used up).
        const at = R[rb] ?? R[r0]!;
        const [file, channel] = [at.conv ?? '', at.turn ?? ''];
        const speaker = `${file}-${channel}`;
        scorer.score(
          { id: `${speaker}-${String(chunk).padStart(4, '0')}`, speaker, file, channel, begin: R[rb]?.t1 },
          r.parsed,
          h.parsed,
          timed ? { ref: r.times, hyp: h.times } : undefined,
        );
        rb = cut[0] + 1;
        hb = cut[1] + 1;
      }
    }
    HB.s = hConvEnd + 1;
    RB.s = rConvEnd + 1;
  } while (HB.s <= HB.n || RB.s <= RB.n);
  return { ...scorer.result(), ...crlf, timeMediated: timed, timeFaults: faults, hypConfidences: ctmConfidences(hyp) };
}
