/** The real CLI: `check --max-degradation-gap` exit codes, and `report --model / --reference-group`. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONDITIONS_META, makeConditionRun, writeFixtureRun } from './fixture.ts';
import { parseCsv } from './parse-csv.ts';
import { cli } from '../helpers/cli.ts';

const root = mkdtempSync(join(tmpdir(), 'asrfair-cli-sec-'));
const noisy = join(root, 'noisy');
const cleanOnly = join(root, 'clean');


beforeAll(() => {
  writeFixtureRun(noisy, { utterances: makeConditionRun(), meta: CONDITIONS_META });
  writeFixtureRun(cleanOnly);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('asrfair check --max-degradation-gap', () => {
  it('exits 1 naming every group whose excess degradation is over the limit', async () => {
    const r = await cli('check', noisy, '--max-degradation-gap', '0.05', '--bootstrap', '200', '--include-small-cells');
    expect(r.code).toBe(1);
    // Caribbean (+~20 points over the rest) and Welsh (+~8, not significant) both exceed 5 points.
    expect(r.stderr).toMatch(/Mock ASR · white noise 10 dB vs clean · by accent: group "caribbean" WER rises [\d.]+ points \([\d.]+% → [\d.]+%\), [\d.]+ points more than the rest \[95% CI [\d.]+, [\d.]+\], over --max-degradation-gap 0\.05 = 5\.0 points/);
    expect(r.stderr).toContain('group "welsh"');
    expect(r.stderr).not.toContain('group "scottish"');
    expect(r.stdout).toMatch(/^FAIL: 2 thresholds crossed/m);
  });

  it('--significant-only fails on the significant group only', async () => {
    const r = await cli('check', noisy, '--max-degradation-gap', '0.05', '--significant-only', '--bootstrap', '200', '--include-small-cells');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('group "caribbean"');
    expect(r.stderr).not.toContain('group "welsh"');
    expect(r.stdout).toMatch(/FAIL: 1 threshold crossed/);
  });

  it('exits 0 when every excess is within the limit', async () => {
    const r = await cli('check', noisy, '--max-degradation-gap', '0.5', '--bootstrap', '200', '--include-small-cells');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^PASS: .*excess degradation ≤ 50\.0 points \(3 group × condition rows\)/m);
  });

  it('is a usage error (exit 2), neither a pass nor a gate failure, when the run has no clean + other condition', async () => {
    const r = await cli('check', cleanOnly, '--max-degradation-gap', '0.05', '--bootstrap', '200');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^asrfair: --max-degradation-gap \(maxDegradationGap\) needs a run with the clean condition "clean" and at least one other condition; run \S+ has /);
  });

  it('exits 2 on a bad value', async () => {
    const r = await cli('check', noisy, '--max-degradation-gap', 'lots');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--max-degradation-gap must be a number, not "lots"');
  });
});

describe('asrfair report --model / --reference-group', () => {
  it('writes the model and degradation CSVs with the chosen family and reference', async () => {
    const out = join(root, 'out-nb');
    const r = await cli('report', noisy, '--out', out, '--format', 'md,csv', '--model', 'negbin', '--reference-group', 'caribbean', '--bootstrap', '200');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('card-degradation.csv');
    const model = parseCsv(readFileSync(join(out, 'card-model.csv'), 'utf8'));
    expect(new Set(model.map((x) => x.family))).toEqual(new Set(['negbin']));
    expect(model.find((x) => x.row_type === 'group' && x.term === 'caribbean')!.note).toBe('reference');
    // Scottish errs far less than the Caribbean reference group.
    expect(Number(model.find((x) => x.term === 'scottish')!.rate_ratio)).toBeLessThan(0.5);
    const md = readFileSync(join(out, 'card.md'), 'utf8');
    expect(md).toContain('## Model-based view by accent (negative binomial regression, speaker-clustered CR1 errors)');
    expect(md).toContain('Gap to caribbean [95% CI]');
    const deg = parseCsv(readFileSync(join(out, 'card-degradation.csv'), 'utf8'));
    expect(deg.find((x) => x.group === 'caribbean')!.degrades_more).toBe('true');
  });

  it('--model none leaves the model out; bad flags exit 2 naming the choices', async () => {
    const out = join(root, 'out-none');
    expect((await cli('report', cleanOnly, '--out', out, '--format', 'csv,md', '--model', 'none', '--bootstrap', '200')).code).toBe(0);
    expect(existsSync(join(out, 'card-model.csv'))).toBe(false);
    expect(existsSync(join(out, 'card-degradation.csv'))).toBe(false);
    expect(readFileSync(join(out, 'card.md'), 'utf8')).not.toContain('Model-based view');
    const bad = await cli('report', cleanOnly, '--out', out, '--model', 'gamma');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--model must be poisson, negbin or none, not "gamma"');
    const ref = await cli('report', cleanOnly, '--out', out, '--reference-group', 'martian');
    expect(ref.code).toBe(2);
    expect(ref.stderr).toContain('--reference-group: no group "martian" on "accent" (groups: caribbean, scottish, welsh)');
  });
});
