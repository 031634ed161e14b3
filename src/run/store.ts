import { makeOutputDir } from '../manifest/output.ts';
import Database from 'better-sqlite3';
import { hostname } from 'node:os';
import { copyFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { makeTempDir, removeTempDir } from '../manifest/tempdir.ts';
import { escapeControl } from '../manifest/escape.ts';
import type { PhoneSegment, WordTiming } from '../backends/types.ts';
import { CREDENTIAL_FAILURE_ERROR, secretValues, stripSecrets, scrubString, scrubValues, transcriptHasCredential } from '../backends/secrets.ts';
import { InputError } from '../manifest/errors.ts';
import type { Markup } from '../manifest/schema.ts';
import type { BackendSubset, RunSubset } from './subset.ts';
import { checkResultColumns, expectedJsonSchema, metaJsonSchema, qcJsonSchema, rowProblem, suiteJsonSchema, uttJsonSchema, type ResultDbRow } from './store-rows.ts';
import type { KeyGrouping } from './labels.ts';

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
  /**
   * The version of asrfair's code that made the result (the backend's `codeVersion`, src/backends/code-version.ts);
   * null when unstamped: a backend without one, or a row of an asrfair older than the stamp. A run reuses a result only
   * when it matches its backend's current `codeVersion` (when the backend has one).
   */
  codeVersion: string | null;
}

/** A result to store: its `codeVersion` defaults to null (unstamped). */
export type NewResult = Omit<ResultRow, 'createdAt' | 'codeVersion'> & { codeVersion?: string | null };

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
  /** Set when the run was limited to part of its manifests (src/run/subset.ts). */
  subset?: RunSubset;
  /** Set when the run called some of its suite's backends only (`run --backend`; src/run/subset.ts). */
  backendSubset?: BackendSubset;
  /**
   * Backends that read no audio, run under the clean condition only although the suite has conditions (a condition
   * cannot reach them; src/run/conditions.ts cleanOnlyBackends). Absent: every backend ran under every condition.
   */
  cleanOnly?: string[];
  /** How the suite's label map and bins form the groups of its grouping and slice keys (labels.ts groupingOf); absent: as declared. */
  grouping?: Record<string, KeyGrouping>;
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
  /**
   * The code version of the result the run used (ResultRow.codeVersion; absent or null: unstamped). The item is joined
   * only to a result of that version: one replaced since by another asrfair's decode is not this run's (see iterateRun).
   */
  codeVersion?: string | null;
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
  /** Audio faults that left the utterance scored (audio stage's AudioFlag; counted per group in the card). */
  audioFlags?: string[];
  /** What the corpus's markup policy removed from this reference (manifest `markup`), when anything. */
  markup?: Markup;
  /** Declared language of the reference (manifest `language`, ISO 639-1, e.g. `tr`, `en-US`): case folding follows it. */
  language?: string;
  /** Sample rate (Hz) and channels of the source recording (not of the 16 kHz mono copy backends receive). */
  sourceRate?: number;
  sourceChannels?: number;
}

/** A run item joined with its result row (absent when the audio failed or the result is missing). */
export interface RunItemResult extends RunItem {
  result: ResultRow | null;
}

