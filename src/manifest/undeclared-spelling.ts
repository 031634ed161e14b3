import { normaliseLabel } from './labelmap.ts';
import { UNDECLARED } from './schema.ts';

/**
 * A declared value spelled as the group of non-declarers (`undeclared`, any case or spacing). Spelled exactly so it
 * is counted in that group with the people who declared nothing; spelled otherwise ("Undeclared") it is a group that
 * reads as that one. Either way a declared answer and no answer look alike on the card, so commands warn (never
 * merge or rename without a word: that is the user's call, e.g. through a label map).
 */
export interface UndeclaredSpelling {
  key: string;
  /** Distinct utterances declaring such a value. */
  utterances: number;
  /** Of those, the ones spelled exactly `undeclared`: counted with the utterances that declare nothing. */
  merged: number;
  /** Each spelling with its utterance count, in order of first appearance. */
  spellings: Map<string, number>;
  firstId: string;
  /** `file:line` of the first such utterance, when the caller knows it. */
  firstAt?: string;
}

const folds = (v: string) => normaliseLabel(v) === UNDECLARED;

/**
 * The declared value of `key` when it is spelled `undeclared`, else undefined. A run records non-declarers as
 * `undeclared` with no `<key>_raw`; a declaration keeps its text in `<key>_raw` (importers; the run sets it for a
 * manifest without one), so labels before or after a run both tell the two apart.
 */
export function undeclaredSpelled(labels: Readonly<Record<string, string>> | undefined, key: string): string | undefined {
  const raw = labels?.[`${key}_raw`];
  const v = labels?.[key];
  if (raw !== undefined && raw.trim() !== '' && folds(raw) && (v === undefined || folds(v))) return v ?? raw;
  if (v !== undefined && v !== UNDECLARED && v.trim() !== '' && folds(v)) return v;
  return undefined;
}

/** Collects `undeclaredSpelled` values per key, one count per distinct utterance id (exports repeat an utterance per backend × condition). */
export class UndeclaredSpellings {
  private readonly byKey = new Map<string, UndeclaredSpelling>();
  private readonly seen = new Set<string>();

  constructor(private readonly keys: readonly string[]) {}

  add(id: string, labels: Readonly<Record<string, string>> | undefined, at?: string): void {
    if (this.seen.has(id)) return;
    this.seen.add(id);
    for (const key of this.keys) {
      const v = undeclaredSpelled(labels, key);
      if (v === undefined) continue;
      let s = this.byKey.get(key);
      if (!s) this.byKey.set(key, (s = { key, utterances: 0, merged: 0, spellings: new Map(), firstId: id, ...(at !== undefined ? { firstAt: at } : {}) }));
      s.utterances++;
      if (v === UNDECLARED) s.merged++;
      s.spellings.set(v, (s.spellings.get(v) ?? 0) + 1);
    }
  }

  found(): UndeclaredSpelling[] {
    return [...this.byKey.values()];
  }
}

/**
 * One warning line per key, e.g. `label "accent": 12 utterances declare the value "undeclared" (first at
 * odd2.jsonl:40), the name of the group of utterances that declare nothing: all 12 are counted in that group; …`.
 * `counts` false (a published card hiding a group involved): no counts, no location.
 */
export function undeclaredSpellingWarning(s: UndeclaredSpelling, counts = true): string {
  if (!counts) {
    return `label "${s.key}": some utterances declare the value ${[...s.spellings.keys()].map((v) => JSON.stringify(v)).join(', ')}, the name of the group of utterances that declare nothing (counts not published: a group involved is suppressed on this published card); rename the value (e.g. with a label map) to keep a declared answer apart from no answer`;
  }
  const n = (k: number) => `${k} utterance${k === 1 ? '' : 's'}`;
  const values = [...s.spellings].map(([v, c]) => (s.spellings.size > 1 ? `${JSON.stringify(v)} ×${c}` : JSON.stringify(v))).join(', ');
  const sep = s.utterances - s.merged;
  const what = [
    s.merged ? `${s.merged === s.utterances ? (s.merged === 1 ? 'it is' : `all ${s.merged} are`) : `${n(s.merged)} spelled "undeclared" are`} counted in that group` : '',
    sep ? `${sep === s.utterances ? (sep === 1 ? 'it is' : `all ${sep} are`) : `${n(sep)} spelled otherwise are`} a separate group that reads as that one` : '',
  ].filter(Boolean);
  return `label "${s.key}": ${n(s.utterances)} declare${s.utterances === 1 ? 's' : ''} the value ${values} (first at ${s.firstAt ?? `utterance ${s.firstId}`}), the name of the group of utterances that declare nothing: ${what.join(', and ')}; rename the value (e.g. with a label map) to keep a declared answer apart from no answer`;
}
