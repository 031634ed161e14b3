/**
 * What an import did, recorded in the manifest it wrote so that a run and its card can say it: the corpus
 * format, notes about what the groups are (e.g. "CORAAL groups are community/site, not self-declared dialect"),
 * what was left out on purpose with counts (interviewer turns, markup-only rows), which documented "not declared"
 * markers (`NA`, …) were mapped to `undeclared` and how often, and how many audio files were missing.
 *
 * Stored as the manifest's first line, a comment `#asrfair-import {json}`: manifest readers skip `#` lines, so
 * the manifest stays valid for every reader, and the record travels with the file it describes.
 */
import { z } from 'zod';
import { closeSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { readLines } from './jsonl.ts';
import { InputError } from './errors.ts';

export const IMPORT_RECORD_PREFIX = '#asrfair-import ';

/** One documented "not declared" marker mapped to `undeclared`: label key, the marker as written, utterances. */
export const UndeclaredMappingSchema = z.object({
  key: z.string().min(1),
  raw: z.string(),
  count: z.number().int().nonnegative(),
});
export type UndeclaredMapping = z.infer<typeof UndeclaredMappingSchema>;

export const ImportRecordSchema = z.object({
  /** Import format (`commonvoice`, `coraal`, …) and the corpus it recognised (e.g. `artie-bias-corpus`). */
  format: z.string().min(1),
  corpus: z.string().optional(),
  /** File name of what was imported (no folder: the record names no local paths). */
  source: z.string(),
  utterances: z.number().int().nonnegative(),
  speakers: z.number().int().nonnegative(),
  /** What the groups are, when not self-declared labels (said in the card in place of "self-declared"). */
  groupsNote: z.string().optional(),
  /** Facts worth saying once (e.g. which markers the corpus documents as "not declared"). */
  notes: z.array(z.string()).default([]),
  /** What the import left out on purpose: what, and how many rows. */
  leftOut: z.array(z.object({ what: z.string(), count: z.number().int().nonnegative() })).default([]),
  /** Documented "not declared" markers mapped to `undeclared`, per label key and marker. */
  undeclared: z.array(UndeclaredMappingSchema).default([]),
  /** Audio files the corpus names that did not exist at import time (the utterances were still written). */
  missingAudio: z.number().int().nonnegative().default(0),
});
export type ImportRecord = z.infer<typeof ImportRecordSchema>;
export type ImportRecordInput = z.input<typeof ImportRecordSchema>;

/** True for an import record line: readers of JSONL that may be given a manifest skip it as the manifest reader does. */
export function isImportRecordLine(text: string): boolean {
  return text.startsWith(IMPORT_RECORD_PREFIX);
}

/** The manifest's first line for a record (no newline). */
export function formatImportRecord(r: ImportRecordInput): string {
  return IMPORT_RECORD_PREFIX + JSON.stringify(ImportRecordSchema.parse(r));
}

/**
 * The import record of a manifest: its leading `#` lines are read until the first other line, and the one starting
 * with `#asrfair-import ` is parsed. Undefined when there is none (a manifest written by hand or before records
 * existed). A record that does not parse is an InputError naming the file and line.
 */
export async function readImportRecord(file: string): Promise<ImportRecord | undefined> {
  for await (const { line, text } of readLines(file)) {
    if (text.trim() === '') continue;
    if (!text.startsWith('#')) return undefined;
    if (!text.startsWith(IMPORT_RECORD_PREFIX)) continue;
    let json: unknown;
    try {
      json = JSON.parse(text.slice(IMPORT_RECORD_PREFIX.length));
    } catch (e) {
      throw new InputError(file, line, `import record is not valid JSON (${(e as Error).message})`);
    }
    const r = ImportRecordSchema.safeParse(json);
    if (!r.success) throw new InputError(file, line, `invalid import record: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return r.data;
  }
  return undefined;
}

/** How much of a manifest's head `readImportRecordSync` reads: a record line is a few KB. */
const HEAD_BYTES = 1 << 20;

/**
 * `readImportRecord` for callers that cannot wait (building run.json): reads the first MiB of `file` only.
 * Undefined when the file is missing or unreadable, has no record, or the record does not parse (a run is never
 * stopped by what is only a note); `file`'s name is added as `manifest`.
 */
export function readImportRecordSync(file: string): (ImportRecord & { manifest: string }) | undefined {
  let head: string;
  try {
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(HEAD_BYTES);
      head = buf.subarray(0, readSync(fd, buf, 0, HEAD_BYTES, 0)).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  for (const text of head.split('\n')) {
    if (text.trim() === '') continue;
    if (!text.startsWith('#')) return undefined;
    if (!text.startsWith(IMPORT_RECORD_PREFIX)) continue;
    try {
      const r = ImportRecordSchema.safeParse(JSON.parse(text.slice(IMPORT_RECORD_PREFIX.length)));
      return r.success ? { ...r.data, manifest: basename(file) } : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** "1 speaker", "2 speakers": a count and its noun, plural unless the count is 1 (`nouns` when the plural is not noun + s). */
export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : nouns}`;
}

/**
 * The card's sentences for one import record: what the groups are, what was left out, which markers became
 * `undeclared` and how many audio files were missing. `name` says which manifest (when a run has several).
 */
export function importRecordNotes(r: ImportRecord, name?: string): string[] {
  const of = `Import of ${r.source}${name ? ` (manifest ${name})` : ''}, format ${r.format}${r.corpus ? ` (${r.corpus})` : ''}`;
  const out: string[] = [];
  const facts = [
    ...r.leftOut.map((l) => `left out ${l.count.toLocaleString('en-US')} ${l.what}`),
    ...r.undeclared.map((u) => `${u.key} ${JSON.stringify(u.raw)} (the corpus's "not declared") → undeclared in ${plural(u.count, 'utterance')}`),
    ...(r.missingAudio ? [`${plural(r.missingAudio, 'audio file')} named by the corpus did not exist at import`] : []),
  ];
  out.push(`${of}: ${plural(r.utterances, 'utterance')}, ${plural(r.speakers, 'speaker')}${facts.length ? `; ${facts.join('; ')}` : ''}.`);
  for (const n of r.notes) out.push(`${of}: ${n}`);
  return out;
}
