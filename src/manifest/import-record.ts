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
import { createHash } from 'node:crypto';
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
  /**
   * sha256 (hex) of the manifest's bytes as the import wrote them: a manifest edited afterwards no longer matches,
   * and its record then describes an earlier version (absent in records of an older asrfair: not checkable).
   */
  manifestSha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
});
export type ImportRecord = z.infer<typeof ImportRecordSchema>;
export type ImportRecordInput = z.input<typeof ImportRecordSchema>;

/** The record as written to `importRecordPath(manifest)` (validated; pretty-printed JSON with a final newline). */
export function formatImportRecord(r: ImportRecordInput): string {
  return JSON.stringify(ImportRecordSchema.parse(r), null, 2) + '\n';
}

/** sha256 (hex) of a file's bytes: what an import record's `manifestSha256` holds. */
export function fileSha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** fileSha256, or undefined when the manifest cannot be read any more (then it matches no record). */
function currentSha256(file: string): string | undefined {
  try {
    return fileSha256(file);
  } catch {
    return undefined;
  }
}

/**
 * An import record as a run carries it (run.json `corpus.imports`): the record, the manifest's file name, and
 * `manifestChanged`: true when the manifest's bytes no longer hash to the record's `manifestSha256` (the manifest was
 * edited after the import, so the record's counts describe an earlier version of it), false when they do; absent when
 * the record has no hash (written by an older asrfair).
 */
export type CarriedImportRecord = ImportRecord & { manifest: string; manifestChanged?: boolean };

/**
 * The import record of a manifest, from `importRecordPath(manifest)`, with the manifest's file name added as
 * `manifest` and, when the record has a hash, whether the manifest changed since (see CarriedImportRecord). Undefined
 * when there is none (a manifest written by hand or by an older asrfair). A record that is not valid JSON or not a
 * record is an InputError naming the record file.
 */
