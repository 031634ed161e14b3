/**
 * The shapes of the run store's rows as read back from SQLite (src/run/store.ts), one zod schema per table the code
 * reads: `results`, `run_items` (utt_json), `runs` (suite_json, meta_json), `run_live` (expected_json) and `audio_qc`
 * (qc_json). A row edited by hand, a disk fault or another program can put anything in a column; these schemas say
 * what is wrong in the store's words (`words_json item 0 is not a {word, start, end} record`,
 * `attempts is not a count`), and store.ts names the store, table and key around it.
 */
import { z } from 'zod';
import type { PhoneSegment, WordTiming } from '../backends/types.ts';

/** A `results` row as SQLite returns it (every column as stored; nothing checked yet). */
export interface ResultDbRow {
  backend_key: string;
  condition_key: string;
  audio_sha256: string;
  status: string;
  hypothesis: string | null;
  words_json: string | null;
  phones_json: string | null;
  raw_json: string | null;
  latency_ms: number | null;
  cost_usd: number | null;
  duration_sec: number | null;
  error: string | null;
  retryable: number;
  attempts: number;
  created_at: string;
  code_version: string | null;
}

/**
 * A JSON text column (nullable: SQL NULL reads as null): its text parsed, then checked against `shape`.
 * Issues: `is not text`, `is not valid JSON (<parser message>)`, or `shape`'s own.
 */
function jsonColumn<T extends z.ZodType>(shape: T) {
  return z
    .string({ error: 'is not text' })
    .transform((text, ctx): unknown => {
      try {
        return JSON.parse(text) as unknown;
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: `is not valid JSON (${(e as Error).message})` });
        return z.NEVER;
      }
    })
    .pipe(shape)
    .nullable();
}

/** A list of `{<name>: string, start: number, end: number}` records (WordTiming, PhoneSegment; other keys kept). */
function timedList(name: 'word' | 'phone') {
  const error = `is not a {${name}, start, end} record`;
  const item = z.looseObject({ [name]: z.string({ error }), start: z.number({ error }), end: z.number({ error }) }, { error });
  return z.array(item, { error: 'is not a list' });
}

const numberOrNull = z.number({ error: 'is not a number' }).nullable();
const textOrNull = z.string({ error: 'is not text' }).nullable();

/**
 * A `results` row, column by column, in the order its problems are told: status ok or failed (and then a text
 * hypothesis), the JSON columns words_json / phones_json / raw_json and their shapes, retryable 0/1, attempts a count,
 * the numeric columns (latency_ms ms, cost_usd USD, duration_sec s) numbers or NULL, created_at text.
 */
export const resultRowSchema = z
  .object({
    status: z.enum(['ok', 'failed'], { error: (iss) => `is ${JSON.stringify(iss.input)}, not ok or failed` }),
    hypothesis: textOrNull,
    error: textOrNull,
    words_json: jsonColumn(timedList('word')),
    phones_json: jsonColumn(timedList('phone')),
    raw_json: jsonColumn(z.unknown()),
    retryable: z.literal([0, 1], { error: 'is not 0 or 1' }),
    attempts: z.int({ error: 'is not a count' }).min(0, { error: 'is not a count' }),
    latency_ms: numberOrNull,
    cost_usd: numberOrNull,
    duration_sec: numberOrNull,
    created_at: z.string({ error: 'is not text' }),
    code_version: z.string({ error: 'is not text' }).nullish(),
  })
  .refine((r) => r.status !== 'ok' || r.hypothesis !== null, { message: 'status is ok but hypothesis is NULL', when: (p) => p.value !== null && typeof p.value === 'object' });

/** `utt_json` of a `run_items` row: a RunUtterance (id and text strings, labels an object of strings; other keys kept). */
export const uttJsonSchema = jsonColumn(
  z.looseObject(
    {
      id: z.string({ error: 'has no text "id"' }),
      text: z.string({ error: 'has no text "text"' }),
      labels: z.record(z.string(), z.string({ error: 'has no "labels" object of strings' }), { error: 'has no "labels" object of strings' }),
    },
    { error: 'is not an object' },
  ),
);

/** `suite_json` of a `runs` row: a JSON object (the suite as run). */
export const suiteJsonSchema = jsonColumn(z.record(z.string(), z.unknown(), { error: 'is not an object' }));

/** `meta_json` of a `runs` row: a JSON object with a `backends` list (RunResolved). */
export const metaJsonSchema = jsonColumn(
  z.looseObject({ backends: z.array(z.unknown(), { error: 'has no "backends" list' }) }, { error: 'is not an object' }),
);

/** `expected_json` of a `run_live` row: a JSON object with an `items` count (RunExpected). */
export const expectedJsonSchema = jsonColumn(z.looseObject({ items: z.number({ error: 'has no "items" count' }) }, { error: 'has no "items" count' }));

/** `qc_json` of an `audio_qc` row: a JSON object (the audio stage's QC record). */
export const qcJsonSchema = jsonColumn(z.record(z.string(), z.unknown(), { error: 'is not an object' }));

/**
 * What is wrong with a column or row, in the store's words: one phrase per column (its first issue), `column` first,
 * `item N` for a list item (`words_json item 0 is not a {word, start, end} record`), joined by `; `. `column` names a
 * single column checked on its own (uttJsonSchema …); a whole-row schema's issues carry their column in their path.
 */
export function rowProblem(error: z.ZodError, column?: string): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const iss of error.issues) {
    const [head, next] = column === undefined ? iss.path : [column, ...iss.path];
    const col = head === undefined ? '' : String(head);
    if (seen.has(col)) continue;
    seen.add(col);
    parts.push([col, typeof next === 'number' ? `item ${next}` : '', iss.message].filter(Boolean).join(' '));
  }
  return parts.join('; ');
}

/** A checked `results` row's parsed JSON columns. */
export interface ResultJson {
  words: WordTiming[] | null;
  phones: PhoneSegment[] | null;
  raw: unknown;
}

/** Parses and checks a `results` row (resultRowSchema): its JSON columns, or the problem (rowProblem). */
export function checkResultColumns(r: ResultDbRow): ResultJson | { problem: string } {
  const p = resultRowSchema.safeParse(r);
  if (!p.success) return { problem: rowProblem(p.error) };
  return { words: p.data.words_json as WordTiming[] | null, phones: p.data.phones_json as PhoneSegment[] | null, raw: p.data.raw_json };
}
