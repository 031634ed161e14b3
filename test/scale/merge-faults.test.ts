// Fresh-user trial 13, `merge`: shards of the real Artie bias corpus (1,712 Common Voice clips) scored with Google
// en-US's real answers, three shards. A shard store that lost a run_items row is refused, naming that shard and its
// recorded count, whether or not the manifest is readable at merge time (trial: with the manifest moved away, "1711
// utterances" was presented as a whole run); with the manifest, the missing utterance is blamed on the shard that
// lacks it; a shard from a changed suite says which field differs; merging again says "nothing new to merge".
import { copyFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { cli } from '../helpers/cli.ts';

const MANIFEST = join(import.meta.dirname, '../../corpora/artie-bias-corpus/manifest.jsonl');
const GOOGLE = join(import.meta.dirname, '../../../shared/data/artie-bias-corpus/predictions/google/en-US/dec-4-2019.tsv');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-merge-faults-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const manifest = join(dir, 'manifest.jsonl');
const suiteText = (normaliser: string) =>
  `name: sharded\nmanifest: manifest.jsonl\ngroupBy: [accent]\nnormaliser: ${normaliser}\nseed: 1\nbootstrap: { B: 20 }\n` +
  `backends:\n  - { name: google-en-US, type: hypotheses, options: { file: ${GOOGLE}, idFrom: basename-without-extension } }\n`;
const suite = join(dir, 'sharded.yaml');
const changed = join(dir, 'changed.yaml');
const shard = (i: number, base = 's') => join(dir, `${base}.shard-${i}-of-3.sqlite`);

/** A copy of shard `i` whose store lost the run_items row of one utterance; returns the copy and that utterance's id. */
function lostRow(i: number): { path: string; id: string } {
  const path = join(dir, `lost-${i}.sqlite`);
  copyFileSync(shard(i), path);
  const db = new Database(path);
  try {
    const row = db.prepare('SELECT utt_id AS id FROM run_items ORDER BY seq LIMIT 1 OFFSET 5').get() as { id: string };
    db.prepare('DELETE FROM run_items WHERE utt_id = ?').run(row.id);
    return { path, id: row.id };
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  copyFileSync(MANIFEST, manifest);
  writeFileSync(suite, suiteText('basic'));
  writeFileSync(changed, suiteText('english'));
  for (let i = 1; i <= 3; i++) {
    const r = await cli('run', suite, '--shard', `${i}/3`, '--store', join(dir, 's.sqlite'), '--out', join(dir, `shard-${i}`), '--no-progress');
    expect(r.code, r.stderr).toBe(0);
  }
  const r = await cli('run', changed, '--shard', '3/3', '--store', join(dir, 'c.sqlite'), '--out', join(dir, 'changed-3'), '--no-progress');
  expect(r.code, r.stderr).toBe(0);
}, 240_000);

describe('merge: no silent subset, messages that say what is wrong', () => {
  it('a shard that lost a row is refused with the manifest readable, blamed on that shard, not the first store', async () => {
    const lost = lostRow(2);
    const r = await cli('merge', join(dir, 'm1.sqlite'), shard(1), lost.path, shard(3), '--no-export');
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(lost.path);
    expect(lines[0]).not.toContain(shard(1));
    expect(lines[0]).toMatch(/shard 2\/3 holds \d+ utterance\(s\) but its run \S+ recorded \d+ \(of 1712 in the manifest\): rows of this store are lost/);
  }, 60_000);

  it('a store without the recorded count (older asrfair): the manifest finds the utterance, blamed on the shard that lacks it', async () => {
    const lost = lostRow(2);
    const db = new Database(lost.path);
    db.prepare(`UPDATE runs SET meta_json = json_remove(meta_json, '$.subset')`).run();
    db.close();
    const r = await cli('merge', join(dir, 'm5.sqlite'), shard(1), lost.path, shard(3), '--no-export');
    expect(r.code).toBe(2);
    const line = r.stderr.trim().split('\n').at(-1)!;
    expect(line).toContain(lost.path);
    expect(line).toContain(`incomplete: 1 manifest utterance(s) in no shard; shard 2/3 lacks ${lost.id}: rerun`);
  }, 60_000);

  it('and with the manifest moved away (the trial: "1711 utterances" as a whole run, exit 0)', async () => {
    const lost = lostRow(3);
    renameSync(manifest, `${manifest}.away`);
    try {
      const r = await cli('merge', join(dir, 'm2.sqlite'), shard(1), shard(2), lost.path, '--no-export');
      expect(r.code).toBe(2);
      expect(r.stderr).not.toMatch(/1711 utterances/);
      expect(r.stderr).toContain(lost.path);
      expect(r.stderr).toMatch(/shard 3\/3 holds (\d+) utterance\(s\) but its run \S+ recorded (\d+)/);
      const [, held, recorded] = /holds (\d+) .* recorded (\d+)/.exec(r.stderr)!;
      expect(Number(recorded) - Number(held)).toBe(1);
      expect(r.stdout).not.toMatch(/merged run/);
    } finally {
      renameSync(`${manifest}.away`, manifest);
    }
  }, 60_000);

  it('a shard of a changed suite names the field that differs', async () => {
    const r = await cli('merge', join(dir, 'm3.sqlite'), shard(1), shard(2), shard(3, 'c'), '--no-export');
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/shard 3\/3 ran another configuration than .*s\.shard-1-of-3\.sqlite \(shard 1\/3\): normaliser english v\S+ vs basic v\S+ \(this shard's value first\)/);
    expect(r.stderr).not.toMatch(/backend "google-en-US" key/); // the hypotheses file is the same
  }, 60_000);

  it('merging again into a done output says "nothing new to merge"', async () => {
    const out = join(dir, 'm4.sqlite');
    const first = await cli('merge', out, shard(1), shard(2), shard(3), '--no-export');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/merged run merged-\w+: 1712 utterances, 1712 items, 1712 results .*\(coverage checked against the manifest\)/);
    const again = await cli('merge', out, shard(1), shard(2), shard(3), '--no-export');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/merged run merged-\w+: already merged into .*m4\.sqlite \(1712 utterances, 1712 items\): nothing new to merge/);
    expect(again.stdout).not.toMatch(/0 results/);
  }, 60_000);
});
