// compare.json `scStats.wilcoxon` equals sclite's `sc_stats -t wilc` whichever run is A (trial 21, finding 7): with an
// odd number of tied speakers the extra tie went to A − B's positive side, where sc_stats (which puts the worse
// system first) gives it to the worse system's side. England, Amazon vs Google: ours wPlus 845, z −3.33; sc_stats 833, −3.39.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';
import { loadRunForReport } from '../../src/score/run-export.ts';
import { SC_STATS, SCLITE } from '../stats/sctk.ts';

const MANIFEST = join(import.meta.dirname, '../../corpora/artie-bias-corpus/manifest.jsonl');
const PRED = join(import.meta.dirname, '../../../shared/data/artie-bias-corpus/predictions');

const dir = mkdtempSync(join(tmpdir(), 'asrfair-compare-wilc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let run: string;
beforeAll(async () => {
  const s = join(dir, 's.yaml');
  const be = (n: string, f: string) => `  - { name: ${n}, type: hypotheses, options: { file: ${join(PRED, f)}, idFrom: basename-without-extension } }\n`;
  writeFileSync(s, `name: w\nmanifest: ${MANIFEST}\ngroupBy: [accent]\nnormaliser: basic\nseed: 1\nbootstrap: { B: 200 }\nbackends:\n${be('amazon', 'amazon/en-US/dec-9-2019.tsv')}${be('google', 'google/en-US/dec-4-2019.tsv')}`);
  run = join(dir, 'run');
  const r = await cli('run', s, '--store', join(dir, 's.sqlite'), '--out', run, '--no-progress', '--no-gate');
  if (r.code !== 0) throw new Error(r.stderr);
}, 120_000);

/** sclite's SGML of one backend's rows of a group (trn ids `(speaker-utterance)`), as sc_stats reads it. */
function sgml(group: string, backend: string): Buffer {
  const rows = loadRunForReport(run).utterances.filter((u) => u.labels.accent === group && u.status === 'ok');
  const ids = new Set(rows.filter((u) => u.backend !== backend).map((u) => u.id));
  const mine = rows.filter((u) => u.backend === backend && ids.has(u.id));
  const id = (u: (typeof mine)[number]) => `(${u.speaker.slice(0, 12)}-${u.id})`;
  writeFileSync(join(dir, 'ref.trn'), mine.map((u) => `${u.ref} ${id(u)}`).join('\n') + '\n');
  writeFileSync(join(dir, `${backend}.trn`), mine.map((u) => `${u.hyp} ${id(u)}`).join('\n') + '\n');
  return execFileSync(SCLITE, ['-r', 'ref.trn', 'trn', '-h', `${backend}.trn`, 'trn', '-i', 'rm', '-o', 'sgml', 'stdout'], { cwd: dir });
}

function scStatsWilc(first: Buffer, second: Buffer) {
  const out = execFileSync(SC_STATS, ['-p', '-t', 'wilc', '-v', '-n', '-'], { cwd: dir, input: Buffer.concat([first, second]) }).toString();
  return {
    positive: Number(/Sum of \d+ positive ranks = ([\d.]+)/.exec(out)![1]),
    negative: Number(/Sum of \d+ negative ranks = ([\d.]+)/.exec(out)![1]),
    z: Number(/The Z statistic = (-?[\d.]+)/.exec(out)![1]),
    first: /for Systems (\S+) and/.exec(out)![1],
  };
}

describe.skipIf(!existsSync(SC_STATS))('compare.json scStats Wilcoxon = sc_stats -t wilc, either order', () => {
  for (const group of ['england', 'indian']) {
    it(`${group}: W+ of A − B and Z as sc_stats prints them, A = amazon and A = google (indian: Z only)`, async () => {
      const sg = { amazon: sgml(group, 'amazon'), google: sgml(group, 'google') };
      const ref = scStatsWilc(sg.amazon, sg.google);
      // sc_stats prints the same whichever file comes first: it orders the systems itself.
      expect(scStatsWilc(sg.google, sg.amazon)).toEqual(ref);
      for (const [a, b] of [['amazon', 'google'], ['google', 'amazon']]) {
        const out = join(dir, `cmp-${group}-${a}`);
        const r = await cli('compare', run, run, '--backend-a', a, '--backend-b', b, '--bootstrap', '200', '--format', 'json', '--out', out);
        expect(r.code, r.stderr).toBe(0);
        const g = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')).tables[0].groups.find((x: { group: string }) => x.group === group);
        const w = g.scStats.wilcoxon;
        // sc_stats' first system is the worse one: its differences are (first − second). Indian's W differs by 3: sc_stats
        // ranks differences that print alike by their float noise (two −5.56 ranked 50 and 51, not 50.5 each).
        if (group === 'england') expect(w.wPlus).toBe(ref.first === `${a}.trn` ? ref.positive : ref.negative);
        else expect(Math.abs(w.wPlus - (ref.first === `${a}.trn` ? ref.positive : ref.negative))).toBeLessThanOrEqual(3);
        expect(-Math.abs(w.z)).toBeCloseTo(ref.z, 2);
      }
    });
  }

  it("england has an odd number of tied speakers (the case that differed) and sc_stats' 833 / −3.39", () => {
    const ref = scStatsWilc(sgml('england', 'amazon'), sgml('england', 'google'));
    expect(ref.first).toBe('google.trn');
    expect(ref.negative).toBe(833);
    expect(ref.z).toBe(-3.39);
  });
});
