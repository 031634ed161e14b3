/**
 * Utterance ids that name no speaker (trial 14, item 2). Under `-i rm` (and `spu_id`) the speaker is the id's prefix
 * before the first `-` (else `_`); an id with neither makes Debian's sclite print `extract_speaker can't locate RM id
 * (abc)` and count the utterance under the speaker of the hypothesis file's previous line (a blank speaker when it is
 * the first). asrfair scored such an id as its own speaker: totals agreed, speaker rows did not. Now the rows equal
 * sclite's and one warning line names the file, the line and the id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scoreFiles, type IdFormat } from '../../src/score/score.ts';
import { errorCount } from '../../src/score/metrics.ts';
import { SCLITE, scliteAvailable } from './sclite-run.ts';
import { cli } from '../helpers/cli.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-speakerless-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Row = (string | number)[];

/** sclite's raw-count speaker rows (`-o rsum`), a blank speaker kept as ''; and its stderr. */
function scliteRows(ref: string, hyp: string, idFormat: string): { rows: Row[]; stderr: string } {
  const r = spawnSync(SCLITE, ['-r', ref, 'trn', '-h', hyp, 'trn', '-i', idFormat, '-o', 'rsum', 'stdout'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sclite failed: ${r.stderr}`);
  const rows: Row[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^\s*\|\s*([^|]*?)\s*\|\s*(\d+)\s+(\d+)\s*\|\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\|$/.exec(line);
    if (m && m[1] !== 'Sum') rows.push([m[1]!, ...m.slice(2).map(Number)]);
  }
  return { rows, stderr: r.stderr };
}

async function ourRows(ref: string, hyp: string, idFormat: IdFormat) {
  const res = await scoreFiles(ref, hyp, { chars: false, missingHyp: 'skip', refFormat: 'trn', hypFormat: 'trn', idFormat, markup: { caseFold: 'ascii' } });
  const rows = res.speakers.rows().map((s) => [s.speaker, s.sentences, s.counts.ref, s.counts.hits, s.counts.sub, s.counts.del, s.counts.ins, errorCount(s.counts), s.sentenceErrors]);
  return { rows, res };
}

function write(name: string, lines: string[]): string {
  const p = join(dir, name);
  writeFileSync(p, lines.join('\n') + '\n');
  return p;
}

describe.skipIf(!scliteAvailable)("ids without '-' or '_' under -i rm / spu_id, against Debian's sclite", () => {
  const ref = () => write('ref.trn', ['one two (abc)', 'three four (a-1)', 'five six (def)', 'seven (b_2)', 'eight nine (ghi)', 'ten (a-3)']);
  const hyp = () => write('hyp.trn', ['one two (abc)', 'three (a-1)', 'five six (def)', 'seven x (b_2)', 'eight (ghi)', 'ten (a-3)']);

  for (const idFormat of ['rm', 'spu_id'] as const) {
    it(`-i ${idFormat}: speaker rows equal sclite's (first id: blank speaker; later ones: the previous line's)`, async () => {
      const [r, h] = [ref(), hyp()];
      const sc = scliteRows(r, h, idFormat);
      expect(sc.stderr).toContain(`extract_speaker can't locate ${idFormat.toUpperCase()} id (abc)`);
      expect(sc.rows.map((x) => x[0])).toEqual(['', 'a', 'b']);
      const ours = await ourRows(r, h, idFormat);
      expect(ours.rows).toEqual(sc.rows);
      expect(ours.res.speakerlessIds).toEqual([
        { file: h, count: 3, first: [{ line: 1, id: 'abc', speaker: '' }, { line: 3, id: 'def', speaker: 'a' }, { line: 5, id: 'ghi', speaker: 'b' }] },
      ]);
    });
  }

  it("the speaker is the hypothesis file's previous line's, whatever order the reference has", async () => {
    const r = write('o.ref.trn', ['one (a-1)', 'two three (abc)', 'four (b-2)']);
    for (const lines of [['four (b-2)', 'two three (abc)', 'one (a-1)'], ['one (a-1)', 'four (b-2)', 'two three (abc)']]) {
      const h = write('o.hyp.trn', lines);
      expect((await ourRows(r, h, 'rm')).rows).toEqual(scliteRows(r, h, 'rm').rows);
    }
  });

  it('the CLI prints one warning line naming file:line and the id; the sum table has the blank speaker row', async () => {
    const [r, h] = [ref(), hyp()];
    const out = await cli('score', '--ref', r, '--hyp', h, '--missing-hyp', 'skip', '--confusions', '0');
    expect(out.code).toBe(0);
    const warnings = out.stderr.split('\n').filter(Boolean);
    expect(warnings).toEqual([
      `asrfair: warning: ${h}:1: utterance id "abc" has no "-" or "_" to name its speaker (-i rm): counted under the previous line's speaker (none here: a blank speaker), as sclite does ("extract_speaker can't locate RM id"); 3 such ids in ${h}, also line 3 "def" (under "a"), line 5 "ghi" (under "b")`,
    ]);
    expect(out.stdout).toMatch(/^\|\s+\|\s+1\s+2 \|\s+100\.0/m);
  });

  it('a reference id without a speaker and without a hypothesis takes the previous reference line\'s speaker, said too', async () => {
    const r = write('m.ref.trn', ['one (a-1)', 'two (xyz)']);
    const h = write('m.hyp.trn', ['one (a-1)']);
    const { res } = await ourRows(r, h, 'rm');
    expect(res.speakerlessIds).toEqual([{ file: r, count: 1, first: [{ line: 2, id: 'xyz', speaker: 'a' }] }]);
    const del = await scoreFiles(r, h, { chars: false, missingHyp: 'delete', refFormat: 'trn', hypFormat: 'trn', markup: { caseFold: 'ascii' } });
    expect(del.speakers.rows().map((s) => [s.speaker, s.sentences, s.counts.del])).toEqual([['a', 2, 1]]);
  });
});
