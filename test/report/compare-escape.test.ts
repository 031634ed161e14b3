// compare's terminal output shows a label's control characters as the other commands do (`\x1b`, `\x0a`), through the
// shared terminal escaping: it turned them into spaces (trial 21: " [31mRED [0m", a label "line\nbreak" as "line break").
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';

const MANIFEST = join(import.meta.dirname, '../../corpora/artie-bias-corpus/manifest.jsonl');
const PRED = join(import.meta.dirname, '../../../shared/data/artie-bias-corpus/predictions');

const dir = mkdtempSync(join(tmpdir(), 'asrfair-compare-esc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RED = '\u001b[31mRED\u001b[0m';
const BREAK = 'line\nbreak';
let run: string;
beforeAll(async () => {
  type Utt = { id: string; labels: Record<string, string> };
  const rows = readFileSync(MANIFEST, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Utt);
  // The real accents, two of them renamed: the groups keep their speakers.
  const relabel = (a: string) => (a === 'england' ? RED : a === 'indian' ? BREAK : a);
  const m = join(dir, 'm.jsonl');
  writeFileSync(m, rows.map((u) => JSON.stringify(u.labels.accent ? { ...u, labels: { ...u.labels, accent: relabel(u.labels.accent) } } : u)).join('\n') + '\n');
  const be = (n: string, f: string) => `  - { name: ${n}, type: hypotheses, options: { file: ${join(PRED, f)}, idFrom: basename-without-extension } }\n`;
  const s = join(dir, 's.yaml');
  writeFileSync(s, `name: esc\nmanifest: ${m}\ngroupBy: [accent]\nnormaliser: basic\nseed: 1\nbootstrap: { B: 200 }\nbackends:\n${be('amazon', 'amazon/en-US/dec-9-2019.tsv')}${be('google', 'google/en-US/dec-4-2019.tsv')}`);
  run = join(dir, 'run');
  const r = await cli('run', s, '--store', join(dir, 's.sqlite'), '--out', run, '--no-progress', '--no-gate');
  if (r.code !== 0) throw new Error(r.stderr);
}, 120_000);

describe('compare on the terminal escapes control characters like every other command', () => {
  it('ESC as \\x1b and a line break as \\x0a in the table, no raw control byte, columns still aligned', async () => {
    const r = await cli('compare', run, run, '--backend-a', 'amazon', '--backend-b', 'google', '--bootstrap', '200');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    const table = r.stdout.split('\n').filter((l) => /^\S.*\d+\.\d%/.test(l));
    const red = table.find((l) => l.startsWith('\\x1b[31mRED\\x1b[0m '));
    const brk = table.find((l) => l.startsWith('line\\x0abreak '));
    expect(red).toBeDefined();
    expect(brk).toBeDefined();
    // Every row's Speakers column ends at the header's.
    const head = r.stdout.split('\n').find((l) => l.startsWith('Group '))!;
    const end = head.indexOf('Speakers') + 'Speakers'.length;
    for (const l of [red!, brk!]) expect(l.slice(0, end)).toMatch(/\d$/);
  });
});
