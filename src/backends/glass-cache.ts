import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { codeVersion, debianVersion } from './code-version.ts';

/** The version of the glass box's decoders: their modules' `codeVersion` and Debian's pocketsphinx version. */
export function glassDecoderCode(): string {
  return `${codeVersion(['backends/pocketsphinx-glass.ts', 'backends/pocketsphinx.ts'])}; pocketsphinx ${debianVersion('pocketsphinx')}`;
}

/**
 * Per-utterance results of the glass box's decoder passes (phone loop, forced alignment, word decoding), kept on
 * disk as each chunk of utterances finishes, so an interrupted `asrfair glass` loses only the chunks that were
 * running and a rerun decodes only what is missing. A result is keyed by the pass, its settings and model files
 * (`config`, model contents hashed by the caller), what else the utterance brings (`extra`: the alignment grammar's
 * pronunciations), the sha256 of the 16 kHz audio's bytes and the version of the code that decodes (`code`: the decoder
 * modules' `codeVersion` and Debian's pocketsphinx version): a changed model, grammar, recording or decoder code (an
 * upgraded asrfair or pocketsphinx) is a new key.
 * Only successful results are kept (a failure is decoded again, with its own reason).
 * Layout: `<dir>/<2 hex>/<sha256>.json`, written to a temporary name and renamed (no half-written entry).
 */
export class GlassResultCache {
  /** Results found, per pass (`get` with its pass). */
  readonly reused = new Map<string, number>();

  /**
   * `dir`: the cache folder. `code`: the version of the code whose results it keeps, part of every key (default
   * `glassDecoderCode()`); results another code version put there are not found.
   */
  constructor(
    readonly dir: string,
    readonly code: string = glassDecoderCode(),
  ) {}

  /**
   * The key of one utterance's result (sha256 hex). The audio is identified by `sha256` (the audio stage's hash of
   * the prepared WAV) when given, else by hashing `wav`'s bytes; throws the file system's error for a missing `wav`.
   */
  key(pass: string, config: unknown, extra: unknown, audio: { wav: string; sha256?: string }): string {
    const bytes = audio.sha256 || createHash('sha256').update(readFileSync(audio.wav)).digest('hex');
    return createHash('sha256').update(JSON.stringify([pass, config, extra, bytes, this.code])).digest('hex');
  }

  /** The kept result, or undefined (none, or unreadable: decoded again). A hit is counted under `pass`. */
  get<T>(key: string, pass?: string): T | undefined {
    let value: T | undefined;
    try {
      value = (JSON.parse(readFileSync(this.path(key), 'utf8')) as { value: T }).value;
    } catch {
      return undefined;
    }
    if (pass !== undefined && value !== undefined) this.reused.set(pass, (this.reused.get(pass) ?? 0) + 1);
    return value;
  }

  put(key: string, value: unknown): void {
    const p = this.path(key);
    mkdirSync(join(this.dir, key.slice(0, 2)), { recursive: true });
    const tmp = `${p}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ value }));
    renameSync(tmp, p);
  }

  private path(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }
}
