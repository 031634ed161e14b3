// The model-based view in publish mode (closing note of stop 25, s-af): a group hidden only by complementary
// suppression (src/report/publish.ts) was marked `smallCell: true` in card.json's model section. It is not small. Real
// data: the Artie corpus's "us", "england", "indian" and "wales" clips with Google en-US's real answers; "wales" (2
// speakers) is the one small cell, so "england" (fewest reference words of the rest) is hidden beside it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';

const MANIFEST = join(import.meta.dirname, '../../corpora/artie-bias-corpus/manifest.jsonl');
const GOOGLE = join(import.meta.dirname, '../../../shared/data/artie-bias-corpus/predictions/google/en-US/dec-4-2019.tsv');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-model-complementary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KEEP = new Set(['us', 'england', 'indian', 'wales']);
const lines = readFileSync(MANIFEST, 'utf8').trimEnd().split('\n').filter((l) => KEEP.has((JSON.parse(l) as { labels: { accent?: string } }).labels.accent ?? ''));
writeFileSync(join(dir, 'four.jsonl'), lines.join('\n') + '\n');
writeFileSync(
  join(dir, 'four.yaml'),
  `name: four\nmanifest: four.jsonl\ngroupBy: [accent]\nnormaliser: basic\nseed: 1\nbootstrap: { B: 200 }\nminCell: { speakers: 10, words: 500 }\nmodel: poisson\n` +
    `backends:\n  - { name: google-en-US, type: hypotheses, options: { file: ${GOOGLE}, idFrom: basename-without-extension } }\n`,
);
const out = join(dir, 'run');
const COMPLEMENTARY = 'suppressed (complementary: hides a small cell from the total)';

interface ModelGroup { group: string; suppressed: boolean; smallCell: boolean; suppression: string | null; rateRatio: unknown }
let json: { tables: Array<{ rows: Array<{ group: string; suppressed: boolean; suppression: string | null; flags: string[] }> }>; models: Array<{ groups: ModelGroup[] }> };
beforeAll(async () => {
  const r = await cli('run', join(dir, 'four.yaml'), '--store', join(dir, 's.sqlite'), '--out', out, '--no-progress');
  expect(r.code, r.stderr).toBe(0);
  const p = await cli('report', out, '--publish');
  expect(p.code, p.stderr).toBe(0);
  json = JSON.parse(readFileSync(join(out, 'report', 'card.json'), 'utf8'));
}, 120_000);

describe('publish mode: a group hidden by complementary suppression is not labelled a small cell', () => {
  it('the group table hides "wales" as a small cell and "england" as its complement', () => {
    const rows = Object.fromEntries(json.tables[0].rows.map((r) => [r.group, r]));
    expect(rows.wales).toMatchObject({ suppressed: true, suppression: 'small-cell', flags: ['small-cell'] });
    expect(rows.england).toMatchObject({ suppressed: true, suppression: 'complementary', flags: [] });
    expect(rows.us).toMatchObject({ suppressed: false, suppression: null });
    // card.csv: its own column, the same reasons.
    const csv = readFileSync(join(out, 'report', 'card.csv'), 'utf8').trimEnd().split('\r\n').map((l) => l.split(','));
    const at = (g: string) => csv.find((c) => c[0] === 'group' && c[csv[0].indexOf('group')] === g)![csv[0].indexOf('suppression')];
    expect([at('wales'), at('england'), at('us')]).toEqual(['small-cell', 'complementary', '']);
  });

  it("card.json's model section gives each hidden group its own reason; smallCell only for the small one", () => {
    const g = Object.fromEntries(json.models[0].groups.map((x) => [x.group, x]));
    expect(g.wales).toMatchObject({ suppressed: true, smallCell: true, suppression: 'small-cell', rateRatio: null });
    expect(g.england).toMatchObject({ suppressed: true, smallCell: false, suppression: 'complementary', rateRatio: null });
    expect(g.indian).toMatchObject({ suppressed: false, smallCell: false, suppression: null });
  });

  it('md, html and csv say the same: "suppressed (small cell)" and "suppressed (complementary: …)"', () => {
    const md = readFileSync(join(out, 'report', 'card.md'), 'utf8');
    const model = md.slice(md.indexOf('## Model-based view'));
    expect(model.split('\n').find((l) => l.startsWith('| england †'))).toContain(COMPLEMENTARY);
    expect(model.split('\n').find((l) => l.startsWith('| wales †'))).toContain('suppressed (small cell)');
    // The group table's † note names both kinds, not "fewer speakers … than the minimum" for england too.
    expect(md).toContain('† Suppressed: below the minimum cell rule (small cell), or hidden beside small cells so that they cannot be recovered by subtraction from the All groups row or another table\'s rows (complementary); values are not published.');
    expect(md).not.toContain('† Suppressed: fewer speakers or reference words than the minimum cell rule');
    const html = readFileSync(join(out, 'report', 'card.html'), 'utf8');
    const modelHtml = html.slice(html.indexOf('class="model"'));
    expect(modelHtml).toMatch(/data-group="england" class="suppressed">.*?suppressed \(complementary: hides a small cell from the total\)/);
    expect(modelHtml).toMatch(/data-group="wales" class="suppressed">.*?suppressed \(small cell\)/);
    const csv = readFileSync(join(out, 'report', 'card-model.csv'), 'utf8').trimEnd().split('\n');
    const head = csv[0].split(',');
    const row = (g: string) => csv.find((l) => l.startsWith(`group,`) && l.split(',')[head.indexOf('term')] === g)!.split(',');
    expect(row('england')[head.indexOf('note')]).toBe(COMPLEMENTARY);
    expect(row('wales')[head.indexOf('note')]).toBe('suppressed (small cell)');
  });
});
