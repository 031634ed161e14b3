/**
 * Fresh-user trial 13, item 3: an empty hypothesis is scored (all deletions) while a failed call is left out of the
 * rates, and the card did not count empty hypotheses per group. Real data: the Artie corpus and Google's real en-US
 * answers of Dec 4, 2019, 36 of which are empty (the predictions' README). Expected: card.md, card.html, card.csv and
 * card.json count them per group (the counts below are recomputed here from the TSV and the manifest), and the card's
 * warnings name each group with empty hypotheses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseCsv } from './parse-csv.ts';
import { cliIn } from '../helpers/cli.ts';

const DATA = resolve(import.meta.dirname, '../../../shared/data/artie-bias-corpus');
const TSV = join(DATA, 'data/artie-bias-corpus.tsv');
const GOOGLE = join(DATA, 'predictions/google/en-US/dec-4-2019.tsv');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-empty-hyp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cli = (...args: string[]) => cliIn(args, dir);
let runOut = '';

/** Empty answers per accent, from the predictions file and the imported manifest (independent of the card code). */
function expectedEmpty(): Map<string, number> {
  const empty = new Set(
    readFileSync(GOOGLE, 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t')).filter(([, p]) => (p ?? '').trim() === '').map(([f]) => `cv-${f!.replace(/\.wav$/, '')}`),
  );
  expect(empty.size).toBe(36);
  const out = new Map<string, number>();
  for (const l of readFileSync(join(dir, 'artie.jsonl'), 'utf8').trim().split('\n')) {
    const u = JSON.parse(l) as { id: string; labels: Record<string, string> };
    if (!empty.has(u.id)) continue;
    const g = u.labels.accent ?? 'undeclared';
    out.set(g, (out.get(g) ?? 0) + 1);
  }
  return out;
}

beforeAll(async () => {
  const r = await cli('import', 'commonvoice', TSV, '-o', 'artie.jsonl');
  expect(r.code, r.stderr).toBe(0);
  writeFileSync(
    join(dir, 'g.yaml'),
    `name: g\nmanifest: artie.jsonl\ngroupBy: [accent]\nnormaliser: basic\nbootstrap: { B: 50 }\nmodel: none\nbackends:\n  - { name: google, type: hypotheses, options: { file: ${GOOGLE}, idFrom: basename-without-extension, idPrefix: cv- } }\n`,
  );
  const run = await cli('run', 'g.yaml', '--store', 'a.sqlite', '--out', 'out', '--no-progress');
  expect(run.code, run.stderr).toBe(0);
  runOut = run.stdout;
  const rep = await cli('report', 'out', '--out', 'card');
  expect(rep.code, rep.stderr).toBe(0);
}, 60_000);

describe("the card counts empty hypotheses per group (Artie, Google en-US's 36 empty answers)", () => {
  it('card.json and card.csv give each group its empty hypotheses; they sum to 36 and are scored (not failed)', () => {
    const want = expectedEmpty();
    const card = JSON.parse(readFileSync(join(dir, 'card/card.json'), 'utf8')) as { tables: { kind: string; overall: { emptyHyp: number; failed: number }; rows: { group: string; emptyHyp: number }[] }[]; warnings: string[] };
    const t = card.tables.find((x) => x.kind === 'group')!;
    expect(t.overall.emptyHyp).toBe(36);
    expect(t.overall.failed).toBe(0);
    const got = new Map(t.rows.filter((r) => r.emptyHyp > 0).map((r) => [r.group, r.emptyHyp]));
    expect(got).toEqual(want);
    const csv = parseCsv(readFileSync(join(dir, 'card/card.csv'), 'utf8'));
    const csvGot = new Map(csv.filter((r) => r.row_type === 'group' && r.table_kind === 'group' && Number(r.empty_hyp) > 0).map((r) => [r.group!, Number(r.empty_hyp)]));
    expect(csvGot).toEqual(want);
    expect(csv.find((r) => r.row_type === 'overall')!.empty_hyp).toBe('36');
    const w = card.warnings.find((x) => x.startsWith('Empty hypotheses (google · condition clean, by accent): '))!;
    expect(w).toContain(`group "indian" ${want.get('indian')} of `);
    expect(w).toContain('every reference word of it counts as a deletion');
  });

  it("run's closing table is followed by one line counting them per group", () => {
    const want = expectedEmpty();
    const line = runOut.split('\n').find((l) => l.startsWith('empty hypotheses (scored: every reference word a deletion), by accent: google · clean: '))!;
    for (const [g, n] of want) expect(line).toMatch(new RegExp(`[:,] ${g} ${n} of \\d+`));
  });

  it('card.md and card.html show an Empty hyp. column and the warning', () => {
    const md = readFileSync(join(dir, 'card/card.md'), 'utf8');
    const header = md.split('\n').find((l) => l.startsWith('| Group |'))!;
    expect(header).toContain('| Empty hyp. |');
    const col = header.split('|').map((c) => c.trim()).indexOf('Empty hyp.');
    const total = md.split('\n').find((l) => l.startsWith('| **All groups** |'))!;
    expect(total.split('|').map((c) => c.trim())[col]).toBe('36');
    expect(md).toMatch(/^> \*\*Warning:\*\* Empty hypotheses \(google · condition clean, by accent\): /m);
    const html = readFileSync(join(dir, 'card/card.html'), 'utf8');
    expect(html).toContain('Empty hyp.</th>');
    expect(html).toContain('Empty hypotheses (google · condition clean, by accent)');
  });
});
