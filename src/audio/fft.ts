interface Tables {
  /** cos/sin(2πk/n) for k < n/2. */
  cos: Float64Array;
  sin: Float64Array;
  /** Per-stage twiddles laid out contiguously: for the stage with half-size h, entries h..2h−1 hold cos/sin(πk/h). */
  stageCos: Float64Array;
  stageSin: Float64Array;
  rev: Uint32Array;
}
const tables = new Map<number, Tables>();

function tableFor(n: number): Tables {
  let t = tables.get(n);
  if (!t) {
    const cos = new Float64Array(n / 2);
    const sin = new Float64Array(n / 2);
    for (let k = 0; k < n / 2; k++) {
      cos[k] = Math.cos((2 * Math.PI * k) / n);
      sin[k] = Math.sin((2 * Math.PI * k) / n);
    }
    const stageCos = new Float64Array(Math.max(2, n));
    const stageSin = new Float64Array(Math.max(2, n));
    for (let h = 1; h < n; h <<= 1) {
      const step = n / (2 * h);
      for (let k = 0; k < h; k++) {
        stageCos[h + k] = cos[k * step];
        stageSin[h + k] = sin[k * step];
      }
    }
    const rev = new Uint32Array(n);
    const bits = Math.log2(n);
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0, v = i; b < bits; b++, v >>= 1) r = (r << 1) | (v & 1);
      rev[i] = r;
    }
    t = { cos, sin, stageCos, stageSin, rev };
    if (tables.size > 12) tables.clear();
    tables.set(n, t);
  }
  return t;
}

/** Unscaled in-place radix-2 (decimation in time) complex FFT on the first n entries; sign −1 forward, +1 inverse. */
function transform(re: Float64Array, im: Float64Array, n: number, sign: number): void {
  const { stageCos, stageSin, rev } = tableFor(n);
  for (let i = 0; i < n; i++) {
    const j = rev[i];
    if (i < j) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  // Two radix-2 stages (half-sizes h and 2h) per pass: half the passes over memory, same arithmetic.
  let h = 1;
  for (; 4 * h <= n; h *= 4) {
    const len = 4 * h;
    for (let i = 0; i < n; i += len) {
      for (let k = 0; k < h; k++) {
        const c1 = stageCos[h + k];
        const s1 = sign * stageSin[h + k];
        const c2 = stageCos[2 * h + k];
        const s2 = sign * stageSin[2 * h + k];
        const i0 = i + k;
        const i1 = i0 + h;
        const i2 = i1 + h;
        const i3 = i2 + h;
        const x0r = re[i0], x0i = im[i0];
        const x1r = re[i1], x1i = im[i1];
        const x2r = re[i2], x2i = im[i2];
        const x3r = re[i3], x3i = im[i3];
        // Stage h: (i0, i1) and (i2, i3) with twiddle w1.
        const t1r = x1r * c1 - x1i * s1, t1i = x1r * s1 + x1i * c1;
        const t3r = x3r * c1 - x3i * s1, t3i = x3r * s1 + x3i * c1;
        const y0r = x0r + t1r, y0i = x0i + t1i;
        const y1r = x0r - t1r, y1i = x0i - t1i;
        const y2r = x2r + t3r, y2i = x2i + t3i;
        const y3r = x2r - t3r, y3i = x2i - t3i;
        // Stage 2h: (i0, i2) with w2, (i1, i3) with w2 · e^{sign·iπ/2} = w2 · (sign·i).
        const ur = y2r * c2 - y2i * s2, ui = y2r * s2 + y2i * c2;
        const wr = y3r * c2 - y3i * s2, wi = y3r * s2 + y3i * c2;
        const vr = -sign * wi, vi = sign * wr;
        re[i0] = y0r + ur;
        im[i0] = y0i + ui;
        re[i2] = y0r - ur;
        im[i2] = y0i - ui;
        re[i1] = y1r + vr;
        im[i1] = y1i + vi;
        re[i3] = y1r - vr;
        im[i3] = y1i - vi;
      }
    }
  }
  if (h < n) {
    // One radix-2 stage left over (log2 n odd).
    const half = h;
    for (let k = 0; k < half; k++) {
      const cr = stageCos[half + k];
      const ci = sign * stageSin[half + k];
      const a = k;
      const b = a + half;
      const br = re[b];
      const bi = im[b];
      const xr = br * cr - bi * ci;
      const xi = br * ci + bi * cr;
      re[b] = re[a] - xr;
      im[b] = im[a] - xi;
      re[a] += xr;
      im[a] += xi;
    }
  }
}

/** In-place iterative radix-2 complex FFT (length must be a power of two), with cached twiddle tables. */
export function fft(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  if (n & (n - 1)) throw new Error(`fft length ${n} is not a power of two`);
  if (n < 2) return;
  transform(re, im, n, inverse ? 1 : -1);
  if (inverse) {
    for (let i = 0; i < n; i++) {
      re[i] /= n;
      im[i] /= n;
    }
  }
}

export function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p <<= 1;
  return p;
}

