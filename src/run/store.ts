import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PhoneSegment, WordTiming } from '../backends/types.ts';
import { stripSecrets, scrubString } from '../backends/secrets.ts';

/** The cache key of one recognition result. */
export interface ResultKey {
  /** Backend key (type, model, options hash). */
  backendKey: string;
  /** Condition key (`clean` or the audio stage's condition key). */
  conditionKey: string;
  /** sha256 of the prepared 16 kHz WAV bytes. */
  audioSha256: string;
}

export type ResultStatus = 'ok' | 'failed';

export interface ResultRow extends ResultKey {
  status: ResultStatus;
  hypothesis: string | null;
  words: WordTiming[] | null;
  phones: PhoneSegment[] | null;
  raw: unknown;
  latencyMs: number | null;
  costUsd: number | null;
  durationSec: number | null;
  error: string | null;
  /** Whether a failure was transient (throttling, 5xx, timeout) and worth retrying on a rerun. */
  retryable: boolean;
  attempts: number;
  createdAt: string;
}

export type NewResult = Omit<ResultRow, 'createdAt'>;

export interface RunRecord {
  runId: string;
  suiteName: string;
  suitePath: string;
  /** The validated suite as JSON (for reproducibility). */
  suite: unknown;
  corpusHash: string;
  toolVersion: string;
  normaliser: string;
  normaliserVersion: string;
  seed: number;
  startedAt: string;
  endedAt: string | null;
  /** running | done | interrupted | budget | failed */
  status: string;
  outDir: string | null;
  /** What the run resolved: backends (name, key, info) and conditions (name, key, spec). */
  meta: RunResolved;
}

export interface RunResolved {
  backends: { name: string; key: string; type: string; version: string; model: string }[];
  conditions: { name: string; key: string; spec: unknown }[];
}

/** One utterance × backend × condition of a run, pointing at its cached result (when there is one). */
export interface RunItem {
  runId: string;
  seq: number;
  uttId: string;
  backendName: string;
  backendKey: string;
  conditionName: string;
  conditionKey: string;
  /** null when the audio could not be prepared (so no result key exists). */
  audioSha256: string | null;
  /** Set when the item failed before reaching the backend (audio error). */
  error: string | null;
  /** The utterance as the run saw it: id, text, speaker, labels, audio, durationSec, snrDb. */
  utt: RunUtterance;
}

export interface RunUtterance {
  id: string;
  text: string;
  speaker?: string;
  labels: Record<string, string>;
  /** Absent for a text-only utterance. */
  audio?: string;
  start?: number;
  end?: number;
  durationSec?: number;
  snrDb?: number;
}

/** A run item joined with its result row (absent when the audio failed or the result is missing). */
export interface RunItemResult extends RunItem {
  result: ResultRow | null;
}

interface ResultDbRow {
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
}

