import { cpus } from 'node:os';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { setMaxListeners } from 'node:events';
import type { BackendFactory } from '../backends/registry.ts';
import { InputError } from '../manifest/errors.ts';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { readManifest } from '../manifest/jsonl.ts';
import { LabelMapper, loadLabelMap } from '../manifest/labelmap.ts';
import { LabelBinner, toLabelBins } from '../manifest/bins.ts';
import { groupOf, hasAudio, speakerOf, type ManifestEntry } from '../manifest/schema.ts';
import type { AudioRef, Backend, BackendInfo } from '../backends/types.ts';
import { RunStore, type NewResult, type ResultKey, type ResultRow, type RunItem, type RunUtterance } from './store.ts';
import type { BackendSpec, Suite } from './suite.ts';
import { CallAbandonedError, DEFAULT_RETRY, withRetries, type RetryPolicy } from './retry.ts';
import { Semaphore } from './semaphore.ts';
import { CostBudget } from './budget.ts';
import { silentProgress, type ProgressSink } from './progress.ts';
import { scrubString } from '../backends/secrets.ts';
import { countManifestLines, hashFiles } from './corpus.ts';
import { resolveConditions, type ResolvedCondition } from './conditions.ts';
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
  /** Extra fields recorded in the run row's meta (e.g. `shard`). */
  runMeta?: Record<string, unknown>;
  /** Runs calls elsewhere (e.g. a Redis queue) instead of in-process; its result is committed here. */
  executor?: TranscribeExecutor;
}

/**
 * A pluggable place where backend calls happen. It gets the prepared audio and result key and returns
 * the result to commit (retries, timeouts and attempts are its business), or undefined when the run
 * stopped before it finished.
 */
export type TranscribeExecutor = (
  req: { backend: RunBackend; audio: AudioRef; key: ResultKey },
  signals: { softStop: AbortSignal; hardStop: AbortSignal },
) => Promise<NewResult | undefined>;

/** Counts for one backend × condition cell. */
export interface CellCounts {
  backend: string;
  condition: string;
  /** Items seen (utterances reaching this cell). */
  total: number;
  /** Results reused from the store. */
  cached: number;
  /** Backend calls made (an utterance counts once however many attempts it took). */
  called: number;
  ok: number;
  failed: number;
  /** Audio could not be prepared. */
  audioFailed: number;
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
  /** Per id-keyed backend with answers for utterances not in the manifest (checked when the whole manifest ran). */
  unmatched: UnmatchedAnswers[];
}

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
    if (unknown.length) throw new Error(`${suite.file}: no backend named ${unknown.map((u) => `"${u}"`).join(', ')} (suite has ${specs.map((s) => s.name).join(', ')})`);
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
        throw new Error(`${suite.file}: backend "${spec.name}" (${spec.type}): ${scrubString((e as Error).message)}`);
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
  return out;
}

/**
 * Imports the suite's plugin modules. A plugin registers backend types itself (registerBackend) or
 * default-exports a BackendFactory, which is registered here.
 */
export async function loadPlugins(suite: Pick<Suite, 'plugins' | 'file'>): Promise<void> {
  const { registerBackend } = await import('../backends/index.ts');
  for (const p of suite.plugins) {
    if (!existsSync(p)) throw new InputError(suite.file, undefined, `plugin not found: ${p}`);
    const mod = (await import(pathToFileURL(p).href)) as { default?: unknown };
    const f = mod.default as Partial<BackendFactory> | undefined;
    if (f && typeof f === 'object' && typeof f.type === 'string' && typeof f.create === 'function') registerBackend(f as BackendFactory);
  }
}

function keyString(k: ResultKey): string {
  return `${k.backendKey}\u0000${k.conditionKey}\u0000${k.audioSha256}`;
}

/**
 * Applies the suite's label map: for each key it covers, the declared raw text (`<key>_raw`, else the
 * value itself) is mapped to its canonical group; a value the map marks as "no declaration" is removed.
 */
