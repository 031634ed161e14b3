const tables = new Map<number, { cos: Float64Array; sin: Float64Array; rev: Uint32Array }>();

function tableFor(n: number) {
  let t = tables.get(n);
  if (!t) {
    const cos = new Float64Array(n / 2);
    const sin = new Float64Array(n / 2);
    for (let k = 0; k < n / 2; k++) {
      cos[k] = Math.cos((2 * Math.PI * k) / n);
      sin[k] = Math.sin((2 * Math.PI * k) / n);
    }
    const rev = new Uint32Array(n);
    const bits = Math.log2(n);
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0, v = i; b < bits; b++, v >>= 1) r = (r << 1) | (v & 1);
      rev[i] = r;
    }
    t = { cos, sin, rev };
    if (tables.size > 8) tables.clear();
    tables.set(n, t);
  }
  return t;
}

/** In-place iterative radix-2 complex FFT (length must be a power of two), with cached twiddle tables. */
export function fft(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  if (n & (n - 1)) throw new Error(`fft length ${n} is not a power of two`);
  if (n < 2) return;
  const { cos, sin, rev } = tableFor(n);
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
  const sign = inverse ? 1 : -1;
  for (let len = 2; len <= n; len <<= 1) {
    const half = len >> 1;
    const step = n / len;
    for (let i = 0; i < n; i += len) {
      for (let k = 0, w = 0; k < half; k++, w += step) {
        const cr = cos[w];
        const ci = sign * sin[w];
        const a = i + k;
        const b = a + half;
        const xr = re[b] * cr - im[b] * ci;
        const xi = re[b] * ci + im[b] * cr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
      }
    }
  }
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
 * Linear convolution of two real signals by FFT, truncated to x.length samples. Both are transformed in one complex
 * FFT (x real part, h imaginary part) and separated by conjugate symmetry: two FFTs in all instead of three.
 */
export function convolveSame(x: Float64Array, h: Float64Array): Float64Array {
  const n = nextPow2(x.length + h.length - 1);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  re.set(x);
  im.set(h);
  fft(re, im);
  const pr = new Float64Array(n);
  const pi = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const m = (n - k) & (n - 1);
    // X = (Z[k] + conj Z[m]) / 2, H = (Z[k] - conj Z[m]) / 2i
    const xr = (re[k] + re[m]) / 2;
    const xi = (im[k] - im[m]) / 2;
    const hr = (im[k] + im[m]) / 2;
    const hi = (re[m] - re[k]) / 2;
    pr[k] = xr * hr - xi * hi;
    pi[k] = xr * hi + xi * hr;
  }
  fft(pr, pi, true);
  return pr.slice(0, x.length);
}

/** Power spectrum energy of a real signal in [lo, hi) Hz, and the total (one-sided). */
export function bandEnergy(x: Float64Array, sampleRate: number, lo: number, hi: number): { band: number; total: number } {
  const n = nextPow2(x.length);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  re.set(x);
  fft(re, im);
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
