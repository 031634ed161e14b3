/**
 * `asrfair score` prints its `sum` table digit for digit as Debian's sclite, on inputs built to hit
 * the .x5 ties where the order of sclite's arithmetic decides the printed digit (SCTK sctk.h `pct`
 * divides before it multiplies by 100, `F_ROUND` adds 0.5 to n·10 before truncating):
 * 23/80 → 28.749999999999996 → 28.7; 3/2000 → 0.15 → 1.4999999999999998 + 0.5 → 0.2 (printf alone: 0.1);
 * the mean of 0/1, 1/16 and 23/40 → 21.249999999999996 → 21.2. Every number of every row is compared.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCLITE, scliteAvailable } from './sclite-run.ts';
import { scliteDropsOthers, scliteFixed, scliteRound } from '../../src/score/summary.ts';

const BIN = join(import.meta.dirname, '../../bin/asrfair.mjs');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-sclite-round-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A speaker: reference words, and how many of them the hypothesis substitutes, deletes, inserts. */
interface Spk {
  id: string;
  words: number;
  sub?: number;
  del?: number;
  ins?: number;
}

/** trn lines of 20 words at most; errors go into the first utterances. */
function trn(speakers: Spk[]): { ref: string; hyp: string } {
  const ref: string[] = [];
  const hyp: string[] = [];
  for (const s of speakers) {
    let [sub, del, ins] = [s.sub ?? 0, s.del ?? 0, s.ins ?? 0];
    const n = Math.max(1, Math.ceil(s.words / 20));
    for (let u = 0; u < n; u++) {
      const len = Math.min(20, s.words - u * 20);
      const r = Array.from({ length: Math.max(0, len) }, (_, k) => `w${k}`);
      const h: string[] = [];
      for (const w of r) {
        if (sub > 0) (h.push('zz'), sub--);
        else if (del > 0) del--;
        else h.push(w);
      }
      for (; ins > 0 && h.length < 40; ins--) h.push('ii');
      ref.push(`${r.join(' ')} (${s.id}-${u})`);
      hyp.push(`${h.join(' ')} (${s.id}-${u})`);
    }
  }
  return { ref: `${ref.join('\n')}\n`, hyp: `${hyp.join('\n')}\n` };
}

/** Every table row as [label, numbers…] with markers kept; sclite's and asrfair's tables share this shape. */
function rows(table: string): string[][] {
  const out: string[][] = [];
  for (const line of table.split('\n')) {
    const m = /^\s*\|\s*(\S[^|]*?)\s*\|([^|]*)\|([^|]*)\|/.exec(line);
    if (m && m[1] !== 'SPKR' && /\d/.test(m[2]!)) out.push([m[1]!, ...`${m[2]} ${m[3]}`.trim().split(/\s+/)]);
  }
  return out;
}

function both(name: string, speakers: Spk[]): { sclite: string[][]; ours: string[][]; out: string } {
  const { ref, hyp } = trn(speakers);
  const [r, h] = [join(dir, `${name}.ref`), join(dir, `${name}.hyp`)];
  writeFileSync(r, ref);
  writeFileSync(h, hyp);
  const sc = spawnSync(SCLITE, ['-r', r, 'trn', '-h', h, 'trn', '-i', 'rm', '-o', 'sum', 'stdout'], { encoding: 'utf8' });
  if (sc.status !== 0) throw new Error(sc.stderr);
  const ours = spawnSync(process.execPath, [BIN, 'score', '--ref', r, '--hyp', h, '--confusions', '0'], { encoding: 'utf8' });
  expect(ours.stderr).toBe('');
  expect(ours.status).toBe(0);
  return { sclite: rows(sc.stdout), ours: rows(ours.stdout), out: ours.stdout };
}

