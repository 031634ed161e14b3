/**
 * Recording faults must not pass as accuracy gaps (issue 12, item 3): each kind from its smallest input, then real
 * audio from ../shared/data.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareAudio } from '../../src/audio/prepare.ts';
import { AudioError } from '../../src/audio/errors.ts';
import { countAudioFlagsByGroup, downmix } from '../../src/audio/flags.ts';
import { qcAudio, withSourceFacts } from '../../src/audio/qc.ts';
import { encodeWav16, floatToS16, parseWavHeader } from '../../src/audio/wav.ts';
import { ffmpegConvert, librivox, readWav, sine, sox, tmp } from './helpers.ts';

let dir: string;
let cache: string;
beforeAll(() => {
  dir = tmp('faults');
  cache = join(dir, 'cache');
});

/** A canonical 16-bit PCM WAV of interleaved channels at `rate`, header sizes exactly as given. */
function wavBytes(channels: Float64Array[], rate: number, opts: { dataSize?: number; riffSize?: number } = {}): Buffer {
  const n = channels[0].length;
  const inter = new Float64Array(n * channels.length);
  for (let i = 0; i < n; i++) for (let c = 0; c < channels.length; c++) inter[i * channels.length + c] = channels[c][i];
  const pcm = floatToS16(inter).bytes;
  const h = encodeWav16(pcm, rate).subarray(0, 44);
  h.writeUInt16LE(channels.length, 22);
  h.writeUInt32LE(rate * 2 * channels.length, 28);
  h.writeUInt16LE(2 * channels.length, 32);
  if (opts.dataSize !== undefined) h.writeUInt32LE(opts.dataSize, 40);
  h.writeUInt32LE(opts.riffSize ?? 36 + pcm.length, 4);
  return Buffer.concat([h, pcm]);
}

const speech = () => readWav(librivox('0920')).x;

describe('WAV header against data', () => {
  it('truncated WAV (header says 2.47 s, data 0.62 s) fails naming both durations; the backend never gets it', async () => {
    const x = speech().slice(0, Math.round(2.47 * 16000));
    const full = wavBytes([x], 16000);
    const p = join(dir, 'trunc.wav');
    writeFileSync(p, full.subarray(0, 44 + Math.round(0.62 * 16000) * 2));
    const err = await prepareAudio({ id: 'tr-1', audioPath: p }, { cacheDir: cache }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AudioError);
    expect(String(err)).toMatch(/truncated WAV.*2\.47 s.*0\.62 s/);
    expect(String(err)).toContain('tr-1');
  });

  it('a data size shorter than the bytes that follow it (not a chunk) fails; a trailing LIST chunk is fine', async () => {
    const x = speech().slice(0, 16000 * 2);
    const lying = wavBytes([x], 16000, { dataSize: 0.5 * 16000 * 2 });
    const p = join(dir, 'lying.wav');
    writeFileSync(p, lying);
    await expect(prepareAudio({ id: 'ly', audioPath: p }, { cacheDir: cache })).rejects.toThrow(/data size 16000 bytes \(0\.50 s\) is followed by 48000 bytes \(1\.50 s\)/);

    const list = Buffer.concat([Buffer.from('LIST'), Buffer.alloc(4), Buffer.from('INFO')]);
    list.writeUInt32LE(4, 4);
    const good = wavBytes([x.slice(0, 8000)], 16000);
    good.writeUInt32LE(good.readUInt32LE(4) + list.length, 4);
    const q = join(dir, 'list.wav');
    writeFileSync(q, Buffer.concat([good, list]));
    const r = await prepareAudio({ id: 'li', audioPath: q }, { cacheDir: cache });
    expect(r.flags).toEqual([]);
    expect(r.durationSec).toBe(0.5);
    // Not the original: its trailing chunk is dropped from what a backend receives.
    expect(r.wav16k).not.toBe(q);
  });

  it('a streamed WAV (data size 0xFFFFFFFF) is read to the end and flagged; a one-sample shortfall is flagged, not failed', async () => {
    const x = speech().slice(0, 16000);
    const p = join(dir, 'stream.wav');
    writeFileSync(p, wavBytes([x], 16000, { dataSize: 0xffffffff, riffSize: 0xffffffff }));
    const r = await prepareAudio({ id: 'st', audioPath: p }, { cacheDir: cache });
    expect(r.flags).toEqual(['wav-size-unset']);
    expect(r.durationSec).toBe(1);
    expect(r.wav16k).not.toBe(p);
    expect(parseWavHeader(readFileSync(r.wav16k), readFileSync(r.wav16k).length)!.declaredDataBytes).toBe(32000);

    // SoX writing to a pipe leaves 0x7FFFF000 in the data size: a real streamed WAV, not a truncated one.
    const piped = join(dir, 'sox-pipe.wav');
    const raw = readFileSync(librivox('0920')).subarray(44);
    writeFileSync(piped, execFileSync('sox', ['-t', 'raw', '-r', '16000', '-e', 'signed', '-b', '16', '-c', '1', '-', '-t', 'wav', '-'], { input: raw }));
    expect(readFileSync(piped).readUInt32LE(40)).toBe(0x7ffff000);
    const sp = await prepareAudio({ id: 'sp', audioPath: piped }, { cacheDir: cache });
    expect(sp.flags).toEqual(['wav-size-unset']);
    expect(sp.durationSec).toBeCloseTo(readWav(librivox('0920')).x.length / 16000, 6);

    const q = join(dir, 'short1.wav');
    writeFileSync(q, wavBytes([x], 16000).subarray(0, 44 + 32000 - 2));
    const s = await prepareAudio({ id: 's1', audioPath: q }, { cacheDir: cache });
    expect(s.flags).toEqual(['wav-size-minor']);
    expect(s.source?.headerDurationSec).toBe(1);
    expect(s.source?.dataDurationSec).toBeCloseTo(0.9999, 4);
  });
});

