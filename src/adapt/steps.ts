/**
 * Reuse of finished `adapt` steps on a rerun (after Ctrl-C, or with other flags): each step's output is stamped, after
 * it finished, with a hash of its inputs and the version of the code that made it (`<output>.inputs`, JSON `StepStamp`);
 * a later run skips the step when both match and redoes it otherwise (saying so when only the code changed). A step cut
 * short leaves no stamp, so its half-written output is never used. Decodes are kept in `<work>/decodes.jsonl`, keyed by
 * the backend's key (which hashes the model files' contents and names the decoder's Debian version), the version of the
 * code that decoded them and the audio's hash.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

/** sha256 (hex) of a JSON value: the identity of a step's inputs. */
export function inputsHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

/**
 * What a finished step's output is stamped with: the hash of its inputs (`inputsHash`) and the version of the code that
 * made it (`codeVersion` of backends/code-version.ts for the module that runs the step, plus the versions of the Debian
 * tools it calls), so a rerun after an upgrade that changes that code makes the step again.
 */
export interface StepStamp {
  inputs: string;
  code: string;
  /** Wall seconds the step took in the run that made it (absent in stamps of an asrfair before it recorded them). */
  seconds?: number;
  /** When the step finished (epoch ms). */
  madeAt?: number;
}

/**
 * Whether `output` was finished with this stamp. Not done when the output or its stamp is missing (a step cut short), or
 * when the inputs or the code differ; `madeBy` names the code of the stamp found when only the code differs (a stamp of
 * an asrfair whose stamps held the inputs' hash alone: "an earlier asrfair (no code version in its stamps)").
 */
export function stepStatus(output: string, stamp: StepStamp): { done: true } | { done: false; madeBy?: string } {
  let text: string;
  try {
    if (!existsSync(output)) return { done: false };
    text = readFileSync(`${output}.inputs`, 'utf8');
  } catch {
    return { done: false };
  }
  if (text === stamp.inputs) return { done: false, madeBy: 'an earlier asrfair (no code version in its stamps)' };
  let found: Partial<StepStamp>;
  try {
    found = JSON.parse(text) as Partial<StepStamp>;
  } catch {
    return { done: false };
  }
  if (found?.inputs !== stamp.inputs) return { done: false };
  if (found.code === stamp.code) return { done: true };
  return { done: false, madeBy: typeof found.code === 'string' ? found.code : 'unknown code' };
}

/**
 * The line a rerun prints when it makes `what` again because the code changed (`stepStatus(…).madeBy`), e.g.
 * `adapt: glass box on the train speakers made again: its stored result was made by asrfair 0.1.0, source sha256 … and
 * this is asrfair 0.1.0, source sha256 …`.
 */
export function codeChangedLine(what: string, madeBy: string, code: string): string {
  return `adapt: ${what} made again: its stored result was made by ${madeBy}, and this is ${code}`;
}

/** Stamps a finished step's output with its inputs' hash, its code's version and, when given, the seconds it took. */
export function markStepDone(output: string, stamp: StepStamp, seconds?: number): void {
  writeFileSync(`${output}.inputs`, JSON.stringify({ inputs: stamp.inputs, code: stamp.code, ...(seconds !== undefined ? { seconds } : {}), madeAt: Date.now() }));
}

/**
 * The cost of a finished step as its stamp records it: the wall seconds of the run that made it (0 when that run did
 * not record them) and whether it was made before `since` (epoch ms), i.e. reused from an earlier run.
 */
export function stepCost(output: string, since: number): { seconds: number; reused: boolean } {
  try {
    const st = JSON.parse(readFileSync(`${output}.inputs`, 'utf8')) as Partial<StepStamp>;
    return { seconds: typeof st.seconds === 'number' ? st.seconds : 0, reused: typeof st.madeAt !== 'number' || st.madeAt < since };
  } catch {
    return { seconds: 0, reused: false };
  }
}

/** Removes a step's stamp before its output is rewritten (so an interrupted rewrite is never taken as done). */
export function clearStep(output: string): void {
  rmSync(`${output}.inputs`, { force: true });
}

/**
 * Hypotheses decoded by earlier runs into the same work folder: (backend key, audio hash) → text, for decodes made by
 * the code `code` (the decoding module's `codeVersion`); decodes of other code are not reused (those not decoded since by
 * this code are counted in `otherCode`).
 */
export class DecodeCache {
  private readonly map = new Map<string, string>();
  /** Decodes (backend key, audio) found only as made by other code (or by an asrfair that did not record it): decoded again. */
  readonly otherCode: number = 0;
  constructor(
    private readonly file: string,
    private readonly code: string,
  ) {
    if (!existsSync(file)) return;
    const other = new Set<string>();
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      try {
        const r = JSON.parse(line) as { key?: unknown; audio?: unknown; text?: unknown; code?: unknown };
        if (typeof r.key !== 'string' || typeof r.audio !== 'string' || typeof r.text !== 'string') continue;
        if (r.code === code) this.map.set(`${r.key}\0${r.audio}`, r.text);
        else other.add(`${r.key}\0${r.audio}`);
      } catch {
        // a line cut short by an interruption: decoded again
      }
    }
    this.otherCode = [...other].filter((k) => !this.map.has(k)).length;
  }
  get(key: string, audio: string): string | undefined {
    return this.map.get(`${key}\0${audio}`);
  }
  put(key: string, audio: string, text: string): void {
    if (this.map.get(`${key}\0${audio}`) === text) return;
    this.map.set(`${key}\0${audio}`, text);
    // A line per decode, prefixed by a newline so a line cut short by an earlier interruption stays on its own.
    appendFileSync(this.file, `\n${JSON.stringify({ key, audio, code: this.code, text })}`);
  }
  get size(): number {
    return this.map.size;
  }
}
