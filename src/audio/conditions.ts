/**
 * Conditions: named, seeded, deterministic chains of "last mile" perturbations applied to 16 kHz mono audio.
 *
 * Sample-level steps (noise, babble, hum, reverb, gain, clip, telephone band + µ-law, speed by resampling) run in JS
 * on float samples: levels are exact and no process is spawned. Real codecs (opus, mp3, gsm, amr-nb) and tempo
 * change (atempo) run through ffmpeg with bit-exact flags.
 *
 * SNR convention (noise, babble, hum with snrDb): noise is scaled so that
 *   10·log10(P_speech / P_noise) = snrDb, with P_noise the mean power of the added noise over the whole utterance and
 *   P_speech either
 *   - `reference: 'active'` (default): mean power of the *active* 20 ms frames of the utterance, i.e. frames whose
 *     power is within 30 dB of the 90th-percentile frame. Leading/trailing silence therefore does not change the
 *     noise level, so corpora (and groups) with more padding are not given easier conditions; or
 *   - `reference: 'full'`: mean power over all samples (the textbook definition; exact to measure).
 */
import { z } from 'zod';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { unlink } from 'node:fs/promises';
import { Prng, hashString } from './prng.ts';
import { FftConvolver } from './fft.ts';
import { runFfmpeg, ffmpegEncoders, soxr } from './ffmpeg.ts';
import { floatToS16, s16ToFloat, TARGET_RATE } from './wav.ts';
import { canResample, resample } from './resample.ts';
import { telephoneChannel } from './telephone.ts';

const snrReference = z.enum(['active', 'full']).default('active');

const NoiseStep = z.object({
  type: z.literal('noise'),
  color: z.enum(['white', 'pink']).default('white'),
  snrDb: z.number(),
  reference: snrReference,
}).strict();
const BabbleStep = z
  .object({
    type: z.literal('babble'),
    snrDb: z.number(),
    talkers: z.number().int().min(1).max(64).default(4),
    /** WAV (or any audio) files to draw talkers from … */
    sources: z.array(z.string().min(1)).optional(),
    /** … or a JSONL manifest whose utterances are the talkers. */
    manifest: z.string().min(1).optional(),
    reference: snrReference,
  })
  .strict()
  .refine((s) => (s.sources?.length ?? 0) > 0 || s.manifest !== undefined, 'babble needs `sources` (audio paths) or `manifest`');
const HumStep = z
  .object({
    type: z.literal('hum'),
    frequency: z.number().positive().max(1000).default(50),
    harmonics: z.number().int().min(1).max(40).default(5),
    /** Hum RMS relative to full scale 1.0 (a full-scale sine is −3 dBFS) … */
    levelDbfs: z.number().max(0).optional(),
    /** … or relative to the speech, like noise. */
    snrDb: z.number().optional(),
    reference: snrReference,
  })
  .strict()
  .refine((s) => (s.levelDbfs === undefined) !== (s.snrDb === undefined), 'hum needs exactly one of levelDbfs or snrDb');
const TelephoneStep = z.object({
  type: z.literal('telephone'),
  low: z.number().positive().default(300),
  high: z.number().positive().max(4000).default(3400),
  mulaw: z.boolean().default(true),
}).strict();
const CodecStep = z.object({
  type: z.literal('codec'),
  codec: z.enum(['opus', 'mp3', 'gsm', 'amr-nb']),
  /** Ignored by gsm (fixed 13 kbit/s). Defaults: opus 12, mp3 32, amr-nb 12.2. */
  bitrateKbps: z.number().positive().optional(),
}).strict();
const ReverbStep = z.object({
  type: z.literal('reverb'),
  /** Time for the synthetic room's impulse response to decay by 60 dB, seconds. */
  rt60: z.number().positive().max(5),
  /** Direct-to-reverberant energy ratio of the impulse response, dB. */
  drrDb: z.number().default(0),
}).strict();
const SpeedStep = z.object({
  type: z.literal('speed'),
  factor: z.number().min(0.5).max(2),
  /**
   * 'resample' (default): tape-style speed change, pitch moves with it (asetrate + soxr resample; Kaldi's
   * speed perturbation). 'tempo': duration changes, pitch kept (ffmpeg atempo, WSOLA).
   */
  mode: z.enum(['resample', 'tempo']).default('resample'),
}).strict();
const GainStep = z.object({ type: z.literal('gain'), db: z.number().min(-96).max(60) }).strict();
const ClipStep = z.object({
  type: z.literal('clip'),
  /** Hard-clip level as a fraction of full scale. */
  level: z.number().positive().max(1),
}).strict();

