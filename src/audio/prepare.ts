/**
 * The audio stage: any input → 16 kHz mono 16-bit PCM WAV of exactly one utterance (segment cut, condition applied),
 * cached under a name derived from (source content hash, segment, condition key, seed). Output is byte-identical run
 * to run: integer rounding without dither, bit-exact ffmpeg flags, seeded noise.
 */
import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AudioRef } from './types.ts';
import { loadManifest } from '../manifest/jsonl.ts';
import { AudioError } from './errors.ts';
import { InterruptedError } from '../manifest/errors.ts';
import { makeOutputDir } from '../manifest/output.ts';
import { applyCondition, conditionKey, parseCondition, type AudioSource, type ConditionSpec, type ConditionSpecInput } from './conditions.ts';
import { inspectSource, probeSource, readSource16k, wavFacts, type DecodeNotes } from './source.ts';
import { AUDIO_FLAGS, SILENT_DBFS, rmsDb, type AudioFlag, type SourceFacts } from './flags.ts';
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

/**
 * Bumped whenever decoding, resampling or a condition's DSP changes its output, so prepared-audio
 * caches made by an older version are not reused (the result store is keyed by the output's hash anyway).
 * 3: stereo mixed by `downmix` (loudest channel when channels cancel); source facts and flags in a sidecar.
 */
export const AUDIO_ALGORITHM_VERSION = 3;

/** What a prepared file's JSON sidecar holds: the flags and source facts of the preparation that made it. */
interface PreparedSidecar {
  flags: AudioFlag[];
  source: SourceFacts;
}

/** RMS level (dBFS) of little-endian int16 samples, without converting them to floats. */
function s16RmsDb(pcm: Buffer): number {
  const n = pcm.length >> 1;
  if (n === 0) return Number.NEGATIVE_INFINITY;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const v = pcm.readInt16LE(2 * i);
    s += v * v;
  }
  return 10 * Math.log10(s / n / 32768 ** 2);
}

/** A condition changed the audio, or a fault was fixed: the original file is not what should be recognised. */
const isAltered = (clean: boolean, flags: readonly AudioFlag[]): boolean => !clean || flags.includes('downmix-cancelled');

const probeMemo = new Map<string, ReturnType<typeof probeSource>>();

/** Finite dBFS for storage (JSON has no −Infinity): digital silence is −200 dBFS. */
const finiteDb = (db: number): number => Math.max(-200, Math.round(db * 100) / 100);

/**
 * Prepares one utterance's audio and verifies it: the source's header is checked against its data (see
 * `audio/flags.ts` for what fails and what is flagged), stereo that cancels in the mono mix falls back to its
 * loudest channel, and silence that preparation introduced is flagged. The returned `wav16k` is always this
 * verified file (the original only when it already is a well-formed 16 kHz mono 16-bit WAV with honest sizes).
 * Failures are AudioErrors naming the file and the utterance id.
 */
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

  // Fast path: already what backends want, honest header, nothing to cut or change: hash it, no copy. Only for a
  // `.wav` name without white space: pocketsphinx_batch finds files by `-cepext .wav` through a control
  // file that cannot carry spaces (speechocean762's `.WAV` files take the copy path below).
  const w = src.wav;
  if (
    clean && !hasSeg && /\.wav$/.test(path) && !/\s/.test(path) && w && w.canonical && isTarget16kMonoS16(w) && src.flags.length === 0 &&
    w.dataBytes === src.size - CANONICAL_HEADER_BYTES && w.declaredDataBytes === w.dataBytes && w.dataBytes % 2 === 0
  ) {
    const source: SourceFacts = wavFacts(w);
    const flags: AudioFlag[] = [];
    if (src.bytes) {
      const level = s16RmsDb(src.bytes.subarray(CANONICAL_HEADER_BYTES));
      source.peakChannelRmsDb = finiteDb(level);
      if (level < SILENT_DBFS) flags.push('source-silent');
    }
    return { ...base, wav16k: path, sha256: src.sha256, durationSec: w.dataBytes / 2 / TARGET_RATE, flags, source };
  }

  const seed = opts.seed ?? 0;
  const name = sha256(JSON.stringify([AUDIO_ALGORITHM_VERSION, src.sha256, start ?? null, end ?? null, ckey, clean ? null : seed])).slice(0, 40);
  const out = join(opts.cacheDir, `${name}.wav`);
  const side = `${out}.json`;
  try {
    const bytes = await readFile(out);
    const meta = JSON.parse(await readFile(side, 'utf8')) as PreparedSidecar;
    if (bytes.length > CANONICAL_HEADER_BYTES) {
      return {
        ...base, wav16k: out, sha256: sha256(bytes), durationSec: (bytes.length - CANONICAL_HEADER_BYTES) / 2 / TARGET_RATE,
        flags: meta.flags, source: meta.source, ...(isAltered(clean, meta.flags) ? { altered: true } : {}),
      };
    }
  } catch {
    /* not cached (or made without its sidecar): prepare again */
  }

  // Registered as created by this command: an interrupted or failed command removes it again if it stayed empty.
  makeOutputDir(opts.cacheDir, 'audio cache folder');
  const notes: DecodeNotes = { flags: new Set(src.flags) };
  let samples = await readSource16k(src, { start, end }, opts.cacheDir, id, notes);
  let source: SourceFacts;
  if (w) source = wavFacts(w);
  else {
    let probe = probeMemo.get(src.sha256);
    if (!probe) {
      probe = probeSource(path, id);
      probeMemo.set(src.sha256, probe);
      probe.catch(() => probeMemo.delete(src.sha256));
      if (probeMemo.size > 10_000) probeMemo.clear();
    }
    source = { ...(await probe), ...(notes.decodedSec !== undefined ? { dataDurationSec: notes.decodedSec } : {}) };
    const h = source.headerDurationSec;
    const d = source.dataDurationSec;
    if (h !== undefined && d !== undefined && Math.abs(h - d) > 0.5 && Math.abs(h - d) > 0.1 * h) notes.flags.add('duration-mismatch');
  }
  const cleanDb = rmsDb(samples);
  const sourceDb = notes.peakChannelRmsDb ?? cleanDb;
  source.peakChannelRmsDb = finiteDb(sourceDb);
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
      if (e instanceof AudioError || e instanceof InterruptedError) throw e;
      throw new AudioError(path, id, `condition ${spec.name} (${ckey}) failed: ${(e as Error).message}`);
    }
  }
  if (samples.length === 0) throw new AudioError(path, id, 'no samples after decoding');
  if (sourceDb < SILENT_DBFS) notes.flags.add('source-silent');
  else if (rmsDb(samples) < SILENT_DBFS) notes.flags.add('prepared-silent');
  const flags = AUDIO_FLAGS.filter((f) => notes.flags.has(f));
  const bytes = encodeWav16(floatToS16(samples).bytes);
  const tag = `${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(`${side}.${tag}`, JSON.stringify({ flags, source } satisfies PreparedSidecar));
  await rename(`${side}.${tag}`, side);
  await writeFile(`${out}.${tag}`, bytes);
  await rename(`${out}.${tag}`, out);
  return { ...base, wav16k: out, sha256: sha256(bytes), durationSec: samples.length / TARGET_RATE, flags, source, ...(isAltered(clean, flags) ? { altered: true } : {}) };
}
