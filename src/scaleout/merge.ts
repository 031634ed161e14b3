import { createHash } from 'node:crypto';
import { itemsPerUtterance } from '../run/conditions.ts';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from '../manifest/errors.ts';
import { readManifest } from '../manifest/jsonl.ts';
import { hashFiles } from '../run/corpus.ts';
import { checkResultRow, RESULT_COLUMNS, RESULT_UPSERT_KEEPING_OK, RunStore, type ResultDbRow, type RunRecord } from '../run/store.ts';
import { mergedSubset } from '../run/subset.ts';
import { formatShard, runShard, shardOf, type ShardSpec } from './shard.ts';

export interface MergeOptions {
  /** Store to write the merged run into (created if missing; may be an existing workspace store). */
  out: string;
  /** Shard stores written by `asrfair run --shard i/n`. */
  shards: string[];
  warn?: (message: string) => void;
}

export interface MergedShard {
  path: string;
  runId: string;
  shard: ShardSpec;
  utterances: number;
  items: number;
}

/** A shard store's `results` row that merge did not copy because it is corrupt (checkResultRow). */
export interface CorruptShardRow {
  /** The shard store (absolute path) and its table (`results`). */
  store: string;
  table: 'results';
  backendKey: string;
  conditionKey: string;
  audioSha256: string;
  /** What is wrong with the row (checkResultRow's problem). */
  problem: string;
  /** The run items of the shard's run that point at the row: utterance, backend and condition names, labels. */
  items: { uttId: string; backendName: string; conditionName: string; labels: Record<string, string> }[];
}

export interface MergeResult {
  /** Run id of the merged run: derived from the shard run ids, so merging the same shards again replaces it. */
  runId: string;
  out: string;
  shards: MergedShard[];
  utterances: number;
  items: number;
  results: number;
  /** Whether coverage was checked against the manifest (false when the manifest is not readable here). */
  manifestChecked: boolean;
  /** The merged run was already in `out`, done: nothing was written (merging the same shards again). */
  alreadyMerged: boolean;
  /**
   * Corrupt `results` rows of the shard stores, each warned about and not copied: the merged run's items that point at
   * one count as failed (their `error` says why) until a run of the suite on `out` decodes them again.
   */
  corrupt: CorruptShardRow[];
  /** The items of `corrupt` per grouping key of the suite (`groupBy`) → group (`undeclared` when unlabelled) → count. */
  corruptByGroup: Record<string, Record<string, number>>;
}

const keyOf = (k: { backendKey: string; conditionKey: string; audioSha256: string }) => `${k.backendKey}\u0000${k.conditionKey}\u0000${k.audioSha256}`;

/** The warning on one corrupt shard row: store, table, key, the utterance(s) it belongs to, the problem, what happens. */
function corruptWarning(c: CorruptShardRow, out: string): string {
  const utts = c.items.map((i) => `utterance ${i.uttId}, ${i.backendName}, ${i.conditionName}`).join('; ');
  return `${c.store}: corrupt results row (backend key ${c.backendKey}, condition ${c.conditionKey}, audio ${c.audioSha256}${utts ? `; ${utts}` : ''}): ${c.problem}; not copied into ${out}: counted as failed in the merged run, and a run of the suite on ${out} decodes it again`;
}

/** The error the merged run's item gets for a result left out as corrupt (run_items.error; the card counts it as failed). */
function corruptItemError(c: CorruptShardRow): string {
  return `its result in shard store ${c.store} is corrupt (${c.problem}): not copied by merge; run the suite on the merged store to decode it again`;
}

export interface ShardRun {
  path: string;
  run: RunRecord;
  shard: ShardSpec & { limit?: number };
}

/** The latest sharded run of a shard store. */
function shardRunOf(path: string): ShardRun {
  if (!existsSync(path)) throw new InputError(path, undefined, 'shard store not found');
  const store = new RunStore(path);
  try {
    const runs = store.listRuns().filter((r) => runShard(r) !== undefined);
    const run = runs.at(-1);
    if (!run) throw new InputError(path, undefined, 'no sharded run in this store (write shard stores with `asrfair run <suite> --shard i/n`)');
    const shard = (run.meta as unknown as { shard: ShardSpec & { limit?: number } }).shard;
    if (run.status !== 'done') {
      throw new InputError(path, undefined, `shard ${formatShard(shard)} (run ${run.runId}) is "${run.status}", not done: rerun \`asrfair run ... --shard ${formatShard(shard)}\` to finish it, then merge`);
    }
    return { path, run, shard };
  } finally {
    store.close();
  }
}

