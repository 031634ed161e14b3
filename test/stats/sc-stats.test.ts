import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signTest, wilcoxonSignedRank } from '../../src/stats/tests.ts';
import { corpus, scStats, SC_STATS } from './sctk.ts';

describe.skipIf(!existsSync(SC_STATS))('agreement with sclite sc_stats', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('sign and Wilcoxon tests match sc_stats (corpus seed %i)', (seed) => {
    const dir = mkdtempSync(join(tmpdir(), 'asrfair-scstats-'));
    try {
      corpus(dir, seed);
      const ref = scStats(dir);
      expect(ref.diffs).toHaveLength(8);
      // Differences as sc_stats prints them (2 decimals); equal percentages (±0.005) are ties.
      const diffs = ref.diffs.map((d) => (Math.abs(d) < 0.005 ? 0 : d));
      expect(signTest(diffs, 'split').p).toBeCloseTo(ref.signP, 3);
      expect(Math.abs(wilcoxonSignedRank(diffs, 'sc_stats').z!)).toBeCloseTo(Math.abs(ref.z), 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
