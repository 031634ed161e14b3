import { createWriteStream, mkdirSync, renameSync, writeFileSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { basename, extname, join } from 'node:path';
import {
  ExportedUtteranceSchema,
  RESULTS_FILE,
  RUN_EXPORT_FORMAT,
  RUN_EXPORT_VERSION,
  RUN_META_FILE,
  RunMetaSchema,
  type ExportedUtterance,
  type RunMetaInput,
} from '../score/run-export.ts';
import { InputError } from '../manifest/errors.ts';
import type { RunRecord, RunStore, RunItemResult } from '../run/store.ts';
import { createScorer, type Metric } from '../score/run-scorer.ts';
import { stableStringify } from '../run/conditions.ts';
import type { CostModel } from '../score/types.ts';
import type { Suite } from '../run/suite.ts';

/** Writes lines to a stream, waiting for drain so memory stays flat. */
class LineWriter {
  private readonly stream: WriteStream;
  constructor(file: string) {
    this.stream = createWriteStream(file, { encoding: 'utf8' });
  }
  async write(line: string): Promise<void> {
    if (!this.stream.write(line + '\n')) await once(this.stream, 'drain');
  }
  async close(): Promise<void> {
    this.stream.end();
    await once(this.stream, 'finish');
  }
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
    },
    backends: run.meta.backends.map((b) => ({ key: b.name, name: b.name, version: b.version, model: b.model })),
    conditions: run.meta.conditions.map((c) => ({ key: c.name, name: c.name, ...(c.spec ? { description: stableStringify(c.spec) } : {}) })),
    normaliser: { name: run.normaliser, version: run.normaliserVersion },
    costModel,
    seeds: { suite: run.seed },
    ...(suite.card?.intendedUse ? { intendedUse: suite.card.intendedUse } : {}),
    limits: suite.card?.limits ?? [],
    confounders: suite.card?.confounders ?? [],
  };
}

export interface ExportResult {
  dir: string;
  rows: number;
  failed: number;
}

/**
 * Scores every item of a stored run and writes the run export (run.json + results.jsonl) into `dir`,
 * streaming from the store. results.jsonl is written to a temporary name and renamed, so a reader
 * never sees half a file.
 */
export async function exportRun(
  store: RunStore,
  runId: string,
  dir: string,
  opts: { warn?: (m: string) => void; onRow?: (row: ExportedUtterance) => void } = {},
): Promise<ExportResult> {
  const run = store.getRun(runId);
  if (!run) throw new InputError(store.path, undefined, `no run "${runId}" in this store`);
  const suite = run.suite as Partial<Suite>;
  const costModel: CostModel = suite.costModel ?? 'sclite';
  const meta = RunMetaSchema.safeParse(runMetaOf(run, costModel));
  if (!meta.success) throw new Error(`run ${runId}: cannot build run.json: ${meta.error.issues.map((i) => i.message).join('; ')}`);
  const scorer = await createScorer({ normaliser: run.normaliser, costModel, metrics: (suite.metrics ?? ['wer', 'cer']) as Metric[] });
  if (scorer.normaliser.version !== run.normaliserVersion) {
    opts.warn?.(`normaliser ${run.normaliser} is now version ${scorer.normaliser.version}; the run recorded version ${run.normaliserVersion}`);
  }
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${RESULTS_FILE}.tmp`);
  const w = new LineWriter(tmp);
  let rows = 0;
  let failed = 0;
  try {
    for (const item of store.iterateRun(runId)) {
      const row = scorer.score(item);
      await w.write(JSON.stringify(ExportedUtteranceSchema.parse(row)));
      rows++;
      if (row.status === 'failed') failed++;
      opts.onRow?.(row);
    }
  } finally {
    await w.close();
  }
  renameSync(tmp, join(dir, RESULTS_FILE));
  writeFileSync(join(dir, RUN_META_FILE), JSON.stringify({ ...meta.data, normaliser: { name: run.normaliser, version: scorer.normaliser.version } }, null, 2) + '\n');
  return { dir, rows, failed };
}

const CSV_COLUMNS = ['run_id', 'id', 'speaker', 'backend', 'condition', 'status', 'error', 'ref_text', 'hypothesis', 'duration_sec', 'latency_ms', 'cost_usd', 'attempts', 'audio_sha256', 'labels'] as const;

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

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
export async function dumpRun(store: RunStore, runId: string, format: 'jsonl' | 'csv', out: NodeJS.WritableStream): Promise<number> {
  if (!store.getRun(runId)) throw new InputError(store.path, undefined, `no run "${runId}" in this store`);
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, 'drain');
  };
  if (format === 'csv') await write(CSV_COLUMNS.join(',') + '\n');
  let n = 0;
  for (const item of store.iterateRun(runId)) {
    const row = rawRow(item);
    await write(format === 'jsonl' ? JSON.stringify(row) + '\n' : CSV_COLUMNS.map((c) => csvCell(row[c])).join(',') + '\n');
    n++;
  }
  return n;
}

export type { ExportedUtterance };
