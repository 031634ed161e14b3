import { readFileSync } from 'node:fs';
import { distance } from 'fastest-levenshtein';
import { LineCounter, parseDocument, isNode, isSeq } from 'yaml';
import { z } from 'zod';
import { InputError } from '../../manifest/errors.ts';
import { keyLine, lineOf, suggestKey } from '../../manifest/yaml-errors.ts';
import { BUILTIN_RULES, CMU_PHONES, RULE_NAME, builtinNamed, ruleLabel, type PlantedRule } from './rules.ts';

/**
 * Accent-rules file (YAML), e.g.
 *
 * ```yaml
 * voice: cmu_us_slt_arctic_hts        # festival voice that speaks the phone strings (optional)
 * groups:
 *   th-stopping:
 *     - { rule: th-stopping, rate: 0.9 }
 *   pin-pen:
 *     - { rule: pin-pen-merger, rate: 1, context: { position: medial } }
 *   f-fronting:
 *     - { rule: th-fronting, from: TH, to: F, rate: 1 }   # custom substitution
 *   none: []                            # a null group: no rules
 * ```
 *
 * Errors name the file, line and YAML path.
 */

const phone = z.string().refine((p) => CMU_PHONES.includes(p), { message: `unknown phone (use the CMU ARPAbet phones: ${CMU_PHONES.join(' ')})` });
const contextPhone = z.string().refine((p) => p === '#' || CMU_PHONES.includes(p), { message: 'unknown phone (ARPAbet, or # for the word boundary)' });

const RuleSchema = z
  .object({
    rule: z.string().regex(RULE_NAME, 'rule names are letters, digits, - and _'),
    rate: z.number({ error: (i) => (i.input === undefined ? 'rate is required: the probability (0–1) that each eligible phone is rewritten' : 'rate must be a number between 0 and 1') }).min(0, 'rate must be between 0 and 1').max(1, 'rate must be between 0 and 1'),
    context: z
      .object({
        position: z.enum(['initial', 'medial', 'final', 'any']).optional(),
        before: z.array(contextPhone).min(1, 'an empty list: the rule could never apply').optional(),
        after: z.array(contextPhone).min(1, 'an empty list: the rule could never apply').optional(),
      })
      .strict()
      .optional(),
    from: phone.optional(),
    to: z.union([phone, z.literal('-')]).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const custom = r.from !== undefined || r.to !== undefined;
    const builtin = builtinNamed(r.rule);
    // A built-in's name must mean the built-in's rewrite: the manifest and README label groups by rule name.
    if (custom && builtin) {
      const eg = r.from && r.to ? `${r.from}-${r.to === '-' ? 'deletion' : r.to}`.toLowerCase() : 'my-rule';
      ctx.addIssue({ code: 'custom', message: `"${r.rule}" is a built-in rule (${BUILTIN_RULES[builtin].describe}); a custom substitution (from/to) needs a name of its own, e.g. "${eg}"`, path: ['rule'] });
      return;
    }
    if (custom && (r.from === undefined || r.to === undefined)) ctx.addIssue({ code: 'custom', message: 'a custom rule needs both `from` and `to`', path: [r.from === undefined ? 'from' : 'to'] });
    if (custom && r.from !== undefined && r.from === r.to) ctx.addIssue({ code: 'custom', message: '`to` is the same phone as `from` (nothing would be planted)', path: ['to'] });
    if (!custom && !(r.rule in BUILTIN_RULES)) {
      const near = Object.keys(BUILTIN_RULES).find((k) => distance(r.rule.toLowerCase(), k) <= 2);
      ctx.addIssue({ code: 'custom', message: `unknown rule "${r.rule}"${near ? ` (did you mean ${near}?)` : ''} (built-in: ${Object.keys(BUILTIN_RULES).join(', ')}; or give \`from\` and \`to\` phones)`, path: ['rule'] });
    }
  });

/** Same rule twice in a group (same name, rewrite and context): the second could only raise the first's effective rate. */
function noRepeats(groups: Record<string, PlantedRule[]>, ctx: z.RefinementCtx): void {
  for (const [g, rules] of Object.entries(groups)) {
    const seen = new Map<string, number>();
    rules.forEach((r, i) => {
      const key = ruleLabel({ ...r, rate: 1 });
      const first = seen.get(key);
      if (first === undefined) seen.set(key, i);
      else ctx.addIssue({ code: 'custom', message: `repeats groups.${g}[${first}] (${key}): a phone is rewritten at most once, so a repeat only changes the first entry's effective rate; give one entry with the rate you mean`, path: [g, i] });
    });
  }
}

const GROUP_NAME = /^[a-z0-9][a-z0-9_-]*$/i;

export const AccentRulesSchema = z
  .object({
    voice: z.string().min(1).optional(),
    groups: z
      .record(z.string().regex(GROUP_NAME, 'group names are letters, digits, - and _'), z.array(RuleSchema).nullable().transform((v) => v ?? []))
      .refine((g) => Object.keys(g).length > 0, 'at least one group')
      .superRefine(noRepeats),
  })
  .strict();

export interface AccentRules {
  /** Absolute or given path of the rules file (for messages). */
  file: string;
  /** Festival voice, when the file names one. */
  voice?: string;
  /** Line of the `voice:` entry, for errors about the voice. */
  voiceLine?: number;
  /** Line where the groups start, for errors about the set of groups. */
  groupsLine?: number;
  /** Each group, with the line of each rule entry (`ruleLines[i]`: rules[i]'s line), for messages about one rule. */
  groups: { name: string; rules: PlantedRule[]; ruleLines?: (number | undefined)[] }[];
}

