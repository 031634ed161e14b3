import { cpus } from 'node:os';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { setMaxListeners } from 'node:events';
import type { BackendFactory } from '../backends/registry.ts';
import { InputError, interruptingSignal } from '../manifest/errors.ts';
import { BadInputLog } from '../manifest/bad-input.ts';
import { escapeControl } from '../manifest/escape.ts';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { readManifest } from '../manifest/jsonl.ts';
import { LabelMapper, loadLabelMap } from '../manifest/labelmap.ts';
import type { LabelBinner } from '../manifest/bins.ts';
import { groupingOf, newBinner, runLabels } from './labels.ts';
import { hasAudio, speakerOf, type ManifestEntry } from '../manifest/schema.ts';
import { BackendConfigError, BackendError, type AudioRef, type Backend, type BackendInfo } from '../backends/types.ts';
import { languageOfTag } from '../backends/language.ts';
import { requestVersionOf } from '../backends/code-version.ts';
import { optionsHash } from '../backends/options.ts';
import { backendSubsetOf, subsetOf, type SubsetShard } from './subset.ts';
import { credentialFailure, leaseOwner, RunStore, type NewResult, type ResultKey, type ResultRow, type RunExpected, type RunItem, type RunUtterance } from './store.ts';
import type { BackendSpec, Suite } from './suite.ts';
import { CallAbandonedError, DEFAULT_RETRY, withRetries, type RetryPolicy } from './retry.ts';
import { Semaphore } from './semaphore.ts';
import { CostBudget, LIVE_MS, StoreBudget } from './budget.ts';
import { silentProgress, type ProgressSink } from './progress.ts';
import { CREDENTIAL_IN_OUTPUT, scrubString, transcriptHasCredential } from '../backends/secrets.ts';
import { countManifestLines, hashFiles } from './corpus.ts';
import { cleanOnlyBackends, resolveConditions, type ResolvedCondition } from './conditions.ts';
import { withSourceFacts } from '../audio/qc.ts';
import { audioFailureCause, callFailureCause, FailureCauses } from './failure-cause.ts';
import { defaultPrepare, defaultQc, type AudioQC, type PrepareFn, type QcFn, type PrepareOptions } from './prepare.ts';

/** A backend ready to run: its suite spec, instance and call settings. */
export interface RunBackend {
  spec: BackendSpec;
  backend: Backend;
  info: BackendInfo;
  concurrency: number;
  timeoutMs: number;
  retries: number;
  /** Built by the engine from the registry (so the engine closes it). */
  owned: boolean;
}

/** The text normaliser a run records (name and version; resolved by the caller from the text stage). */
export interface NormaliserId {
  name: string;
  version: string;
}

export interface RunOptions {
  suite: Suite;
  store: RunStore;
  /**
   * Stores opened read-only whose results this run reuses when its own store has none it may reuse (same key and
   * code version, as for its own store); a result found there is copied into `store`. `asrfair run --shard` passes the
   * workspace store (--store), so that a shard does not decode again what an earlier unsharded run stored.
   */
  cacheStores?: readonly RunStore[];
  /** The suite's normaliser, resolved (e.g. `getNormaliser(suite.normaliser)` from src/text). */
  normaliser: NormaliserId;
  /** Backend instances by suite name; built from the registry when absent. */
  backends?: Map<string, Backend>;
  /** Only these suite backend names (default: all). */
  backendNames?: string[];
  /** Overrides every backend's concurrency. */
  concurrency?: number;
  /** Stop after this many manifest utterances. */
  limit?: number;
  /** Overrides the suite's maxCostUsd. */
  maxCostUsd?: number;
  /** Retry every stored failure (not only transient ones). */
  retryFailed?: boolean;
  dryRun?: boolean;
  runId?: string;
  /** First Ctrl-C: start nothing new, let in-flight calls finish. */
  stop?: AbortSignal;
  /** Second Ctrl-C (or drain timeout): abandon in-flight calls. */
  hardStop?: AbortSignal;
  progress?: ProgressSink;
  prepare?: PrepareFn;
  /** Audio QC (default: the audio stage's qcAudio when the suite has qc on; cached in the store by audio hash). */
  qc?: QcFn | false;
  retryPolicy?: Partial<RetryPolicy>;
  /** Prepared-audio cache (default: suite.audioCacheDir, else .asrfair/audio next to the store). */
  audioCacheDir?: string;
  /** Parallel audio preparations (default: number of cores). */
  audioConcurrency?: number;
  toolVersion?: string;
  random?: () => number;
  /** Only manifest entries passing this run (e.g. one shard); seq stays the manifest position. */
  filter?: (entry: ManifestEntry) => boolean;
  /**
   * The shard `filter` keeps (`run --shard i/n`): the run is then recorded as a subset of the whole manifests
   * (meta and run.json `subset`, src/run/subset.ts), as a `limit` is.
   */
  subsetShard?: SubsetShard;
  /** Extra fields recorded in the run row's meta (e.g. `shard`). */
  runMeta?: Record<string, unknown>;
  /** Runs calls elsewhere (e.g. a Redis queue) instead of in-process; its result is committed here. */
  executor?: TranscribeExecutor;
  /**
   * Where each utterance whose audio fails is reported, naming the manifest file:line and the audio file
   * (default: a BadInputLog on `progress.log`). The caller closes it (`finish`) once it knows where the failures
   * are listed in full (the run export's results.jsonl).
   */
  badInput?: BadInputLog;
}

/**
 * A pluggable place where backend calls happen. It gets the prepared audio and result key and returns
 * the result to commit (retries, timeouts and attempts are its business), or undefined when the run
 * stopped before it finished.
 */
export type TranscribeExecutor = (
  /**
   * `storedAt`: when the row this call replaces was stored (ISO 8601, the store's `created_at`; absent when the key has
   * no row): an outcome that finished before then is the one already stored, not a new one (the queue keeps finished
   * jobs while coordinators overlap, see src/scaleout/queue-coordinator.ts).
   */
  req: { backend: RunBackend; audio: AudioRef; key: ResultKey; storedAt?: string },
  signals: { softStop: AbortSignal; hardStop: AbortSignal },
) => Promise<ExecutorResult | undefined>;

/**
 * An executor's result: the row to commit, plus what the engine needs to treat a remote failure as a
 * local one — the HTTP status of a failed call (the dead-backend rule) and whether it was a
 * configuration error (never stored; stops the run).
 */
export type ExecutorResult = NewResult & { httpStatus?: number | null; configError?: boolean };

/** Counts for one backend × condition cell. */
export interface CellCounts {
  backend: string;
  condition: string;
  /** Items seen (utterances reaching this cell). */
  total: number;
  /** Results reused from the store. */
  cached: number;
  /**
   * Stored results made by another code version of the backend's code (Backend.codeVersion; an older asrfair, or a
   * store without the stamp): not reused, decoded again (on a dry run: to do).
   */
  olderCode: number;
  /**
   * Stored ok results of an older code version (not in `olderCode`) of a remote backend whose request the current code would make alike
   * (Backend.requestVersion): their stored answers were read again by the current code (Backend.rereadAnswer), with no
   * call and no cost (on a dry run: would be). Counted in `cached`, not in `called`.
   */
  reread: number;
  /** Backend calls made (an utterance counts once however many attempts it took). */
  called: number;
  ok: number;
  failed: number;
  /** Audio could not be prepared. */
  audioFailed: number;
  /** Audio the backend cannot take (over its upload limit): failed without a call, counted by `--dry-run` too. */
  uploadRefused: number;
  /** Not done because the run stopped (Ctrl-C or budget). */
  skipped: number;
  /** Audio seconds of the items that were (or, on a dry run, would be) sent. */
  audioSecToDo: number;
  estCostUsd: number;
}

