import { describe, expect, it, beforeAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareAudio } from '../../src/audio/prepare.ts';
import { qcAudio } from '../../src/audio/qc.ts';
import { AudioError } from '../../src/audio/errors.ts';
import { parseWavHeader } from '../../src/audio/wav.ts';
import { nextPow2, fft } from '../../src/audio/fft.ts';
import { Prng } from '../../src/audio/prng.ts';
import { db, ffmpegConvert, librivox, power, readWav, sox, tmp, writeWav } from './helpers.ts';

let dir: string;
let cache: string;
const speech = librivox('0880');

function peakHz(x: Float64Array): number {
  const n = nextPow2(x.length);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  re.set(x);
  fft(re, im);
  let bestK = 0;
  let best = 0;
  for (let k = 1; k < n / 2; k++) {
    const p = re[k] ** 2 + im[k] ** 2;
    if (p > best) [best, bestK] = [p, k];
  }
  return (bestK * 16000) / n;
}

beforeAll(() => {
  dir = tmp('prep');
  cache = join(dir, 'cache');
});

describe('prepareAudio', () => {
  it('fast path: a canonical 16 kHz mono WAV is hashed, not copied', async () => {
    const r = await prepareAudio({ id: 'a', audioPath: speech }, { cacheDir: cache });
    expect(r.wav16k).toBe(speech);
    expect(r.durationSec).toBeCloseTo((readFileSync(speech).length - 44) / 32000, 6);
    const { createHash } = await import('node:crypto');
    expect(r.sha256).toBe(createHash('sha256').update(readFileSync(speech)).digest('hex'));
  });

  it('a segment of a 16 kHz WAV is exactly those samples, with a canonical 44-byte header', async () => {
    const r = await prepareAudio({ id: 'seg', audioPath: speech, start: 0.5, end: 1.25 }, { cacheDir: cache });
    const out = readFileSync(r.wav16k);
    const src = readFileSync(speech);
    expect(out.subarray(44).equals(src.subarray(44 + 8000 * 2, 44 + 20000 * 2))).toBe(true);
    const w = parseWavHeader(out, out.length)!;
    expect([w.canonical, w.sampleRate, w.channels, w.bitsPerSample]).toEqual([true, 16000, 1, 16]);
    expect(r.durationSec).toBe(0.75);
    expect([r.start, r.end, r.id]).toEqual([0.5, 1.25, 'seg']);
  });

  it('44.1 kHz stereo WAV, 8 kHz WAV, FLAC and MP3 inputs come out as 16 kHz mono with the tone intact', async () => {
    const inputs = {
      's441.wav': ['-r', '44100', '-c', '2', '-b', '24'],
      's8k.wav': ['-r', '8000', '-c', '1', '-b', '16'],
      's48.flac': ['-r', '48000', '-c', '1', '-b', '16'],
      's22.mp3': ['-r', '22050', '-c', '1'],
    };
    for (const [name, fmt] of Object.entries(inputs)) {
      const p = join(dir, name);
      if (name.endsWith('.mp3')) {
        sox('-n', ...fmt, `${p}.wav`, 'synth', '1.5', 'sine', '1000', 'vol', '0.5');
        ffmpegConvert(`${p}.wav`, p);
      } else sox('-n', ...fmt, p, 'synth', '1.5', 'sine', '1000', 'vol', '0.5');
      const r = await prepareAudio({ id: name, audioPath: p }, { cacheDir: cache });
      const { x, rate } = readWav(r.wav16k);
      expect(rate).toBe(16000);
      expect(Math.abs(r.durationSec - 1.5)).toBeLessThan(name.endsWith('.mp3') ? 0.06 : 0.001);
      expect(Math.abs(peakHz(x) - 1000)).toBeLessThan(2);
      // A 0.5-amplitude sine has power 0.125 (−9 dB); resampling keeps it within 0.01 dB (lossy MP3: 1 dB).
      expect(Math.abs(db(power(x.subarray(800, x.length - 800)) / 0.125))).toBeLessThan(name.endsWith('.mp3') ? 1 : 0.01);
    }
  });

  it('resampling in JS removes content above the new Nyquist (no aliasing)', async () => {
    const p = join(dir, 'alias.wav');
    sox('-n', '-r', '44100', '-c', '1', '-b', '16', p, 'synth', '1', 'sine', '11000', 'vol', '0.5');
    const r = await prepareAudio({ id: 'al', audioPath: p }, { cacheDir: cache });
    const { x } = readWav(r.wav16k);
    // An 11 kHz tone would alias to 5 kHz; it must be at least 60 dB down.
    expect(db(power(x.subarray(1000, x.length - 1000)) / 0.125)).toBeLessThan(-60);
  });

  it('segments of a long non-16k file are read from a one-off cached decode', async () => {
    const p = join(dir, 'long48.flac');
    sox('-n', '-r', '48000', '-c', '1', '-b', '16', p, 'synth', '4', 'sine', '300', 'vol', '0.3');
    const a = await prepareAudio({ id: 'l1', audioPath: p, start: 1, end: 2 }, { cacheDir: cache });
    const b = await prepareAudio({ id: 'l2', audioPath: p, start: 2.5, end: 3.5 }, { cacheDir: cache });
    expect(a.durationSec).toBe(1);
    expect(b.durationSec).toBe(1);
    expect(Math.abs(peakHz(readWav(a.wav16k).x) - 300)).toBeLessThan(3);
  });

  it('missing, empty, corrupt and unsupported audio → AudioError naming file and utterance', async () => {
    const empty = join(dir, 'empty.wav');
    writeFileSync(empty, '');
    const corrupt = join(dir, 'corrupt.wav');
    writeFileSync(corrupt, Buffer.concat([Buffer.from('RIFF\x10\x00\x00\x00WAVEfmt '), Buffer.alloc(4)]));
    const text = join(dir, 'notaudio.mp3');
    writeFileSync(text, 'this is not audio at all\n'.repeat(20));
    const cases: Array<[string, RegExp]> = [
      [join(dir, 'missing.wav'), /file not found/],
      [empty, /empty/],
      [corrupt, /corrupt WAV header/],
      [text, /cannot decode audio/],
    ];
    for (const [file, why] of cases) {
      const err = await prepareAudio({ id: 'bad-1', audioPath: file }, { cacheDir: cache }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AudioError);
      expect((err as AudioError).message).toMatch(why);
      expect((err as AudioError).message).toContain(file);
      expect((err as AudioError).message).toContain('bad-1');
      // One line (it is printed after file:line), and ffmpeg's last line is not said twice.
      expect((err as AudioError).message).not.toMatch(/[\r\n]/);
      const last = /ffmpeg exited with code \d+: (.*?) \(ffmpeg: /.exec((err as AudioError).message)?.[1];
      if (last) expect((err as AudioError).message.split(last)).toHaveLength(2);
    }
    const beyond = await prepareAudio({ id: 'b2', audioPath: speech, start: 100, end: 101 }, { cacheDir: cache }).catch((e: unknown) => e);
    expect(String(beyond)).toMatch(/segment start 100s is at or after the end/);
  });
});

describe('qcAudio', () => {
  it('reports original rate/channels, silence ratio and clipping', async () => {
    const p = join(dir, 'half.wav');
    sox('-n', '-r', '44100', '-c', '2', '-b', '16', join(dir, 'tone2.wav'), 'synth', '1', 'sine', '500', 'vol', '0.5');
    sox('-n', '-r', '44100', '-c', '2', '-b', '16', join(dir, 'sil2.wav'), 'trim', '0', '1');
    sox(join(dir, 'sil2.wav'), join(dir, 'tone2.wav'), p);
    const q = await qcAudio(p);
    expect(q.sampleRate).toBe(44100);
    expect(q.channels).toBe(2);
    expect(Math.abs(q.durationSec - 2)).toBeLessThan(0.001);
    expect(Math.abs(q.silenceRatio - 0.5)).toBeLessThan(0.03);
    expect(q.clippingRatio).toBe(0);
  });

  it('estimated SNR rises with the true SNR of speech in stationary noise', async () => {
    const clean = readWav(librivox('0920')).x;
    const est: number[] = [];
    for (const snr of [0, 10, 20]) {
      const rng = new Prng(snr);
      const g = Math.sqrt(power(clean) / 10 ** (snr / 10));
      const y = clean.map((v) => v + g * rng.gaussian());
      est.push((await qcAudio(writeWav(join(dir, `snr${snr}.wav`), y))).snrDb);
    }
    // The recording's own noise floor (~22 dB estimated) caps the top end, so only the ordering is asserted.
    for (let i = 1; i < est.length; i++) expect(est[i]).toBeGreaterThan(est[i - 1] + 3);
    expect(est[0]).toBeLessThan(10);
  });

  it('MP3 QC reads channels through ffprobe', async () => {
    const p = join(dir, 'st.mp3');
    sox('-n', '-r', '44100', '-c', '2', `${p}.wav`, 'synth', '0.5', 'sine', '440');
    ffmpegConvert(`${p}.wav`, p);
    const q = await qcAudio(p);
    expect([q.sampleRate, q.channels]).toEqual([44100, 2]);
  });
});