export const ConditionStepSchema = z.discriminatedUnion('type', [
  NoiseStep,
  BabbleStep,
  HumStep,
  TelephoneStep,
  CodecStep,
  ReverbStep,
  SpeedStep,
  GainStep,
  ClipStep,
]);
export type ConditionStep = z.output<typeof ConditionStepSchema>;
export type ConditionStepInput = z.input<typeof ConditionStepSchema>;

/** Strict like the rest of the suite: an unknown key (a typo such as `lowHz`, `bitrate`) is an error, never ignored. */
export const ConditionSpecSchema = z
  .object({
    name: z.string().min(1),
    steps: z.array(ConditionStepSchema).default([]),
  })
  .strict();
/** A parsed condition (defaults filled in). */
export type ConditionSpec = z.output<typeof ConditionSpecSchema>;
export type ConditionSpecInput = z.input<typeof ConditionSpecSchema>;

export function parseCondition(input: unknown): ConditionSpec {
  const r = ConditionSpecSchema.safeParse(input);
  if (!r.success) {
    const msg = r.error.issues.map((i) => `${i.path.join('.') || '(condition)'}: ${i.message}`).join('; ');
    throw new Error(`invalid condition: ${msg}`);
  }
  return r.data;
}

function stepKey(step: ConditionStep): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(step).sort(([a], [b]) => a.localeCompare(b))) {
    if (k === 'type' || v === undefined) continue;
    if (k === 'sources' && Array.isArray(v)) {
      parts.push(`sources=${createHash('sha256').update([...v].sort().join('\n')).digest('hex').slice(0, 12)}`);
    } else parts.push(`${k}=${String(v)}`);
  }
  return `${step.type}(${parts.join(',')})`;
}

/**
 * Stable, content-derived key of a condition: same steps and parameters (after defaults) → same key, whatever the
 * name or property order. No steps → "clean". Part of cache file names and result-store keys.
 */
export function conditionKey(spec: ConditionSpecInput | ConditionSpec): string {
  const parsed = parseCondition(spec);
  return parsed.steps.length === 0 ? 'clean' : parsed.steps.map(stepKey).join('+');
}

export interface AudioSource {
  path: string;
  start?: number;
  end?: number;
}

export interface ConditionContext {
  /** String mixed into every step's PRNG seed (the prepare stage passes seed + source content hash + segment). */
  seedKey: string;
  /**
   * The run's seed alone. Reverb draws its room from this (not from seedKey), so every utterance of a run is heard
   * in the same room: group comparisons are not confounded by which random room a group happened to get.
   */
  seed?: number;
  /** Folder for codec round-trip files (deleted after use). */
  tmpDir: string;
  /** Decodes another audio source to 16 kHz mono (for babble). */
  decode(src: AudioSource): Promise<Float64Array>;
  /** Loads babble sources from a manifest path. */
  manifestSources?(manifest: string): Promise<AudioSource[]>;
  /** The utterance's own file, excluded from its babble. */
  selfPath?: string;
}

const FRAME = 320; // 20 ms at 16 kHz

export function meanPower(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return x.length ? s / x.length : 0;
}

/** Mean power of the active frames (within 30 dB of the 90th-percentile frame power); see the file comment. */
export function activePower(x: Float64Array): number {
  const n = Math.floor(x.length / FRAME);
  if (n < 3) return meanPower(x);
  const p = new Float64Array(n);
  for (let f = 0; f < n; f++) {
    let s = 0;
    for (let i = f * FRAME; i < (f + 1) * FRAME; i++) s += x[i] * x[i];
    p[f] = s / FRAME;
  }
  const sorted = Float64Array.from(p).sort();
  const thr = sorted[Math.floor(0.9 * (n - 1))] / 1000;
  let sum = 0;
  let cnt = 0;
  for (let f = 0; f < n; f++) {
    if (p[f] >= thr) {
      sum += p[f];
      cnt++;
    }
  }
  return cnt ? sum / cnt : 0;
}

