import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isNode } from 'yaml';
import { z } from 'zod';
import { InputError } from '../../manifest/errors.ts';
import { BUILTIN_RULES, CMU_PHONES, type PlantedRule } from './rules.ts';

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
    rule: z.string().min(1),
    rate: z.number().min(0, 'rate must be between 0 and 1').max(1, 'rate must be between 0 and 1'),
    context: z
      .object({
        position: z.enum(['initial', 'medial', 'final', 'any']).optional(),
        before: z.array(contextPhone).optional(),
        after: z.array(contextPhone).optional(),
      })
      .strict()
      .optional(),
    from: phone.optional(),
    to: z.union([phone, z.literal('-')]).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const custom = r.from !== undefined || r.to !== undefined;
    if (custom && (r.from === undefined || r.to === undefined)) ctx.addIssue({ code: 'custom', message: 'a custom rule needs both `from` and `to`', path: [r.from === undefined ? 'from' : 'to'] });
    if (!custom && !(r.rule in BUILTIN_RULES)) {
      ctx.addIssue({ code: 'custom', message: `unknown rule "${r.rule}" (built-in: ${Object.keys(BUILTIN_RULES).join(', ')}; or give \`from\` and \`to\` phones)`, path: ['rule'] });
    }
  });

const GROUP_NAME = /^[a-z0-9][a-z0-9_-]*$/i;

export const AccentRulesSchema = z
  .object({
    voice: z.string().min(1).optional(),
    groups: z
      .record(z.string().regex(GROUP_NAME, 'group names are letters, digits, - and _'), z.array(RuleSchema).nullable().transform((v) => v ?? []))
      .refine((g) => Object.keys(g).length > 0, 'at least one group'),
  })
  .strict();

export interface AccentRules {
  /** Absolute or given path of the rules file (for messages). */
  file: string;
  /** Festival voice, when the file names one. */
  voice?: string;
  /** Line of the `voice:` entry, for errors about the voice. */
  voiceLine?: number;
  groups: { name: string; rules: PlantedRule[] }[];
}

function lineOf(doc: ReturnType<typeof parseDocument>, counter: LineCounter, path: readonly PropertyKey[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as (string | number)[], true);
    if (isNode(node) && node.range) return counter.linePos(node.range[0]).line;
  }
  return undefined;
}

/** Parses accent rules from YAML text; `file` is used in error messages (InputError: `file:line: path: message`). */
export function parseAccentRules(text: string, file: string): AccentRules {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw new InputError(file, e.linePos?.[0]?.line ?? counter.linePos(e.pos[0]).line, `invalid YAML: ${e.message.split('\n')[0]}`);
  }
  const parsed = AccentRulesSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.map((k) => (typeof k === 'symbol' ? String(k) : k));
    const where = path.reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${k}` : k), '') || '(top level)';
    throw new InputError(file, lineOf(doc, counter, path), `${where}: ${issue.message}`);
  }
  const d = parsed.data;
  return {
    file,
    voice: d.voice,
    voiceLine: d.voice ? lineOf(doc, counter, ['voice']) : undefined,
    groups: Object.entries(d.groups).map(([name, rules]) => ({ name, rules: rules as PlantedRule[] })),
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
