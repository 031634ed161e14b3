/**
 * Audio quality covariates, computed on the 16 kHz mono signal the recognisers hear.
 *
 * - clippingRatio: fraction of samples at |x| ≥ 0.999 of full scale (after the mono mix; a clipped single channel of
 *   a stereo file can be under-counted).
 * - Frame powers use 25 ms frames with a 10 ms hop.
 * - silenceRatio: fraction of frames that are more than 35 dB below the 90th-percentile frame, or below −60 dBFS.
 * - snrDb (energy-percentile estimate): noise floor N = 10th-percentile frame power, speech-plus-noise S = 90th
 *   percentile; snrDb = 10·log10((S − N) / N), with N floored at −100 dBFS. Rough (it assumes at least 10% of the
 *   frames are pauses and 10% speech) but cheap, monotone in the true SNR and comparable across groups.
 */
import { inspectSource, probeSource, readSource16k, type Segment } from './source.ts';
import type { AudioFlag, SourceFacts } from './flags.ts';
import type { AudioRef } from './types.ts';
import { TARGET_RATE } from './wav.ts';
import { tmpdir } from 'node:os';

export interface AudioQC {
  /** Seconds of audio (of the segment, when one is given). */
  durationSec: number;
  /** Of the SOURCE file (not the 16 kHz mono copy), so 8 kHz telephone audio can be told apart. */
  sampleRate: number;
  channels: number;
  /** What the audio stage measured on the source: codec, durations from header and from data, loudest channel. */
  source?: SourceFacts;
  /** Faults that left the utterance scored (see `audio/flags.ts`); empty when none. */
  flags?: AudioFlag[];
  clippingRatio: number;
  silenceRatio: number;
  snrDb: number;
}

const FRAME = 400;
const HOP = 160;

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
}

export function qcSamples(x: Float64Array): Pick<AudioQC, 'clippingRatio' | 'silenceRatio' | 'snrDb'> {
  let clipped = 0;
  for (let i = 0; i < x.length; i++) if (Math.abs(x[i]) >= 0.999) clipped++;
  const frames: number[] = [];
  for (let s = 0; s + FRAME <= x.length || (s === 0 && x.length > 0); s += HOP) {
    const e = Math.min(s + FRAME, x.length);
    let p = 0;
    for (let i = s; i < e; i++) p += x[i] * x[i];
    frames.push(p / (e - s));
    if (e === x.length) break;
  }
  const sorted = Float64Array.from(frames).sort();
  const floor = 1e-10;
  const p90 = percentile(sorted, 0.9);
  const p10 = Math.max(percentile(sorted, 0.1), floor);
  const silentBelow = Math.max(1e-6, p90 / 10 ** 3.5);
  const silent = frames.filter((p) => p < silentBelow).length;
  return {
    clippingRatio: x.length ? clipped / x.length : 0,
    silenceRatio: frames.length ? silent / frames.length : 1,
    snrDb: 10 * Math.log10(Math.max(p90 - p10, floor) / p10),
  };
}

/** QC of an audio file (or a segment of it). Throws AudioError for missing/corrupt audio. */
export async function qcAudio(path: string, seg: Segment & { id?: string } = {}, cacheDir: string = tmpdir()): Promise<AudioQC> {
  const src = await inspectSource(path, seg.id);
  let sampleRate: number;
  let channels: number;
  if (src.wav) ({ sampleRate, channels } = src.wav);
  else {
    ({ sampleRate, channels } = await probeSource(path, seg.id));
  }
  const x = await readSource16k(src, seg, cacheDir, seg.id);
  return { durationSec: x.length / TARGET_RATE, sampleRate, channels, ...qcSamples(x) };
}

/**
 * QC of the prepared audio a backend receives, completed with what the audio stage measured on its source: rate
 * and channels become the source's, and the source facts and flags are attached (stored with the QC).
 */
export function withSourceFacts(qc: AudioQC, audio: Pick<AudioRef, 'source' | 'flags'>): AudioQC {
  if (!audio.source) return { ...qc, flags: audio.flags ?? qc.flags ?? [] };
  return { ...qc, sampleRate: audio.source.sampleRate, channels: audio.source.channels, source: audio.source, flags: audio.flags ?? [] };
}

