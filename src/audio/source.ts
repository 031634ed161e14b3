/** Reading any audio source into 16 kHz mono float samples, exactly and reproducibly. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, stat, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AudioError } from './errors.ts';
import { runFfmpeg, soxr } from './ffmpeg.ts';
import { canResample, resample } from './resample.ts';
import {
  TARGET_RATE,
  decodeToMono,
  encodeWav16,
  floatToS16,
  isTarget16kMonoS16,
  parseWavHeader,
  s16ToFloat,
  type WavInfo,
} from './wav.ts';

/** Files larger than this are decoded once to a cached 16 kHz copy instead of into memory per segment. */
const IN_MEMORY_LIMIT = 64 << 20;
const HEADER_PROBE = 64 << 10;
/** Files up to this size are read once whole (hash + decode from the same bytes); larger ones by range. */
const READ_WHOLE_LIMIT = 16 << 20;

export interface SourceInfo {
  path: string;
  size: number;
  /** sha256 of the file bytes. */
  sha256: string;
  /** Present when the file is a readable WAV. */
  wav?: WavInfo;
  /** The whole file, when it is small enough to have been read in one go (saves a second read for decoding). */
  bytes?: Buffer;
}

const hashMemo = new Map<string, string>();

/** sha256 of a file's bytes, memoised per (path, size, mtime) for this process. */
export async function hashFile(path: string, size: number, mtimeMs: number): Promise<string> {
  const memo = `${path}|${size}|${mtimeMs}`;
  const hit = hashMemo.get(memo);
  if (hit) return hit;
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  const digest = h.digest('hex');
  if (hashMemo.size > 100_000) hashMemo.clear();
  hashMemo.set(memo, digest);
  return digest;
}

