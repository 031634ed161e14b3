/**
 * The exact two-sided group-vs-rest permutation p by brute force over every labelling of as many clusters as the
 * group has (2^n masks; the definition, for n ≤ ~20): the share of labellings whose |pooled rate(group) −
 * pooled rate(rest)| is at least the observed one.
 */
export function bruteForcePermutationP(errors: readonly number[], words: readonly number[], inGroup: readonly boolean[]): number {
  const n = errors.length;
  const k = inGroup.filter(Boolean).length;
  const d = (mask: number) => {
    let e = 0, w = 0, E = 0, W = 0;
    for (let i = 0; i < n; i++) {
      if (mask & (1 << i)) { e += errors[i]; w += words[i]; } else { E += errors[i]; W += words[i]; }
    }
    return Math.abs(e / w - E / W);
  };
  const observed = d(inGroup.reduce((m, x, i) => (x ? m | (1 << i) : m), 0));
  let hits = 0, splits = 0;
  for (let mask = 0; mask < 1 << n; mask++) {
    let bits = 0;
    for (let i = 0; i < n; i++) if (mask & (1 << i)) bits++;
    if (bits !== k) continue;
    splits++;
    if (d(mask) >= observed * (1 - 1e-12)) hits++;
  }
  return hits / splits;
}

/**
 * The exact permutation p of any labelling statistic by brute force: every vector of G labels for the n clusters
 * (G^n of them; the definition, for G^n up to a few million) that keeps each group's size counts as a relabelling,
 * and p is the share of them for which `extreme(labels)` holds (the observed labelling is one of them).
 */
export function bruteForceLabellingP(group: Int32Array, groups: number, extreme: (labels: Int32Array) => boolean): { p: number; labellings: number } {
  const n = group.length;
  const size = new Array<number>(groups).fill(0);
  for (const g of group) size[g]++;
  const labels = new Int32Array(n);
  let hits = 0, labellings = 0;
  for (let code = 0; code < groups ** n; code++) {
    const count = new Array<number>(groups).fill(0);
    let c = code;
    for (let i = 0; i < n; i++) {
      labels[i] = c % groups;
      count[labels[i]]++;
      c = Math.floor(c / groups);
    }
    if (count.some((k, g) => k !== size[g])) continue;
    labellings++;
    if (extreme(labels)) hits++;
  }
  return { p: hits / labellings, labellings };
}