/** A `results` row as SQLite returns it (store-rows.ts); checkResultRow turns it into a ResultRow. */
export type { ResultDbRow };

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
  code_version: string | null;
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
  code_version  TEXT,
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
  code_version   TEXT,
  PRIMARY KEY (run_id, utt_id, backend_key, condition_key)
);
CREATE INDEX IF NOT EXISTS run_items_seq ON run_items (run_id, seq);
CREATE TABLE IF NOT EXISTS leases (
  backend_key   TEXT NOT NULL,
  condition_key TEXT NOT NULL,
  audio_sha256  TEXT NOT NULL,
  owner         TEXT NOT NULL,
  expires_ms    INTEGER NOT NULL,
  PRIMARY KEY (backend_key, condition_key, audio_sha256)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS run_live (
  run_id        TEXT PRIMARY KEY,
  owner         TEXT NOT NULL,
  started_ms    INTEGER NOT NULL,
  ended_ms      INTEGER,
  heartbeat_ms  INTEGER NOT NULL,
  reserved_usd  REAL NOT NULL DEFAULT 0,
  spent_usd     REAL NOT NULL DEFAULT 0,
  expected_json TEXT
);
CREATE TABLE IF NOT EXISTS audio_qc (
  audio_sha256 TEXT PRIMARY KEY,
  qc_json      TEXT NOT NULL
) WITHOUT ROWID;
`;

/**
 * Checks every column of a `results` row the code relies on (status, a text hypothesis when ok, the JSON columns
 * words_json/phones_json/raw_json and their shapes, the numeric columns): the row as a ResultRow, or why it is corrupt
 * (a row edited by hand, a disk fault, another program). A corrupt row is never served as a result (RunStore.getResult).
 */
export function checkResultRow(r: ResultDbRow): { row: ResultRow } | { problem: string } {
  const c = checkResultColumns(r);
  if ('problem' in c) return c;
  return {
    row: {
      backendKey: r.backend_key,
      conditionKey: r.condition_key,
      audioSha256: r.audio_sha256,
      status: r.status as ResultStatus,
      hypothesis: r.hypothesis,
      words: c.words,
      phones: c.phones,
      raw: c.raw,
      latencyMs: r.latency_ms,
      costUsd: r.cost_usd,
      durationSec: r.duration_sec,
      error: r.error,
      retryable: r.retryable === 1,
      attempts: r.attempts,
      createdAt: r.created_at,
      codeVersion: r.code_version ?? null,
    },
  };
}

/** A run item from its row; InputError naming the store and the row when utt_json is not a stored utterance. */
function toItem(r: RunItemDbRow, storePath: string): RunItem {
  const utt = uttJsonSchema.safeParse(r.utt_json);
  if (!utt.success) {
    throw new InputError(storePath, undefined, `corrupt run_items row (run ${r.run_id}, seq ${r.seq}, utterance ${r.utt_id}, backend ${r.backend_name}): ${rowProblem(utt.error, 'utt_json')}; the run cannot be read (rerun its suite into a new run)`);
  }
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
    utt: utt.data as RunUtterance,
    ...(r.code_version !== null ? { codeVersion: r.code_version } : {}),
  };
}

/**
 * The upsert tail of every write into `results` (a run's own results, a merge of shard stores): a key already
 * holding an ok result of the same code version is never replaced; a failure is replaced by a newer attempt, and a
 * result of another code version (ResultRow.codeVersion) by the decode of this one.
 */
export const RESULT_UPSERT_KEEPING_OK = `ON CONFLICT (backend_key, condition_key, audio_sha256) DO UPDATE SET
  status = excluded.status, hypothesis = excluded.hypothesis, words_json = excluded.words_json,
  phones_json = excluded.phones_json, raw_json = excluded.raw_json, latency_ms = excluded.latency_ms,
  cost_usd = excluded.cost_usd, duration_sec = excluded.duration_sec, error = excluded.error,
  retryable = excluded.retryable, attempts = excluded.attempts, created_at = excluded.created_at,
  code_version = excluded.code_version
WHERE results.status <> 'ok' OR results.code_version IS NOT excluded.code_version`;

/** The columns of `results`, in the order a copy between stores names them (stores of older asrfairs add some on open). */
export const RESULT_COLUMNS =
  'backend_key, condition_key, audio_sha256, status, hypothesis, words_json, phones_json, raw_json, latency_ms, cost_usd, duration_sec, error, retryable, attempts, created_at, code_version';

/** Whether a result already stored (or queued) under a key stays when `incoming` is written there (RESULT_UPSERT_KEEPING_OK). */
function keeps(existing: ResultRow | undefined, incoming: ResultRow): existing is ResultRow {
  return existing?.status === 'ok' && existing.codeVersion === incoming.codeVersion;
}

/**
 * Columns a store made by an older asrfair lacks, added on open (ALTER TABLE … ADD COLUMN; existing rows get NULL):
 * table → column → its type.
 */
const ADDED_COLUMNS: Record<string, Record<string, string>> = {
  results: { code_version: 'TEXT' },
  run_items: { code_version: 'TEXT' },
};

function addMissingColumns(db: Database.Database): void {
  const missing = (): [string, string, string][] =>
    Object.entries(ADDED_COLUMNS).flatMap(([table, columns]) => {
      const have = new Set(db.prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table}')`).all().map((c) => c.name));
      return Object.entries(columns).filter(([c]) => !have.has(c)).map(([c, type]): [string, string, string] => [table, c, type]);
    });
  if (!missing().length) return;
  // Checked again under the write lock: two processes opening one old store add each column once.
  db.transaction(() => {
    for (const [table, column, type] of missing()) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
  }).immediate();
}

/** How long a queued write waits for the next group commit at most, in ms (see RunStore.queueResult). */
export const GROUP_COMMIT_MS = 50;
/** How long the secret values read from the environment are reused for scrubbing queued writes, in ms. */
const SECRETS_FRESH_MS = 1000;
/** Queued writes that trigger a group commit at once. */
export const GROUP_COMMIT_MAX = 256;

/** A lease asked for with `requestLease`, decided with the others of its batch. */
interface LeaseRequest {
  key: ResultKey;
  owner: string;
  ttlMs: number;
  reusable: (r: ResultRow) => boolean;
  reserve?: () => boolean;
  resolve?: (o: LeaseOutcome) => void;
  reject?: (e: unknown) => void;
}

/** One queued write of a group commit; `fail` handles its own error (e.g. a constraint) without failing the batch. */
interface QueuedWrite {
  run(): void;
  fail?: (e: unknown) => boolean;
}

/**
 * The workspace's SQLite run store, WAL with synchronous=NORMAL (durable across process crashes; only an
 * OS crash can lose the last transactions, never corrupt the file).
 *
 * Writes of a run's hot path (results, run items, budget settlements: `queueResult`, `queueItem`,
 * `settleBudget`) are a **group commit**: queued and committed together in one transaction at most
 * GROUP_COMMIT_MS after the first of them, when GROUP_COMMIT_MAX are queued, or with the next transaction
 * the store makes anyway (a lease, a budget reservation, a heartbeat, the run's end, `flush`, `close`).
 * A `kill -9` loses at most the queued writes (one batch: results of the last ≤ GROUP_COMMIT_MS); their
 * calls' leases die with the process and their keys have no result, so a rerun makes exactly those calls
 * again. Every other write, and every read of the store's own data, sees the queue committed first
 * (`getResult` also answers from the queue).
 */
export class RunStore {
  readonly db: Database.Database;
  private readonly stmts;
  private queued: QueuedWrite[] = [];
  /** Results in the queue by key, so that the store reads its own writes before they are committed. */
  private readonly queuedResults = new Map<string, ResultRow>();
  private commitTimer: NodeJS.Timeout | undefined;
  /** A group commit that failed from the timer: thrown by the next write or flush (nothing of it was committed). */
  private commitError: unknown;
  private batchSecrets: readonly string[] | undefined;
  private secretsReadAt = 0;
  private leaseRequests: Required<LeaseRequest>[] = [];
  /** Keys of corrupt `results` rows met so far (checkResultRow) → the problem; each is warned about once. */
  private readonly corrupt = new Map<string, string>();
  private readonly onWarning: (line: string) => void;
  /** Opened with `readOnly` (a reading command: export, report): nothing is ever written, not even the schema. */
  readonly readOnly: boolean;
  /** The folder of the temporary copy a read-only store is read from when its own folder cannot be written. */
  private readCopyDir: string | undefined;
  /** Runs a read-only store found dead (markDeadRunsInterrupted) and reads as interrupted without writing. */
  private readonly deadInMemory = new Set<string>();

