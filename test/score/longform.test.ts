import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scoreStmCtm } from '../../src/score/longform.ts';
import { readCtm, readStm } from '../../src/score/stm.ts';
import { lurTable, renderPra, renderSgml } from '../../src/score/reports.ts';
import { scliteFixed } from '../../src/score/summary.ts';
import { InputError } from '../../src/manifest/errors.ts';
import { SCLITE, scliteAvailable } from './sclite-run.ts';
import { TSCLITE_DIR } from './tsclite.ts';

const BIN = join(import.meta.dirname, '../../bin/asrfair.mjs');
const have = scliteAvailable && existsSync(join(TSCLITE_DIR, 'lvc_ref.stm'));
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-longform-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sclite(args: string[]): string {
  const r = spawnSync(SCLITE, args, { cwd: TSCLITE_DIR, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}

/** Rows of sclite's lur table: label → list of `[words, %WE as printed]` (blank cells and `0 * n *` cells as null). */
function parseLur(out: string): Map<string, ([number, string] | null)[]> {
  const rows = new Map<string, ([number, string] | null)[]>();
  for (const line of out.split('\n')) {
    const m = /^\s*\|\s*([^|]+?)\s*\|(.*)\|\s*$/.exec(line);
    if (!m || !/\[|\*/.test(m[2]!)) continue;
    const cells = m[2]!.split(/\|\|?/).map((c) => {
      const x = /\[\s*(\d+)\]\s+([\d.]+)/.exec(c);
      return x ? ([Number(x[1]), x[2]!] as [number, string]) : null;
    });
    rows.set(m[1]!.replace(/\s*\+$/, ''), cells);
  }
  return rows;
}

describe.skipIf(!have)('stm/ctm scoring: lur, pra, sgml against sclite', () => {
  for (const [ref, hyp] of [
    ['lvc_ref.stm', 'lvc_hyp.ctm'],
    ['lvc_refe.stm', 'lvc_hyp.ctm'],
    ['lvc_refm.stm', 'lvc_hypm.ctm'],
  ] as const) {
    it(`${ref} × ${hyp}: every lur cell (speaker × label, Sum, Mean, StdDev, Median) equals sclite's`, async () => {
      const res = await scoreStmCtm(join(TSCLITE_DIR, ref), join(TSCLITE_DIR, hyp), { keepAlignments: true });
      const stm = await readStm(join(TSCLITE_DIR, ref), (s) => s.toLowerCase());
      const t = lurTable(res, stm.labels);
      const theirs = parseLur(sclite(['-r', ref, 'stm', '-h', hyp, 'ctm', '-o', 'lur', 'stdout']));
      const ours = new Map<string, ([number, string] | null)[]>();
      // %WE as sclite prints it (pct, then F_ROUND and %.1f): compared digit for digit.
      const cellOf = (c: { words: number; we?: number; segments: number }): [number, string] | null =>
        c.segments === 0 || c.words === 0 || c.we === undefined ? null : [Math.trunc(c.words), scliteFixed(c.we, 1)];
      for (const r of t.rows) ours.set(r.speaker, r.cells.map(cellOf));
      ours.set('Set Sum/Avg', t.sum.cells.map(cellOf));
      ours.set('Mean', t.stats.mean.cells.map(cellOf));
      ours.set('StdDev', t.stats.sd.cells.map(cellOf));
      ours.set('Median', t.stats.median.cells.map(cellOf));
      expect(t.labels.map((l) => l.title)).toEqual(['Overall', 'With Alt', 'NO Alt']);
      for (const [k, v] of ours) {
        const want = theirs.get(k);
        expect(want, k).toBeDefined();
        // sclite's speaker rows may end with an empty cell for a label the speaker never has.
        expect(v, k).toEqual(want!.slice(0, v.length).map((c, i) => (v[i] === null ? null : c)));
      }
    });
  }

  it('pra: every segment id and its (#C #S #D #I) equal sclite; the sgml report escapes and round-trips the ops', async () => {
    const res = await scoreStmCtm(join(TSCLITE_DIR, 'lvc_ref.stm'), join(TSCLITE_DIR, 'lvc_hyp.ctm'), { keepAlignments: true });
    const theirs = sclite(['-r', 'lvc_ref.stm', 'stm', '-h', 'lvc_hyp.ctm', 'ctm', '-o', 'pra', 'stdout']);
    const scores = (text: string): string[] => [...text.matchAll(/^id: \((.*)\)\n(?:[A-Z][a-z]+:.*\n)*?Scores: \(#C #S #D #I\) (.*)$/gm)].map((m) => `${m[1]} ${m[2]!.trim()}`);
    const ours = renderPra(res, 'lvc_hyp.ctm');
    expect(scores(ours).length).toBe(61);
    expect(scores(ours)).toEqual(scores(theirs));
    const sgml = renderSgml(res, 'sys<1>', 'r.stm', 'h".ctm');
    expect(sgml).toContain('title="sys&#60;1&#62;"');
    expect(sgml).toContain('hyp_fname="h&#34;.ctm"');
    expect(sgml.match(/<PATH /g)!.length).toBe(61);
  });

  it('bad stm/ctm input is one error naming file:line', async () => {
    const stm = join(dir, 'bad.stm');
    const ctm = join(dir, 'bad.ctm');
    writeFileSync(stm, 'f a s1 0 2 hello world\nf a s1 1.5 3 overlapping words\n');
    await expect(readStm(stm)).rejects.toThrow(/bad\.stm:2: segment 1\.5-3 of speaker s1 overlaps the one at line 1/);
    writeFileSync(stm, 'f a s1 0 2 a\nf a s2 1.5 3 b\n');
    await expect(readStm(stm)).resolves.toBeDefined(); // two speakers may overlap
    writeFileSync(stm, 'f a s1 2 1 a\n');
    await expect(readStm(stm)).rejects.toThrow(/bad\.stm:1: segment ends \(1\) before it begins \(2\)/);
    writeFileSync(stm, 'f a s1 zero 1 a\n');
    await expect(readStm(stm)).rejects.toThrow(/bad\.stm:1: begin time must be a number/);
    writeFileSync(ctm, 'f a 0.5 0.2 a\nf a 0.9 -0.1 b\n');
    await expect(readCtm(ctm)).rejects.toThrow(/bad\.ctm:2: negative duration -0\.1/);
    writeFileSync(ctm, ';; comment\nf a 0.5 0.2 a\nf a 0.3 0.1 b\n');
    await expect(readCtm(ctm)).rejects.toThrow(/bad\.ctm:3: word begins at 0\.3, before the word at line 2/);
    writeFileSync(ctm, 'f a * * <ALT_BEGIN>\nf a 0.3 0.1 b\n');
    await expect(readCtm(ctm)).rejects.toThrow(/bad\.ctm:1: <ALT_BEGIN> is never closed/);
    writeFileSync(ctm, 'f a 0.1 0.1 x\n');
    writeFileSync(stm, 'g a s1 0 1 x\n');
    await expect(scoreStmCtm(stm, ctm)).rejects.toThrow(InputError);
    // Through the CLI: one line naming file:line, exit 2, no stack trace.
    writeFileSync(ctm, 'f a 0.5 0.2 a\nf a 0.9 -0.1 b\n');
    writeFileSync(stm, 'f a s1 0 2 a b\n');
    const r = spawnSync(process.execPath, [BIN, 'score', '--ref', stm, '--hyp', ctm], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${ctm}:2: negative duration -0.1`);
  });

  it('the CLI scores stm/ctm, writes pra/lur/sgml/dtl files, and reports ignored segments', () => {
    const out = join(dir, 'reports');
    const r = spawnSync(
      process.execPath,
      [BIN, 'score', '--ref', join(TSCLITE_DIR, 'lvc_refe.stm'), '--hyp', join(TSCLITE_DIR, 'lvc_hyp.ctm'), '-o', 'sum,pra,lur,sgml,dtl', '-O', out],
      { encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\| Sum\/Avg\s+\|\s+58\s+1672 \|\s+57\.2\s+30\.1\s+12\.7\s+9\.9\s+52\.6\s+98\.3 \|/);
    expect(r.stdout).toContain('Ignored:     3 IGNORE_TIME_SEGMENT_IN_SCORING segments');
    for (const ext of ['pra', 'lur', 'sgml', 'dtl']) expect(existsSync(join(out, `lvc_hyp.ctm.${ext}`)), ext).toBe(true);
    const dtl = readFileSync(join(out, 'lvc_hyp.ctm.dtl'), 'utf8');
    expect(dtl).toMatch(/CONFUSION PAIRS/);
    expect(dtl).toContain('(503)');
  });
});
