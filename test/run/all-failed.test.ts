/**
 * Fresh-user trial 11, item 1: `import commonvoice artie-bias-corpus.tsv` writes audio paths for clips the corpus does
 * not ship (1,712 "missing audio", as README's text-only recipe says); a suite of hypotheses backends on that manifest
 * then failed every result with "audio failed" and exited 0. Real data: the Artie TSV and Amazon's real en-US answers
 * in ../shared/data. Expected: backends that read no audio (hypotheses) never open it; a run where every result
 * failed (or one backend's every result) exits 1 with one closing line giving the most frequent cause and its first
 * example; `check` on such a run leads with that line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cliIn } from '../helpers/cli.ts';

const DATA = resolve(import.meta.dirname, '../../../shared/data/artie-bias-corpus');
const TSV = join(DATA, 'data/artie-bias-corpus.tsv');
const AMAZON = join(DATA, 'predictions/amazon/en-US/dec-9-2019.tsv');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-all-failed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...args: string[]) => cliIn(args, dir);
const lastLine = (s: string) => s.trimEnd().split('\n').at(-1) ?? '';

function suite(name: string, backends: string[]): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `name: ${name}\nmanifest: artie.jsonl\ngroupBy: [accent]\nnormaliser: basic\nbootstrap: { B: 50 }\nmodel: none\nbackends:\n${backends.map((b) => `  - ${b}\n`).join('')}`);
  return file;
}
const amazon = (prefix = 'cv-') => `{ name: amazon, type: hypotheses, options: { file: ${AMAZON}, idFrom: basename-without-extension${prefix ? `, idPrefix: ${prefix}` : ''} } }`;
const sphinx = '{ name: sphinx, type: pocketsphinx }';

beforeAll(async () => {
  const r = await cli('import', 'commonvoice', TSV, '-o', 'artie.jsonl');
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain('missing audio: 1712 files the corpus names do not exist');
}, 60_000);

describe('a text-only Artie import run with hypotheses backends (trial 11)', () => {
  it('hypotheses backends never open the missing clips: 1712 ok, said once, exit 0', async () => {
    const r = await cli('run', suite('hyp', [amazon()]), '--store', 'a.sqlite', '--out', 'hyp', '--no-progress');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^amazon\s+clean\s+1712\s+0\s+1712\s+1712\s+0\s+0\s+0$/m);
    expect(r.stdout).toContain('audio not read: no backend of this suite reads audio (answers by utterance id), so the audio of 1712 utterances was not opened');
    expect(r.stderr).not.toMatch(/bad audio|file not found/);
    const rows = readFileSync(join(dir, 'hyp/results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { status: string });
    expect(rows.filter((x) => x.status === 'ok')).toHaveLength(1712);
  }, 60_000);

  it('validate --suite: the missing clips are no error for a suite that reads no audio, and are for one that does', async () => {
    const hyp = await cli('validate', 'artie.jsonl', '--suite', suite('vhyp', [amazon()]));
    expect(hyp.code, hyp.stderr).toBe(0);
    expect(hyp.stdout).toBe('artie.jsonl: 1712 valid utterances (audio of 1712 not checked: no backend of vhyp.yaml reads audio), 0 errors\n'.replace('vhyp.yaml', join(dir, 'vhyp.yaml')));
    const ps = await cli('validate', 'artie.jsonl', '--suite', suite('vps', [sphinx]));
    expect(ps.code).toBe(1);
    expect(ps.stdout).toBe('artie.jsonl: 0 valid utterances, 1712 errors\n');
  }, 60_000);

  it('every result failed (ids without the cv- prefix): exit 1, the last line names the backend and the error', async () => {
    const r = await cli('run', suite('noprefix', [amazon('')]), '--store', 'b.sqlite', '--out', 'noprefix', '--no-progress');
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toMatch(/^asrfair: backend "amazon": all 1712 calls failed; last error: no hypothesis for id cv-common_voice_en_\d+ in \S+dec-9-2019\.tsv$/);
    // check names the cause, with the first example, before any group's line.
    const c = await cli('check', 'noprefix', '--max-gap', '0.05');
    expect(c.code).toBe(1);
    expect(c.stderr.split('\n')[0]).toMatch(
      /^asrfair: all 1712 results failed: no answer for the utterance id in the hypotheses file \(check idFrom\/idPrefix\) \(first: amazon cv-common_voice_en_17779714: .*no hypothesis for id cv-common_voice_en_17779714 in \S+dec-9-2019\.tsv\)$/,
    );
  }, 60_000);

  it('a backend that needs the missing audio: its every result failed, exit 1 naming it; the hypotheses answer all the same', async () => {
    const r = await cli('run', suite('mixed', [amazon(), sphinx]), '--store', 'c.sqlite', '--out', 'mixed', '--no-progress', '--limit', '20');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^amazon\s+clean\s+20\s+0\s+20\s+20\s+0\s+0\s+0$/m);
    expect(r.stdout).toMatch(/^sphinx\s+clean\s+20\s+0\s+0\s+0\s+0\s+20\s+0$/m);
    expect(lastLine(r.stderr)).toMatch(/^asrfair: backend "sphinx": all 20 results failed: audio missing \(first: \S+artie\.jsonl:1: .*common_voice_en_17779714\.mp3: file not found\)$/);
  }, 60_000);

  it('only audio-reading backends: "all 20 results failed: audio missing" is the last line of run and the first of check', async () => {
    const r = await cli('run', suite('audio', [sphinx]), '--store', 'd.sqlite', '--out', 'audio', '--no-progress', '--limit', '20');
    expect(r.code).toBe(1);
    const line = /^asrfair: all 20 results failed: audio missing \(first: .*common_voice_en_17779714\.mp3: file not found\)$/;
    expect(lastLine(r.stderr)).toMatch(line);
    const c = await cli('check', 'audio', '--max-gap', '0.05');
    expect(c.code).toBe(1);
    expect(c.stderr.split('\n')[0]).toMatch(line);
  }, 60_000);
});
