/**
 * Fresh-user trial 10, item 4: after an interrupt the last progress line left items accounted for nowhere
 * (`23/150 (15.3%) ok 10 cached 0 failed 0`) and the summary said "5 utterances" beside a table of results.
 * Now every count says what it counts: a result is utterance × condition × backend; the progress line's done =
 * ok + cached + failed + not stored; the summary gives stored and not stored results, stored = the rows the
 * store holds for the run. Real data: speechocean762 clips, PocketSphinx, clean and telephone conditions.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { BIN, cliIn } from '../helpers/cli.ts';

const SO = join(import.meta.dirname, '../../corpora/speechocean762-sample');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-counts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function storedRows(store: string): number {
  try {
    const db = new Database(store, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM results').get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

describe('run interrupted: progress and summary counts agree and say what they count', () => {
  it('12 utterances × 2 conditions × 1 backend, SIGTERM after the first result', async () => {
    const lines = readFileSync(join(SO, 'manifest.jsonl'), 'utf8').trim().split('\n').slice(0, 12);
    writeFileSync(join(dir, 'm.jsonl'), lines.map((l) => JSON.stringify({ ...JSON.parse(l), audio: join(SO, JSON.parse(l).audio) })).join('\n') + '\n');
    writeFileSync(
      join(dir, 'suite.yaml'),
      'name: counts\nmanifest: m.jsonl\ngroupBy: [gender]\nqc: false\nconcurrency: 2\nbackends:\n  - { name: ps, type: pocketsphinx, options: { processes: 2 } }\n' +
        'conditions:\n  - name: telephone\n    steps:\n      - { type: telephone }\n',
    );
    const store = join(dir, 'store.sqlite');
    const child = spawn(process.execPath, [BIN, 'run', 'suite.yaml', '--store', store, '--no-gate'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    const t0 = Date.now();
    while (storedRows(store) === 0 && child.exitCode === null && Date.now() - t0 < 90_000) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGTERM');
    const code = await exited;
    expect(code, stderr).toBe(130);

    const m = /results \(utterance × condition × backend: 12 × 2 × 1 = 24\): (\d+) stored, (\d+) not stored \(in flight when stopped, or not started; a rerun does them\)/.exec(stdout);
    expect(m, stdout).not.toBeNull();
    const [stored, notStored] = [Number(m![1]), Number(m![2])];
    expect(stored + notStored).toBe(24);
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThan(24);
    expect(stdout).toMatch(/: interrupted, \d+ utterances started in /);
    // The table's items − not stored, summed, is the same count, and the store holds exactly that many rows of the run.
    const row = stdout.split('\n').filter((l) => /^ps\s/.test(l)).map((l) => l.trim().split(/\s+/));
    expect(row.map((r) => r[1]).sort()).toEqual(['clean', 'telephone']);
    expect(row.reduce((a, r) => a + Number(r[2]) - Number(r[8]), 0)).toBe(stored);
    const exp = await cliIn(['export', store, '--allow-incomplete'], dir);
    expect(exp.code, exp.stderr).toBe(0);
    expect(exp.stdout.trim().split('\n')).toHaveLength(stored);

    // The last progress line accounts for every result it counted.
    const last = stderr.split('\n').filter((l) => l.startsWith('progress: ')).at(-1)!;
    const p = /^progress: (\d+)\/24 results \([\d.]+%\) ok (\d+) cached (\d+) failed (\d+) not stored (\d+) \|/.exec(last);
    expect(p, last).not.toBeNull();
    const [done, ok, cached, failed, skipped] = p!.slice(1).map(Number);
    expect(ok + cached + failed + skipped).toBe(done);
    expect(ok + cached + failed).toBe(stored);
  }, 150_000);
});
