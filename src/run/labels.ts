/**
 * The groups a run sees: each manifest entry's labels after the suite's label map and bins (`runLabels`). The run
 * engine records them; commands that read a suite's manifest themselves (`adapt`) group through the same function.
 */
import { LabelMapper, loadLabelMap } from '../manifest/labelmap.ts';
import { splitAccents } from '../corpora/importers/commonvoice.ts';
import { LabelBinner, toLabelBins } from '../manifest/bins.ts';
import { groupOf, type ManifestEntry } from '../manifest/schema.ts';
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
  for (const k of new Set([...suite.groupBy, ...suite.slices.flat()])) labels[k] = groupOf(view, k);
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
