/**
 * Label maps: per label key, raw declared strings (exact, case- and space-insensitive) or /regex/flags → canonical
 * group. YAML:
 *
 *   accent:
 *     "Scottish English": scottish
 *     "/\b(glaswegian|scots?)\b/i": scottish
 *     "prefer not to say": null      # a declared non-answer: no canonical group (→ undeclared), raw text kept
 *
 * Exact entries win over regexes; regexes are tried in file order. A value no entry matches keeps its normalised raw
 * text as the group (nothing is dropped, nothing invented) and is counted in the unmapped report.
 */
import { readFile } from 'node:fs/promises';
import { parseDocument, isMap, isScalar, LineCounter } from 'yaml';
import { InputError } from './errors.ts';

interface Rule {
  re: RegExp;
  canonical: string | null;
}

interface KeyMap {
  exact: Map<string, string | null>;
  rules: Rule[];
}

/** Trim, lowercase, fold whitespace: the form raw values are matched and, when unmapped, grouped under. */
export function normaliseLabel(raw: string): string {
  return raw.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, ' ');
}

export class LabelMap {
  constructor(private readonly keys: Map<string, KeyMap> = new Map()) {}

  /** Label keys the map has entries for. */
  mappedKeys(): string[] {
    return [...this.keys.keys()];
  }

  /**
   * Canonical group for a raw value: a string, `null` when the map says the value means "no declaration", or
   * `undefined` when the map has no entry for it (or no section for the key).
   */
  lookup(key: string, raw: string): string | null | undefined {
    const km = this.keys.get(key);
    if (!km) return undefined;
    const hit = km.exact.get(normaliseLabel(raw));
    if (hit !== undefined) return hit;
    for (const r of km.rules) if (r.re.test(raw)) return r.canonical;
    return undefined;
  }
}

export function parseLabelMap(text: string, file: string): LabelMap {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  const lineOf = (node: { range?: [number, number, number] | null } | null | undefined) =>
    node?.range ? lc.linePos(node.range[0]).line : undefined;
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw new InputError(file, e.linePos?.[0]?.line, `invalid YAML: ${e.message.split('\n')[0]}`);
  }
  const keys = new Map<string, KeyMap>();
  if (doc.contents === null) return new LabelMap(keys);
  if (!isMap(doc.contents)) throw new InputError(file, 1, 'a label map is a mapping of label keys (accent, l1, …) to mappings');
  for (const section of doc.contents.items) {
    const key = isScalar(section.key) ? String(section.key.value) : undefined;
    if (!key) throw new InputError(file, lineOf(section.key as never), 'label key must be a string');
    const km: KeyMap = { exact: new Map(), rules: [] };
    if (section.value === null || (isScalar(section.value) && section.value.value === null)) {
      keys.set(key, km);
      continue;
    }
    if (!isMap(section.value)) throw new InputError(file, lineOf(section.value as never), `"${key}" must map raw values to canonical groups`);
    for (const item of section.value.items) {
      const line = lineOf(item.key as never);
      if (!isScalar(item.key)) throw new InputError(file, line, `"${key}": raw value must be a string`);
      const rawKey = String(item.key.value);
      const v = isScalar(item.value) ? item.value.value : item.value;
      if (v !== null && typeof v !== 'string' && typeof v !== 'number') {
        throw new InputError(file, line, `"${key}" → "${rawKey}": canonical group must be a string or null`);
      }
      const canonical = v === null ? null : String(v).trim() || null;
      const m = /^\/(.*)\/([a-z]*)$/s.exec(rawKey);
      if (m) {
        try {
          km.rules.push({ re: new RegExp(m[1], m[2].replace('g', '')), canonical });
        } catch (e) {
          throw new InputError(file, line, `"${key}": invalid regex ${rawKey}: ${(e as Error).message}`);
        }
      } else km.exact.set(normaliseLabel(rawKey), canonical);
    }
    keys.set(key, km);
  }
  return new LabelMap(keys);
}