/**
 * What differs between two shard runs' configurations, one phrase per field (`suite name "a" vs "b"`, `normaliser basic
 * v1 vs english v2`, `backend "rec" key command:…:abc vs command:…:def`, `condition "noise" missing`), empty when
 * they match. Fields: suite name, normaliser (and its version), seed, backends (name → key), conditions (name → key).
 */
export function configDifferences(a: RunRecord, b: RunRecord): string[] {
  const out: string[] = [];
  const q = (x: unknown) => JSON.stringify(x);
  if (a.suiteName !== b.suiteName) out.push(`suite name ${q(b.suiteName)} vs ${q(a.suiteName)}`);
  if (a.normaliser !== b.normaliser || a.normaliserVersion !== b.normaliserVersion) {
    out.push(`normaliser ${b.normaliser} v${b.normaliserVersion} vs ${a.normaliser} v${a.normaliserVersion}`);
  }
  if (a.seed !== b.seed) out.push(`seed ${b.seed} vs ${a.seed}`);
  const pairs = (what: string, xs: { name: string; key: string }[], ys: { name: string; key: string }[]) => {
    const mine = new Map(ys.map((x) => [x.name, x.key]));
    const theirs = new Map(xs.map((x) => [x.name, x.key]));
    for (const [name, key] of mine) {
      const other = theirs.get(name);
      if (other === undefined) out.push(`${what} ${q(name)} only here`);
      else if (other !== key) out.push(`${what} ${q(name)} key ${key} vs ${other} (its version, options or model files differ)`);
    }
    for (const name of theirs.keys()) if (!mine.has(name)) out.push(`${what} ${q(name)} missing here`);
    if (!out.length && [...mine.keys()].join('\n') !== [...theirs.keys()].join('\n')) out.push(`${what}s in another order`);
  };
  pairs('backend', a.meta.backends, b.meta.backends);
  pairs('condition', a.meta.conditions, b.meta.conditions);
  return out;
}

/** A shard's backends: those it ran (run --backend NAME, in run order) and those its suite lists (run.json `backendSubset`). */
function backendSetOf(r: ShardRun): { ran: string[]; suite: string[] } {
  const ran = r.run.meta.backends.map((b) => b.name);
  return { ran, suite: r.run.meta.backendSubset?.suiteBackends ?? ran };
}

/**
 * The shards' backend sets (`run --backend NAME`, run.json `backendSubset`) must be one: the merged run keeps it, and
 * its card says which of the suite's backends ran. Different sets are refused with one InputError naming each shard
 * (grouped by set) and the backends it ran of its suite's, since a merged card would claim a backend covers utterances
 * of shards it never ran on, or name the wrong backends as left out.
 */
export function checkBackendSets(runs: readonly ShardRun[]): void {
  const sets = new Map<string, { set: { ran: string[]; suite: string[] }; shards: ShardRun[] }>();
  for (const r of [...runs].sort((a, b) => a.shard.index - b.shard.index)) {
    const set = backendSetOf(r);
    const k = JSON.stringify(set);
    if (!sets.has(k)) sets.set(k, { set, shards: [] });
    sets.get(k)!.shards.push(r);
  }
  if (sets.size < 2) return;
  const q = (names: string[]) => names.map((n) => JSON.stringify(n)).join(', ');
  const parts = [...sets.values()].map(({ set, shards }) => {
    const which = `shard${shards.length > 1 ? 's' : ''} ${shards.map((r) => `${formatShard(r.shard)} (${r.path})`).join(', ')}`;
    const all = set.suite.length === set.ran.length && set.suite.every((n) => set.ran.includes(n));
    return `${which} ran ${q(set.ran)} (${all ? 'every backend of its suite' : `--backend ${set.ran.join(',')} of its suite's ${q(set.suite)}`})`;
  });
  const blamed = [...sets.values()][1].shards[0];
  throw new InputError(
    blamed.path,
    undefined,
    `shards ran different backend sets: ${parts.join('; ')}: a merged card would say a backend covers utterances it never ran on; rerun the shards with the same suite and --backend (stored results are reused), then merge`,
  );
}