/** Checks the file exists, is non-empty and (if WAV) has a sane header; hashes it. */
export async function inspectSource(path: string, id?: string): Promise<SourceInfo> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new AudioError(path, id, code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? (e as Error).message})`);
  }
  if (!st.isFile()) throw new AudioError(path, id, 'not a regular file');
  if (st.size === 0) throw new AudioError(path, id, 'file is empty (0 bytes)');
  let head: Buffer;
  let bytes: Buffer | undefined;
  let sha256: string;
  if (st.size <= READ_WHOLE_LIMIT) {
    bytes = await readFile(path);
    head = bytes.subarray(0, HEADER_PROBE);
    const memo = `${path}|${st.size}|${st.mtimeMs}`;
    sha256 = hashMemo.get(memo) ?? createHash('sha256').update(bytes).digest('hex');
    hashMemo.set(memo, sha256);
  } else {
    const fh = await open(path, 'r');
    try {
      head = Buffer.alloc(HEADER_PROBE);
      await fh.read(head, 0, head.length, 0);
    } finally {
      await fh.close();
    }
    sha256 = await hashFile(path, st.size, st.mtimeMs);
  }
  let wav: WavInfo | undefined;
  try {
    wav = parseWavHeader(head, st.size);
  } catch (e) {
    throw new AudioError(path, id, `corrupt WAV header: ${(e as Error).message}`);
  }
  if (wav) {
    if (wav.channels < 1 || wav.sampleRate < 1 || wav.bitsPerSample < 1) throw new AudioError(path, id, 'corrupt WAV header: zero channels, rate or sample size');
    if (wav.dataBytes < (wav.bitsPerSample / 8) * wav.channels) throw new AudioError(path, id, 'WAV file has no samples');
  }
  return { path, size: st.size, sha256, wav, bytes };
}

async function readRange(path: string, offset: number, length: number, whole?: Buffer): Promise<Buffer> {
  if (whole) return whole.subarray(offset, Math.min(whole.length, offset + length));
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await fh.read(buf, 0, length, offset);
    return bytesRead === length ? buf : buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

async function ffmpegDecode(path: string, id: string | undefined): Promise<Buffer> {
  try {
    const pcm = await runFfmpeg({
      input: path,
      outputOptions: ['-map', '0:a:0', '-af', soxr(TARGET_RATE), '-ar', String(TARGET_RATE), '-ac', '1', '-c:a', 'pcm_s16le'],
      format: 's16le',
    });
    if (pcm.length < 2) throw new Error('no audio samples decoded');
    return pcm;
  } catch (e) {
    throw new AudioError(path, id, `cannot decode audio (unsupported or corrupt): ${(e as Error).message}`);
  }
}

let scratchBuf = new Float64Array(0);
function scratch(n: number): Float64Array {
  if (scratchBuf.length < n && n <= IN_MEMORY_LIMIT) scratchBuf = new Float64Array(n);
  return scratchBuf;
}

/** Decodes a whole source to 16 kHz mono in memory, JS for PCM/float WAV, ffmpeg for everything else. */
async function decodeWhole(src: SourceInfo, id: string | undefined): Promise<Float64Array> {
  const w = src.wav;
  if (w && canResample(w.sampleRate, TARGET_RATE)) {
    const bytes = await readRange(src.path, w.dataOffset, w.dataBytes, src.bytes);
    // The mono signal only lives until resample() returns (no await in between), so a shared scratch buffer is safe.
    const frames = Math.floor(bytes.length / Math.max(1, (w.bitsPerSample / 8) * w.channels));
    const mono = decodeToMono(bytes, w, w.sampleRate !== TARGET_RATE ? scratch(frames) : undefined);
    if (mono) return resample(mono, w.sampleRate, TARGET_RATE);
  }
  return s16ToFloat(await ffmpegDecode(src.path, id));
}

const inflight = new Map<string, Promise<string>>();

/** Path of a cached 16 kHz mono canonical WAV of the whole source (made once, shared by all its segments). */
function cachedFullDecode(src: SourceInfo, cacheDir: string, id: string | undefined): Promise<string> {
  const dir = join(cacheDir, 'decoded');
  const file = join(dir, `${src.sha256}.wav`);
  let p = inflight.get(file);
  if (!p) {
    p = (async () => {
      try {
        if ((await stat(file)).size > 44) return file;
      } catch {
        /* not cached yet */
      }
      await mkdir(dir, { recursive: true });
      const pcm = src.wav && src.size <= IN_MEMORY_LIMIT ? floatToS16(await decodeWhole(src, id)).bytes : await ffmpegDecode(src.path, id);
      const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      await writeFile(tmp, encodeWav16(pcm));
      await rename(tmp, file);
      return file;
    })().finally(() => inflight.delete(file));
    inflight.set(file, p);
  }
  return p;
}

export interface Segment {
  start?: number;
  end?: number;
}

function segmentSamples(seg: Segment, total: number, path: string, id: string | undefined): [number, number] {
  const s = Math.round((seg.start ?? 0) * TARGET_RATE);
  const e = seg.end === undefined ? total : Math.round(seg.end * TARGET_RATE);
  const dur = (total / TARGET_RATE).toFixed(3);
  if (s >= total) throw new AudioError(path, id, `segment start ${seg.start}s is at or after the end of the audio (${dur}s)`);
  // Transcribers' end times overshoot a little; more than half a second means the segment belongs to another file.
  if (e > total + TARGET_RATE / 2) throw new AudioError(path, id, `segment end ${seg.end}s is beyond the end of the audio (${dur}s)`);
  if (e <= s) throw new AudioError(path, id, `empty segment ${seg.start}–${seg.end}s`);
  return [s, Math.min(e, total)];
}

/**
 * 16 kHz mono samples of a source (or a segment of it). Long or non-WAV sources with segments are decoded once
 * into `cacheDir/decoded/<sha256>.wav`, and segments are read from there by byte range.
 */
export async function readSource16k(src: SourceInfo, seg: Segment, cacheDir: string, id?: string): Promise<Float64Array> {
  const w = src.wav;
  const hasSeg = seg.start !== undefined || seg.end !== undefined;
  if (w && isTarget16kMonoS16(w)) {
    const total = Math.floor(w.dataBytes / 2);
    const [s, e] = hasSeg ? segmentSamples(seg, total, src.path, id) : [0, total];
    return s16ToFloat(await readRange(src.path, w.dataOffset + s * 2, (e - s) * 2, src.bytes));
  }
  if (!hasSeg || (w && src.size <= IN_MEMORY_LIMIT)) {
    const all = await decodeWhole(src, id);
    if (!hasSeg) return all;
    const [s, e] = segmentSamples(seg, all.length, src.path, id);
    return all.slice(s, e);
  }
  const full = await cachedFullDecode(src, cacheDir, id);
  const info = parseWavHeader(await readRange(full, 0, 44), (await stat(full)).size)!;
  const [s, e] = segmentSamples(seg, Math.floor(info.dataBytes / 2), src.path, id);
  return s16ToFloat(await readRange(full, info.dataOffset + s * 2, (e - s) * 2));
}
