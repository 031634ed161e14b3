/**
 * Planted accents: phonological rules applied to canonical (CMUdict) pronunciations.
 *
 * Phones are ARPAbet as in CMUdict: upper case, vowels with a stress digit (0, 1, 2). A rule finds
 * its sites in one word's phone sequence and rewrites each site with probability `rate` (seeded).
 * Rule definitions follow the usual descriptions of English accent features (Wells, *Accents of
 * English*, 1982): TH-stopping, h-dropping, final obstruent devoicing, final consonant-cluster
 * reduction, the PIN–PEN merger (EH → IH before nasals), KIT–FLEECE (IH → IY), non-rhoticity,
 * V → W, L-vocalisation.
 */

/** The 39 phones of the CMU en-us acoustic model (stress removed). */
export const CMU_PHONES: readonly string[] = [
  'AA', 'AE', 'AH', 'AO', 'AW', 'AY', 'B', 'CH', 'D', 'DH', 'EH', 'ER', 'EY', 'F', 'G', 'HH', 'IH', 'IY', 'JH',
  'K', 'L', 'M', 'N', 'NG', 'OW', 'OY', 'P', 'R', 'S', 'SH', 'T', 'TH', 'UH', 'UW', 'V', 'W', 'Y', 'Z', 'ZH',
];
const PHONES = new Set(CMU_PHONES);
export const VOWELS: ReadonlySet<string> = new Set(['AA', 'AE', 'AH', 'AO', 'AW', 'AY', 'EH', 'ER', 'EY', 'IH', 'IY', 'OW', 'OY', 'UH', 'UW']);

/** Phone without its stress digit. */
export function base(p: string): string {
  return p.replace(/[012]$/, '');
}
export function isPhone(p: string): boolean {
  return PHONES.has(base(p));
}
export function isVowel(p: string): boolean {
  return VOWELS.has(base(p));
}

/** Where a rule may apply, on top of its own definition. All given conditions must hold. */
export interface RuleContext {
  /** Position of the phone in the word. */
  position?: 'initial' | 'medial' | 'final' | 'any';
  /** The next phone (stress ignored) must be one of these; `#` = word end. */
  before?: string[];
  /** The previous phone must be one of these; `#` = word start. */
  after?: string[];
}

/** One planted rule of a group: a built-in rule name (or a custom substitution), its rate and contexts. */
export interface PlantedRule {
  /** Built-in name (see BUILTIN_RULES) or any name with `from`/`to`. */
  rule: string;
  /** Probability (0–1) that each eligible site is rewritten. */
  rate: number;
  context?: RuleContext;
  /** Custom rule: the phone to rewrite … */
  from?: string;
  /** … and what it becomes (`-` deletes it). */
  to?: string;
}

/** One rewrite made in a word: rule name, the canonical phone (stress removed), and what it became (`-`: deleted). */
export interface AppliedRule {
  rule: string;
  /** Index of the phone in the canonical pronunciation. */
  index: number;
  from: string;
  to: string;
}

/** A site: index into the word's phones, and the replacement (null = delete). */
type Site = { index: number; to: string | null };
type SiteFinder = (phones: readonly string[]) => Site[];

const VOICED_TO_VOICELESS: Record<string, string> = { B: 'P', D: 'T', G: 'K', V: 'F', DH: 'TH', Z: 'S', ZH: 'SH', JH: 'CH' };

function each(map: Record<string, string | null>): SiteFinder {
  return (ph) => ph.flatMap((p, index) => (base(p) in map ? [{ index, to: map[base(p)] }] : []));
}

/**
 * Built-in rules: name → site finder and a one-line description (for --help and reports); `neverFinal`: why the
 * rule's sites, by its phonological definition, are never word-final (a `position: final` or `before: ["#"]`
 * context then contradicts the rule, whatever odd dictionary entries exist).
 */
