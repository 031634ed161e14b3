import { closeSync, createWriteStream, openSync, readSync } from 'node:fs';
import { TextDecoder } from 'node:util';
import { once } from 'node:events';
import { extname } from 'node:path';
import { MAX_LINE_BYTES, parseJsonLine, readLines } from '../manifest/jsonl.ts';
import { InputError } from '../manifest/errors.ts';
import { decodeGb2312, invalidGb2312At } from './gb2312.ts';

/** One reference or hypothesis transcript with where it came from. */
export interface Transcript {
  id: string;
  speaker: string;
  text: string;
  file: string;
  line: number;
  /** The file format it came from (a trn id carries the speaker; JSONL may name it). */
  format?: TranscriptFormat;
  /**
   * JSONL manifest lines only: markup the corpus's policy kept as sclite optionally deletable words
   * (`markup.deletable`, CORAAL fragments `(like-)`), which only `-D -F` scores as the corpus means them.
   */
  deletable?: number;
}

export type TranscriptFormat = 'trn' | 'jsonl';

/**
 * Speaker of an utterance id as sclite derives it with `-i rm` / `spu_id`: the prefix before the first `-`, else
 * before the first `_`; undefined for an id with neither (sclite: "extract_speaker can't locate RM id", and it counts
 * the utterance under the previous line's speaker; `score.ts` does the same and says so).
 */
export function speakerPrefixOf(id: string): string | undefined {
  let p = id.indexOf('-');
  if (p < 0) p = id.indexOf('_');
  return p < 0 ? undefined : id.slice(0, p);
}

/**
 * Speaker of an utterance id where no file order is at hand (manifests, JSONL without `speaker`): `speakerPrefixOf`,
 * and an id with neither `-` nor `_` is its own speaker.
 */
export function speakerOf(id: string): string {
  return speakerPrefixOf(id) ?? id;
}

/** `.jsonl`/`.json`/`.ndjson` → jsonl, anything else → trn. */
export function detectFormat(path: string): TranscriptFormat {
  const ext = extname(path).toLowerCase();
  return ext === '.jsonl' || ext === '.ndjson' || ext === '.json' ? 'jsonl' : 'trn';
}

/** Where the parts of a trn line are: the words in `[start, end)` of the line, and the utterance id. */
export interface TrnSpan {
  id: string;
  start: number;
  end: number;
}

/**
 * Finds the words and the id of one trn line `words ... (id)`; the id is the text inside the last
 * parentheses, as in sclite. Returns undefined for blank lines and `;;` comments; a line without
 * an id, or an id with white space, is an InputError naming file:line.
 */
export function trnSpan(text: string, file: string, line: number): TrnSpan | undefined {
  let a = 0;
  let b = text.length;
  while (a < b && isAsciiSpace(text.charCodeAt(a))) a++;
  while (b > a && isAsciiSpace(text.charCodeAt(b - 1))) b--;
  if (a === b || (text.charCodeAt(a) === 59 && text.charCodeAt(a + 1) === 59)) return undefined; // blank, ";;"
  const close = b - 1;
  const open = text.lastIndexOf('(', close);
  if (text.charCodeAt(close) !== 41 || open < a) {
    throw new InputError(file, line, 'trn line must end with an utterance id in parentheses, e.g. "the words (spk1-utt1)"');
  }
  let i = open + 1;
  let j = close;
  while (i < j && isUnicodeTrimmed(text.charCodeAt(i))) i++;
  while (j > i && isUnicodeTrimmed(text.charCodeAt(j - 1))) j--;
  for (let k = i; k < j; k++) {
    if (isAsciiSpace(text.charCodeAt(k))) throw new InputError(file, line, `bad utterance id "(${text.slice(i, j)})"`);
  }
  if (i === j) throw new InputError(file, line, 'bad utterance id "()"');
  // Only ASCII white space separates words (sclite): NBSP and U+3000 stay inside words.
  let e = open;
  while (e > a && isAsciiSpace(text.charCodeAt(e - 1))) e--;
  return { id: text.slice(i, j), start: a, end: e };
}

