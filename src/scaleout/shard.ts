import { createHash } from 'node:crypto';
import { basename, dirname, extname, join } from 'node:path';
import { UsageError } from '../manifest/errors.ts';
import type { ProgressSink } from '../run/progress.ts';
import type { RunRecord } from '../run/store.ts';

/** Shard `index` of `count` (1-based: 1 ≤ index ≤ count). */
export interface ShardSpec {
  index: number;
  count: number;
}

/** Parses `i/n` (1-based). */
export function parseShardSpec(text: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new UsageError(`--shard: expected i/n (e.g. 1/3), got "${text}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) throw new UsageError(`--shard ${text}: need 1 ≤ i ≤ n (shards are numbered from 1)`);
  return { index, count };
}

export function formatShard(s: ShardSpec): string {
  return `${s.index}/${s.count}`;
}

/**
 * The 1-based shard an utterance id belongs to: the first 4 bytes of sha1(UTF-8 id) as a big-endian
 * unsigned integer, mod n, plus 1. Reproducible anywhere (Python: int(sha1(id).hexdigest()[:8], 16) % n + 1).
 */
export function shardOf(uttId: string, count: number): number {
  return (createHash('sha1').update(uttId, 'utf8').digest().readUInt32BE(0) % count) + 1;
}

/** Manifest-entry filter for the run engine: keeps the utterances of this shard. */
export function shardFilter(spec: ShardSpec): (entry: { id: string }) => boolean {
  return (entry) => shardOf(entry.id, spec.count) === spec.index;
}

/** `dir/store.sqlite` → `dir/store.shard-2-of-3.sqlite`. */
export function shardStorePath(storePath: string, spec: ShardSpec): string {
  const ext = extname(storePath) || '.sqlite';
  const stem = basename(storePath, extname(storePath));
  return join(dirname(storePath), `${stem}.shard-${spec.index}-of-${spec.count}${ext}`);
}

/** The shard spec a run recorded in its run row (meta.shard), if it was a sharded run. */
export function runShard(run: Pick<RunRecord, 'meta'>): ShardSpec | undefined {
  const s = (run.meta as { shard?: unknown }).shard as Partial<ShardSpec> | undefined;
  if (!s || typeof s.index !== 'number' || typeof s.count !== 'number') return undefined;
  return { index: s.index, count: s.count };
}

/**
 * The engine sizes its progress total from the whole manifest; a shard sees about 1/n of it. This sink
 * rescales the total to the shard's own count (known from a scan of the ids).
 */
export function shardProgress(inner: ProgressSink, shardUtterances: number, manifestUtterances: number): ProgressSink {
  return {
    start: (total) => inner.start(manifestUtterances > 0 ? Math.round((total * shardUtterances) / manifestUtterances) : total),
    tick: (o) => inner.tick(o),
    log: (l) => inner.log(l),
    warn: (t) => inner.warn(t),
    stop: () => inner.stop(),
  };
}
