/**
 * Outputs written inside an output folder that is itself fine — by `glass`, `adapt` and the Kaldi
 * importer — go through the output helper (src/manifest/output.ts): a write that fails (here a
 * folder where a file must go, or a file where a folder must go: what fails for real as root) is one
 * line naming the file, exit 2, checked before the long work, and no partial file is left.
 * Real data: speechocean762 (Kaldi layout) and the Common Voice 6.1 sample.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';

const SO = join(import.meta.dirname, '../../../shared/data/speechocean762-sample');
const CV = join(import.meta.dirname, '../../corpora/cv-6.1-en-sample');

let dir: string;
let manifest: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'out-inside-'));
  // Two real Common Voice clips, audio paths made absolute.
  const lines = readFileSync(join(CV, 'manifest.jsonl'), 'utf8').split('\n').filter(Boolean).slice(0, 2);
  manifest = join(dir, 'm.jsonl');
  writeFileSync(manifest, lines.map((l) => {
    const u = JSON.parse(l) as { audio: string };
    return JSON.stringify({ ...u, audio: join(CV, u.audio) });
  }).join('\n') + '\n');
});

/** One line on stderr naming `path`, exit 2, no stack trace; nothing named *.partial under `folder`. */
function expectOneLine(r: { code: number; stderr: string }, path: string, folder: string): void {
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0].startsWith(`asrfair: ${path}: `), lines[0]).toBe(true);
  expect(r.stderr).not.toMatch(/\n\s+at |node:internal|internal error/);
  expect(readdirSync(folder, { recursive: true }).filter((f) => String(f).endsWith('.partial'))).toEqual([]);
}

describe('glass: its report files', () => {
  it('a folder at confusable.html: one line before any decoding, and no confusable.md half of the set (was: decoded, wrote md, then failed)', async () => {
    const out = join(dir, 'glass-out');
    mkdirSync(join(out, 'confusable.html'), { recursive: true });
    const r = await cli('glass', manifest, '--out', out, '--cache-dir', join(dir, 'cache'), '--no-goodness', '--processes', '1');
    expectOneLine(r, join(out, 'confusable.html'), out);
    expect(r.stderr).toContain('is a folder');
    expect(existsSync(join(out, 'confusable.md'))).toBe(false);
    expect(existsSync(join(dir, 'cache'))).toBe(false); // no audio was prepared: nothing ran
  }, 120_000);
});

describe('adapt: its output files', () => {
  it('a folder at remedy.json or adapted.yaml: one line before any work', async () => {
    const suite = join(dir, 'adapt.yaml');
    writeFileSync(suite, `name: adapt-out\nmanifest: ${manifest}\ngroupBy: [gender]\nnormaliser: basic\nbackends:\n  - { name: ps, type: pocketsphinx }\n`);
    for (const name of ['remedy.json', 'adapted.yaml']) {
      const out = join(dir, `adapt-${name}`);
      mkdirSync(join(out, name), { recursive: true });
      const r = await cli('adapt', suite, '--out', out, '--cache-dir', join(dir, 'adapt-cache'), '--methods', 'variants', '--rules', 'x:TH>T');
      expectOneLine(r, join(out, name), out);
      expect(readdirSync(out)).toEqual([name]);
    }
    expect(existsSync(join(dir, 'adapt-cache'))).toBe(false);
    // A cache folder it cannot create (under a file): one line before any work (was: every utterance failed on it).
    writeFileSync(join(dir, 'a-file'), 'x');
    const out = join(dir, 'adapt-cache-bad');
    const r = await cli('adapt', suite, '--out', out, '--cache-dir', join(dir, 'a-file', 'cache'), '--methods', 'variants', '--rules', 'x:TH>T');
    expectOneLine(r, join(dir, 'a-file', 'cache'), dir);
    expect(existsSync(out)).toBe(false); // the output folder it made is removed again, empty
    expect(r.stderr).toContain('cannot create the cache folder');
  });
});

describe('import kaldi: audio of piped wav.scp entries', () => {
  function kaldiDir(name: string): string {
    const d = join(dir, name, 'data');
    mkdirSync(d, { recursive: true });
    // Two real speechocean762 recordings through a pipe (sox reads the WAV and writes it to stdout).
    const ids = readFileSync(join(SO, 'test/wav.scp'), 'utf8').split('\n').slice(0, 2).map((l) => l.split(/\s+/));
    writeFileSync(join(d, 'wav.scp'), ids.map(([id, p]) => `${id} sox ${join(SO, p)} -t wav - |`).join('\n') + '\n');
    const keep = new Set(ids.map(([id]) => id));
    for (const f of ['text', 'utt2spk']) {
      writeFileSync(join(d, f), readFileSync(join(SO, 'test', f), 'utf8').split('\n').filter((l) => keep.has(l.split(/\s+/)[0])).join('\n') + '\n');
    }
    return d;
  }

  it('a folder at kaldi-audio/<rec>.wav: one line naming it (was blamed on the piped command), no manifest left', async () => {
    const d = kaldiDir('k1');
    const out = join(dir, 'k1', 'm.jsonl');
    const target = join(dir, 'k1', 'kaldi-audio', '010300003.wav');
    mkdirSync(target, { recursive: true });
    const r = await cli('import', 'kaldi', d, '-o', out, '--allow-pipes');
    expectOneLine(r, target, join(dir, 'k1'));
    expect(r.stderr).not.toContain('piped command');
    expect(existsSync(out)).toBe(false);
  });

  it('a file at kaldi-audio: one line naming the folder (was "already exists (mkdir)")', async () => {
    const d = kaldiDir('k2');
    writeFileSync(join(dir, 'k2', 'kaldi-audio'), 'x');
    const r = await cli('import', 'kaldi', d, '-o', join(dir, 'k2', 'm.jsonl'), '--allow-pipes');
    expectOneLine(r, join(dir, 'k2', 'kaldi-audio'), join(dir, 'k2'));
    expect(r.stderr).toContain('is a file, not a folder');
  });

  it('works when nothing is in the way: the piped audio lands complete', async () => {
    const d = kaldiDir('k3');
    const r = await cli('import', 'kaldi', d, '-o', join(dir, 'k3', 'm.jsonl'), '--allow-pipes');
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(join(dir, 'k3', 'kaldi-audio')).sort()).toEqual(['010300003.wav', '010300105.wav']);
    expect(readFileSync(join(dir, 'k3', 'kaldi-audio', '010300003.wav')).subarray(0, 4).toString()).toBe('RIFF');
  });
});