export type RunStatus = 'done' | 'interrupted' | 'budget' | 'dry-run';

/** Answers of an id-keyed backend (hypotheses) for utterances the manifest does not have. */
export interface UnmatchedAnswers {
  backend: string;
  count: number;
  /** The first few as `file:line (id)`. */
  examples: string[];
}

export interface RunSummary {
  runId: string;
  status: RunStatus;
  utterances: number;
  cells: CellCounts[];
  spentUsd: number;
  elapsedMs: number;
  corpusHash: string;
  backends: RunBackend[];
  conditions: ResolvedCondition[];
  /** Utterances without audio (text-only), answered by id-keyed backends only. */
  textOnly: number;
  /** Utterances whose audio was not opened because no backend reads audio (all hypotheses/CTM): no durations. */
  audioNotRead: number;
  /** Per id-keyed backend with answers for utterances not in the manifest (checked when the whole manifest ran). */
  unmatched: UnmatchedAnswers[];
  /**
   * Problems the user must see, one line each: a backend whose every call failed with the same 4xx (the CLI exits
   * non-zero), declared languages that differ from a backend's, uploads over a vendor's limit, stored results of
   * another asrfair code version decoded again (`older-code`).
   */
  notices: RunNotice[];
}

export interface RunNotice {
  /** `all-failed`: not one result of the run is ok (backend empty); the message gives the most frequent cause. */
  /** `corrupt-rows`: stored results of the backend that failed the store's row check (RunStore.getResult), not served. */
  kind: 'backend-failed' | 'language' | 'upload-limit' | 'older-code' | 'reread' | 'corrupt-rows' | 'all-failed';
  backend: string;
  message: string;
}

/** Final call failures printed one line each; the rest are counted in one closing line. */
const FAILED_CALLS_SHOWN = 10;
/** After this many calls of a backend in a row fail with one 4xx status and none succeeded, it is called no more. */
export const SAME_4XX_STOP_AFTER = 10;

/** Result-key content part of a text-only utterance (no audio to hash); the utterance id is appended. */
export const TEXT_ONLY_KEY = 'text-only';

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/** Builds (or takes) the suite's backends and resolves their call settings. */
export async function prepareBackends(suite: Suite, opts: Pick<RunOptions, 'backends' | 'backendNames' | 'concurrency'>): Promise<RunBackend[]> {
  let specs = suite.backends;
  if (opts.backendNames?.length) {
    const unknown = opts.backendNames.filter((n) => !specs.some((s) => s.name === n));
    if (unknown.length) throw new InputError(suite.file, undefined, `no backend named ${unknown.map((u) => `"${u}"`).join(', ')} (suite has ${specs.map((s) => s.name).join(', ')})`);
    specs = specs.filter((s) => opts.backendNames!.includes(s.name));
  }
  if (specs.some((s) => !opts.backends?.has(s.name))) await loadPlugins(suite);
  const out: RunBackend[] = [];
  for (const spec of specs) {
    let backend = opts.backends?.get(spec.name);
    const owned = !backend;
    if (!backend) {
      const { getBackendFactory } = await import('../backends/index.ts');
      try {
        backend = await getBackendFactory(spec.type).create(spec.options, { baseDir: dirname(suite.file) });
      } catch (e) {
        await closeOwned(out);
        throw new InputError(suite.file, undefined, `backend "${spec.name}" (${spec.type}): ${scrubString((e as Error).message)}`);
      }
    }
    out.push({
      spec,
      backend,
      info: await backend.info(),
      concurrency: opts.concurrency ?? spec.concurrency ?? suite.concurrency,
      timeoutMs: (spec.timeoutSec ?? suite.timeoutSec) * 1000,
      retries: spec.retries ?? suite.retries,
      owned,
    });
  }
  // Equal keys mean equal results (the key holds every option that changes them): one run cannot hold both.
  const byKey = new Map<string, string>();
  for (const b of out) {
    const other = byKey.get(b.backend.key);
    if (other !== undefined) {
      await closeOwned(out);
      throw new InputError(
        suite.file,
        undefined,
        `backends "${other}" and "${b.spec.name}" are the same recogniser (key ${b.backend.key}): they differ only in options that do not change results (e.g. where audio is uploaded); keep one`,
      );
    }
    byKey.set(b.backend.key, b.spec.name);
  }
  return out;
}

async function closeOwned(bs: RunBackend[]): Promise<void> {
  for (const b of bs) if (b.owned) await b.backend.close?.().catch(() => undefined);
}

/**
 * Imports the suite's plugin modules. A plugin registers backend types itself (registerBackend) or
 * default-exports a BackendFactory, which is registered here.
 */
export async function loadPlugins(suite: Pick<Suite, 'plugins' | 'file'>): Promise<void> {
  const { registerBackend } = await import('../backends/index.ts');
  for (const p of suite.plugins) {
    if (!existsSync(p)) throw new InputError(suite.file, undefined, `plugin not found: ${p}`);
    let mod: { default?: unknown };
    try {
      mod = (await import(pathToFileURL(p).href)) as { default?: unknown };
    } catch (e) {
      throw new InputError(p, undefined, `plugin failed to load: ${scrubString((e as Error)?.message ?? String(e)).split('\n')[0]}`);
    }
    const f = mod.default as Partial<BackendFactory> | undefined;
    if (f && typeof f === 'object' && typeof f.type === 'string' && typeof f.create === 'function') registerBackend(f as BackendFactory);
  }
}

/** How long a key's lease lives without renewal; renewed every third of it while the run lives. */
export const LEASE_MS = 30_000;
/** How often a run waiting for a key another process holds looks again, in ms. */
const LEASE_POLL_MS = 100;

