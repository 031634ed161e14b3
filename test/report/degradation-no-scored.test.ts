// The degradation section pairs each utterance's condition result with its clean one; a group whose every pair has a
// failed side had no row and was not named there (a silent drop). Real Common Voice clips decoded by PocketSphinx
// clean and through a telephone channel: group "a" is two real clips of one speaker, group "b" three real sentences
// whose audio is missing, truncated or empty. b must be named under the degradation table in md, html and csv, and
// in card.json, in publish mode too.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';
import { parseCsv } from './parse-csv.ts';
import { writeLostGroupManifest } from './lost-group-fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'asrfair-degradation-no-scored-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const out = join(dir, 'run');
beforeAll(async () => {
  writeLostGroupManifest(dir);
  writeFileSync(
    join(dir, 'suite.yaml'),
    `name: degr\nmanifest: ${join(dir, 'manifest.jsonl')}\ngroupBy: [grp]\nnormaliser: basic\nseed: 1\nbootstrap: { B: 200 }\nminCell: { speakers: 1, words: 1 }\nmodel: none\n` +
      `qc: false\nbackends:\n  - { name: pocketsphinx, type: pocketsphinx, options: {} }\n` +
      'conditions:\n  - name: telephone\n    steps:\n      - { type: telephone, low: 300, high: 3400, mulaw: true }\n',
  );
  await cli('run', join(dir, 'suite.yaml'), '--store', join(dir, 's.sqlite'), '--out', out, '--no-progress', '--no-gate');
  await cli('report', out);
  await cli('report', out, '--publish', '--out', join(dir, 'pub'));
}, 240_000);

describe('degradation section: a group with no scored pair is named, not dropped', () => {
  for (const [mode, folder] of [['card', join(out, 'report')], ['published card', join(dir, 'pub')]] as const) {
    it(`${mode}: b has no row and is named with its 3 utterances in md, html, csv and json`, () => {
      const json = JSON.parse(readFileSync(join(folder, 'card.json'), 'utf8')) as { degradation: { rows: { group: string }[]; noScored: { group: string; utterances: number }[] }[] };
      expect(json.degradation).toHaveLength(1);
      expect(json.degradation[0].rows.map((r) => r.group)).toEqual(['a']);
      expect(json.degradation[0].noScored).toEqual([{ group: 'b', utterances: 3 }]);
      const line = 'No scored pair (every utterance failed under telephone or clean), so no row above: b (3 utterances).';
      expect(readFileSync(join(folder, 'card.md'), 'utf8')).toContain(line);
      expect(readFileSync(join(folder, 'card.html'), 'utf8')).toContain(`<p class="meta">${line}</p>`);
      const csv = parseCsv(readFileSync(join(folder, 'card-degradation.csv'), 'utf8'));
      expect(csv.filter((r) => r.group === 'b').map((r) => [r.row_type, r.utterances, r.condition_name])).toEqual([['no-scored', '3', 'telephone']]);
    });
  }
});
