// A published card's degradation section applied its own suppression only (small cells of the pairs, and a second cell
// only when exactly one was hidden), not the group tables' hidden groups. Real data: the first 12 Common Voice 6.1
// clips (accent: undeclared 5 speakers, us 4, england 1, indian 1, ireland 1) decoded live by PocketSphinx, clean and
// under white noise at 10 dB SNR; one run, one report per minimum cell.
// - minimum cell 1 speaker, 10 words: ireland (9 words) is the one small cell, england (12) its complement in the
//   group tables and in the degradation table alike (same rule, same sizes): that case could not leak.
// - minimum cell 4 speakers: england, indian and ireland are small cells whose sum (3 speakers) is a small cell too, so
//   the group tables hide us as a complement. The degradation table showed us (4 speakers, 41 words, clean WER 34.1%):
//   the group table's All groups (12 speakers, 125 words) minus undeclared minus us gave the three small cells' sum,
//   3 speakers and 34 words, back. Now every section hides the card's one set of hidden groups, in md, html,
//   card-degradation.csv and card.json.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliIn } from '../helpers/cli.ts';
import { parseCsv } from './parse-csv.ts';

const CV = join(import.meta.dirname, '../../corpora/cv-6.1-en-sample/manifest.jsonl');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-publish-degradation-hidden-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cli = (...args: string[]) => cliIn(args, dir);

const COMPLEMENT = 'suppressed (complementary: hides a small cell from the total)';

type DegRow = { group: string; suppressed: boolean; suppression: string | null; speakers: number | null; utterances: number | null; refWords: number | null; werClean: unknown };
type GroupRow = { group: string; suppressed: boolean; suppression: string | null; speakers: number | null; refWords: number | null };
type Card = {
  degradation: { condition: string; rows: DegRow[]; overall: unknown }[];
  tables: { kind: string; condition: string; rows: GroupRow[]; overall: { speakers: number | null; refWords: number | null } }[];
};
interface Published { card: Card; md: string; html: string; csv: Record<string, string>[] }

const read = (out: string): Published => ({
  card: JSON.parse(readFileSync(join(dir, out, 'card.json'), 'utf8')) as Card,
  md: readFileSync(join(dir, out, 'card.md'), 'utf8'),
  html: readFileSync(join(dir, out, 'card.html'), 'utf8'),
  csv: parseCsv(readFileSync(join(dir, out, 'card-degradation.csv'), 'utf8')),
});
const report = async (out: string, speakers: number, words: number): Promise<Published> => {
  const r = await cli('report', 'out', '--publish', '--min-speakers', String(speakers), '--min-words', String(words), '--out', out);
  expect(r.code, r.stderr).toBe(0);
  return read(out);
};

/** The groups a group table of the card suppresses (any condition). */
const groupHidden = (c: Card) => new Set(c.tables.filter((t) => t.kind === 'group').flatMap((t) => t.rows.filter((r) => r.suppressed).map((r) => r.group)));

let simple: Published;
let summed: Published;
beforeAll(async () => {
  writeFileSync(
    join(dir, 'suite.yaml'),
    `name: cv-noise\nmanifest: ${CV}\ngroupBy: [accent]\nbackends:\n  - { name: pocketsphinx, type: pocketsphinx }\n` +
      'conditions:\n  - name: noise\n    steps:\n      - { type: noise, color: white, snrDb: 10 }\n' +
      'normaliser: basic\nseed: 1\nbootstrap: { B: 200 }\nmodel: none\nconcurrency: 2\n',
  );
  const r = await cli('run', 'suite.yaml', '--limit', '12', '--store', 's.sqlite', '--out', 'out', '--no-progress', '--no-gate');
  expect(r.code, r.stderr).toBe(0);
  simple = await report('card-simple', 1, 10);
  summed = await report('card-summed', 4, 1);
}, 900_000);

describe('publish mode: the degradation section hides the group tables\' hidden groups', () => {
  it('one small cell: the group tables and the degradation table hide the same complement (no leak to fix)', () => {
    expect(groupHidden(simple.card)).toEqual(new Set(['ireland', 'england']));
    const rows = simple.card.degradation[0].rows;
    expect(rows.filter((r) => r.suppressed).map((r) => [r.group, r.suppression])).toEqual([['england', 'complementary'], ['ireland', 'small-cell']]);
  });

  it('small cells summing to a small cell: us, hidden as their complement in the group tables, is hidden in the degradation table too', () => {
    const hidden = groupHidden(summed.card);
    expect(hidden).toEqual(new Set(['england', 'indian', 'ireland', 'us']));
    for (const t of summed.card.tables.filter((x) => x.kind === 'group')) expect(t.rows.find((r) => r.group === 'us')!.suppression).toBe('complementary');
    expect(summed.card.degradation).toHaveLength(1);
    const rows = summed.card.degradation[0].rows;
    const us = rows.find((r) => r.group === 'us')!;
    expect(us).toMatchObject({ suppressed: true, suppression: 'complementary', speakers: null, utterances: null, refWords: null, werClean: null });
    // The attack: no group the group tables hide has a value in the degradation table, and the group table's All
    // groups minus every group shown anywhere is no small cell (4 groups, 7 speakers here).
    for (const r of rows) if (hidden.has(r.group)) expect(r.suppressed, r.group).toBe(true);
    const clean = summed.card.tables.find((t) => t.kind === 'group' && t.condition === 'clean')!;
    const shown = new Set([...clean.rows, ...rows].filter((r) => !r.suppressed).map((r) => r.group));
    const shownSpeakers = clean.rows.filter((r) => shown.has(r.group)).reduce((a, r) => a + (r.speakers ?? 0), 0);
    expect(shown).toEqual(new Set(['undeclared']));
    expect(clean.overall.speakers! - shownSpeakers).toBeGreaterThanOrEqual(4);
  });

  it('card.md and card.html label us as the group tables do and say the section hides the same groups', () => {
    const md = summed.md.slice(summed.md.indexOf('## Degradation under conditions'));
    expect(md).toMatch(new RegExp(`^\\| us † \\|( — \\|){7} ${COMPLEMENT.replace(/[()]/g, '\\$&')} \\|$`, 'm'));
    expect(md).not.toMatch(/^\| us \| 4 \|/m);
    expect(md).toContain('Every group suppressed in a group table of this card is suppressed here too');
    const html = summed.html.slice(summed.html.indexOf('id="s-degradation"'));
    expect(html).toContain(`<span class="flag small">${COMPLEMENT}</span>`);
    expect(html).toContain('Every group suppressed in a group table of this card is suppressed here too');
    expect(html).not.toContain('34.1%');
  });

  it('card-degradation.csv withholds us\'s values and labels it complementary', () => {
    const us = summed.csv.find((r) => r.row_type === 'group' && r.group === 'us')!;
    expect(us).toMatchObject({ suppressed: 'true', suppression: 'complementary', speakers: '', utterances: '', wer_clean: '', wer_condition: '', degradation: '' });
    const undeclared = summed.csv.find((r) => r.row_type === 'group' && r.group === 'undeclared')!;
    expect(undeclared).toMatchObject({ suppressed: 'false', speakers: '5' });
  });
});
