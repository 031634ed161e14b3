import type { WordNetwork } from '../text/markup.ts';

/**
 * A word network written back in sclite's markup: chains as words, each branching as `{ a / b }` closed at the point
 * every branch joins again (its immediate post-dominator), an empty branch as `@`. Networks parsed from markup
 * (alternations, GLM alternatives, `(optional)` words) come back as the nested text they were read from, words as the
 * normaliser left them; any other DAG still gets one deterministic text, so two rows read from the same reference
 * with the same settings get the same string (what `compare` pairs on, whatever path each alignment chose).
 */
export function networkText(net: WordNetwork): string {
  const n = net.words.length;
  const end = n; // a virtual sink after the finals
  const succ: number[][] = Array.from({ length: n + 1 }, () => []);
  net.preds.forEach((ps, i) => ps.forEach((p) => succ[p].push(i)));
  for (const f of net.finals) succ[f].push(end);
  // Post-dominators, in reverse topological order (arcs are numbered topologically); the nearest one has the lowest index.
  const pdom: Set<number>[] = [];
  pdom[end] = new Set([end]);
  for (let u = n - 1; u >= 0; u--) {
    const sets = succ[u].map((v) => pdom[v] ?? new Set<number>());
    const common = sets.length ? new Set([...sets[0]].filter((x) => sets.every((s) => s.has(x)))) : new Set<number>();
    common.add(u);
    pdom[u] = common;
  }
  const ipdom = (u: number): number => Math.min(...[...pdom[u]].filter((x) => x !== u));
  const word = (i: number): string => (i === end ? '' : (net.words[i]?.text ?? ''));
  const seq = (from: number, stop: number): string[] => {
    const out: string[] = [];
    let u = from;
    while (u !== stop && succ[u].length) {
      const next = succ[u].length === 1 ? succ[u][0] : ipdom(u);
      if (succ[u].length > 1) {
        const alts = succ[u].map((v) => (v === next ? ['@'] : [word(v), ...seq(v, next)].filter(Boolean)));
        out.push('{', ...alts.flatMap((a, k) => (k ? ['/', ...a] : a)), '}');
      }
      if (next === stop || next === end) break;
      out.push(word(next));
      u = next;
    }
    return out;
  };
  return seq(0, end).filter(Boolean).join(' ');
}
