// `asrfair merge` printed its own summary lines (one per shard, the merged run, the export) with a bare
// process.stdout.write: a shard store in a folder whose name holds ESC [ 2 J (clears the screen) or a bare CR (rewrites
// the line) reached the terminal raw. A real sharded run: the first 120 utterances of the Artie bias corpus scored with
// Google en-US's real answers, two shards, stores in a folder named with an ESC sequence and a CR. Every line merge
// prints must show them as visible escapes (\x1b, \x0d).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';

const MANIFEST = join(import.meta.dirname, '../../corpora/artie-bias-corpus/manifest.jsonl');
const GOOGLE = join(import.meta.dirname, '../../../shared/data/artie-bias-corpus/predictions/google/en-US/dec-4-2019.tsv');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-merge-escape-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const folder = join(dir, 'shards-\x1b[2J-\rX');
const shard = (i: number) => join(folder, `s.shard-${i}-of-2.sqlite`);
// eslint-disable-next-line no-control-regex
const RAW = /[\x00-\x08\x0b-\x1f\x7f]/;

beforeAll(async () => {
  mkdirSync(folder);
  writeFileSync(join(dir, 'manifest.jsonl'), readFileSync(MANIFEST, 'utf8').split('\n').slice(0, 120).join('\n') + '\n');
  writeFileSync(
    join(dir, 'sharded.yaml'),
    `name: sharded\nmanifest: manifest.jsonl\ngroupBy: [accent]\nnormaliser: basic\nseed: 1\nbootstrap: { B: 20 }\n` +
      `backends:\n  - { name: google-en-US, type: hypotheses, options: { file: ${GOOGLE}, idFrom: basename-without-extension } }\n`,
  );
  for (let i = 1; i <= 2; i++) {
    const r = await cli('run', join(dir, 'sharded.yaml'), '--shard', `${i}/2`, '--store', join(folder, 's.sqlite'), '--out', join(dir, `shard-${i}`), '--no-progress');
    expect(r.code, r.stderr).toBe(0);
  }
}, 120_000);

describe('merge escapes every line it prints', () => {
  it('shard paths, the merged store and the export folder holding ESC and CR show as \\x1b and \\x0d', async () => {
    const r = await cli('merge', join(folder, 'merged.sqlite'), shard(1), shard(2), '--out', join(folder, 'export'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(RAW);
    expect(r.stderr).not.toMatch(RAW);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith('shard '))).toHaveLength(2);
    for (const l of lines) expect(l).toContain('shards-\\x1b[2J-\\x0dX');
    expect(r.stdout).toMatch(/merged run merged-\w+: 120 utterances, 120 items, 120 results → .*merged\.sqlite/);
    expect(r.stdout).toMatch(/run export: .*shards-\\x1b\[2J-\\x0dX\/export \(120 rows, 0 failed\)/);
    // The second merge into the same store takes the "already merged" branch.
    const again = await cli('merge', join(folder, 'merged.sqlite'), shard(1), shard(2), '--no-export');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).not.toMatch(RAW);
    expect(again.stdout).toMatch(/already merged into .*shards-\\x1b\[2J-\\x0dX\/merged\.sqlite/);
  }, 120_000);

  it('a refusal naming a shard store in that folder is one escaped line', async () => {
    const r = await cli('merge', join(folder, 'm2.sqlite'), shard(1), '--no-export');
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(RAW);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('shards-\\x1b[2J-\\x0dX');
  }, 60_000);
});
