/**
 * One utterance at a time: markup, GLM, normaliser, sclite-style character expansion, alignment
 * and the running totals (speakers, stm labels, words, characters, confusions). Shared by the trn
 * /JSONL scorer (`score.ts`) and the stm/ctm scorer (`longform.ts`).
 */
import type { AlignOp, CostModel, ErrorCounts } from './types.ts';
import type { Normaliser } from '../text/normalise.ts';
import { none } from '../text/normalise.ts';
import { Aligner, tokenize } from './align.ts';
import { FNV_BASIS, FNV_PRIME, StringTable } from './string-table.ts';
import { alignNetworks, type ArcCost, type NetworkTimes } from './network.ts';
import type { WordWeights } from './wwl.ts';
import { ConfusionCounter } from './confusions.ts';
import { addCounts, emptyCounts, rates, toChars, wer, type Rates } from './metrics.ts';
import { SpeakerTable } from './summary.ts';
import type { TextEncoding } from './trn.ts';
import { glmFilter, type NistGlm } from '../text/nist-glm.ts';
import { caseFolder, parseMarkup, wordsToNetwork, type MarkupOptions, type NetWord, type ParsedText, type WordNetwork } from '../text/markup.ts';

export type MissingHypPolicy = 'delete' | 'skip';

/**
 * sclite `-c` (with `-e utf-8`): align characters instead of words. `noAscii` (`-c NOASCII`) keeps each
 * run of ASCII characters whole; `deleteHyphens` (`-c DH`) removes hyphens inside words (see `charsOf`).
 */
export interface CharAlignOptions {
  noAscii?: boolean;
  deleteHyphens?: boolean;
}

export interface ScorerOptions {
  /** Applied to both sides' words after markup is read (default `none`). */
  normaliser?: Normaliser;
  costs?: CostModel;
  /** Also align characters for CER (default true; jiwer's CER, spaces counted). */
  chars?: boolean;
  /** Collect word confusions (default false). */
  confusions?: boolean;
  /** sclite markup: case folding unless `caseSensitive` (`-s`), `-D`, `-F` (see `src/text/markup.ts`). */
  markup?: MarkupOptions;
  /** A NIST GLM applied to both sides as csrfilt.sh does (see `src/text/nist-glm.ts`). */
  glm?: NistGlm;
  /** sclite `-c`: score characters, not words (the "word" counts are then characters). */
  charAlign?: CharAlignOptions;
  /** sclite `-w`: align by word weights (a WWL file or unity weights; see `wwl.ts`). */
  wordWeights?: WordWeights;
  /** Keep every utterance's aligned operations (for pra/sgml/dtl reports). */
  keepAlignments?: boolean;
  /** Called for every scored utterance. */
  onUtterance?: (u: UtteranceScore) => void;
  /** The input files' text encoding (default UTF-8; `gb2312` = sclite `-e gb`). */
  encoding?: TextEncoding;
}

export interface UtteranceScore {
  id: string;
  speaker: string;
  words: ErrorCounts;
  chars?: ErrorCounts;
  /** True when there was no hypothesis for this reference (scored as all deletions). */
  missingHyp: boolean;
  /** stm labels of the segment (`<O,F0,M>`). */
  labels?: string[];
  /** The aligned operations, when `keepAlignments`. */
  ops?: AlignOp[];
  /** Segment times (stm), seconds. */
  begin?: number;
  end?: number;
  file?: string;
  channel?: string;
}

