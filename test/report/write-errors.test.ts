/**
 * Fresh-user trial 10, item 3: a write error (a full disk) names the file it was writing, exits 2, and leaves
 * nothing half-written. The smallest failing input: one output file of `report --out DIR` (or of `run --out`)
 * a symbolic link to /dev/full, which accepts the open and fails every write with ENOSPC (Node's error then
 * carries no path: "no space left on the device (write)"). Real data: Artie's Amazon en-US transcripts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { BIN, cli } from '../helpers/cli.ts';

const ROOT = join(import.meta.dirname, '../..');
const ARTIE = join(ROOT, 'corpora/artie-bias-corpus');
const KEEP = new Set(['us', 'england']);

let dir: string;
let run: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'write-errors-'));
  const lines = readFileSync(join(ARTIE, 'manifest.jsonl'), 'utf8').split('\n').filter((l) => l && KEEP.has(JSON.parse(l).labels.accent));
  writeFileSync(join(dir, 'm.jsonl'), lines.slice(0, 200).join('\n') + '\n');
  writeFileSync(
    join(dir, 's.yaml'),
    `name: full\nmanifest: m.jsonl\ngroupBy: [accent]\nnormaliser: basic\nbootstrap: { B: 100 }\nmetrics: [wer]\nbackends:\n` +
      `  - { name: amazon, type: hypotheses, options: { file: ${join(ARTIE, 'predictions/amazon/en-US/dec-9-2019.tsv')}, idFrom: basename-without-extension } }\n`,
  );
  run = join(dir, 'run');
  const r = await cli('run', join(dir, 's.yaml'), '--store', join(dir, 's.sqlite'), '--out', run, '--no-progress', '--no-gate');
  expect(r.code, r.stderr).toBe(0);
}, 120_000);

function expectOneLine(r: { code: number; stderr: string }, file: string): void {
  expect(r.stderr).not.toMatch(/\n\s+at /);
  // The hypotheses file answers for the whole corpus: its one warning line is expected, the error is the other.
  const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('asrfair: warning: '));
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^asrfair: /);
  expect(lines[0]).toContain(file);
  expect(lines[0]).toMatch(/no space left/);
  expect(r.code).toBe(2);
}

describe('a write error names the file, exits 2, leaves nothing half-written', () => {
  for (const name of ['card.md', 'card.html', 'card-notes.csv']) {
    it(`report --out DIR with DIR/${name} → /dev/full`, async () => {
      const out = join(dir, `out-${name}`);
      mkdirSync(out);
      symlinkSync('/dev/full', join(out, name));
      const r = await cli('report', run, '--out', out, '--model', 'none');
      expectOneLine(r, join(out, name));
      // No card file was committed, no partial file is left; the link is still a link.
      expect(readdirSync(out)).toEqual([name]);
      expect(lstatSync(join(out, name)).isSymbolicLink()).toBe(true);
    }, 120_000);
  }

  it('report --out DIR with DIR/card.md a link to a file elsewhere: the link is kept and its file gets the card', async () => {
    const out = join(dir, 'out-link');
    mkdirSync(out);
    const elsewhere = join(dir, 'published-card.md');
    writeFileSync(elsewhere, 'old\n');
    symlinkSync(elsewhere, join(out, 'card.md'));
    const r = await cli('report', run, '--out', out, '--format', 'md', '--model', 'none');
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(join(out, 'card.md')).isSymbolicLink()).toBe(true);
    expect(readFileSync(elsewhere, 'utf8')).toMatch(/^# /);
    expect(readdirSync(dir).filter((f) => f.endsWith('.partial'))).toEqual([]);
  }, 120_000);

  it('export -o /dev/stdout on a pipe writes through it (a device is written in place, no partial file beside it)', async () => {
    // A shell pipe (a real pipe: Node's own child stdio is a socket, which /proc cannot reopen).
    const out = execFileSync('sh', ['-c', `"${process.execPath}" "${BIN}" export "${join(dir, 's.sqlite')}" -o /dev/stdout | cat`], { encoding: 'utf8' });
    expect(out.trim().split('\n')).toHaveLength(200);
    expect(JSON.parse(out.split('\n')[0]).backend).toBe('amazon');
    expect(readdirSync('/dev').filter((f) => f.endsWith('.partial'))).toEqual([]);
  }, 120_000);

  it('run --out DIR with DIR/run.json → /dev/full: names run.json, no results.jsonl without its run.json', async () => {
    const out = join(dir, 'run-full');
    mkdirSync(out);
    symlinkSync('/dev/full', join(out, 'run.json'));
    const r = await cli('run', join(dir, 's.yaml'), '--store', join(dir, 's.sqlite'), '--out', out, '--no-progress', '--no-gate');
    expectOneLine(r, join(out, 'run.json'));
    expect(existsSync(join(out, 'results.jsonl'))).toBe(false);
    expect(readdirSync(out)).toEqual(['run.json']);
  }, 120_000);
});
