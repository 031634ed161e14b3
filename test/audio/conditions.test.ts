import { describe, expect, it, beforeAll } from 'vitest';
import { join } from 'node:path';
import { prepareAudio } from '../../src/audio/prepare.ts';
import { activePower, conditionKey, pinkNoise, whiteNoise, type ConditionSpecInput } from '../../src/audio/conditions.ts';
import { bandEnergy, nextPow2, fft } from '../../src/audio/fft.ts';
import { qcSamples } from '../../src/audio/qc.ts';
import { linearToUlaw, ulawToLinear } from '../../src/audio/telephone.ts';
import { runFfmpeg } from '../../src/audio/ffmpeg.ts';
import { floatToS16 } from '../../src/audio/wav.ts';
import { Prng } from '../../src/audio/prng.ts';
import { db, diff, librivox, power, readWav, sine, tmp, writeWav } from './helpers.ts';

let dir: string;
let cache: string;
const speech = librivox('0870');
let clean: Float64Array;

async function run(audioPath: string, steps: ConditionSpecInput['steps'], seed = 7): Promise<Float64Array> {
  const ref = await prepareAudio({ id: 'u1', audioPath }, { cacheDir: cache, condition: { name: 't', steps }, seed });
  return readWav(ref.wav16k).x;
}

function peakHz(x: Float64Array, rate = 16000): number {
  const n = nextPow2(x.length);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  re.set(x);
  fft(re, im);
  let best = 0;
  let bestK = 0;
  for (let k = 1; k < n / 2; k++) {
    const p = re[k] * re[k] + im[k] * im[k];
    if (p > best) [best, bestK] = [p, k];
  }
  return (bestK * rate) / n;
}

beforeAll(async () => {
  dir = tmp('cond');
  cache = join(dir, 'cache');
  clean = readWav(speech).x;
});

describe('additive noise at an exact SNR', () => {
  for (const color of ['white', 'pink'] as const) {
    for (const snr of [0, 10, 20]) {
      it(`${color} noise at ${snr} dB against full-utterance power`, async () => {
        const y = await run(speech, [{ type: 'noise', color, snrDb: snr, reference: 'full' }]);
        expect(y.length).toBe(clean.length);
        expect(Math.abs(db(power(clean) / power(diff(y, clean))) - snr)).toBeLessThan(0.5);
      });
    }
  }
  it('default reference is active speech power (pauses do not lower the noise)', async () => {
    const y = await run(speech, [{ type: 'noise', snrDb: 5 }]);
    const measuredActive = db(activePower(clean) / power(diff(y, clean)));
    expect(Math.abs(measuredActive - 5)).toBeLessThan(0.5);
    // The same SNR measured on the full utterance is lower, because the pauses count as speech power there.
    expect(db(power(clean) / power(diff(y, clean)))).toBeLessThan(5);
  });
  it('babble from other talkers at the asked SNR', async () => {
    const y = await run(speech, [
      { type: 'babble', snrDb: 3, talkers: 3, reference: 'full', sources: [librivox('0880'), librivox('0890'), librivox('0920'), speech] },
    ]);
    expect(Math.abs(db(power(clean) / power(diff(y, clean))) - 3)).toBeLessThan(0.5);
  });
  it('babble from a manifest excludes the utterance itself and mixes at the asked SNR', async () => {
    const manifest = join(dir, 'talkers.jsonl');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(manifest, ['0880', '0890', '0870'].map((n) => JSON.stringify({ id: n, audio: librivox(n), text: 'x', start: 0.5, end: 2.5 })).join('\n') + '\n');
    const y = await run(speech, [{ type: 'babble', snrDb: 0, talkers: 6, manifest, reference: 'full' }]);
    expect(Math.abs(db(power(clean) / power(diff(y, clean))))).toBeLessThan(0.5);
    // A manifest whose only talker is the utterance itself has no babble to offer.
    writeFileSync(join(dir, 'self.jsonl'), JSON.stringify({ id: 's', audio: speech, text: 'x' }) + '\n');
    await expect(run(speech, [{ type: 'babble', snrDb: 0, manifest: join(dir, 'self.jsonl') }])).rejects.toThrow(/no talkers other than the utterance itself/);
  });
  it('pink noise falls ~3 dB per octave, white is flat', () => {
    const w = whiteNoise(65536, new Prng(1));
    const p = pinkNoise(65536, new Prng(1));
    const octave = (x: Float64Array, lo: number) => bandEnergy(x, 16000, lo, 2 * lo).band;
    expect(Math.abs(db(octave(w, 2000) / octave(w, 1000)) - 3)).toBeLessThan(0.5); // white: energy doubles per octave
    expect(Math.abs(db(octave(p, 2000) / octave(p, 1000)))).toBeLessThan(0.5); // pink: equal energy per octave
  });
});

