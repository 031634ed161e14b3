/**
 * Numeric declared labels (an age of 7, 43) grouped into bins a suite declares, e.g. `age: [0, 13, 18]`.
 * Bins are half-open [a, b). With integer edges a bin is named "a–(b−1)" ("0–12", "13–17"), else "[a, b)"; named
 * bins use the suite's labels. The last edge opens the top bin: a value at or above it is "b+" ("18+"), so an
 * open-ended bin needs no made-up upper edge (`[0, 13, 18, 200]` would name a bin "18–199"). A value below the
 * first edge is "<a".
 * Values that are not plain decimal numbers are left as they are (and counted), never guessed.
 */
export interface LabelBins {
  /** Increasing bin edges (at least two). */
  edges: number[];
  /** One name per bin (edges.length − 1), instead of the numeric range. */
  labels?: string[];
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/** The bin of a declared value, or undefined when the value is not a plain number (e.g. "thirties"). */
export function binOf(raw: string, bins: LabelBins): string | undefined {
  const t = raw.trim();
  if (!NUMBER.test(t)) return undefined;
  const v = Number(t);
  const { edges, labels } = bins;
  const last = edges.length - 1;
  if (v < edges[0]) return `<${edges[0]}`;
  if (v >= edges[last]) return `${edges[last]}+`;
  let i = 0;
  while (v >= edges[i + 1]) i++;
  if (labels) return labels[i];
  const [a, b] = [edges[i], edges[i + 1]];
  return Number.isInteger(a) && Number.isInteger(b) ? (b - 1 === a ? String(a) : `${a}–${b - 1}`) : `[${a}, ${b})`;
}

/** Normalises the suite form (`[edges…]` or `{ edges, labels }`). */
export function toLabelBins(spec: number[] | { edges: number[]; labels: string[] }): LabelBins {
  return Array.isArray(spec) ? { edges: spec } : { edges: spec.edges, labels: spec.labels };
}

/**
 * Applies bins to labels (returns a copy). The value binned is the key's group as given (`labels[key]`: after a label
 * map, the mapped value, so a map of "twenties" → "25" then bins 25), never the raw text beside it: binning `<key>_raw`
 * would undo the map, and bring back a value the map (or an importer) marked as no declaration. The declared text
 * stays in `<key>_raw` (set to the binned value when absent). Values that are not numbers are counted.
 */
export class LabelBinner {
  private readonly unbinned = new Map<string, Map<string, number>>();

  /** `mapped`: keys a label map set before binning (their unbinned values are reported as the map gave them). */
  constructor(
    private readonly bins: ReadonlyMap<string, LabelBins>,
    private readonly mapped: ReadonlySet<string> = new Set(),
  ) {}

  apply(labels: Record<string, string>): Record<string, string> {
    if (this.bins.size === 0) return labels;
    const out = { ...labels };
    for (const [key, bins] of this.bins) {
      const value = labels[key];
      if (value === undefined || value.trim() === '') continue;
      const bin = binOf(value, bins);
      if (bin === undefined) {
        const m = this.unbinned.get(key) ?? new Map<string, number>();
        m.set(value, (m.get(value) ?? 0) + 1);
        this.unbinned.set(key, m);
        continue;
      }
      out[`${key}_raw`] ??= value;
      out[key] = bin;
    }
    return out;
  }

  /** One line per key with non-numeric values left unbinned (first 5 values, with counts), or []. */
  report(): string[] {
    return [...this.unbinned].map(([key, m]) => {
      const n = [...m.values()].reduce((a, b) => a + b, 0);
      const top = [...m].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([v, c]) => `"${v}" ×${c}`);
      const kept = this.mapped.has(key) ? 'not numeric after the label map, kept as mapped' : 'not numeric, kept as declared';
      return `bins: ${n} "${key}" value${n === 1 ? '' : 's'} ${kept}: ${top.join(', ')}${m.size > 5 ? `, … (${m.size} distinct)` : ''}`;
    });
  }
}
