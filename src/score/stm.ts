/**
 * NIST STM (segment time marks, references) and CTM (conversation time marks, hypotheses) files as
 * sclite reads them (SCTK `sclite(1)`, `stm.c`, `word.c`):
 *
 *   STM  `file channel speaker begin end [<label,label>] transcript`  (times in seconds)
 *        `;; LABEL "O" "Overall" "description"` and `;; CATEGORY ...` name the labels.
 *   CTM  `file channel begin duration word [confidence]`; an alternation is written as
 *        `file channel * * <ALT_BEGIN>`, words, `* * <ALT>`, words, `* * <ALT_END>`.
 *
 * `;;` lines are comments. Every error names file:line: a malformed line, a negative duration, a
 * segment that ends before it begins, times out of order within a file and channel, an stm segment
 * that overlaps the previous one of the same speaker, an unclosed CTM alternation.
 */
import { linesOf, type TextEncoding } from './trn.ts';
import { InputError } from '../manifest/errors.ts';

export interface StmSegment {
  file: string;
  channel: string;
  speaker: string;
  begin: number;
  end: number;
  labels: string[];
  text: string;
  line: number;
}

export interface StmLabel {
  id: string;
  title: string;
  description: string;
}

export interface Stm {
  /** Segments grouped by `file channel` (keys in order of first appearance), each in file order. */
  channels: Map<string, StmSegment[]>;
  labels: StmLabel[];
}

/** One CTM word, or an alternation of word sequences. */
/**
 * CTM words that carry a confidence (the 6th column). sclite turns them into the `sum` report's NCE
 * column; asrfair's stm/ctm and ctm/ctm scoring does not compute NCE, and says so with this count.
 */
export function ctmConfidences(ctm: ReadonlyMap<string, readonly CtmUnit[]>): number {
  let n = 0;
  for (const units of ctm.values()) for (const u of units) if (u.kind === 'word' && u.confidence !== undefined) n++;
  return n;
}

export type CtmUnit =
  | { kind: 'word'; begin: number; duration: number; word: string; confidence?: number; line: number }
  | {
      kind: 'alt';
      alternatives: { begin: number; duration: number; word: string; line: number }[][];
      line: number;
      /**
       * Times of the `<ALT_BEGIN>`, `<ALT>`… and `<ALT_END>` lines in order, as sclite reads them
       * (C `atof`: `*` is 0). sclite's ctm-vs-ctm chunking and `-m` compare against them.
       */
      markers: { begin: number; duration: number }[];
    };

/**
 * What to do with CTM time faults sclite accepts silently (a negative duration, a word that begins
 * before the previous one of its file and channel): `error` (default) stops with file:line;
 * `keep` keeps the line as sclite does (file order, the duration as written) and counts it.
 */
export type TimeFaultPolicy = 'error' | 'keep';

/** CTM time faults kept under the `keep` policy: counts and the first line of each kind. */
export interface TimeFaults {
  negativeDuration: number;
  outOfOrder: number;
  first: string[];
}

export const noTimeFaults = (): TimeFaults => ({ negativeDuration: 0, outOfOrder: 0, first: [] });

/** C `atof` on a time field: the leading number, else 0 (sclite reads `*` as 0). */
function atof(s: string | undefined): number {
  const m = /^[ \t]*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(s ?? '');
  return m ? Number(m[0]) : 0;
}

/** Midpoint used to put a unit into a segment (sclite's segment_hyp_for_utt: the largest word midpoint of an alternation). */
export function unitMidpoint(u: CtmUnit): number {
  if (u.kind === 'word') return u.begin + u.duration / 2;
  let mid = 0;
  for (const alt of u.alternatives) for (const w of alt) mid = Math.max(mid, w.begin + w.duration / 2);
  return mid;
}

const SPACE = /[ \t]+/;

function number(s: string | undefined, what: string, file: string, line: number): number {
  const v = s === undefined ? NaN : Number(s);
  if (!Number.isFinite(v)) throw new InputError(file, line, `${what} must be a number of seconds, not "${s ?? ''}"`);
  return v;
}