describe('hum, telephone band, codecs', () => {
  it('hum at −30 dBFS has that RMS and its fundamental at 60 Hz', async () => {
    const silence = writeWav(join(dir, 'silence.wav'), new Float64Array(32000));
    const y = await run(silence, [{ type: 'hum', frequency: 60, harmonics: 4, levelDbfs: -30 }]);
    expect(Math.abs(db(power(y)) + 30)).toBeLessThan(0.1);
    expect(Math.abs(peakHz(y) - 60)).toBeLessThan(1);
  });

  it('telephone band removes the energy outside 300–3400 Hz', async () => {
    const rng = new Prng(3);
    const noise = new Float64Array(48000);
    for (let i = 0; i < noise.length; i++) noise[i] = 0.1 * rng.gaussian();
    const src = writeWav(join(dir, 'white.wav'), noise);
    const y = await run(src, [{ type: 'telephone' }]);
    const inBand = bandEnergy(noise, 16000, 300, 3400);
    // Input: flat spectrum, most energy outside the band.
    expect(inBand.band / inBand.total).toBeLessThan(0.45);
    const outBand = bandEnergy(y, 16000, 300, 3400);
    expect(outBand.band / outBand.total).toBeGreaterThan(0.93);
    const high = bandEnergy(y, 16000, 4200, 8000);
    expect(high.band / high.total).toBeLessThan(0.001);
    const veryLow = bandEnergy(y, 16000, 0, 150);
    expect(veryLow.band / veryLow.total).toBeLessThan(0.002);
  });

  for (const [codec, minSnr] of [
    ['mp3', 8],
    ['opus', 3],
    ['gsm', 3],
  ] as const) {
    it(`${codec} round trip keeps length and time alignment, and really goes through the codec`, async () => {
      const y = await run(speech, [{ type: 'codec', codec }]);
      expect(y.length).toBe(clean.length);
      // Best alignment lag between input and output is 0 (encoder delay removed).
      let bestLag = 0;
      let best = -Infinity;
      for (let lag = -400; lag <= 400; lag += 1) {
        let s = 0;
        for (let i = 2000; i < 60000; i += 3) s += clean[i] * y[i + lag];
        if (s > best) [best, bestLag] = [s, lag];
      }
      expect(Math.abs(bestLag)).toBeLessThanOrEqual(2);
      const err = db(power(clean) / power(diff(y, clean)));
      expect(err).toBeGreaterThan(minSnr);
      expect(err).toBeLessThan(60); // lossy: not the same signal
      if (codec === 'gsm') {
        const hi = bandEnergy(y, 16000, 4100, 8000);
        expect(hi.band / hi.total).toBeLessThan(0.001);
      }
    });
  }

  it('amr-nb without an encoder is a clear error', async () => {
    await expect(run(speech, [{ type: 'codec', codec: 'amr-nb' }])).rejects.toThrow(/amr-nb needs the ffmpeg encoder libopencore_amrnb/);
  });
});

describe('telephone internals', () => {
  it('µ-law matches ffmpeg pcm_mulaw byte for byte', async () => {
    const ramp = new Float64Array(65536);
    for (let i = 0; i < ramp.length; i++) ramp[i] = (i - 32768) / 32768;
    const ours = Buffer.from(Array.from(ramp, (v) => linearToUlaw(v * 32768)));
    const theirs = await runFfmpeg({ input: floatToS16(ramp).bytes, rawRate: 16000, outputOptions: ['-c:a', 'pcm_mulaw'], format: 'mulaw' });
    expect(ours.equals(theirs)).toBe(true);
    // Decoding is within one quantisation step of the input.
    for (const v of [-30000, -1000, -5, 0, 7, 1234, 32000]) expect(Math.abs(ulawToLinear(linearToUlaw(v)) - v)).toBeLessThanOrEqual(Math.max(8, Math.abs(v) * 0.04));
  });
});