/** The words of a trn line's span with every run of white space made one space. */
export function spanWords(text: string, start: number, end: number): string {
  const words = text.slice(start, end);
  return needsFolding(words) ? words.replace(/[ \t\n\r\f\v]+/g, ' ') : words;
}

/**
 * Parses one trn line `words ... (id)`; the id is the text inside the last parentheses, as in
 * sclite. Returns undefined for blank lines and `;;` comments.
 */
export function parseTrnLine(text: string, file: string, line: number): Transcript | undefined {
  const s = trnSpan(text, file, line);
  if (!s) return undefined;
  return { id: s.id, speaker: speakerOf(s.id), text: spanWords(text, s.start, s.end), file, line, format: 'trn' };
}

/** What String.prototype.trim removes (ASCII white space, NBSP, Unicode spaces, line separators, BOM). */
function isUnicodeTrimmed(c: number): boolean {
  if (c < 128) return isAsciiSpace(c);
  return /\s/.test(String.fromCharCode(c));
}

function isAsciiSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** True when `s` has a white-space character other than a single space. */
function needsFolding(s: string): boolean {
  let prevSpace = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 32) {
      if (prevSpace) return true;
      prevSpace = true;
    } else if (c >= 9 && c <= 13) return true;
    else prevSpace = false;
  }
  return false;
}

/** One trn line for `text` and `id` (no trailing newline). */
export function formatTrnLine(text: string, id: string): string {
  if (/[()\s]/.test(id)) throw new Error(`utterance id "${id}" cannot be written to trn (spaces or parentheses)`);
  const words = text.trim().replace(/\s+/g, ' ');
  return words === '' ? `(${id})` : `${words} (${id})`;
}

/** Parses one JSONL transcript line `{"id": ..., "text": ...[, "speaker": ...]}`. */
export function parseJsonlTranscript(text: string, file: string, line: number): Transcript | undefined {
  if (text.trim() === '') return undefined;
  const v = parseJsonLine(text, file, line);
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new InputError(file, line, 'expected a JSON object');
  const o = v as Record<string, unknown>;
  if (typeof o.id !== 'string' || o.id === '') throw new InputError(file, line, '"id" must be a non-empty string');
  const t = o.text ?? o.hyp ?? o.hypothesis;
  if (typeof t !== 'string') throw new InputError(file, line, `"text" must be a string (id ${o.id})`);
  if (o.speaker !== undefined && typeof o.speaker !== 'string') {
    throw new InputError(file, line, `"speaker" must be a string (id ${o.id})`);
  }
  const speaker = typeof o.speaker === 'string' && o.speaker !== '' ? o.speaker : speakerOf(o.id);
  const m = o.markup as { deletable?: Record<string, unknown> } | undefined;
  const deletable = m && typeof m === 'object' && m.deletable && typeof m.deletable === 'object' ? Object.values(m.deletable).reduce<number>((a, b) => a + (typeof b === 'number' ? b : 0), 0) : 0;
  return { id: o.id, speaker, text: t, file, line, ...(deletable > 0 ? { deletable } : {}) };
}

/**
 * Text encodings a transcript file may be declared in: UTF-8 (default), or GB2312 as sclite's
 * `-e gb` reads Mandarin (EUC-CN; see `gb2312.ts`).
 */
export type TextEncoding = 'utf-8' | 'gb2312';
export const TEXT_ENCODINGS: readonly TextEncoding[] = ['utf-8', 'gb2312'];

/**
 * Reads a text file line by line on demand (`next()`), synchronously in 4 MB chunks: the scoring
 * hot path, without a promise per line. Lines are numbered from 1; a CR before LF is dropped.
 * Bytes that are not valid in the declared encoding are an InputError naming the line.
 */