export interface ScoreResult {
  costs: CostModel;
  normaliser: { name: string; version: string };
  utterances: number;
  words: ErrorCounts;
  wordRates: Rates;
  chars?: ErrorCounts;
  cer?: number;
  speakers: SpeakerTable;
  /** Totals per stm label (sclite's `lur` rows); empty for trn input. */
  labels: SpeakerTable;
  /** Per stm label, totals per speaker. */
  labelSpeakers: Map<string, SpeakerTable>;
  confusions?: ConfusionCounter;
  /** Reference ids that had no hypothesis. */
  missingHyps: string[];
  missingHyp: MissingHypPolicy;
  markup: Required<Omit<MarkupOptions, 'language'>>;
  /** The GLM applied, if any: its name, rule count and content hash. */
  glm?: { name: string; rules: number; hash: string };
  charAlign?: CharAlignOptions;
  /** The word weights that steered the alignment (sclite `-w`), if any. */
  wordWeights?: { name: string; words: number; defaultWeight: number };
  /** Every utterance, when `keepAlignments`. */
  alignments?: UtteranceScore[];
  /** Input files that began with a UTF-8 byte-order mark (dropped; sclite would read it as part of the first word). */
  bomFiles?: string[];
  /**
   * CTM files with CR LF endings whose CR asrfair dropped where sclite keeps it in the last word of the line (so
   * sclite's counts differ): path, such lines, the first one's line number (src/score/stm.ts CtmCrWords).
   */
  crlfFiles?: { path: string; lines: number; first: number }[];
  /**
   * trn ids that name no speaker under `-i rm`/`spu_id` (no `-` or `_`), per file: how many, and the first three
   * (line, id, and the speaker they were counted under: the previous line's, '' for none, as sclite counts them).
   */
  speakerlessIds?: SpeakerlessIds[];
}

/** trn ids of one file that name no speaker (see `ScoreResult.speakerlessIds`). */
export interface SpeakerlessIds {
  file: string;
  count: number;
  first: { line: number; id: string; speaker: string }[];
}

/**
 * The normaliser applied to parsed text: a word list as one string (so it may split or join words), a
 * network word by word. A network word the normaliser empties (a lone punctuation mark) becomes sclite's
 * empty word `@` instead of an empty word that would still count as a reference word.
 */
export function normaliseParsed(p: ParsedText, f: (t: string) => string): ParsedText {
  if (p.kind === 'words') return { kind: 'words', words: tokenize(f(p.words.join(' '))) };
  const words = p.net.words.map((w): NetWord | null | NetWord[] => {
    if (w === null || w.isNull) return w;
    // A fragment (`th-`, `-ing`, with -F) keeps its hyphen through a normaliser that drops punctuation, or it
    // would have to match a hypothesis word whole: the stem is normalised, the hyphen put back.
    const fragment = w.frag ? fragmentOf(w.key, f) : undefined;
    if (fragment !== undefined) return fragment === '' ? { ...w, text: '@', key: '@', isNull: true, optDel: false } : { ...w, text: w.optDel ? `(${fragment})` : fragment, key: fragment };
    const text = f(w.text);
    const key = w.optDel ? f(w.key) : text;
    if (key === '') return { ...w, text: '@', key: '@', isNull: true, optDel: false };
    // A word the normaliser splits ("in-house" → "in house") becomes a chain of words, as the plain path tokenises it.
    const keys = tokenize(key);
    if (keys.length > 1) return keys.map((k) => ({ ...w, text: w.optDel ? `(${k})` : k, key: k }));
    return { ...w, text, key };
  });
  if (!words.some(Array.isArray)) return { kind: 'network', net: { ...p.net, words: words as (NetWord | null)[] } };
  return { kind: 'network', net: chainSplitWords(p.net, words) };
}

/** The network with each arc replaced by its chain of words (arcs stay in topological order). */
function chainSplitWords(net: WordNetwork, words: readonly (NetWord | null | NetWord[])[]): WordNetwork {
  const out: WordNetwork = { words: [], preds: [], finals: [] };
  const last: number[] = [];
  words.forEach((w, i) => {
    const chain = Array.isArray(w) ? w : [w];
    chain.forEach((c, j) => {
      out.preds.push(j === 0 ? net.preds[i].map((q) => last[q]) : [out.words.length - 1]);
      out.words.push(c);
    });
    last[i] = out.words.length - 1;
  });
  out.finals = net.finals.map((q) => last[q]);
  return out;
}

