/**
 * `check` after a run whose every result failed (closing note of stop 25, s-ai): it led with the cause, then listed one
 * line per group (58 on Artie by accent and accent × gender) as if each had been measured. Real data: the Artie TSV
 * imported as Common Voice, and Amazon's and Google's real en-US answers, looked up without the importer's `cv-` id
 * prefix so that every answer is missing. Expected: the cause, then the counts only (exit 1); when one backend's every
 * result failed, one line for it instead of one per group, and the other backend's lines as before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cliIn } from '../helpers/cli.ts';

const DATA = resolve(import.meta.dirname, '../../../shared/data/artie-bias-corpus');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-check-all-failed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cli = (...args: string[]) => cliIn(args, dir);

const backend = (name: string, vendor: string, prefix: boolean) =>
  `  - { name: ${name}, type: hypotheses, options: { file: ${join(DATA, 'predictions', vendor)}, idFrom: basename-without-extension${prefix ? ', idPrefix: cv-' : ''} } }\n`;
function suite(name: string, backends: string, gate = ''): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `name: ${name}\nmanifest: artie.jsonl\ngroupBy: [accent]\nslices: [[accent, gender]]\nnormaliser: basic\nbootstrap: { B: 50 }\nmodel: none\n${gate}backends:\n${backends}`);
  return file;
}
const AMAZON = 'amazon/en-US/dec-9-2019.tsv';
const GOOGLE = 'google/en-US/dec-4-2019.tsv';
const CAUSE = /^asrfair: all 1712 results failed: no answer for the utterance id in the hypotheses file \(check idFrom\/idPrefix\) \(first: amazon cv-common_voice_en_17779714: .*\)$/;

beforeAll(async () => {
  const r = await cli('import', 'commonvoice', join(DATA, 'data/artie-bias-corpus.tsv'), '-o', 'artie.jsonl');
  expect(r.code, r.stderr).toBe(0);
  const bad = await cli('run', suite('dead', backend('amazon', AMAZON, false)), '--store', 's.sqlite', '--out', 'dead', '--no-progress');
  expect(bad.code).toBe(1);
  // Amazon's failures are reused from the run above (same store): a rerun must fail where the first run failed.
  const mixed = await cli('run', suite('mixed', backend('amazon', AMAZON, false) + backend('google', GOOGLE, true)), '--store', 's.sqlite', '--out', 'mixed', '--no-progress');
  expect(mixed.code, mixed.stderr).toBe(1);
  expect(mixed.stderr.trimEnd().split('\n').at(-1)).toMatch(
    /^asrfair: backend "amazon": all 1712 results failed: no answer for the utterance id in the hypotheses file \(check idFrom\/idPrefix\) \(first: amazon cv-common_voice_en_17779714 \(stored\): .*\)$/,
  );
}, 120_000);

describe('check after a run whose every result failed', () => {
  it('prints the cause, then the counts only: no line per group (exit 1)', async () => {
    const c = await cli('check', 'dead', '--max-gap', '0.05');
    expect(c.code).toBe(1);
    const lines = c.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(CAUSE);
    expect(lines).toHaveLength(1);
    expect(c.stdout + c.stderr).not.toContain('group "');
    // 18 declared accents (undeclared among them) and 40 accent × gender slices: counted, not listed; the verdict on stdout.
    expect(c.stdout.trimEnd().split('\n').slice(1)).toEqual([
      'FAIL: nothing was measured: all 1712 results failed (1 backend × 1 condition); none of the 58 groups (18 by accent, 40 slices) has a scored utterance (asrfair report lists them)',
    ]);
  });

  it("the run's own suite gate after such a run says the same, and the cause is its last line", async () => {
    const r = await cli('run', suite('dead-gated', backend('amazon', AMAZON, false), 'gate: { maxGap: 0.05 }\n'), '--store', 's.sqlite', '--out', 'dead-gated', '--no-progress');
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('group "');
    expect(r.stdout).toContain('FAIL: nothing was measured: all 1712 results failed (1 backend × 1 condition); none of the 58 groups');
    expect(r.stderr.trimEnd().split('\n').at(-1)).toMatch(/^asrfair: all 1712 results failed: no answer for the utterance id in the hypotheses file/);
  }, 60_000);

  it("one backend's every result failed: one line for it, and the other backend's groups as before", async () => {
    const c = await cli('check', 'mixed', '--max-wer', '0.25');
    expect(c.code).toBe(1);
    const lines = c.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^asrfair: backend "amazon": all 1712 results failed: no answer for the utterance id/);
    expect(lines).toContain(
      'backend "amazon": nothing was measured: all 1712 results failed (1 condition), so none of its 58 groups (18 by accent, 40 slices) has a scored utterance (cause above)',
    );
    expect(lines.filter((l) => l.startsWith('amazon ·'))).toEqual([]);
    // Google's "england" (30.3% WER, README part a) crosses 25%; its lines are there as before.
    expect(lines.some((l) => /^google · condition clean · by accent: group "england" WER 30\.\d% /.test(l))).toBe(true);
    const verdict = c.stdout.trimEnd().split('\n').at(-1);
    expect(verdict).toMatch(/^FAIL: \d+ thresholds crossed \(.*58 no-scored-utterances.*\) in \d+ of 116 groups/);
    // Each lost result counted once (its group table), not again in the accent × gender table: 1712, not 3424.
    expect(verdict).toContain('; 1712 utterances lost (failed or missing) in 18 groups, limit 0.0% per group');
  });
});
