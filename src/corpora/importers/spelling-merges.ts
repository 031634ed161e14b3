/**
 * Declared values that importers fold into one group name. A label's group is its value under `normaliseLabel`
 * (Unicode NFKC, trimmed, lower case, inner whitespace folded), the same form a label map matches: `US`, `  US  `,
 * `ｕｓ` (fullwidth) and `us` are one declaration typed four ways, so they are one group `us`, each kept verbatim in
 * `<key>_raw`. Folding changes what is counted for a group, so every fold that joined two or more spellings is said
 * (stdout, the import record's notes, and so the card) with its counts.
 */
import { normaliseLabel } from '../../manifest/labelmap.ts';
import type { Utterance } from '../../manifest/schema.ts';

/** Code-point order: the same on every machine (localeCompare depends on the ICU data). */
const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Merged groups listed by name in one note; the rest are counted. */
const LISTED = 10;

export class SpellingMerges {
  /** key → folded value → verbatim spelling → utterances. */
  private readonly byKey = new Map<string, Map<string, Map<string, number>>>();
  /** key → folded value → the group the first utterance got. */
  private readonly groups = new Map<string, string>();

  /** Records the verbatim spellings of every `<key>_raw` label of one imported utterance. */
  add(utt: Utterance): void {
    for (const [k, raw] of Object.entries(utt.labels ?? {})) {
      if (!k.endsWith('_raw') || typeof raw !== 'string') continue;
      const key = k.slice(0, -4);
      const group = utt.labels?.[key];
      if (typeof group !== 'string') continue;
      const fold = normaliseLabel(raw);
      let folds = this.byKey.get(key);
      if (!folds) this.byKey.set(key, (folds = new Map()));
      let spellings = folds.get(fold);
      if (!spellings) folds.set(fold, (spellings = new Map()));
      spellings.set(raw, (spellings.get(raw) ?? 0) + 1);
      if (!this.groups.has(`${key}\0${fold}`)) this.groups.set(`${key}\0${fold}`, group);
    }
  }

  /**
   * One note per label key with merged spellings: `accent: 4 spellings merged into group "us" ("us" ×35, "US" ×3,
   * "  US  " ×1, "ｕｓ" ×1); …` (spellings most frequent first, JSON-quoted so spaces and control characters show).
   */
  notes(): string[] {
    const out: string[] = [];
    for (const [key, folds] of [...this.byKey].sort((a, b) => a[0].localeCompare(b[0]))) {
      const merged = [...folds].filter(([, sp]) => sp.size > 1).sort((a, b) => byCodePoint(a[0], b[0]));
      if (!merged.length) continue;
      const parts = merged.slice(0, LISTED).map(([fold, sp]) => {
        const list = [...sp].sort((a, b) => b[1] - a[1] || byCodePoint(a[0], b[0])).map(([r, n]) => `${JSON.stringify(r)} ×${n}`);
        return `${sp.size} spellings merged into group ${JSON.stringify(this.groups.get(`${key}\0${fold}`))} (${list.join(', ')})`;
      });
      const more = merged.length > LISTED ? `; and ${merged.length - LISTED} more groups with merged spellings` : '';
      out.push(
        `${key}: declared values differing only in case, spacing or Unicode width are one group (as a label map matches them; each kept verbatim in ${key}_raw): ${parts.join('; ')}${more}`,
      );
    }
    return out;
  }
}
