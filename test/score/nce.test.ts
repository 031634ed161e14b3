/**
 * sclite's NCE column (normalised cross entropy of hypothesis confidences) from sgml alignments that
 * carry `h_conf` (`score --sgml`, = `sclite -P`): it was dropped without a word. Per speaker, Sum/Avg,
 * Mean/S.D./Median equal Debian's sclite on SCTK's file1.sgml/file2.sgml and on a 4-speaker sgml that
 * sclite itself wrote from SCTK's lvc case with seeded confidences. stm/ctm scoring with ctm
 * confidences gives the same column (SCTK's cantonese case, the lvc case), or says why it cannot.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from '../helpers/cli.ts';
import { SCLITE, scliteAvailable } from './sclite-run.ts';
import { TSCLITE_DIR } from './tsclite.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-nce-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Row label → NCE cell of a `sum` table (sclite's or asrfair's). */
function nceColumn(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of text.split('\n')) {
    const cells = l.trim().split('|').map((c) => c.trim());
    if (cells.length < 6 || !/^-?[\d.]+$|^#$/.test(cells[4] ?? '')) continue;
    out.set(cells[1]!, cells[4]!);
  }
  return out;
}

function both(sgml: string): { ours: string; theirs: string } {
  const s = spawnSync(SCLITE, ['-P', '-o', 'sum', 'stdout'], { input: readFileSync(sgml), encoding: 'utf8' });
  expect(s.status, s.stderr).toBe(0);
  const a = spawnSync(process.execPath, [BIN, 'score', '--sgml', sgml, '-o', 'sum'], { encoding: 'utf8' });
  expect(a.status, a.stderr).toBe(0);
  return { ours: a.stdout, theirs: s.stdout };
}

describe.skipIf(!scliteAvailable)("score --sgml: sclite's NCE column", () => {
  it("SCTK's file1.sgml and file2.sgml (h_conf in word_aux): NCE equal to sclite -P", () => {
    for (const f of ['file1.sgml', 'file2.sgml']) {
      const { ours, theirs } = both(join(TSCLITE_DIR, f));
      const want = nceColumn(theirs);
      expect(want.get('Sum/Avg'), f).toMatch(/^-?\d\.\d{3}$/);
      expect(nceColumn(ours), f).toEqual(want);
    }
    expect(both(join(TSCLITE_DIR, 'file1.sgml')).ours).toContain('NCE:         -0.021 (normalised cross entropy');
  });

  it('4 speakers: an sgml sclite wrote from lvc_ref.stm × lvc_hyp.ctm with seeded confidences', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const ctm = readFileSync(join(TSCLITE_DIR, 'lvc_hyp.ctm'), 'utf8').split('\n').map((l) => {
      const f = l.trim().split(/\s+/);
      return l.trim() === '' || l.startsWith(';;') ? l : `${f.slice(0, 5).join(' ')} ${rand().toFixed(3)}`;
    });
    writeFileSync(join(dir, 'conf.ctm'), ctm.join('\n'));
    const sgml = join(dir, 'conf.sgml');
    const s = spawnSync(SCLITE, ['-r', join(TSCLITE_DIR, 'lvc_ref.stm'), 'stm', '-h', join(dir, 'conf.ctm'), 'ctm', '-o', 'sgml', 'stdout'], { encoding: 'utf8' });
    expect(s.status, s.stderr).toBe(0);
    writeFileSync(sgml, s.stdout);
    const { ours, theirs } = both(sgml);
    const want = nceColumn(theirs);
    expect([...want.keys()]).toEqual(['2347-a', '2347-b', '3129-a', '3129-b', 'Sum/Avg', 'Mean', 'S.D.', 'Median']);
    expect(nceColumn(ours)).toEqual(want);
    // stm/ctm scoring of the same files: the ctm has alternations, whose words asrfair does not match
    // to confidences; it says so (it was silent).
    const direct = spawnSync(process.execPath, [BIN, 'score', '--ref', join(TSCLITE_DIR, 'lvc_ref.stm'), '--hyp', join(dir, 'conf.ctm')], { encoding: 'utf8' });
    expect(direct.status, direct.stderr).toBe(0);
    expect(direct.stdout).toMatch(/NCE: +not computed: \d+ hypothesis ctm words carry a confidence \(column 6\), but the hypothesis ctm holds 3 alternations/);

    // Without the alternations, stm/ctm scoring gives sclite's NCE column directly; and with every
    // tenth confidence left out, sclite reads those as 0: so does asrfair, and says so.
    const lines = ctm.filter((l) => !l.includes('<ALT'));
    const variants: [string, string[]][] = [
      ['plain.ctm', lines],
      ['some-missing.ctm', lines.map((l, k) => (k % 10 === 9 && l.trim() ? l.split(' ').slice(0, 5).join(' ') : l))],
    ];
    for (const [name, body] of variants) {
      writeFileSync(join(dir, name), body.join('\n'));
      const args = ['-r', join(TSCLITE_DIR, 'lvc_ref.stm'), 'stm', '-h', join(dir, name), 'ctm', '-o', 'sum', 'stdout'];
      const theirs = spawnSync(SCLITE, args, { encoding: 'utf8' });
      expect(theirs.status, theirs.stderr).toBe(0);
      const ours = spawnSync(process.execPath, [BIN, 'score', '--ref', join(TSCLITE_DIR, 'lvc_ref.stm'), '--hyp', join(dir, name), '-o', 'sum'], { encoding: 'utf8' });
      expect(ours.status, ours.stderr).toBe(0);
      const want = nceColumn(theirs.stdout);
      expect(want.size, name).toBe(8);
      expect(nceColumn(ours.stdout), name).toEqual(want);
      if (name === 'some-missing.ctm') expect(ours.stdout).toMatch(/; \d+ hypothesis words without a confidence read as 0, as sclite reads them\)/);
    }
  });

  it("SCTK's test.cantonese stm/ctm (confidences in the ctm): NCE equal to sclite", () => {
    const args = ['-r', join(TSCLITE_DIR, 'test.cantonese.stm'), 'stm', '-h', join(TSCLITE_DIR, 'test.cantonese.ctm'), 'ctm', '-o', 'sum', 'stdout'];
    const theirs = spawnSync(SCLITE, args, { encoding: 'utf8' });
    const ours = spawnSync(process.execPath, [BIN, 'score', '--ref', join(TSCLITE_DIR, 'test.cantonese.stm'), '--hyp', join(TSCLITE_DIR, 'test.cantonese.ctm'), '-o', 'sum'], { encoding: 'utf8' });
    expect(ours.status, ours.stderr).toBe(0);
    expect(nceColumn(theirs.stdout).get('Sum/Avg')).toBe('-0.130');
    expect(nceColumn(ours.stdout)).toEqual(nceColumn(theirs.stdout));
  });

  it('no h_conf (test1.sgml): no NCE column, as in sclite', () => {
    const { ours, theirs } = both(join(TSCLITE_DIR, 'test1.sgml'));
    expect(theirs).not.toContain('NCE');
    expect(ours).not.toContain('NCE');
  });
});
