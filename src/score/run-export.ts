/**
 * The "run export": a folder every report, compare and check reads, independent of the run store.
 *
 *   <run>/run.json       RunMeta (below): what was run, on what, how it was scored.
 *   <run>/results.jsonl  one ExportedUtterance a line: a ScoredUtterance (src/analysis/types.ts)
 *                        plus optional `audio` (path relative to the run folder, or absolute).
 *
 * Rows of several backends and conditions live in one file; (backend, condition, id) is unique.
 * `ref`/`hyp` are the texts as scored (after the normaliser named in run.json).
 */
import { makeOutputDir, writeOutputFiles } from '../manifest/output.ts';
import { ImportRecordSchema } from '../manifest/import-record.ts';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { InputError } from '../manifest/errors.ts';
import type { ExportedUtterance, ScoredUtterance } from './types.ts';
import { CardSettingsSchema, GateShapeSchema, ScoringMarkupSchema } from '../run/suite.ts';
import { MarkupSchema } from '../manifest/schema.ts';
export type { ExportedUtterance };

export const RUN_META_FILE = 'run.json';
export const RESULTS_FILE = 'results.jsonl';
export const RUN_EXPORT_FORMAT = 'asrfair-run-export';
export const RUN_EXPORT_VERSION = 1;

const countsSchema = z.object({
  ref: z.number().int().nonnegative(),
  hits: z.number().int().nonnegative(),
  sub: z.number().int().nonnegative(),
  del: z.number().int().nonnegative(),
  ins: z.number().int().nonnegative(),
});

export const ExportedUtteranceSchema = z.object({
  id: z.string().min(1),
  speaker: z.string().min(1),
  labels: z.record(z.string(), z.string()),
  backend: z.string().min(1),
  condition: z.string().min(1),
  status: z.enum(['ok', 'failed']),
  error: z.string().optional(),
  ref: z.string(),
  refNetwork: z.string().optional(),
  hyp: z.string(),
  durationSec: z.number().nonnegative().optional(),
  snrDb: z.number().optional(),
  audioFlags: z.array(z.string()).optional(),
  sourceRate: z.number().positive().optional(),
  markup: MarkupSchema.optional(),
  words: countsSchema,
  errorSplit: z.literal('total').optional(),
  chars: countsSchema,
  phones: countsSchema.optional(),
  /** Audio file: relative to the run folder, or absolute. */
  audio: z.string().optional(),
});

/** A results.jsonl line: a ScoredUtterance plus where its audio is. */

export const BackendMetaSchema = z.object({
  /** The `backend` value used in results.jsonl rows. */
  key: z.string().min(1),
  name: z.string().min(1),
  version: z.string().optional(),
  model: z.string().optional(),
});

export const ConditionMetaSchema = z.object({
  /** The `condition` value used in results.jsonl rows (`clean` when unperturbed). */
  key: z.string().min(1),
  name: z.string().min(1),
  description: z.string().optional(),
});

/**
 * Every setting the service card and the gate of a run depend on, recorded from the suite so that
 * `report` and `check` reproduce the run's card without repeating flags: the suite's own schema of
 * those fields (src/run/suite.ts CardSettingsSchema), with `bootstrap` as the resample count B.
 * Absent in exports written before it existed: reports then use the documented defaults and say so.
 */
const { groupBy, slices, minCell } = CardSettingsSchema.shape;
export const AnalysisSettingsSchema = z.object({
  groupBy,
  slices,
  minCell,
  /** Bootstrap resamples B (also the permutation count): the suite's `bootstrap.B`. */
  bootstrap: z.number().int().positive(),
  // The rest in the suite's order; keys stay where run.json has always written them.
  ...CardSettingsSchema.omit({ groupBy: true, slices: true, minCell: true }).shape,
  // As recorded: `check` applies the gate's ranges (gateThresholdProblem) when it uses it, naming run.json.
  gate: GateShapeSchema.optional(),
  /**
   * How the suite formed the groups of a grouping or slice key from the declared values (src/run/labels.ts
   * groupingOf): its label map's file name, then its bins. Keys grouped as declared are absent; so is the whole field
   * in exports written before it existed.
   */
  grouping: z
    .record(z.string(), z.object({ labelMap: z.string().optional(), bins: z.object({ edges: z.array(z.number()), labels: z.array(z.string()).optional() }).optional() }))
    .optional(),
});