describe('stereo downmix', () => {
  it('antiphase stereo (L = −R) falls back to one channel instead of digital silence, and is flagged', async () => {
    const x = speech().slice(0, 16000 * 2);
    const neg = x.map((v) => -v);
    const p = join(dir, 'anti.wav');
    writeFileSync(p, wavBytes([x, neg], 16000));
    const r = await prepareAudio({ id: 'an', audioPath: p }, { cacheDir: cache });
    expect(r.flags).toEqual(['downmix-cancelled']);
    const y = readWav(r.wav16k).x;
    let maxErr = 0;
    for (let i = 0; i < y.length; i++) maxErr = Math.max(maxErr, Math.abs(y[i] - x[i]));
    expect(maxErr).toBeLessThan(1 / 32768 + 1e-9);
    expect(r.source).toMatchObject({ sampleRate: 16000, channels: 2 });
    // Cached: the flag comes back with the cached file.
    const again = await prepareAudio({ id: 'an', audioPath: p }, { cacheDir: cache });
    expect(again.flags).toEqual(['downmix-cancelled']);
    expect(again.sha256).toBe(r.sha256);
  });

  it('antiphase MP3 at 44.1 kHz (decoded by ffmpeg) is caught too; ordinary stereo is not flagged', async () => {
    const a = join(dir, 'anti44.wav');
    sox(librivox('0920'), '-r', '44100', '-c', '2', a, 'remix', '1', '1i');
    const m = join(dir, 'anti44.mp3');
    ffmpegConvert(a, m);
    const r = await prepareAudio({ id: 'am', audioPath: m }, { cacheDir: cache });
    expect(r.flags).toContain('downmix-cancelled');
    expect(r.source).toMatchObject({ sampleRate: 44100, channels: 2, codec: 'mp3' });
    const y = readWav(r.wav16k).x;
    expect(Math.sqrt(y.reduce((s, v) => s + v * v, 0) / y.length)).toBeGreaterThan(0.01);

    const b = join(dir, 'same44.wav');
    sox(librivox('0920'), '-r', '44100', '-c', '2', b, 'remix', '1', '1');
    expect((await prepareAudio({ id: 'ok', audioPath: b }, { cacheDir: cache })).flags).toEqual([]);
  });

  it('downmix keeps the plain mean for uncorrelated and one-dead-channel stereo', () => {
    const l = sine(300, 0.5, 0.5);
    const r = sine(710, 0.5, 0.5);
    expect(downmix([l, r]).flags).toEqual([]);
    expect(downmix([l, new Float64Array(l.length)]).flags).toEqual([]);
    expect(downmix([l, l.map((v) => -v * 0.99)]).flags).toEqual(['downmix-cancelled']);
  });
});

