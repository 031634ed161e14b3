/**
 * Issue 13, item 7: every error path prints one line naming the file and exits 2 — no stack traces.
 * Unknown backend type/option, an unterminated quote in `command`, a YAML alias bomb, `--store` not a
 * database, a corrupt store, a full disk under the store or `--out` (a real 1 MB tmpfs), a read-only
 * `--out` (a read-only bind mount); `run | head -1` (EPIPE) ends quietly after the export is written.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { corpus, tmp, writeCorpus } from '../run/helpers.ts';
import { cli } from './helpers.ts';

const isRoot = process.getuid?.() === 0;
const mounts: string[] = [];
afterEach(() => {
  for (const m of mounts.splice(0)) execFileSync('umount', [m]);
});

/** A corpus with precomputed hypotheses (fast, offline) and long transcripts, so the store grows. */
function hypWorkspace(n: number): { dir: string; suite: string } {
  const dir = tmp('asrfair-err-');
  const utts = corpus(n, (i) => `${'the birch canoe slid on the smooth planks '.repeat(6)}${i}`);
  writeCorpus(dir, utts);
  writeFileSync(join(dir, 'hyp.jsonl'), utts.map((u) => JSON.stringify({ id: u.id, text: u.text })).join('\n') + '\n');
  const suite = join(dir, 'suite.yaml');
  writeFileSync(suite, 'name: err\nmanifest: manifest.jsonl\nqc: false\nbackends:\n  - type: hypotheses\n    options: { file: hyp.jsonl }\n');
  return { dir, suite };
}

function expectOneLine(r: { code: number | null; err: string }, file: string, what: RegExp): void {
  expect(r.err).not.toMatch(/\n\s+at /);
  const lines = r.err.trim().split('\n');
  expect(lines, r.err).toHaveLength(1);
  expect(lines[0]).toMatch(/^asrfair: /);
  expect(lines[0]).toContain(file);
  expect(lines[0]).toMatch(what);
  expect(r.code).toBe(2);
}

function tmpfs(dir: string, size: string): void {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  mounts.push(dir);
}

describe('suite and store errors: one line, exit 2', () => {
  const bad: Array<[string, string, RegExp]> = [
    ['unknown backend type', 'backends:\n  - type: nope\n', /unknown backend type "nope"/],
    ['unknown backend option', 'backends:\n  - type: command\n    options: { command: "echo hi", bogus: 1 }\n', /unknown option\(s\) "bogus"/],
    ['unterminated quote in command', 'backends:\n  - type: command\n    options: { command: "echo \\"hi" }\n', /unterminated double quote/],
  ];
  for (const [name, yaml, what] of bad) {
    it(name, async () => {
      const { dir } = hypWorkspace(1);
      writeFileSync(join(dir, 'bad.yaml'), `name: bad\nmanifest: manifest.jsonl\n${yaml}`);
      expectOneLine(await cli(['run', 'bad.yaml', '--store', 'st.sqlite'], dir).done, 'bad.yaml', what);
    });
  }

  it('YAML alias bomb', async () => {
    const { dir } = hypWorkspace(1);
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 8; i++) {
      const p = String.fromCharCode(96 + i);
      const c = String.fromCharCode(97 + i);
      levels.push(`${c}: &${c} [${Array(9).fill(`*${p}`).join(',')}]`);
    }
    writeFileSync(join(dir, 'bomb.yaml'), `${levels.join('\n')}\nname: bomb\n`);
    const r = await cli(['run', 'bomb.yaml', '--store', 'st.sqlite'], dir).done;
    expectOneLine(r, 'bomb.yaml', /alias/i);
  });

  it('--store pointing at a file that is not a database', async () => {
    const { dir } = hypWorkspace(1);
    writeFileSync(join(dir, 'notes.txt'), 'this is not a database, only some text that is long enough to look like a header\n'.repeat(20));
    expectOneLine(await cli(['run', 'suite.yaml', '--store', 'notes.txt'], dir).done, 'notes.txt', /not a SQLite database/);
    expectOneLine(await cli(['export', 'notes.txt'], dir).done, 'notes.txt', /not a SQLite database/);
  });

  it('a corrupt store', async () => {
    const { dir } = hypWorkspace(60);
    expect((await cli(['run', 'suite.yaml', '--store', 'st.sqlite', '--no-progress'], dir).done).code).toBe(0);
    const store = join(dir, 'st.sqlite');
    const db = new Database(store);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const fd = openSync(store, 'r+');
    writeSync(fd, Buffer.alloc(8192, 0xa5), 0, 8192, 4096);
    closeSync(fd);
    const r = await cli(['export', store, '--format', 'csv', '--allow-incomplete'], dir).done;
    expectOneLine(r, 'st.sqlite', /corrupt|malformed|not a SQLite/);
  });
});

