/**
 * Pronunciation variants from flagged phone confusions: for a confusion REF → HYP that the glass
 * box flagged for a group (e.g. TH → T, DH → D for TH-stopping), every dictionary word containing
 * REF gets an extra pronunciation with REF replaced by HYP (or dropped, for a deletion), written
 * as a CMUdict/Sphinx alternate `word(n)`. Substitutions at every position at once, and at each
 * single position when a word has two or three, so "that the" patterns like "dat" are covered.
 */
import { createReadStream, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { NO_PHONE } from '../analysis/confusable.ts';

/** One phone rule: `ref` becomes `hyp` (`hyp` = NO_PHONE, '∅', deletes it). ARPAbet without stress. */
export interface PhoneRule {
  ref: string;
  hyp: string;
}

export interface VariantResult {
  file: string;
  /** Dictionary words that received at least one new pronunciation. */
  words: number;
  /** New pronunciation lines. */
  added: number;
  rules: PhoneRule[];
}

/** Applies rules to one pronunciation: the all-positions variant and single-position ones (≤ 3 sites). */
export function variantsOf(phones: readonly string[], rules: readonly PhoneRule[]): string[][] {
  const map = new Map<string, string[]>();
  for (const r of rules) map.set(r.ref, [...(map.get(r.ref) ?? []), r.hyp]);
  const sites = phones.map((p, i) => (map.has(p) ? i : -1)).filter((i) => i >= 0);
  if (!sites.length) return [];
  const out: string[][] = [];
  const apply = (at: readonly number[], pick: (ref: string) => string) =>
    phones.flatMap((p, i) => {
      if (!at.includes(i)) return [p];
      const h = pick(p);
      return h === NO_PHONE ? [] : [h];
    });
  const hypsOf = (ref: string) => map.get(ref)!;
  // Every site replaced with its rule's first (and then each further) alternative.
  const maxAlt = Math.max(...sites.map((i) => hypsOf(phones[i]).length));
  for (let k = 0; k < maxAlt; k++) out.push(apply(sites, (r) => hypsOf(r)[Math.min(k, hypsOf(r).length - 1)]));
  if (sites.length > 1 && sites.length <= 3) for (const i of sites) for (const h of hypsOf(phones[i])) out.push(apply([i], () => h));
  const seen = new Set([phones.join(' ')]);
  return out.filter((v) => v.length > 0 && !seen.has(v.join(' ')) && (seen.add(v.join(' ')), true));
}

/**
 * Writes `out`: the dictionary `dict` plus variants for every word (or only `vocabulary`, when
 * given) under `rules`. Alternates are numbered after the word's existing ones.
 */
export async function writeVariantDictionary(dict: string, out: string, rules: readonly PhoneRule[], vocabulary?: ReadonlySet<string>): Promise<VariantResult> {
  const entries = new Map<string, string[][]>();
  const lines: string[] = [];
  const rl = createInterface({ input: createReadStream(dict, 'utf8'), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line.trim()) continue;
    lines.push(line);
    const [head, ...phones] = line.trim().split(/\s+/);
    const word = head.replace(/\(\d+\)$/, '');
    entries.set(word, [...(entries.get(word) ?? []), phones]);
  }
  let added = 0;
  let words = 0;
  for (const [word, prons] of entries) {
    if (vocabulary && !vocabulary.has(word)) continue;
    const have = new Set(prons.map((p) => p.join(' ')));
    const extra: string[][] = [];
    for (const p of prons) for (const v of variantsOf(p, rules)) if (!have.has(v.join(' '))) (have.add(v.join(' ')), extra.push(v));
    if (!extra.length) continue;
    words++;
    extra.forEach((v, k) => lines.push(`${word}(${prons.length + k + 1}) ${v.join(' ')}`));
    added += extra.length;
  }
  writeFileSync(out, lines.join('\n') + '\n');
  return { file: out, words, added, rules: [...rules] };
}
