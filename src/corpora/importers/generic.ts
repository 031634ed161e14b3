/**
 * Generic CSV / TSV / JSONL with a column mapping: `id=col,audio=col,text=col,speaker=col,start=col,end=col,
 * split=col,label.accent=col,…`. Audio paths are relative to the input file's folder. Each `label.<key>` column
 * gives labels.<key> (canonical, through the label map) and labels.<key>_raw (as written).
 */
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { InputError, UsageError } from '../../manifest/errors.ts';
import { parseJsonLine, readLines } from '../../manifest/jsonl.ts';
import { checked, manifestAudioPath, readText, Table, type ImportContext, type Imported } from './common.ts';

const FIELDS = new Set(['id', 'audio', 'text', 'speaker', 'start', 'end', 'split', 'corpus']);

/**
 * Parses a `--map` of "field=column" pairs ("id=col,audio=col,label.accent=col"): each field one of `fields` or
 * `label.<key>`, every field of `required` present. Errors: UsageError naming the part or the missing field.
 */
export function parseFieldMap(spec: string, fields: ReadonlySet<string>, required: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of spec.split(',')) {
    if (!part.trim()) continue;
    const eq = part.indexOf('=');
    if (eq < 1) throw new UsageError(`--map: "${part}" is not field=column`);
    const field = part.slice(0, eq).trim();
    const col = part.slice(eq + 1).trim();
    if (!fields.has(field) && !/^label\.[A-Za-z0-9_]+$/.test(field)) {
      throw new UsageError(`--map: unknown field "${field}" (use ${[...fields].join(', ')} or label.<key>)`);
    }
    if (!col) throw new UsageError(`--map: field "${field}" has no column`);
    out[field] = col;
  }
  for (const need of required) if (!out[need]) throw new UsageError(`--map must name the ${need} column (${need}=<column>)`);
  return out;
}

/** Parses a corpus table's "id=col,audio=col,text=col,label.accent=col" (audio and text required). */
export function parseColumnMap(spec: string): Record<string, string> {
  return parseFieldMap(spec, FIELDS, ['audio', 'text']);
}

type Getter = (col: string) => string | undefined;

function build(map: Record<string, string>, get: Getter, base: string, ctx: ImportContext, file: string, line: number, rowNo: number): Imported {
  const audio = get(map.audio)?.trim();
  if (!audio) throw new InputError(file, line, `empty audio column "${map.audio}"`);
  const num = (field: 'start' | 'end'): number | undefined => {
    if (!map[field]) return undefined;
    const raw = get(map[field])?.trim();
    if (!raw) return undefined;
    const v = Number(raw);
    if (!Number.isFinite(v)) throw new InputError(file, line, `${field} column "${map[field]}" is not a number: "${raw}"`);
    return v;
  };
  const labels: Record<string, string> = {};
  for (const [field, col] of Object.entries(map)) {
    if (field.startsWith('label.')) ctx.labels.assign(labels, field.slice(6), get(col));
  }
  const start = num('start');
  const end = num('end');
  const opt = (field: string) => (map[field] ? get(map[field])?.trim() || undefined : undefined);
  return checked(
    {
      id: map.id ? (get(map.id)?.trim() ?? '') : `row-${String(rowNo).padStart(6, '0')}`,
      audio: manifestAudioPath(ctx, isAbsolute(audio) ? audio : join(base, audio)),
      ...(start !== undefined ? { start } : {}),
      ...(end !== undefined ? { end } : {}),
      text: get(map.text) ?? '',
      speaker: opt('speaker'),
      labels,
      split: opt('split'),
      corpus: opt('corpus'),
      ...(ctx.language ? { language: ctx.language } : {}),
    },
    file,
    line,
  );
}

export async function* importDelimited(input: string, ctx: ImportContext, delimiter: '\t' | ','): AsyncIterable<Imported> {
  const map = ctx.columns;
  if (!map) throw new UsageError('csv/tsv import needs --map (e.g. --map id=path,audio=path,text=sentence,label.accent=accent)');
  const table = new Table(input, await readText(input, delimiter === ',' ? 'CSV file' : 'TSV file'), delimiter, { strictWidth: true });
  table.require(...new Set(Object.values(map)));
  const base = dirname(resolve(input));
  let n = 0;
  for (const row of table.rows) yield build(map, (c) => table.get(row, c), base, ctx, input, row.line, ++n);
}

export async function* importJsonl(input: string, ctx: ImportContext): AsyncIterable<Imported> {
  const map = ctx.columns;
  if (!map) throw new UsageError('jsonl import needs --map (e.g. --map id=key,audio=file,text=transcript,label.accent=accent)');
  const base = dirname(resolve(input));
  let n = 0;
  for await (const { line, text } of readLines(input)) {
    if (!text.trim()) continue;
    const obj = parseJsonLine(text, input, line);
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new InputError(input, line, 'each line must be a JSON object');
    const rec = obj as Record<string, unknown>;
    for (const col of Object.values(map)) {
      if (!(col in rec) && (col === map.audio || col === map.text)) throw new InputError(input, line, `missing key "${col}"`);
    }
    const get: Getter = (c) => {
      const v = rec[c];
      return v === undefined || v === null ? undefined : typeof v === 'string' ? v : String(v);
    };
    yield build(map, get, base, ctx, input, line, ++n);
  }
}
