/**
 * The groups a run sees: each manifest entry's labels after the suite's label map and bins (`runLabels`). The run
 * engine records them; commands that read a suite's manifest themselves (`adapt`) group through the same function.
 */
import { basename } from 'node:path';
import { LabelMapper, loadLabelMap } from '../manifest/labelmap.ts';
import { splitAccents } from '../corpora/importers/commonvoice.ts';
import { LabelBinner, toLabelBins } from '../manifest/bins.ts';
import { groupOf, type ManifestEntry } from '../manifest/schema.ts';
import { undeclaredSpelled } from '../manifest/undeclared-spelling.ts';
import type { Suite } from './suite.ts';

/**
 * Applies the suite's label map: for each key it covers, the declared raw text (`<key>_raw`, else the
 * value itself) is mapped to its canonical group; a value the map marks as "no declaration" is removed.
 */
function mapLabels(labels: Record<string, string>, mapper: LabelMapper | undefined): Record<string, string> {
  if (!mapper) return { ...labels };
  const out = { ...labels };
  for (const key of mapper.map.mappedKeys()) {
    const raw = labels[`${key}_raw`] ?? labels[key];
    if (raw === undefined || raw.trim() === '') continue;
    const canonical = canonicalOfDeclaration(mapper, key, raw);
    if (canonical === null) delete out[key];
    else out[key] = canonical;
  }
  return out;
}

/**
 * Canonical group of one declared value, as the importers derive it: the whole value when the map knows it, else
 * each declared piece ("a|b" as Common Voice joins several accents; commas only between known values) mapped on its
 * own, several distinct groups joined "a+b" (sorted); null when the map marks every piece as no declaration.
 */
function canonicalOfDeclaration(mapper: LabelMapper, key: string, raw: string): string | null {
  const pieces = splitAccents(raw, (v) => mapper.map.lookup(key, v) !== undefined);
  if (pieces.length <= 1) return mapper.canonical(key, raw.trim());
  const groups = [...new Set(pieces.map((p) => mapper.canonical(key, p)).filter((g): g is string => g !== null))].sort();
  return groups.length ? groups.join('+') : null;
}

/** The suite's bins (`bins:`), applied after `mapper`'s label map (if any), counting values left unbinned. */
export function newBinner(suite: Pick<Suite, 'bins'>, mapper?: LabelMapper): LabelBinner {
  return new LabelBinner(new Map(Object.entries(suite.bins).map(([k, b]) => [k, toLabelBins(b)])), new Set(mapper?.map.mappedKeys() ?? []));
}

/**
 * The labels a run records for one manifest entry, so the groups every later stage sees: the suite's label map
 * (`labelMap`: each mapped key's declared raw text → its canonical group), then its `bins`, then every groupBy and
 * slice key set to its group (`groupOf`: undeclared → "undeclared"). `mapper` and `binner` count the values they
 * could not map or bin (their reports are what `run` prints).
 */
export function runLabels(e: Pick<ManifestEntry, 'labels'>, suite: Pick<Suite, 'groupBy' | 'slices'>, mapper: LabelMapper | undefined, binner: LabelBinner): Record<string, string> {
  const labels = binner.apply(mapLabels(e.labels, mapper));
  const view = { labels };
  for (const k of new Set([...suite.groupBy, ...suite.slices.flat()])) {
    // A declared value spelled "undeclared" keeps its text in `<key>_raw`, so the export still tells it from no
    // declaration once groupOf has named both alike (undeclared-spelling.ts warns about it).
    const v = labels[k];
    if (v !== undefined && labels[`${k}_raw`] === undefined && undeclaredSpelled(labels, k) !== undefined) labels[`${k}_raw`] = v;
    labels[k] = groupOf(view, k);
  }
  return labels;
}

/**
 * `runLabels` for one suite (its label map read once; a missing or bad map file throws as `run` does), for commands
 * that read a suite's manifest themselves (e.g. `adapt`) and must group as its run does. `report()`: the lines `run`
 * prints about values left unmapped or unbinned (none when every value was).
 */
export async function suiteLabeller(suite: Suite): Promise<{ labels: (e: Pick<ManifestEntry, 'labels'>) => Record<string, string>; report: () => string[] }> {
  const mapper = suite.labelMap ? new LabelMapper(await loadLabelMap(suite.labelMap)) : undefined;
  const binner = newBinner(suite, mapper);
  return {
    labels: (e) => runLabels(e, suite, mapper, binner),
    report: () => [...(mapper?.unmappedValues().length ? [mapper.formatReport().trimEnd()] : []), ...binner.report()],
  };
}

/** How a run forms the groups of one label key from the declared values: its label map, then its bins (run.json `analysis.grouping`). */
export interface KeyGrouping {
  /** File name of the suite's label map, when the map has a section for the key. */
  labelMap?: string;
  /** The suite's bins for the key (`bins:`), applied after the map. */
  bins?: { edges: number[]; labels?: string[] };
}

/**
 * The grouping of each of `keys` that the suite's label map (`mappedKeys`: the keys it has sections for) or bins
 * change; keys grouped as declared are left out (`{}` when none is).
 */
export function groupingOf(suite: Pick<Suite, 'bins' | 'labelMap'>, keys: readonly string[], mappedKeys: readonly string[]): Record<string, KeyGrouping> {
  const out: Record<string, KeyGrouping> = {};
  for (const key of new Set(keys)) {
    const g: KeyGrouping = {};
    if (suite.labelMap && mappedKeys.includes(key)) g.labelMap = basename(suite.labelMap);
    const b = suite.bins[key];
    if (b) {
      const { edges, labels } = toLabelBins(b);
      g.bins = labels ? { edges, labels } : { edges };
    }
    if (g.labelMap !== undefined || g.bins) out[key] = g;
  }
  return out;
}

/** `groupingOf` for a suite, its label map read (a missing or bad map file throws as `run` does). */
export async function suiteGrouping(suite: Suite, keys: readonly string[]): Promise<Record<string, KeyGrouping>> {
  const mapped = suite.labelMap ? (await loadLabelMap(suite.labelMap)).mappedKeys() : [];
  return groupingOf(suite, keys, mapped);
}

/** A key's grouping in words, e.g. "label map agemap.yaml, then bins at 0, 30, 50" ("… named child, adult"). */
export function groupingText(g: KeyGrouping): string {
  const parts: string[] = [];
  if (g.labelMap !== undefined) parts.push(`label map ${g.labelMap}`);
  if (g.bins) parts.push(`bins at ${g.bins.edges.join(', ')}${g.bins.labels ? ` named ${g.bins.labels.join(', ')}` : ''}`);
  return parts.join(', then ');
}