/**
 * A fragment's key after the normaliser: `like-` → `like-`, `-ING` → `-ing`; the stem normalised alone (when it
 * becomes several words, the one next to the hyphen is kept), '' when the normaliser empties it. Undefined when
 * `key` is not a fragment (sclite -F: a word of more than one character starting or ending in `-`).
 */
function fragmentOf(key: string, f: (t: string) => string): string | undefined {
  if (key.length < 2 || !(key.endsWith('-') || key.startsWith('-'))) return undefined;
  const trailing = key.endsWith('-');
  const stem = f(trailing ? key.slice(0, -1) : key.slice(1)).split(/\s+/).filter(Boolean);
  if (!stem.length) return '';
  return trailing ? `${stem[stem.length - 1]}-` : `-${stem[0]}`;
}

/** Parsed text as a network (a plain word list becomes a chain). */
export const toNetwork = (p: ParsedText): WordNetwork => (p.kind === 'network' ? p.net : wordsToNetwork(p.words));

/** The characters that make a word more than a plain word in sclite's markup: {}/@;*\\()- */
const MARKUP_CHAR = new Uint8Array(128);
for (const c of '{}/@;*\\()-') MARKUP_CHAR[c.charCodeAt(0)] = 1;

/**
 * A word as sclite `-c` splits it (SCTK `expand_words_to_chars` + `TEXT_separate_chars`, with `-e utf-8`):
 * one piece per character (code point); with NOASCII (`noAscii`) a run of ASCII characters stays one piece
 * (`我的iPhone坏了` → `我 的 iPhone 坏 了`); with DH (`deleteHyphens`) every `-` is dropped, and the
 * characters on both sides of it join as if it were not there. A word of one byte (`-`, `a`) is left as
 * it is, DH or not, as sclite leaves it. `shown` is the word as written (with an optional deletion's
 * parentheses), whose length sclite tests; `w` is what is split.
 */
export function charsOf(w: string, o: CharAlignOptions, shown: string = w): string[] {
  if (shown.length <= 1 && (shown.length === 0 || shown.charCodeAt(0) < 128)) return shown === '' ? [] : [w];
  const out: string[] = [];
  let lastAscii = false;
  for (const c of w) {
    if (o.deleteHyphens && c === '-') continue;
    const ascii = c.charCodeAt(0) < 128;
    if (o.noAscii && ascii && lastAscii) out[out.length - 1] += c;
    else out.push(c);
    lastAscii = ascii;
  }
  return out;
}

/** sclite's expand_words_to_chars over a network: every word arc becomes a chain of character arcs. */
function expandNetwork(net: WordNetwork, o: CharAlignOptions): WordNetwork {
  const out: WordNetwork = { words: [null], preds: [[]], finals: [] };
  // Last new arc of every old arc (its chain's end); an arc that vanished passes its preds through.
  const ends: number[][] = [[0]];
  for (let i = 1; i < net.words.length; i++) {
    const w = net.words[i] as NetWord;
    let preds = net.preds[i]!.flatMap((p) => ends[p]!);
    const pieces = w.isNull ? ['@'] : charsOf(w.key, o, w.text);
    if (pieces.length === 0) {
      ends.push([...new Set(preds)]);
      continue;
    }
    for (const c of pieces) {
      // sclite reads the split characters as trn text again: a lone "@" is then its empty word.
      const isNull = w.isNull || c === '@';
      out.words.push({ text: w.optDel && !isNull ? `(${c})` : c, key: c, isNull, optDel: w.optDel && !isNull, frag: w.frag });
      out.preds.push([...new Set(preds)]);
      preds = [out.words.length - 1];
    }
    ends.push(preds);
  }
  out.finals = [...new Set(net.finals.flatMap((f) => ends[f]!))];
  return out;
}

function expandChars(p: ParsedText, o: CharAlignOptions): ParsedText {
  if (p.kind === 'words') {
    const words = p.words.flatMap((w) => charsOf(w, o));
    if (!words.includes('@')) return { kind: 'words', words };
    p = { kind: 'network', net: wordsToNetwork(p.words) };
  }
  return { kind: 'network', net: expandNetwork(p.net, o) };
}

