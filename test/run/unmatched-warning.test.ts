// run's progress sink printed its warning about answers for utterances not in the manifest as a bare
// `warning: backend …` line, neither prefixed `asrfair: warning:` nor escaped: an id in the vendor's table holding
// ESC [ 2 J cleared the reader's terminal. Real data: the first 30 utterances of the Artie bias corpus with Amazon
// Transcribe en-US's real answers, plus one extra row whose clip name holds ESC [2J and a CR. With --no-progress
// (the quiet sink) and with progress lines (stderr not a TTY: the line sink), the warning is one `asrfair: warning:`
// line naming file:line, with the id shown as visible escapes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';

const MANIFEST = join(import.meta.dirname, '../../corpora/artie-bias-corpus/manifest.jsonl');
const AMAZON = join(import.meta.dirname, '../../../shared/data/artie-bias-corpus/predictions/amazon/en-US/dec-9-2019.tsv');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-unmatched-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// eslint-disable-next-line no-control-regex
const RAW = /[\x00-\x08\x0b-\x1f\x7f]/;
const tsv = join(dir, 'vendor.tsv');
const suite = join(dir, 'vendor.yaml');

beforeAll(() => {
  const lines = readFileSync(MANIFEST, 'utf8').split('\n').slice(0, 30);
  const ids = new Set(lines.map((l) => (JSON.parse(l) as { id: string }).id));
  writeFileSync(join(dir, 'm.jsonl'), lines.join('\n') + '\n');
  const table = readFileSync(AMAZON, 'utf8').trimEnd().split('\n');
  const rows = [table[0], ...table.slice(1).filter((r) => ids.has(r.split('\t')[0].replace(/\.wav$/, ''))), 'common_voice_en_\x1b[2J\rfake.wav\thello there'];
  expect(rows).toHaveLength(32);
  writeFileSync(tsv, rows.join('\n') + '\n');
  writeFileSync(suite, `name: vendor\nmanifest: m.jsonl\ngroupBy: [accent]\nnormaliser: basic\nbackends:\n  - { name: amazon-en-US, type: hypotheses, options: { file: vendor.tsv, idFrom: basename-without-extension } }\n`);
});

const expected = () =>
  `asrfair: warning: backend "amazon-en-US": 1 answer(s) for utterances not in the manifest, not scored: ${tsv}:32 (common_voice_en_\\x1b[2J\\x0dfake)`;

describe('run: the unmatched-answers warning is an escaped asrfair: warning: line', () => {
  it('with --no-progress', async () => {
    const r = await cli('run', suite, '--store', join(dir, 'a.sqlite'), '--out', join(dir, 'a'), '--no-progress');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(RAW);
    expect(r.stderr.split('\n')).toContain(expected());
  }, 60_000);

  it('with progress lines (stderr is not a TTY)', async () => {
    const r = await cli('run', suite, '--store', join(dir, 'b.sqlite'), '--out', join(dir, 'b'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(RAW);
    expect(r.stderr).toMatch(/^progress: /m);
    expect(r.stderr.split('\n')).toContain(expected());
  }, 60_000);
});
