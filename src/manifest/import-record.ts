/**
 * What an import did, recorded beside the manifest it wrote so that a run and its card can say it: the corpus
 * format, what the groups are when they are not self-declared labels (e.g. "CORAAL groups are community/site, not
 * self-declared dialect"), what was left out on purpose with counts (interviewer turns, markup-only rows), which
 * documented "not declared" markers (`NA`, …) were mapped to `undeclared` and how often, how many audio files were
 * missing.
 *
 * Stored as a side file `<manifest name>.import.json` (as L2-ARCTIC's `<name>.annotations.json`), not inside the
 * manifest: a manifest stays plain JSONL that jq, pandas or any line reader takes as it is.
 */
import { z } from 'zod';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { InputError } from './errors.ts';

/** The import record's file for a manifest: `a.jsonl` → `a.import.json`, beside it. */
export function importRecordPath(manifest: string): string {
  return `${manifest.replace(/\.jsonl$/, '')}.import.json`;
}

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

/** The record as written to `importRecordPath(manifest)` (validated; pretty-printed JSON with a final newline). */
export function formatImportRecord(r: ImportRecordInput): string {
  return JSON.stringify(ImportRecordSchema.parse(r), null, 2) + '\n';
}

/**
 * The import record of a manifest, from `importRecordPath(manifest)`, with the manifest's file name added as
 * `manifest`. Undefined when there is none (a manifest written by hand or by an older asrfair). A record that is not
 * valid JSON or not a record is an InputError naming the record file.
 */
export function readImportRecord(manifest: string): (ImportRecord & { manifest: string }) | undefined {
  const file = importRecordPath(manifest);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(file, undefined, `import record is not valid JSON (${(e as Error).message})`);
  }
  const r = ImportRecordSchema.safeParse(json);
  if (!r.success) throw new InputError(file, undefined, `invalid import record: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { ...r.data, manifest: basename(manifest) };
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
  for (const n of r.notes) out.push(`${of}: ${n}${/[.!?]$/.test(n) ? '' : '.'}`);
  return out;
}
