/**
 * Reuse of finished `adapt` steps on a rerun (after Ctrl-C, or with other flags): each step's output is stamped, after
 * it finished, with a hash of its inputs (`<output>.inputs`); a later run skips the step when the stamp matches and
 * redoes it otherwise. A step cut short leaves no stamp, so its half-written output is never used. Decodes are kept in
 * `<work>/decodes.jsonl`, keyed by the backend's key (which hashes the model files' contents) and the audio's hash.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

/** sha256 (hex) of a JSON value: the identity of a step's inputs. */
export function inputsHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

/** True when `output` exists and was stamped with `hash` after it was finished. */
export function stepDone(output: string, hash: string): boolean {
  try {
    return existsSync(output) && readFileSync(`${output}.inputs`, 'utf8') === hash;
  } catch {
    return false;
  }
}

/** Stamps a finished step's output with its inputs' hash. */
export function markStepDone(output: string, hash: string): void {
  writeFileSync(`${output}.inputs`, hash);
}

/** Removes a step's stamp before its output is rewritten (so an interrupted rewrite is never taken as done). */
export function clearStep(output: string): void {
  rmSync(`${output}.inputs`, { force: true });
}

/** Hypotheses decoded by earlier runs into the same work folder: (backend key, audio hash) → text. */
export class DecodeCache {
  private readonly map = new Map<string, string>();
  constructor(private readonly file: string) {
    if (!existsSync(file)) return;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      try {
        const r = JSON.parse(line) as { key?: unknown; audio?: unknown; text?: unknown };
        if (typeof r.key === 'string' && typeof r.audio === 'string' && typeof r.text === 'string') this.map.set(`${r.key}\0${r.audio}`, r.text);
      } catch {
        // a line cut short by an interruption: decoded again
      }
    }
  }
  get(key: string, audio: string): string | undefined {
    return this.map.get(`${key}\0${audio}`);
  }
  put(key: string, audio: string, text: string): void {
    if (this.map.get(`${key}\0${audio}`) === text) return;
    this.map.set(`${key}\0${audio}`, text);
    // A line per decode, prefixed by a newline so a line cut short by an earlier interruption stays on its own.
    appendFileSync(this.file, `\n${JSON.stringify({ key, audio, text })}`);
  }
  get size(): number {
    return this.map.size;
  }
}