function speechPower(x: Float64Array, reference: 'active' | 'full'): number {
  const p = reference === 'full' ? meanPower(x) : activePower(x);
  if (!(p > 0)) throw new Error('cannot set a signal-to-noise ratio on silent audio (speech power is 0)');
  return p;
}

/** Adds `noise` scaled so that speech/noise power is exactly snrDb. */
function mixAtSnr(x: Float64Array, noise: Float64Array, snrDb: number, reference: 'active' | 'full'): Float64Array {
  const pn = meanPower(noise);
  if (!(pn > 0)) throw new Error('noise source is silent');
  const g = Math.sqrt(speechPower(x, reference) / (pn * 10 ** (snrDb / 10)));
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] + g * noise[i];
  return out;
}

export function whiteNoise(n: number, rng: Prng): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.gaussian();
  return out;
}

/** Pink (1/f) noise: Paul Kellett's refined filter on white Gaussian noise (±0.05 dB from 9 Hz to Nyquist at 44.1k). */
export function pinkNoise(n: number, rng: Prng): Float64Array {
  const out = new Float64Array(n);
  let b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0;
  for (let i = 0; i < n; i++) {
    const w = rng.gaussian();
    b0 = 0.99886 * b0 + w * 0.0555179;
    b1 = 0.99332 * b1 + w * 0.0750759;
    b2 = 0.969 * b2 + w * 0.153852;
    b3 = 0.8665 * b3 + w * 0.3104856;
    b4 = 0.55 * b4 + w * 0.5329522;
    b5 = -0.7616 * b5 - w * 0.016898;
    out[i] = b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362;
    b6 = w * 0.115926;
  }
  return out;
}

function hum(n: number, step: z.output<typeof HumStep>, rng: Prng): Float64Array {
  const out = new Float64Array(n);
  for (let k = 1; k <= step.harmonics; k++) {
    const f = step.frequency * k;
    if (f >= TARGET_RATE / 2) break;
    const phase = 2 * Math.PI * rng.next();
    const w = (2 * Math.PI * f) / TARGET_RATE;
    for (let i = 0; i < n; i++) out[i] += Math.sin(w * i + phase) / k;
  }
  return out;
}

/** Synthetic room: a unit direct path followed by exponentially decaying Gaussian noise (60 dB down at rt60). */
export function reverbImpulse(rt60: number, drrDb: number, rng: Prng): Float64Array {
  const len = Math.max(2, Math.ceil(rt60 * TARGET_RATE));
  const h = new Float64Array(len);
  const decay = Math.log(1000) / (rt60 * TARGET_RATE);
  let tail = 0;
  for (let i = 1; i < len; i++) {
    h[i] = rng.gaussian() * Math.exp(-decay * i);
    tail += h[i] * h[i];
  }
  const g = Math.sqrt(10 ** (-drrDb / 10) / tail);
  for (let i = 1; i < len; i++) h[i] *= g;
  h[0] = 1;
  return h;
}

/**
 * Rooms by (run seed, step position, step key): every utterance of a run uses the same room, so its impulse response
 * and the response's spectra are computed once.
 */
const rooms = new Map<string, FftConvolver>();

function room(key: string, step: z.output<typeof ReverbStep>): FftConvolver {
  let r = rooms.get(key);
  if (!r) {
    r = new FftConvolver(reverbImpulse(step.rt60, step.drrDb, new Prng(hashString(key))));
    if (rooms.size >= 8) rooms.clear();
    rooms.set(key, r);
  }
  return r;
}

let tmpCounter = 0;
function tmpName(dir: string, ext: string): string {
  return join(dir, `.cond-${process.pid}-${Date.now().toString(36)}-${tmpCounter++}.${ext}`);
}

async function viaFfmpeg(x: Float64Array, filters: string, rateOut = TARGET_RATE): Promise<Float64Array> {
  const out = await runFfmpeg({
    input: floatToS16(x).bytes,
    rawRate: TARGET_RATE,
    outputOptions: ['-af', filters, '-ar', String(rateOut), '-ac', '1', '-c:a', 'pcm_s16le'],
    format: 's16le',
  });
  return s16ToFloat(out);
}

