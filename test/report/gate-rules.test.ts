// The suite's `gate:` and `check`'s flags share one rule; `check` with nothing to evaluate exits 2; a results.jsonl
// cut at a line boundary is refused. On Amazon's real en-US answers for the first 300 Artie utterances (trial 16,
// defects 2, 3 and 9: `gate: {maxGap: 10}` passed "gap ≤ 1000.0 points", `--max-wer 40` passed "WER ≤ 4000.0%",
// `gate: {groupRatio: 0.5}` failed the best group against itself, "no group to check" exited 1, and `sed -i 5d
// results.jsonl` passed the gate).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';

const MANIFEST = join(import.meta.dirname, '../../corpora/artie-bias-corpus/manifest.jsonl');
const AMAZON = join(import.meta.dirname, '../../../shared/data/artie-bias-corpus/predictions/amazon/en-US/dec-9-2019.tsv');

const dir = mkdtempSync(join(tmpdir(), 'asrfair-gate-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const manifest = join(dir, 'm.jsonl');

/** A suite over the first 300 Artie utterances with Amazon's answers and the given gate (on line 10). */
function suite(name: string, gate: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}\nmanifest: m.jsonl\ngroupBy: [accent]\nnormaliser: basic\nseed: 1\nbootstrap: { B: 200 }\nminCell: { speakers: 5, words: 50 }\n` +
      `backends:\n  - { name: amazon, type: hypotheses, options: { file: ${AMAZON}, idFrom: basename-without-extension } }\ngate: ${gate}\n`,
  );
  return file;
}

const run = (name: string, s: string) => cli('run', s, '--store', join(dir, 'store.sqlite'), '--out', join(dir, name), '--no-progress');
const errLines = (r: { stderr: string }) => r.stderr.split('\n').filter((l) => l.startsWith('asrfair:') && !l.includes('warning'));

let base: string;
beforeAll(async () => {
  writeFileSync(manifest, readFileSync(MANIFEST, 'utf8').split('\n').slice(0, 300).join('\n') + '\n');
  base = join(dir, 'base');
  const r = await run('base', suite('base', '{ maxWer: 0.9 }'));
  expect(r.code, r.stderr).toBe(0);
}, 120_000);

describe("the suite's gate and check's flags: one rule", () => {
  it.each([
    ['maxGap: 10', '--max-gap', '10', 'must be a fraction in (0, 1] (0.03 = 3 points), not 10; did you mean 0.1 (10%)?'],
    ['maxWer: 40', '--max-wer', '40', 'must be a fraction in [0, 1] (0.4 = 40%), not 40; did you mean 0.4 (40%)?'],
    ['groupRatio: 0.5', '--group-ratio', '0.5', "must be a ratio above 1 (1.25 = a group's WER may be 1.25× the best group's), not 0.5"],
    ['groupRatio: 1', '--group-ratio', '1', 'must be a ratio above 1'],
    ['maxGap: 0', '--max-gap', '0', 'must be a fraction in (0, 1]'],
    ['maxDegradationGap: 2', '--max-degradation-gap', '2', 'must be a fraction in (0, 1]'],
    ['maxFailedShare: 1.5', '--max-failed-share', '1.5', 'must be a fraction in [0, 1]'],
  ])('gate { %s } and %s %s are refused alike: exit 2, one line (suite file:line)', async (gate, flag, value, why) => {
    const name = gate.replace(/\W+/g, '-');
    const s = suite(name, `{ ${gate} }`);
    const r = await run(name, s);
    expect(r.code).toBe(2);
    expect(errLines(r)).toHaveLength(1);
    expect(errLines(r)[0]).toContain(`asrfair: ${s}:10: gate.${gate.split(':')[0]}: ${why}`);
    expect(r.stdout + r.stderr).not.toMatch(/^(PASS|FAIL):/m);
    const c = await cli('check', base, flag, value);
    expect(c.code).toBe(2);
    expect(errLines(c)).toEqual([expect.stringContaining(`asrfair: ${flag} ${why}`)]);
  }, 60_000);

  it('--max-wer 40 says why a limit above 1 is refused although a WER can exceed 1', async () => {
    const c = await cli('check', base, '--max-wer', '40');
    expect(c.stderr).toContain('(a WER can exceed 1, but a limit above 100% gates nothing)');
  });

  it('values in range still pass on both sides (maxGap 1, maxWer 1, groupRatio 1.01)', async () => {
    const c = await cli('check', base, '--max-wer', '1', '--max-gap', '1');
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/^PASS: 5 groups in 1 table within WER ≤ 100\.0%, gap to the best group ≤ 100\.0 points/m);
  });

  it('an export whose recorded gate breaks the rule (written before it was checked) is refused by check, naming run.json', async () => {
    const old = join(dir, 'old-gate');
    cpSync(base, old, { recursive: true });
    const meta = JSON.parse(readFileSync(join(old, 'run.json'), 'utf8'));
    meta.analysis.gate = { maxGap: 10 };
    writeFileSync(join(old, 'run.json'), JSON.stringify(meta, null, 2));
    const c = await cli('check', old);
    expect(c.code).toBe(2);
    expect(errLines(c)).toEqual([
      `asrfair: ${join(old, 'run.json')}: analysis.gate.maxGap (the suite's gate) must be a fraction in (0, 1] (0.03 = 3 points), not 10; did you mean 0.1 (10%)?; give the threshold as a flag (--max-gap) instead`,
    ]);
    // report still reads it (the gate is not report's business).
    expect((await cli('report', old, '--out', join(dir, 'old-gate-report'), '--format', 'json')).code).toBe(0);
  }, 60_000);
});

