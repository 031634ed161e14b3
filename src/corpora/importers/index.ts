/** Corpus importers: each turns a corpus in its published layout into manifest utterances. */
import { beginOutputFile, checkOutputFiles, commitOutputFile, discardOutputFile, writeOutputFile } from '../../manifest/output.ts';
import { ManifestWriter } from '../../manifest/jsonl.ts';
import { InputError, UsageError } from '../../manifest/errors.ts';
import { LabelMapper, type LabelMap } from '../../manifest/labelmap.ts';
import { WarningSummary } from '../../manifest/warnings.ts';
import { fileSha256, formatImportRecord, importRecordPath, type ImportRecord } from '../../manifest/import-record.ts';
import { basename } from 'node:path';
import type { ImportContext, Imported, Importer } from './common.ts';
import { importCommonVoice } from './commonvoice.ts';
import { importL2Arctic, type L2ArcticAnnotations } from './l2arctic.ts';
import { importSpeechAccentArchive } from './saa.ts';
import { importCoraal } from './coraal.ts';
import { importEdAcc } from './edacc.ts';
import { importKaldi } from './kaldi.ts';
import { importDelimited, importJsonl } from './generic.ts';
import { SpellingMerges } from './spelling-merges.ts';

export const IMPORT_FORMATS = ['commonvoice', 'l2arctic', 'speechaccentarchive', 'coraal', 'edacc', 'kaldi', 'csv', 'tsv', 'jsonl'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export interface ImportOptions {
  /** Manifest to write. */
  out: string;
  labels?: LabelMap;
  allowPipes?: boolean;
  split?: string;
  columns?: Record<string, string>;
  /** Kaldi: folder relative wav.scp paths are relative to (default: found the Kaldi way). */
  root?: string;
  /** ISO 639-1 language of the references, for formats that do not say it (kaldi, csv, tsv, jsonl). */
  language?: string;
  /** CORAAL: keep interviewer turns (labelled role: interviewer). */
  includeInterviewers?: boolean;
  /** Summary to collect warnings into (so a caller can print them even when the import fails). */
  warnings?: WarningSummary;
  /** Called for each warning as it happens (besides the summary). */
  warn?: (message: string, kind: string) => void;
  /** An importer from a later stage (e.g. `stm`, which reads with the score stage's reader) used instead of `format`'s. */
  importer?: Importer;
}

export interface ImportSummary {
  utterances: number;
  speakers: number;
  mapper: LabelMapper;
  /** L2-ARCTIC: side file with the annotated phone errors (utterance id → errors). */
  annotationsFile?: string;
  /** Every warning, by kind (print with `warnings.lines()`). */
  warnings: WarningSummary;
  /** What the import left out on purpose, with counts (markup-only rows, excluded interviewer turns, …). */
  tallies: Array<[string, number]>;
  /** Facts said once (e.g. the folder Kaldi relative paths were resolved from). */
  notes: string[];
  /** Audio files the corpus names that did not exist (each also a warning). */
  missingAudio: number;
  /** What `<manifest name>.import.json` records (src/manifest/import-record.ts): carried into runs and cards. */
  record: ImportRecord;
}

/** Streams the utterances of a corpus (without writing anything). */
export function importCorpus(format: ImportFormat, input: string, ctx: ImportContext, annotations?: L2ArcticAnnotations): AsyncIterable<Imported> {
  switch (format) {
    case 'commonvoice':
      return importCommonVoice(input, ctx);
    case 'l2arctic':
      return importL2Arctic(input, ctx, annotations);
    case 'speechaccentarchive':
      return importSpeechAccentArchive(input, ctx);
    case 'coraal':
      return importCoraal(input, ctx);
    case 'edacc':
      return importEdAcc(input, ctx);
    case 'kaldi':
      return importKaldi(input, ctx);
    case 'csv':
      return importDelimited(input, ctx, ',');
    case 'tsv':
      return importDelimited(input, ctx, '\t');
    case 'jsonl':
      return importJsonl(input, ctx);
  }
}

/**
 * Imports a corpus into a JSONL manifest. Duplicate ids are an error naming both sources. L2-ARCTIC annotations go
 * to `<manifest>.annotations.json` ({ utteranceId: PhoneError[] }).
 */
/** Where the phone-error annotations of an L2-ARCTIC import go: beside the manifest, `<name>.annotations.json`. */
const annotationsPath = (manifest: string) => `${manifest.replace(/\.jsonl$/, '')}.annotations.json`;

export async function importToManifest(format: string, input: string, opts: ImportOptions): Promise<ImportSummary> {
  if (!opts.importer && !(IMPORT_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`unknown import format "${format}" (one of: ${IMPORT_FORMATS.join(', ')})`);
  }
  if (opts.language !== undefined && !/^[a-z]{2}$/.test(opts.language)) {
    throw new UsageError(`--language "${opts.language}" is not an ISO 639-1 code (two lower-case letters, e.g. en, ta)`);
  }
  const mapper = new LabelMapper(opts.labels);
  const warnings = opts.warnings ?? new WarningSummary();
  const tallies = new Map<string, number>();
  const notes: string[] = [];
  const recordNotes: string[] = [];
  let missingAudio = 0;
  let corpus: string | undefined;
  let groupsNote: string | undefined;
  const ctx: ImportContext = {
    out: opts.out,
    labels: mapper,
    allowPipes: opts.allowPipes,
    split: opts.split,
    columns: opts.columns,
    root: opts.root,
    language: opts.language,
    includeInterviewers: opts.includeInterviewers,
    warn: (m, kind = 'other') => {
      warnings.add(kind, m);
      opts.warn?.(m, kind);
    },
    tally: (what, n = 1) => void tallies.set(what, (tallies.get(what) ?? 0) + n),
    note: (m, local = false) => {
      notes.push(m);
      if (!local) recordNotes.push(m);
    },
    missingAudio: (m, kind = 'audio file not found') => {
      missingAudio++;
      ctx.warn(m, kind);
    },
    corpus: (name) => void (corpus = name),
    groupsNote: (m) => void (groupsNote = m),
  };
  const annotations: L2ArcticAnnotations | undefined = format === 'l2arctic' ? new Map() : undefined;
  // The manifest's own path first (an error names what the user typed), then the files beside it, before the import.
  const tmp = beginOutputFile(opts.out, 'manifest');
  try {
    checkOutputFiles([...(annotations ? [annotationsPath(opts.out)] : []), importRecordPath(opts.out)], 'file beside the manifest');
  } catch (e) {
    discardOutputFile(tmp);
    throw e;
  }
  const writer = new ManifestWriter(tmp);
  const seen = new Map<string, string>();
  const speakers = new Set<string>();
  const merges = new SpellingMerges();
  let ok = false;
  try {
    const source = opts.importer ? opts.importer(input, ctx) : importCorpus(format as ImportFormat, input, ctx, annotations);
    for await (const { utt, file, line } of source) {
      const where = line === undefined ? file : `${file}:${line}`;
      const prev = seen.get(utt.id);
      if (prev) throw new InputError(file, line, `duplicate utterance id "${utt.id}" (first from ${prev})`);
      seen.set(utt.id, where);
      if (utt.speaker) speakers.add(utt.speaker);
      merges.add(utt);
      await writer.write(utt);
    }
    if (seen.size === 0) throw new InputError(input, undefined, `no utterances found for format ${format}`);
    for (const n of merges.notes()) ctx.note!(n);
    ok = true;
  } finally {
    await writer.close().catch((e: unknown) => {
      if (ok) throw e;
    }).finally(() => {
      if (!ok) discardOutputFile(tmp);
    });
  }
  const record: ImportRecord = {
    format,
    ...(corpus ? { corpus } : {}),
    source: basename(input.replace(/[/\\]+$/, '')),
    utterances: seen.size,
    speakers: speakers.size,
    ...(groupsNote ? { groupsNote } : {}),
    notes: recordNotes,
    leftOut: [...tallies].map(([what, count]) => ({ what, count })),
    undeclared: mapper.undeclaredValues(),
    missingAudio,
  };
  commitOutputFile(tmp, opts.out, 'manifest');
  // The manifest's bytes as written: a later hand edit no longer matches, and run and report say so.
  record.manifestSha256 = fileSha256(opts.out);
  writeOutputFile(importRecordPath(opts.out), formatImportRecord(record), 'import record');
  let annotationsFile: string | undefined;
  if (annotations && annotations.size) {
    annotationsFile = annotationsPath(opts.out);
    writeOutputFile(annotationsFile, JSON.stringify(Object.fromEntries(annotations), null, 0) + '\n', 'annotations file');
  }
  return { utterances: seen.size, speakers: speakers.size, mapper, annotationsFile, warnings, tallies: [...tallies], notes, missingAudio, record };
}

export { parseColumnMap } from './generic.ts';
export { MARKUP_POLICIES, applyCoraalMarkup, applyEdaccMarkup, applyKaldiMarkup } from './markup.ts';
export { parseTextGrid, readTextGrid, readL2ArcticAnnotations, type PhoneError, type TextGrid } from './textgrid.ts';
export { STELLA_PARAGRAPH } from './saa.ts';
export { L2ARCTIC_SPEAKERS } from './l2arctic.ts';
export type { ImportContext, Imported } from './common.ts';