/** Pads with zeros or trims so codec round trips keep the utterance's exact length (and word times). */
function fitLength(x: Float64Array, n: number): Float64Array {
  if (x.length === n) return x;
  const out = new Float64Array(n);
  out.set(x.subarray(0, Math.min(n, x.length)));
  return out;
}

/** The ffmpeg encoder each `codec` step needs (`ffmpeg -encoders` must list it). */
export const CODEC_ENCODERS: Readonly<Record<z.output<typeof CodecStep>['codec'], string>> = {
  opus: 'libopus',
  mp3: 'libmp3lame',
  gsm: 'libgsm',
  'amr-nb': 'libopencore_amrnb',
};

/** The message of a codec whose ffmpeg encoder this machine lacks (the same at suite load and at prepare time). */
export function missingEncoderMessage(codec: string, encoder: string): string {
  return `codec ${codec} needs the ffmpeg encoder ${encoder}, which this machine's ffmpeg does not have (\`ffmpeg -encoders\` does not list it; install an ffmpeg built with it, or remove the condition)`;
}

/** A codec step whose encoder this machine's ffmpeg lacks: where it is (condition and step index) and what is missing. */
export interface MissingEncoder {
  condition: number;
  step: number;
  codec: string;
  encoder: string;
}

/**
 * The codec steps of `conditions` (raw specs, as in a suite: `{ steps: [...] }`) whose ffmpeg encoder `ffmpeg -encoders`
 * does not list, in order. Steps that are not codec steps, or not valid, are skipped (the schema reports those).
 * Errors: ffmpeg cannot be run.
 */
export async function missingEncoders(conditions: ReadonlyArray<{ steps?: unknown }>): Promise<MissingEncoder[]> {
  const out: MissingEncoder[] = [];
  let have: Set<string> | undefined;
  for (const [ci, c] of conditions.entries()) {
    const steps = Array.isArray(c.steps) ? c.steps : [];
    for (const [si, st] of steps.entries()) {
      const parsed = CodecStep.safeParse(st);
      if (!parsed.success) continue;
      have ??= await ffmpegEncoders();
      const encoder = CODEC_ENCODERS[parsed.data.codec];
      if (!have.has(encoder)) out.push({ condition: ci, step: si, codec: parsed.data.codec, encoder });
    }
  }
  return out;
}

async function codecRoundTrip(x: Float64Array, step: z.output<typeof CodecStep>, tmpDir: string): Promise<Float64Array> {
  const encoders = await ffmpegEncoders();
  const need = CODEC_ENCODERS[step.codec];
  if (!encoders.has(need)) throw new Error(missingEncoderMessage(step.codec, need));
  const cfg = {
    opus: { ext: 'ogg', fmt: 'ogg', rate: 16000, opts: ['-c:a', 'libopus', '-b:a', `${step.bitrateKbps ?? 12}k`, '-application', 'voip'] },
    mp3: { ext: 'mp3', fmt: 'mp3', rate: 16000, opts: ['-c:a', 'libmp3lame', '-b:a', `${step.bitrateKbps ?? 32}k`] },
    gsm: { ext: 'gsm', fmt: 'gsm', rate: 8000, opts: ['-c:a', 'libgsm'] },
    'amr-nb': { ext: 'amr', fmt: 'amr', rate: 8000, opts: ['-c:a', 'libopencore_amrnb', '-b:a', `${step.bitrateKbps ?? 12.2}k`] },
  }[step.codec];
  const file = tmpName(tmpDir, cfg.ext);
  try {
    await runFfmpeg({
      input: floatToS16(x).bytes,
      rawRate: TARGET_RATE,
      outputOptions: ['-af', soxr(cfg.rate), '-ar', String(cfg.rate), '-ac', '1', ...cfg.opts],
      format: cfg.fmt,
      output: file,
    });
    const decoded = await runFfmpeg({
      input: file,
      inputFormat: cfg.fmt === 'gsm' ? 'gsm' : undefined,
      outputOptions: ['-af', soxr(TARGET_RATE), '-ar', String(TARGET_RATE), '-ac', '1', '-c:a', 'pcm_s16le'],
      format: 's16le',
    });
    return fitLength(s16ToFloat(decoded), x.length);
  } finally {
    await unlink(file).catch(() => undefined);
  }
}

