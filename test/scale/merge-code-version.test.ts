/**
 * One run never mixes results of two asrfair code versions (stop 24's note: the run store did not know our code
 * version). Shards run at different times can be made by different code: `merge` refuses them, naming the backend,
 * both versions and their shards; shards of one code merge as before. Real data: speechocean762 clips through the real
 * PocketSphinx, 2 shards; "old code" is faked by editing the stamps stored in one shard's SQLite store.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from '../../src/cli/commands/run.ts';
import { mergeShards } from '../../src/scaleout/merge.ts';
import { RunStore } from '../../src/run/store.ts';
import { shardStorePath } from '../../src/scaleout/shard.ts';
import { codeVersion } from '../../src/backends/code-version.ts';
import { tmp } from './helpers.ts';

const SO = join(import.meta.dirname, '../../corpora/speechocean762-sample');
const dir = tmp('asrfair-merge-code-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const OLD = 'asrfair 0.0.1, source sha256 000000000000 (13 files)';

describe('merge of shards made by different asrfair code', () => {
  it('refuses them with both versions and their shards; the same code merges', async () => {
    const lines = readFileSync(join(SO, 'manifest.jsonl'), 'utf8').trim().split('\n').slice(0, 5); // the 5th is the first of shard 2/2
    writeFileSync(join(dir, 'm.jsonl'), lines.map((l) => JSON.stringify({ ...JSON.parse(l), audio: join(SO, JSON.parse(l).audio) })).join('\n') + '\n');
    const suite = join(dir, 'suite.yaml');
    writeFileSync(suite, 'name: merge-code\nmanifest: m.jsonl\ngroupBy: [gender]\nqc: false\nbackends:\n  - { name: ps, type: pocketsphinx, options: { processes: 1 } }\n');
    const shards: string[] = [];
    const say = () => undefined;
    for (let i = 1; i <= 2; i++) {
      await runCommand(suite, { progress: false, drainSec: 5, store: join(dir, 'store.sqlite'), shard: `${i}/2`, out: join(dir, `export-${i}`), say });
      shards.push(shardStorePath(join(dir, 'store.sqlite'), { index: i, count: 2 }));
    }
    const old = join(dir, 'old-2.sqlite');
    copyFileSync(shards[1]!, old);
    const s = new RunStore(old);
    s.db.prepare('UPDATE results SET code_version = ?').run(OLD);
    s.db.prepare('UPDATE run_items SET code_version = ?').run(OLD);
    s.close();
    const now = codeVersion(['backends/pocketsphinx.ts']);
    await expect(mergeShards({ out: join(dir, 'mixed.sqlite'), shards: [shards[0]!, old] })).rejects.toThrow(
      `shards decoded by different asrfair code: backend "ps" results were made by ${now} (shard 1/2); ${OLD} (shard 2/2); rerun the shards with one asrfair`,
    );
    const m = await mergeShards({ out: join(dir, 'merged.sqlite'), shards });
    expect(m.utterances).toBe(5);
  }, 120_000);
});