function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((res) => {
    if (signal.aborted) return res(false);
    const onAbort = () => {
      clearTimeout(t);
      res(false);
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      res(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * What a run will contain when it completes: items (utterances × backends × conditions) and utterances
 * per group of each grouping and slice key, read from the manifests with the run's limit and filter.
 */
async function expectedOf(
  suite: Suite,
  opts: Pick<RunOptions, 'limit' | 'filter'>,
  mapper: LabelMapper | undefined,
  binner: LabelBinner,
  perUtterance: number,
): Promise<RunExpected> {
  const keys = [...new Set([...suite.groupBy, ...suite.slices.flat()])];
  const groups: Record<string, Record<string, number>> = Object.fromEntries(keys.map((k) => [k, {}]));
  let seq = 0;
  let utterances = 0;
  outer: for (const manifest of suite.manifests) {
    for await (const entry of readManifest(manifest)) {
      if (opts.limit !== undefined && seq >= opts.limit) break outer;
      seq++;
      if (opts.filter && !opts.filter(entry)) continue;
      utterances++;
      const labels = runUtterance(entry, suite, undefined, undefined, mapper, binner).labels;
      for (const k of keys) groups[k][labels[k]] = (groups[k][labels[k]] ?? 0) + 1;
    }
  }
  return { items: utterances * perUtterance, utterances, groups };
}

function keyString(k: ResultKey): string {
  return `${k.backendKey}\u0000${k.conditionKey}\u0000${k.audioSha256}`;
}

function runUtterance(e: ManifestEntry, suite: Suite, audio: AudioRef | undefined, qc: AudioQC | undefined, mapper: LabelMapper | undefined, binner: LabelBinner): RunUtterance {
  const labels = runLabels(e, suite, mapper, binner);
  return {
    id: e.id,
    text: e.text,
    speaker: speakerOf(e),
    labels,
    ...(hasAudio(e) ? { audio: e.audioPath } : {}),
    ...(e.start !== undefined ? { start: e.start } : {}),
    ...(e.end !== undefined ? { end: e.end } : {}),
    ...(audio ? { durationSec: audio.durationSec } : {}),
    ...(qc && Number.isFinite(qc.snrDb) ? { snrDb: qc.snrDb } : {}),
    ...(audio?.flags?.length ? { audioFlags: audio.flags } : {}),
    ...(e.markup ? { markup: e.markup } : {}),
    ...(e.language ? { language: e.language } : {}),
    ...(audio?.source ? { sourceRate: audio.source.sampleRate, sourceChannels: audio.source.channels } : {}),
  };
}

/**
 * Runs a suite: streams the manifests through audio preparation and every backend × condition,
 * reusing stored results, committing each new one as it arrives. Memory stays flat in the manifest
 * size: at most `window` utterance×condition units are in flight (the manifest is read on demand).
 */
export async function runSuite(opts: RunOptions): Promise<RunSummary> {
  const { suite } = opts;
  const t0 = performance.now();
  const conditions = resolveConditions(suite);
  const norm = opts.normaliser;
  if (norm.name !== suite.normaliser) throw new InputError(suite.file, undefined, `normaliser: the run was given "${norm.name}" but the suite names "${suite.normaliser}"`);
  for (const m of suite.manifests) if (!existsSync(m)) throw new InputError(suite.file, undefined, `manifest not found: ${m}`);
  const backends = await prepareBackends(suite, opts);
  try {
    // A condition on a backend that reads no audio: refused when no backend reads audio (exit 2, suite file:line),
    // else such backends run on the clean audio only (run.json `cleanOnly`, said by the run and the card).
    const cleanOnly = cleanOnlyBackends(
      suite,
      backends.map((b) => ({ name: b.spec.name, type: b.spec.type, readsAudio: b.backend.needsAudio !== false })),
    );
    return await runWith(opts, backends, conditions, norm, t0, cleanOnly);
  } finally {
    for (const b of backends) if (b.owned) await b.backend.close?.().catch(() => undefined);
  }
}

async function runWith(opts: RunOptions, backends: RunBackend[], conditions: ResolvedCondition[], norm: NormaliserId, t0: number, cleanOnly: string[] = []): Promise<RunSummary> {
  const { suite, store } = opts;
  // The backends run under a condition: all under clean; those that read audio under the others.
  const backendsOf = (c: ResolvedCondition): RunBackend[] => (c.key === 'clean' ? backends : backends.filter((b) => !cleanOnly.includes(b.spec.name)));
  const itemsPerUtt = conditions.reduce((n, c) => n + backendsOf(c).length, 0);
  const progress = opts.progress ?? silentProgress;
  if (cleanOnly.length) {
    const names = cleanOnly.map((n) => `"${n}"`).join(', ');
    const conds = conditions.filter((c) => c.key !== 'clean').map((c) => c.name).join(', ');
    progress.log(
      escapeControl(`note: backend${cleanOnly.length === 1 ? '' : 's'} ${names} read${cleanOnly.length === 1 ? 's' : ''} no audio: run on the clean audio only, not under ${conds} (a condition cannot change an answer given by utterance id); the card's conditions and degradation concern the other backends`),
    );
  }
  const stop = opts.stop ?? new AbortController().signal;
  const hardStop = opts.hardStop ?? new AbortController().signal;
  // Stopping for budget reasons (or a fatal error) is a soft stop too; combine it with the caller's.
  const internalStop = new AbortController();
  const softStop = AbortSignal.any([stop, internalStop.signal, hardStop]);
  // One listener per waiting unit or call in flight is expected here, not a leak.
  setMaxListeners(0, stop, hardStop, softStop, internalStop.signal);
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...opts.retryPolicy };
  const prepare = opts.prepare ?? defaultPrepare;
  const mapper = suite.labelMap ? new LabelMapper(await loadLabelMap(suite.labelMap)) : undefined;
  const binner = newBinner(suite, mapper);
  const qcFn = opts.qc === false || !suite.qc ? undefined : (opts.qc ?? defaultQc);
  const audioCacheDir = opts.audioCacheDir ?? suite.audioCacheDir ?? join(dirname(resolve(store.path === ':memory:' ? '.asrfair/x' : store.path)), 'audio');
  const runId = opts.runId ?? newRunId();
  const maxUsd = opts.maxCostUsd ?? suite.maxCostUsd ?? Number.POSITIVE_INFINITY;
  // Leases and the budget are shared with every other process working on this store.
  const owner = leaseOwner(runId);
  const budget = opts.dryRun ? new CostBudget(maxUsd) : new StoreBudget(store, runId, maxUsd);
  const rerun = opts.retryFailed ? 'all' : suite.rerunFailed;
  let budgetHit = false;

  const corpusHash = await hashFiles(suite.manifests);
  const lines = await countManifestLines(suite.manifests);
  const utterancesTotal = opts.limit !== undefined ? Math.min(opts.limit, lines) : lines;
  progress.start(utterancesTotal * itemsPerUtt);

  let beat: NodeJS.Timeout | undefined;
  if (!opts.dryRun) {
    for (const id of store.markDeadRunsInterrupted(LIVE_MS)) progress.log(`run ${id}: its process is gone; marked interrupted`);
    const expected = await expectedOf(
      suite,
      opts,
      // Fresh counters: the real pass below reports unmapped and unbinned values once.
      mapper ? new LabelMapper(mapper.map) : undefined,
      newBinner(suite, mapper),
      itemsPerUtt,
    );
    // A limited or sharded run records what part of the manifests it covers (read again whole: no limit, no shard; a
    // filter that is not a shard stays applied): its card says so.
    const subset =
      opts.limit !== undefined || opts.subsetShard
        ? subsetOf(
            { limit: opts.limit, shard: opts.subsetShard },
            expected,
            await expectedOf(suite, { filter: opts.subsetShard ? undefined : opts.filter }, mapper ? new LabelMapper(mapper.map) : undefined, newBinner(suite, mapper), 0),
          )
        : undefined;
    const backendSubset = backendSubsetOf(suite.backends.map((s) => s.name), backends.map((b) => b.spec.name));
    store.startRun({
      runId,
      suiteName: suite.name,
      suitePath: suite.file,
      suite,
      corpusHash,
      toolVersion: opts.toolVersion ?? 'unknown',
      normaliser: norm.name,
      normaliserVersion: norm.version,
      seed: suite.seed,
      startedAt: new Date().toISOString(),
      outDir: null,
      meta: {
        ...opts.runMeta,
        backends: backends.map((b) => ({ name: b.spec.name, key: b.backend.key, type: b.spec.type, version: b.info.version, model: b.info.model })),
        conditions: conditions.map((c) => ({ name: c.name, key: c.key, spec: c.spec ?? null })),
        ...(subset ? { subset } : {}),
        // `run --backend NAME`: the suite's other backends are not in this run, and its card and gate say so.
        ...(backendSubset ? { backendSubset } : {}),
        // How the label map and bins formed the groups: the card says it (run.json analysis.grouping).
        ...groupingMeta(suite, mapper),
        ...(cleanOnly.length ? { cleanOnly } : {}),
      },
    }, { owner, expected });
    beat = setInterval(() => {
      try {
        store.heartbeat(owner, runId, LEASE_MS);
      } catch {
        // A busy or full store: the next beat tries again; leases live LEASE_MS.
      }
    }, LEASE_MS / 3);
    beat.unref();
  }

  const cells = new Map<string, CellCounts>();
  const cellOf = (b: RunBackend, c: ResolvedCondition): CellCounts => {
    const k = `${b.spec.name}\u0000${c.name}`;
    let cell = cells.get(k);
    if (!cell) {
      cell = { backend: b.spec.name, condition: c.name, total: 0, cached: 0, olderCode: 0, reread: 0, called: 0, ok: 0, failed: 0, audioFailed: 0, uploadRefused: 0, skipped: 0, audioSecToDo: 0, estCostUsd: 0 };
      cells.set(k, cell);
    }
    return cell;
  };
  /** One unit (utterance × condition) no backend got to: counted in every backend's cell as not done. */
  const notDone = (cond: ResolvedCondition): void => {
    for (const b of backendsOf(cond)) {
      cellOf(b, cond).total++;
      cellOf(b, cond).skipped++;
    }
  };
  for (const c of conditions) for (const b of backendsOf(c)) cellOf(b, c);

  // No more calls in flight than the backend works on at once (Backend.parallel: PocketSphinx's processes), so a call's
  // timeout never counts time spent queued inside the backend.
  const backendSem = new Map(backends.map((b) => [b.spec.name, new Semaphore(Math.min(b.concurrency, b.backend.parallel ?? b.concurrency))]));
  const audioSem = new Semaphore(opts.audioConcurrency ?? Math.max(1, cpus().length));
  const totalConcurrency = backends.reduce((s, b) => s + b.concurrency, 0);
  const window = new Semaphore(Math.max(16, 2 * totalConcurrency));
  const inflight = new Map<string, Promise<{ row: ResultRow; called: boolean } | undefined>>();
  const active = new Set<Promise<void>>();

  const notices: RunNotice[] = [];
  const badInput = opts.badInput ?? new BadInputLog((l) => progress.log(l), 10, ['utterance with bad audio', 'utterances with bad audio']);
  /** Units whose audio preparation was stopped by a signal: not recorded, so the run is incomplete. */
  let interruptedUnits = 0;
  /** Per backend: calls that succeeded, and the run of failures with one status since the last success. */
  const health = new Map(backends.map((b) => [b.spec.name, { ok: 0, failed: 0, sameStatus: true, status: undefined as number | undefined, first: '', last: '', stopped: false }]));
  /** Per backend: declared language → utterances whose declared language differs from the backend's. */
  const langMismatch = new Map<string, Map<string, number>>();
  const refusals = new Map<string, { count: number; first: string }>();

  const configErrorOf = (b: RunBackend, message: string): InputError =>
    new InputError(suite.file, undefined, `backend "${b.spec.name}": ${scrubString(message)} (nothing was stored for it; fix the configuration and rerun)`);

  /**
   * One call's outcome into the backend's health, local or through a worker alike: a backend whose first
   * SAME_4XX_STOP_AFTER calls all fail with one 4xx status is not called again in this run.
   */
  const noteHealth = (b: RunBackend, ok: boolean, status: number | undefined, message: string): void => {
    const h = health.get(b.spec.name)!;
    if (ok) {
      h.ok++;
      return;
    }
    h.last = scrubString(message).slice(0, 300);
    if (h.failed === 0) {
      h.status = status;
      h.first = scrubString(message).slice(0, 300);
    } else if (status !== h.status) h.sameStatus = false;
    h.failed++;
    if (!h.stopped && h.ok === 0 && h.sameStatus && h.status !== undefined && h.status >= 400 && h.status < 500 && h.failed >= SAME_4XX_STOP_AFTER) {
      h.stopped = true;
      progress.log(`${b.spec.name}: the first ${h.failed} calls all failed with HTTP ${h.status}; not calling it again in this run (${h.first})`);
    }
  };

  /** Final failures of calls (after their retries), one line each for the first FAILED_CALLS_SHOWN. */
  let failedShown = 0;
  let failedHidden = 0;
  /** Why results failed (audio, calls), for the one line of a run where every result failed. */
  const causes = new FailureCauses();
  const causesOf = new Map(backends.map((b) => [b.spec.name, new FailureCauses()]));
  const addCause = (b: RunBackend, cause: string, example: string): void => {
    causes.add(cause, example);
    causesOf.get(b.spec.name)!.add(cause, example);
  };
  /** Results that are ok (called or reused): none at all, with failures, is a run that measured nothing. */
  let okResults = 0;
  /** The same per backend: a backend with results and none ok measured nothing, called or reused. */
  const okOf = new Map<string, number>();
  const noteOk = (b: RunBackend): void => {
    okResults++;
    okOf.set(b.spec.name, (okOf.get(b.spec.name) ?? 0) + 1);
  };
  const noteFailure = (b: RunBackend, id: string, attempts: number, message: string): void => {
    // One line: the message without line breaks, and without the error class a worker's stored error starts with.
    const text = scrubString(message.replace(/^[A-Z]\w*Error: /, '').replace(/\s*\n\s*/g, ' ')).slice(0, 500);
    addCause(b, callFailureCause(text), `${b.spec.name} ${id}: ${text}`);
    if (failedShown++ < FAILED_CALLS_SHOWN) progress.log(escapeControl(`failed ${b.spec.name} ${id} after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${text}`));
    else failedHidden++;
  };

  /** Whether a stored result was made by the backend's current code (Backend.codeVersion; none: any result is). */
  const ofThisCode = (b: RunBackend, r: ResultRow): boolean => b.backend.codeVersion === undefined || r.codeVersion === b.backend.codeVersion;
  /** Code versions of the stored results not reused because another code made them, per backend name. */
  const olderVersions = new Map<string, Set<string>>();
  const shouldReuse = (b: RunBackend, r: ResultRow): boolean =>
    ofThisCode(b, r) && (r.status === 'ok' || rerun === 'none' || (rerun === 'transient' && !r.retryable));

  /**
   * One backend call (with retries) committed to the store; undefined if the run stopped first. The
   * key's lease is taken once a call slot is free, so a process holds leases only on calls in flight:
   * `busy` when another process holds it, `called: false` when another process already stored it.
   */
  const call = async (b: RunBackend, audio: AudioRef, key: ResultKey, cell: CellCounts): Promise<{ row: ResultRow; called: boolean } | 'busy' | undefined> => {
    const sem = backendSem.get(b.spec.name)!;
    const h = health.get(b.spec.name)!;
    if (h.stopped) return undefined;
    if (!(await sem.acquire(softStop))) return undefined;
    let leased = false;
    try {
      if (softStop.aborted || h.stopped) return undefined;
      const estimate = b.backend.estimateCostUsd?.(audio.durationSec) ?? 0;
      let reserved: boolean;
      if (b.backend.readsStoredAnswers) {
        // Answers read from a file (hypotheses, CTM) cost nothing to read twice: no lease, only the store's own check.
        // Not every id-keyed backend: a command whose template passes {id}, or a per-group backend, may be a paid
        // service, and was called once per process on one store when id-keyed keys skipped the lease (trial 17).
        const existing = store.getResult(key);
        if (existing && shouldReuse(b, existing)) return { row: existing, called: false };
        reserved = budget.reserve(estimate);
      } else {
        // The budget is reserved in the lease's transaction, only when the lease is taken.
        const lease = await store.requestLease(key, owner, LEASE_MS, (r) => shouldReuse(b, r), () => budget.reserve(estimate));
        if (lease.kind === 'done') return { row: lease.row, called: false };
        if (lease.kind === 'busy') return 'busy';
        reserved = lease.kind === 'taken';
        leased = reserved;
        if (reserved && softStop.aborted) {
          // Stopped while the lease was taken: no new call.
          budget.cancel(estimate);
          return undefined;
        }
      }
      if (!reserved) {
        if (!budgetHit) {
          budgetHit = true;
          progress.log(`budget: stopping before a call that would exceed ${budget.maxUsd} USD (spent ${budget.spentUsd.toFixed(4)} USD)`);
          internalStop.abort();
        }
        return undefined;
      }
      if (opts.executor) {
        let done: ExecutorResult | undefined;
        try {
          const storedAt = store.getResult(key)?.createdAt;
          done = await opts.executor({ backend: b, audio, key, ...(storedAt !== undefined ? { storedAt } : {}) }, { softStop, hardStop });
        } catch (e) {
          budget.cancel(estimate);
          throw e;
        }
        if (!done) {
          budget.cancel(estimate);
          return undefined;
        }
        const { httpStatus, configError, ...made } = done;
        // A worker that stamps nothing ran this process's code version (the queue's workers run the same checkout).
        const stamped = { ...made, codeVersion: made.codeVersion ?? b.backend.codeVersion ?? null };
        const result = stamped.status === 'ok' && transcriptHasCredential(stamped.hypothesis, stamped.words) ? credentialFailure(stamped) : stamped;
        if (configError) {
          budget.cancel(estimate);
          throw configErrorOf(b, result.error ?? 'configuration error');
        }
        // A failure the worker made of a paid answer (a transcript holding a credential) keeps its cost; others cost 0.
        budget.settle(estimate, result.costUsd ?? (result.status === 'ok' ? estimate : 0));
        cell.called++;
        if (result.status !== 'ok') noteFailure(b, audio.id, result.attempts, result.error ?? 'failed');
        noteHealth(b, result.status === 'ok', result.retryable ? undefined : (httpStatus ?? undefined), result.error ?? '');
        // Committed at once, not in a group commit: the queue's coordinator removes the job from Redis right after
        // this promise settles, so the store must hold the result by then (a crash in between loses nothing).
        const row = store.putResult(result, leased ? owner : undefined);
        leased = false;
        return { row, called: true };
      }
      let latencyMs = 0;
      let outcome;
      /** The cost of an answer failed for the credential it held: paid for all the same (as `credentialFailure` keeps it). */
      let paidFailure: number | undefined;
      try {
        outcome = await withRetries(
          async (signal) => {
            const t = performance.now();
            paidFailure = undefined;
            try {
              const tr = await b.backend.transcribe(audio, signal);
              // Never scored: scrubbing would turn the credential into the word "redacted" (README "Secrets").
              if (transcriptHasCredential(tr.text, tr.words)) {
                paidFailure = tr.costUsd ?? estimate;
                throw new BackendError(CREDENTIAL_IN_OUTPUT, false);
              }
              return tr;
            } finally {
              latencyMs = performance.now() - t;
            }
          },
          {
            policy: { ...policy, retries: b.retries },
            timeoutMs: b.timeoutMs,
            hardStop,
            softStop,
            random: opts.random,
            onRetry: ({ attempt, delayMs, error }) =>
              progress.log(`retry ${b.spec.name} ${audio.id} after attempt ${attempt} in ${(delayMs / 1000).toFixed(1)} s: ${scrubString((error as Error)?.message ?? String(error))}`),
          },
        );
      } catch (e) {
        budget.cancel(estimate);
        if (e instanceof CallAbandonedError) return undefined;
        throw e;
      }
      if (!outcome.ok && interruptingSignal(outcome.error)) {
        // The backend's own process was stopped by a signal (an interruption): not this utterance's failure.
        budget.cancel(estimate);
        interruptedUnits++;
        return undefined;
      }
      const t = outcome.value;
      budget.settle(estimate, outcome.ok ? t?.costUsd : (paidFailure ?? 0));
      if (!outcome.ok && outcome.error instanceof BackendConfigError) {
        // Not this utterance's fault: store nothing (the rerun after the fix calls again) and stop the run.
        throw configErrorOf(b, outcome.error.message);
      }
      cell.called++;
      const err = outcome.ok ? null : describeError(outcome.error);
      if (!outcome.ok) noteFailure(b, audio.id, outcome.attempts, (outcome.error as Error)?.message ?? String(outcome.error));
      noteHealth(
        b,
        outcome.ok,
        // A retryable failure (throttling, 5xx) is no sign of a configuration error, whatever its status (AWS throttles with 400).
        outcome.error instanceof BackendError && !outcome.retryable ? outcome.error.status : undefined,
        outcome.ok ? '' : ((outcome.error as Error)?.message ?? String(outcome.error)),
      );
      const row = store.queueResult({
        ...key,
        status: outcome.ok ? 'ok' : 'failed',
        hypothesis: t?.text ?? null,
        words: t?.words ?? null,
        phones: t?.phones ?? null,
        raw: t?.raw ?? null,
        latencyMs: Math.round(latencyMs * 10) / 10,
        costUsd: outcome.ok ? (t?.costUsd ?? estimate) : (paidFailure ?? 0),
        durationSec: audio.sha256 === TEXT_ONLY_KEY ? null : audio.durationSec, // text-only: no audio, no duration
        error: err,
        retryable: outcome.retryable,
        attempts: outcome.attempts,
        codeVersion: b.backend.codeVersion ?? null,
      }, leased ? owner : undefined);
      leased = false; // released with the result, in its group commit
      return { row, called: true };
    } finally {
      if (leased) store.releaseLease(key, owner);
      sem.release();
    }
  };

  /**
   * The rows stored under `key`: this run's store's (`own`), and, when `own` is not one this run may reuse, the
   * read-only `cacheStores`' (a shard reads the workspace store), in order. Each store is read once per item.
   */
  const storedResults = (b: RunBackend, key: ResultKey): { own: ResultRow | undefined; others: ResultRow[] } => {
    const own = store.getResult(key);
    if ((own && shouldReuse(b, own)) || !opts.cacheStores?.length) return { own, others: [] };
    return { own, others: opts.cacheStores.flatMap((c) => c.getResult(key) ?? []) };
  };

  /**
   * The stored result this run reuses: `own` when reusable, else the first reusable one of the `cacheStores`, copied
   * into this run's store so that its export and a merge of the shards hold it (not on a dry run); else undefined.
   */
  const reusableResult = (b: RunBackend, stored: { own: ResultRow | undefined; others: readonly ResultRow[] }): ResultRow | undefined => {
    if (stored.own && shouldReuse(b, stored.own)) return stored.own;
    const r = stored.others.find((o) => shouldReuse(b, o));
    return r === undefined || opts.dryRun ? r : store.queueResult(r);
  };

  /**
   * The first of `rows` (the item's stored rows, as storedResults gave them: this run's store's, then the
   * `cacheStores`') that is an ok result of an older code version of a remote backend, asked as the current code would
   * ask (the request part of its stamp equals Backend.requestVersion), read again from its stored answer by the current
   * code: the result to store in its place, else undefined (no such result, or its answer cannot be read: then it is
   * called again). Latency, cost and attempts stay the stored call's; the credential check applies as to a call's
   * answer.
   */
  const rereadStored = (b: RunBackend, key: ResultKey, rows: readonly ResultRow[], durationSec: number): NewResult | undefined => {
    const be = b.backend;
    if (!be.rereadAnswer || be.requestVersion === undefined) return undefined;
    for (const r of rows) {
      if (r.status !== 'ok' || ofThisCode(b, r) || r.raw == null || requestVersionOf(r.codeVersion) !== be.requestVersion) continue;
      let t;
      try {
        t = be.rereadAnswer(r.raw, r.durationSec ?? durationSec);
      } catch {
        continue;
      }
      if (transcriptHasCredential(t.text, t.words)) continue;
      const { createdAt: _made, ...row } = r;
      return { ...row, ...key, hypothesis: t.text, words: t.words ?? null, phones: t.phones ?? null, raw: r.raw, codeVersion: be.codeVersion ?? null };
    }
    return undefined;
  };

  /** Calls, waiting while another process holds the key's lease. */
  const claimAndCall = async (b: RunBackend, audio: AudioRef, key: ResultKey, cell: CellCounts): Promise<{ row: ResultRow; called: boolean } | undefined> => {
    for (;;) {
      const r = await call(b, audio, key, cell);
      if (r !== 'busy') return r;
      if (!(await sleep(LEASE_POLL_MS, softStop))) return undefined;
    }
  };

  /** The first error that stops the run (rethrown once every unit in flight has settled). */
  let fatal: unknown;
  /**
   * Queues a run item for the store's group commit; the same utterance id twice in one run (e.g. in two manifests)
   * is an input error, found when the batch commits, that stops the run.
   */
  const recordItem = (entry: ManifestEntry, item: RunItem): void => {
    const { file, line } = entry.source;
    const id = entry.id;
    store.queueItem(item, (e) => {
      if ((e as { code?: string }).code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') return false;
      fatal ??= new InputError(file, line, `duplicate utterance id "${id}": another manifest line of this run has it already`);
      internalStop.abort();
      return true;
    });
  };

  const unit = async (entry: ManifestEntry, seq: number, cond: ResolvedCondition): Promise<void> => {
    let audio: AudioRef | undefined;
    let audioError: string | null = null;
    let qc: AudioQC | undefined;
    // Answered by id without audio (the entry has none, or no backend reads it): the same text-only reference.
    const textOnlyRef: AudioRef = {
      id: entry.id,
      path: '',
      wav16k: '',
      sha256: TEXT_ONLY_KEY,
      durationSec: 0,
      ...(entry.start !== undefined ? { start: entry.start } : {}),
      ...(entry.end !== undefined ? { end: entry.end } : {}),
    };
    const readAudio = hasAudio(entry) && audioRead;
    if (!readAudio) {
      audio = textOnlyRef;
    } else {
      if (!(await audioSem.acquire(hardStop))) return;
      try {
        audio = await prepare(
          { id: entry.id, audioPath: entry.audioPath, start: entry.start, end: entry.end },
          { cacheDir: audioCacheDir, condition: cond.spec as PrepareOptions['condition'], seed: suite.seed },
        );
        if (qcFn) {
          // Two sources can prepare to the same audio (an antiphase stereo file and its mono original): the row is
          // keyed by what was measured on the source too, so each keeps its own source facts and flags.
          const qcKey = audio.source ? `${audio.sha256}#src=${optionsHash({ source: audio.source, flags: audio.flags ?? [] })}` : audio.sha256;
          qc = store.getQc<AudioQC>(qcKey);
          if (!qc) {
            try {
              qc = withSourceFacts(await qcFn(audio.wav16k, entry.id, audioCacheDir), audio);
              if (!opts.dryRun) store.putQc(qcKey, qc);
            } catch (e) {
              progress.log(escapeControl(`qc: ${entry.source.file}:${entry.source.line}: utterance ${entry.id}: ${describeError(e)}`));
            }
          }
        }
      } catch (e) {
        if (interruptingSignal(e)) {
          // Its preparation was stopped (Ctrl-C reaches ffmpeg too): not the audio's fault. Nothing is recorded,
          // no cell counts it as a failure; the rerun prepares it again.
          interruptedUnits++;
          notDone(cond);
          backendsOf(cond).forEach(() => progress.tick('skipped'));
          return;
        }
        audioError = describeError(e);
        badInput.add({ file: entry.source.file, line: entry.source.line, message: scrubString((e as Error)?.message ?? String(e)) });
      } finally {
        audioSem.release();
      }
    }
    const utt = runUtterance(entry, suite, readAudio ? audio : undefined, qc, mapper, binner);
    // Backends that pick a model per self-declared group (by-group) read the labels the card groups by.
    if (audio) audio = { ...audio, labels: utt.labels };
    const declared = languageOfTag((entry as { language?: unknown }).language as string | undefined);
    await Promise.all(
      backendsOf(cond).map(async (b) => {
        const cell = cellOf(b, cond);
        cell.total++;
        if (declared && b.info.language && declared !== b.info.language && cond === conditions[0]) {
          let m = langMismatch.get(b.spec.name);
          if (!m) langMismatch.set(b.spec.name, (m = new Map()));
          m.set(declared, (m.get(declared) ?? 0) + 1);
        }
        const base = { runId, seq, uttId: entry.id, backendName: b.spec.name, backendKey: b.backend.key, conditionName: cond.name, conditionKey: cond.key, utt };
        // A backend that never reads audio answers even when the audio failed (another backend needed it).
        const ref = audio ?? (b.backend.needsAudio === false ? { ...textOnlyRef, labels: utt.labels } : undefined);
        if (!ref) {
          cell.audioFailed++;
          addCause(b, audioFailureCause(audioError ?? ''), `${entry.source.file}:${entry.source.line}: ${audioError}`);
          if (!opts.dryRun) recordItem(entry, { ...base, audioSha256: null, error: audioError });
          progress.tick('failed');
          return;
        }
        // Backends that answer by utterance id (precomputed hypotheses) must not share rows across identical audio.
        const contentKey = b.backend.keyByUtteranceId ? `${ref.sha256}#id=${entry.id}` : ref.sha256;
        const key: ResultKey = { backendKey: b.backend.key, conditionKey: cond.key, audioSha256: contentKey };
        const stored = storedResults(b, key);
        const cached = reusableResult(b, stored);
        if (cached) {
          cell.cached++;
          if (cached.status === 'ok') noteOk(b);
          else addCause(b, cached.error ? callFailureCause(cached.error) : 'backend call failed', `${b.spec.name} ${entry.id} (stored): ${cached.error ?? 'failed'}`);
          if (!opts.dryRun) recordItem(entry, { ...base, audioSha256: contentKey, error: null, codeVersion: cached.codeVersion });
          progress.tick('cached');
          return;
        }
        // The stored result of other code this item replaces: this run's store's, else (a shard) the workspace's.
        const prior = stored.own ?? stored.others.find((r) => !ofThisCode(b, r));
        const again = prior && !ofThisCode(b, prior) ? rereadStored(b, key, stored.own ? [stored.own, ...stored.others] : stored.others, ref.durationSec) : undefined;
        if (again) {
          cell.reread++;
          cell.cached++;
          noteOk(b);
          if (!opts.dryRun) {
            const row = store.queueResult(again);
            recordItem(entry, { ...base, audioSha256: contentKey, error: null, codeVersion: row.codeVersion });
          }
          progress.tick('cached');
          return;
        }
        // A result of other code: counted once it is decoded again (on a dry run: as to do), not when the run stops first.
        const older = (): void => {
          if (!prior || ofThisCode(b, prior)) return;
          cell.olderCode++;
          let v = olderVersions.get(b.spec.name);
          if (!v) olderVersions.set(b.spec.name, (v = new Set()));
          v.add(prior.codeVersion ?? 'unstamped (an asrfair older than the stamp)');
        };
        if (opts.dryRun) {
          older();
          const refused = await b.backend.checkUpload?.(ref);
          if (refused) {
            cell.uploadRefused++;
            const r = refusals.get(b.spec.name) ?? { count: 0, first: `${entry.id}: ${refused}` };
            r.count++;
            refusals.set(b.spec.name, r);
            progress.tick('skipped');
            return;
          }
          cell.audioSecToDo += ref.durationSec;
          cell.estCostUsd += b.backend.estimateCostUsd?.(ref.durationSec) ?? 0;
          progress.tick('skipped');
          return;
        }
        const ks = keyString(key);
        let pending = inflight.get(ks);
        let own = !pending;
        if (!pending) {
          pending = claimAndCall(b, ref, key, cell).finally(() => inflight.delete(ks));
          inflight.set(ks, pending);
        }
        const got = await pending;
        if (!got) {
          cell.skipped++;
          progress.tick('skipped');
          return;
        }
        older();
        const row = got.row;
        own &&= got.called;
        if (own) cell.audioSecToDo += ref.durationSec;
        else cell.cached++;
        recordItem(entry, { ...base, audioSha256: contentKey, error: null, codeVersion: row.codeVersion });
        if (row.status === 'ok') {
          cell.ok++;
          noteOk(b);
        } else {
          cell.failed++;
          if (!own) addCause(b, row.error ? callFailureCause(row.error) : 'backend call failed', `${b.spec.name} ${entry.id}: ${row.error ?? 'failed'}`);
          if (row.error && /upload limit/.test(row.error)) cell.uploadRefused++;
        }
        progress.tick(own ? (row.status === 'ok' ? 'ok' : 'failed') : 'cached');
      }),
    );
  };

  let seq = 0;
  let taken = 0;
  let textOnly = 0;
  // Text-only utterances need every backend to answer by utterance id; the first one that cannot is named.
  const needAudio = backends.filter((b) => !b.backend.keyByUtteranceId);
  // No backend reads audio (hypotheses, CTM answers): the manifest's audio is not opened at all (a text-only import
  // names clips it does not have), and the utterances carry no duration.
  const audioRead = backends.some((b) => b.backend.needsAudio !== false);
  let audioNotRead = 0;
  const seenIds = backends.some((b) => b.backend.unmatchedEntries) ? new Set<string>() : undefined;
  // Units (manifest position × condition) started; a stopped run counts the others as not done, so its summary
  // says how much is left, not only how much was reached. Units start in manifest order, conditions in order,
  // so the started ones are those up to the last one started (kept as its position, not one entry per unit).
  const lastStarted = { seq: -1, cond: -1 };
  const wasStarted = (s: number, c: number): boolean => s < lastStarted.seq || (s === lastStarted.seq && c <= lastStarted.cond);
  const countNotStarted = async (): Promise<void> => {
    let n = 0;
    try {
      outer: for (const manifest of suite.manifests) {
        for await (const entry of readManifest(manifest)) {
          if (opts.limit !== undefined && n >= opts.limit) break outer;
          const s = n++;
          if (opts.filter && !opts.filter(entry)) continue;
          conditions.forEach((cond, c) => {
            if (!wasStarted(s, c)) notDone(cond);
          });
        }
      }
    } catch {
      // The count is for the summary only: a manifest that cannot be read again leaves it as it was.
    }
  };
  try {
    outer: for (const manifest of suite.manifests) {
      for await (const entry of readManifest(manifest)) {
        if (opts.limit !== undefined && seq >= opts.limit) break outer;
        if (softStop.aborted) break outer;
        const s = seq++;
        if (opts.filter && !opts.filter(entry)) continue;
        seenIds?.add(entry.id);
        if (!hasAudio(entry)) {
          if (needAudio.length) {
            fatal ??= textOnlyError(entry, needAudio);
            internalStop.abort();
            break outer;
          }
          textOnly++;
        } else if (!audioRead) audioNotRead++;
        taken++;
        for (const cond of conditions) {
          if (!(await window.acquire(softStop))) break outer;
          lastStarted.seq = s;
          lastStarted.cond = conditions.indexOf(cond);
          const p: Promise<void> = unit(entry, s, cond)
            .catch((e) => {
              fatal ??= e;
              internalStop.abort();
            })
            .finally(() => {
              window.release();
              active.delete(p);
            });
          active.add(p);
        }
      }
    }
  } finally {
    await Promise.all([...active]);
    clearInterval(beat);
    progress.stop();
    try {
      // Commits the last group of results and items (a duplicate id among them sets `fatal`).
      if (!opts.dryRun) store.flush();
    } catch (e) {
      fatal ??= e;
    }
  }
  if (!fatal && softStop.aborted && !opts.dryRun) await countNotStarted();
  if (fatal) {
    try {
      if (!opts.dryRun) store.endRun(runId, 'failed');
    } catch {
      // The store itself failed (full disk, …): the first error is the one to report; the next start marks the run.
    }
    throw fatal;
  }

  const status: RunStatus = opts.dryRun ? 'dry-run' : stop.aborted || hardStop.aborted || interruptedUnits > 0 ? 'interrupted' : budgetHit ? 'budget' : 'done';
  if (!opts.badInput) badInput.finish(`the run's results: asrfair export ${store.path} --run ${runId}`);
  if (!opts.dryRun) store.endRun(runId, status);
  const unmatched: UnmatchedAnswers[] = [];
  if (seenIds && opts.limit === undefined && !opts.filter && status !== 'interrupted') {
    for (const b of backends) {
      const extra = b.backend.unmatchedEntries?.(seenIds) ?? [];
      if (!extra.length) continue;
      const examples = extra.slice(0, 5).map((x) => `${x.file}:${x.line} (${x.id})`);
      unmatched.push({ backend: b.spec.name, count: extra.length, examples });
      progress.warn(
        `backend "${b.spec.name}": ${extra.length} answer(s) for utterances not in the manifest, not scored: ${examples.join(', ')}${extra.length > examples.length ? ', …' : ''}`,
      );
    }
  }
  const unmapped = mapper?.unmappedValues() ?? [];
  if (unmapped.length) progress.log(mapper!.formatReport().trimEnd());
  for (const line of binner.report()) progress.log(line);
  const results = [...cells.values()].reduce((n, c) => n + c.ok + c.failed + c.audioFailed + c.cached, 0);
  const allFailed = !opts.dryRun && status === 'done' && results > 0 && okResults === 0;
  for (const b of backends) {
    const m = langMismatch.get(b.spec.name);
    if (m) {
      const parts = [...m].sort((x, y) => y[1] - x[1]).map(([l, n]) => `${n} declare "${l}"`);
      notices.push({
        kind: 'language',
        backend: b.spec.name,
        message: `language: backend "${b.spec.name}" recognises "${b.info.language}" but ${parts.join(', ')} in the manifest: their error rates measure the language mismatch, not the recogniser`,
      });
    }
    const mine = [...cells.values()].filter((c) => c.backend === b.spec.name);
    const reread = mine.reduce((n, c) => n + c.reread, 0);
    const older = mine.reduce((n, c) => n + c.olderCode, 0);
    if (reread) {
      notices.push({
        kind: 'reread',
        backend: b.spec.name,
        message: escapeControl(`${b.spec.name}: ${reread} result${reread === 1 ? '' : 's'} made by an older asrfair ${opts.dryRun ? 'would be' : `${reread === 1 ? 'was' : 'were'}`} read again from ${reread === 1 ? 'its' : 'their'} stored answer${reread === 1 ? '' : 's'} by the current code, with no call and no cost: the request is made as before (${b.backend.requestVersion}); only the code that reads answers changed`),
      });
    }
    if (older) {
      const theirs = [...olderVersions.get(b.spec.name)!].sort();
      notices.push({
        kind: 'older-code',
        backend: b.spec.name,
        message: escapeControl(`${b.spec.name}: ${older} result${older === 1 ? '' : 's'} made by an older asrfair ${opts.dryRun ? `would be decoded again (${older === 1 ? 'is' : 'are'} counted as to do)` : `${older === 1 ? 'was' : 'were'} decoded again`}, not reused: the code that makes ${b.spec.name}'s results is now ${b.backend.codeVersion}; the stored ${older === 1 ? 'one was' : 'ones were'} made by ${theirs.join(' / ')}`),
      });
    }
    const corrupt = store.corruptRows().filter((c) => c.backendKey === b.backend.key).length;
    if (corrupt) {
      notices.push({
        kind: 'corrupt-rows',
        backend: b.spec.name,
        message: `${b.spec.name}: ${corrupt} corrupt stored result${corrupt === 1 ? '' : 's'} in ${store.path} not served (${opts.dryRun ? 'counted as to do' : 'decoded again; the new results replaced the rows'})`,
      });
    }
    const r = refusals.get(b.spec.name);
    if (r) notices.push({ kind: 'upload-limit', backend: b.spec.name, message: `upload limit: ${r.count} utterance(s) cannot be sent to "${b.spec.name}" and would fail (first: ${r.first})` });
    const h = health.get(b.spec.name)!;
    const bc = [...cells.values()].filter((c) => c.backend === b.spec.name);
    const backendResults = bc.reduce((k, c) => k + c.ok + c.failed + c.audioFailed + c.cached, 0);
    if (!allFailed && !opts.dryRun && h.failed === 0 && backendResults > 0 && !okOf.get(b.spec.name)) {
      // No call failed, yet nothing of this backend is ok: every result lost its audio, or was a failure stored by an
      // earlier run and reused (a rerun must not pass where the first run failed).
      const n = backendResults;
      notices.push({ kind: 'backend-failed', backend: b.spec.name, message: `backend "${b.spec.name}": ${causesOf.get(b.spec.name)!.allFailedLine(n)}` });
    }
    const same4xx = h.sameStatus && h.status !== undefined && h.status >= 400 && h.status < 500;
    if (h.failed > 0 && h.ok === 0 && !same4xx) {
      // Every call failed (5xx, timeouts, malformed replies, throttling after all retries): nothing was measured.
      notices.push({ kind: 'backend-failed', backend: b.spec.name, message: `backend "${b.spec.name}": all ${h.failed} calls failed; last error: ${h.last}` });
    } else if (h.failed > 0 && h.ok === 0) {
      const notSent = cells.size ? [...cells.values()].filter((c) => c.backend === b.spec.name).reduce((n, c) => n + c.skipped, 0) : 0;
      notices.push({
        kind: 'backend-failed',
        backend: b.spec.name,
        message: `backend "${b.spec.name}": all ${h.failed} calls failed with HTTP ${h.status}${notSent ? ` (${notSent} more not sent)` : ''}: ${h.first}`,
      });
    }
  }
  if (allFailed) notices.push({ kind: 'all-failed', backend: '', message: causes.allFailedLine(results) });
  if (failedHidden) progress.log(`… and ${failedHidden} more failed calls (every error is in the export's failed rows)`);
  // A dead backend is the CLI's closing line (and exit status), not logged twice.
  for (const n of notices) if (n.kind !== 'backend-failed' && n.kind !== 'all-failed') progress.log(n.message);
  return {
    runId,
    status,
    utterances: taken,
    cells: [...cells.values()],
    spentUsd: budget.spentUsd,
    elapsedMs: performance.now() - t0,
    corpusHash,
    backends,
    conditions,
    notices,
    textOnly,
    audioNotRead,
    unmatched,
  };
}

function textOnlyError(entry: ManifestEntry, needAudio: RunBackend[]): InputError {
  const names = needAudio.map((b) => `"${b.spec.name}" (${b.spec.type})`).join(', ');
  return new InputError(
    entry.source.file,
    entry.source.line,
    `utterance "${entry.id}" has no audio, but backend ${names} needs audio: a text-only manifest runs only with backends that answer by utterance id (type hypotheses)`,
  );
}

/** An error as one line for the store and reports (secrets scrubbed). */
export function describeError(e: unknown): string {
  const err = e as { name?: string; message?: string; status?: number };
  const msg = err?.message ?? String(e);
  const status = err?.status !== undefined && !msg.includes(String(err.status)) ? ` (HTTP ${err.status})` : '';
  const name = err?.name && err.name !== 'Error' ? `${err.name}: ` : '';
  return scrubString(`${name}${msg}${status}`.replace(/\s*\n\s*/g, ' ').slice(0, 2000));
}

/** `{ grouping }` for the run's meta when the suite's label map or bins change a grouping or slice key, else `{}`. */
function groupingMeta(suite: Suite, mapper: LabelMapper | undefined): { grouping?: ReturnType<typeof groupingOf> } {
  const g = groupingOf(suite, [...suite.groupBy, ...suite.slices.flat()], mapper?.map.mappedKeys() ?? []);
  return Object.keys(g).length ? { grouping: g } : {};
}
