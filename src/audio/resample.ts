/**
 * Polyphase Kaiser-windowed-sinc resampler for rational rate ratios, in JS so WAV inputs need no ffmpeg process.
 * Deterministic (no dither, fixed coefficient tables). Cutoff at 0.92 × the lower Nyquist, 8 zero crossings, Kaiser β 7.
 * Measured 44.1 → 16 kHz: flat (±0.2 dB) to 6 kHz, −3 dB at 7 kHz, −25 dB at 8.5 kHz, −43 dB at 9 kHz, −70 dB from
 * 10 kHz. Gentler than soxr (a speed trade: ~3.5 ms CPU per 5 s utterance at 44.1 kHz); fine for ASR front ends that see ≤ 8 kHz.
 */

const ZERO_CROSSINGS = 8;
const KAISER_BETA = 7;
const CUTOFF = 0.92;
const MAX_PHASES = 4096;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Modified Bessel function of the first kind, order 0 (for Kaiser windows). */
export function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

interface Plan {
  up: number;
  down: number;
  /** Filter length, rounded up to a multiple of 4 with zero coefficients (the inner loop is unrolled by 4). */
  taps: number;
  half: number;
  /**
   * Row i holds the filter for phase (i·down) mod up, the phase output m uses when m ≡ i (mod up): consecutive
   * outputs read consecutive rows, which keeps the hot loop's table reads sequential.
   */
  table: Float64Array;
}
const plans = new Map<string, Plan>();

function plan(inRate: number, outRate: number): Plan | undefined {
  const key = `${inRate}:${outRate}`;
  const cached = plans.get(key);
  if (cached) return cached;
  const g = gcd(inRate, outRate);
  const up = outRate / g;
  const down = inRate / g;
  if (up > MAX_PHASES) return undefined;
  const fc = CUTOFF * Math.min(1, outRate / inRate); // cutoff in cycles per input sample × 2
  const half = Math.ceil(ZERO_CROSSINGS / fc);
  const taps = (2 * half + 3) & ~3;
  const table = new Float64Array(up * taps);
  const i0b = besselI0(KAISER_BETA);
  for (let row = 0; row < up; row++) {
    const p = (row * down) % up;
    const frac = p / up;
    for (let j = 0; j < 2 * half; j++) {
      const t = j - half + 1 - frac; // input index offset minus fractional position
      const x = fc * t;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const r = t / (half + 1);
      const w = Math.abs(r) >= 1 ? 0 : besselI0(KAISER_BETA * Math.sqrt(1 - r * r)) / i0b;
      table[row * taps + j] = fc * sinc * w;
    }
  }
  const pl = { up, down, taps, half, table };
  plans.set(key, pl);
  return pl;
}

/** True when resample() can handle this ratio in JS. */
export function canResample(inRate: number, outRate: number): boolean {
  return Number.isInteger(inRate) && Number.isInteger(outRate) && inRate > 0 && outRate > 0 && plan(inRate, outRate) !== undefined;
}

function edgeSample(x: Float64Array, k0: number, table: Float64Array, t0: number, taps: number): number {
  let s = 0;
  for (let j = 0; j < taps; j++) {
    const k = k0 + j;
    if (k >= 0 && k < x.length) s += x[k] * table[t0 + j];
  }
  return s;
}

export function resample(x: Float64Array, inRate: number, outRate: number): Float64Array {
  if (inRate === outRate) return x;
  const pl = plan(inRate, outRate);
  if (!pl) throw new Error(`no JS resampling plan for ${inRate} → ${outRate} Hz`);
  const { up, down, taps, half, table } = pl;
  const n = x.length;
  const outLen = Math.floor((n * up) / down);
  const out = new Float64Array(outLen);
  // Output m sits at input position m·down/up = base + phase/up, and reads x[base−half+1 …] for `taps` samples.
  // Interior outputs (all reads inside x) are [first, last): base ≥ half−1 and base ≤ n − taps + half − 1.
  const first = Math.min(outLen, Math.ceil(((half - 1) * up) / down));
  const last = Math.max(first, Math.min(outLen, Math.floor(((n - taps + half) * up - 1) / down) + 1));
  for (let m = 0; m < first; m++) out[m] = edgeSample(x, Math.floor((m * down) / up) - half + 1, table, (m % up) * taps, taps);
  // Advance base and phase incrementally (no division per sample).
  const baseStep = Math.floor(down / up);
  const phaseStep = down - baseStep * up;
  let base = Math.floor((first * down) / up);
  let phase = first * down - base * up;
  let row = first % up;
  for (let m = first; m < last; m++) {
    let xi = base - half + 1;
    let ti = row * taps;
    // Four accumulators shorten the dependency chain.
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (const end = ti + taps; ti < end; ti += 4, xi += 4) {
      s0 += x[xi] * table[ti];
      s1 += x[xi + 1] * table[ti + 1];
      s2 += x[xi + 2] * table[ti + 2];
      s3 += x[xi + 3] * table[ti + 3];
    }
    out[m] = s0 + s1 + (s2 + s3);
    base += baseStep;
    phase += phaseStep;
    if (phase >= up) {
      phase -= up;
      base++;
    }
    if (++row === up) row = 0;
  }
  for (let m = last; m < outLen; m++) out[m] = edgeSample(x, Math.floor((m * down) / up) - half + 1, table, (m % up) * taps, taps);
  return out;
}
