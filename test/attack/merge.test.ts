/**
 * Issue 13, items 1 and 11 for `merge`: merging shards into a workspace store used INSERT OR REPLACE (a
 * shard's failure replaced the workspace's ok result), and the merged run was marked `done` before its
 * shards were copied, so a merge that died half-way exported a partial run as whole.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runCommand } from '../../src/cli/commands/run.ts';
import { mergeShards } from '../../src/scaleout/merge.ts';
import { RunStore } from '../../src/run/store.ts';
import { exportRun } from '../../src/report/export-run.ts';
import { shardStorePath } from '../../src/scaleout/shard.ts';
import { ids, soxWavs, tmp, writeManifest, writeSuite } from '../scale/helpers.ts';

const N = 12;
let dir: string;
let suite: string;
const shards: string[] = [];
let full: string;

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
  full = join(dir, 'full.sqlite');
  await silently(() => runCommand(suite, { progress: false, drainSec: 5, store: full, out: join(dir, 'export-full') }));
  for (let i = 1; i <= 2; i++) {
    await silently(() => runCommand(suite, { progress: false, drainSec: 5, store: join(dir, 'store.sqlite'), shard: `${i}/2`, out: join(dir, `export-shard-${i}`) }));
    shards.push(shardStorePath(join(dir, 'store.sqlite'), { index: i, count: 2 }));
  }
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('merge', () => {
  it('smallest input: a shard failure does not replace an ok result already in the workspace store', async () => {
    const shard1 = join(dir, 'failing-shard-1.sqlite');
    copyFileSync(shards[0], shard1);
    const db = new Database(shard1);
    const key = db.prepare('SELECT backend_key, condition_key, audio_sha256 FROM results LIMIT 1').get() as Record<string, string>;
    db.prepare("UPDATE results SET status = 'failed', hypothesis = NULL, error = 'HTTP 503', retryable = 1 WHERE audio_sha256 = ?").run(key.audio_sha256);
    db.close();
    const ws = join(dir, 'workspace.sqlite');
    copyFileSync(full, ws);
    await mergeShards({ out: ws, shards: [shard1, shards[1]] });
    const out = new Database(ws, { readonly: true });
    const row = out.prepare('SELECT status, hypothesis FROM results WHERE audio_sha256 = ?').get(key.audio_sha256) as { status: string; hypothesis: string };
    out.close();
    expect(row.status).toBe('ok');
    expect(row.hypothesis).toMatch(/^hello/);
  });

  it('a merge that dies half-way leaves the merged run "merging" (export refuses it); the same merge again finishes it', async () => {
    const out = join(dir, 'half.sqlite');
    // Stand-in for a kill or a full disk after the first shard was copied: the out store refuses shard 2's items.
    const s = new RunStore(out);
    const second = new Database(shards[1], { readonly: true });
    const victim = (second.prepare('SELECT utt_id FROM run_items LIMIT 1').get() as { utt_id: string }).utt_id;
    second.close();
    s.db.exec(`CREATE TRIGGER die BEFORE INSERT ON run_items WHEN NEW.utt_id = '${victim}' BEGIN SELECT RAISE(ABORT, 'simulated crash'); END`);
    s.close();
    await expect(mergeShards({ out, shards })).rejects.toThrow(/simulated crash/);
    const store = new RunStore(out);
    try {
      const run = store.listRuns().at(-1)!;
      expect(run.status).toBe('merging');
      expect(store.countItems(run.runId)).toBeLessThan(N);
      await expect(exportRun(store, run.runId, join(dir, 'half-export'))).rejects.toThrow(/incomplete/);
      store.db.exec('DROP TRIGGER die');
    } finally {
      store.close();
    }
    const m = await mergeShards({ out, shards });
    const again = new RunStore(out);
    try {
      expect(again.getRun(m.runId)!.status).toBe('done');
      expect(again.countItems(m.runId)).toBe(N);
      const r = await exportRun(again, m.runId, join(dir, 'whole-export'));
      expect(r.rows).toBe(N);
      expect(r.incomplete).toBeUndefined();
    } finally {
      again.close();
    }
  });
});
