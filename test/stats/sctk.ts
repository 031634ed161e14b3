import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRng } from '../../src/stats/rng.ts';

export const SCLITE = '/usr/lib/sctk/bin/sclite';
export const SC_STATS = '/usr/lib/sctk/bin/sc_stats';
const WORDS = 'the birch canoe slid on smooth planks glue sheet to dark blue background'.split(' ');

/** Writes ref + two hypothesis trn files (8 speakers × 4 utterances), B corrupted less than A for most speakers. */
export function corpus(dir: string, seed: number): void {
  const rng = createRng(seed);
  const lines = { ref: [] as string[], a: [] as string[], b: [] as string[] };
  for (let s = 0; s < 8; s++) {
    for (let u = 0; u < 4; u++) {
      const ref = Array.from({ length: 8 }, () => WORDS[rng.int(WORDS.length)]);
      const corrupt = (p: number) =>
        ref.filter(() => rng.next() > p / 3).map((w) => (rng.next() < p ? WORDS[rng.int(WORDS.length)] : w));
      const id = `(spk${s}-u${u})`;
      lines.ref.push(`${ref.join(' ')} ${id}`);
      lines.a.push(`${corrupt(0.12 + 0.03 * s * rng.next()).join(' ')} ${id}`);
      lines.b.push(`${corrupt(0.12).join(' ')} ${id}`);
    }
  }
  for (const [k, v] of Object.entries(lines)) writeFileSync(join(dir, `${k}.trn`), v.join('\n') + '\n');
}

/** Runs real sclite | sc_stats and returns the per-speaker % differences and the reported statistics. */
export function scStats(dir: string) {
  const sgml = execFileSync(SCLITE, ['-r', 'ref.trn', 'trn', '-h', 'a.trn', 'trn', '-h', 'b.trn', 'trn', '-i', 'rm', '-o', 'sgml', 'stdout'], { cwd: dir });
  const out = execFileSync(SC_STATS, ['-p', '-t', 'sign', '-t', 'wilc', '-v', '-n', '-'], { cwd: dir, input: sgml }).toString();
  // Wilcoxon table rows: speaker, %A, %B, difference (from sc_stats' unrounded values), rank, signed rank.
  const rows = [...out.matchAll(/^\s+spk\d+\s+[\d.]+\s+[\d.]+\s+(-?[\d.]+)\s+[\d.]+\s+-?[\d.]+\s*$/gm)].map((m) => Number(m[1]));
  const signP = Number(/probability of\s+it occurring is ([\d.]+)/.exec(out)![1]);
  const z = Number(/The Z statistic = (-?[\d.]+)/.exec(out)![1]);
  return { diffs: rows, signP, z };
}