describe('reverb, speed, gain, clipping', () => {
  it('reverb impulse response decays with the asked RT60 (Schroeder integration)', async () => {
    const click = new Float64Array(24000);
    click[100] = 0.5;
    const src = writeWav(join(dir, 'click.wav'), click);
    const y = await run(src, [{ type: 'reverb', rt60: 0.4, drrDb: -10 }]);
    const e = y.slice(100);
    const sch = new Float64Array(e.length);
    let acc = 0;
    for (let i = e.length - 1; i >= 0; i--) sch[i] = acc += e[i] * e[i];
    const t = (level: number) => sch.findIndex((v) => db(v / sch[0]) < level) / 16000;
    const rt60 = 3 * (t(-25) - t(-5)); // T20 extrapolated to 60 dB
    expect(rt60).toBeGreaterThan(0.32);
    expect(rt60).toBeLessThan(0.48);
  });

  it('speed (resample) shortens and raises pitch; tempo keeps pitch', async () => {
    const src = writeWav(join(dir, 'tone1k.wav'), sine(1000, 2, 0.3));
    const fast = await run(src, [{ type: 'speed', factor: 1.25 }]);
    expect(Math.abs(fast.length - 32000 / 1.25)).toBeLessThan(20);
    expect(Math.abs(peakHz(fast) - 1250)).toBeLessThan(3);
    const slow = await run(src, [{ type: 'speed', factor: 0.8, mode: 'tempo' }]);
    expect(Math.abs(slow.length - 32000 / 0.8)).toBeLessThan(400);
    expect(Math.abs(peakHz(slow) - 1000)).toBeLessThan(3);
  });

  it('gain changes RMS by the asked dB', async () => {
    for (const g of [-12, 6]) {
      const y = await run(speech, [{ type: 'gain', db: g }]);
      expect(Math.abs(db(power(y) / power(clean)) - g)).toBeLessThan(0.05);
    }
  });

  it('clipping at a level: measured clipped fraction matches a sine’s', async () => {
    const src = writeWav(join(dir, 'tone.wav'), sine(440, 2, 0.5));
    // +6.02 dB makes the amplitude ~1.0; clip at 0.6 → fraction of time |sin| > 0.6.
    const y = await run(src, [{ type: 'gain', db: 6.0206 }, { type: 'clip', level: 0.6 }]);
    const atLevel = y.filter((v) => Math.abs(v) >= 0.6 - 1e-4).length / y.length;
    const expected = 1 - (2 / Math.PI) * Math.asin(0.6 / 0.99999);
    expect(Math.abs(atLevel - expected)).toBeLessThan(0.01);
    expect(Math.max(...y.map(Math.abs))).toBeLessThanOrEqual(0.6 + 1e-4);
    // Full-scale clipping through gain is what QC's clipping ratio measures.
    const hot = await run(src, [{ type: 'gain', db: 12 }]);
    const q = qcSamples(hot);
    expect(Math.abs(q.clippingRatio - (1 - (2 / Math.PI) * Math.asin(1 / (0.5 * 10 ** (12 / 20)))))).toBeLessThan(0.01);
  });
});

describe('determinism and keys', () => {
  const chain: ConditionSpecInput['steps'] = [
    { type: 'noise', color: 'pink', snrDb: 10 },
    { type: 'reverb', rt60: 0.3 },
    { type: 'codec', codec: 'mp3', bitrateKbps: 24 },
  ];
  it('same spec + seed → byte-identical output, also after the cache is gone; other seed → other output', async () => {
    const a = await prepareAudio({ id: 'x', audioPath: speech }, { cacheDir: join(dir, 'c1'), condition: { name: 'a', steps: chain }, seed: 1 });
    const b = await prepareAudio({ id: 'y', audioPath: speech }, { cacheDir: join(dir, 'c2'), condition: { name: 'b', steps: chain }, seed: 1 });
    const c = await prepareAudio({ id: 'x', audioPath: speech }, { cacheDir: join(dir, 'c1'), condition: { name: 'a', steps: chain }, seed: 2 });
    expect(b.sha256).toBe(a.sha256);
    expect(b.wav16k).not.toBe(a.wav16k);
    expect(c.sha256).not.toBe(a.sha256);
  });
  it('conditionKey is stable across property order and names, and fills defaults', () => {
    const k1 = conditionKey({ name: 'one', steps: [{ type: 'noise', snrDb: 10 }] });
    const k2 = conditionKey({ name: 'two', steps: [{ snrDb: 10, color: 'white', type: 'noise', reference: 'active' }] });
    expect(k1).toBe(k2);
    expect(k1).toBe('noise(color=white,reference=active,snrDb=10)');
    expect(conditionKey({ name: 'c', steps: [] })).toBe('clean');
    expect(conditionKey({ name: 'x', steps: [{ type: 'noise', snrDb: 5 }] })).not.toBe(k1);
  });
  it('invalid condition specs are rejected with the field named', () => {
    expect(() => conditionKey({ name: 'x', steps: [{ type: 'hum' } as never] })).toThrow(/exactly one of levelDbfs or snrDb/);
    expect(() => conditionKey({ name: 'x', steps: [{ type: 'speed', factor: 5 } as never] })).toThrow(/steps\.0\.factor/);
  });
});