export async function loadLabelMap(file: string): Promise<LabelMap> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new InputError(file, undefined, `cannot read label map (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseLabelMap(text, file);
}

export interface UnmappedValue {
  key: string;
  raw: string;
  count: number;
}

/** Applies a label map while importing, and counts the raw values it had no entry for. */
export class LabelMapper {
  private readonly unmapped = new Map<string, Map<string, number>>();
  private markers = new Set<string>();
  private readonly undeclared = new Map<string, Map<string, number>>();
  constructor(readonly map: LabelMap = new LabelMap()) {}

  /**
   * Sets the markers the corpus being imported documents as "not declared" (e.g. the Artie bias corpus's `NA`),
   * matched exactly after trimming. Only a corpus's own documented markers belong here: anything else a speaker
   * wrote is a declaration.
   */
  setUndeclaredMarkers(markers: readonly string[]): void {
    this.markers = new Set(markers);
  }

  /** True (and counted per key and marker) when `raw` is a documented "not declared" marker: the label stays absent. */
  isUndeclaredMarker(key: string, raw: string): boolean {
    const v = raw.trim();
    if (!this.markers.has(v)) return false;
    const byKey = this.undeclared.get(key) ?? new Map<string, number>();
    byKey.set(v, (byKey.get(v) ?? 0) + 1);
    this.undeclared.set(key, byKey);
    return true;
  }

  /**
   * Counts a field left blank for `key` (Common Voice's way of not declaring): reported with the documented markers
   * by undeclaredValues, as raw `""`.
   */
  countBlank(key: string): void {
    const byKey = this.undeclared.get(key) ?? new Map<string, number>();
    byKey.set('', (byKey.get('') ?? 0) + 1);
    this.undeclared.set(key, byKey);
  }

  /** Markers mapped to `undeclared`, per key (sorted) and marker, with the utterances they were found in. */
  undeclaredValues(): Array<{ key: string; raw: string; count: number }> {
    const out: Array<{ key: string; raw: string; count: number }> = [];
    for (const [key, m] of this.undeclared) for (const [raw, count] of m) out.push({ key, raw, count });
    return out.sort((a, b) => a.key.localeCompare(b.key) || a.raw.localeCompare(b.raw));
  }

  /**
   * Sets `labels[key]` (canonical, from the trimmed value) and `labels[key_raw]` (verbatim) from one raw declaration.
   * Blank raw values set nothing: an undeclared attribute stays absent. A documented "not declared" marker
   * (setUndeclaredMarkers) sets nothing either, like a blank, and is counted (undeclaredValues): keeping it as
   * `<key>_raw` would let a suite's label map turn it back into a group at run time.
   */
  assign(labels: Record<string, string>, key: string, raw: string | undefined | null): void {
    const value = raw?.trim();
    if (!value || raw == null) return;
    if (this.isUndeclaredMarker(key, value)) return;
    labels[`${key}_raw`] = raw; // verbatim, as declared (whitespace included)
    const canonical = this.canonical(key, value);
    if (canonical !== null) labels[key] = canonical;
  }

  /** Canonical group of a raw value (null: the map marks it as no declaration). */
  canonical(key: string, raw: string): string | null {
    const hit = this.map.lookup(key, raw);
    if (hit !== undefined) return hit;
    if (this.map.mappedKeys().includes(key)) {
      const byKey = this.unmapped.get(key) ?? new Map<string, number>();
      byKey.set(raw, (byKey.get(raw) ?? 0) + 1);
      this.unmapped.set(key, byKey);
    }
    return normaliseLabel(raw);
  }

  /** Raw values of mapped keys that no entry matched, most frequent first. */
  unmappedValues(): UnmappedValue[] {
    const out: UnmappedValue[] = [];
    for (const [key, m] of this.unmapped) for (const [raw, count] of m) out.push({ key, raw, count });
    return out.sort((a, b) => a.key.localeCompare(b.key) || b.count - a.count || a.raw.localeCompare(b.raw));
  }

  /** The unmapped report: the `limit` most frequent values, then one line counting the rest per key. */
  formatReport(limit = 20): string {
    const all = this.unmappedValues();
    if (all.length === 0) return this.map.mappedKeys().length ? 'label map: every declared value was mapped\n' : '';
    const shown = [...all].sort((a, b) => b.count - a.count || a.key.localeCompare(b.key) || a.raw.localeCompare(b.raw)).slice(0, limit);
    const keep = new Set(shown);
    const lines = ['label map: values with no entry (kept as their normalised raw text):'];
    for (const v of all) if (keep.has(v)) lines.push(`  ${v.key}: ${JSON.stringify(v.raw)} ×${v.count}`);
    const rest = new Map<string, { values: number; utterances: number }>();
    for (const v of all) {
      if (keep.has(v)) continue;
      const r = rest.get(v.key) ?? { values: 0, utterances: 0 };
      r.values++;
      r.utterances += v.count;
      rest.set(v.key, r);
    }
    for (const [key, r] of rest) lines.push(`  ${key}: ${r.values} more values not shown (${r.utterances} utterances)`);
    return lines.join('\n') + '\n';
  }
}