export const BUILTIN_RULES: Readonly<Record<string, { describe: string; find: SiteFinder; neverFinal?: string }>> = {
  'th-stopping': { describe: 'TH → T, DH → D', find: each({ TH: 'T', DH: 'D' }) },
  'h-dropping': {
    describe: 'HH deleted',
    find: each({ HH: null }),
    // CMUdict's 25 word-final HH are transliterated surnames ("basich", "kolich"): not English /h/.
    neverFinal: 'English /h/ is always a syllable onset, followed by a vowel (or W, Y), so it never ends a word (Wells 1982)',
  },
  'final-devoicing': {
    describe: 'word-final voiced obstruent devoiced (B D G V DH Z ZH JH → P T K F TH S SH CH)',
    find: (ph) => {
      const last = ph.length - 1;
      const b = last >= 0 ? base(ph[last]) : '';
      return b in VOICED_TO_VOICELESS ? [{ index: last, to: VOICED_TO_VOICELESS[b] }] : [];
    },
  },
  'cluster-reduction': {
    describe: 'word-final T or D after another consonant (not R) deleted: "best" → "bes", "hand" → "han"',
    find: (ph) => {
      const last = ph.length - 1;
      if (last < 1) return [];
      const b = base(ph[last]);
      const prev = ph[last - 1];
      return (b === 'T' || b === 'D') && !isVowel(prev) && base(prev) !== 'R' ? [{ index: last, to: null }] : [];
    },
  },
  'pin-pen-merger': { describe: 'EH → IH before M, N, NG', find: (ph) => ph.flatMap((p, index) => (base(p) === 'EH' && ['M', 'N', 'NG'].includes(base(ph[index + 1] ?? '')) ? [{ index, to: 'IH' }] : [])) },
  'kit-fleece-merger': { describe: 'IH → IY', find: each({ IH: 'IY' }) },
  'non-rhotic': {
    describe: 'R after a vowel and not before one deleted; ER → AH',
    find: (ph) =>
      ph.flatMap((p, index): Site[] => {
        if (base(p) === 'ER') return [{ index, to: 'AH' }];
        if (base(p) === 'R' && index > 0 && isVowel(ph[index - 1]) && !(index + 1 < ph.length && isVowel(ph[index + 1]))) return [{ index, to: null }];
        return [];
      }),
  },
  'v-w': { describe: 'V → W', find: each({ V: 'W' }) },
  'l-vocalisation': {
    describe: 'L after a vowel and not before one → W (dark L vocalised)',
    find: (ph) => ph.flatMap((p, index) => (base(p) === 'L' && index > 0 && isVowel(ph[index - 1]) && !(index + 1 < ph.length && isVowel(ph[index + 1])) ? [{ index, to: 'W' }] : [])),
  },
};

/** A rule name: one plain token (letters, digits, `-`, `_`), so labels joined with `,` stay unambiguous. */
export const RULE_NAME = /^[a-z0-9][a-z0-9_-]*$/i;

/** The built-in rule a name denotes (case-insensitive), if any. */
export function builtinNamed(name: string): string | undefined {
  const n = name.toLowerCase();
  return Object.keys(BUILTIN_RULES).find((k) => k === n);
}

function contextParts(c: RuleContext | undefined): string[] {
  if (!c) return [];
  return [
    ...(c.position && c.position !== 'any' ? [`position ${c.position}`] : []),
    ...(c.before ? [`before ${c.before.join(' ')}`] : []),
    ...(c.after ? [`after ${c.after.join(' ')}`] : []),
  ];
}

const rewrite = (r: PlantedRule) => `${r.from} ${r.to === '-' ? 'deleted' : `→ ${r.to}`}`;

/**
 * The label a rule goes by in the manifest (`planted_rules`), the ground truth (`planted.jsonl`'s `rules`)
 * and reports: its name, then in parentheses whatever makes it differ from the plain built-in at rate 1
 * — a custom rewrite (`TH → F`, `T deleted`), its context, its rate. No commas inside, so a group's labels
 * join with `,`. E.g. `th-stopping`, `th-stopping (rate 0.5)`, `th-fronting (TH → F; position initial)`.
 */
export function ruleLabel(r: PlantedRule): string {
  const parts = [...(r.from !== undefined ? [rewrite(r)] : []), ...contextParts(r.context), ...(r.rate !== 1 ? [`rate ${r.rate}`] : [])];
  return parts.length ? `${r.rule} (${parts.join('; ')})` : r.rule;
}