/**
 * Real-input FFT of x zero-padded to n (a power of two ≥ 4), via one complex FFT of n/2 points (even samples in the
 * real part, odd samples in the imaginary part). Returns bins 0..n/2.
 */
export function realFft(x: Float64Array, n: number): { re: Float64Array; im: Float64Array } {
  const half = n >> 1;
  const zr = new Float64Array(half);
  const zi = new Float64Array(half);
  const len = Math.min(x.length, n);
  for (let p = 0; p < len; p++) {
    if (p & 1) zi[p >> 1] = x[p];
    else zr[p >> 1] = x[p];
  }
  transform(zr, zi, half, -1);
  const { cos, sin } = tableFor(n);
  const re = new Float64Array(half + 1);
  const im = new Float64Array(half + 1);
  re[0] = zr[0] + zi[0];
  re[half] = zr[0] - zi[0];
  for (let k = 1; k < half; k++) {
    const m = half - k;
    // E = (Z[k] + conj Z[m]) / 2, O = (Z[k] − conj Z[m]) / 2i, X[k] = E + e^{−2πik/n} O
    const er = (zr[k] + zr[m]) / 2;
    const ei = (zi[k] - zi[m]) / 2;
    const or = (zi[k] + zi[m]) / 2;
    const oi = (zr[m] - zr[k]) / 2;
    re[k] = er + cos[k] * or + sin[k] * oi;
    im[k] = ei + cos[k] * oi - sin[k] * or;
  }
  return { re, im };
}

/** Spectrum of a filter at one FFT size, pre-scaled by 1/n so the inverse transform needs no scaling pass. */
interface FilterSpectrum {
  re: Float64Array;
  im: Float64Array;
}

/**
 * Linear convolution with a fixed real filter h by FFT overlap-add, truncated to the input's length. The filter's
 * spectrum is computed once per FFT size and kept, so applying the same room to many utterances costs one forward
 * and one inverse half-size complex FFT per block. The block size minimises total work for each input length.
 */
export class FftConvolver {
  private readonly spectra = new Map<number, FilterSpectrum>();
  private zr = new Float64Array(0);
  private zi = new Float64Array(0);

  constructor(private readonly h: Float64Array) {
    if (h.length === 0) throw new Error('convolution with an empty filter');
  }

  private spectrum(n: number): FilterSpectrum {
    let s = this.spectra.get(n);
    if (!s) {
      const { re, im } = realFft(this.h, n);
      for (let k = 0; k < re.length; k++) {
        re[k] /= n;
        im[k] /= n;
      }
      s = { re, im };
      if (this.spectra.size >= 4) this.spectra.clear();
      this.spectra.set(n, s);
    }
    return s;
  }

  /** FFT size with the least work (blocks × n·log2 n) for an input of `len` samples. */
  private sizeFor(len: number): number {
    const m = this.h.length;
    const max = Math.max(4, nextPow2(len + m - 1));
    let best = max;
    let bestCost = Math.log2(max) * max;
    for (let n = Math.max(4, nextPow2(2 * m)); n < max; n <<= 1) {
      const cost = Math.ceil(len / (n - m + 1)) * n * Math.log2(n);
      if (cost < bestCost) [best, bestCost] = [n, cost];
    }
    return best;
  }