/** Scores utterances one by one and keeps the totals. */
export class UtteranceScorer {
  readonly markup: Required<Omit<MarkupOptions, 'language'>>;
  readonly missingHyps: string[] = [];
  readonly speakers = new SpeakerTable();
  readonly labels = new SpeakerTable();
  /** Per stm label, the per-speaker totals (sclite's `lur` matrix). */
  readonly labelSpeakers = new Map<string, SpeakerTable>();
  readonly foldId: (id: string) => string;
  private readonly costs: CostModel;
  private readonly norm: Normaliser;
  private readonly normalise?: (t: string) => string;
  private readonly filter?: (text: string, file: string, line: number) => string;
  private readonly wordAligner: Aligner;
  private readonly charAligner?: Aligner;
  private readonly confusions?: ConfusionCounter;
  private readonly words = emptyCounts();
  private readonly chars?: ErrorCounts;
  private readonly alignments?: UtteranceScore[];
  private utterances = 0;
  /** Interned word ids for `scorePlain` (undefined when the options need the full parse). */
  private readonly plainWords?: StringTable;
  /** Folding that the fast path's A–Z folding does not equal: non-ASCII text takes the full parse. */
  private readonly plainUnicodeFold: boolean;
  /** sclite babel_turkish folds `I` to `ı`: a word with `I` takes the full parse. */
  private readonly plainTurkishFold: boolean;
  private plainRef = new Int32Array(64);
  private plainHyp = new Int32Array(64);

  constructor(
    private readonly opts: ScorerOptions,
    private readonly missingPolicy: MissingHypPolicy = 'delete',
  ) {
    this.costs = opts.costs ?? 'sclite';
    this.norm = opts.normaliser ?? none;
    this.normalise = this.norm === none ? undefined : (t: string): string => this.norm.normalise(t);
    this.markup = {
      caseSensitive: opts.markup?.caseSensitive ?? false,
      optionalDeletable: opts.markup?.optionalDeletable ?? false,
      fragments: opts.markup?.fragments ?? false,
      caseFold: opts.markup?.caseFold ?? 'unicode',
    };
    this.foldId = caseFolder(this.markup);
    this.filter = opts.glm ? glmFilter(opts.glm, !this.markup.caseSensitive) : undefined;
    this.wordAligner = new Aligner(this.costs);
    const doChars = (opts.chars ?? true) && !opts.charAlign;
    this.charAligner = doChars ? new Aligner(this.costs) : undefined;
    this.chars = doChars ? emptyCounts() : undefined;
    this.confusions = opts.confusions ? new ConfusionCounter() : undefined;
    this.alignments = opts.keepAlignments ? [] : undefined;
    const plain = !this.normalise && !this.filter && !opts.charAlign && !opts.wordWeights && !doChars && !this.confusions && !this.alignments && !opts.onUtterance;
    this.plainWords = plain ? new StringTable(!this.markup.caseSensitive) : undefined;
    this.plainUnicodeFold = !this.markup.caseSensitive && this.markup.caseFold !== 'ascii';
    this.plainTurkishFold = !this.markup.caseSensitive && this.markup.caseFold === 'babel_turkish';
  }

  /**
   * The fast path of `parse` + `score` for one utterance whose two sides are plain words (no markup
   * character, and ASCII only when folding Unicode case): the words of `ref[rs, re)` and
   * `hyp[hs, he)` are interned straight from the line, without a string per word, and only the
   * counts are computed. Returns false, having done nothing, when the options (normaliser, GLM,
   * `-c`, `-w` word weights, CER, confusions, kept alignments) or either side's text need the full parse.
   */
  scorePlain(u: { id: string; speaker: string }, ref: string, rs: number, re: number, hyp: string, hs: number, he: number): boolean {
    if (!this.plainWords) return false;
    const n = this.internPlain(ref, rs, re, false);
    if (n < 0) return false;
    const m = this.internPlain(hyp, hs, he, true);
    if (m < 0) return false;
    const r = this.plainRef;
    const h = this.plainHyp;
    let same = n === m;
    for (let i = 0; same && i < n; i++) same = r[i] === h[i];
    const wc = same ? { ref: n, hits: n, sub: 0, del: 0, ins: 0 } : this.wordAligner.countIds(r, n, h, m);
    this.utterances++;
    addCounts(this.words, wc);
    this.speakers.add(u.speaker, wc);
    return true;
  }

