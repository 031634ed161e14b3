// A published card's remedy section left out the small cells of the baseline only, not the groups the group tables
// hide as their complements. Real data, real tools: the Artie corpus's Amazon and Google en-US transcripts (text-only),
// Google standing in as the remedy of Amazon (as in remedy-card.test.ts); minimum cell 1 speaker, 25 words: singapore
// (2 speakers, 22 words) is the one small cell, wales (27 words) its complement in both group tables. The remedy section
// showed wales (speakers, utterances, words, WER before and after), so the amazon table's All groups minus the groups
// shown minus wales gave singapore back. Now it leaves out every group the card hides and says so, in md, html, csv
// and json.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.ts';
import { parseCsv } from './parse-csv.ts';

const ARTIE = resolve(import.meta.dirname, '../../corpora/artie-bias-corpus');
const cwd = mkdtempSync(join(tmpdir(), 'asrfair-publish-remedy-hidden-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));
const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

interface Card {
  tables: { kind: string; backendName: string; rows: { group: string; suppressed: boolean; suppression: string | null; refWords: number | null }[]; overall: { refWords: number | null } }[];
  remedy: { unpublished: string[]; complementary?: string[]; report: { groups: { group: string; words: number }[]; worstBefore: { group: string }; worstAfter: { group: string } } };
}
let card: Card;
let md = '';
let html = '';
let csv: Record<string, string>[] = [];
const COMPLEMENT_LINE = 'Published card: 1 group(s) hidden in the group tables beside small cells (complementary suppression) left out of every figure here too, so no total minus the groups shown gives a small cell back: wales.';

beforeAll(() => {
  writeFileSync(
    join(cwd, 'suite.yaml'),
    `name: remedy-hidden\nmanifest: ${join(ARTIE, 'manifest.jsonl')}\ngroupBy: [accent]\nnormaliser: basic\nseed: 7\nbootstrap: 200\nmodel: none\n` +
      'backends:\n' +
      `  - { name: amazon, type: hypotheses, options: { file: ${join(ARTIE, 'predictions/amazon/en-US/dec-9-2019.tsv')}, idFrom: basename-without-extension } }\n` +
      `  - { name: google, type: hypotheses, options: { file: ${join(ARTIE, 'predictions/google/en-US/dec-4-2019.tsv')}, idFrom: basename-without-extension } }\n` +
      'remedy:\n  before: amazon\n  after: google\n  method: vendor-switch\n  scope: group\n',
  );
  const r = run('run', 'suite.yaml', '--store', 's.sqlite', '--out', 'out', '--no-progress', '--no-gate');
  expect(r.code, r.stderr).toBe(0);
  const rep = run('report', 'out', '--publish', '--min-speakers', '1', '--min-words', '25', '--slices', 'none', '--out', 'card');
  expect(rep.code, rep.stderr).toBe(0);
  card = JSON.parse(readFileSync(join(cwd, 'card/card.json'), 'utf8')) as Card;
  md = readFileSync(join(cwd, 'card/card.md'), 'utf8');
  html = readFileSync(join(cwd, 'card/card.html'), 'utf8');
  csv = parseCsv(readFileSync(join(cwd, 'card/card-remedy.csv'), 'utf8'));
}, 300_000);

describe('publish mode: the remedy section hides the group tables\' hidden groups', () => {
  it('the group tables hide singapore (small cell) and wales (its complement)', () => {
    for (const t of card.tables.filter((x) => x.kind === 'group')) {
      expect(t.rows.filter((r) => r.suppressed).map((r) => [r.group, r.suppression]).sort()).toEqual([['singapore', 'small-cell'], ['wales', 'complementary']]);
    }
  });

  it('card.json: wales is in no figure of the remedy, named as a complementary hide', () => {
    expect(card.remedy.unpublished).toEqual(['singapore']);
    expect(card.remedy.complementary).toEqual(['wales']);
    const groups = card.remedy.report.groups.map((g) => g.group);
    expect(groups).not.toContain('wales');
    expect(groups).not.toContain('singapore');
    expect([card.remedy.report.worstBefore.group, card.remedy.report.worstAfter.group]).not.toContain('wales');
    // The attack: the amazon table's All groups words minus every group shown (table or remedy) is no small cell.
    const amazon = card.tables.find((t) => t.kind === 'group' && t.backendName === 'amazon')!;
    const shown = new Set([...amazon.rows.filter((r) => !r.suppressed).map((r) => r.group), ...groups]);
    const words = amazon.rows.filter((r) => shown.has(r.group)).reduce((a, r) => a + (r.refWords ?? 0), 0);
    expect(amazon.overall.refWords! - words).toBeGreaterThanOrEqual(22 + 27);
  });

  it('card.md, card.html and card-remedy.csv show no wales row and say why', () => {
    const mdRemedy = md.slice(md.indexOf('## Remedy'));
    expect(mdRemedy).not.toMatch(/^\| wales /m);
    expect(mdRemedy).toContain(COMPLEMENT_LINE);
    const htmlRemedy = html.slice(html.indexOf('<section id="s-remedy">'));
    expect(htmlRemedy).not.toMatch(/<td>wales/);
    expect(htmlRemedy).toContain(COMPLEMENT_LINE);
    expect(csv.filter((r) => r.group === 'wales')).toEqual([]);
    expect(csv.filter((r) => r.row_type === 'group').length).toBe(card.remedy.report.groups.length);
  });
});
