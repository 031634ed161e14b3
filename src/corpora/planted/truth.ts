import { z } from 'zod';
import { readFileSync } from 'node:fs';
import { InputError } from '../../manifest/errors.ts';
import type { PlantedUtterance } from './corpus.ts';

const AppliedSchema = z.object({ rule: z.string(), index: z.number().int().nonnegative(), from: z.string(), to: z.string() }).strict();
const WordSchema = z.object({ word: z.string(), canonical: z.array(z.string()).nullable(), planted: z.array(z.string()).nullable(), applied: z.array(AppliedSchema) }).strict();
const UtteranceSchema = z.object({ id: z.string().min(1), group: z.string().min(1), speaker: z.string().min(1), rules: z.array(z.string()), words: z.array(WordSchema) }).strict();

/**
 * Reads a planted corpus's ground truth (`planted.jsonl`, as `synth --accent-rules` writes it): one
 * PlantedUtterance per line (blank lines skipped). Errors: a line that is not JSON, does not have that
 * shape, or repeats an id → InputError naming the file and line; an unreadable file → InputError without a line.
 */
export function readPlantedTruth(file: string): PlantedUtterance[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(file, undefined, `cannot read the ground truth (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const out: PlantedUtterance[] = [];
  const seen = new Set<string>();
  text.split('\n').forEach((raw, i) => {
    if (!raw.trim()) return;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch (e) {
      throw new InputError(file, i + 1, `not valid JSON (${(e as Error).message})`);
    }
    const r = UtteranceSchema.safeParse(v);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new InputError(file, i + 1, `not a planted utterance: ${issue.path.join('.') || 'line'}: ${issue.message}`);
    }
    if (seen.has(r.data.id)) throw new InputError(file, i + 1, `duplicate id "${r.data.id}"`);
    seen.add(r.data.id);
    out.push(r.data);
  });
  return out;
}