describe('sclite rounding', () => {
  it('F_ROUND: half away from zero on n·10 as computed in double', () => {
    expect(scliteFixed((23 / 80) * 100, 1)).toBe('28.7');
    expect(((100 * 23) / 80).toFixed(1)).toBe('28.8'); // multiply first: the other side of the tie
    expect(scliteFixed((3 / 2000) * 100, 1)).toBe('0.2');
    expect(((3 / 2000) * 100).toFixed(1)).toBe('0.1'); // printf/toFixed alone: the exact binary value is below .15
    expect(scliteRound(-0.25, 1)).toBe(-0.3);
    expect(scliteFixed(0, 1)).toBe('0.0');
    expect(scliteFixed(-0.01, 1)).toBe('0.0');
    expect(scliteFixed(0.12345, 3)).toBe('0.123');
  });

  it('sclite leaves the wrong speakers out of Mean/S.D./Median once two have no reference words (simulated)', () => {
    expect(scliteDropsOthers([false, true, false])).toBe(false);
    expect(scliteDropsOthers([false, false, true, true])).toBe(false);
    expect(scliteDropsOthers([false, true, true, false, false])).toBe(true);
    expect(scliteDropsOthers([true, false, true, false])).toBe(true);
  });

  describe.skipIf(!scliteAvailable)("equal to Debian's sclite on every printed number", () => {
    it('speaker rows and Sum/Avg at ties of pct (23/80) and of F_ROUND (3/2000, 9/2000)', () => {
      const r = both('rows', [
        { id: 'a', words: 80, sub: 23 },
        { id: 'b', words: 2000, del: 3, ins: 9 },
        { id: 'c', words: 160, sub: 46, del: 1 },
      ]);
      expect(r.ours.find((x) => x[0] === 'a')!.slice(4, 5)).toEqual(['28.7']);
      expect(r.ours.find((x) => x[0] === 'b')!.slice(5, 7)).toEqual(['0.2', '0.5']);
      expect(r.ours).toEqual(r.sclite);
    });

    it('Mean, S.D. and Median at a tie of the mean (0/1, 1/16, 23/40 substituted)', () => {
      const r = both('mean', [
        { id: 'a', words: 1 },
        { id: 'b', words: 16, sub: 1 },
        { id: 'c', words: 40, sub: 23 },
      ]);
      expect(r.ours.find((x) => x[0] === 'Mean')![4]).toBe('21.2');
      expect(r.ours).toEqual(r.sclite);
    });

    it('with one speaker without reference words: its counts, the + columns', () => {
      const r = both('zero', [
        { id: 'a', words: 80, sub: 23 },
        { id: 'b', words: 0, ins: 2 },
        { id: 'c', words: 40, sub: 23 },
        { id: 'd', words: 16, sub: 1 },
      ]);
      expect(r.ours.find((x) => x[0] === 'Mean')![3]).toMatch(/\+$/);
      expect(r.ours).toEqual(r.sclite);
    });

    it('lur: every [#Wrd] %WE cell at the same ties (stm/ctm input)', () => {
      // stm segments of 20 words (label O), ctm words one per second; errors are substitutions.
      const spk: Spk[] = [
        { id: 'a', words: 80, sub: 23 },
        { id: 'b', words: 2000, sub: 3 },
        { id: 'c', words: 40, sub: 23 },
        { id: 'd', words: 16, sub: 1 },
      ];
      const stm = [';; LABEL "O" "Overall" "Overall Scores"'];
      const ctm: string[] = [];
      let t = 0;
      for (const s of spk) {
        for (let k0 = 0; k0 < s.words; k0 += 20) {
          const words = Array.from({ length: Math.min(20, s.words - k0) }, (_, k) => `w${k}`);
          stm.push(`f 1 ${s.id} ${t.toFixed(2)} ${(t + words.length).toFixed(2)} <O> ${words.join(' ')}`);
          words.forEach((w, k) => ctm.push(`f 1 ${(t + k + 0.1).toFixed(2)} 0.5 ${k0 + k < (s.sub ?? 0) ? 'zz' : w}`));
          t += words.length + 1;
        }
      }
      const [r, h] = [join(dir, 'lur.stm'), join(dir, 'lur.ctm')];
      writeFileSync(r, `${stm.join('\n')}\n`);
      writeFileSync(h, `${ctm.join('\n')}\n`);
      const cells = (out: string): string[][] =>
        out
          .split('\n')
          .map((l) => /^\s*\|\s*([^|]+?)\s*\|\s*\[\s*(\d+)\]\s+([\d.]+)/.exec(l))
          .filter((m): m is RegExpExecArray => m !== null)
          .map((m) => [m[1]!.replace(/\s*\+$/, ''), m[2]!, m[3]!]);
      const sc = spawnSync(SCLITE, ['-r', r, 'stm', '-h', h, 'ctm', '-o', 'lur', 'stdout'], { encoding: 'utf8' });
      expect(sc.status, sc.stderr).toBe(0);
      const ours = spawnSync(process.execPath, [BIN, 'score', '--ref', r, '--hyp', h, '-o', 'lur', '--confusions', '0'], { encoding: 'utf8' });
      expect(ours.status, ours.stderr).toBe(0);
      expect(cells(ours.stdout).find((c) => c[0] === 'f-1-a' || c[0] === 'a')?.[2]).toBe('28.7');
      expect(cells(ours.stdout)).toEqual(cells(sc.stdout));
    });

    it('with two: only the + columns of Mean/S.D./Median differ, and the table says why', () => {
      const r = both('zero2', [
        { id: 'a', words: 4, sub: 1, del: 1 },
        { id: 'b', words: 0, ins: 2 },
        { id: 'c', words: 0, ins: 1 },
        { id: 'd', words: 3, ins: 1 },
        { id: 'e', words: 5 },
      ]);
      const stat = new Set(['Mean', 'S.D.', 'Median']);
      expect(r.ours.filter((x) => !stat.has(x[0]!))).toEqual(r.sclite.filter((x) => !stat.has(x[0]!)));
      // Sentences, words and S.Err are over every speaker in both; Corr..Err over a, d, e here.
      const keep = (x: string[]): string[] => [x[0]!, x[1]!, x[2]!, x[8]!];
      expect(r.ours.filter((x) => stat.has(x[0]!)).map(keep)).toEqual(r.sclite.filter((x) => stat.has(x[0]!)).map(keep));
      expect(r.ours.find((x) => x[0] === 'Mean')![3]).toBe('83.3+'); // (50 + 100 + 100) / 3
      expect(r.sclite.find((x) => x[0] === 'Mean')![3]).toBe('50.0+'); // sclite: a, c's counts, e
      expect(r.out).toContain('sclite 2.4.10 prints other values in these + columns here');
    });
  });
});
