/**
 * Closing note of stop 24 ("noticed and left alone"): the run store keyed results by backend key (Debian's pocketsphinx
 * version included) but not by asrfair's own code version, so a rerun after a change in our decoding code silently
 * reused results of the old code. Now each result carries the backend's code version (backends/code-version.ts) and a
 * rerun decodes again, and says so, exactly the results another code version made; with nothing changed it reuses all.
 * Real data: speechocean762 clips through the real PocketSphinx, via the CLI. "Old code" is faked by editing the stamp
 * stored in SQLite (and, for a store of an asrfair older than the stamp, by dropping its columns).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { cliIn } from '../helpers/cli.ts';
import { codeVersion } from '../../src/backends/code-version.ts';

const SO = join(import.meta.dirname, '../../corpora/speechocean762-sample');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-older-code-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const store = join(dir, 'store.sqlite');
const OLD = 'asrfair 0.0.1, source sha256 000000000000 (13 files)';

interface Row {
  audio_sha256: string;
  created_at: string;
  code_version: string | null;
  hypothesis: string;
}

function sql<T>(f: (db: Database.Database) => T): T {
  const db = new Database(store);
  try {
    return f(db);
  } finally {
    db.close();
  }
}
const results = (): Row[] => sql((db) => db.prepare('SELECT audio_sha256, created_at, code_version, hypothesis FROM results ORDER BY audio_sha256').all() as Row[]);
const lastRun = (): string => sql((db) => (db.prepare('SELECT run_id FROM runs ORDER BY started_at DESC, run_id DESC LIMIT 1').get() as { run_id: string }).run_id);

async function run(): Promise<{ stderr: string; runId: string }> {
  const r = await cliIn(['run', 'suite.yaml', '--store', store, '--no-gate', '--no-progress', '--out', join(dir, `out-${Date.now()}`)], dir);
  expect(r.code, r.stderr).toBe(0);
  return { stderr: r.stderr, runId: lastRun() };
}

describe('run store: results of another asrfair code version are decoded again, and said', () => {
  it('reuses results when nothing changed; re-decodes unstamped and old-stamped ones, counted; an old run never shows the new result', async () => {
    const lines = readFileSync(join(SO, 'manifest.jsonl'), 'utf8').trim().split('\n').slice(0, 4);
    writeFileSync(join(dir, 'm.jsonl'), lines.map((l) => JSON.stringify({ ...JSON.parse(l), audio: join(SO, JSON.parse(l).audio) })).join('\n') + '\n');
    writeFileSync(join(dir, 'suite.yaml'), 'name: older\nmanifest: m.jsonl\ngroupBy: [gender]\nqc: false\nbackends:\n  - { name: ps, type: pocketsphinx, options: { processes: 1 } }\n');
    const now = codeVersion(['backends/pocketsphinx.ts']);

    const first = await run();
    expect(first.stderr).not.toMatch(/older asrfair/);
    const made = results();
    expect(made).toHaveLength(4);
    expect(made.every((r) => r.code_version === now)).toBe(true);

    // A store written by an asrfair older than the stamp: no code_version columns at all.
    sql((db) => db.exec('ALTER TABLE results DROP COLUMN code_version; ALTER TABLE run_items DROP COLUMN code_version'));
    const second = await run();
    expect(second.stderr).toContain(`ps: 4 results made by an older asrfair were decoded again, not reused: the code that makes ps's results is now ${now}; the stored ones were made by unstamped (an asrfair older than the stamp)`);
    const redone = results();
    expect(redone.every((r) => r.code_version === now)).toBe(true);
    redone.forEach((r, i) => expect(r.created_at > made[i]!.created_at).toBe(true));
    // The same decoder on the same audio: the same words (the re-decode is real, not a copy).
    expect(redone.map((r) => r.hypothesis)).toEqual(made.map((r) => r.hypothesis));

    // Nothing changed: every result reused, nothing said.
    const third = await run();
    expect(third.stderr).not.toMatch(/older asrfair/);
    expect(results()).toEqual(redone);

    // One result (and the run that used it) made by an "older asrfair": only that one is decoded again.
    const stale = redone[1]!.audio_sha256;
    sql((db) => {
      db.prepare('UPDATE results SET code_version = ? WHERE audio_sha256 = ?').run(OLD, stale);
      db.prepare('UPDATE run_items SET code_version = ? WHERE audio_sha256 = ? AND run_id = ?').run(OLD, stale, third.runId);
    });
    // --dry-run counts it as to do and says why, decoding nothing.
    const dry = await cliIn(['run', 'suite.yaml', '--store', store, '--dry-run'], dir);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toContain(`ps: 1 result made by an older asrfair would be decoded again (is counted as to do), not reused: the code that makes ps's results is now ${now}; the stored one was made by ${OLD}`);
    expect(dry.stdout).toMatch(/^ps +clean +4 +3 +1 /m);
    expect(results()[1]!.code_version).toBe(OLD);
    const fourth = await run();
    expect(fourth.stderr).toContain(`ps: 1 result made by an older asrfair was decoded again, not reused: the code that makes ps's results is now ${now}; the stored one was made by ${OLD}`);
    const after = results();
    expect(after.map((r) => r.code_version)).toEqual([now, now, now, now]);
    expect(after.filter((r, i) => r.created_at !== redone[i]!.created_at).map((r) => r.audio_sha256)).toEqual([stale]);
    const items = sql((db) => db.prepare('SELECT code_version FROM run_items WHERE run_id = ?').all(fourth.runId) as { code_version: string }[]);
    expect(items.map((i) => i.code_version)).toEqual([now, now, now, now]);

    // The third run used the old result: its export does not pass the new one off as its own, and says why.
    const ex = await cliIn(['export', store, '--run', third.runId], dir);
    expect(ex.code, ex.stderr).toBe(0);
    const rows = ex.stdout.trim().split('\n').map((l) => JSON.parse(l) as { status: string; error?: string | null });
    expect(rows.filter((r) => r.status === 'ok')).toHaveLength(3);
    const replaced = rows.filter((r) => r.status !== 'ok');
    expect(replaced).toHaveLength(1);
    expect(replaced[0]!.error).toMatch(/^its result was replaced since: the store now holds a decode by another asrfair code version \(asrfair .*source sha256 [0-9a-f]{12}/);
  }, 300_000);
});
