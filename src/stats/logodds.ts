/** Feature counts (e.g. phone confusion pair → count). */
export type CountMap = Readonly<Record<string, number>> | ReadonlyMap<string, number>;

export interface LogOddsFeature {
  feature: string;
  countA: number;
  countB: number;
  /** δ_w: log-odds of w in A minus in B, smoothed by the prior (> 0: over-represented in A). */
  delta: number;
  /** ≈ 1/(y_a + α_w) + 1/(y_b + α_w). */
  variance: number;
  /** δ_w / √variance. */
  z: number;
}

function toMap(c: CountMap): Map<string, number> {
  return c instanceof Map ? new Map(c) : new Map(Object.entries(c as Record<string, number>));
}

/**
 * Informative Dirichlet prior from background counts (usually A + B, or a larger corpus):
 * α_w = scale · background_w / Σ background (Monroe, Colaresi & Quinn 2008, §3.5).
 */
export function informativePrior(background: CountMap, scale: number): Record<string, number> {
  const m = toMap(background);
  let total = 0;
  for (const v of m.values()) total += v;
  const out: Record<string, number> = {};
  for (const [k, v] of m) out[k] = total > 0 ? (scale * v) / total : 0;
  return out;
}

/**
 * Log-odds ratio with Dirichlet prior (Monroe, Colaresi & Quinn 2008, eq. 16–22):
 * δ_w = log((y_aw+α_w)/(n_a+α_0−y_aw−α_w)) − log((y_bw+α_w)/(n_b+α_0−y_bw−α_w)).
 * `prior` is a per-feature α_w map, or one number used for every feature (uninformative).
 * Features are the union of both count maps (and the prior's keys); sorted by z, largest first.
 */
export function logOddsDirichlet(countsA: CountMap, countsB: CountMap, prior: CountMap | number): LogOddsFeature[] {
  const a = toMap(countsA);
  const b = toMap(countsB);
  const alphaMap = typeof prior === 'number' ? undefined : toMap(prior);
  const features = new Set<string>([...a.keys(), ...b.keys(), ...(alphaMap?.keys() ?? [])]);
  const alphaOf = (w: string) => (typeof prior === 'number' ? prior : (alphaMap!.get(w) ?? 0));
  let nA = 0;
  let nB = 0;
  let alpha0 = 0;
  for (const w of features) {
    nA += a.get(w) ?? 0;
    nB += b.get(w) ?? 0;
    alpha0 += alphaOf(w);
  }
  const out: LogOddsFeature[] = [];
  for (const w of features) {
    const ya = a.get(w) ?? 0;
    const yb = b.get(w) ?? 0;
    const al = alphaOf(w);
    const delta = Math.log((ya + al) / (nA + alpha0 - ya - al)) - Math.log((yb + al) / (nB + alpha0 - yb - al));
    const variance = 1 / (ya + al) + 1 / (yb + al);
    out.push({ feature: w, countA: ya, countB: yb, delta, variance, z: delta / Math.sqrt(variance) });
  }
  return out.sort((x, y) => y.z - x.z);
}