describe.skipIf(!isRoot)('full and read-only disks (real tmpfs and bind mounts)', () => {
  it('--out on a full disk: one line naming the file, exit 2, the store stays consistent and done', async () => {
    const { dir } = hypWorkspace(200);
    const full = join(dir, 'full');
    tmpfs(full, '1m');
    writeFileSync(join(full, 'fill'), Buffer.alloc(1000 * 1024));
    const r = await cli(['run', 'suite.yaml', '--store', 'st.sqlite', '--out', join(full, 'out'), '--no-progress'], dir).done;
    expectOneLine(r, join(full, 'out'), /no space left/);
    const db = new Database(join(dir, 'st.sqlite'), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect((db.prepare('SELECT COUNT(*) AS n FROM results').get() as { n: number }).n).toBe(200);
    db.close();
    expect(existsSync(join(full, 'out', 'results.jsonl'))).toBe(false);
  });

  it('the store on a disk that fills mid-run: one line, exit 2, consistent store; the rerun resumes after space is freed', async () => {
    const { dir } = hypWorkspace(200);
    const full = join(dir, 'full');
    // Room for the schema and a few results only; freed afterwards, the WAL (up to ~4 MB) fits.
    tmpfs(full, '8m');
    writeFileSync(join(full, 'fill'), Buffer.alloc(7900 * 1024));
    const store = join(full, 'st.sqlite');
    const r = await cli(['run', 'suite.yaml', '--store', store, '--out', 'out', '--no-progress'], dir).done;
    expectOneLine(r, store, /disk is full/);
    let db = new Database(store, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const stored = (db.prepare('SELECT COUNT(*) AS n FROM results').get() as { n: number }).n;
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThan(200);
    db.close();
    execFileSync('rm', [join(full, 'fill')]);
    const again = await cli(['run', 'suite.yaml', '--store', store, '--out', 'out', '--no-progress'], dir).done;
    expect(again.code, again.err).toBe(0);
    db = new Database(store, { readonly: true });
    expect((db.prepare('SELECT COUNT(*) AS n FROM results').get() as { n: number }).n).toBe(200);
    db.close();
  });

  it('--out on a read-only mount', async () => {
    const { dir } = hypWorkspace(5);
    const src = join(dir, 'srcdir');
    const ro = join(dir, 'ro');
    mkdirSync(src);
    mkdirSync(ro);
    execFileSync('mount', ['--bind', '-o', 'ro', src, ro]);
    mounts.push(ro);
    const r = await cli(['run', 'suite.yaml', '--store', 'st.sqlite', '--out', join(ro, 'x'), '--no-progress'], dir).done;
    expectOneLine(r, join(ro, 'x'), /read-only|no such file/);
  });
});

describe('a closed stdout', () => {
  it('run | head -1: ends quietly after writing the export', async () => {
    const { dir } = hypWorkspace(80);
    const p = cli(['run', 'suite.yaml', '--store', 'st.sqlite', '--out', 'out', '--no-progress'], dir);
    p.child.stdout!.once('data', () => p.child.stdout!.destroy());
    const r = await p.done;
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = readFileSync(join(dir, 'out', 'results.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(80);
  });
});