describe('silence', () => {
  it('a condition that silences the audio is flagged prepared-silent; an all-zero recording is source-silent', async () => {
    const p = join(dir, 'tone.wav');
    writeFileSync(p, wavBytes([sine(440, 1, 0.3)], 22050));
    const r = await prepareAudio({ id: 'g', audioPath: p }, { cacheDir: cache, condition: { name: 'mute', steps: [{ type: 'gain', db: -50 }, { type: 'gain', db: -50 }] } });
    expect(r.flags).toEqual(['prepared-silent']);
    const z = join(dir, 'zero.wav');
    writeFileSync(z, wavBytes([new Float64Array(16000)], 16000));
    expect((await prepareAudio({ id: 'z', audioPath: z }, { cacheDir: cache })).flags).toEqual(['source-silent']);
  });
});

describe('QC measures the source', () => {
  it('8 kHz telephone audio keeps its 8 kHz and channel count in QC, not the prepared 16 kHz mono', async () => {
    const p = join(dir, 'tel8k.wav');
    sox(librivox('0920'), '-r', '8000', '-c', '2', p);
    const a = await prepareAudio({ id: 't8', audioPath: p }, { cacheDir: cache });
    const prepared = await qcAudio(a.wav16k);
    expect([prepared.sampleRate, prepared.channels]).toEqual([16000, 1]);
    const q = withSourceFacts(prepared, a);
    expect([q.sampleRate, q.channels]).toEqual([8000, 2]);
    expect(q.source?.headerDurationSec).toBeCloseTo(a.durationSec, 2);
    expect(q.flags).toEqual([]);
  });

  it('real Common Voice MP3s: 48 kHz mono from the header, durations agree, no flags', async () => {
    const clips = join(import.meta.dirname, '../../../shared/data/cv-6.1-en-sample/en/clips');
    const names = readdirSync(clips).filter((f) => f.endsWith('.mp3')).sort().slice(0, 3);
    for (const n of names) {
      const r = await prepareAudio({ id: n, audioPath: join(clips, n) }, { cacheDir: cache });
      expect(r.source).toMatchObject({ sampleRate: 48000, channels: 1, codec: 'mp3' });
      expect(Math.abs(r.source!.headerDurationSec! - r.source!.dataDurationSec!)).toBeLessThan(0.2);
      expect(r.flags).toEqual([]);
    }
  });

  it('real speechocean762 WAVs are verified and copied to a .wav name pocketsphinx_batch can read, sample for sample; a truncated copy fails', async () => {
    const wavDir = join(import.meta.dirname, '../../../shared/data/speechocean762-sample/WAVE');
    const spk = readdirSync(wavDir).sort()[0];
    const file = join(wavDir, spk, readdirSync(join(wavDir, spk)).sort()[0]);
    const r = await prepareAudio({ id: 'so', audioPath: file }, { cacheDir: cache });
    // `.WAV` is not a name pocketsphinx_batch's `-cepext .wav` finds: the prepared copy has the same samples.
    expect(r.wav16k).not.toBe(file);
    expect(r.wav16k.endsWith('.wav')).toBe(true);
    expect(readFileSync(r.wav16k).subarray(44).equals(readFileSync(file).subarray(44))).toBe(true);
    expect(r.flags).toEqual([]);
    expect(r.source).toMatchObject({ sampleRate: 16000, channels: 1, codec: 'pcm_s16le' });
    const cut = join(dir, 'so-cut.wav');
    copyFileSync(file, cut);
    const bytes = readFileSync(cut);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 4)));
    await expect(prepareAudio({ id: 'so-cut', audioPath: cut }, { cacheDir: cache })).rejects.toThrow(/truncated WAV/);
  });
});

describe('countAudioFlagsByGroup', () => {
  it('counts each utterance once per flag per group; missing labels are undeclared', () => {
    const rows: { id: string; labels: Record<string, string>; audioFlags?: string[] }[] = [
      { id: 'a', labels: { accent: 'us' }, audioFlags: ['downmix-cancelled'] },
      { id: 'a', labels: { accent: 'us' }, audioFlags: ['downmix-cancelled'] },
      { id: 'b', labels: { accent: 'us' } },
      { id: 'c', labels: {}, audioFlags: ['source-silent', 'wav-size-unset'] },
    ];
    const m = countAudioFlagsByGroup(rows, 'accent');
    expect(m.get('us')).toEqual({ utterances: 2, flagged: 1, flags: { 'downmix-cancelled': 1 } });
    expect(m.get('undeclared')).toEqual({ utterances: 1, flagged: 1, flags: { 'source-silent': 1, 'wav-size-unset': 1 } });
  });
});
