// A suite's `groupBy: [accent, gender]` on the real Artie bias corpus with Amazon's and Google's real en-US answers
// (trial 20, item 1): the card had group tables for accent only, gender was dropped with no word. Now every key named
// gets its group tables (intervals, tests, flags), equal to the ones `report --group-by gender` gives, in every format,
// and the run's terminal table, the gate and the card's settings name every key.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';
import { ARTIE } from '../helpers/artie-suite.ts';

const dir = mkdtempSync(join(tmpdir(), 'asrfair-group-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Table { kind: string; groupBy: string; backendName: string; rows: { group: string; wer: unknown; p: number | null; pAdjusted: number | null; flags: string[] }[] }
interface Card { title: string; settings: { groupBy: string; groupKeys: string[]; overrides: string[] }; tables: Table[]; footnotes: string[] }

const card = (d: string): Card => JSON.parse(readFileSync(join(d, 'card.json'), 'utf8')) as Card;

let run: Awaited<ReturnType<typeof cli>>;
let both: Card;
let genderOnly: Card;
let accentOnly: Awaited<ReturnType<typeof cli>>;
let published: Card;
const exp = join(dir, 'run');
beforeAll(async () => {
  const suite = join(dir, 'artie.yaml');
  const hyp = (v: string, d: string) => `  - { name: ${v}-en-US, type: hypotheses, options: { file: ${join(ARTIE, `predictions/${v}/en-US/${d}.tsv`)}, idFrom: basename-without-extension } }`;
  writeFileSync(
    suite,
    [
      'name: t20-artie', `manifest: ${join(ARTIE, 'manifest.jsonl')}`, 'groupBy: [accent, gender]', 'slices:', '  - [accent, gender]',
      'backends:', hyp('amazon', 'dec-9-2019'), hyp('google', 'dec-4-2019'),
      'normaliser: basic', 'metrics: [wer]', 'seed: 1', 'bootstrap: { B: 200 }', 'minCell: { speakers: 10, words: 500 }', 'gate: { maxWer: 0.9 }', '',
    ].join('\n'),
  );
  run = await cli('run', suite, '--store', join(dir, 's.sqlite'), '--out', exp, '--no-progress');
  const [r1, r2, r3, r4] = await Promise.all([
    cli('report', exp, '--out', join(dir, 'both')),
    cli('report', exp, '--group-by', 'gender', '--format', 'json', '--out', join(dir, 'gender')),
    cli('report', exp, '--group-by', 'accent', '--format', 'json', '--out', join(dir, 'accent')),
    cli('report', exp, '--publish', '--format', 'json', '--out', join(dir, 'pub')),
  ]);
  expect(r4.code, r4.stderr).toBe(0);
  published = card(join(dir, 'pub'));
  expect(r1.code, r1.stderr).toBe(0);
  expect(r2.code, r2.stderr).toBe(0);
  both = card(join(dir, 'both'));
  genderOnly = card(join(dir, 'gender'));
  accentOnly = r3;
}, 300_000);

describe('a suite that groups by accent and gender', () => {
  it('gives group tables by gender too, equal to report --group-by gender', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(both.settings.groupKeys).toEqual(['accent', 'gender']);
    expect(both.title).toMatch(/^Accuracy by accent and gender — /);
    const groups = (c: Card, key: string) => c.tables.filter((t) => t.kind === 'group' && t.groupBy === key);
    expect(groups(both, 'accent').map((t) => t.backendName)).toEqual(['amazon-en-US', 'google-en-US']);
    const gender = groups(both, 'gender');
    expect(gender.map((t) => t.backendName)).toEqual(['amazon-en-US', 'google-en-US']);
    // The same intervals, p-values and flags as the card by gender alone (its own correction family, the same seed).
    expect(gender.map((t) => t.rows)).toEqual(groups(genderOnly, 'gender').map((t) => t.rows));
    expect(gender[0].rows.map((r) => r.group).sort()).toEqual(['female', 'male', 'other', 'undeclared']);
    expect(both.footnotes.join('\n')).toMatch(/by gender: Holm over the \d+ tested comparisons/);
    expect(both.footnotes.join('\n')).toContain('model-based view, degradation, data quality and remedy sections are by accent (the first groupBy key) only');
  });

  it('prints the gender tables in md, html and csv', () => {
    const md = readFileSync(join(dir, 'both', 'card.md'), 'utf8');
    expect(md).toMatch(/^## amazon-en-US · condition clean · by gender$/m);
    expect(md).toMatch(/^## google-en-US · condition clean · by gender$/m);
    const html = readFileSync(join(dir, 'both', 'card.html'), 'utf8');
    expect(html).toContain('id="tbl-group-gender-amazon-en-us-amazon-en-us-clean"');
    const csv = readFileSync(join(dir, 'both', 'card.csv'), 'utf8');
    expect(csv.split('\n').filter((l) => l.startsWith('group,group,gender,')).length).toBe(8);
  });

  it('the run prints a table per key and its gate reads every group table', () => {
    expect(run.stdout).toMatch(/\| backend \| condition \| accent \|/);
    expect(run.stdout).toMatch(/\| backend \| condition \| gender \|/);
    // Small cells of gender are named, and its checked groups counted: 4 accent, 2 gender, 6 slice groups per backend.
    expect(run.stdout).toContain('google-en-US · condition clean · by gender: 2 groups: "other", "undeclared"');
    expect(run.stdout).toMatch(/^PASS: 24 groups in 6 tables within WER ≤ 90\.0%/m);
  });

  it('a key with no group large enough fails the gate as "nothing to check" (exit 2), even when another key passes', async () => {
    // Trial 22: at 400 speakers no accent group is checkable but male is; the gate said PASS on gender alone, exit 0.
    const r = await cli('check', exp, '--max-gap', '0.05', '--min-speakers', '400', '--no-suite-gate');
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toMatch(/^FAIL: no group to check by accent: every group of that key is below the minimum cell rule .*; by gender: \d+ groups? checked, no threshold crossed/m);
    // One key alone, as before.
    const a = await cli('check', exp, '--max-gap', '0.05', '--min-speakers', '400', '--no-suite-gate', '--group-by', 'accent');
    expect(a.code).toBe(2);
    expect(a.stdout).toMatch(/^FAIL: no group to check: every group is below the minimum cell rule/m);
  });

  it('a published card suppresses the small gender cells, and the one their total would give back', () => {
    const t = published.tables.find((x) => x.kind === 'group' && x.groupBy === 'gender')!;
    const rows = t.rows as unknown as { group: string; suppressed: boolean; suppression: string | null; wer: unknown }[];
    expect(rows.map((r) => [r.group, r.suppression])).toEqual([['male', null], ['female', 'complementary'], ['other', 'small-cell'], ['undeclared', 'small-cell']]);
    expect(rows.filter((r) => r.suppressed).every((r) => r.wer === null)).toBe(true);
  });

  it('a --group-by of one key on such a run is named as a setting that differs', () => {
    expect(accentOnly.code, accentOnly.stderr).toBe(0);
    expect(accentOnly.stdout).toContain("setting differs from the run's: --group-by accent (run: accent,gender)");
  });
});
