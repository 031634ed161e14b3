import { z } from 'zod';
import { InputError } from '../../manifest/errors.ts';
import type { PlantedUtterance } from './corpus.ts';
import type { Utterance } from '../../manifest/schema.ts';
import { promptWords } from './cmudict.ts';
import { base, isPhone } from './rules.ts';
import { parseJsonLine, readLines } from '../../manifest/jsonl.ts';

const AppliedSchema = z.object({ rule: z.string(), index: z.number().int().nonnegative(), from: z.string(), to: z.string() }).strict();
const WordSchema = z.object({ word: z.string(), canonical: z.array(z.string()).nullable(), planted: z.array(z.string()).nullable(), applied: z.array(AppliedSchema) }).strict();
const UtteranceSchema = z.object({ id: z.string().min(1), group: z.string().min(1), speaker: z.string().min(1), rules: z.array(z.string()), words: z.array(WordSchema), audio: z.string().optional() }).strict();

/**
 * Reads a planted corpus's ground truth (`planted.jsonl`, as `synth --accent-rules` writes it): one
 * PlantedUtterance per line (blank lines skipped), through the project's line reader (`readLines`). Errors: a
 * line that is not JSON, does not have that shape, names a phone CMUdict lacks, or repeats an id → InputError
 * naming the file and line; a missing or unreadable file → InputError without a line.
 */
export async function readPlantedTruth(file: string): Promise<PlantedUtterance[]> {
  const out: PlantedUtterance[] = [];
  const seen = new Set<string>();
  try {
    for await (const { line, text } of readLines(file)) {
      if (!text.trim()) continue;
      const r = UtteranceSchema.safeParse(parseJsonLine(text, file, line));
      if (!r.success) {
        const issue = r.error.issues[0];
        throw new InputError(file, line, `not a planted utterance: ${issue.path.join('.') || 'line'}: ${issue.message}`);
      }
      const badPhone = r.data.words.flatMap((w) => [...(w.canonical ?? []), ...(w.planted ?? []), ...w.applied.flatMap((a) => [a.from, ...(a.to === '-' ? [] : [a.to])])]).find((p) => !isPhone(base(p)));
      if (badPhone !== undefined) throw new InputError(file, line, `"${badPhone}" is not a CMUdict phone`);
      if (seen.has(r.data.id)) throw new InputError(file, line, `duplicate id "${r.data.id}"`);
      seen.add(r.data.id);
      out.push(r.data);
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(file, undefined, `cannot read the ground truth (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return out;
}

/**
 * Where a ground truth does not describe the manifest's utterances (same ids, another build: other seed,
 * rates or prompts): per utterance, the first of group (`groupBy` label), rules (`planted_rules` label), words
 * (the prompt's words) or audio file that differs. Returns one message per mismatching utterance, in
 * manifest order; fields the manifest or an older ground truth lacks are not compared.
 */
export function truthMismatches(truth: readonly PlantedUtterance[], entries: readonly Utterance[], groupBy: string): string[] {
  const byId = new Map(truth.map((u) => [u.id, u]));
  const out: string[] = [];
  for (const e of entries) {
    const t = byId.get(e.id);
    if (!t) continue;
    const label = e.labels?.[groupBy];
    const rules = e.labels?.planted_rules;
    const words = promptWords(e.text ?? '');
    if (label !== undefined && label !== t.group) out.push(`${e.id}: group "${t.group}", the manifest's ${groupBy} "${label}"`);
    else if (rules !== undefined && rules !== (t.rules.join(',') || 'none')) out.push(`${e.id}: rules "${t.rules.join(', ')}", the manifest's planted_rules "${rules}"`);
    else if (e.text !== undefined && words.join(' ') !== t.words.map((w) => w.word).join(' ')) out.push(`${e.id}: words "${t.words.map((w) => w.word).join(' ')}", the manifest's text "${e.text}"`);
    else if (t.audio !== undefined && t.audio !== e.audio) out.push(`${e.id}: audio ${t.audio}, the manifest's ${e.audio}`);
  }
  return out;
}