  /**
   * Opens (creating if needed) the store; InputError naming `path` when it is not a usable SQLite store.
   * `readOnly`: opens an existing store without writing to it (the file and its folder may be read-only).
   * `onWarning`: gets each warning line (a corrupt row not served); default: printed on stderr as `asrfair: warning: …`.
   */
  constructor(readonly path: string, opts: { readOnly?: boolean; onWarning?: (line: string) => void } = {}) {
    this.readOnly = opts.readOnly === true;
    this.onWarning = opts.onWarning ?? ((line) => process.stderr.write(`asrfair: warning: ${escapeControl(line)}\n`));
    try {
      if (this.readOnly) {
        const ro = openReadOnly(path);
        this.db = ro.db;
        this.readCopyDir = ro.tempDir;
      } else {
        if (path !== ':memory:') makeOutputDir(dirname(path), 'folder of the run store');
        this.db = new Database(path);
        this.db.pragma('journal_mode = WAL');
        this.db.pragma('synchronous = NORMAL');
        this.db.pragma('busy_timeout = 10000');
        this.db.pragma('foreign_keys = ON');
        this.db.exec(SCHEMA);
        addMissingColumns(this.db);
      }
    } catch (e) {
      throw new InputError(path, undefined, `cannot open the run store${this.readOnly ? ' to read it' : ''}: ${storeErrorText(e)}`);
    }
    OPEN_STORES.add(path);
    this.stmts = {
      getResult: this.db.prepare<[string, string, string], ResultDbRow>(
        'SELECT * FROM results WHERE backend_key = ? AND condition_key = ? AND audio_sha256 = ?',
      ),
      // A stored ok result is final: a later failure (another process, a retried transient error) never replaces it.
      putResult: this.db.prepare(
        `INSERT INTO results (backend_key, condition_key, audio_sha256, status, hypothesis, words_json,
           phones_json, raw_json, latency_ms, cost_usd, duration_sec, error, retryable, attempts, created_at, code_version)
         VALUES (@backendKey, @conditionKey, @audioSha256, @status, @hypothesis, @words, @phones, @raw, @latencyMs,
           @costUsd, @durationSec, @error, @retryable, @attempts, @createdAt, @codeVersion)
         ${RESULT_UPSERT_KEEPING_OK}`,
      ),
      getLease: this.db.prepare<[string, string, string], { owner: string; expires_ms: number }>(
        'SELECT owner, expires_ms FROM leases WHERE backend_key = ? AND condition_key = ? AND audio_sha256 = ?',
      ),
      putLease: this.db.prepare(
        `INSERT OR REPLACE INTO leases (backend_key, condition_key, audio_sha256, owner, expires_ms) VALUES (?, ?, ?, ?, ?)`,
      ),
      dropLease: this.db.prepare('DELETE FROM leases WHERE backend_key = ? AND condition_key = ? AND audio_sha256 = ? AND owner = ?'),
      renewLeases: this.db.prepare('UPDATE leases SET expires_ms = ? WHERE owner = ?'),
      liveStart: this.db.prepare(
        'INSERT OR REPLACE INTO run_live (run_id, owner, started_ms, heartbeat_ms, expected_json) VALUES (?, ?, ?, ?, ?)',
      ),
      liveBeat: this.db.prepare('UPDATE run_live SET heartbeat_ms = ? WHERE run_id = ?'),
      liveEnd: this.db.prepare('UPDATE run_live SET ended_ms = ?, reserved_usd = 0 WHERE run_id = ?'),
      liveGet: this.db.prepare<[string], { run_id: string; owner: string; started_ms: number; ended_ms: number | null; heartbeat_ms: number; reserved_usd: number; spent_usd: number; expected_json: string | null }>(
        'SELECT * FROM run_live WHERE run_id = ?',
      ),
      liveOverlapping: this.db.prepare<[number], { run_id: string; owner: string; ended_ms: number | null; heartbeat_ms: number; reserved_usd: number; spent_usd: number }>(
        'SELECT run_id, owner, ended_ms, heartbeat_ms, reserved_usd, spent_usd FROM run_live WHERE ended_ms IS NULL OR ended_ms >= ?',
      ),
      liveReserve: this.db.prepare('UPDATE run_live SET reserved_usd = MAX(0, reserved_usd + ?), spent_usd = spent_usd + ? WHERE run_id = ?'),
      runningRuns: this.db.prepare<[], { run_id: string; owner: string | null; heartbeat_ms: number | null }>(
        `SELECT r.run_id, l.owner, l.heartbeat_ms FROM runs r LEFT JOIN run_live l ON l.run_id = r.run_id WHERE r.status = 'running'`,
      ),
      putItem: this.db.prepare(
        `INSERT INTO run_items (run_id, seq, utt_id, backend_name, backend_key, condition_name, condition_key,
           audio_sha256, error, utt_json, code_version)
         VALUES (@runId, @seq, @uttId, @backendName, @backendKey, @conditionName, @conditionKey, @audioSha256, @error, @utt,
           @codeVersion)`,
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
      items: this.db.prepare<[string], RunItemDbRow & Partial<ResultDbRow> & { r_status: string | null; r_error: string | null; r_code_version: string | null }>(
        `SELECT i.*, r.status AS r_status, r.hypothesis, r.words_json, r.phones_json, r.raw_json, r.latency_ms,
           r.cost_usd, r.duration_sec, r.error AS r_error, r.retryable, r.attempts, r.created_at,
           r.code_version AS r_code_version
         FROM run_items i LEFT JOIN results r
           ON r.backend_key = i.backend_key AND r.condition_key = i.condition_key AND r.audio_sha256 = i.audio_sha256
         WHERE i.run_id = ? ORDER BY i.seq, i.backend_name, i.condition_name`,
      ),
      getQc: this.db.prepare<[string], { qc_json: string }>('SELECT qc_json FROM audio_qc WHERE audio_sha256 = ?'),
      putQc: this.db.prepare('INSERT OR REPLACE INTO audio_qc (audio_sha256, qc_json) VALUES (?, ?)'),
      countItems: this.db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM run_items WHERE run_id = ?'),
      dropResult: this.readOnly ? undefined : this.db.prepare('DELETE FROM results WHERE backend_key = ? AND condition_key = ? AND audio_sha256 = ?'),
    };
  }

  /**
   * The result stored (or queued for the next group commit) under `key`. A corrupt row (checkResultRow) is never
   * served: it is warned about once (store file, table, backend key, audio key and the problem), counted
   * (`corruptRows`) and answered as missing, so a run decodes that key again and its new result replaces the row.
   */
  getResult(key: ResultKey): ResultRow | undefined {
    const q = this.queuedResults.size ? this.queuedResults.get(resultKeyString(key)) : undefined;
    if (q) return q;
    const r = this.stmts.getResult.get(key.backendKey, key.conditionKey, key.audioSha256);
    return r ? this.checked(r, 'decoded again') : undefined;
  }

  /** The row, or undefined (warned about once and counted) when it is corrupt. `then` says what happens instead. */
  private checked(r: ResultDbRow, then: string): ResultRow | undefined {
    const c = checkResultRow(r);
    if ('row' in c) return c.row;
    const k = resultKeyString({ backendKey: r.backend_key, conditionKey: r.condition_key, audioSha256: r.audio_sha256 });
    if (!this.corrupt.has(k)) {
      this.corrupt.set(k, c.problem);
      this.onWarning(`${this.path}: corrupt results row (backend ${r.backend_key}, condition ${r.condition_key}, audio ${r.audio_sha256}): ${c.problem}; not served (${then})`);
    }
    return undefined;
  }

  /** Corrupt `results` rows met by this store object so far (each warned about once), with their problems. */
  corruptRows(): { backendKey: string; conditionKey: string; audioSha256: string; problem: string }[] {
    return [...this.corrupt].map(([k, problem]) => {
      const [backendKey, conditionKey, audioSha256] = k.split('\u0000');
      return { backendKey: backendKey!, conditionKey: conditionKey!, audioSha256: audioSha256!, problem };
    });
  }

  /** Deletes the row under `key` when it is (still) corrupt, so that a new result can take its place. */
  private dropIfCorrupt(key: ResultKey): void {
    if (!this.corrupt.has(resultKeyString(key))) return;
    const r = this.stmts.getResult.get(key.backendKey, key.conditionKey, key.audioSha256);
    if (r && 'problem' in checkResultRow(r)) this.stmts.dropResult?.run(key.backendKey, key.conditionKey, key.audioSha256);
  }

  /**
   * Queues one result for the next group commit (see the class comment), with `owner`'s lease on its key released
   * in the same transaction, and returns the row as queued. A stored ok result is never replaced when the batch
   * commits (RESULT_UPSERT_KEEPING_OK). Throws a previous group commit's error (then nothing is queued).
   */
  queueResult(r: NewResult, owner?: string): ResultRow {
    this.throwCommitError();
    const { row, params } = this.resultRow(r, this.queueSecrets());
    const k = resultKeyString(r);
    const queued = this.queuedResults.get(k);
    // An ok result already queued under the key stays, as a stored one would.
    const kept = keeps(queued, row);
    if (!kept) this.queuedResults.set(k, row);
    this.enqueue({
      run: () => {
        this.dropIfCorrupt(r);
        this.stmts.putResult.run(params);
        if (owner !== undefined) this.stmts.dropLease.run(r.backendKey, r.conditionKey, r.audioSha256, owner);
      },
    });
    return kept ? queued : row;
  }

  /**
   * Queues a run item for the next group commit. `onError` gets an error of this item alone (a duplicate key:
   * SQLITE_CONSTRAINT_PRIMARYKEY) and returns true when it handled it; the rest of the batch commits. Any other
   * error fails the whole batch (nothing of it committed) and is thrown by the commit.
   */
  queueItem(item: RunItem, onError?: (e: unknown) => boolean): void {
    this.throwCommitError();
    const params = this.itemParams(item, this.queueSecrets());
    this.enqueue({ run: () => this.stmts.putItem.run(params), fail: onError });
  }

  /**
   * Secret values to scrub from queued writes: read from the environment (slow: every variable) at most once per
   * SECRETS_FRESH_MS, not once per row.
   */
  private queueSecrets(): readonly string[] {
    const now = performance.now();
    if (!this.batchSecrets || now - this.secretsReadAt > SECRETS_FRESH_MS) {
      this.batchSecrets = secretValues();
      this.secretsReadAt = now;
    }
    return this.batchSecrets;
  }

  /**
   * Commits every queued write in one IMMEDIATE transaction (a no-op when none is queued). Throws the commit's
   * error (and a previous timer commit's); then none of those writes is stored.
   */
  flush(): void {
    this.throwCommitError();
    if (!this.queued.length) return;
    const writes = this.queued;
    try {
      this.db.transaction(() => this.applyQueued()).immediate();
    } catch (e) {
      this.salvage(writes, e);
      throw e;
    }
  }

  /**
   * After a group commit failed on a full disk: commits its writes one transaction each, in order, until one does
   * not fit, so that results already paid for are kept as far as the space allows (the rerun makes only the rest).
   */
  private salvage(writes: readonly QueuedWrite[], error: unknown): void {
    if ((error as { code?: string })?.code !== 'SQLITE_FULL') return;
    for (const w of writes) {
      try {
        this.db
          .transaction(() => {
            try {
              w.run();
            } catch (e) {
              if (!w.fail?.(e)) throw e;
            }
          })
          .immediate();
      } catch {
        return;
      }
    }
  }

  private enqueue(w: QueuedWrite): void {
    this.queued.push(w);
    if (this.queued.length >= GROUP_COMMIT_MAX) {
      this.flush();
      return;
    }
    if (!this.commitTimer) {
      this.commitTimer = setTimeout(() => {
        this.commitTimer = undefined;
        try {
          this.flush();
        } catch (e) {
          this.commitError ??= e;
        }
      }, GROUP_COMMIT_MS);
      this.commitTimer.unref();
    }
  }

  private throwCommitError(): void {
    if (this.commitError === undefined) return;
    const e = this.commitError;
    this.commitError = undefined;
    throw e;
  }

  /**
   * Runs the queued writes inside the caller's transaction. The queue is emptied first: when the transaction
   * fails, its writes are lost with it (as a crash would lose them), never committed twice.
   */
  private applyQueued(): void {
    if (!this.queued.length) return;
    const writes = this.queued;
    this.queued = [];
    this.queuedResults.clear();
    clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    for (const w of writes) {
      try {
        w.run();
      } catch (e) {
        if (!w.fail?.(e)) throw e;
      }
    }
  }

  /**
   * An IMMEDIATE transaction that commits the queued writes first. When it fails after taking them, they are
   * lost: the error is also kept for the next write or flush to throw, so that a caller that shrugs off its own
   * failure (a heartbeat) does not hide lost results.
   */
  private tx<T>(fn: () => T): T {
    this.throwCommitError();
    let took = false;
    const writes = this.queued;
    try {
      return this.db
        .transaction((): T => {
          took = this.queued.length > 0;
          this.applyQueued();
          return fn();
        })
        .immediate();
    } catch (e) {
      if (took) {
        this.salvage(writes, e);
        this.commitError ??= e;
      }
      throw e;
    }
  }

  /**
   * Commits one result (secrets scrubbed from hypothesis, words, raw and error) and returns the row the
   * store now holds under its key: a stored ok result is never replaced, so when the key already had an
   * ok result (another process finished first) that row is returned and `r` is dropped.
   * With `owner`, that owner's lease on the key is released in the same transaction.
   */
  putResult(r: NewResult, owner?: string): ResultRow {
    const { params } = this.resultRow(r, secretValues());
    return this.tx((): ResultRow => {
      this.dropIfCorrupt(r);
      this.stmts.putResult.run(params);
      if (owner !== undefined) this.stmts.dropLease.run(r.backendKey, r.conditionKey, r.audioSha256, owner);
      return this.getResult(r)!;
    });
  }

  /**
   * A result as the store keeps it (credentials a server or command echoed into transcript, words, raw or error
   * scrubbed) and the statement parameters that store it.
   */
  private resultRow(given: NewResult, secrets: readonly string[]): { row: ResultRow; params: Record<string, unknown> } {
    // An ok result whose transcript holds a credential is stored as a failure: scrubbed, it would score "[redacted]".
    const r = given.status === 'ok' && transcriptHasCredential(given.hypothesis, given.words, secrets) ? credentialFailure(given) : given;
    const row: ResultRow = {
      ...r,
      // A transcript is words: only known secret values are looked for (an ok one holding any is a failure above),
      // never scrubString's token patterns, which would rewrite speech such as "Bearer instruments" silently.
      hypothesis: r.hypothesis === null ? null : scrubValues(r.hypothesis, secrets),
      words: r.words ? r.words.map((w) => ({ ...w, word: scrubValues(w.word, secrets) })) : null,
      raw: r.raw === undefined || r.raw === null ? null : stripSecrets(r.raw, secrets),
      error: r.error === null ? null : scrubString(r.error, secrets),
      createdAt: new Date().toISOString(),
      codeVersion: r.codeVersion ?? null,
    };
    const params = {
      backendKey: row.backendKey,
      conditionKey: row.conditionKey,
      audioSha256: row.audioSha256,
      status: row.status,
      hypothesis: row.hypothesis,
      words: row.words ? JSON.stringify(row.words) : null,
      phones: row.phones ? JSON.stringify(row.phones) : null,
      raw: row.raw === null ? null : JSON.stringify(row.raw),
      latencyMs: row.latencyMs,
      costUsd: row.costUsd,
      durationSec: row.durationSec,
      error: row.error,
      retryable: row.retryable ? 1 : 0,
      attempts: row.attempts,
      createdAt: row.createdAt,
      codeVersion: row.codeVersion,
    };
    return { row, params };
  }

  /**
   * Takes the lease on a result key for `owner`, in one IMMEDIATE transaction, unless the key already
   * has a result `reusable` accepts (→ `done`) or a live lease of another owner (→ `busy`). A lease is
   * dead when it expired (its owner stopped renewing it) or its owner is a process on this host that no
   * longer exists; dead leases are taken over. `ttlMs`: how long the lease lives without renewal.
   */
  acquireLease(key: ResultKey, owner: string, ttlMs: number, reusable: (r: ResultRow) => boolean): LeaseOutcome {
    return this.tx(() => this.takeLease({ key, owner, ttlMs, reusable }));
  }

  /**
   * `acquireLease`, batched: the requests made in one turn of the event loop are decided in one IMMEDIATE
   * transaction (with the queued writes), each exactly as `acquireLease` decides it. `reserve` (e.g. the run's
   * budget reservation, which may write to this store in the same transaction) runs only where the lease would
   * be taken; when it returns false no lease is taken (→ `refused`). Rejects every request of the batch with
   * the store's error when that transaction fails (then no lease of it was taken).
   */
  requestLease(key: ResultKey, owner: string, ttlMs: number, reusable: (r: ResultRow) => boolean, reserve?: () => boolean): Promise<LeaseOutcome> {
    return new Promise((resolve, reject) => {
      this.leaseRequests.push({ key, owner, ttlMs, reusable, reserve: reserve ?? (() => true), resolve, reject });
      if (this.leaseRequests.length === 1) setImmediate(() => this.takeRequestedLeases());
    });
  }

  private takeRequestedLeases(): void {
    const reqs = this.leaseRequests;
    this.leaseRequests = [];
    let outcomes: LeaseOutcome[];
    try {
      outcomes = this.tx(() => reqs.map((r) => this.takeLease(r)));
    } catch (e) {
      for (const r of reqs) r.reject(e);
      return;
    }
    reqs.forEach((r, i) => r.resolve(outcomes[i]!));
  }

  private takeLease(r: LeaseRequest): LeaseOutcome {
    const { key, owner } = r;
    const existing = this.getResult(key);
    if (existing && r.reusable(existing)) return { kind: 'done', row: existing };
    const now = Date.now();
    const lease = this.stmts.getLease.get(key.backendKey, key.conditionKey, key.audioSha256);
    if (lease && lease.owner !== owner && lease.expires_ms > now && ownerAlive(lease.owner)) return { kind: 'busy', owner: lease.owner };
    if (r.reserve && !r.reserve()) return { kind: 'refused' };
    this.stmts.putLease.run(key.backendKey, key.conditionKey, key.audioSha256, owner, now + r.ttlMs);
    return { kind: 'taken' };
  }

  /** Gives a lease back without a result (the call did not happen or was abandoned). */
  releaseLease(key: ResultKey, owner: string): void {
    this.stmts.dropLease.run(key.backendKey, key.conditionKey, key.audioSha256, owner);
  }

  /** Extends every lease of `owner` and its run's heartbeat by `ttlMs` from now. */
  heartbeat(owner: string, runId: string, ttlMs: number): void {
    const now = Date.now();
    this.tx(() => {
      this.stmts.renewLeases.run(now + ttlMs, owner);
      this.stmts.liveBeat.run(now, runId);
    });
  }

  /**
   * Reserves `estimateUsd` against a cost cap shared by every run of this store that overlaps this one
   * in time (running now, or ended after this run started): spent money of those runs plus the live
   * reservations of those still alive plus the estimate must stay within `maxUsd`. One IMMEDIATE
   * transaction, so two processes cannot both take the last dollar. False (nothing reserved) otherwise.
   */
  reserveBudget(runId: string, maxUsd: number, estimateUsd: number, liveMs: number): boolean {
    return this.tx((): boolean => {
      const me = this.stmts.liveGet.get(runId);
      if (!me) return true;
      const now = Date.now();
      let total = 0;
      for (const r of this.stmts.liveOverlapping.all(me.started_ms)) {
        total += r.spent_usd;
        const alive = r.run_id === runId || (r.ended_ms === null && r.heartbeat_ms + liveMs > now && ownerAlive(r.owner));
        if (alive) total += r.reserved_usd;
      }
      if (total + estimateUsd > maxUsd + 1e-12) return false;
      this.stmts.liveReserve.run(estimateUsd, 0, runId);
      return true;
    });
  }

  /**
   * Releases a reservation and books `spentUsd` (0 for a call that did not happen), in the next group commit
   * (with the call's result: a `kill -9` loses both or neither). Nothing to book (both 0) writes nothing.
   */
  settleBudget(runId: string, estimateUsd: number, spentUsd: number): void {
    if (estimateUsd === 0 && spentUsd === 0) return;
    this.throwCommitError();
    this.enqueue({ run: () => this.stmts.liveReserve.run(-estimateUsd, spentUsd, runId) });
  }

  /** What the run expects to contain (items, and utterances per group), recorded at its start. */
  expectedOf(runId: string): RunExpected | undefined {
    this.flush();
    const r = this.stmts.liveGet.get(runId);
    if (!r?.expected_json) return undefined;
    const e = expectedJsonSchema.safeParse(r.expected_json);
    if (!e.success) throw new InputError(this.path, undefined, `corrupt run_live row (run ${runId}): ${rowProblem(e.error, 'expected_json')}`);
    return e.data as unknown as RunExpected;
  }

  /**
   * Marks runs left `running` by a process that no longer lives (killed, machine lost: no heartbeat
   * for `liveMs`, or a dead pid on this host) as `interrupted`. Returns their ids.
   */
  markDeadRunsInterrupted(liveMs: number): string[] {
    const now = Date.now();
    const dead: string[] = [];
    if (this.readOnly) {
      // Nothing is written: the dead runs read as `interrupted` through this object (getRun, listRuns).
      for (const r of this.stmts.runningRuns.all()) {
        if (r.owner === null || r.heartbeat_ms === null) continue;
        if (r.heartbeat_ms + liveMs > now && ownerAlive(r.owner)) continue;
        this.deadInMemory.add(r.run_id);
        dead.push(r.run_id);
      }
      return dead;
    }
    this.tx(() => {
      for (const r of this.stmts.runningRuns.all()) {
        if (r.owner === null || r.heartbeat_ms === null) continue;
        if (r.heartbeat_ms + liveMs > now && ownerAlive(r.owner)) continue;
        this.stmts.endRun.run(new Date().toISOString(), 'interrupted', null, r.run_id);
        this.stmts.liveEnd.run(now, r.run_id);
        dead.push(r.run_id);
      }
    });
    return dead;
  }

  /** Audio QC of prepared audio, cached by content hash (QC is a property of the bytes). */
  getQc<T>(audioSha256: string): T | undefined {
    const r = this.stmts.getQc.get(audioSha256);
    if (!r) return undefined;
    const q = qcJsonSchema.safeParse(r.qc_json);
    if (q.success) return q.data as T;
    this.onWarning(`${this.path}: corrupt audio_qc row (audio ${audioSha256}): ${rowProblem(q.error, 'qc_json')}; not used (measured again)`);
    return undefined;
  }

  putQc(audioSha256: string, qc: unknown): void {
    this.stmts.putQc.run(audioSha256, JSON.stringify(qc));
  }

  /** Commits one run item at once (queued writes first); see `queueItem` for the hot path. */
  putItem(item: RunItem): void {
    if (this.queued.length) this.flush();
    this.stmts.putItem.run(this.itemParams(item, secretValues()));
  }

  private itemParams(item: RunItem, secrets: readonly string[]): Record<string, unknown> {
    return {
      runId: item.runId,
      seq: item.seq,
      uttId: item.uttId,
      backendName: item.backendName,
      backendKey: item.backendKey,
      conditionName: item.conditionName,
      conditionKey: item.conditionKey,
      audioSha256: item.audioSha256,
      error: item.error === null ? null : scrubString(item.error, secrets),
      utt: JSON.stringify(item.utt),
      codeVersion: item.codeVersion ?? null,
    };
  }

  /** Records a run as running; with `live`, also its owner (for leases, the shared budget and crash detection). */
  startRun(run: Omit<RunRecord, 'endedAt' | 'status'>, live?: { owner: string; expected?: RunExpected }): void {
    this.tx(() => {
      this.stmts.putRun.run({ ...run, suite: JSON.stringify(run.suite), meta: JSON.stringify(run.meta), endedAt: null, status: 'running', outDir: run.outDir });
      if (live) {
        const now = Date.now();
        this.stmts.liveStart.run(run.runId, live.owner, now, now, live.expected ? JSON.stringify(live.expected) : null);
      }
    });
  }

  endRun(runId: string, status: string, outDir?: string): void {
    this.tx(() => {
      this.stmts.endRun.run(new Date().toISOString(), status, outDir ?? null, runId);
      this.stmts.liveEnd.run(Date.now(), runId);
    });
  }

  private asRead(r: RunRecord): RunRecord {
    return this.deadInMemory.has(r.runId) ? { ...r, status: 'interrupted' } : r;
  }

  /** The run's record; InputError naming the store and run when its row is corrupt (suite_json, meta_json). */
  getRun(runId: string): RunRecord | undefined {
    this.flush();
    const r = this.stmts.getRun.get(runId);
    return r ? this.asRead(toRun(r, this.path)) : undefined;
  }

  listRuns(): RunRecord[] {
    this.flush();
    return this.stmts.listRuns.all().map((r) => this.asRead(toRun(r, this.path)));
  }

  countItems(runId: string): number {
    this.flush();
    return this.stmts.countItems.get(runId)?.n ?? 0;
  }

  /**
   * Streams a run's items joined with their results, in manifest order, without loading the run whole. An item whose
   * result was replaced since by a result of another code version (a later run of another asrfair decoded it again)
   * has no result and says so in its `error`: the run never shows another version's result as its own.
   */
  *iterateRun(runId: string): Generator<RunItemResult> {
    this.flush();
    for (const r of this.stmts.items.iterate(runId)) {
      const item = toItem(r, this.path);
      if (r.r_status !== null && item.audioSha256 !== null && r.r_code_version !== r.code_version) {
        const made = r.r_code_version ?? 'an unstamped asrfair';
        const error = `its result was replaced since: the store now holds a decode by another asrfair code version (${made}); rerun the suite to score that one`;
        yield { ...item, error, result: null };
        continue;
      }
      if (r.r_status === null || item.audioSha256 === null) {
        yield { ...item, result: null };
        continue;
      }
      const joined: ResultDbRow = { ...(r as unknown as ResultDbRow), backend_key: item.backendKey, condition_key: item.conditionKey, status: r.r_status, error: r.r_error, audio_sha256: item.audioSha256, code_version: r.r_code_version };
      const result = this.checked(joined, 'counted as a failed result of this run; rerun the suite to decode it again');
      if (!result) {
        yield { ...item, error: `its stored result is corrupt (${this.corrupt.get(resultKeyString({ backendKey: item.backendKey, conditionKey: item.conditionKey, audioSha256: item.audioSha256 }))}); rerun the suite to decode it again`, result: null };
        continue;
      }
      yield { ...item, result };
    }
  }

  integrityCheck(): string {
    return String(this.db.pragma('integrity_check', { simple: true }));
  }

  /** Commits the queued writes, then closes the database (it stays closed even when that commit fails, which throws). */
  close(): void {
    try {
      if (this.db.open) this.flush();
    } finally {
      clearTimeout(this.commitTimer);
      this.commitTimer = undefined;
      if (this.db.open) this.db.close();
      if (this.readCopyDir) removeTempDir(this.readCopyDir);
      this.readCopyDir = undefined;
    }
  }
}

/**
 * `r` as the failure of an ok result whose transcript contained a credential (CREDENTIAL_FAILURE_ERROR): no hypothesis,
 * words or phones, raw kept (scrubbed when stored; a queue's worker drops it, src/scaleout/queue-redact.ts), not
 * retryable (the same tool prints the same secret again), `costUsd` kept: the call was made and paid for. The one
 * definition of that failure for the store, the engine's executor path and the queue's workers.
 */
export function credentialFailure<T extends Omit<NewResult, keyof ResultKey>>(r: T): T {
  return { ...r, status: 'failed', hypothesis: null, words: null, phones: null, error: CREDENTIAL_FAILURE_ERROR, retryable: false, costUsd: r.costUsd };
}

function resultKeyString(k: ResultKey): string {
  return `${k.backendKey}\u0000${k.conditionKey}\u0000${k.audioSha256}`;
}

/**
 * Opens an existing store for reading only. SQLite cannot read a WAL store in place when its folder cannot be written
 * (SQLITE_READONLY_DIRECTORY: the -shm index cannot be made), so such a store is read from a private temporary copy
 * (with its -wal file, when there is one); `tempDir` is that copy's folder, removed by `close`.
 */
function openReadOnly(path: string): { db: Database.Database; tempDir?: string } {
  if (!existsSync(path)) throw Object.assign(new Error(`${path} does not exist`), { code: 'SQLITE_CANTOPEN' });
  const usable = (db: Database.Database): Database.Database => {
    try {
      db.prepare('SELECT COUNT(*) FROM sqlite_master').get();
      return db;
    } catch (e) {
      db.close();
      throw e;
    }
  };
  try {
    return { db: usable(new Database(path, { readonly: true, fileMustExist: true })) };
  } catch (e) {
    const code = String((e as { code?: string }).code ?? '');
    if (!code.startsWith('SQLITE_READONLY') && !code.startsWith('SQLITE_CANTOPEN')) throw e;
  }
  const tempDir = makeTempDir('asrfair-store-ro-');
  try {
    const copy = join(tempDir, 'store.sqlite');
    copyFileSync(path, copy);
    if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`);
    return { db: usable(new Database(copy, { readonly: true, fileMustExist: true })), tempDir };
  } catch (e) {
    removeTempDir(tempDir);
    throw e;
  }
}

const OPEN_STORES = new Set<string>();

/** Paths of the run stores this process opened (the CLI names them when SQLite fails mid-command). */
export function openStorePaths(): string[] {
  return [...OPEN_STORES];
}

/** One line for a SQLite or file-system error on a store (what went wrong, in words). */
export function storeErrorText(e: unknown): string {
  const code = String((e as { code?: string }).code ?? '');
  const msg = (e as Error)?.message ?? String(e);
  if (code === 'SQLITE_NOTADB') return 'not a SQLite database (is --store pointing at the right file?)';
  if (code.startsWith('SQLITE_CORRUPT')) return `the database file is corrupt (${msg}); restore it or start a new store`;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') return 'the disk is full; nothing partial was committed (free space and rerun to resume)';
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || code === 'EACCES') return `cannot write (read-only file or folder: ${msg})`;
  if (code.startsWith('SQLITE_CANTOPEN')) return `cannot open the file (${msg})`;
  return msg;
}

/** The outcome of asking for a lease on a result key. */
export type LeaseOutcome = { kind: 'taken' } | { kind: 'busy'; owner: string } | { kind: 'done'; row: ResultRow } | { kind: 'refused' };

/** What a run set out to do: `items` = utterances × backends × conditions; `groups[key][group]` = utterances. */
export interface RunExpected {
  items: number;
  utterances: number;
  groups: Record<string, Record<string, number>>;
}

/** This process as a lease owner: `host:pid:tag`. */
export function leaseOwner(tag: string): string {
  return `${hostname()}:${process.pid}:${tag}`;
}

/**
 * False only when the owner (`host:pid[:tag]`, as {@link leaseOwner} makes it) is a process on this host that no longer
 * exists (other hosts: trust the expiry).
 */
export function ownerAlive(owner: string): boolean {
  const [host, pidText] = owner.split(':');
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0) return true;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function toRun(r: Record<string, unknown>, storePath: string): RunRecord {
  const suite = suiteJsonSchema.safeParse(r.suite_json);
  const meta = r.meta_json ? metaJsonSchema.safeParse(r.meta_json) : { success: true as const, data: { backends: [], conditions: [] } };
  const bad = !suite.success ? rowProblem(suite.error, 'suite_json') : !meta.success ? rowProblem(meta.error, 'meta_json') : undefined;
  if (bad) throw new InputError(storePath, undefined, `corrupt runs row (run ${String(r.run_id)}): ${bad}; the run cannot be read`);
  return {
    runId: String(r.run_id),
    suiteName: String(r.suite_name),
    suitePath: String(r.suite_path),
    suite: suite.data,
    corpusHash: String(r.corpus_hash),
    toolVersion: String(r.tool_version),
    normaliser: String(r.normaliser),
    normaliserVersion: String(r.normaliser_version),
    seed: Number(r.seed),
    startedAt: String(r.started_at),
    endedAt: r.ended_at === null ? null : String(r.ended_at),
    status: String(r.status),
    outDir: r.out_dir === null ? null : String(r.out_dir),
    meta: meta.data as unknown as RunResolved,
  };
}
