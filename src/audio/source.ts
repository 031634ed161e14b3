/** Reading any audio source into 16 kHz mono float samples, exactly and reproducibly. */
import { createHash } from 'node:crypto';
import ffmpeg from 'fluent-ffmpeg';
import { createReadStream } from 'node:fs';
import { open, readFile, stat, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AudioError } from './errors.ts';
import { InterruptedError, interruptingSignal } from '../manifest/errors.ts';
import { downmix, rmsDb, type AudioFlag, type SourceFacts } from './flags.ts';
import { runFfmpeg, soxr } from './ffmpeg.ts';
import { canResample, resample } from './resample.ts';
import {
  TARGET_RATE,
  decodeChannels,
  decodeToMono,
  isStreamedSize,
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
  /** Header faults that leave the file usable (fatal ones are AudioErrors). */
  flags: AudioFlag[];
}

/** What decoding found, filled in by `readSource16k` when asked. */
export interface DecodeNotes {
  flags: Set<AudioFlag>;
  /** Loudest channel's RMS over the whole decoded source, dBFS. */
  peakChannelRmsDb?: number;
  /** Seconds of the whole source as decoded (at 16 kHz). */
  decodedSec?: number;
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
  let flags: AudioFlag[] = [];
  if (wav) {
    if (wav.channels < 1 || wav.sampleRate < 1 || wav.bitsPerSample < 1) throw new AudioError(path, id, 'corrupt WAV header: zero channels, rate or sample size');
    flags = await checkWavSizes(wav, st.size, path, id, bytes);
    if (wav.dataBytes < (wav.bitsPerSample / 8) * wav.channels) throw new AudioError(path, id, 'WAV file has no samples');
  }
  return { path, size: st.size, sha256, wav, bytes, flags };
}

/**
 * Checks a WAV header's sizes against the bytes present. A data size that claims more than the file holds
 * (truncated) or fewer bytes than follow it (when what follows is not another RIFF chunk) by more than 10 ms of
 * audio is an AudioError naming both durations; smaller disagreements and the streaming sentinels are flags.
 */
async function checkWavSizes(w: WavInfo, fileSize: number, path: string, id: string | undefined, whole: Buffer | undefined): Promise<AudioFlag[]> {
  const frame = Math.max(1, (w.bitsPerSample / 8) * w.channels);
  const byteRate = w.sampleRate * frame;
  const sec = (b: number) => `${(b / byteRate).toFixed(2)} s`;
  const tolerance = Math.max(frame + 1, Math.round(byteRate * 0.01));
  const avail = fileSize - w.dataOffset;
  const d = w.declaredDataBytes;
  const flags: AudioFlag[] = [];
  if (isStreamedSize(d)) return ['wav-size-unset'];
  if (d > avail) {
    if (d - avail > tolerance) throw new AudioError(path, id, `truncated WAV: the header's data size is ${d} bytes (${sec(d)}) but the file holds ${avail} bytes (${sec(avail)})`);
    flags.push('wav-size-minor');
  } else if (d < avail) {
    const next = w.dataOffset + d + (d & 1);
    const rest = fileSize - next;
    if (rest > 0 && !(await isRiffChunkAt(path, next, fileSize, whole))) {
      if (rest > tolerance) throw new AudioError(path, id, `WAV data size ${d} bytes (${sec(d)}) is followed by ${rest} bytes (${sec(rest)}) that are not a RIFF chunk: the header's size is wrong`);
      flags.push('wav-size-minor');
    }
  }
  if (!flags.length && d % frame !== 0) flags.push('wav-size-minor');
  if (!flags.length && w.riffSize !== fileSize - 8 && w.riffSize !== 0 && w.riffSize !== 0xffffffff) flags.push('riff-size-mismatch');
  return flags;
}