function mapLabels(labels: Record<string, string>, mapper: LabelMapper | undefined): Record<string, string> {
  if (!mapper) return { ...labels };
  const out = { ...labels };
  for (const key of mapper.map.mappedKeys()) {
    const raw = labels[`${key}_raw`] ?? labels[key];
    if (raw === undefined || raw.trim() === '') continue;
    const canonical = mapper.canonical(key, raw);
    if (canonical === null) delete out[key];
    else out[key] = canonical;
  }
  return out;
}

function runUtterance(e: ManifestEntry, suite: Suite, audio: AudioRef | undefined, qc: AudioQC | undefined, mapper: LabelMapper | undefined, binner: LabelBinner): RunUtterance {
  const labels = binner.apply(mapLabels(e.labels, mapper));
  const view = { labels };
  for (const k of new Set([...suite.groupBy, ...suite.slices.flat()])) labels[k] = groupOf(view, k);
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
    return await runWith(opts, backends, conditions, norm, t0);
  } finally {
    for (const b of backends) if (b.owned) await b.backend.close?.().catch(() => undefined);
  }
}

async function runWith(opts: RunOptions, backends: RunBackend[], conditions: ResolvedCondition[], norm: NormaliserId, t0: number): Promise<RunSummary> {
  const { suite, store } = opts;
  const progress = opts.progress ?? silentProgress;
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
  const binner = new LabelBinner(new Map(Object.entries(suite.bins).map(([k, b]) => [k, toLabelBins(b)])));
  const qcFn = opts.qc === false || !suite.qc ? undefined : (opts.qc ?? defaultQc);
  const audioCacheDir = opts.audioCacheDir ?? suite.audioCacheDir ?? join(dirname(resolve(store.path === ':memory:' ? '.asrfair/x' : store.path)), 'audio');
  const runId = opts.runId ?? newRunId();
  const budget = new CostBudget(opts.maxCostUsd ?? suite.maxCostUsd ?? Number.POSITIVE_INFINITY);
  const rerun = opts.retryFailed ? 'all' : suite.rerunFailed;
  let budgetHit = false;

  const corpusHash = await hashFiles(suite.manifests);
  const lines = await countManifestLines(suite.manifests);
  const utterancesTotal = opts.limit !== undefined ? Math.min(opts.limit, lines) : lines;
  progress.start(utterancesTotal * conditions.length * backends.length);

  if (!opts.dryRun) {
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
      },
    });
  }

  const cells = new Map<string, CellCounts>();
  const cellOf = (b: RunBackend, c: ResolvedCondition): CellCounts => {
    const k = `${b.spec.name}\u0000${c.name}`;
    let cell = cells.get(k);
    if (!cell) {
      cell = { backend: b.spec.name, condition: c.name, total: 0, cached: 0, called: 0, ok: 0, failed: 0, audioFailed: 0, skipped: 0, audioSecToDo: 0, estCostUsd: 0 };
      cells.set(k, cell);
    }
    return cell;
  };
  for (const b of backends) for (const c of conditions) cellOf(b, c);

  const backendSem = new Map(backends.map((b) => [b.spec.name, new Semaphore(b.concurrency)]));
  const audioSem = new Semaphore(opts.audioConcurrency ?? Math.max(1, cpus().length));
  const totalConcurrency = backends.reduce((s, b) => s + b.concurrency, 0);
  const window = new Semaphore(Math.max(16, 2 * totalConcurrency));
  const inflight = new Map<string, Promise<ResultRow | undefined>>();
  const active = new Set<Promise<void>>();

  const shouldReuse = (r: ResultRow): boolean => r.status === 'ok' || rerun === 'none' || (rerun === 'transient' && !r.retryable);

  /** One backend call (with retries) committed to the store; undefined if the run stopped first. */
  const call = async (b: RunBackend, audio: AudioRef, key: ResultKey, cell: CellCounts): Promise<ResultRow | undefined> => {
    const sem = backendSem.get(b.spec.name)!;
    if (!(await sem.acquire(softStop))) return undefined;
    try {
      if (softStop.aborted) return undefined;
      const estimate = b.backend.estimateCostUsd?.(audio.durationSec) ?? 0;
      if (!budget.reserve(estimate)) {
        if (!budgetHit) {
          budgetHit = true;
          progress.log(`budget: stopping before a call that would exceed ${budget.maxUsd} USD (spent ${budget.spentUsd.toFixed(4)} USD)`);
          internalStop.abort();
        }
        return undefined;
      }
      if (opts.executor) {
        let done: NewResult | undefined;
        try {
          done = await opts.executor({ backend: b, audio, key }, { softStop, hardStop });
        } catch (e) {
          budget.cancel(estimate);
          throw e;
        }
        if (!done) {
          budget.cancel(estimate);
          return undefined;
        }
        budget.settle(estimate, done.status === 'ok' ? (done.costUsd ?? estimate) : 0);
        cell.called++;
        return store.putResult(done);
      }
      let latencyMs = 0;
      let outcome;
      try {
        outcome = await withRetries(
          async (signal) => {
            const t = performance.now();
            try {
              return await b.backend.transcribe(audio, signal);
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
      const t = outcome.value;
      budget.settle(estimate, outcome.ok ? t?.costUsd : 0);
      cell.called++;
      const err = outcome.ok ? null : describeError(outcome.error);
      return store.putResult({
        ...key,
        status: outcome.ok ? 'ok' : 'failed',
        hypothesis: t?.text ?? null,
        words: t?.words ?? null,
        phones: t?.phones ?? null,
        raw: t?.raw ?? null,
        latencyMs: Math.round(latencyMs * 10) / 10,
        costUsd: outcome.ok ? (t?.costUsd ?? estimate) : 0,
        durationSec: audio.sha256 === TEXT_ONLY_KEY ? null : audio.durationSec, // text-only: no audio, no duration
        error: err,
        retryable: outcome.retryable,
        attempts: outcome.attempts,
      });
    } finally {
      sem.release();
    }
  };

  /** Commits a run item; the same utterance id twice in one run (e.g. in two manifests) is an input error. */
  const recordItem = (entry: ManifestEntry, item: RunItem): void => {
    try {
      store.putItem(item);
    } catch (e) {
      if ((e as { code?: string }).code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') throw e;
      throw new InputError(entry.source.file, entry.source.line, `duplicate utterance id "${entry.id}": another manifest line of this run has it already`);
    }
  };

  const unit = async (entry: ManifestEntry, seq: number, cond: ResolvedCondition): Promise<void> => {
    let audio: AudioRef | undefined;
    let audioError: string | null = null;
    let qc: AudioQC | undefined;
    if (!hasAudio(entry)) {
      audio = { id: entry.id, path: '', wav16k: '', sha256: TEXT_ONLY_KEY, durationSec: 0 };
    } else {
      if (!(await audioSem.acquire(hardStop))) return;
      try {
        audio = await prepare(
          { id: entry.id, audioPath: entry.audioPath, start: entry.start, end: entry.end },
          { cacheDir: audioCacheDir, condition: cond.spec as PrepareOptions['condition'], seed: suite.seed },
        );
        if (qcFn) {
          qc = store.getQc<AudioQC>(audio.sha256);
          if (!qc) {
            try {
              qc = await qcFn(audio.wav16k, entry.id, audioCacheDir);
              if (!opts.dryRun) store.putQc(audio.sha256, qc);
            } catch (e) {
              progress.log(`qc: ${describeError(e)}`);
            }
          }
        }
      } catch (e) {
        audioError = describeError(e);
      } finally {
        audioSem.release();
      }
    }
    const utt = runUtterance(entry, suite, hasAudio(entry) ? audio : undefined, qc, mapper, binner);
    await Promise.all(
      backends.map(async (b) => {
        const cell = cellOf(b, cond);
        cell.total++;
        const base = { runId, seq, uttId: entry.id, backendName: b.spec.name, backendKey: b.backend.key, conditionName: cond.name, conditionKey: cond.key, utt };
        if (!audio) {
          cell.audioFailed++;
          if (!opts.dryRun) recordItem(entry, { ...base, audioSha256: null, error: audioError });
          progress.tick('failed');
          return;
        }
        // Backends that answer by utterance id (precomputed hypotheses) must not share rows across identical audio.
        const contentKey = b.backend.keyByUtteranceId ? `${audio.sha256}#id=${entry.id}` : audio.sha256;
        const key: ResultKey = { backendKey: b.backend.key, conditionKey: cond.key, audioSha256: contentKey };
        const cached = store.getResult(key);
        if (cached && shouldReuse(cached)) {
          cell.cached++;
          if (!opts.dryRun) recordItem(entry, { ...base, audioSha256: contentKey, error: null });
          progress.tick('cached');
          return;
        }
        if (opts.dryRun) {
          cell.audioSecToDo += audio.durationSec;
          cell.estCostUsd += b.backend.estimateCostUsd?.(audio.durationSec) ?? 0;
          progress.tick('skipped');
          return;
        }
        const ks = keyString(key);
        let pending = inflight.get(ks);
        const own = !pending;
        if (!pending) {
          pending = call(b, audio, key, cell).finally(() => inflight.delete(ks));
          inflight.set(ks, pending);
        }
        const row = await pending;
        if (!row) {
          cell.skipped++;
          progress.tick('skipped');
          return;
        }
        if (own) cell.audioSecToDo += audio.durationSec;
        else cell.cached++;
        recordItem(entry, { ...base, audioSha256: contentKey, error: null });
        if (row.status === 'ok') cell.ok++;
        else cell.failed++;
        progress.tick(own ? (row.status === 'ok' ? 'ok' : 'failed') : 'cached');
      }),
    );
  };

  let seq = 0;
  let taken = 0;
  let textOnly = 0;
  let fatal: unknown;
  // Text-only utterances need every backend to answer by utterance id; the first one that cannot is named.
  const needAudio = backends.filter((b) => !b.backend.keyByUtteranceId);
  const seenIds = backends.some((b) => b.backend.unmatchedEntries) ? new Set<string>() : undefined;
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
        }
        taken++;
        for (const cond of conditions) {
          if (!(await window.acquire(softStop))) break outer;
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
    progress.stop();
  }
  if (fatal) {
    if (!opts.dryRun) store.endRun(runId, 'failed');
    throw fatal;
  }

  const status: RunStatus = opts.dryRun ? 'dry-run' : stop.aborted || hardStop.aborted ? 'interrupted' : budgetHit ? 'budget' : 'done';
  if (!opts.dryRun) store.endRun(runId, status);
  const unmatched: UnmatchedAnswers[] = [];
  if (seenIds && opts.limit === undefined && !opts.filter && status !== 'interrupted') {
    for (const b of backends) {
      const extra = b.backend.unmatchedEntries?.(seenIds) ?? [];
      if (!extra.length) continue;
      const examples = extra.slice(0, 5).map((x) => `${x.file}:${x.line} (${x.id})`);
      unmatched.push({ backend: b.spec.name, count: extra.length, examples });
      progress.log(
        `warning: backend "${b.spec.name}": ${extra.length} answer(s) for utterances not in the manifest, not scored: ${examples.join(', ')}${extra.length > examples.length ? ', …' : ''}`,
      );
    }
  }
  const unmapped = mapper?.unmappedValues() ?? [];
  if (unmapped.length) progress.log(mapper!.formatReport().trimEnd());
  for (const line of binner.report()) progress.log(line);
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
    textOnly,
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
