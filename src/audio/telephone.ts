/**
 * Telephone channel in JS (exact, no process spawn): band-pass with two RBJ-cookbook 2-pole high-pass and two
 * low-pass sections (Q = 1/√2, the same filters as ffmpeg's highpass/lowpass), resample to 8 kHz, G.711 µ-law
 * encode/decode, resample back to 16 kHz.
 */
import { resample } from './resample.ts';
import { TARGET_RATE } from './wav.ts';

function biquad(x: Float64Array, b0: number, b1: number, b2: number, a1: number, a2: number): Float64Array {
  const y = new Float64Array(x.length);
  let x1 = 0, x2 = 0, y1 = 0, y2 = 0;
  for (let i = 0; i < x.length; i++) {
    const v = b0 * x[i] + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
    x2 = x1;
    x1 = x[i];
    y2 = y1;
    y1 = v;
    y[i] = v;
  }
  return y;
}

export function highpass(x: Float64Array, f: number, rate: number): Float64Array {
  const w = (2 * Math.PI * f) / rate;
  const alpha = Math.sin(w) / (2 * Math.SQRT1_2);
  const c = Math.cos(w);
  const a0 = 1 + alpha;
  return biquad(x, (1 + c) / 2 / a0, -(1 + c) / a0, (1 + c) / 2 / a0, (-2 * c) / a0, (1 - alpha) / a0);
}

export function lowpass(x: Float64Array, f: number, rate: number): Float64Array {
  const w = (2 * Math.PI * f) / rate;
  const alpha = Math.sin(w) / (2 * Math.SQRT1_2);
  const c = Math.cos(w);
  const a0 = 1 + alpha;
  return biquad(x, (1 - c) / 2 / a0, (1 - c) / a0, (1 - c) / 2 / a0, (-2 * c) / a0, (1 - alpha) / a0);
}

const BIAS = 0x84;

let ulawTable: Uint8Array | undefined;

/** 14-bit linear → µ-law table built exactly as ffmpeg's pcm_tablegen does, so output matches pcm_mulaw. */
function table(): Uint8Array {
  if (ulawTable) return ulawTable;
  const t = new Uint8Array(16384);
  const mask = 0xff;
  let j = 1;
  t[8192] = mask;
  for (let i = 0; i < 127; i++) {
    const v1 = ulawToLinear(i ^ mask);
    const v2 = ulawToLinear((i + 1) ^ mask);
    const v = (v1 + v2 + 4) >> 3;
    for (; j < v; j++) {
      t[8192 - j] = i ^ (mask ^ 0x80);
      t[8192 + j] = i ^ mask;
    }
  }
  for (; j < 8192; j++) {
    t[8192 - j] = 127 ^ (mask ^ 0x80);
    t[8192 + j] = 127 ^ mask;
  }
  t[0] = t[1];
  ulawTable = t;
  return t;
}

/** G.711 µ-law byte of a 16-bit sample (identical to ffmpeg's pcm_mulaw encoder). */
export function linearToUlaw(sample: number): number {
  const s = Math.max(-32768, Math.min(32767, Math.round(sample)));
  return table()[(s + 32768) >> 2];
}

export function ulawToLinear(u: number): number {
  u = ~u & 0xff;
  const t = (((u & 0x0f) << 3) + BIAS) << ((u & 0x70) >> 4);
  return u & 0x80 ? BIAS - t : t - BIAS;
}

export function telephoneChannel(x: Float64Array, low: number, high: number, mulaw: boolean): Float64Array {
  let y = highpass(highpass(x, low, TARGET_RATE), low, TARGET_RATE);
  y = lowpass(lowpass(y, high, TARGET_RATE), high, TARGET_RATE);
  const narrow = resample(y, TARGET_RATE, 8000);
  if (mulaw) {
    for (let i = 0; i < narrow.length; i++) narrow[i] = ulawToLinear(linearToUlaw(narrow[i] * 32768)) / 32768;
  }
  const wide = resample(narrow, 8000, TARGET_RATE);
  const out = new Float64Array(x.length);
  out.set(wide.subarray(0, Math.min(wide.length, x.length)));
  return out;
}