/** Channel key: file and channel, case-folded unless case-sensitive (sclite lower-cases both). */
export function channelKey(file: string, channel: string, fold: (s: string) => string): string {
  return `${fold(file)} ${fold(channel)}`;
}

/** Reads an STM file. `fold` folds file/channel/speaker names (sclite folds case unless `-s`). */
export async function readStm(path: string, fold: (s: string) => string = (s) => s, encoding: TextEncoding = 'utf-8'): Promise<Stm> {
  const channels = new Map<string, StmSegment[]>();
  const labels: StmLabel[] = [];
  const lastBySpeaker = new Map<string, StmSegment>();
  for (const { line, text } of linesOf(path, encoding)) {
    const t = text.trim();
    if (t === '') continue;
    if (t.startsWith(';;')) {
      const m = /^;;\s*LABEL\s+"([^"]*)"\s+"([^"]*)"\s+"([^"]*)"/.exec(t);
      if (m) labels.push({ id: m[1]!, title: m[2]!, description: m[3]! });
      continue;
    }
    const f = t.split(SPACE);
    if (f.length < 5) throw new InputError(path, line, 'stm line needs "file channel speaker begin end [<labels>] transcript"');
    const begin = number(f[3], 'begin time', path, line);
    const end = number(f[4], 'end time', path, line);
    if (end < begin) throw new InputError(path, line, `segment ends (${end}) before it begins (${begin})`);
    let rest = f.slice(5).join(' ');
    let segLabels: string[] = [];
    if (rest.startsWith('<')) {
      const close = rest.indexOf('>');
      if (close < 0) throw new InputError(path, line, 'unclosed label field "<..."');
      segLabels = rest
        .slice(1, close)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      rest = rest.slice(close + 1).trim();
    }
    const seg: StmSegment = { file: f[0]!, channel: f[1]!, speaker: fold(f[2]!), begin, end, labels: segLabels, text: rest, line };
    const key = channelKey(seg.file, seg.channel, fold);
    let list = channels.get(key);
    if (!list) channels.set(key, (list = []));
    const prev = list[list.length - 1];
    if (prev && begin < prev.begin) {
      throw new InputError(path, line, `segment begins at ${begin}, before the previous segment of ${seg.file} ${seg.channel} (line ${prev.line}, ${prev.begin}): stm must be in time order`);
    }
    const spk = `${key} ${seg.speaker}`;
    const last = lastBySpeaker.get(spk);
    if (last && begin < last.end) {
      throw new InputError(path, line, `segment ${begin}-${end} of speaker ${f[2]} overlaps the one at line ${last.line} (${last.begin}-${last.end})`);
    }
    lastBySpeaker.set(spk, seg);
    list.push(seg);
  }
  return { channels, labels };
}

/**
 * CTM lines that end in CR LF with the word as their last field (no confidence, no blank before the CR): asrfair drops
 * the CR, as everywhere, but sclite splits fields on blanks only and keeps it in the word ("the\r" ≠ "the"), so its
 * counts differ. `lines` counts them, `first` is the first one's line number (1-based).
 */
export interface CtmCrWords {
  lines: number;
  first?: number;
}

/** A file whose CR LF endings asrfair read as LF where sclite would keep the CR in a word, for the score note. */
export interface CrlfFile {
  path: string;
  /** Lines whose last word sclite would read with a trailing CR. */
  lines: number;
  first: number;
}

/** The CrlfFile of `path` when `cr` counted any line, else nothing (spread into a list). */
export function crlfFileOf(path: string, cr: CtmCrWords): CrlfFile[] {
  return cr.lines ? [{ path, lines: cr.lines, first: cr.first ?? 1 }] : [];
}

/**
 * Reads a CTM file into time-ordered units per `file channel` key. `faults`: see TimeFaultPolicy;
 * under `keep`, `counted` receives the kept faults. `encoding`: the file's text encoding. `crWords` counts the lines
 * whose CR asrfair dropped where sclite would keep it in the word (CtmCrWords).
 */