/** True when a plausible RIFF chunk header (4 printable ASCII bytes, a size within the file) starts at `offset`. */
async function isRiffChunkAt(path: string, offset: number, fileSize: number, whole: Buffer | undefined): Promise<boolean> {
  if (fileSize - offset < 8) return false;
  const h = await readRange(path, offset, 8, whole);
  if (h.length < 8) return false;
  for (let i = 0; i < 4; i++) if (h[i] < 0x20 || h[i] > 0x7e) return false;
  return offset + 8 + h.readUInt32LE(4) <= fileSize + 1;
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

/**
 * Decodes any audio with ffmpeg to 16 kHz 16-bit PCM keeping its channels, then mixes to mono in JS (`downmix`: the
 * loudest channel when the channels cancel). Returns the mono int16 bytes.
 */
async function ffmpegDecode(path: string, id: string | undefined, notes?: DecodeNotes): Promise<Buffer> {
  let wav: Buffer;
  try {
    wav = await runFfmpeg({
      input: path,
      outputOptions: ['-map', '0:a:0', '-af', soxr(TARGET_RATE), '-ar', String(TARGET_RATE), '-c:a', 'pcm_s16le'],
      format: 'wav',
    });
  } catch (e) {
    if (e instanceof InterruptedError) throw e;
    throw new AudioError(path, id, `cannot decode audio (unsupported or corrupt): ${(e as Error).message}`);
  }
  let info: WavInfo | undefined;
  try {
    info = parseWavHeader(wav.subarray(0, HEADER_PROBE), wav.length);
  } catch {
    info = undefined;
  }
  if (!info || info.dataBytes < 2 * info.channels) throw new AudioError(path, id, 'cannot decode audio (unsupported or corrupt): no audio samples decoded');
  const data = wav.subarray(info.dataOffset, info.dataOffset + info.dataBytes - (info.dataBytes % (2 * info.channels)));
  if (info.channels === 1) {
    if (notes) {
      notes.decodedSec = data.length / 2 / TARGET_RATE;
      notes.peakChannelRmsDb = rmsDb(s16ToFloat(data));
    }
    return Buffer.from(data);
  }
  const mixed = downmix(decodeChannels(data, info)!);
  if (notes) {
    for (const f of mixed.flags) notes.flags.add(f);
    notes.decodedSec = mixed.mono.length / TARGET_RATE;
    notes.peakChannelRmsDb = mixed.peakChannelRmsDb;
  }
  return floatToS16(mixed.mono).bytes;
}

let scratchBuf = new Float64Array(0);
function scratch(n: number): Float64Array {
  if (scratchBuf.length < n && n <= IN_MEMORY_LIMIT) scratchBuf = new Float64Array(n);
  return scratchBuf;
}

/** Decodes a whole source to 16 kHz mono in memory, JS for PCM/float WAV, ffmpeg for everything else. */
async function decodeWhole(src: SourceInfo, id: string | undefined, notes?: DecodeNotes): Promise<Float64Array> {
  const w = src.wav;
  if (w && canResample(w.sampleRate, TARGET_RATE)) {
    const bytes = await readRange(src.path, w.dataOffset, w.dataBytes, src.bytes);
    if (w.channels > 1) {
      const chans = decodeChannels(bytes, w);
      if (chans) {
        const mixed = downmix(chans);
        if (notes) {
          for (const f of mixed.flags) notes.flags.add(f);
          notes.peakChannelRmsDb = mixed.peakChannelRmsDb;
          notes.decodedSec = mixed.mono.length / w.sampleRate;
        }
        return resample(mixed.mono, w.sampleRate, TARGET_RATE);
      }
    } else {
      // The mono signal only lives until resample() returns (no await in between), so a shared scratch buffer is safe.
      const frames = Math.floor(bytes.length / Math.max(1, w.bitsPerSample / 8));
      const mono = decodeToMono(bytes, w, w.sampleRate !== TARGET_RATE ? scratch(frames) : undefined);
      if (mono) {
        if (notes) {
          notes.peakChannelRmsDb = rmsDb(mono);
          notes.decodedSec = mono.length / w.sampleRate;
        }
        return resample(mono, w.sampleRate, TARGET_RATE);
      }
    }
  }
  return s16ToFloat(await ffmpegDecode(src.path, id, notes));
}

const inflight = new Map<string, Promise<string>>();

/** What decoding a whole source found, stored next to its cached decode. */
interface DecodeSidecar {
  flags: AudioFlag[];
  peakChannelRmsDb?: number;
  decodedSec?: number;
}

/**
 * Path of a cached 16 kHz mono canonical WAV of the whole source (made once, shared by all its segments), with what
 * decoding found (flags, levels) in a JSON file beside it.
 */
function cachedFullDecode(src: SourceInfo, cacheDir: string, id: string | undefined, notes?: DecodeNotes): Promise<string> {
  const dir = join(cacheDir, 'decoded');
  // v2: mono mix made by `downmix` (loudest channel when the channels cancel), not by ffmpeg's -ac 1.
  const file = join(dir, `${src.sha256}.v2.wav`);
  const side = `${file}.json`;
  const fill = async () => {
    if (!notes) return;
    try {
      const d = JSON.parse(await readFile(side, 'utf8')) as DecodeSidecar;
      for (const f of d.flags) notes.flags.add(f);
      if (d.peakChannelRmsDb !== undefined) notes.peakChannelRmsDb = d.peakChannelRmsDb ?? Number.NEGATIVE_INFINITY;
      if (d.decodedSec !== undefined) notes.decodedSec = d.decodedSec;
    } catch {
      /* no sidecar: nothing known */
    }
  };
  let p = inflight.get(file);
  if (!p) {
    p = (async () => {
      try {
        if ((await stat(file)).size > 44) return file;
      } catch {
        /* not cached yet */
      }
      await mkdir(dir, { recursive: true });
      const found: DecodeNotes = { flags: new Set() };
      const pcm = src.wav && src.size <= IN_MEMORY_LIMIT ? floatToS16(await decodeWhole(src, id, found)).bytes : await ffmpegDecode(src.path, id, found);
      const tag = `${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      const sidecar: DecodeSidecar = { flags: [...found.flags], peakChannelRmsDb: found.peakChannelRmsDb, decodedSec: found.decodedSec };
      await writeFile(`${side}.${tag}`, JSON.stringify(sidecar));
      await rename(`${side}.${tag}`, side);
      await writeFile(`${file}.${tag}`, encodeWav16(pcm));
      await rename(`${file}.${tag}`, file);
      return file;
    })().finally(() => inflight.delete(file));
    inflight.set(file, p);
  }
  return p.then(async (f) => (await fill(), f));
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
export async function readSource16k(src: SourceInfo, seg: Segment, cacheDir: string, id?: string, notes?: DecodeNotes): Promise<Float64Array> {
  const w = src.wav;
  const hasSeg = seg.start !== undefined || seg.end !== undefined;
  if (w && isTarget16kMonoS16(w)) {
    const total = Math.floor(w.dataBytes / 2);
    const [s, e] = hasSeg ? segmentSamples(seg, total, src.path, id) : [0, total];
    const x = s16ToFloat(await readRange(src.path, w.dataOffset + s * 2, (e - s) * 2, src.bytes));
    if (notes) {
      notes.decodedSec = total / TARGET_RATE;
      // The level of what was read (the segment): a long file is not read whole just for this.
      notes.peakChannelRmsDb = rmsDb(x);
    }
    return x;
  }
  if (!hasSeg || (w && src.size <= IN_MEMORY_LIMIT)) {
    const all = await decodeWhole(src, id, notes);
    if (!hasSeg) return all;
    const [s, e] = segmentSamples(seg, all.length, src.path, id);
    return all.slice(s, e);
  }
  const full = await cachedFullDecode(src, cacheDir, id, notes);
  const info = parseWavHeader(await readRange(full, 0, 44), (await stat(full)).size)!;
  const [s, e] = segmentSamples(seg, Math.floor(info.dataBytes / 2), src.path, id);
  return s16ToFloat(await readRange(full, info.dataOffset + s * 2, (e - s) * 2));
}

/** ffprobe of the first audio stream: rate, channels, codec and the container's duration (header, not data). */
export function probeSource(path: string, id?: string): Promise<Omit<SourceFacts, 'dataDurationSec' | 'peakChannelRmsDb'>> {
  return new Promise((res, rej) => {
    ffmpeg.ffprobe(path, (err, data) => {
      const sig = err ? interruptingSignal(err) : undefined;
      if (sig) return rej(new InterruptedError('ffprobe', sig));
      if (err) return rej(new AudioError(path, id, `cannot read audio stream: ${(err as Error).message.split('\n')[0]}`));
      const a = data.streams.find((s) => s.codec_type === 'audio');
      if (!a) return rej(new AudioError(path, id, 'no audio stream'));
      const dur = Number(a.duration ?? data.format.duration);
      res({
        sampleRate: Number(a.sample_rate ?? 0),
        channels: Number(a.channels ?? 0),
        ...(a.codec_name ? { codec: a.codec_name } : {}),
        ...(Number.isFinite(dur) && dur > 0 ? { headerDurationSec: dur } : {}),
      });
    });
  });
}

/** Source facts from a WAV header: rate, channels, format, and the durations the header claims and the data holds. */
export function wavFacts(w: WavInfo): Omit<SourceFacts, 'peakChannelRmsDb'> {
  const byteRate = w.sampleRate * Math.max(1, (w.bitsPerSample / 8) * w.channels);
  const unset = isStreamedSize(w.declaredDataBytes);
  const codec = w.format === 3 ? `pcm_f${w.bitsPerSample}le` : w.bitsPerSample === 8 ? 'pcm_u8' : `pcm_s${w.bitsPerSample}le`;
  return {
    sampleRate: w.sampleRate,
    channels: w.channels,
    codec,
    ...(unset ? {} : { headerDurationSec: w.declaredDataBytes / byteRate }),
    dataDurationSec: w.dataBytes / byteRate,
  };
}
