import { normaliseLabel } from './labelmap.ts';
import { UNDECLARED } from './schema.ts';

/**
 * Group names that differ only in case or spacing (`Spanish`, `spanish`, ` spanish `; also Unicode compatibility
 * forms: the same name under `normaliseLabel`, as a label map matches them) are different groups to every table, so
 * one declared group would be split in two without a word: a silent bias. This finds them so that commands can warn
 * (they are never merged silently: merging is the user's call, e.g. through a label map).
 */

/** One spelling of a group name: how many distinct utterances carry it and the first one that does. */
export interface GroupSpelling {
  value: string;
  utterances: number;
  /** Id of the first utterance with this spelling (in input order). */
  firstId: string;
  /** Where that utterance is declared (`file:line`), when the caller knows it. */
  firstAt?: string;
}

/** Several spellings of one group name under a label key, in order of first appearance. */
export interface SplitGroup {
  key: string;
  spellings: GroupSpelling[];
}


/**
 * Collects the spellings of group names per label key, one count per distinct utterance id (a run export repeats an
 * utterance per backend × condition). `keys`: the label keys to check (undefined: every key an utterance declares).
 * Blank values (`undeclared`) are not names and are skipped, and so are spellings of `undeclared` itself: merging
 * "Undeclared" into the non-declarers is no advice to give (undeclared-spelling.ts warns about those).
 */
export class GroupSpellings {
  private readonly byKey = new Map<string, Map<string, Map<string, GroupSpelling>>>();
  private readonly seen = new Set<string>();
  /** normaliseLabel per distinct value: a corpus has few distinct names and many rows. */
  private readonly folds = new Map<string, string>();

  constructor(private readonly keys?: readonly string[]) {}

  /** Records one utterance's labels; `at` is where it is declared (`file:line`), when known. Repeated ids count once. */
  add(id: string, labels: Readonly<Record<string, string>> | undefined, at?: string): void {
    if (this.seen.has(id)) return;
    this.seen.add(id);
    for (const key of this.keys ?? Object.keys(labels ?? {})) {
      const value = labels?.[key];
      if (typeof value !== 'string' || value.trim() === '') continue;
      let names = this.byKey.get(key);
      if (!names) this.byKey.set(key, (names = new Map()));
      let fold = this.folds.get(value);
      if (fold === undefined) this.folds.set(value, (fold = normaliseLabel(value)));
      if (fold === UNDECLARED) continue;
      let spellings = names.get(fold);
      if (!spellings) names.set(fold, (spellings = new Map()));
      const s = spellings.get(value);
      if (s) s.utterances++;
      else spellings.set(value, { value, utterances: 1, firstId: id, ...(at !== undefined ? { firstAt: at } : {}) });
    }
  }

  /** Every group name with more than one spelling, by key (in order of first appearance). */
  splits(): SplitGroup[] {
    const out: SplitGroup[] = [];
    for (const [key, names] of this.byKey) {
      for (const spellings of names.values()) if (spellings.size > 1) out.push({ key, spellings: [...spellings.values()] });
    }
    return out;
  }
}

/**
 * One warning line for a split group, e.g. `label "accent": "Spanish" (m.jsonl:3, 12 utterances) and "spanish"
 * (m.jsonl:40, 3 utterances) differ only in case or spacing, and are counted as 2 separate groups; use one spelling
 * (or a label map) to count them as one`. A spelling without `firstAt` names its first utterance id.
 */
export function splitGroupWarning(s: SplitGroup, counts = true): string {
  const size = (g: GroupSpelling) => (counts ? `, ${g.utterances} utterance${g.utterances === 1 ? '' : 's'}` : '');
  const one = (g: GroupSpelling) => `${JSON.stringify(g.value)} (${g.firstAt ?? `first utterance ${g.firstId}`}${size(g)})`;
  const names = s.spellings.map(one);
  const list = names.length === 2 ? names.join(' and ') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  return `label "${s.key}": ${list} differ only in case or spacing, and are counted as ${names.length} separate groups; use one spelling (or a label map) to count them as one`;
}
