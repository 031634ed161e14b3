/**
 * The ffmpeg encoders a suite's conditions need, checked when the suite is loaded (`run`, `run --dry-run`,
 * `validate --suite`, `doctor --suite`): a codec step whose encoder this machine's ffmpeg lacks (`codec: amr-nb`
 * without libopencore_amrnb) is a problem of the machine, not of any utterance's audio, so it is one line naming the
 * suite file:line, the codec and the encoder — not one "bad audio" failure per utterance at run time.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { missingEncoderMessage, missingEncoders } from '../audio/conditions.ts';
import { InputError, InputErrors } from '../manifest/errors.ts';
import { lineOf } from '../manifest/yaml-errors.ts';
import type { Suite } from './suite.ts';

/** Line of `conditions[i].steps[j].codec` in the suite file (undefined when the file cannot be read again). */
function codecLines(file: string): (condition: number, step: number) => number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return () => undefined;
  }
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  return (c, s) => lineOf(doc, counter, ['conditions', c, 'steps', s, 'codec']);
}

/**
 * One InputError per codec step of `suite` whose ffmpeg encoder is missing, naming suite file:line and the step's
 * path (`conditions[1].steps[0].codec`), the codec and the encoder; empty when every encoder is there.
 * Errors: ffmpeg cannot be run (its own message).
 */
export async function missingEncoderErrors(suite: Pick<Suite, 'file' | 'conditions'>): Promise<InputError[]> {
  const missing = await missingEncoders(suite.conditions.map((c) => c.spec));
  if (!missing.length) return [];
  const line = codecLines(suite.file);
  return missing.map(
    (m) => new InputError(suite.file, line(m.condition, m.step), `conditions[${m.condition}].steps[${m.step}].codec: ${missingEncoderMessage(m.codec, m.encoder)}`),
  );
}

/** Throws (exit 2) every missing-encoder problem of `suite` at once; see missingEncoderErrors. */
export async function assertSuiteEncoders(suite: Pick<Suite, 'file' | 'conditions'>): Promise<void> {
  const errors = await missingEncoderErrors(suite);
  if (errors.length) throw errors.length === 1 ? errors[0] : new InputErrors(errors);
}