  apply(x: Float64Array): Float64Array {
    const len = x.length;
    const out = new Float64Array(len);
    if (len === 0) return out;
    const n = this.sizeFor(len);
    const half = n >> 1;
    const block = n - this.h.length + 1;
    const { re: hr, im: hi } = this.spectrum(n);
    const { cos, sin } = tableFor(n);
    if (this.zr.length < half) {
      this.zr = new Float64Array(half);
      this.zi = new Float64Array(half);
    }
    const zr = this.zr;
    const zi = this.zi;
    for (let start = 0; start < len; start += block) {
      const end = Math.min(len, start + block);
      // Pack the block's real samples: even ones in zr, odd ones in zi, zero-padded to n.
      const count = end - start;
      const pairs = count >> 1;
      for (let j = 0; j < pairs; j++) {
        zr[j] = x[start + 2 * j];
        zi[j] = x[start + 2 * j + 1];
      }
      let j0 = pairs;
      if (count & 1) {
        zr[j0] = x[end - 1];
        zi[j0] = 0;
        j0++;
      }
      zr.fill(0, j0, half);
      zi.fill(0, j0, half);
      transform(zr, zi, half, -1);
      // For each bin pair (k, m = n/2 − k): unpack the real spectrum X, multiply by H, repack for the inverse.
      for (let k = 0; k <= half >> 1; k++) {
        const m = half - k;
        const mi = m === half ? 0 : m;
        const ar = zr[k], ai = zi[k];
        const br = zr[mi], bi = zi[mi];
        // Twiddles: w_k = e^{−2πik/n}; w_m = −conj(w_k) since m = n/2 − k.
        const c = k === 0 ? 1 : cos[k];
        const s = k === 0 ? 0 : sin[k];
        const er = (ar + br) / 2, ei = (ai - bi) / 2;
        const or = (ai + bi) / 2, oi = (br - ar) / 2;
        // X[k] = E + w_k·O and, from the same pair, X[m] = conj(E) + w_m·conj(O) with w_m = −conj(w_k).
        const xkr = er + c * or + s * oi;
        const xki = ei + c * oi - s * or;
        const xmr = er - c * or - s * oi;
        const xmi = -ei + c * oi - s * or;
        // Y = X · H (H already scaled by 1/n).
        const ykr = xkr * hr[k] - xki * hi[k];
        const yki = xkr * hi[k] + xki * hr[k];
        const ymr = xmr * hr[m] - xmi * hi[m];
        const ymi = xmr * hi[m] + xmi * hr[m];
        // Inverse split: E' = Y[k] + conj Y[m], O' = (Y[k] − conj Y[m]) · conj(w_k), Z[k] = E' + i O'.
        const epr = ykr + ymr, epi = yki - ymi;
        const dr = ykr - ymr, di = yki + ymi;
        const opr = dr * c - di * s, opi = dr * s + di * c;
        zr[k] = epr - opi;
        zi[k] = epi + opr;
        if (mi !== k && m !== half) {
          // Z[m] from the same pair seen from m: E'_m = conj(E'), O'_m = (Y[m] − conj Y[k]) · conj(w_m), conj(w_m) = −c + i·s.
          const dmr = ymr - ykr, dmi = ymi + yki;
          const omr = -dmr * c - dmi * s, omi = dmr * s - dmi * c;
          zr[m] = epr - omi;
          zi[m] = -epi + omr;
        }
      }
      transform(zr, zi, half, 1);
      const stop = Math.min(len, start + n);
      for (let p = start, j = 0; p < stop; p += 2, j++) {
        out[p] += zr[j];
        if (p + 1 < stop) out[p + 1] += zi[j];
      }
    }
    return out;
  }
}

/** Linear convolution of two real signals by FFT, truncated to x.length samples. */
export function convolveSame(x: Float64Array, h: Float64Array): Float64Array {
  return new FftConvolver(h).apply(x);
}

/** Power spectrum energy of a real signal in [lo, hi) Hz, and the total (one-sided). */
export function bandEnergy(x: Float64Array, sampleRate: number, lo: number, hi: number): { band: number; total: number } {
  const n = Math.max(4, nextPow2(x.length));
  const { re, im } = realFft(x, n);
  let band = 0;
  let total = 0;
  for (let k = 0; k <= n / 2; k++) {
    const p = re[k] * re[k] + im[k] * im[k];
    const f = (k * sampleRate) / n;
    total += p;
    if (f >= lo && f < hi) band += p;
  }
  return { band, total };
}
