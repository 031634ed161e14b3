import { closeSync, createWriteStream, openSync, readSync } from 'node:fs';
import { once } from 'node:events';
import { extname } from 'node:path';
import { readLines } from '../manifest/jsonl.ts';
import { InputError } from '../manifest/errors.ts';

/** One reference or hypothesis transcript with where it came from. */
export interface Transcript {
  id: string;
  speaker: string;
  text: string;
  file: string;
  line: number;
  /** The file format it came from (a trn id carries the speaker; JSONL may name it). */
  format?: TranscriptFormat;
}

export type TranscriptFormat = 'trn' | 'jsonl';

/**
 * Speaker of an utterance id as sclite derives it with `-i rm`: the prefix before the first `-`,
 * else before the first `_`; an id with neither is its own speaker (sclite would reject it).
 */
export function speakerOf(id: string): string {
  let p = id.indexOf('-');
  if (p < 0) p = id.indexOf('_');
  return p < 0 ? id : id.slice(0, p);
}

/** `.jsonl`/`.json`/`.ndjson` → jsonl, anything else → trn. */
export function detectFormat(path: string): TranscriptFormat {
  const ext = extname(path).toLowerCase();
  return ext === '.jsonl' || ext === '.ndjson' || ext === '.json' ? 'jsonl' : 'trn';
}

/**
 * Parses one trn line `words ... (id)`; the id is the text inside the last parentheses, as in
 * sclite. Returns undefined for blank lines and `;;` comments.
 */
export function parseTrnLine(text: string, file: string, line: number): Transcript | undefined {
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
  const id = text.slice(open + 1, close).trim();
  if (id === '' || /[ \t\n\r\f\v]/.test(id)) throw new InputError(file, line, `bad utterance id "(${id})"`);
  // Only ASCII white space separates words (sclite): NBSP and U+3000 stay inside words.
  let e = open;
  while (e > a && isAsciiSpace(text.charCodeAt(e - 1))) e--;
  let words = text.slice(a, e);
  if (needsFolding(words)) words = words.replace(/[ \t\n\r\f\v]+/g, ' ');
  return { id, speaker: speakerOf(id), text: words, file, line, format: 'trn' };
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
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new InputError(file, line, `not valid JSON (${(e as Error).message})`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new InputError(file, line, 'expected a JSON object');
  const o = v as Record<string, unknown>;
  if (typeof o.id !== 'string' || o.id === '') throw new InputError(file, line, '"id" must be a non-empty string');
  const t = o.text ?? o.hyp ?? o.hypothesis;
  if (typeof t !== 'string') throw new InputError(file, line, `"text" must be a string (id ${o.id})`);
  if (o.speaker !== undefined && typeof o.speaker !== 'string') {
    throw new InputError(file, line, `"speaker" must be a string (id ${o.id})`);
  }
  const speaker = typeof o.speaker === 'string' && o.speaker !== '' ? o.speaker : speakerOf(o.id);
  return { id: o.id, speaker, text: t, file, line };
}

/**
 * Calls `fn` for every line of a UTF-8 text file (1-based numbers, CR before LF dropped), reading
 * synchronously in 4 MB chunks: the scoring hot path, without a promise per line. Invalid UTF-8 is
 * an InputError naming the line.
 */
export function forEachLine(path: string, fn: (text: string, line: number) => void): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new InputError(path, undefined, `cannot read: ${(e as Error).message}`);
  }
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const CHUNK = 4 << 20;
  let buf = Buffer.allocUnsafe(CHUNK);
  let have = 0;
  let lineNo = 0;
  const emit = (bytes: Buffer): void => {
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      // Find the offending line for the message.
      let start = 0;
      for (;;) {
        const nl = bytes.indexOf(0x0a, start);
        const end = nl < 0 ? bytes.length : nl;
        lineNo++;
        try {
          decoder.decode(bytes.subarray(start, end));
        } catch {
          throw new InputError(path, lineNo, 'line is not valid UTF-8');
        }
        if (nl < 0) break;
        start = nl + 1;
      }
      throw new InputError(path, lineNo, 'line is not valid UTF-8');
    }
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      lineNo++;
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      fn(text.slice(start, end), lineNo);
      start = nl + 1;
    }
    if (start < text.length) {
      lineNo++;
      const end = text.charCodeAt(text.length - 1) === 13 ? text.length - 1 : text.length;
      fn(text.slice(start, end), lineNo);
    }
  };
  try {
    for (;;) {
      if (have === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, have);
        buf = bigger;
      }
      const n = readSync(fd, buf, have, buf.length - have, null);
      if (n === 0) break;
      have += n;
      const last = buf.lastIndexOf(0x0a, have - 1);
      if (last < 0) continue;
      emit(buf.subarray(0, last + 1));
      buf.copy(buf, 0, last + 1, have);
      have -= last + 1;
    }
    if (have > 0) emit(buf.subarray(0, have));
  } finally {
    closeSync(fd);
  }
}

/** Synchronously calls `fn` for every transcript of a trn or JSONL file (errors name file:line). */
export function forEachTranscript(path: string, format: TranscriptFormat, fn: (t: Transcript) => void): void {
  const parse = format === 'jsonl' ? parseJsonlTranscript : parseTrnLine;
  forEachLine(path, (text, line) => {
    const t = parse(text, path, line);
    if (t) fn(t);
  });
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
  for (const r of records) {
    if (!out.write(`${formatTrnLine(r.text, r.id)}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