const babbleCache = new Map<string, Float64Array>();

async function babble(x: Float64Array, step: z.output<typeof BabbleStep>, ctx: ConditionContext, rng: Prng): Promise<Float64Array> {
  let pool: AudioSource[] = (step.sources ?? []).map((path) => ({ path }));
  if (step.manifest) {
    if (!ctx.manifestSources) throw new Error('babble from a manifest is not available here');
    pool = pool.concat(await ctx.manifestSources(step.manifest));
  }
  pool = pool.filter((s) => s.path !== ctx.selfPath);
  if (pool.length === 0) throw new Error('babble has no talkers other than the utterance itself');
  const mix = new Float64Array(x.length);
  for (let t = 0; t < step.talkers; t++) {
    const src = pool[rng.int(pool.length)];
    const key = `${src.path}|${src.start ?? ''}|${src.end ?? ''}`;
    let talker = babbleCache.get(key);
    if (!talker) {
      talker = await ctx.decode(src);
      if (babbleCache.size > 256) babbleCache.clear();
      babbleCache.set(key, talker);
    }
    const p = activePower(talker);
    if (!(p > 0) || talker.length === 0) continue;
    const g = 1 / Math.sqrt(p);
    const off = rng.int(talker.length);
    for (let i = 0; i < x.length; i++) mix[i] += g * talker[(off + i) % talker.length];
  }
  return mixAtSnr(x, mix, step.snrDb, step.reference);
}

/** Applies a condition chain to a 16 kHz mono signal. Throws a plain Error with a clear message on failure. */
export async function applyCondition(x: Float64Array, spec: ConditionSpec, ctx: ConditionContext): Promise<Float64Array> {
  let y = x;
  for (let i = 0; i < spec.steps.length; i++) {
    const step = spec.steps[i];
    const rng = new Prng(hashString(`${ctx.seedKey}|${i}|${stepKey(step)}`));
    switch (step.type) {
      case 'noise': {
        const n = step.color === 'pink' ? pinkNoise(y.length, rng) : whiteNoise(y.length, rng);
        y = mixAtSnr(y, n, step.snrDb, step.reference);
        break;
      }
      case 'babble':
        y = await babble(y, step, ctx, rng);
        break;
      case 'hum': {
        const h = hum(y.length, step, rng);
        if (step.snrDb !== undefined) y = mixAtSnr(y, h, step.snrDb, step.reference);
        else {
          const g = Math.sqrt(10 ** (step.levelDbfs! / 10) / meanPower(h));
          const out = new Float64Array(y.length);
          for (let k = 0; k < y.length; k++) out[k] = y[k] + g * h[k];
          y = out;
        }
        break;
      }
      case 'telephone':
        y = telephoneChannel(y, step.low, step.high, step.mulaw);
        break;
      case 'codec':
        y = await codecRoundTrip(y, step, ctx.tmpDir);
        break;
      case 'reverb': {
        const before = meanPower(y);
        const wet = room(`${ctx.seed ?? 0}|${i}|${stepKey(step)}`, step).apply(y);
        const after = meanPower(wet);
        // Keep the level: reverberation should not double as a gain change.
        const g = after > 0 ? Math.sqrt(before / after) : 1;
        for (let k = 0; k < wet.length; k++) wet[k] *= g;
        y = wet;
        break;
      }
      case 'speed':
        y =
          step.mode === 'tempo'
            ? await viaFfmpeg(y, `atempo=${step.factor}`)
            : canResample(Math.round(TARGET_RATE * step.factor), TARGET_RATE)
              ? resample(y, Math.round(TARGET_RATE * step.factor), TARGET_RATE)
              : await viaFfmpeg(y, `asetrate=${Math.round(TARGET_RATE * step.factor)},${soxr(TARGET_RATE)}`);
        break;
      case 'gain': {
        const g = 10 ** (step.db / 20);
        const out = new Float64Array(y.length);
        for (let k = 0; k < y.length; k++) out[k] = y[k] * g;
        y = out;
        break;
      }
      case 'clip': {
        const l = step.level;
        const out = new Float64Array(y.length);
        for (let k = 0; k < y.length; k++) out[k] = y[k] > l ? l : y[k] < -l ? -l : y[k];
        y = out;
        break;
      }
    }
  }
  return y;
}