export class LineReader {
  /** The current line's number, and where it is in `chunk`: `chunk.slice(start, end)` (see `text`). */
  line = 0;
  start = 0;
  end = 0;
  /** The decoded run of whole lines the current line is in (a flat string: fast to index). */
  chunk = '';
  /**
   * The file began with a UTF-8 byte-order mark, which was dropped (callers say so: sclite reads it as
   * part of the first word). A U+FEFF anywhere else is kept as a character, as in sclite.
   */
  bom = false;
  /** The current line ended in CR LF; its CR was dropped (text never holds it). */
  cr = false;
  private readonly fd: number;
  private readonly decoder: TextDecoder;
  private buf = Buffer.allocUnsafe(4 << 20);
  private have = 0;
  private eof = false;
  private pos = 0;

  constructor(
    readonly path: string,
    readonly encoding: TextEncoding = 'utf-8',
    /**
     * Longest line in bytes (memory guard; default 256 MiB): checked when the 4 MiB read buffer must
     * grow, so exact for 4 MiB × 2^k (the default is); a longer line is an InputError naming it.
     */
    readonly maxLineBytes: number = MAX_LINE_BYTES,
  ) {
    try {
      this.fd = openSync(path, 'r');
    } catch (e) {
      throw new InputError(path, undefined, `cannot read: ${(e as Error).message}`);
    }
    // Every chunk is decoded on its own: without ignoreBOM a U+FEFF opening any chunk would vanish.
    this.decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  }

  /** The current line's text (a new string). */
  get text(): string {
    return this.chunk.slice(this.start, this.end);
  }

  /** Advances to the next line; false (and the file closed) at the end. */
  next(): boolean {
    for (;;) {
      if (this.pos < this.chunk.length) {
        const c = this.chunk;
        let nl = c.indexOf('\n', this.pos);
        if (nl < 0) nl = c.length; // last line without a newline
        this.start = this.pos;
        this.cr = nl > this.pos && c.charCodeAt(nl - 1) === 13;
        this.end = this.cr ? nl - 1 : nl;
        this.pos = nl + 1;
        this.line++;
        return true;
      }
      if (!this.fill()) return false;
    }
  }

  /** Stops reading early (closes the file). */
  close(): void {
    if (!this.eof) closeSync(this.fd);
    this.eof = true;
    this.chunk = '';
    this.pos = 0;
  }

  /** Decodes the next run of whole lines into `chunk`; false at the end of the file. */
  private fill(): boolean {
    if (this.eof) return false;
    for (;;) {
      if (this.have === this.buf.length) {
        // The buffer is full of one unfinished line (whole lines were handed out).
        if (this.have >= this.maxLineBytes) {
          this.close();
          throw new InputError(this.path, this.line + 1, `line is longer than the maximum of ${this.maxLineBytes} bytes`);
        }
        const bigger = Buffer.allocUnsafe(this.buf.length * 2);
        this.buf.copy(bigger, 0, 0, this.have);
        this.buf = bigger;
      }
      let n: number;
      try {
        n = readSync(this.fd, this.buf, this.have, this.buf.length - this.have, null);
      } catch (e) {
        this.close();
        throw new InputError(this.path, this.line + 1, `cannot read: ${(e as Error).message}`);
      }
      if (n === 0) {
        closeSync(this.fd);
        this.eof = true;
        if (this.have === 0) return false;
        this.decodeChunk(this.buf.subarray(0, this.have));
        this.have = 0;
        return true;
      }
      this.have += n;
      const last = this.buf.lastIndexOf(0x0a, this.have - 1);
      if (last < 0) continue;
      this.decodeChunk(this.buf.subarray(0, last + 1));
      this.buf.copy(this.buf, 0, last + 1, this.have);
      this.have -= last + 1;
      return true;
    }
  }

