import { createWriteStream } from 'node:fs';
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
  const t = text.replace(/^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/g, '');
  if (t === '' || t.startsWith(';;')) return undefined;
  const close = t.lastIndexOf(')');
  const open = t.lastIndexOf('(');
  if (close !== t.length - 1 || open < 0 || open > close) {
    throw new InputError(file, line, 'trn line must end with an utterance id in parentheses, e.g. "the words (spk1-utt1)"');
  }
  const id = t.slice(open + 1, close).trim();
  if (id === '' || /[ \t\n\r\f\v]/.test(id)) throw new InputError(file, line, `bad utterance id "(${id})"`);
  // Only ASCII white space separates words (sclite): NBSP and U+3000 stay inside words.
  let words = t.slice(0, open).replace(/^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/g, '');
  if (/[ \t\n\r\f\v]{2}|[\t\n\r\f\v]/.test(words)) words = words.replace(/[ \t\n\r\f\v]+/g, ' ');
  return { id, speaker: speakerOf(id), text: words, file, line, format: 'trn' };
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