  /** Word ids of `t[start, end)` into plainRef/plainHyp; -1 when the text needs the full parse. */
  private internPlain(t: string, start: number, end: number, isHyp: boolean): number {
    const table = this.plainWords!;
    const unicodeFold = this.plainUnicodeFold;
    const turkishI = this.plainTurkishFold ? 73 : -1;
    let ids = isHyp ? this.plainHyp : this.plainRef;
    const fold = !this.markup.caseSensitive;
    let n = 0;
    let w = -1;
    let hash = FNV_BASIS;
    for (let i = start; i <= end; i++) {
      let c = i < end ? t.charCodeAt(i) : 32;
      if (c === 32 || (c >= 9 && c <= 13)) {
        if (w >= 0) {
          if (n === ids.length) {
            const bigger = new Int32Array(ids.length * 2);
            bigger.set(ids);
            ids = bigger;
            if (isHyp) this.plainHyp = ids;
            else this.plainRef = ids;
          }
          ids[n++] = table.lookupHashed(t, w, i, hash, true);
          w = -1;
          hash = FNV_BASIS;
        }
      } else {
        if (c < 128 ? MARKUP_CHAR[c] === 1 || c === turkishI : unicodeFold) return -1;
        if (w < 0) w = i;
        if (fold && c >= 65 && c <= 90) c += 32;
        hash = Math.imul(hash ^ c, FNV_PRIME);
      }
    }
    return n;
  }

  /** Markup (and GLM, normaliser, `-c` expansion) of one side's text; errors name file:line. */
  parse(text: string, file: string, line: number): ParsedText {
    let p = parseMarkup(this.filter ? this.filter(text, file, line) : text, this.markup, file, line, this.foldId);
    if (this.normalise) p = normaliseParsed(p, this.normalise);
    if (this.opts.charAlign) p = expandChars(p, this.opts.charAlign);
    return p;
  }

  /**
   * Scores one utterance. `hyp` undefined: no hypothesis (deletions, or skipped with the `skip`
   * policy: then nothing is counted). Returns the utterance's score when alignments are kept or
   * `onUtterance` is set (undefined otherwise, to spare the allocation on the hot path).
   * `times`: arc times of both sides' networks, for sclite's time-mediated alignment (`-T`).
   * `wantOps`: return the score with its aligned operations for this utterance (NCE needs them).
   */
  score(
    u: { id: string; speaker: string; labels?: string[]; begin?: number; end?: number; file?: string; channel?: string },
    ref: ParsedText,
    hyp: ParsedText | undefined,
    times?: { ref: NetworkTimes; hyp: NetworkTimes },
    wantOps = false,
  ): UtteranceScore | undefined {
    if (!hyp) {
      this.missingHyps.push(u.id);
      if (this.missingPolicy === 'skip') return undefined;
    }
    this.utterances++;
    const ph: ParsedText = hyp ?? { kind: 'words', words: [] };
    let wc: ErrorCounts;
    let ops: AlignOp[] | undefined;
    let refChars = '';
    let hypChars = '';
    if (ref.kind === 'words' && ph.kind === 'words' && !times && !this.opts.wordWeights) {
      if (this.confusions || this.alignments || wantOps) {
        const a = this.wordAligner.align(ref.words, ph.words);
        this.confusions?.add(a);
        wc = a.counts;
        ops = a.ops;
      } else {
        wc = this.wordAligner.counts(ref.words, ph.words);
      }
      if (this.charAligner) {
        refChars = ref.words.join(' ');
        hypChars = ph.words.join(' ');
      }
    } else {
      const rn = toNetwork(ref);
      const hn = toNetwork(ph);
      const ww = this.opts.wordWeights;
      const cost: ArcCost | undefined = times
        ? { kind: 'time', a: times.ref, b: times.hyp }
        : ww && { kind: 'weight', a: ww.arcWeights(rn), b: ww.arcWeights(hn) };
      const a = alignNetworks(rn, hn, cost);
      this.confusions?.add(a);
      wc = a.counts;
      ops = a.ops;
      // Characters of the words the alignment chose (an optionally deleted word is left out).
      const kept = a.ops.filter((o) => !(o.type === 'C' && (o.ref === '' || o.hyp === '')));
      refChars = kept.flatMap((o) => (o.ref ? [o.ref] : [])).join(' ');
      hypChars = kept.flatMap((o) => (o.hyp ? [o.hyp] : [])).join(' ');
    }
    this.tally(u, wc);
    let cc: ErrorCounts | undefined;
    if (this.charAligner && this.chars) {
      cc = this.charAligner.counts(toChars(refChars), toChars(hypChars));
      addCounts(this.chars, cc);
    }
    if (!this.alignments && !this.opts.onUtterance && !wantOps) return undefined;
    const s: UtteranceScore = { ...u, words: wc, chars: cc, missingHyp: !hyp, ops: this.alignments || wantOps ? ops : undefined };
    this.alignments?.push(s);
    this.opts.onUtterance?.(s);
    return s;
  }

