// Publish mode hid a degradation table's one small cell but no second cell (the group tables apply complementary
// suppression, the degradation tables did not), so the hidden group's values could be derived from the All groups
// degradation and the rows left. Real data: the first 8 Common Voice 6.1 clips (gender: male 5, female 2, undeclared 1)
// decoded live by PocketSphinx, clean and through the telephone condition (ffmpeg band-pass + mu-law), minimum cell 2
// speakers: "undeclared" is the one small cell. Now a second row is hidden and labelled as the group tables label it,
// in card.md, card.html, card-degradation.csv and card.json. The group tables' complementary rows now withhold every
// value a small cell withholds (their gap to the rest and other WER metrics were still printed).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliIn } from '../helpers/cli.ts';
import { parseCsv } from './parse-csv.ts';

const CV = join(import.meta.dirname, '../../corpora/cv-6.1-en-sample/manifest.jsonl');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-degradation-complementary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cli = (...args: string[]) => cliIn(args, dir);

const SMALL = 'suppressed (small cell)';
const COMPLEMENT = 'suppressed (complementary: hides a small cell from the total)';

type Row = { group: string; suppressed: boolean; suppression: string | null; smallCell: boolean; refWords: number | null } & Record<string, unknown>;
type Card = {
  degradation: { rows: Row[]; overall: unknown }[];
  tables: { rows: (Record<string, unknown> & { group: string; suppressed: boolean; suppression: string | null })[] }[];
  footnotes: string[];
};
let card: Card;
let md = '';
let html = '';
beforeAll(async () => {
  writeFileSync(
    join(dir, 'suite.yaml'),
    `name: cv-telephone\nmanifest: ${CV}\ngroupBy: [gender]\nbackends:\n  - { name: pocketsphinx, type: pocketsphinx }\n` +
      'conditions:\n  - name: telephone\n    steps:\n      - { type: telephone, low: 300, high: 3400, mulaw: true }\n' +
      'normaliser: basic\nseed: 1\nbootstrap: { B: 200 }\nmodel: none\nminCell: { speakers: 2, words: 10 }\nconcurrency: 2\n',
  );
  const r = await cli('run', 'suite.yaml', '--limit', '8', '--store', 's.sqlite', '--out', 'out', '--no-progress', '--no-gate');
  expect(r.code, r.stderr).toBe(0);
  const rep = await cli('report', 'out', '--publish', '--out', 'card');
  expect(rep.code, rep.stderr).toBe(0);
  card = JSON.parse(readFileSync(join(dir, 'card/card.json'), 'utf8')) as Card;
  md = readFileSync(join(dir, 'card/card.md'), 'utf8');
  html = readFileSync(join(dir, 'card/card.html'), 'utf8');
}, 600_000);

describe('publish mode: degradation tables apply complementary suppression as the group tables do', () => {
  it('the one small cell ("undeclared") gets a complement: the visible row with fewest reference words, every value withheld', () => {
    expect(card.degradation).toHaveLength(1);
    const rows = card.degradation[0].rows;
    expect(rows.filter((r) => r.suppression === 'small-cell').map((r) => r.group)).toEqual(['undeclared']);
    const hidden = rows.filter((r) => r.suppression === 'complementary');
    expect(hidden.map((r) => r.group)).toEqual(['female']);
    for (const r of hidden) {
      expect(r.suppressed).toBe(true);
      expect(r.smallCell).toBe(false);
      for (const k of ['speakers', 'utterances', 'refWords', 'werClean', 'werCondition', 'degradation', 'excessOverRest', 'p', 'pAdjusted']) expect(r[k], k).toBeNull();
    }
    // Total minus the visible rows is no single group.
    expect(rows.filter((r) => r.suppressed).length).toBeGreaterThanOrEqual(2);
    expect(card.footnotes.some((n) => n.startsWith('Complementary suppression ('))).toBe(true);
  });

  it('card.md labels the rows as the group tables do, with the group tables\' † note', () => {
    const section = md.slice(md.indexOf('## Degradation under conditions'));
    expect(section).toMatch(new RegExp(`^\\| female † \\|( — \\|){7} ${COMPLEMENT.replace(/[()]/g, '\\$&')} \\|$`, 'm'));
    expect(section).toMatch(new RegExp(`^\\| undeclared † \\|.*\\| ${SMALL.replace(/[()]/g, '\\$&')} \\|$`, 'm'));
    expect(section).toContain('† Suppressed: below the minimum cell rule (small cell), or hidden beside small cells so that they cannot be recovered by subtraction');
  });

  it('card.html and card-degradation.csv say the same', () => {
    const section = html.slice(html.indexOf('id="s-degradation"'));
    expect(section).toContain(`<span class="flag small">${COMPLEMENT}</span>`);
    expect(section).toContain(`<span class="flag small">${SMALL}</span>`);
    expect(section).toContain('hidden beside small cells so that they cannot be recovered by subtraction');
    const csv = parseCsv(readFileSync(join(dir, 'card/card-degradation.csv'), 'utf8'));
    const by = new Map(csv.filter((r) => r.row_type === 'group').map((r) => [r.group!, r]));
    expect(by.get('female')).toMatchObject({ suppressed: 'true', suppression: 'complementary', wer_clean: '', degradation: '' });
    expect(by.get('undeclared')).toMatchObject({ suppressed: 'true', suppression: 'small-cell' });
    expect(by.get('male')).toMatchObject({ suppressed: 'false', suppression: '' });
  });

  it("the group tables' complementary rows withhold every value a small cell withholds (gap to rest, other WER metrics)", () => {
    const rows = card.tables.flatMap((t) => t.rows).filter((r) => r.suppressed);
    expect(rows.some((r) => r.suppression === 'complementary')).toBe(true);
    for (const r of rows) {
      for (const k of ['wer', 'werMetrics', 'gapToRest', 'gapToBest', 'meanSpeakerWer', 'cer', 'p', 'pAdjusted', 'pMethod', 'diffToRest']) expect(r[k], `${r.group} ${k}`).toBeNull();
    }
  });
});
