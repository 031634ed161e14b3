import type { PAdjustMethod } from './types.ts';

/**
 * Adjusted p-values, same order as `p`: Holm (1979) step-down FWER or Benjamini–Hochberg (1995) FDR.
 * NaN entries are kept as NaN and do not count as tests.
 */
export function adjustPValues(p: readonly number[], method: PAdjustMethod): number[] {
  const out = p.map(() => Number.NaN);
  const idx = p.map((_, i) => i).filter((i) => !Number.isNaN(p[i]));
  const m = idx.length;
  if (method === 'none') return p.slice();
  if (m === 0) return out;
  if (method === 'holm') {
    idx.sort((i, j) => p[i] - p[j]);
    let running = 0;
    idx.forEach((i, k) => {
      running = Math.max(running, Math.min(1, (m - k) * p[i]));
      out[i] = running;
    });
    return out;
  }
  idx.sort((i, j) => p[j] - p[i]);
  let running = 1;
  idx.forEach((i, k) => {
    const rank = m - k;
    running = Math.min(running, (m / rank) * p[i]);
    out[i] = Math.min(1, running);
  });
  return out;
}