  private decodeChunk(bytes: Buffer): void {
    this.pos = 0;
    // In UTF-8 and EUC-CN a 0x0A byte is always a line feed, so chunks cut at one decode alone.
    const bad = this.encoding === 'gb2312' ? invalidGb2312At(bytes) : -1;
    try {
      if (bad >= 0) throw new Error('invalid');
      this.chunk = this.encoding === 'gb2312' ? decodeGb2312(bytes) : this.decoder.decode(bytes);
      if (this.line === 0 && !this.bom && this.chunk.charCodeAt(0) === 0xfeff) {
        this.chunk = this.chunk.slice(1);
        this.bom = true;
      }
      return;
    } catch {
      // Name the offending line.
      let lineNo = this.line;
      let start = 0;
      for (;;) {
        const nl = bytes.indexOf(0x0a, start);
        const end = nl < 0 ? bytes.length : nl;
        lineNo++;
        const part = bytes.subarray(start, end);
        let ok = this.encoding !== 'gb2312' || invalidGb2312At(part) < 0;
        if (ok && this.encoding !== 'gb2312') {
          try {
            this.decoder.decode(part);
          } catch {
            ok = false;
          }
        }
        if (!ok || nl < 0) break;
        start = nl + 1;
      }
      this.close();
      throw new InputError(this.path, lineNo, `line is not valid ${this.encoding === 'gb2312' ? 'GB2312 (EUC-CN)' : 'UTF-8'}`);
    }
  }
}

/**
 * Calls `fn` for every line of a text file (UTF-8 unless `encoding` says otherwise; 1-based
 * numbers, CR before LF dropped). Bytes invalid in the encoding are an InputError naming the line.
 */
export function forEachLine(path: string, fn: (text: string, line: number) => void, encoding: TextEncoding = 'utf-8'): void {
  const r = new LineReader(path, encoding);
  try {
    while (r.next()) fn(r.text, r.line);
  } finally {
    r.close();
  }
}

/** Every line of a text file as `{line, text}` (see `LineReader`: encoding, file:line errors). */
export function* linesOf(path: string, encoding: TextEncoding = 'utf-8'): Generator<{ line: number; text: string; cr: boolean }> {
  const r = new LineReader(path, encoding);
  try {
    while (r.next()) yield { line: r.line, text: r.text, cr: r.cr };
  } finally {
    r.close();
  }
}

/** Synchronously calls `fn` for every transcript of a trn or JSONL file (errors name file:line). */
export function forEachTranscript(
  path: string,
  format: TranscriptFormat,
  fn: (t: Transcript) => void,
  encoding: TextEncoding = 'utf-8',
): void {
  const parse = format === 'jsonl' ? parseJsonlTranscript : parseTrnLine;
  forEachLine(
    path,
    (text, line) => {
      const t = parse(text, path, line);
      if (t) fn(t);
    },
    encoding,
  );
}

/**
 * Streams transcripts from a trn or JSONL file (format by extension unless given). Errors name
 * file:line (bad syntax, invalid UTF-8). Duplicate ids are not checked here; see loadTranscripts.
 */
export async function* readTranscripts(path: string, format: TranscriptFormat = detectFormat(path)): AsyncGenerator<Transcript> {
  const parse = format === 'jsonl' ? parseJsonlTranscript : parseTrnLine;
  for await (const { line, text } of readLines(path)) {
    const t = parse(text, path, line);
    if (t) yield t;
  }
}

/** Loads a whole transcript file keyed by id (or `key(id)`, e.g. lower-cased); a duplicate is an error naming both lines. */
export async function loadTranscripts(
  path: string,
  format?: TranscriptFormat,
  key: (id: string) => string = (id) => id,
): Promise<Map<string, Transcript>> {
  const byId = new Map<string, Transcript>();
  for await (const t of readTranscripts(path, format)) {
    const k = key(t.id);
    const prev = byId.get(k);
    if (prev) throw new InputError(path, t.line, `duplicate utterance id "${t.id}" (first at line ${prev.line})`);
    byId.set(k, t);
  }
  return byId;
}

/** Writes `{id, text}` records as a trn file. */
export async function writeTrn(path: string, records: Iterable<{ id: string; text: string }>): Promise<void> {
  const out = createWriteStream(path, { encoding: 'utf8' });
  // Node's write errors carry no path: name the file. once() rejects on 'error'.
  out.on('error', (e: NodeJS.ErrnoException) => void (e.path ??= path));
  for (const r of records) {
    if (!out.write(`${formatTrnLine(r.text, r.id)}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