export type AnalysisSettings = z.infer<typeof AnalysisSettingsSchema>;

/**
 * The analysis settings of a suite (what `runMetaOf` records in run.json): its CardSettingsSchema
 * fields, other suite fields dropped. Throws a ZodError when a value is out of range.
 */
export function analysisSettingsOf(suite: z.input<typeof CardSettingsSchema> & { bootstrap: { B: number } }): AnalysisSettings {
  return AnalysisSettingsSchema.parse({ ...suite, bootstrap: suite.bootstrap.B });
}

/**
 * How references and hypotheses were read before alignment: the markup convention (sclite's, or none) and
 * the NIST GLM applied to both sides, by name, file and sha256 of its bytes. Absent in exports written
 * before it existed (and in imported scores): reports then say the scoring text convention is not recorded.
 */
export const ScoringSettingsSchema = z.object({
  markup: ScoringMarkupSchema,
  /**
   * Utterances whose texts were lower-cased by their declared language's rules instead of plain Unicode lower case
   * (`caseFold: unicode`; Turkish `tr` and Azerbaijani `az`: `İ` → `i`, `I` → `ı`): counted by declared language
   * (`{ tr: 12 }`) and by group of each grouping key (`{ accent: { turkish: 12 } }`). Absent when none were.
   */
  languageFold: z
    .object({
      languages: z.record(z.string(), z.number().int().nonnegative()),
      groups: z.record(z.string(), z.record(z.string(), z.number().int().nonnegative())),
    })
    .optional(),
  /**
   * Utterances declaring a dotted/dotless I language (`tr`, `az`) that the normaliser (`english`: Whisper's rules)
   * lower-cased by Unicode's default rules (`I` → `i`, not `ı`) because nothing folded them by their language's rules:
   * counted like `languageFold`. Their WER counts `IŞIK` against `ışık` as an error. Absent when none were.
   */
  defaultCaseFold: z
    .object({
      normaliser: z.string(),
      languages: z.record(z.string(), z.number().int().nonnegative()),
      groups: z.record(z.string(), z.record(z.string(), z.number().int().nonnegative())),
    })
    .optional(),
  glm: z
    .object({
      /** The GLM's `* name "..."` header, else its file name. */
      name: z.string().min(1),
      /** File name (no folder: run.json stays free of local paths beyond audioRoots). */
      file: z.string().min(1),
      /** sha256 (hex) of the GLM file's bytes. */
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      rules: z.number().int().nonnegative(),
    })
    .optional(),
  /** Where PER's phones came from (present when the run's metrics include `per`); see PhoneSourcesSchema. */
  phones: z.lazy(() => PhoneSourcesSchema).optional(),
});

const count = z.number().int().nonnegative();
const OovCountsSchema = z.object({
  /** Reference word tokens (G2P tokens, each scored utterance once) and how many of them the dictionary lacks. */
  refTokens: count,
  refOov: count,
  /** Hypothesis word tokens over every scored row (each backend × condition) and how many the dictionary lacks. */
  hypTokens: count,
  hypOov: count,
});

/**
 * Provenance of the phones PER aligned: the pronunciation dictionary (path, sha256 of its bytes, entries), the
 * letter-to-sound engine that gave phones to words it lacks (engine `flite` = flite's `t2p`, `espeak-ng`, or `none`;
 * program, version, espeak-ng voice) and how many word tokens went through that engine, in all and per group of each
 * grouping key. A PER with such tokens depends on the engine installed where the run was scored.
 */
export const PhoneSourcesSchema = z.object({
  dictionary: z.object({ path: z.string().min(1), sha256: z.string().regex(/^[0-9a-f]{64}$/), entries: count }),
  letterToSound: z.object({
    engine: z.enum(['flite', 'espeak-ng', 'none']),
    program: z.string().min(1).optional(),
    version: z.string().min(1).optional(),
    voice: z.string().min(1).optional(),
  }),
  oov: OovCountsSchema.extend({
    /** Distinct words the dictionary lacks, references and hypotheses together. */
    words: count,
    groups: z.record(z.string(), z.record(z.string(), OovCountsSchema)),
  }),
});

export type PhoneSources = z.infer<typeof PhoneSourcesSchema>;
export type OovCounts = z.infer<typeof OovCountsSchema>;