describe('check with nothing it can evaluate', () => {
  it('every group below the minimum cell rule: exit 2 (not 1), naming the groups\' sizes and the minimum', async () => {
    const c = await cli('check', base, '--max-wer', '0.9', '--min-speakers', '200');
    expect(c.code).toBe(2);
    expect(c.stdout).toMatch(
      /^FAIL: no group to check: every group is below the minimum cell rule \(15 not enough data; groups have 1–88 speakers and 7–848 ref words; the minimum is 200 speakers and 50 ref words; --include-small-cells to check them, or --min-speakers\/--min-words to lower the minimum\)$/m,
    );
    // A crossed threshold stays exit 1.
    expect((await cli('check', base, '--max-wer', '0.3')).code).toBe(1);
  }, 60_000);
});

describe('results.jsonl cut at a line boundary', () => {
  it('run.json records the row count and sha256 of results.jsonl', () => {
    const meta = JSON.parse(readFileSync(join(base, 'run.json'), 'utf8'));
    expect(meta.results.rows).toBe(300);
    expect(meta.results.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('check, report and compare refuse it: exit 2, one line naming the file and both counts', async () => {
    const cut = join(dir, 'cut');
    cpSync(base, cut, { recursive: true });
    const rows = readFileSync(join(cut, 'results.jsonl'), 'utf8').split('\n');
    rows.splice(4, 1); // sed -i 5d
    writeFileSync(join(cut, 'results.jsonl'), rows.join('\n'));
    const want = `asrfair: ${join(cut, 'results.jsonl')}: has 299 rows but run.json records 300 written at export: the file was cut or changed after export (1 rows missing)`;
    for (const r of [
      await cli('check', cut, '--max-wer', '0.9'),
      await cli('report', cut, '--out', join(dir, 'cut-report')),
      await cli('compare', base, cut, '--out', join(dir, 'cut-compare')),
    ]) {
      expect(r.code).toBe(2);
      expect(errLines(r)).toHaveLength(1);
      expect(errLines(r)[0]).toContain(want);
    }
  }, 120_000);

  it('the same rows edited (one hypothesis changed) are refused by their sha256', async () => {
    const edited = join(dir, 'edited');
    cpSync(base, edited, { recursive: true });
    const text = readFileSync(join(edited, 'results.jsonl'), 'utf8');
    writeFileSync(join(edited, 'results.jsonl'), text.replace(/"hyp":"([^"]*)"/, '"hyp":"$1 x"'));
    const r = await cli('check', edited, '--max-wer', '0.9');
    expect(r.code).toBe(2);
    expect(errLines(r)[0]).toMatch(/results\.jsonl: has the 300 rows run\.json records, but its sha256 [0-9a-f]{12}… is not the [0-9a-f]{12}… written at export/);
  }, 60_000);

  it('an export written before the count existed is read as before, with one note', async () => {
    const old = join(dir, 'old');
    cpSync(base, old, { recursive: true });
    const meta = JSON.parse(readFileSync(join(old, 'run.json'), 'utf8'));
    delete meta.results;
    writeFileSync(join(old, 'run.json'), JSON.stringify(meta, null, 2));
    const r = await cli('check', old, '--max-wer', '0.9');
    expect(r.code).toBe(0);
    expect(r.stderr.split('\n').filter((l) => l.includes('note:'))).toEqual([
      `asrfair: note: ${join(old, 'run.json')} records no row count of results.jsonl (an export from before asrfair recorded it), so a file cut at a line boundary cannot be detected; export the run again to record it`,
    ]);
  }, 60_000);
});
