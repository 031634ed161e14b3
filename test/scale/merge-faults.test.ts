// Fresh-user trial 13, `merge`: shards of the real Artie bias corpus (1,712 Common Voice clips) scored with Google
// en-US's real answers, three shards. A shard store that lost a run_items row is refused, naming that shard and its
// recorded count, whether or not the manifest is readable at merge time (trial: with the manifest moved away, "1711
// utterances" was presented as a whole run); with the manifest, the missing utterance is blamed on the shard that
// lacks it; a shard from a changed suite says which field differs; merging again says "nothing new to merge".
import { copyFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { cli } from '../helpers/cli.ts';

const MANIFEST = join(import.meta.dirname, '../../corpora/artie-bias-corpus/manifest.jsonl');
const GOOGLE = join(import.meta.dirname, '../../../shared/data/artie-bias-corpus/predictions/google/en-US/dec-4-2019.tsv');
const AMAZON = join(import.meta.dirname, '../../../shared/data/artie-bias-corpus/predictions/amazon/en-US/dec-9-2019.tsv');
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

  // Trial: merge copied shard results in SQL without checking them. A shard store corrupted with sqlite3 (an ok result
  // with a NULL hypothesis, words_json that is not JSON) was refused whole as "result missing"; the rows are now warned
  // (store, table, key, utterance), counted in the summary (per group), not copied: their items count as failed in the
  // merged run, and a run of the suite on the merged store decodes them again.
  it('corrupt result rows of a shard store are warned, counted, not copied, and decoded again by the next run', async () => {
    const bad = join(dir, 'corrupt-2.sqlite');
    copyFileSync(shard(2), bad);
    const pick = (offset: number) => `(SELECT audio_sha256 FROM results WHERE status = 'ok' ORDER BY audio_sha256 LIMIT 1 OFFSET ${offset})`;
    const sql = spawnSync('sqlite3', [bad, `UPDATE results SET hypothesis = NULL WHERE audio_sha256 = ${pick(3)}; UPDATE results SET words_json = '{bad' WHERE audio_sha256 = ${pick(7)}; SELECT audio_sha256 FROM results WHERE hypothesis IS NULL OR words_json = '{bad' ORDER BY audio_sha256;`], { encoding: 'utf8' });
    expect(sql.status, sql.stderr).toBe(0);
    const keys = sql.stdout.trim().split('\n');
    expect(keys).toHaveLength(2);
    const out = join(dir, 'm6.sqlite');
    const r = await cli('merge', out, shard(1), bad, shard(3), '--out', join(dir, 'm6'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/merged run merged-\w+: 1712 utterances, 1712 items, 1710 results, 2 corrupt result row\(s\) not copied/);
    expect(r.stdout).toContain('(1712 rows, 2 failed)');
    const warned = r.stderr.split('\n').filter((l) => l.includes('corrupt results row'));
    expect(warned).toHaveLength(2);
    for (const l of warned) expect(l).toMatch(new RegExp(`^asrfair: ${bad.replace(/[.]/g, '\\.')}: corrupt results row \\(backend key \\S+, condition clean, audio text-only#id=\\S+; utterance \\S+, google-en-US, clean\\): .*; not copied into `));
    expect(warned.join('\n')).toContain('status is ok but hypothesis is NULL');
    expect(warned.join('\n')).toContain('words_json is not valid JSON');
    expect(r.stderr).toMatch(/asrfair: 2 corrupt result row\(s\) of the shard stores not copied \(warned above\): 2 item\(s\) count as failed in the merged run \(by accent: .+\)/);
    const db = new Database(out, { readonly: true });
    const held = (k: string) => db.prepare('SELECT status, hypothesis FROM results WHERE audio_sha256 = ?').get(k) as { status: string; hypothesis: string | null } | undefined;
    for (const k of keys) expect(held(k)).toBeUndefined();
    const errs = db.prepare('SELECT error FROM run_items WHERE audio_sha256 IN (?, ?)').all(...keys) as { error: string }[];
    db.close();
    for (const e of errs) expect(e.error).toMatch(/^its result in shard store .*corrupt-2\.sqlite is corrupt \(.+\): not copied by merge/);
    const rerun = await cli('run', suite, '--store', out, '--out', join(dir, 'm6-rerun'), '--no-progress');
    expect(rerun.code, rerun.stderr).toBe(0);
    const after = new Database(out, { readonly: true });
    for (const k of keys) expect((after.prepare('SELECT status, hypothesis FROM results WHERE audio_sha256 = ?').get(k) as { status: string; hypothesis: string }).status).toBe('ok');
    after.close();
  }, 120_000);

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

// Trial: shards run with different `run --backend` sets. Shards that ran other backends were refused only as "another
// configuration"; shards of one backend whose suites list other backends merged (exit 0) with the first shard's
// backendSubset, so the merged card named the wrong backends as left out. Now: one line naming each shard and the
// backends it ran, exit 2, no merged store written; equal sets merge and keep the record.
describe('merge: shards of different run --backend sets', () => {
  const two = join(dir, 'two.yaml');
  const one = join(dir, 'one.yaml');
  const b = (i: number, base: string) => join(dir, `${base}.shard-${i}-of-2.sqlite`);
  beforeAll(async () => {
    const head = 'name: sharded\nmanifest: manifest.jsonl\ngroupBy: [accent]\nnormaliser: basic\nseed: 1\nbootstrap: { B: 20 }\nbackends:\n';
    const google = `  - { name: google-en-US, type: hypotheses, options: { file: ${GOOGLE}, idFrom: basename-without-extension } }\n`;
    writeFileSync(two, head + google + `  - { name: amazon-en-US, type: hypotheses, options: { file: ${AMAZON}, idFrom: basename-without-extension } }\n`);
    writeFileSync(one, head + google);
    const runs: string[][] = [
      [two, '--shard', '1/2', '--backend', 'google-en-US', '--store', join(dir, 'g.sqlite')],
      [two, '--shard', '2/2', '--backend', 'google-en-US', '--store', join(dir, 'g.sqlite')],
      [two, '--shard', '2/2', '--store', join(dir, 'both.sqlite')],
      [one, '--shard', '2/2', '--store', join(dir, 'one.sqlite')],
    ];
    for (const [i, args] of runs.entries()) {
      const r = await cli('run', ...args, '--out', join(dir, `b-${i}`), '--no-progress');
      expect(r.code, r.stderr).toBe(0);
    }
  }, 240_000);

  it('a shard that ran both backends and one that ran --backend google-en-US: one line naming both, nothing written', async () => {
    const out = join(dir, 'mb1.sqlite');
    const r = await cli('merge', out, b(1, 'g'), b(2, 'both'), '--no-export');
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(
      `shards ran different backend sets: shard 1/2 (${b(1, 'g')}) ran "google-en-US" (--backend google-en-US of its suite's "google-en-US", "amazon-en-US"); ` +
        `shard 2/2 (${b(2, 'both')}) ran "google-en-US", "amazon-en-US" (every backend of its suite): a merged card would say a backend covers utterances it never ran on`,
    );
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it('the same backend ran, from suites listing other backends: refused too (was merged with the first shard\'s record)', async () => {
    const out = join(dir, 'mb2.sqlite');
    const r = await cli('merge', out, b(1, 'g'), b(2, 'one'), '--no-export');
    expect(r.code, r.stdout).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`shard 2/2 (${b(2, 'one')}) ran "google-en-US" (every backend of its suite)`);
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it('equal sets merge and keep the backend subset in run.json', async () => {
    const r = await cli('merge', join(dir, 'mb3.sqlite'), b(1, 'g'), b(2, 'g'), '--out', join(dir, 'mb3'));
    expect(r.code, r.stderr).toBe(0);
    const meta = JSON.parse(readFileSync(join(dir, 'mb3', 'run.json'), 'utf8')) as { backendSubset?: unknown };
    expect(meta.backendSubset).toEqual({ suiteBackends: ['google-en-US', 'amazon-en-US'], notInRun: ['amazon-en-US'] });
  }, 60_000);
});