export type ScoringSettings = z.infer<typeof ScoringSettingsSchema>;

export const RunMetaSchema = z.object({
  format: z.literal(RUN_EXPORT_FORMAT),
  formatVersion: z.literal(RUN_EXPORT_VERSION),
  runId: z.string().min(1),
  /** ISO 8601 time the run ended (or was exported). */
  createdAt: z.string().min(1),
  toolVersion: z.string().min(1),
  corpus: z.object({
    name: z.string().min(1),
    /** Content hash of the manifest + audio (sha256 hex, or any stable id). */
    hash: z.string().min(1),
    version: z.string().optional(),
    /** True when voices are synthetic (TTS): reports then say "synthetic accents" plainly. */
    synthetic: z.boolean().default(false),
    description: z.string().optional(),
    /**
     * What the import of each manifest did (its `<name>.import.json`, src/manifest/import-record.ts, plus `manifest`:
     * the manifest's file name): what the groups are, what was left out, "not declared" markers mapped, missing audio;
     * `manifestChanged` when the record's manifest hash no longer matches the manifest (src/manifest/import-record.ts).
     */
    imports: z.array(ImportRecordSchema.extend({ manifest: z.string(), manifestChanged: z.boolean().optional() })).optional(),
  }),
  backends: z.array(BackendMetaSchema).default([]),
  conditions: z.array(ConditionMetaSchema).default([]),
  normaliser: z.object({ name: z.string().min(1), version: z.string().min(1) }),
  /** How the counts were aligned: sclite's or unit costs, or `external` (counts imported from another pipeline). */
  costModel: z.enum(['sclite', 'unit', 'external']).default('sclite'),
  /** Seeds used by the run (conditions, sampling); the report adds its own bootstrap seed. */
  seeds: z.record(z.string(), z.number()).default({}),
  intendedUse: z.string().optional(),
  limits: z.array(z.string()).default([]),
  confounders: z.array(z.string()).default([]),
  /** Markup convention and GLM the run's texts were scored with. */
  scoring: ScoringSettingsSchema.optional(),
  /** Analysis settings of the suite (grouping, slices, cells, bootstrap, seed, metrics, correction, model, gate). */
  analysis: AnalysisSettingsSchema.optional(),
  /** Folders the run's audio may come from (the manifests' folders); a report uses other audio only when told to. */
  audioRoots: z.array(z.string()).optional(),
  /**
   * Set when the run covered part of its manifests (`run --limit N`, `demo --live-limit N`, `run --shard i/n`;
   * src/run/subset.ts): how the utterances were chosen (`first-n`: the first `limit` in manifest order; `shard`: the
   * ids hashing to `shard.index` of `shard.count`, of the first `limit` when set), utterances of the run and of the
   * whole manifests, and per grouping/slice key the manifest's groups with no utterance in the run (their manifest counts).
   * `corpus.hash` stays the hash of the whole manifests. Absent: the run read its manifests whole.
   */
  subset: z
    .object({
      how: z.enum(['first-n', 'shard']),
      limit: z.number().int().positive().optional(),
      shard: z.object({ index: z.number().int().positive(), count: z.number().int().positive() }).optional(),
      utterances: z.number().int().nonnegative(),
      manifestUtterances: z.number().int().nonnegative(),
      notInRun: z.record(z.string(), z.record(z.string(), z.number().int().nonnegative())).default({}),
      /** A published card's copy (src/report/published-meta.ts): the groups of `notInRun`, by key, their counts withheld. */
      notInRunNamesOnly: z.record(z.string(), z.array(z.string())).optional(),
    })
    .optional(),
  /**
   * Set when the run called only some of its suite's backends (`run --backend NAME`; src/run/subset.ts): the suite's
   * backends by name and those left out. Absent: every backend of the suite ran (or an export from before this field).
   */
  backendSubset: z
    .object({
      suiteBackends: z.array(z.string().min(1)).min(1),
      notInRun: z.array(z.string().min(1)).min(1),
    })
    .optional(),
  /**
   * Set when the run did not finish everything it set out to do (killed, interrupted, budget): items
   * exported of items expected (utterances × backends × conditions), overall and per group of each
   * grouping key. Absent: complete (or an export from before this field existed).
   */
  /**
   * Backends that read no audio (hypotheses, CTM answers) run under the clean condition only, although the suite has
   * conditions (a condition cannot change an answer given by utterance id; src/run/conditions.ts cleanOnlyBackends).
   * Cards say so at the top. Absent: every backend ran under every condition.
   */
  cleanOnly: z.array(z.string().min(1)).optional(),
  /**
   * results.jsonl as written at export: its row count (non-empty lines) and the sha256 (hex) of its bytes. `report`,
   * `check` and `compare` refuse an export whose results.jsonl disagrees (a CI artifact cut at a line boundary, or
   * edited). Absent in exports written before it existed: those are read unchecked.
   */
  results: z.object({ rows: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).optional(),
  incomplete: z
    .object({
      status: z.string(),
      items: z.number().int().nonnegative(),
      expected: z.number().int().nonnegative(),
      groups: z.record(z.string(), z.record(z.string(), z.object({ items: z.number().int().nonnegative(), expected: z.number().int().nonnegative() }))).default({}),
    })
    .optional(),
});

export type RunMeta = z.infer<typeof RunMetaSchema>;
/** What a producer passes: defaults (synthetic, seeds, limits, …) may be left out. */
export type RunMetaInput = z.input<typeof RunMetaSchema>;

export interface LoadedRun {
  /** Folder of the export (audio paths are relative to it). */
  dir: string;
  meta: RunMeta;
  utterances: ExportedUtterance[];
}

function zodDetail(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.length ? i.path.join('.') + ': ' : ''}${i.message}`).join('; ');
}

/** Validates and writes run.json + results.jsonl into `dir` (created if needed). */
export function writeRunExport(dir: string, meta: RunMetaInput, utterances: readonly ExportedUtterance[]): void {
  const parsed = RunMetaSchema.safeParse(meta);
  if (!parsed.success) throw new InputError(join(dir, RUN_META_FILE), undefined, `invalid run metadata: ${zodDetail(parsed.error)}`);
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const u of utterances) {
    const k = `${u.backend}\u0000${u.condition}\u0000${u.id}`;
    if (seen.has(k)) throw new InputError(join(dir, RESULTS_FILE), lines.length + 1, `duplicate row for id ${u.id} (backend ${u.backend}, condition ${u.condition})`);
    seen.add(k);
    lines.push(JSON.stringify(ExportedUtteranceSchema.parse(u)));
  }
  makeOutputDir(dir);
  const data = lines.length ? lines.join('\n') + '\n' : '';
  const results = { rows: lines.length, sha256: createHash('sha256').update(data, 'utf8').digest('hex') };
  writeOutputFiles(
    [
      { path: join(dir, RUN_META_FILE), data: JSON.stringify({ ...parsed.data, results }, null, 2) + '\n' },
      { path: join(dir, RESULTS_FILE), data },
    ],
    'run export file',
  );
}

export function readRunMeta(file: string): RunMeta {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(file, undefined, `cannot read run metadata: ${(e as Error).message}`);
  }
  const parsed = RunMetaSchema.safeParse(json);
  if (!parsed.success) throw new InputError(file, undefined, `invalid run metadata: ${zodDetail(parsed.error)}`);
  return parsed.data;
}

const isCount = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Exactly the five non-negative integer counts (extra keys would be stripped by zod: let zod do it). */
function isCounts(c: unknown): c is ScoredUtterance['words'] {
  if (typeof c !== 'object' || c === null) return false;
  const o = c as Record<string, unknown>;
  if (!isCount(o.ref) || !isCount(o.hits) || !isCount(o.sub) || !isCount(o.del) || !isCount(o.ins)) return false;
  // The five are present: five keys in all means no other.
  let n = 0;
  for (const _ in o) n++;
  return n === 5;
}

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const optNum = (v: unknown, min = -Infinity) => v === undefined || (typeof v === 'number' && Number.isFinite(v) && v >= min);

const ROW_KEYS = new Set(['id', 'speaker', 'labels', 'backend', 'condition', 'status', 'error', 'ref', 'refNetwork', 'hyp', 'durationSec', 'snrDb', 'audioFlags', 'sourceRate', 'words', 'chars', 'phones', 'audio']);

/**
 * Fast structural check of a results row: accepts only rows ExportedUtteranceSchema accepts that
 * carry no unknown fields (so the row is returned as parsed, as zod would return it). Anything else
 * goes through zod, which strips extra fields and words the errors.
 */
function quickRow(x: unknown): ExportedUtterance | undefined {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return undefined;
  const o = x as Record<string, unknown>;
  for (const k in o) if (!ROW_KEYS.has(k)) return undefined;
  if (!nonEmpty(o.id) || !nonEmpty(o.speaker) || !nonEmpty(o.backend) || !nonEmpty(o.condition)) return undefined;
  if (o.status !== 'ok' && o.status !== 'failed') return undefined;
  if (typeof o.ref !== 'string' || typeof o.hyp !== 'string') return undefined;
  if (o.refNetwork !== undefined && typeof o.refNetwork !== 'string') return undefined;
  if (o.error !== undefined && typeof o.error !== 'string') return undefined;
  if (o.audio !== undefined && typeof o.audio !== 'string') return undefined;
  if (!optNum(o.durationSec, 0) || !optNum(o.snrDb) || !optNum(o.sourceRate, 1)) return undefined;
  if (o.audioFlags !== undefined && !(Array.isArray(o.audioFlags) && o.audioFlags.every((f) => typeof f === 'string'))) return undefined;
  if (!isCounts(o.words) || !isCounts(o.chars) || (o.phones !== undefined && !isCounts(o.phones))) return undefined;
  const labels = o.labels;
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) return undefined;
  for (const k in labels) if (typeof (labels as Record<string, unknown>)[k] !== 'string') return undefined;
  return o as unknown as ExportedUtterance;
}

export function readResults(file: string): ExportedUtterance[] {
  return readResultsText(file, readResultsBytes(file).toString('utf8'));
}

function readResultsBytes(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new InputError(file, undefined, `cannot read results: ${(e as Error).message}`);
  }
}

/**
 * Checks results.jsonl against what run.json recorded at export (`results`: row count and sha256). Throws InputError
 * naming the file and both counts when the rows differ (a file cut at a line boundary parses, but is not the run),
 * or naming both hashes when the rows agree but the bytes do not. Exports without the record are not checked.
 */
export function checkResultsRecord(file: string, recorded: RunMeta['results'], rows: number, bytes: Buffer): void {
  if (!recorded) return;
  if (rows !== recorded.rows) {
    throw new InputError(
      file,
      undefined,
      `has ${rows.toLocaleString('en-US')} rows but run.json records ${recorded.rows.toLocaleString('en-US')} written at export: the file was cut or changed after export (${rows < recorded.rows ? `${recorded.rows - rows} rows missing` : `${rows - recorded.rows} rows added`}); export the run again (asrfair export) or use the artifact whole`,
    );
  }
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== recorded.sha256) {
    throw new InputError(file, undefined, `has the ${rows.toLocaleString('en-US')} rows run.json records, but its sha256 ${sha.slice(0, 12)}… is not the ${recorded.sha256.slice(0, 12)}… written at export: the file was changed after export; export the run again`);
  }
}

/**
 * For an export whose run.json records no row count (`results`, written before asrfair recorded it) and no
 * `incomplete`: checks that every backend × condition of results.jsonl holds a row for each utterance of the corpus as
 * run.json records it (`subset.utterances` for a subset run, else the sum of `corpus.imports[].utterances` when every
 * manifest is unchanged since import) or, without such a record, each utterance id seen in any row. Throws InputError
 * naming the file, the counts and the rows missing per backend · condition: a file cut at a line boundary, or a run
 * that never finished, would otherwise be gated as if it were whole. A backend of run.json with no row at all counts
 * as missing every utterance.
 */
export function checkRowsAgainstCorpus(file: string, meta: Pick<RunMeta, 'results' | 'incomplete' | 'subset' | 'corpus' | 'backends'>, rows: readonly ExportedUtterance[]): void {
  if (meta.results || meta.incomplete) return;
  const imports = meta.corpus.imports ?? [];
  const recorded = meta.subset
    ? { n: meta.subset.utterances, what: 'subset.utterances' }
    : imports.length && imports.every((i) => !i.manifestChanged)
      ? { n: imports.reduce((k, i) => k + i.utterances, 0), what: `corpus.imports (${imports.map((i) => i.manifest).join(', ')})` }
      : undefined;
  const ids = new Set(rows.map((u) => u.id)).size;
  const n = Math.max(recorded?.n ?? 0, ids);
  const cells = new Map<string, number>();
  for (const b of meta.backends) if (!rows.some((u) => u.backend === b.key)) cells.set(`${b.key} (no row)`, 0);
  for (const u of rows) cells.set(`${u.backend} · ${u.condition}`, (cells.get(`${u.backend} · ${u.condition}`) ?? 0) + 1);
  const short = [...cells].filter(([, k]) => k < n);
  if (!short.length) return;
  const missing = short.reduce((k, [, c]) => k + n - c, 0);
  const fmt = (x: number) => x.toLocaleString('en-US');
  const source = recorded && recorded.n >= ids ? `run.json's ${recorded.what} records ${fmt(n)} utterances` : `the rows name ${fmt(n)} utterances`;
  throw new InputError(
    file,
    undefined,
    `has ${fmt(rows.length)} rows, but ${source} and ${short.length} of its ${cells.size} backend × condition${cells.size === 1 ? '' : 's'} ${short.length === 1 ? 'has' : 'have'} fewer (${fmt(missing)} rows missing: ${short.map(([c, k]) => `${c} ${fmt(k)} of ${fmt(n)}`).join(', ')}); run.json records no row count (an export from before asrfair recorded it), so the file was cut or the run never finished: export the run again`,
  );
}