export function readImportRecord(manifest: string): CarriedImportRecord | undefined {
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
    // V8 names the character offset of a syntax error: the line of that offset.
    const at = /at position (\d+)/.exec((e as Error).message);
    throw new InputError(file, at ? lineAt(text, Number(at[1])) : undefined, `import record is not valid JSON (${(e as Error).message})`);
  }
  const r = ImportRecordSchema.safeParse(json);
  if (!r.success) {
    // The line of the first faulty field's top-level key, when the record has it (a missing field has no line).
    const key = r.error.issues[0]?.path[0];
    const at = typeof key === 'string' ? keyLine(text, key) : undefined;
    throw new InputError(file, at, `invalid import record: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const changed = r.data.manifestSha256 === undefined ? {} : { manifestChanged: currentSha256(manifest) !== r.data.manifestSha256 };
  return { ...r.data, manifest: basename(manifest), ...changed };
}

/**
 * The one sentence said (once, by every command that reads the manifest or a run of it, at the top of the card and in
 * the reports of compare, glass and adapt) when an import record describes an earlier version of its manifest;
 * undefined when it matches or cannot be checked (uncheckedImportWarning).
 */
export function staleImportWarning(r: Pick<CarriedImportRecord, 'manifest' | 'manifestChanged'>): string | undefined {
  if (!r.manifestChanged) return undefined;
  const record = importRecordPath(r.manifest);
  return `the import record ${record} describes an earlier version of the manifest ${r.manifest}: the manifest was changed after the import (its sha256 differs from the one recorded), so the record's counts (utterances, speakers, left out, mapped to undeclared) are not of this manifest; re-import it, or delete ${record}`;
}

/**
 * The one sentence said (once, wherever a stale record is said) when an import record has no `manifestSha256` (written
 * by an asrfair older than the hash): whether the manifest was edited since cannot be checked, so that is said rather
 * than nothing. Undefined when the record has a hash.
 */
export function uncheckedImportWarning(r: Pick<CarriedImportRecord, 'manifest' | 'manifestSha256'>): string | undefined {
  if (r.manifestSha256 !== undefined) return undefined;
  const record = importRecordPath(r.manifest);
  return `the import record ${record} cannot be checked against the manifest ${r.manifest}: it records no sha256 of the manifest (written by an older asrfair), so if the manifest was changed after the import, the record's counts (utterances, speakers, left out, mapped to undeclared) are not of this manifest; re-import it to record one`;
}

/**
 * Every warning about import records (a run's `corpus.imports`, or `manifestImportWarnings`' records), in order: each
 * record that describes an earlier version of its manifest (staleImportWarning) or that cannot be checked against it
 * (uncheckedImportWarning). Plain text, unescaped, no final full stop; the same sentence never twice (two runs of one
 * manifest, as `compare` reads them, say it once).
 */
export function importRecordWarnings(records: readonly Pick<CarriedImportRecord, 'manifest' | 'manifestChanged' | 'manifestSha256'>[] = []): string[] {
  return [...new Set(records.flatMap((r) => [staleImportWarning(r), uncheckedImportWarning(r)].filter((w) => w !== undefined)))];
}

/**
 * importRecordWarnings of the records beside `manifests` as they are now (for commands that read a manifest, not a run:
 * `glass`, `adapt`, `validate`). A manifest without a record gives none; a malformed record is readImportRecord's
 * InputError naming the record file.
 */
export function manifestImportWarnings(manifests: readonly string[]): string[] {
  return importRecordWarnings(manifests.map((m) => readImportRecord(m)).filter((r) => r !== undefined));
}

/** What became `undeclared`: `accent left blank`, or `accent "NA" (the corpus's "not declared")` for a documented marker. */
export function undeclaredSource(u: UndeclaredMapping): string {
  return u.raw === '' ? `${u.key} left blank` : `${u.key} ${JSON.stringify(u.raw)} (the corpus's "not declared")`;
}

/** "1 speaker", "2 speakers": a count and its noun, plural unless the count is 1 (`nouns` when the plural is not noun + s). */
export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : nouns}`;
}

/**
 * The card's sentences for one import record: what the groups are, what was left out, which markers became
 * `undeclared` and how many audio files were missing. `name` says which manifest (when a run has several).
 */
export function importRecordNotes(r: ImportRecord & { manifestChanged?: boolean }, name?: string): string[] {
  const which = [name ? `manifest ${name}` : '', r.manifestChanged ? 'an earlier version of the manifest: it was changed since' : ''].filter(Boolean).join('; ');
  const of = `Import of ${r.source}${which ? ` (${which})` : ''}, format ${r.format}${r.corpus ? ` (${r.corpus})` : ''}`;
  const out: string[] = [];
  const facts = [
    ...r.leftOut.map((l) => `left out ${l.count.toLocaleString('en-US')} ${l.what}`),
    ...r.undeclared.map((u) => `${undeclaredSource(u)} → undeclared in ${plural(u.count, 'utterance')}`),
    ...(r.missingAudio ? [`${plural(r.missingAudio, 'audio file')} named by the corpus did not exist at import`] : []),
  ];
  out.push(`${of}: ${plural(r.utterances, 'utterance')}, ${plural(r.speakers, 'speaker')}${facts.length ? `; ${facts.join('; ')}` : ''}.`);
  for (const n of r.notes) out.push(`${of}: ${n}${/[.!?]$/.test(n) ? '' : '.'}`);
  return out;
}

/** The 1-based line of character offset `offset` in `text`. */
function lineAt(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

/** The line of the first `"key":` in a JSON text (the key written as JSON writes it), or undefined. */
function keyLine(text: string, key: string): number | undefined {
  const quoted = JSON.stringify(key);
  for (let i = text.indexOf(quoted); i >= 0; i = text.indexOf(quoted, i + 1)) {
    if (/^\s*:/.test(text.slice(i + quoted.length))) return lineAt(text, i);
  }
  return undefined;
}