interface RunItemDbRow {
  run_id: string;
  seq: number;
  utt_id: string;
  backend_name: string;
  backend_key: string;
  condition_name: string;
  condition_key: string;
  audio_sha256: string | null;
  error: string | null;
  utt_json: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS results (
  backend_key   TEXT NOT NULL,
  condition_key TEXT NOT NULL,
  audio_sha256  TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('ok','failed')),
  hypothesis    TEXT,
  words_json    TEXT,
  phones_json   TEXT,
  raw_json      TEXT,
  latency_ms    REAL,
  cost_usd      REAL,
  duration_sec  REAL,
  error         TEXT,
  retryable     INTEGER NOT NULL DEFAULT 0,
  attempts      INTEGER NOT NULL,
  created_at    TEXT NOT NULL,
  PRIMARY KEY (backend_key, condition_key, audio_sha256)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (
  run_id             TEXT PRIMARY KEY,
  suite_name         TEXT NOT NULL,
  suite_path         TEXT NOT NULL,
  suite_json         TEXT NOT NULL,
  corpus_hash        TEXT NOT NULL,
  tool_version       TEXT NOT NULL,
  normaliser         TEXT NOT NULL,
  normaliser_version TEXT NOT NULL,
  seed               INTEGER NOT NULL,
  started_at         TEXT NOT NULL,
  ended_at           TEXT,
  status             TEXT NOT NULL,
  out_dir            TEXT,
  meta_json          TEXT
);
CREATE TABLE IF NOT EXISTS run_items (
  run_id         TEXT NOT NULL REFERENCES runs(run_id),
  seq            INTEGER NOT NULL,
  utt_id         TEXT NOT NULL,
  backend_name   TEXT NOT NULL,
  backend_key    TEXT NOT NULL,
  condition_name TEXT NOT NULL,
  condition_key  TEXT NOT NULL,
  audio_sha256   TEXT,
  error          TEXT,
  utt_json       TEXT NOT NULL,
  PRIMARY KEY (run_id, utt_id, backend_key, condition_key)
);
CREATE INDEX IF NOT EXISTS run_items_seq ON run_items (run_id, seq);
CREATE TABLE IF NOT EXISTS audio_qc (
  audio_sha256 TEXT PRIMARY KEY,
  qc_json      TEXT NOT NULL
) WITHOUT ROWID;
`;

function parseJson<T>(s: string | null): T | null {
  return s === null ? null : (JSON.parse(s) as T);
}

function toResult(r: ResultDbRow): ResultRow {
  return {
    backendKey: r.backend_key,
    conditionKey: r.condition_key,
    audioSha256: r.audio_sha256,
    status: r.status as ResultStatus,
    hypothesis: r.hypothesis,
    words: parseJson<WordTiming[]>(r.words_json),
    phones: parseJson<PhoneSegment[]>(r.phones_json),
    raw: parseJson<unknown>(r.raw_json),
    latencyMs: r.latency_ms,
    costUsd: r.cost_usd,
    durationSec: r.duration_sec,
    error: r.error,
    retryable: r.retryable === 1,
    attempts: r.attempts,
    createdAt: r.created_at,
  };
}

function toItem(r: RunItemDbRow): RunItem {
  return {
    runId: r.run_id,
    seq: r.seq,
    uttId: r.utt_id,
    backendName: r.backend_name,
    backendKey: r.backend_key,
    conditionName: r.condition_name,
    conditionKey: r.condition_key,
    audioSha256: r.audio_sha256,
    error: r.error,
    utt: JSON.parse(r.utt_json) as RunUtterance,
  };
}

/**
 * The workspace's SQLite run store. Every write is its own (implicit) transaction, so a crash or
 * `kill -9` loses nothing that was written; WAL with synchronous=NORMAL keeps that durable across
 * process crashes (only an OS crash can lose the last transactions, never corrupt the file).
 */
export class RunStore {
  readonly db: Database.Database;
  private readonly stmts;

  constructor(readonly path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 10000');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
    this.stmts = {
      getResult: this.db.prepare<[string, string, string], ResultDbRow>(
        'SELECT * FROM results WHERE backend_key = ? AND condition_key = ? AND audio_sha256 = ?',
      ),
      putResult: this.db.prepare(
        `INSERT OR REPLACE INTO results (backend_key, condition_key, audio_sha256, status, hypothesis, words_json,
           phones_json, raw_json, latency_ms, cost_usd, duration_sec, error, retryable, attempts, created_at)
         VALUES (@backendKey, @conditionKey, @audioSha256, @status, @hypothesis, @words, @phones, @raw, @latencyMs,
           @costUsd, @durationSec, @error, @retryable, @attempts, @createdAt)`,
      ),
      putItem: this.db.prepare(
        `INSERT INTO run_items (run_id, seq, utt_id, backend_name, backend_key, condition_name, condition_key,
           audio_sha256, error, utt_json)
         VALUES (@runId, @seq, @uttId, @backendName, @backendKey, @conditionName, @conditionKey, @audioSha256, @error, @utt)`,
      ),
      putRun: this.db.prepare(
        `INSERT INTO runs (run_id, suite_name, suite_path, suite_json, corpus_hash, tool_version, normaliser,
           normaliser_version, seed, started_at, ended_at, status, out_dir, meta_json)
         VALUES (@runId, @suiteName, @suitePath, @suite, @corpusHash, @toolVersion, @normaliser, @normaliserVersion,
           @seed, @startedAt, @endedAt, @status, @outDir, @meta)`,
      ),
      endRun: this.db.prepare('UPDATE runs SET ended_at = ?, status = ?, out_dir = COALESCE(?, out_dir) WHERE run_id = ?'),
      getRun: this.db.prepare<[string], Record<string, unknown>>('SELECT * FROM runs WHERE run_id = ?'),
      listRuns: this.db.prepare<[], Record<string, unknown>>('SELECT * FROM runs ORDER BY started_at, run_id'),
      items: this.db.prepare<[string], RunItemDbRow & Partial<ResultDbRow> & { r_status: string | null; r_error: string | null }>(
        `SELECT i.*, r.status AS r_status, r.hypothesis, r.words_json, r.phones_json, r.raw_json, r.latency_ms,
           r.cost_usd, r.duration_sec, r.error AS r_error, r.retryable, r.attempts, r.created_at
         FROM run_items i LEFT JOIN results r
           ON r.backend_key = i.backend_key AND r.condition_key = i.condition_key AND r.audio_sha256 = i.audio_sha256
         WHERE i.run_id = ? ORDER BY i.seq, i.backend_name, i.condition_name`,
      ),
      getQc: this.db.prepare<[string], { qc_json: string }>('SELECT qc_json FROM audio_qc WHERE audio_sha256 = ?'),
      putQc: this.db.prepare('INSERT OR REPLACE INTO audio_qc (audio_sha256, qc_json) VALUES (?, ?)'),
      countItems: this.db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM run_items WHERE run_id = ?'),
    };
  }

  getResult(key: ResultKey): ResultRow | undefined {
    const r = this.stmts.getResult.get(key.backendKey, key.conditionKey, key.audioSha256);
    return r ? toResult(r) : undefined;
  }

  /** Commits one result (secrets stripped from raw and error). */
  putResult(r: NewResult): ResultRow {
    const row: ResultRow = { ...r, createdAt: new Date().toISOString() };
    this.stmts.putResult.run({
      backendKey: r.backendKey,
      conditionKey: r.conditionKey,
      audioSha256: r.audioSha256,
      status: r.status,
      hypothesis: r.hypothesis,
      words: r.words ? JSON.stringify(r.words) : null,
      phones: r.phones ? JSON.stringify(r.phones) : null,
      raw: r.raw === undefined || r.raw === null ? null : JSON.stringify(stripSecrets(r.raw)),
      latencyMs: r.latencyMs,
      costUsd: r.costUsd,
      durationSec: r.durationSec,
      error: r.error === null ? null : scrubString(r.error),
      retryable: r.retryable ? 1 : 0,
      attempts: r.attempts,
      createdAt: row.createdAt,
    });
    return row;
  }

  /** Audio QC of prepared audio, cached by content hash (QC is a property of the bytes). */
  getQc<T>(audioSha256: string): T | undefined {
    const r = this.stmts.getQc.get(audioSha256);
    return r ? (JSON.parse(r.qc_json) as T) : undefined;
  }

  putQc(audioSha256: string, qc: unknown): void {
    this.stmts.putQc.run(audioSha256, JSON.stringify(qc));
  }

  putItem(item: RunItem): void {
    this.stmts.putItem.run({
      runId: item.runId,
      seq: item.seq,
      uttId: item.uttId,
      backendName: item.backendName,
      backendKey: item.backendKey,
      conditionName: item.conditionName,
      conditionKey: item.conditionKey,
      audioSha256: item.audioSha256,
      error: item.error === null ? null : scrubString(item.error),
      utt: JSON.stringify(item.utt),
    });
  }

  startRun(run: Omit<RunRecord, 'endedAt' | 'status'>): void {
    this.stmts.putRun.run({ ...run, suite: JSON.stringify(run.suite), meta: JSON.stringify(run.meta), endedAt: null, status: 'running', outDir: run.outDir });
  }

  endRun(runId: string, status: string, outDir?: string): void {
    this.stmts.endRun.run(new Date().toISOString(), status, outDir ?? null, runId);
  }

  getRun(runId: string): RunRecord | undefined {
    const r = this.stmts.getRun.get(runId);
    return r ? toRun(r) : undefined;
  }

  listRuns(): RunRecord[] {
    return this.stmts.listRuns.all().map(toRun);
  }

  countItems(runId: string): number {
    return this.stmts.countItems.get(runId)?.n ?? 0;
  }

  /** Streams a run's items joined with their results, in manifest order, without loading the run whole. */
  *iterateRun(runId: string): Generator<RunItemResult> {
    for (const r of this.stmts.items.iterate(runId)) {
      const item = toItem(r);
      const result =
        r.r_status === null || item.audioSha256 === null
          ? null
          : toResult({ ...(r as unknown as ResultDbRow), status: r.r_status, error: r.r_error, audio_sha256: item.audioSha256 });
      yield { ...item, result };
    }
  }

  integrityCheck(): string {
    return String(this.db.pragma('integrity_check', { simple: true }));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function toRun(r: Record<string, unknown>): RunRecord {
  return {
    runId: String(r.run_id),
    suiteName: String(r.suite_name),
    suitePath: String(r.suite_path),
    suite: JSON.parse(String(r.suite_json)) as unknown,
    corpusHash: String(r.corpus_hash),
    toolVersion: String(r.tool_version),
    normaliser: String(r.normaliser),
    normaliserVersion: String(r.normaliser_version),
    seed: Number(r.seed),
    startedAt: String(r.started_at),
    endedAt: r.ended_at === null ? null : String(r.ended_at),
    status: String(r.status),
    outDir: r.out_dir === null ? null : String(r.out_dir),
    meta: (r.meta_json ? JSON.parse(String(r.meta_json)) : { backends: [], conditions: [] }) as RunResolved,
  };
}