/** Same suite, corpus and configuration; shards 1..n each present exactly once. */
function checkShardSet(runs: ShardRun[]): void {
  checkBackendSets(runs);
  const first = runs[0];
  for (const r of runs.slice(1)) {
    if (r.run.corpusHash !== first.run.corpusHash) {
      throw new InputError(r.path, undefined, `corpus hash ${r.run.corpusHash.slice(0, 12)}… differs from ${first.path} (${first.run.corpusHash.slice(0, 12)}…): shards of different manifests`);
    }
    const diff = configDifferences(first.run, r.run);
    if (diff.length) {
      throw new InputError(r.path, undefined, `shard ${formatShard(r.shard)} ran another configuration than ${first.path} (shard ${formatShard(first.shard)}): ${diff.join('; ')} (this shard's value first): shards of different runs`);
    }
    if (r.shard.count !== first.shard.count) throw new InputError(r.path, undefined, `shard ${formatShard(r.shard)} is not one of ${first.shard.count} like ${first.path} (${formatShard(first.shard)})`);
    if (r.shard.limit !== first.shard.limit) throw new InputError(r.path, undefined, `--limit ${r.shard.limit ?? 'none'} differs from ${first.path} (--limit ${first.shard.limit ?? 'none'})`);
  }
  const byIndex = new Map<number, string>();
  for (const r of runs) {
    const prev = byIndex.get(r.shard.index);
    if (prev) throw new InputError(r.path, undefined, `overlapping shards: this store and ${prev} are both shard ${formatShard(r.shard)}`);
    byIndex.set(r.shard.index, r.path);
  }
  const n = first.shard.count;
  const missing = Array.from({ length: n }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length) throw new InputError(first.path, undefined, `incomplete: shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${n}`).join(', ')} missing (got ${runs.length} of ${n} stores)`);
}

/** Manifest ids in order (the first `limit` only), or undefined when the manifests are not readable here or changed. */
async function manifestIds(run: RunRecord, limit: number | undefined, warn: (m: string) => void): Promise<string[] | undefined> {
  const files = ((run.suite as { manifests?: string[] }).manifests ?? []).map((f) => resolve(f));
  if (!files.length || files.some((f) => !existsSync(f))) {
    warn(`manifest ${files.join(', ') || '(none recorded)'} not readable here: checked the shards against each other only, not against the manifest`);
    return undefined;
  }
  if ((await hashFiles(files)) !== run.corpusHash) {
    throw new InputError(files[0], undefined, 'manifest changed since the shards ran (corpus hash differs): rerun the shards or merge where the original manifest is');
  }
  const ids: string[] = [];
  for (const f of files) {
    for await (const e of readManifest(f)) {
      if (limit !== undefined && ids.length >= limit) return ids;
      ids.push(e.id);
    }
  }
  return ids;
}

/**
 * Merges shard stores into one run: checks the shards belong together and cover the manifest exactly
 * once, then copies their run items and the results they point at into `out`. Writes are keyed (result
 * key; run id + item key), so merging again is a no-op.
 */
export async function mergeShards(opts: MergeOptions): Promise<MergeResult> {
  const warn = opts.warn ?? (() => undefined);
  if (opts.shards.length === 0) throw new InputError(opts.out, undefined, 'no shard stores given');
  const outPath = resolve(opts.out);
  const paths = opts.shards.map((p) => resolve(p));
  const dup = paths.find((p, i) => paths.indexOf(p) !== i);
  if (dup) throw new InputError(dup, undefined, 'the same shard store is given twice');
  if (paths.includes(outPath)) throw new InputError(outPath, undefined, 'the merged store must not be one of the shard stores');
  const runs = paths.map(shardRunOf);
  checkShardSet(runs);
  runs.sort((a, b) => a.shard.index - b.shard.index);
  const first = runs[0].run;
  // Backends × conditions, less those a backend that reads no audio was not run under (run meta cleanOnly).
  const perUtt = itemsPerUtterance(first.meta);

  // Every shard holds only its own utterances, each complete, and no utterance appears twice.
  const owner = new Map<string, number>();
  const shardInfo: MergedShard[] = [];
  // Backend name → code version of its results (RunItem.codeVersion) → the shards holding one: one run never mixes two.
  const codeOf = new Map<string, Map<string, Set<string>>>();
  // Corrupt results rows (checkResultRow) met in each shard's run: warned about and left out, never a refusal.
  const corrupt = new Map<string, CorruptShardRow>();
  for (const r of runs) {
    const store = new RunStore(r.path, { onWarning: () => undefined });
    try {
      const seen = new Map<string, number>();
      let items = 0;
      for (const it of store.iterateRun(r.run.runId)) {
        items++;
        const home = shardOf(it.uttId, r.shard.count);
        if (home !== r.shard.index) throw new InputError(r.path, undefined, `utterance ${it.uttId} belongs to shard ${home}/${r.shard.count}, not ${formatShard(r.shard)}`);
        const other = owner.get(it.uttId);
        if (other !== undefined && other !== r.shard.index) throw new InputError(r.path, undefined, `overlapping shards: utterance ${it.uttId} is in shard ${other}/${r.shard.count} and ${formatShard(r.shard)}`);
        owner.set(it.uttId, r.shard.index);
        if (it.audioSha256 !== null && !it.result) {
          const k = { backendKey: it.backendKey, conditionKey: it.conditionKey, audioSha256: it.audioSha256 };
          const bad = store.corruptRows().find((c) => keyOf(c) === keyOf(k));
          if (bad) {
            const ck = `${r.path}\u0000${keyOf(k)}`;
            if (!corrupt.has(ck)) corrupt.set(ck, { store: r.path, table: 'results', ...k, problem: bad.problem, items: [] });
            corrupt.get(ck)!.items.push({ uttId: it.uttId, backendName: it.backendName, conditionName: it.conditionName, labels: it.utt.labels });
            seen.set(it.uttId, (seen.get(it.uttId) ?? 0) + 1);
            continue;
          }
          throw new InputError(r.path, undefined, `result missing for utterance ${it.uttId} (${it.backendName}, ${it.conditionName}): ${it.error ?? 'the shard store is incomplete'}`);
        }
        if (it.result) {
          let versions = codeOf.get(it.backendName);
          if (!versions) codeOf.set(it.backendName, (versions = new Map()));
          const v = it.codeVersion ?? 'unstamped (an asrfair older than the stamp)';
          if (!versions.has(v)) versions.set(v, new Set());
          versions.get(v)!.add(formatShard(r.shard));
        }
        seen.set(it.uttId, (seen.get(it.uttId) ?? 0) + 1);
      }
      for (const [id, n] of seen) {
        if (n !== perUtt) throw new InputError(r.path, undefined, `utterance ${id} has ${n} of ${perUtt} backend × condition items: the shard run is incomplete`);
      }
      // The shard's run recorded how many utterances it covers (run.json `subset`: "N of M"): a store that holds
      // fewer lost rows, whether or not the manifest is readable here to say which.
      const recorded = r.run.meta.subset;
      if (recorded?.how === 'shard' && seen.size !== recorded.utterances) {
        throw new InputError(
          r.path,
          undefined,
          `shard ${formatShard(r.shard)} holds ${seen.size} utterance(s) but its run ${r.run.runId} recorded ${recorded.utterances} (of ${recorded.manifestUtterances} in the manifest): rows of this store are lost; rerun \`asrfair run <suite> --shard ${formatShard(r.shard)}\` (stored results are reused), then merge`,
        );
      }
      shardInfo.push({ path: r.path, runId: r.run.runId, shard: r.shard, utterances: seen.size, items });
    } finally {
      store.close();
    }
  }
  for (const [backend, versions] of codeOf) {
    if (versions.size < 2) continue;
    const made = [...versions].map(([v, shards]) => `${v} (shard ${[...shards].join(', ')})`).join('; ');
    throw new InputError(runs[0].path, undefined, `shards decoded by different asrfair code: backend "${backend}" results were made by ${made}; rerun the shards with one asrfair (a rerun decodes only the results of the other code)`);
  }

  // Each shard recorded "N of M": together they must be the whole manifest (or its first --limit).
  const records = runs.map((r) => r.run.meta.subset);
  if (records.every((x) => x?.how === 'shard')) {
    const sum = records.reduce((n, x) => n + x!.utterances, 0);
    const m = records[0]!.manifestUtterances;
    const want = Math.min(m, runs[0].shard.limit ?? m);
    if (sum !== want) {
      throw new InputError(
        runs[0].path,
        undefined,
        `the shards recorded ${records.map((x) => x!.utterances).join(' + ')} = ${sum} utterances, not the ${want} of ${runs[0].shard.limit !== undefined ? `the first --limit ${runs[0].shard.limit} of ` : ''}the manifest's ${m}: shards of different manifests or limits`,
      );
    }
  } else {
    warn(`shard ${runs.filter((_, i) => records[i]?.how !== 'shard').map((r) => formatShard(r.shard)).join(', ')} record${records.filter((x) => x?.how !== 'shard').length === 1 ? 's' : ''} no utterance count (a store from an older asrfair): its share of the manifest is not checked`);
  }

  const ids = await manifestIds(first, runs[0].shard.limit, warn);
  if (ids) {
    const inManifest = new Set(ids);
    const missing = ids.filter((id) => !owner.has(id));
    if (missing.length) {
      const n = runs[0].shard.count;
      // Blamed on the shard that should hold it (its id's hash says which), not on the first store.
      const lacking = runs.find((r) => r.shard.index === shardOf(missing[0], n))!;
      const here = missing.filter((id) => shardOf(id, n) === lacking.shard.index);
      throw new InputError(
        lacking.path,
        undefined,
        `incomplete: ${missing.length} manifest utterance(s) in no shard; shard ${formatShard(lacking.shard)} lacks ${here.slice(0, 3).join(', ')}${here.length > 3 ? ` and ${here.length - 3} more` : ''}${missing.length > here.length ? ` (other shards lack ${missing.length - here.length})` : ''}: rerun \`asrfair run <suite> --shard ${formatShard(lacking.shard)}\`, then merge`,
      );
    }
    const extra = [...owner.keys()].find((id) => !inManifest.has(id));
    if (extra) throw new InputError(runs[owner.get(extra)! - 1].path, undefined, `utterance ${extra} is not in the manifest`);
  }

  const runId = `merged-${createHash('sha256').update(runs.map((r) => r.run.runId).join('\n')).digest('hex').slice(0, 12)}`;
  const out = new RunStore(outPath);
  let items = 0;
  let results = 0;
  try {
    if (out.getRun(runId)?.status === 'done') {
      // The same shard runs merged before (the id is derived from theirs): nothing new to write.
      return { runId, out: outPath, shards: shardInfo, utterances: owner.size, items: out.countItems(runId), results: 0, manifestChecked: ids !== undefined, alreadyMerged: true, corrupt: [], corruptByGroup: {} };
    }
    const db = out.db;
    // Every shard together is the whole manifest (or, with --limit N, its first N): not a shard's subset record.
    const { shard: _s, subset: _sub, ...baseMeta } = first.meta as typeof first.meta & { shard?: unknown };
    const merged = mergedSubset(runs.map((r) => r.run.meta.subset));
    if (merged.missing) warn(`the shards ran with --limit ${runs[0].shard.limit} but do not record which groups it left out (stores from an older asrfair): the merged run's card cannot name them`);
    const meta = { ...baseMeta, ...(merged.subset ? { subset: merged.subset } : {}), mergedFrom: runs.map((r) => ({ shard: formatShard(r.shard), runId: r.run.runId, store: r.path })) };
    const startedAt = runs.map((r) => r.run.startedAt).sort()[0];
    const endedAt = runs.map((r) => r.run.endedAt ?? r.run.startedAt).sort().at(-1)!;
    db.prepare(
      `INSERT INTO runs (run_id, suite_name, suite_path, suite_json, corpus_hash, tool_version, normaliser, normaliser_version, seed,
         started_at, ended_at, status, out_dir, meta_json)
       VALUES (@runId, @suiteName, @suitePath, @suite, @corpusHash, @toolVersion, @normaliser, @normaliserVersion, @seed, @startedAt, @endedAt, 'merging', NULL, @meta)
       ON CONFLICT(run_id) DO UPDATE SET started_at = excluded.started_at, ended_at = excluded.ended_at, status = 'merging', meta_json = excluded.meta_json`,
    ).run({
      runId,
      suiteName: first.suiteName,
      suitePath: first.suitePath,
      suite: JSON.stringify(first.suite),
      corpusHash: first.corpusHash,
      toolVersion: first.toolVersion,
      normaliser: first.normaliser,
      normaliserVersion: first.normaliserVersion,
      seed: first.seed,
      startedAt,
      endedAt,
      meta: JSON.stringify(meta),
    });
    for (const c of corrupt.values()) warn(corruptWarning(c, outPath));
    const columns = RESULT_COLUMNS.split(', ') as (keyof ResultDbRow)[];
    // Like RunStore.putResult: an ok result already in <out> (a workspace store) is never replaced by a failure.
    const insertResult = db.prepare(`INSERT INTO results (${RESULT_COLUMNS}) VALUES (${columns.map(() => '?').join(', ')}) ${RESULT_UPSERT_KEEPING_OK}`);
    const markItem = db.prepare(
      `UPDATE run_items SET error = ? WHERE run_id = ? AND backend_key = ? AND condition_key = ? AND audio_sha256 = ?
       AND NOT EXISTS (SELECT 1 FROM results WHERE backend_key = ? AND condition_key = ? AND audio_sha256 = ?)`,
    );
    for (const r of runs) {
      db.prepare('ATTACH DATABASE ? AS shard').run(r.path);
      // Each row is checked as it is copied (read through a connection of its own: <out>'s writes while iterating).
      const shardStore = new RunStore(r.path, { onWarning: () => undefined });
      try {
        const rows = shardStore.db.prepare<[string], ResultDbRow>(
          `SELECT ${RESULT_COLUMNS} FROM results res WHERE EXISTS (SELECT 1 FROM run_items i WHERE i.run_id = ? AND i.backend_key = res.backend_key
             AND i.condition_key = res.condition_key AND i.audio_sha256 = res.audio_sha256)`,
        );
        db.transaction(() => {
          for (const row of rows.iterate(r.run.runId)) {
            const k = { backendKey: row.backend_key, conditionKey: row.condition_key, audioSha256: row.audio_sha256 };
            const checked = checkResultRow(row);
            if ('problem' in checked) {
              // Not met through the run's items (none points at it with its code version): said here, still not copied.
              const ck = `${r.path}\u0000${keyOf(k)}`;
              if (!corrupt.has(ck)) {
                const c: CorruptShardRow = { store: r.path, table: 'results', ...k, problem: checked.problem, items: [] };
                corrupt.set(ck, c);
                warn(corruptWarning(c, outPath));
              }
              continue;
            }
            results += insertResult.run(...columns.map((c) => row[c])).changes;
          }
          db.prepare(
            `INSERT OR IGNORE INTO audio_qc SELECT q.* FROM shard.audio_qc q
             WHERE q.audio_sha256 IN (SELECT audio_sha256 FROM shard.run_items WHERE run_id = ?)`,
          ).run(r.run.runId);
          items += db
            .prepare(
              `INSERT OR REPLACE INTO run_items (run_id, seq, utt_id, backend_name, backend_key, condition_name, condition_key, audio_sha256, error, utt_json, code_version)
               SELECT ?, seq, utt_id, backend_name, backend_key, condition_name, condition_key, audio_sha256, error, utt_json, code_version
               FROM shard.run_items WHERE run_id = ?`,
            )
            .run(runId, r.run.runId).changes;
          for (const c of corrupt.values()) {
            if (c.store !== r.path) continue;
            const k = [c.backendKey, c.conditionKey, c.audioSha256];
            markItem.run(corruptItemError(c), runId, ...k, ...k);
          }
        })();
      } finally {
        shardStore.close();
        db.exec('DETACH DATABASE shard');
      }
    }
    // Only now is the merged run whole: a merge killed before this line leaves it "merging", which export
    // and report refuse, and the same merge command again finishes it.
    db.prepare("UPDATE runs SET status = 'done' WHERE run_id = ?").run(runId);
  } finally {
    out.close();
  }
  const groupBy = ((first.suite as { groupBy?: unknown }).groupBy as string[] | undefined) ?? [];
  const corruptByGroup: Record<string, Record<string, number>> = {};
  for (const key of groupBy) {
    for (const c of corrupt.values()) {
      for (const it of c.items) {
        const g = it.labels[key] || 'undeclared';
        (corruptByGroup[key] ??= {})[g] = (corruptByGroup[key]?.[g] ?? 0) + 1;
      }
    }
  }
  return { runId, out: outPath, shards: shardInfo, utterances: owner.size, items, results, manifestChecked: ids !== undefined, alreadyMerged: false, corrupt: [...corrupt.values()], corruptByGroup };
}
