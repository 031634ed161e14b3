import { makeOutputDir, writeOutputFile } from '../manifest/output.ts';
import { defaultCaseFoldText } from './case-fold.ts';
import { createWriteStream, renameSync, rmSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { basename, dirname, extname, join, resolve } from 'node:path';
import {
  ExportedUtteranceSchema,
  RESULTS_FILE,
  RUN_EXPORT_FORMAT,
  RUN_EXPORT_VERSION,
  RUN_META_FILE,
  RunMetaSchema,
  analysisSettingsOf,
  type ExportedUtterance,
  type RunMeta,
  type RunMetaInput,
} from '../score/run-export.ts';
import { InputError, UsageError } from '../manifest/errors.ts';
import { csvLine, type CsvValue } from '../manifest/escape.ts';
import type { RunRecord, RunStore, RunItemResult } from '../run/store.ts';
import { createScorer, DEFAULT_SCORING_MARKUP, type Metric } from '../score/run-scorer.ts';
import { loadNistGlm, type NistGlm } from '../text/nist-glm.ts';
import type { OovCounts, PhoneSources, ScoringSettings } from '../score/run-export.ts';
import type { G2POptions } from '../text/g2p.ts';
import { createHash } from 'node:crypto';
import { itemsPerUtterance } from '../run/conditions.ts';
import { readFileSync } from 'node:fs';
import { stableStringify } from '../run/conditions.ts';
import { importRecordWarnings, readImportRecord } from '../manifest/import-record.ts';
import type { CostModel } from '../score/types.ts';
import type { Suite } from '../run/suite.ts';

/**
 * Writes lines to a file, waiting for drain so memory stays flat. A write error (full disk, read-only
 * folder) rejects the next write or close with the file system's error, which names the file; it never
 * leaves a promise waiting forever for a 'drain' or 'finish' that will not come. `name` is the file the
 * error names (default `file`; e.g. the final name of a temporary file): Node's write errors carry no path.
 */
export class LineWriter {
  private readonly stream: WriteStream;
  private error: Error | undefined;
  private readonly failed: Promise<never>;
  constructor(file: string, name = file) {
    this.stream = createWriteStream(file, { encoding: 'utf8' });
    this.failed = new Promise<never>((_, reject) => {
      this.stream.on('error', (e: NodeJS.ErrnoException) => {
        e.path = name;
        this.error = e;
        reject(e);
      });
    });
    this.failed.catch(() => undefined);
  }
  async write(line: string): Promise<void> {
    if (this.error) throw this.error;
    if (!this.stream.write(line + '\n')) await Promise.race([once(this.stream, 'drain'), this.failed]);
  }
  async close(): Promise<void> {
    if (this.error) throw this.error;
    const finished = once(this.stream, 'finish');
    finished.catch(() => undefined);
    this.stream.end();
    await Promise.race([finished, this.failed]);
  }
}

/**
 * The suite's NIST GLM (suite `glm:`, an absolute path after parseSuite) read for scoring, with what run.json
 * records of it: name, file name, sha256 of the bytes, rule count. An unreadable or malformed GLM is an
 * InputError naming the GLM file (and line).
 */
export function loadSuiteGlm(path: string): { glm: NistGlm; info: NonNullable<ScoringSettings['glm']> } {
  const glm = loadNistGlm(path);
  const sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
  return { glm, info: { name: glm.name, file: basename(path), sha256, rules: glm.rules.length } };
}

/** run.json's `corpus.imports`: the import records of the run's manifests (none: the field is left out). */
function importsOf(manifests: readonly string[]): { imports?: NonNullable<RunMeta['corpus']['imports']> } {
  const imports = manifests.map((m) => readImportRecord(m)).filter((r) => r !== undefined);
  return imports.length ? { imports } : {};
}

/** run.json metadata of a stored run (format of src/score/run-export.ts). */
export function runMetaOf(run: RunRecord, costModel: CostModel, createdAt = new Date().toISOString()): RunMetaInput {
  const suite = run.suite as Partial<Suite> & { corpus?: { name?: string; version?: string; synthetic?: boolean; description?: string }; card?: { intendedUse?: string; limits?: string[]; confounders?: string[] } };
  const manifests = suite.manifests ?? [];
  const corpusName = suite.corpus?.name ?? (manifests.length === 1 ? basename(manifests[0], extname(manifests[0])) : run.suiteName);
  return {
    format: RUN_EXPORT_FORMAT,
    formatVersion: RUN_EXPORT_VERSION,
    runId: run.runId,
    createdAt,
    toolVersion: run.toolVersion,
    corpus: {
      name: corpusName,
      hash: `sha256:${run.corpusHash}`,
      ...(suite.corpus?.version ? { version: suite.corpus.version } : {}),
      synthetic: suite.corpus?.synthetic ?? false,
      ...(suite.corpus?.description ? { description: suite.corpus.description } : {}),
      ...importsOf(manifests),
    },
    backends: run.meta.backends.map((b) => ({ key: b.name, name: b.name, version: b.version, model: b.model })),
    conditions: run.meta.conditions.map((c) => ({ key: c.name, name: c.name, ...(c.spec ? { description: stableStringify(c.spec) } : {}) })),
    normaliser: { name: run.normaliser, version: run.normaliserVersion },
    costModel,
    seeds: { suite: run.seed },
    ...(suite.card?.intendedUse ? { intendedUse: suite.card.intendedUse } : {}),
    limits: suite.card?.limits ?? [],
    confounders: suite.card?.confounders ?? [],
    ...(suite.groupBy && suite.bootstrap && suite.minCell ? { analysis: { ...analysisSettingsOf(suite as Suite), ...(run.meta.grouping ? { grouping: run.meta.grouping } : {}) } } : {}),
    ...(run.meta.subset ? { subset: run.meta.subset } : {}),
    ...(run.meta.backendSubset ? { backendSubset: run.meta.backendSubset } : {}),
    ...(run.meta.cleanOnly?.length ? { cleanOnly: run.meta.cleanOnly } : {}),
    ...(manifests.length ? { audioRoots: [...new Set(manifests.map((m) => dirname(resolve(m))))] } : {}),
  };
}

export interface ExportResult {
  dir: string;
  rows: number;
  failed: number;
  /** Set when the run is incomplete (what run.json's `incomplete` says). */
  incomplete?: RunMeta['incomplete'];
}

/** Whether a stored run is complete: status `done` and every expected item present. */
export function completenessOf(store: RunStore, run: RunRecord): { complete: boolean; items: number; expected: number | undefined } {
  const items = store.countItems(run.runId);
  const expected = store.expectedOf(run.runId)?.items;
  const complete = run.status === 'done' && (expected === undefined || items >= expected);
  return { complete, items, expected };
}

/**
 * Refuses (UsageError, exit 2) to export a stored run that is incomplete unless `allow` is set, so an
 * interrupted or killed run is never reported as if it were whole.
 */
export function assertComplete(store: RunStore, run: RunRecord, allow: boolean | undefined): void {
  if (allow) return;
  const c = completenessOf(store, run);
  if (c.complete) return;
  throw new UsageError(
    `run ${run.runId} in ${store.path} is incomplete (${run.status}, ${c.items} of ${c.expected ?? '?'} items); ` +
      'rerun it to finish, or pass --allow-incomplete to export it marked "incomplete"',
  );
}

/**
 * Scores every item of a stored run and writes the run export (run.json + results.jsonl) into `dir`,
 * streaming from the store. results.jsonl is written to a temporary name and renamed, so a reader
 * never sees half a file. `opts.warn` gets each warning's text alone (a stale import record, a newer normaliser,
 * hypotheses with malformed markup), unlabelled and unescaped: the CLI prints it through warnLine.
 */
export async function exportRun(
  store: RunStore,
  runId: string,
  dir: string,
  opts: {
    warn?: (m: string) => void;
    onRow?: (row: ExportedUtterance) => void;
    allowIncomplete?: boolean;
    /** G2P of PER (default: CMUdict, flite's t2p if installed, else espeak-ng); run.json records what was used. */
    g2p?: G2POptions;
  } = {},
): Promise<ExportResult> {
  const run = store.getRun(runId);
  if (!run) throw new InputError(store.path, undefined, `no run "${runId}" in this store`);
  assertComplete(store, run, opts.allowIncomplete);
  const expected = store.expectedOf(runId);
  // Backends × conditions, less the conditions a backend that reads no audio was not run under (run meta cleanOnly).
  const perUtt = itemsPerUtterance(run.meta);
  const groupKeys = Object.keys(expected?.groups ?? {});
  const seenGroups: Record<string, Record<string, number>> = Object.fromEntries(groupKeys.map((k) => [k, {}]));
  const suite = run.suite as Partial<Suite>;
  const costModel: CostModel = suite.costModel ?? 'sclite';
  const meta = RunMetaSchema.safeParse(runMetaOf(run, costModel));
  if (!meta.success) throw new Error(`run ${runId}: cannot build run.json: ${meta.error.issues.map((i) => i.message).join('; ')}`);
  // Said once here; run.json records it (manifestChanged, or no manifestSha256) for report and the card.
  for (const w of importRecordWarnings(meta.data.corpus.imports)) opts.warn?.(w);
  const markup = suite.markup ?? DEFAULT_SCORING_MARKUP;
  const glm = suite.glm ? loadSuiteGlm(suite.glm) : undefined;
  const scoring: ScoringSettings = { markup, ...(glm ? { glm: glm.info } : {}) };
  const scorer = await createScorer({ normaliser: run.normaliser, costModel, metrics: (suite.metrics ?? ['wer', 'cer']) as Metric[], markup, glm: glm?.glm, g2p: opts.g2p });
  const oov = new OovTally(groupKeys.length ? groupKeys : (suite.groupBy ?? []));
  let markupFailures = 0;
  let firstMarkupFailure = '';
  // Utterances folded by their declared language's case rules (tr/az), each counted once, by language and by group.
  const foldedUtts = new Set<string>();
  const foldLanguages: Record<string, number> = {};
  const foldGroups: Record<string, Record<string, number>> = Object.fromEntries(groupKeys.map((k) => [k, {}]));
  // tr/az utterances the normaliser lower-cased by Unicode's default rules instead (english), counted the same way.
  const defaultFolded = new Set<string>();
  const defaultLanguages: Record<string, number> = {};
  const defaultGroups: Record<string, Record<string, number>> = Object.fromEntries(groupKeys.map((k) => [k, {}]));
  const countFold = (lang: string, labels: Record<string, string>, languages: Record<string, number>, groups: Record<string, Record<string, number>>): void => {
    languages[lang] = (languages[lang] ?? 0) + 1;
    for (const k of groupKeys) {
      const g = labels[k] ?? 'undeclared';
      groups[k][g] = (groups[k][g] ?? 0) + 1;
    }
  };
  if (scorer.normaliser.version !== run.normaliserVersion) {
    opts.warn?.(`normaliser ${run.normaliser} is now version ${scorer.normaliser.version}; the run recorded version ${run.normaliserVersion}`);
  }
  makeOutputDir(dir);
  const tmp = join(dir, `.${RESULTS_FILE}.tmp`);
  const w = new LineWriter(tmp, join(dir, RESULTS_FILE));
  // What run.json records of results.jsonl (rows, sha256 of the bytes): readers refuse a file cut or changed later.
  const hash = createHash('sha256');
  let rows = 0;
  let failed = 0;
  try {
    for (const item of store.iterateRun(runId)) {
      const { row, oov: rowOov } = scorer.scoreWithOov(item);
      if (rowOov) oov.add(row, rowOov);
      const line = JSON.stringify(ExportedUtteranceSchema.parse(row));
      await w.write(line);
      hash.update(line + '\n', 'utf8');
      rows++;
      if (row.status === 'failed') failed++;
      if (row.error?.startsWith('markup: ') && item.result?.status === 'ok') {
        if (markupFailures++ === 0) firstMarkupFailure = row.error;
      }
      for (const k of groupKeys) {
        const g = row.labels[k] ?? 'undeclared';
        seenGroups[k][g] = (seenGroups[k][g] ?? 0) + 1;
      }
      const foldLang = scorer.foldedBy(item);
      if (foldLang && !foldedUtts.has(item.uttId)) {
        foldedUtts.add(item.uttId);
        countFold(foldLang, row.labels, foldLanguages, foldGroups);
      }
      const defaultLang = scorer.defaultFoldedBy(item);
      if (defaultLang && !defaultFolded.has(item.uttId)) {
        defaultFolded.add(item.uttId);
        countFold(defaultLang, row.labels, defaultLanguages, defaultGroups);
      }
      opts.onRow?.(row);
    }
    await w.close();
  } catch (e) {
    await w.close().catch(() => undefined);
    rmSync(tmp, { force: true });
    throw e;
  }
  const complete = run.status === 'done' && (expected === undefined || rows >= expected.items);
  const incomplete: RunMeta['incomplete'] = complete
    ? undefined
    : {
        status: run.status,
        items: rows,
        expected: expected?.items ?? rows,
        groups: Object.fromEntries(
          groupKeys.map((k) => {
            const names = new Set([...Object.keys(expected!.groups[k]), ...Object.keys(seenGroups[k])]);
            return [k, Object.fromEntries([...names].map((g) => [g, { items: seenGroups[k][g] ?? 0, expected: (expected!.groups[k][g] ?? 0) * perUtt }]))];
          }),
        ),
      };
  if (markupFailures) {
    opts.warn?.(`${markupFailures} utterance(s) with malformed markup were not scored (failed rows, counted in the card); first: ${firstMarkupFailure}`);
  }
  if (foldedUtts.size) scoring.languageFold = { languages: foldLanguages, groups: foldGroups };
  if (defaultFolded.size) {
    scoring.defaultCaseFold = { normaliser: run.normaliser, languages: defaultLanguages, groups: defaultGroups };
    opts.warn?.(defaultCaseFoldText(scoring.defaultCaseFold));
  }
  const provenance = scorer.phoneProvenance();
  if (provenance) scoring.phones = { ...provenance, oov: oov.result() };
  const metaOut = {
    ...meta.data,
    scoring,
    normaliser: { name: run.normaliser, version: scorer.normaliser.version },
    results: { rows, sha256: hash.digest('hex') },
    ...(incomplete ? { incomplete } : {}),
  };
  // run.json first: when it cannot be written (a full disk), no results.jsonl is left without it.
  try {
    writeOutputFile(join(dir, RUN_META_FILE), JSON.stringify(metaOut, null, 2) + '\n', 'run metadata');
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  renameSync(tmp, join(dir, RESULTS_FILE));
  return { dir, rows, failed, ...(incomplete ? { incomplete } : {}) };
}

const zeroOov = (): OovCounts => ({ refTokens: 0, refOov: 0, hypTokens: 0, hypOov: 0 });

/**
 * Counts PER's G2P word tokens and those the dictionary lacks (they get letter-to-sound phones), in all and per group of
 * each grouping key: a reference once per utterance id, a hypothesis once per scored row (each backend × condition).
 */
class OovTally {
  private readonly all = zeroOov();
  private readonly groups: Record<string, Record<string, OovCounts>>;
  private readonly refSeen = new Set<string>();
  private readonly words = new Set<string>();
  constructor(private readonly keys: readonly string[]) {
    this.groups = Object.fromEntries(keys.map((k) => [k, {}]));
  }
  add(row: ExportedUtterance, o: { refTokens: number; refOov: number; hypTokens: number; hypOov: number; words: readonly string[] }): void {
    const firstRef = !this.refSeen.has(row.id);
    this.refSeen.add(row.id);
    for (const w of o.words) this.words.add(w);
    const bump = (c: OovCounts) => {
      if (firstRef) {
        c.refTokens += o.refTokens;
        c.refOov += o.refOov;
      }
      c.hypTokens += o.hypTokens;
      c.hypOov += o.hypOov;
    };
    bump(this.all);
    for (const k of this.keys) bump((this.groups[k][row.labels[k] ?? 'undeclared'] ??= zeroOov()));
  }
  result(): PhoneSources['oov'] {
    return { ...this.all, words: this.words.size, groups: this.groups };
  }
}

const CSV_COLUMNS = ['run_id', 'id', 'speaker', 'backend', 'condition', 'status', 'error', 'ref_text', 'hypothesis', 'duration_sec', 'latency_ms', 'cost_usd', 'attempts', 'audio_sha256', 'labels'] as const;


/** A raw row of a stored run (no scoring): what the store holds for one item. */
export function rawRow(item: RunItemResult): Record<(typeof CSV_COLUMNS)[number], unknown> & { words: unknown; phones: unknown } {
  const r = item.result;
  return {
    run_id: item.runId,
    id: item.uttId,
    speaker: item.utt.speaker,
    backend: item.backendName,
    condition: item.conditionName,
    status: r?.status ?? 'failed',
    error: r?.error ?? item.error,
    ref_text: item.utt.text,
    hypothesis: r?.hypothesis ?? null,
    duration_sec: item.utt.durationSec ?? r?.durationSec ?? null,
    latency_ms: r?.latencyMs ?? null,
    cost_usd: r?.costUsd ?? null,
    attempts: r?.attempts ?? 0,
    audio_sha256: item.audioSha256,
    labels: item.utt.labels,
    words: r?.words ?? null,
    phones: r?.phones ?? null,
  };
}

/** Streams a stored run's raw rows as JSONL or CSV to `out`. Returns the number of rows. */
export async function dumpRun(store: RunStore, runId: string, format: 'jsonl' | 'csv', out: NodeJS.WritableStream, opts: { allowIncomplete?: boolean } = {}): Promise<number> {
  const run = store.getRun(runId);
  if (!run) throw new InputError(store.path, undefined, `no run "${runId}" in this store`);
  assertComplete(store, run, opts.allowIncomplete);
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, 'drain');
  };
  if (format === 'csv') await write(CSV_COLUMNS.join(',') + '\n');
  let n = 0;
  for (const item of store.iterateRun(runId)) {
    const row = rawRow(item);
    await write(format === 'jsonl' ? JSON.stringify(row) + '\n' : csvLine(CSV_COLUMNS.map((c) => row[c] as CsvValue)) + '\n');
    n++;
  }
  return n;
}

export type { ExportedUtterance };
