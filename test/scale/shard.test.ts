import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { runCommand } from '../../src/cli/commands/run.ts';
import { mergeShards } from '../../src/scaleout/merge.ts';
import { RunStore } from '../../src/run/store.ts';
import { exportRun } from '../../src/report/export-run.ts';
import { parseShardSpec, runShard, shardOf, shardStorePath } from '../../src/scaleout/shard.ts';
import { CLI, expectedHyp, ids, REPO, soxWavs, tmp, writeManifest, writeSuite } from './helpers.ts';

const N = 24;
let dir: string;
let suite: string;
const shardStores: string[] = [];
let fullStore: string;

const baseFlags = { progress: false, drainSec: 5 };

function results(exportDir: string): Map<string, Record<string, unknown>> {
  const rows = readFileSync(join(exportDir, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  // The audio path is relative to each export folder; everything else must match.
  return new Map(rows.map(({ audio: _a, ...r }) => [`${r.id}|${r.backend}|${r.condition}`, r]));
}

function silently<T>(f: () => Promise<T>): Promise<T> {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  return f().finally(() => {
    process.stdout.write = write;
  });
}

beforeAll(async () => {
  dir = tmp();
  const utts = ids(N);
  soxWavs(dir, utts);
  writeManifest(dir, utts);
  suite = writeSuite(dir, { log: join(dir, 'calls.log'), sleepSec: 0 });
  fullStore = join(dir, 'full.sqlite');
  await silently(() => runCommand(suite, { ...baseFlags, store: fullStore, out: join(dir, 'export-full') }));
  for (let i = 1; i <= 3; i++) {
    await silently(() => runCommand(suite, { ...baseFlags, store: join(dir, 'store.sqlite'), shard: `${i}/3`, out: join(dir, `export-shard-${i}`) }));
    shardStores.push(shardStorePath(join(dir, 'store.sqlite'), { index: i, count: 3 }));
  }
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('shard spec and hashing', () => {
  it('parses 1-based i/n and rejects the rest', () => {
    expect(parseShardSpec('2/3')).toEqual({ index: 2, count: 3 });
    expect(() => parseShardSpec('0/3')).toThrow(/1 ≤ i ≤ n/);
    expect(() => parseShardSpec('4/3')).toThrow(/1 ≤ i ≤ n/);
    expect(() => parseShardSpec('1-3')).toThrow(/expected i\/n/);
  });

  it('assigns ids by sha1 (reproducible outside asrfair)', () => {
    // The first 8 hex digits of sha1sum, mod n, plus 1.
    const hex = spawnSync('sh', ['-c', 'printf %s utt-000 | sha1sum'], { encoding: 'utf8' }).stdout.slice(0, 8);
    expect(shardOf('utt-000', 3)).toBe((parseInt(hex, 16) % 3) + 1);
    const counts = [0, 0, 0, 0];
    for (const id of ids(300)) counts[shardOf(id, 3)]++;
    expect(counts[0]).toBe(0);
    for (const c of counts.slice(1)) expect(c).toBeGreaterThan(70);
  });
});

describe('sharded run + merge', () => {
  it('each shard store holds only its utterances and records its shard spec', () => {
    const seen = new Set<string>();
    shardStores.forEach((p, i) => {
      const s = new RunStore(p);
      try {
        const [run] = s.listRuns();
        expect(runShard(run)).toEqual({ index: i + 1, count: 3 });
        const items = [...s.iterateRun(run.runId)];
        expect(items.length).toBeGreaterThan(0);
        for (const it of items) {
          expect(shardOf(it.uttId, 3)).toBe(i + 1);
          expect(seen.has(it.uttId)).toBe(false);
          seen.add(it.uttId);
        }
      } finally {
        s.close();
      }
    });
    expect(seen.size).toBe(N);
  });

  it('merged shards score exactly like the unsharded run, and merging again changes nothing', async () => {
    const out = join(dir, 'merged.sqlite');
    const m = await mergeShards({ out, shards: [...shardStores].reverse() });
    expect(m.utterances).toBe(N);
    expect(m.items).toBe(N);
    expect(m.manifestChecked).toBe(true);
    const store = new RunStore(out);
    try {
      await exportRun(store, m.runId, join(dir, 'export-merged'));
      const items = [...store.iterateRun(m.runId)];
      expect(items.map((i) => i.seq)).toEqual([...Array(N).keys()]);
      for (const it of items) expect(it.result?.hypothesis).toBe(expectedHyp(it.uttId));
    } finally {
      store.close();
    }
    const full = results(join(dir, 'export-full'));
    const merged = results(join(dir, 'export-merged'));
    expect(merged.size).toBe(N);
    expect([...merged.keys()].sort()).toEqual([...full.keys()].sort());
    for (const [k, r] of full) expect(merged.get(k)).toEqual(r);
    // Some utterances have errors, so equality is not trivially all-zero.
    expect([...full.values()].some((r) => (r.words as { sub: number; del: number }).del > 0)).toBe(true);

    const again = await mergeShards({ out, shards: shardStores });
    expect(again.runId).toBe(m.runId);
    const s2 = new RunStore(out);
    try {
      expect(s2.countItems(m.runId)).toBe(N);
      expect(s2.listRuns()).toHaveLength(1);
      expect((s2.db.prepare('SELECT COUNT(*) AS n FROM results').get() as { n: number }).n).toBe(N);
    } finally {
      s2.close();
    }
  });

  it('refuses an incomplete set of shards', async () => {
    await expect(mergeShards({ out: join(dir, 'x1.sqlite'), shards: shardStores.slice(0, 2) })).rejects.toThrow(/incomplete: shard 3\/3 missing/);
  });

  it('refuses two stores claiming the same shard', async () => {
    const copy = join(dir, 'copy-of-1.sqlite');
    copyFileSync(shardStores[0], copy);
    await expect(mergeShards({ out: join(dir, 'x2.sqlite'), shards: [...shardStores, copy] })).rejects.toThrow(/overlapping shards: .* both shard 1\/3/);
  });

  it('refuses a store whose utterances belong to another shard', async () => {
    const fake = join(dir, 'fake-2.sqlite');
    copyFileSync(shardStores[0], fake);
    const s = new RunStore(fake);
    s.db.prepare(`UPDATE runs SET meta_json = json_set(meta_json, '$.shard.index', 2)`).run();
    s.close();
    await expect(mergeShards({ out: join(dir, 'x3.sqlite'), shards: [shardStores[0], fake, shardStores[2]] })).rejects.toThrow(
      /(belongs to shard 1\/3, not 2\/3|overlapping shards: utterance)/,
    );
  });

  it('refuses an unfinished shard and shards of another manifest', async () => {
    const unfinished = join(dir, 'unfinished-3.sqlite');
    copyFileSync(shardStores[2], unfinished);
    const s = new RunStore(unfinished);
    s.db.prepare(`UPDATE runs SET status = 'interrupted'`).run();
    s.close();
    await expect(mergeShards({ out: join(dir, 'x4.sqlite'), shards: [shardStores[0], shardStores[1], unfinished] })).rejects.toThrow(/shard 3\/3 .* is "interrupted", not done/);

    const other = join(dir, 'other-2.sqlite');
    copyFileSync(shardStores[1], other);
    const o = new RunStore(other);
    o.db.prepare(`UPDATE runs SET corpus_hash = 'ffff'`).run();
    o.close();
    await expect(mergeShards({ out: join(dir, 'x5.sqlite'), shards: [shardStores[0], other, shardStores[2]] })).rejects.toThrow(/corpus hash .* differs/);
  });

  it('asrfair merge exits 2 with the store named, and exports a merged run the report reads', () => {
    const bad = spawnSync(process.execPath, [CLI, 'merge', join(dir, 'cli-bad.sqlite'), shardStores[0], shardStores[1]], { cwd: REPO, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(shardStores[0]);
    expect(bad.stderr).toMatch(/shard 3\/3 missing/);
    const exportDir = join(dir, 'cli-export');
    const ok = spawnSync(process.execPath, [CLI, 'merge', join(dir, 'cli.sqlite'), ...shardStores, '--out', exportDir], { cwd: REPO, encoding: 'utf8' });
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/merged run merged-[0-9a-f]{12}: 24 utterances/);
    const merged = results(exportDir);
    const full = results(join(dir, 'export-full'));
    for (const [k, r] of full) expect(merged.get(k)).toEqual(r);
  }, 60_000);
});