/** The keys allowed at each level of the file, for "unknown key … (did you mean …?)". */
const TOP_KEYS = ['voice', 'groups'] as const;
const RULE_KEYS = ['rule', 'rate', 'context', 'from', 'to'] as const;
const CONTEXT_KEYS = ['position', 'before', 'after'] as const;

function keysAt(path: readonly PropertyKey[]): readonly string[] {
  if (path.length === 0) return TOP_KEYS;
  if (path.length === 3 && path[0] === 'groups') return RULE_KEYS;
  if (path.length === 4 && path[3] === 'context') return CONTEXT_KEYS;
  return [];
}


const EXAMPLE = '`groups: { th: [{ rule: th-stopping, rate: 1 }], none: [] }`';

/** Parses accent rules from YAML text; `file` is used in error messages (InputError: `file:line: path: message`). */
export function parseAccentRules(text: string, file: string): AccentRules {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw new InputError(file, e.linePos?.[0]?.line ?? counter.linePos(e.pos[0]).line, `invalid YAML: ${e.message.split('\n')[0]}`);
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) throw new InputError(file, undefined, `the accent-rules file is empty: expected \`groups:\` with at least two groups, e.g. ${EXAMPLE}`);
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError(file, lineOf(doc, counter, []), `expected a mapping with \`groups:\` (and optionally \`voice:\`) at the top level, found ${Array.isArray(value) ? 'a list' : `the ${typeof value} ${JSON.stringify(value)}`}; e.g. ${EXAMPLE}`);
  }
  const parsed = AccentRulesSchema.safeParse(value);
  if (!parsed.success) {
    // A misspelt key explains the "missing" one zod reports first (`grups:` → groups is undefined): report it first.
    const issue = parsed.error.issues.find((i) => i.code === 'unrecognized_keys') ?? parsed.error.issues[0];
    const path = issue.path.map((k) => (typeof k === 'symbol' ? String(k) : k));
    const where = (p: readonly PropertyKey[]) => p.reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)), '');
    const at = (p: readonly PropertyKey[], msg: string) => (p.length ? `${where(p)}: ${msg}` : msg);
    if (issue.code === 'unrecognized_keys') {
      const key = issue.keys[0];
      throw new InputError(file, keyLine(doc, counter, path, key), at(path, `unknown key ${key}${suggestKey(key, keysAt(path))}`));
    }
    const parent = path.slice(0, -1);
    const last = path.at(-1);
    // zod's own wording ("Invalid input: expected record, received undefined") only; the schema's messages stay.
    const got = issue.code === 'invalid_type' && issue.message.startsWith('Invalid input') ? doc.getIn(path as (string | number)[]) : 'present';
    if (issue.code === 'invalid_type' && typeof last === 'string' && got === undefined) {
      const hint = path.length === 1 && last === 'groups' ? `: the groups of rules to plant, at least two, e.g. ${EXAMPLE}` : '';
      throw new InputError(file, lineOf(doc, counter, parent), at(parent, `\`${last}:\` is missing${hint}`));
    }
    if (issue.code === 'invalid_type' && path.length === 1 && last === 'groups' && got === null) {
      throw new InputError(file, lineOf(doc, counter, path), `groups: is empty: list at least two groups, e.g. ${EXAMPLE}`);
    }
    throw new InputError(file, lineOf(doc, counter, path), at(path, issue.message));
  }
  const d = parsed.data;
  return {
    file,
    voice: d.voice,
    voiceLine: d.voice ? lineOf(doc, counter, ['voice']) : undefined,
    groupsLine: lineOf(doc, counter, ['groups']),
    groups: Object.entries(d.groups).map(([name, rules]) => {
      const seq = doc.getIn(['groups', name], true);
      const ruleLines = rules.map((_, i) => (isSeq(seq) && isNode(seq.items[i]) && seq.items[i].range ? counter.linePos(seq.items[i].range[0]).line : lineOf(doc, counter, ['groups', name])));
      return { name, rules: rules as PlantedRule[], ruleLines };
    }),
  };
}

export function readAccentRules(file: string): AccentRules {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(file, undefined, `cannot read the accent-rules file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseAccentRules(text, file);
}

/**
 * Whether the groups make a corpus anything can compare (what `synth --accent-rules` checks before it
 * synthesises). `glass`, `report` and the planted validation compare groups, so a single group is refused
 * (InputError naming the rules file and the line where its groups start). Returns warnings, each one line
 * naming the file: no null group (no rules), the reference the validation compares each accent with; a
 * group named like a null group (none, null, control, baseline, reference) that has rules.
 * The library itself accepts one group (a null-only corpus is a building block of null-vs-null checks).
 */
export function checkGroupDesign(rules: AccentRules): string[] {
  if (rules.groups.length < 2) {
    throw new InputError(
      rules.file,
      rules.groupsLine,
      `groups: only one group ("${rules.groups[0]?.name ?? ''}"): glass, report and the planted validation compare groups, so a corpus needs at least 2 (add a null group: none: [])`,
    );
  }
  const warnings: string[] = [];
  if (!rules.groups.some((g) => g.rules.length === 0)) {
    warnings.push(
      `${rules.file}: no null group (a group with no rules, e.g. none: []): the planted validation and glass --reference-group compare each accent with the null group; ` +
        'without one each group is compared with all the others, which carry their own planted rules',
    );
  }
  // A group named like a null group but carrying rules: `--reference-group none` would compare with an accent.
  for (const g of rules.groups) {
    if (g.rules.length && /^(none|null|control|baseline|reference)$/i.test(g.name)) {
      warnings.push(`${rules.file}: group "${g.name}" has rules, though its name reads as a null group: glass --reference-group ${g.name} would compare every accent with a planted one`);
    }
  }
  return warnings;
}
