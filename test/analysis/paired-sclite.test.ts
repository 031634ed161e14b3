import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { comparePaired } from '../../src/analysis/paired.ts';
import type { ScoredUtterance } from '../../src/analysis/types.ts';
import { alignCounts } from '../../src/score/align.ts';
import { corpus, scStats, SC_STATS } from '../stats/sctk.ts';

function readTrn(file: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^(.*)\(([^)]+)\)\s*$/.exec(line);
    if (m) out.set(m[2], m[1].trim().split(/\s+/).filter(Boolean));
  }
  return out;
}

function scored(dir: string, hypFile: string, backend: string): ScoredUtterance[] {
  const ref = readTrn(join(dir, 'ref.trn'));
  const hyp = readTrn(join(dir, hypFile));
  return [...ref].map(([id, words]) => {
    const h = hyp.get(id)!;
    return {
      id,
      speaker: id.split('-')[0],
      labels: {},
      backend,
      condition: 'clean',
      status: 'ok' as const,
      ref: words.join(' '),
      hyp: h.join(' '),
      words: alignCounts(words, h, 'sclite'),
      chars: { ref: 0, hits: 0, sub: 0, del: 0, ins: 0 },
    };
  });
}

describe.skipIf(!existsSync(SC_STATS))('comparePaired vs sclite sc_stats end to end', () => {
  it.each([1, 2, 5])('scStats sign and Wilcoxon equal sc_stats on trn corpus %i', (seed) => {
    const dir = mkdtempSync(join(tmpdir(), 'asrfair-paired-'));
    try {
      corpus(dir, seed);
      const ref = scStats(dir);
      const r = comparePaired(scored(dir, 'a.trn', 'A'), scored(dir, 'b.trn', 'B'), { resamples: 200 });
      expect(r.speakers).toBe(8);
      expect(r.scStats.sign.p).toBeCloseTo(ref.signP, 3);
      expect(Math.abs(r.scStats.wilcoxon.z!)).toBeCloseTo(Math.abs(ref.z), 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
