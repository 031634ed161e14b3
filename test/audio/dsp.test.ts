import { describe, expect, it } from 'vitest';
import { FftConvolver, convolveSame, fft, realFft } from '../../src/audio/fft.ts';
import { resample } from '../../src/audio/resample.ts';
import { telephoneChannel } from '../../src/audio/telephone.ts';
import { Prng } from '../../src/audio/prng.ts';
import { db, power, sine } from './helpers.ts';

function gaussian(n: number, seed: number): Float64Array {
  const rng = new Prng(seed);
  return Float64Array.from({ length: n }, () => rng.gaussian());
}

/** Direct-form linear convolution at one output index. */
function directAt(x: Float64Array, h: Float64Array, i: number): number {
  let s = 0;
  for (let j = 0; j < h.length && j <= i; j++) s += h[j] * x[i - j];
  return s;
}

/** |H(f)|² of an RBJ 2-pole high-pass (or low-pass) with Q = 1/√2, from its transfer function at z = e^{jω}. */
function rbjPower(f: number, fc: number, kind: 'high' | 'low', rate = 16000): number {
  const w0 = (2 * Math.PI * fc) / rate;
  const alpha = Math.sin(w0) / Math.SQRT2;
  const c = Math.cos(w0);
  const g = kind === 'high' ? (1 + c) / 2 : (1 - c) / 2;
  const b = [g, kind === 'high' ? -2 * g : 2 * g, g];
  const a = [1 + alpha, -2 * c, 1 - alpha];
  const w = (2 * Math.PI * f) / rate;
  const mag2 = (k: number[]) => {
    const re = k[0] + k[1] * Math.cos(w) + k[2] * Math.cos(2 * w);
    const im = -k[1] * Math.sin(w) - k[2] * Math.sin(2 * w);
    return re * re + im * im;
  };
  return mag2(b) / mag2(a);
}

describe('FFT convolution', () => {
  it('real-input FFT equals the complex FFT of the same signal', () => {
    for (const n of [4, 32, 1024, 8192]) {
      const x = gaussian(n - 3, n);
      const { re, im } = realFft(x, n);
      const cr = new Float64Array(n);
      const ci = new Float64Array(n);
      cr.set(x);
      fft(cr, ci);
      let err = 0;
      for (let k = 0; k <= n / 2; k++) err = Math.max(err, Math.abs(re[k] - cr[k]), Math.abs(im[k] - ci[k]));
      expect(err).toBeLessThan(1e-9 * Math.sqrt(n));
    }
  });

  it('matches direct convolution, in one block and by overlap-add over many', () => {
    // Short input (one block), long input with a long filter (overlap-add), odd lengths, filter longer than input.
    for (const [lx, lh] of [
      [1000, 64],
      [100_001, 3000],
      [4097, 6400],
      [3, 10],
    ]) {
      const x = gaussian(lx, lx);
      const h = gaussian(lh, lh + 1);
      const y = new FftConvolver(h).apply(x);
      expect(y.length).toBe(lx);
      const step = Math.max(1, Math.floor(lx / 997));
      for (let i = 0; i < lx; i += step) {
        const d = directAt(x, h, i);
        expect(Math.abs(y[i] - d)).toBeLessThan(1e-9 * (1 + Math.abs(d)));
      }
      expect(Math.abs(y[lx - 1] - directAt(x, h, lx - 1))).toBeLessThan(1e-9 * (1 + Math.abs(y[lx - 1])));
    }
  });

  it('a convolver reused across inputs of different lengths gives the same result as a fresh one', () => {
    const h = gaussian(6400, 5);
    const cv = new FftConvolver(h);
    const x = gaussian(80_000, 6);
    const first = cv.apply(x);
    for (const n of [1000, 300_000, 16_384, 7]) cv.apply(gaussian(n, n));
    expect(Buffer.from(cv.apply(x).buffer).equals(Buffer.from(first.buffer))).toBe(true);
    expect(Buffer.from(convolveSame(x, h).buffer).equals(Buffer.from(first.buffer))).toBe(true);
  });
});

describe('telephone channel filters', () => {
  it('in the band the 16→8→16 kHz round trip is transparent: gain is the RBJ band-pass’s own', () => {
    for (const f of [500, 1000, 2000, 3000, 3400]) {
      const x = sine(f, 1, 0.3);
      const y = telephoneChannel(x, 300, 3400, false);
      const measured = db(power(y.subarray(4000, 12000)) / power(x.subarray(4000, 12000)));
      const expected = db(rbjPower(f, 300, 'high') ** 2 * rbjPower(f, 3400, 'low') ** 2);
      expect(Math.abs(measured - expected)).toBeLessThan(0.05);
    }
  });

  it('tones above 4.6 kHz neither pass nor alias into the band', () => {
    for (const f of [4600, 5000, 6000, 7000, 7900]) {
      const x = sine(f, 1, 0.3);
      // Band edges pushed out so the biquads leave the tone alone: only the resampling filters act on it.
      const y = telephoneChannel(x, 20, 7990, false);
      expect(db(power(y.subarray(4000, 12000)) / power(x.subarray(4000, 12000)))).toBeLessThan(-50);
    }
  });

  it('µ-law quantisation noise stays about 38 dB under a mid-level tone', () => {
    const x = sine(1000, 1, 0.3);
    const clean = telephoneChannel(x, 300, 3400, false);
    const coded = telephoneChannel(x, 300, 3400, true);
    let e = 0;
    for (let i = 0; i < x.length; i++) e += (coded[i] - clean[i]) ** 2;
    const snr = db(power(clean) / (e / x.length));
    expect(snr).toBeGreaterThan(33);
    expect(snr).toBeLessThan(45);
  });

  it('keeps the input length (odd lengths too) and is deterministic with reused scratch buffers', () => {
    const x = gaussian(16_001, 9).map((v) => 0.1 * v);
    const a = telephoneChannel(x, 300, 3400, true);
    telephoneChannel(gaussian(50_000, 10), 300, 3400, true);
    telephoneChannel(gaussian(5, 11), 300, 3400, true);
    const b = telephoneChannel(x, 300, 3400, true);
    expect(a.length).toBe(16_001);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
  });
});

describe('resampler', () => {
  it('44.1 kHz → 16 kHz keeps a 1 kHz tone’s level and removes a 10 kHz one', () => {
    const keep = resample(sine(1000, 1, 0.5, 44100), 44100, 16000);
    expect(keep.length).toBe(16000);
    expect(Math.abs(db(power(keep.subarray(100, 15900)) / 0.125))).toBeLessThan(0.05);
    const gone = resample(sine(10000, 1, 0.5, 44100), 44100, 16000);
    expect(db(power(gone.subarray(100, 15900)) / 0.125)).toBeLessThan(-60);
  });

  it('edge samples see zeros outside the signal: a resampled impulse is the filter, whole, away from the edge', () => {
    const x = new Float64Array(4410);
    x[2205] = 1;
    const y = resample(x, 44100, 16000);
    // Sum of the polyphase filter over all outputs ≈ up/down (the DC gain spread over output samples).
    let s = 0;
    for (const v of y) s += v;
    expect(Math.abs(s - 16000 / 44100)).toBeLessThan(1e-3);
    // The same impulse at the very first sample keeps the filter's causal half only.
    const edge = new Float64Array(4410);
    edge[0] = 1;
    const ye = resample(edge, 44100, 16000);
    expect(ye[0]).toBeCloseTo(y[800], 12);
  });
});
