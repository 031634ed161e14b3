/**
 * Score-level import: per-utterance results computed by another pipeline (a jiwer notebook, a vendor's
 * evaluation sheet, a paper's supplementary table) become a run export (src/score/RUN_EXPORT.md) that
 * `report`, `compare` and `check` read like any run of ours, with every statistic.
 *
 * Input: a CSV or TSV with a header row, one utterance a row. Columns are named by a map:
 *   id=<col>, speaker=<col>, label.<key>=<col>…, and optionally duration=<col> (seconds), ref=<col>, hyp=<col>;
 * and one column group per backend, each in one of three forms:
 *   - `sub=<col>,del=<col>,ins=<col>,words=<col>`  substitutions, deletions, insertions and reference words;
 *   - `errors=<col>,words=<col>`                   total errors (S+D+I) and reference words;
 *   - `wer=<col>,words=<col>`                      WER as a fraction (0.25, not 25%) and reference words:
 *     errors = WER × words must be an integer within 1e-3, or the row is refused (a rounded WER cannot be
 *     turned back into counts without inventing errors).
 * With totals only (the last two forms) the S/D/I split is unknown: rows carry `errorSplit: "total"`,
 * `sub` holds min(errors, reference words) and `ins` the rest, and the card shows no S/D/I shares for them.
 * An empty cell in a backend's group means "no result for this utterance": the row is kept as a failed
 * utterance of that backend (counted, excluded from rates), never dropped.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { Table } from '../corpora/importers/common.ts';
import { parseFieldMap } from '../corpora/importers/generic.ts';
import { InputError, UsageError } from '../manifest/errors.ts';
import { writeRunExport, type RunMetaInput } from '../score/run-export.ts';
import type { ErrorCounts, ExportedUtterance } from '../score/types.ts';

/** Utterance fields a score table can map (besides `label.<key>`). */
const FIELDS = new Set(['id', 'speaker', 'duration', 'ref', 'hyp']);

/** One backend's columns. */
export type BackendColumns =
  | { name: string; kind: 'sdi'; sub: string; del: string; ins: string; words: string }
  | { name: string; kind: 'errors'; errors: string; words: string }
  | { name: string; kind: 'wer'; wer: string; words: string };

export interface ScoreImportOptions {
  /** Utterance columns: id and speaker are required; `label.<key>` any number. */
  columns: Record<string, string>;
  backends: BackendColumns[];
  /** Corpus name in run.json (default: the table's file name). */
  corpusName?: string;
  /** Tolerance of WER × words around an integer (default 1e-3). */
  tolerance?: number;
  /** asrfair version recorded in run.json. */
  toolVersion: string;
}