export async function readCtm(
  path: string,
  fold: (s: string) => string = (s) => s,
  faults: TimeFaultPolicy = 'error',
  counted: TimeFaults = noTimeFaults(),
  encoding: TextEncoding = 'utf-8',
  crWords: CtmCrWords = { lines: 0 },
): Promise<Map<string, CtmUnit[]>> {
  const out = new Map<string, CtmUnit[]>();
  const lastBegin = new Map<string, { begin: number; line: number }>();
  let alt: { key: string; unit: Extract<CtmUnit, { kind: 'alt' }> } | undefined;
  for (const { line, text, cr } of linesOf(path, encoding)) {
    const t = text.trim();
    if (t === '' || t.startsWith(';;')) continue;
    const f = t.split(SPACE);
    if (f.length < 5) throw new InputError(path, line, 'ctm line needs "file channel begin duration word [confidence]"');
    // sclite splits on blanks, not CR: "w\r" as the last field is its word (a CR after a blank or a confidence is harmless).
    if (cr && f.length === 5 && !/[ \t]$/.test(text) && crWords.lines++ === 0) crWords.first = line;
    const key = channelKey(f[0]!, f[1]!, fold);
    const word = f[4]!;
    let list = out.get(key);
    if (!list) out.set(key, (list = []));
    const marker = word.toUpperCase();
    if (marker === '<ALT_BEGIN>') {
      if (alt) throw new InputError(path, line, `<ALT_BEGIN> inside the alternation opened at line ${alt.unit.line}`);
      alt = { key, unit: { kind: 'alt', alternatives: [[]], line, markers: [{ begin: atof(f[2]), duration: atof(f[3]) }] } };
      continue;
    }
    if (marker === '<ALT>' || marker === '<ALT_END>') {
      if (!alt || alt.key !== key) throw new InputError(path, line, `${word} without <ALT_BEGIN>`);
      alt.unit.markers.push({ begin: atof(f[2]), duration: atof(f[3]) });
      if (marker === '<ALT>') alt.unit.alternatives.push([]);
      else {
        list.push(alt.unit);
        const first = alt.unit.alternatives.flat()[0];
        if (first) lastBegin.set(key, { begin: first.begin, line: first.line });
        alt = undefined;
      }
      continue;
    }
    const begin = number(f[2], 'begin time', path, line);
    const duration = number(f[3], 'duration', path, line);
    if (duration < 0) {
      if (faults === 'error') throw new InputError(path, line, `negative duration ${duration} (--keep-time-faults keeps it, as sclite does)`);
      if (counted.negativeDuration++ === 0) counted.first.push(`${path}:${line}: negative duration ${duration}`);
    }
    if (alt) {
      alt.unit.alternatives[alt.unit.alternatives.length - 1]!.push({ begin, duration, word, line });
      continue;
    }
    const prev = lastBegin.get(key);
    if (prev && begin < prev.begin) {
      if (faults === 'error') {
        throw new InputError(path, line, `word begins at ${begin}, before the word at line ${prev.line} (${prev.begin}) of ${f[0]} ${f[1]}: ctm must be in time order (--keep-time-faults keeps file order, as sclite does)`);
      }
      if (counted.outOfOrder++ === 0) counted.first.push(`${path}:${line}: word begins at ${begin}, before the word at line ${prev.line} (${prev.begin})`);
    }
    lastBegin.set(key, { begin, line });
    const confidence = f[5] === undefined ? undefined : number(f[5], 'confidence', path, line);
    list.push({ kind: 'word', begin, duration, word, confidence, line });
  }
  if (alt) throw new InputError(path, alt.unit.line, '<ALT_BEGIN> is never closed with <ALT_END>');
  return out;
}

/** The units as sclite markup text (alternations as `{ a b / c }`), for the markup parser. */
export function unitsToText(units: readonly CtmUnit[]): string {
  return units
    .map((u) => (u.kind === 'word' ? u.word : `{ ${u.alternatives.map((a) => (a.length ? a.map((w) => w.word).join(' ') : '@')).join(' / ')} }`))
    .join(' ');
}