/**
 * One line for a corpus README: name, what it rewrites (built-in description or the custom rewrite), where,
 * and its rate, e.g. `v-f: V → F, word-final only, rate 0.25 per eligible phone`.
 */
export function ruleDescription(r: PlantedRule): string {
  const what = r.from !== undefined ? rewrite(r) : (BUILTIN_RULES[r.rule]?.describe ?? r.rule);
  const c = r.context;
  const where = [
    ...(c?.position && c.position !== 'any' ? [`word-${c.position} only`] : []),
    ...(c?.before ? [`only before ${c.before.join('/')}`] : []),
    ...(c?.after ? [`only after ${c.after.join('/')}`] : []),
  ];
  return [`${r.rule}: ${what}`, ...where, `rate ${r.rate} per eligible phone`].join(', ');
}

function inContext(ph: readonly string[], i: number, c: RuleContext | undefined): boolean {
  if (!c) return true;
  const pos = c.position ?? 'any';
  if (pos === 'initial' && i !== 0) return false;
  if (pos === 'final' && i !== ph.length - 1) return false;
  if (pos === 'medial' && (i === 0 || i === ph.length - 1)) return false;
  const next = i + 1 < ph.length ? base(ph[i + 1]) : '#';
  const prev = i > 0 ? base(ph[i - 1]) : '#';
  if (c.before && !c.before.includes(next)) return false;
  if (c.after && !c.after.includes(prev)) return false;
  return true;
}

/** Sites of one rule in a word (before rates are drawn). */
export function ruleSites(rule: PlantedRule, phones: readonly string[]): { index: number; to: string | null }[] {
  let sites: Site[];
  if (rule.from !== undefined) {
    const to = rule.to === undefined || rule.to === '-' ? null : rule.to;
    sites = phones.flatMap((p, index) => (base(p) === rule.from ? [{ index, to }] : []));
  } else {
    const b = BUILTIN_RULES[rule.rule];
    if (!b) throw new Error(`unknown rule "${rule.rule}"`);
    sites = b.find(phones);
  }
  return sites.filter((s) => inContext(phones, s.index, rule.context));
}

/**
 * Applies a group's rules to one word's canonical phones, in the order given; each site is rewritten
 * when `random()` < rate. A later rule sees the earlier rules' output, but a phone rewritten once is
 * not rewritten again (so ground truth maps each canonical phone to at most one rule).
 * A substituted vowel keeps its stress digit. Returns the planted phones and the rewrites, each
 * indexed into the canonical sequence.
 */
export function applyRules(canonical: readonly string[], rules: readonly PlantedRule[], random: () => number): { planted: string[]; applied: AppliedRule[] } {
  // Working sequence: phones with their canonical index (null once deleted).
  let work = canonical.map((p, k) => ({ p, k, touched: false }));
  const applied: AppliedRule[] = [];
  for (const rule of rules) {
    const phones = work.map((w) => w.p);
    const sites = ruleSites(rule, phones);
    const drop = new Set<number>();
    for (const s of sites) {
      const w = work[s.index];
      if (w.touched) continue;
      if (!(random() < rule.rate)) continue;
      w.touched = true;
      applied.push({ rule: rule.rule, index: w.k, from: base(w.p), to: s.to ?? '-' });
      if (s.to === null) drop.add(s.index);
      else {
        const stress = /[012]$/.exec(w.p)?.[0] ?? '';
        w.p = VOWELS.has(s.to) ? `${s.to}${stress}` : s.to;
      }
    }
    work = work.filter((_, i) => !drop.has(i));
  }
  applied.sort((a, b) => a.index - b.index);
  return { planted: work.map((w) => w.p), applied };
}

/** mulberry32: a small seeded PRNG (uniform in [0, 1)); identical on every platform. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 32-bit FNV-1a of a string, to derive independent seeds per (seed, group, speaker, utterance). */
export function hashSeed(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const ch of parts.join('\u0000')) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