function readResultsText(file: string, text: string): ExportedUtterance[] {
  const out: ExportedUtterance[] = [];
  const seen = new Set<string>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (e) {
      throw new InputError(file, i + 1, `not valid JSON: ${(e as Error).message}`);
    }
    let u = quickRow(json);
    if (!u) {
      const parsed = ExportedUtteranceSchema.safeParse(json);
      if (!parsed.success) throw new InputError(file, i + 1, zodDetail(parsed.error));
      u = parsed.data;
    }
    const k = `${u.backend}\u0000${u.condition}\u0000${u.id}`;
    if (seen.has(k)) throw new InputError(file, i + 1, `duplicate row for id ${u.id} (backend ${u.backend}, condition ${u.condition})`);
    seen.add(k);
    out.push(u);
  }
  return out;
}

/**
 * Loads a run export from its folder, its run.json or its results.jsonl. Backends and conditions
 * seen in the rows but not described in run.json are added to the metadata by key.
 */
export function loadRunForReport(runPathOrDir: string): LoadedRun {
  const p = resolve(runPathOrDir);
  if (!existsSync(p)) throw new InputError(runPathOrDir, undefined, 'run export not found (expected a folder with run.json and results.jsonl)');
  const dir = statSync(p).isDirectory() ? p : dirname(p);
  if (!statSync(p).isDirectory() && ![RUN_META_FILE, RESULTS_FILE].includes(basename(p))) {
    throw new InputError(runPathOrDir, undefined, `expected a run export folder, ${RUN_META_FILE} or ${RESULTS_FILE}`);
  }
  const metaFile = join(dir, RUN_META_FILE);
  const resultsFile = join(dir, RESULTS_FILE);
  if (!existsSync(metaFile)) throw new InputError(metaFile, undefined, 'run metadata missing: a run export needs run.json next to results.jsonl');
  if (!existsSync(resultsFile)) throw new InputError(resultsFile, undefined, 'results missing: a run export needs results.jsonl next to run.json');
  const meta = readRunMeta(metaFile);
  const bytes = readResultsBytes(resultsFile);
  const utterances = readResultsText(resultsFile, bytes.toString('utf8'));
  checkResultsRecord(resultsFile, meta.results, utterances.length, bytes);
  checkRowsAgainstCorpus(resultsFile, meta, utterances);
  const backends = new Set(utterances.map((u) => u.backend));
  const conditions = new Set(utterances.map((u) => u.condition));
  for (const key of backends) if (!meta.backends.some((b) => b.key === key)) meta.backends.push({ key, name: key });
  for (const key of conditions) if (!meta.conditions.some((c) => c.key === key)) meta.conditions.push({ key, name: key });
  return { dir, meta, utterances };
}

/** Absolute path of an utterance's audio, or undefined when the row has none. */
export function audioPathOf(run: Pick<LoadedRun, 'dir'>, u: Pick<ExportedUtterance, 'audio'>): string | undefined {
  if (!u.audio) return undefined;
  return isAbsolute(u.audio) ? u.audio : join(run.dir, u.audio);
}