  /** Adds one utterance's counts to the totals, its speaker's row and its stm labels' rows. */
  private tally(u: { speaker: string; labels?: readonly string[] }, wc: ErrorCounts): void {
    addCounts(this.words, wc);
    this.speakers.add(u.speaker, wc);
    for (const l of u.labels ?? []) {
      this.labels.add(l, wc);
      let t = this.labelSpeakers.get(l);
      if (!t) this.labelSpeakers.set(l, (t = new SpeakerTable()));
      t.add(u.speaker, wc);
    }
  }

  /**
   * Counts one utterance aligned elsewhere (sclite's sgml alignment file, read by `sgml-input.ts`):
   * C, S, D, I as recorded, reference words N = C + S + D.
   */
  addAligned(u: { id: string; speaker: string; labels?: string[]; begin?: number; end?: number; file?: string; channel?: string }, ops: AlignOp[]): void {
    const wc = emptyCounts();
    for (const o of ops) {
      if (o.type === 'C') wc.hits++;
      else if (o.type === 'S') wc.sub++;
      else if (o.type === 'D') wc.del++;
      else wc.ins++;
    }
    wc.ref = wc.hits + wc.sub + wc.del;
    this.utterances++;
    this.tally(u, wc);
    this.confusions?.add({ ops, counts: wc });
    const s: UtteranceScore = { ...u, words: wc, missingHyp: false, ops: this.alignments ? ops : undefined };
    this.alignments?.push(s);
    this.opts.onUtterance?.(s);
  }

  result(): ScoreResult {
    return {
      costs: this.costs,
      normaliser: { name: this.norm.name, version: this.norm.version },
      utterances: this.utterances,
      words: this.words,
      wordRates: rates(this.words),
      chars: this.chars,
      cer: this.chars ? wer(this.chars) : undefined,
      speakers: this.speakers,
      labels: this.labels,
      labelSpeakers: this.labelSpeakers,
      confusions: this.confusions,
      missingHyps: this.missingHyps,
      missingHyp: this.missingPolicy,
      markup: this.markup,
      glm: this.opts.glm ? { name: this.opts.glm.name, rules: this.opts.glm.rules.length, hash: this.opts.glm.hash } : undefined,
      charAlign: this.opts.charAlign,
      wordWeights: this.opts.wordWeights && { name: this.opts.wordWeights.name, words: this.opts.wordWeights.size, defaultWeight: this.opts.wordWeights.defaultWeight },
      alignments: this.alignments,
    };
  }
}
