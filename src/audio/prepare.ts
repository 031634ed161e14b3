/**
 * The audio stage: any input → 16 kHz mono 16-bit PCM WAV of exactly one utterance (segment cut, condition applied),
 * cached under a name derived from (source content hash, segment, condition key, seed). Output is byte-identical run
 * to run: integer rounding without dither, bit-exact ffmpeg flags, seeded noise.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AudioRef } from '../backends/types.ts';
import { loadManifest } from '../manifest/jsonl.ts';
import { AudioError } from './errors.ts';
import { applyCondition, conditionKey, parseCondition, type AudioSource, type ConditionSpec, type ConditionSpecInput } from './conditions.ts';
import { inspectSource, readSource16k } from './source.ts';
import { CANONICAL_HEADER_BYTES, TARGET_RATE, encodeWav16, floatToS16, isTarget16kMonoS16 } from './wav.ts';

export interface PrepareEntry {
  id: string;
  audioPath: string;
  start?: number;
  end?: number;
}

export interface PrepareOptions {
  cacheDir: string;
  condition?: ConditionSpec | ConditionSpecInput;
  /** Seed of the condition's random parts (noise, babble choice, room); default 0. */
  seed?: number;
}

function sha256(b: Buffer | string): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Decodes another source for babble (no condition, same cache). */
export async function decodeSource16k(src: AudioSource, cacheDir: string, id?: string): Promise<Float64Array> {
  const info = await inspectSource(src.path, id);
  return readSource16k(info, { start: src.start, end: src.end }, cacheDir, id);
}

const manifestSourceCache = new Map<string, Promise<AudioSource[]>>();
function manifestSources(manifest: string): Promise<AudioSource[]> {
  let p = manifestSourceCache.get(manifest);
  if (!p) {
    p = loadManifest(manifest).then((es) => es.map((e) => ({ path: e.audioPath, start: e.start, end: e.end })));
    manifestSourceCache.set(manifest, p);
  }
  return p;
}

/** Prepares one utterance's audio; failures are AudioError naming the file and the utterance id. */
/**
 * Bumped whenever decoding, resampling or a condition's DSP changes its output, so prepared-audio
 * caches made by an older version are not reused (the result store is keyed by the output's hash anyway).
 */
export const AUDIO_ALGORITHM_VERSION = 2;

export async function prepareAudio(entry: PrepareEntry, opts: PrepareOptions): Promise<AudioRef> {
  const { id, audioPath: path, start, end } = entry;
  let spec: ConditionSpec | undefined;
  try {
    spec = opts.condition ? parseCondition(opts.condition) : undefined;
  } catch (e) {
    throw new AudioError(path, id, (e as Error).message);
  }
  const ckey = spec ? conditionKey(spec) : 'clean';
  const clean = ckey === 'clean';
  const hasSeg = start !== undefined || end !== undefined;
  const src = await inspectSource(path, id);
  const base = { id, path, ...(start !== undefined ? { start } : {}), ...(end !== undefined ? { end } : {}) };

  // Fast path: already what backends want, nothing to cut or change: hash it, no copy. Only for a
  // `.wav` name without white space: pocketsphinx_batch finds files by `-cepext .wav` through a control
  // file that cannot carry spaces (speechocean762's `.WAV` files took the copy path below).
  const w = src.wav;
  if (clean && !hasSeg && /\.wav$/.test(path) && !/\s/.test(path) && w && w.canonical && isTarget16kMonoS16(w) && w.dataBytes === src.size - CANONICAL_HEADER_BYTES && w.dataBytes % 2 === 0) {
    return { ...base, wav16k: path, sha256: src.sha256, durationSec: w.dataBytes / 2 / TARGET_RATE };
  }

  const seed = opts.seed ?? 0;
  const name = sha256(JSON.stringify([AUDIO_ALGORITHM_VERSION, src.sha256, start ?? null, end ?? null, ckey, clean ? null : seed])).slice(0, 40);
  const out = join(opts.cacheDir, `${name}.wav`);
  try {
    const bytes = await readFile(out);
    if (bytes.length > CANONICAL_HEADER_BYTES) {
      return { ...base, wav16k: out, sha256: sha256(bytes), durationSec: (bytes.length - CANONICAL_HEADER_BYTES) / 2 / TARGET_RATE };
    }
  } catch {
    /* not cached */
  }

  await mkdir(opts.cacheDir, { recursive: true });
  let samples = await readSource16k(src, { start, end }, opts.cacheDir, id);
  if (spec && !clean) {
    try {
      samples = await applyCondition(samples, spec, {
        seedKey: `${seed}|${src.sha256}|${start ?? ''}|${end ?? ''}`,
        seed,
        tmpDir: opts.cacheDir,
        decode: (s) => decodeSource16k(s, opts.cacheDir, id),
        manifestSources,
        selfPath: path,
      });
    } catch (e) {
      if (e instanceof AudioError) throw e;
      throw new AudioError(path, id, `condition ${spec.name} (${ckey}) failed: ${(e as Error).message}`);
    }
  }
  if (samples.length === 0) throw new AudioError(path, id, 'no samples after decoding');
  const bytes = encodeWav16(floatToS16(samples).bytes);
  const tmp = `${out}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, out);
  return { ...base, wav16k: out, sha256: sha256(bytes), durationSec: samples.length / TARGET_RATE };
}