export interface ScoreImportSummary {
  utterances: number;
  speakers: number;
  backends: string[];
  /** Rows × backends with an empty cell, stored as failed utterances. */
  missing: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Parses `--map id=utt,speaker=client_id,label.accent=accent,duration=secs`. Errors: UsageError naming the part. */
export function parseScoreColumns(spec: string): Record<string, string> {
  return parseFieldMap(spec, FIELDS, ['id', 'speaker']);
}

/** Parses one `--backend NAME:wer=col,words=col` (or errors=…, or sub=…,del=…,ins=…). Errors: UsageError. */
export function parseBackendColumns(spec: string): BackendColumns {
  const colon = spec.indexOf(':');
  const name = spec.slice(0, colon).trim();
  if (colon < 1 || !NAME.test(name)) throw new UsageError(`--backend: "${spec}" must be NAME:field=column,… with a name of letters, digits, . _ -`);
  const cols: Record<string, string> = {};
  for (const part of spec.slice(colon + 1).split(',')) {
    if (!part.trim()) continue;
    const [k, v] = part.split('=').map((s) => s?.trim());
    if (!k || !v || !['sub', 'del', 'ins', 'errors', 'wer', 'words'].includes(k)) {
      throw new UsageError(`--backend ${name}: "${part}" is not one of sub=, del=, ins=, errors=, wer=, words=<column>`);
    }
    cols[k] = v;
  }
  if (!cols.words) throw new UsageError(`--backend ${name}: give the reference word count column (words=<column>)`);
  const forms = [cols.sub || cols.del || cols.ins ? 'sdi' : '', cols.errors ? 'errors' : '', cols.wer ? 'wer' : ''].filter(Boolean);
  if (forms.length !== 1) throw new UsageError(`--backend ${name}: give exactly one of sub=,del=,ins= or errors= or wer= (with words=)`);
  if (forms[0] === 'sdi') {
    if (!cols.sub || !cols.del || !cols.ins) throw new UsageError(`--backend ${name}: sub=, del= and ins= go together`);
    return { name, kind: 'sdi', sub: cols.sub, del: cols.del, ins: cols.ins, words: cols.words };
  }
  if (forms[0] === 'errors') return { name, kind: 'errors', errors: cols.errors, words: cols.words };
  return { name, kind: 'wer', wer: cols.wer, words: cols.words };
}

function columnsOf(b: BackendColumns): string[] {
  return b.kind === 'sdi' ? [b.sub, b.del, b.ins, b.words] : b.kind === 'errors' ? [b.errors, b.words] : [b.wer, b.words];
}

const EMPTY: ErrorCounts = { ref: 0, hits: 0, sub: 0, del: 0, ins: 0 };

/**
 * Reads a score table and writes a run export into `outDir` (run.json + results.jsonl).
 * Errors: InputError naming file:line for a missing column (line 1), a non-numeric or negative cell, a
 * non-integer count, WER × words off an integer by more than the tolerance, S + D > words, a duplicate id.
 */
export async function importScores(file: string, outDir: string, o: ScoreImportOptions): Promise<ScoreImportSummary> {
  if (o.backends.length === 0) throw new UsageError('import scores needs at least one --backend NAME:…');
  const names = new Set<string>();
  for (const b of o.backends) {
    if (names.has(b.name)) throw new UsageError(`--backend ${b.name} is given twice`);
    names.add(b.name);
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new InputError(file, undefined, `cannot read the score table: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const delimiter = extname(file).toLowerCase() === '.tsv' ? '\t' : ',';
  const table = new Table(file, bytes.toString('utf8'), delimiter, { strictWidth: true });
  table.require(...new Set([...Object.values(o.columns), ...o.backends.flatMap(columnsOf)]));
  const tol = o.tolerance ?? 1e-3;

  const utterances: ExportedUtterance[] = [];
  const seen = new Map<string, number>();
  const speakers = new Set<string>();
  let missing = 0;
  for (const row of table.rows) {
    const cell = (col: string) => (table.get(row, col) ?? '').trim();
    const id = cell(o.columns.id);
    const speaker = cell(o.columns.speaker);
    if (!id) throw new InputError(file, row.line, `empty id column "${o.columns.id}"`);
    if (!speaker) throw new InputError(file, row.line, `utterance "${id}": empty speaker column "${o.columns.speaker}"`);
    const first = seen.get(id);
    if (first !== undefined) throw new InputError(file, row.line, `duplicate utterance id "${id}" (first on line ${first})`);
    seen.set(id, row.line);
    speakers.add(speaker);
    const labels: Record<string, string> = {};
    for (const [field, col] of Object.entries(o.columns)) {
      if (!field.startsWith('label.')) continue;
      const v = table.get(row, col) ?? '';
      if (v.trim() !== '') labels[field.slice(6)] = v.trim();
    }
    const number = (col: string, what: string, integer: boolean): number => {
      const raw = cell(col);
      const v = Number(raw);
      if (raw === '' || !Number.isFinite(v) || v < 0) throw new InputError(file, row.line, `${what} column "${col}" is not a non-negative number: "${raw}"`);
      if (integer && !Number.isInteger(v)) throw new InputError(file, row.line, `${what} column "${col}" is not a whole number: "${raw}"`);
      return v;
    };
    const duration = o.columns.duration && cell(o.columns.duration) !== '' ? number(o.columns.duration, 'duration', false) : undefined;
    for (const b of o.backends) {
      const base = {
        id, speaker, labels, backend: b.name, condition: 'clean',
        ref: o.columns.ref ? cell(o.columns.ref) : '', hyp: o.columns.hyp ? cell(o.columns.hyp) : '',
        ...(duration !== undefined ? { durationSec: duration } : {}),
        chars: EMPTY,
      };
      if (columnsOf(b).some((c) => cell(c) === '')) {
        missing++;
        utterances.push({ ...base, status: 'failed', error: `no score for backend ${b.name} in ${basename(file)}:${row.line}`, words: EMPTY });
        continue;
      }
      const words = number(b.words, `${b.name} words`, true);
      let counts: ErrorCounts;
      let total = false;
      if (b.kind === 'sdi') {
        const [sub, del, ins] = [number(b.sub, `${b.name} sub`, true), number(b.del, `${b.name} del`, true), number(b.ins, `${b.name} ins`, true)];
        if (sub + del > words) throw new InputError(file, row.line, `${b.name}: substitutions + deletions (${sub + del}) exceed the reference words (${words})`);
        counts = { ref: words, hits: words - sub - del, sub, del, ins };
      } else {
        let errors: number;
        if (b.kind === 'errors') errors = number(b.errors, `${b.name} errors`, true);
        else {
          const wer = number(b.wer, `${b.name} wer`, false);
          if (words === 0 && wer > 0) throw new InputError(file, row.line, `${b.name}: WER ${cell(b.wer)} on 0 reference words is undefined; give errors or S/D/I instead`);
          const x = wer * words;
          errors = Math.round(x);
          if (Math.abs(x - errors) > tol) {
            throw new InputError(file, row.line, `${b.name}: WER ${cell(b.wer)} × ${words} words = ${x.toFixed(4)} errors, not a whole number (tolerance ${tol}); give errors or S/D/I instead`);
          }
        }
        if (words === 0 && errors > 0) throw new InputError(file, row.line, `${b.name}: ${errors} errors on 0 reference words cannot be a WER; give S/D/I (insertions) instead`);
        // Only the total is known: up to N errors are put in `sub`, the rest in `ins` (WER > 1 needs insertions).
        const sub = Math.min(errors, words);
        counts = { ref: words, hits: words - sub, sub, del: 0, ins: errors - sub };
        total = true;
      }
      utterances.push({ ...base, status: 'ok', words: counts, ...(total ? { errorSplit: 'total' as const } : {}) });
    }
  }
  const hash = createHash('sha256').update(bytes).digest('hex');
  const meta: RunMetaInput = {
    format: 'asrfair-run-export',
    formatVersion: 1,
    runId: `scores-${hash.slice(0, 12)}`,
    createdAt: new Date().toISOString(),
    toolVersion: o.toolVersion,
    corpus: { name: o.corpusName ?? basename(file), hash: `sha256:${hash}`, description: `per-utterance scores imported from ${basename(file)}` },
    backends: o.backends.map((b) => ({ key: b.name, name: b.name })),
    conditions: [{ key: 'clean', name: 'clean' }],
    normaliser: { name: 'external', version: 'unknown' },
    costModel: 'external',
    limits: [
      `Scores were computed outside asrfair (${basename(file)}): its text normalisation and alignment are the source pipeline's, not asrfair's; CER is not available.`,
      ...(o.backends.some((b) => b.kind !== 'sdi') ? ['Backends imported as totals (errors or WER × words) have no substitution/deletion/insertion split.'] : []),
    ],
  };
  writeRunExport(outDir, meta, utterances);
  return { utterances: table.rows.length, speakers: speakers.size, backends: o.backends.map((b) => b.name), missing };
}
