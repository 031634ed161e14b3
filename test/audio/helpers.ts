import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav16, floatToS16, parseWavHeader, s16ToFloat } from '../../src/audio/wav.ts';

export const LIBRIVOX = '/usr/share/pocketsphinx/test/data/librivox';
export const librivox = (n: string) => join(LIBRIVOX, `sense_and_sensibility_01_austen_64kb-${n}.wav`);

export function tmp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `asrfair-${prefix}-`));
}

export function sox(...args: string[]): void {
  execFileSync('sox', args, { stdio: 'pipe' });
}

export function ffmpegConvert(input: string, output: string): void {
  execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-i', input, output], { stdio: 'pipe' });
}

/** Reads a 16-bit mono WAV into floats and its sample rate. */
export function readWav(path: string): { x: Float64Array; rate: number } {
  const buf = readFileSync(path);
  const w = parseWavHeader(buf, buf.length)!;
  return { x: s16ToFloat(buf.subarray(w.dataOffset, w.dataOffset + w.dataBytes)), rate: w.sampleRate };
}

export function writeWav(path: string, x: Float64Array, rate = 16000): string {
  writeFileSync(path, encodeWav16(floatToS16(x).bytes, rate));
  return path;
}

export function power(x: Float64Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return s / x.length;
}

export function db(ratio: number): number {
  return 10 * Math.log10(ratio);
}

export function diff(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(Math.min(a.length, b.length));
  for (let i = 0; i < out.length; i++) out[i] = a[i] - b[i];
  return out;
}

export function sine(freq: number, sec: number, amp: number, rate = 16000): Float64Array {
  const x = new Float64Array(Math.round(sec * rate));
  for (let i = 0; i < x.length; i++) x[i] = amp * Math.sin((2 * Math.PI * freq * i) / rate);
  return x;
}
