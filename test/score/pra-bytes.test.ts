// `score -o pra` on non-ASCII words, against Debian's sclite on the real Artie corpus (Amazon and Google en-US, raw
// transcripts; trial 20, item 3): the alignments were equal but the layout was not: asrfair upper-cased errors with
// full Unicode (`CAFÉ`; sclite, folding ASCII case, prints `CAFé`) and padded `***` and columns by characters
// (sclite pads by bytes). Every REF/HYP/Eval line must now equal sclite's, byte for byte.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.ts';
import { writeArtieRawTrn } from './artie-raw.ts';
import { praAlignments, SCLITE, scliteAvailable } from './sclite-run.ts';

const dir = mkdtempSync(join(tmpdir(), 'asrfair-pra-bytes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));


describe.skipIf(!scliteAvailable)('pra on the Artie corpus equals sclite byte for byte', () => {
  for (const vendor of ['amazon', 'google'] as const) {
    it(`${vendor} en-US, raw transcripts`, () => {
      const { ref, hyp, utterances } = writeArtieRawTrn(dir, vendor);
      const s = spawnSync(SCLITE, ['-r', ref, 'trn', '-h', hyp, 'trn', '-i', 'rm', '-o', 'pra', 'stdout'], { encoding: 'utf8', maxBuffer: 1 << 28 });
      expect(s.status, s.stderr).toBe(0);
      const a = spawnSync(process.execPath, [BIN, 'score', '--ref', ref, '--hyp', hyp, '-o', 'pra'], { encoding: 'utf8', maxBuffer: 1 << 28 });
      expect(a.status, a.stderr).toBe(0);
      const theirs = praAlignments(s.stdout);
      const ours = praAlignments(a.stdout);
      expect(theirs.size).toBe(utterances);
      expect(ours.size).toBe(utterances);
      const differ = [...theirs].filter(([id, lines]) => JSON.stringify(ours.get(id)) !== JSON.stringify(lines));
      // Utterances whose error words are not all ASCII: the ones the layout used to differ on.
      const nonAscii = [...theirs].filter(([, lines]) => /[^\x00-\x7f]/.test(lines.join(''))).length;
      expect(nonAscii).toBeGreaterThan(5);
      expect(differ.map(([id, lines]) => ({ id, sclite: lines, asrfair: ours.get(id) }))).toEqual([]);
    }, 120_000);
  }
});
