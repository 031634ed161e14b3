/**
 * Output paths (`-o`, `--out`, `--store`) and input paths that are folders: one line naming the path,
 * exit 2, no stack trace, no hang (Node's recursive mkdir loops forever under /proc) and nothing left
 * behind (`<out>.partial`). Real data: the Common Voice 6.1 sample's validated.tsv.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { writeFixtureRun } from '../report/fixture.ts';

const CV = join(import.meta.dirname, '../../../shared/data/cv-6.1-en-sample/en');
const HAS_PROC = existsSync('/proc/self');

let dir: string;
let run: string;
let aFile: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'out-paths-'));
  run = join(dir, 'run');
  writeFixtureRun(run);
  aFile = join(dir, 'plain-file');
  writeFileSync(aFile, 'x');
});

/** One line on stderr, naming `path`, exit 2, and no Node stack trace. */
function expectOneLine(r: { code: number; stderr: string }, path: string): void {
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^asrfair: ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `));
  expect(r.stderr).not.toMatch(/\n\s+at |node:internal|Unhandled 'error'|internal error/);
}

describe('import -o', () => {
  it.skipIf(!HAS_PROC)('under /proc: one line naming the path (was an unhandled stream error with a stack trace)', async () => {
    const r = await cli('import', 'commonvoice', CV, '--split', 'validated', '-o', '/proc/asrfair-x');
    expectOneLine(r, '/proc/asrfair-x');
  });

  it('a folder: one line, and no "<folder>.partial" left behind', async () => {
    const target = join(dir, 'a-folder');
    const r0 = await cli('import', 'commonvoice', CV, '--split', 'validated', '-o', join(target, 'keep.jsonl'));
    expect(r0.code, r0.stderr).toBe(0);
    const r = await cli('import', 'commonvoice', CV, '--split', 'validated', '-o', target);
    expectOneLine(r, target);
    expect(r.stderr).toContain('is a folder');
    expect(existsSync(`${target}.partial`)).toBe(false);
    // The first import's manifest and its import record, and nothing from the failed one.
    expect(readdirSync(target).sort()).toEqual(['keep.import.json', 'keep.jsonl']);
  });

  it('under a file: one line', async () => {
    const r = await cli('import', 'commonvoice', CV, '--split', 'validated', '-o', join(aFile, 'm.jsonl'));
    expectOneLine(r, aFile);
    expect(r.stderr).toContain('is a file, not a folder');
  });

  it('import scores -o under a file: one line', async () => {
    const csv = join(dir, 'scores.csv');
    writeFileSync(csv, 'utt,spk,acc,w,n\nu1,s1,a,0.1,10\n');
    const r = await cli('import', 'scores', csv, '-o', join(aFile, 'run'), '--map', 'id=utt,speaker=spk,label.accent=acc', '--backend', 'x:wer=w,words=n');
    expectOneLine(r, join(aFile, 'run'));
    expect(r.stderr).toContain(`${aFile} is a file, not a folder`);
  });
});

describe('every command writing an output path', () => {
  const cases: Array<[string, (bad: string) => string[]]> = [
    ['report --out', (bad) => ['report', run, '--format', 'md', '--out', bad]],
    ['compare --out', (bad) => ['compare', run, run, '--format', 'md', '--out', bad]],
  ];
  for (const [name, args] of cases) {
    it(`${name} under a file: one line naming it (was "internal error: EEXIST", exit 1)`, async () => {
      const r = await cli(...args(join(aFile, 'sub')));
      expectOneLine(r, join(aFile, 'sub'));
    });
    it.skipIf(!HAS_PROC)(`${name} under /proc: one line, no hang`, async () => {
      const r = await cli(...args('/proc/asrfair-x'));
      expectOneLine(r, '/proc/asrfair-x');
    });
  }

  it('run --out and --store under a file: one line before any work; export -o a folder or under /proc: one line, nothing left', async () => {
    const suite = join(dir, 's.yaml');
    writeFileSync(join(dir, 'm.jsonl'), '{"id":"u1","text":"hello world","speaker":"s1","labels":{"accent":"a"}}\n');
    writeFileSync(join(dir, 'h.tsv'), 'path\tsentence\nu1\thello world\n');
    writeFileSync(suite, 'name: s\nmanifest: m.jsonl\nbackends:\n  - { name: h, type: hypotheses, options: { file: h.tsv } }\n');
    const r1 = await cli('run', suite, '--store', join(dir, 's.sqlite'), '--out', join(aFile, 'out'), '--no-progress');
    expectOneLine(r1, join(aFile, 'out'));
    const r2 = await cli('run', suite, '--store', join(aFile, 's.sqlite'), '--out', join(dir, 'out'), '--no-progress');
    expect(r2.code).toBe(2);
    expect(r2.stderr.trim().split('\n')).toHaveLength(1);
    expect(r2.stderr).toContain(`${aFile}: cannot`);
    const ok = await cli('run', suite, '--store', join(dir, 's.sqlite'), '--out', join(dir, 'out'), '--no-progress');
    expect(ok.code, ok.stderr).toBe(0);
    const target = join(dir, 'export-folder');
    mkdirSync(target);
    const r3 = await cli('export', join(dir, 's.sqlite'), '-o', target);
    expectOneLine(r3, target);
    expect(existsSync(`${target}.partial`)).toBe(false);
    if (HAS_PROC) expectOneLine(await cli('export', join(dir, 's.sqlite'), '-o', '/proc/asrfair-x'), '/proc/asrfair-x');
    const good = join(dir, 'deep', 'er', 'x.jsonl');
    const r4 = await cli('export', join(dir, 's.sqlite'), '-o', good);
    expect(r4.code, r4.stderr).toBe(0);
    expect(readdirSync(join(dir, 'deep', 'er'))).toEqual(['x.jsonl']);
  });
});

describe('inputs that are folders', () => {
  it('validate <folder> names the folder', async () => {
    const r = await cli('validate', dir);
    expectOneLine(r, dir);
    expect(r.stderr).toContain('is a folder, not a file');
  });
});

describe('score -O and --json', () => {
  it('a bad -O or --json is one line before any scoring (was: the summary on stdout, then the error)', async () => {
    const ref = join(dir, 'r.trn');
    const hyp = join(dir, 'h.trn');
    writeFileSync(ref, 'a b c (s-1)\n');
    writeFileSync(hyp, 'a x c (s-1)\n');
    const o = await cli('score', '--ref', ref, '--hyp', hyp, '-o', 'sum,pra', '-O', join(aFile, 'out'));
    expectOneLine(o, join(aFile, 'out'));
    expect(o.stdout).toBe('');
    const target = join(dir, 'json-folder');
    mkdirSync(target);
    const j = await cli('score', '--ref', ref, '--hyp', hyp, '--json', target);
    expectOneLine(j, target);
    expect(j.stdout).toBe('');
    if (HAS_PROC) {
      const p = await cli('score', '--ref', ref, '--hyp', hyp, '--json', '/proc/asrfair-x/s.json');
      expectOneLine(p, '/proc/asrfair-x');
      expect(p.stdout).toBe('');
    }
    const good = await cli('score', '--ref', ref, '--hyp', hyp, '-o', 'sum,pra', '-O', join(dir, 'sc'), '--json', join(dir, 'sc', 's.json'));
    expect(good.code, good.stderr).toBe(0);
    expect(readdirSync(join(dir, 'sc')).sort()).toEqual(['h.trn.pra', 's.json']);
  });
});
