/**
 * The by-group backend (issue 16: a per-group adapted model used as that group's backend): each
 * utterance is decoded by its declared group's recogniser. Real PocketSphinx on a LibriVox clip of
 * pocketsphinx-testdata, declared once as group "wide" (Debian's en-US language model) and once as
 * group "turtle" (the testdata's 100-word turtle-robot model): same audio, two answers, both kept.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.ts';

const TD = '/usr/share/pocketsphinx/test/data';
const WAV = join(TD, 'librivox/sense_and_sensibility_01_austen_64kb-0880.wav');
const TURTLE_WORDS = new Set(readFileSync(join(TD, 'turtle.dic'), 'utf8').split('\n').map((l) => l.split(/\s/)[0].replace(/\(\d+\)$/, '').toLowerCase()).filter(Boolean));
const cwd = mkdtempSync(join(tmpdir(), 'asrfair-by-group-'));
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 240_000 });
let rows: { id: string; labels: Record<string, string>; hyp: string; status: string; error?: string }[];
let stderr: string;

beforeAll(() => {
  const text = 'he was not an ill disposed young man';
  const line = (id: string, accent?: string) => JSON.stringify({ id, audio: WAV, text, speaker: id, labels: accent ? { accent } : {} });
  writeFileSync(join(cwd, 'm.jsonl'), [line('as-wide', 'wide'), line('as-turtle', 'turtle'), line('as-nobody')].join('\n') + '\n');
  writeFileSync(
    join(cwd, 'suite.yaml'),
    `name: by-group
manifest: m.jsonl
groupBy: [accent]
model: none
backends:
  - name: per-group
    type: by-group
    options:
      key: accent
      groups:
        wide: { type: pocketsphinx, options: { processes: 1 } }
        turtle: { type: pocketsphinx, options: { processes: 1, lm: ${TD}/turtle.lm.bin, dict: ${TD}/turtle.dic } }
`,
  );
  const r = run('run', 'suite.yaml', '--store', join(cwd, 's.sqlite'), '--out', join(cwd, 'out'), '--no-progress', '--no-gate');
  stderr = r.stderr;
  expect(r.status).toBe(0);
  rows = readFileSync(join(cwd, 'out', 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}, 240_000);
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe('by-group backend', () => {
  it("decodes each utterance with its declared group's model (same audio, two answers)", () => {
    const wide = rows.find((r) => r.id === 'as-wide')!;
    const turtle = rows.find((r) => r.id === 'as-turtle')!;
    expect([wide.status, turtle.status]).toEqual(['ok', 'ok']);
    expect(wide.hyp).not.toBe(turtle.hyp);
    // The turtle model can only say turtle words; the wide model says words it does not have.
    expect(turtle.hyp.split(' ').filter(Boolean).every((w) => TURTLE_WORDS.has(w))).toBe(true);
    expect(wide.hyp.split(' ').some((w) => !TURTLE_WORDS.has(w))).toBe(true);
  });

  it('an utterance whose group has no model fails, named, and the run goes on', () => {
    const nobody = rows.find((r) => r.id === 'as-nobody')!;
    expect(nobody.status).toBe('failed');
    expect(nobody.error).toContain('as-nobody: accent "undeclared" has no backend in this by-group backend (groups: wide, turtle; add "otherwise" for the rest)');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('a bad inner spec is one line naming the option', () => {
    writeFileSync(join(cwd, 'bad.yaml'), readFileSync(join(cwd, 'suite.yaml'), 'utf8').replace('turtle: { type: pocketsphinx', 'turtle: { typo: pocketsphinx'));
    const r = run('run', 'bad.yaml', '--store', join(cwd, 's.sqlite'), '--out', join(cwd, 'bad'), '--no-progress');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('by-group backend: groups.turtle must be {type, options}');
  });
});
