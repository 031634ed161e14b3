/** Minimal RIFF/WAVE reading and canonical 16-bit PCM writing (no dependencies, exact byte layout). */

export const TARGET_RATE = 16000;
export const CANONICAL_HEADER_BYTES = 44;

export interface WavInfo {
  /** 1 = integer PCM, 3 = IEEE float (WAVE_FORMAT_EXTENSIBLE is resolved to its sub-format). */
  format: number;
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Byte offset of the first sample and byte length of the sample data. */
  dataOffset: number;
  dataBytes: number;
  /**
   * The data chunk's size field as written. It differs from `dataBytes` when the header lies: 0 or 0xFFFFFFFF
   * (streamed without seeking back), or more bytes than the file holds (truncated).
   */
  declaredDataBytes: number;
  /** The RIFF chunk's size field (file size − 8 in a well-formed file). */
  riffSize: number;
  /** True when the file is exactly RIFF + 16-byte fmt + data at byte 44 (what `-adchdr 44` readers assume). */
  canonical: boolean;
}

/** Parses a WAV header from the first bytes of a file; returns undefined when it is not RIFF/WAVE. Throws on a broken header. */
export function parseWavHeader(buf: Buffer, fileSize: number): WavInfo | undefined {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') return undefined;
  let off = 12;
  let fmt: Omit<WavInfo, 'dataOffset' | 'dataBytes' | 'declaredDataBytes' | 'riffSize' | 'canonical'> | undefined;
  let fmtSize = 0;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ') {
      if (body + 16 > buf.length) throw new Error('truncated fmt chunk');
      let format = buf.readUInt16LE(body);
      if (format === 0xfffe && size >= 40 && body + 26 <= buf.length) format = buf.readUInt16LE(body + 24);
      fmt = {
        format,
        channels: buf.readUInt16LE(body + 2),
        sampleRate: buf.readUInt32LE(body + 4),
        bitsPerSample: buf.readUInt16LE(body + 14),
      };
      fmtSize = size;
    } else if (id === 'data') {
      if (!fmt) throw new Error('data chunk before fmt chunk');
      // Streams written without seeking leave 0 or 0xFFFFFFFF here: take the rest of the file.
      const avail = fileSize - body;
      const dataBytes = size === 0 || size === 0xffffffff || size > avail ? avail : size;
      return { ...fmt, dataOffset: body, dataBytes, declaredDataBytes: size, riffSize: buf.readUInt32LE(4), canonical: body === CANONICAL_HEADER_BYTES && fmtSize === 16 };
    }
    off = body + size + (size & 1);
  }
  if (!fmt) throw new Error('no fmt chunk in the first bytes of the file');
  throw new Error('no data chunk in the first bytes of the file');
}

/**
 * Data sizes written by tools that stream a WAV without seeking back to fix the header: 0 and 0xFFFFFFFF (ffmpeg and
 * others), 0x7FFFF000 (SoX writing to a pipe) and 0x7FFFFFFF. They mean "to the end of the file", not a real size.
 */
export function isStreamedSize(n: number): boolean {
  return n === 0 || n === 0xffffffff || n === 0x7ffff000 || n === 0x7fffffff;
}

export function isTarget16kMonoS16(w: WavInfo): boolean {
  return w.format === 1 && w.sampleRate === TARGET_RATE && w.channels === 1 && w.bitsPerSample === 16;
}

/**
 * Decodes interleaved sample bytes to one mono Float64 signal in [-1, 1) (channels averaged), into `into` when it is
 * large enough. Undefined for unsupported layouts.
 */
export function decodeToMono(bytes: Buffer, w: WavInfo, into?: Float64Array): Float64Array | undefined {
  const bps = w.bitsPerSample / 8;
  const ch = w.channels;
  if (ch < 1 || !Number.isInteger(bps)) return undefined;
  const frames = Math.floor(bytes.length / (bps * ch));
  const read = sampleReader(bytes, w);
  if (!read) return undefined;
  const out = into && into.length >= frames ? into.subarray(0, frames) : new Float64Array(frames);
  if (w.format === 1 && bps === 2) {
    const v = int16View(bytes, frames * ch);
    if (ch === 1) for (let i = 0; i < frames; i++) out[i] = v[i] / 32768;
    else if (ch === 2) for (let i = 0; i < frames; i++) out[i] = (v[2 * i] + v[2 * i + 1]) / 65536;
    else {
      for (let i = 0; i < frames; i++) {
        let s = 0;
        for (let c = 0; c < ch; c++) s += v[i * ch + c];
        out[i] = s / (32768 * ch);
      }
    }
    return out;
  }
  const stride = bps * ch;
  for (let i = 0; i < frames; i++) {
    let s = 0;
    for (let c = 0; c < ch; c++) s += read(i * stride + c * bps);
    out[i] = s / ch;
  }
  return out;
}

/** Reader of one sample at a byte offset as a float in [-1, 1), for the formats we decode in JS; undefined otherwise. */
function sampleReader(bytes: Buffer, w: WavInfo): ((o: number) => number) | undefined {
  const bps = w.bitsPerSample / 8;
  if (w.format === 1 && bps === 2) return (o) => bytes.readInt16LE(o) / 32768;
  if (w.format === 1 && bps === 1) return (o) => (bytes[o] - 128) / 128;
  if (w.format === 1 && bps === 3) return (o) => bytes.readIntLE(o, 3) / 8388608;
  if (w.format === 1 && bps === 4) return (o) => bytes.readInt32LE(o) / 2147483648;
  if (w.format === 3 && bps === 4) return (o) => bytes.readFloatLE(o);
  if (w.format === 3 && bps === 8) return (o) => bytes.readDoubleLE(o);
  return undefined;
}

/** Decodes interleaved sample bytes to one Float64 signal per channel in [-1, 1); undefined for unsupported layouts. */
export function decodeChannels(bytes: Buffer, w: WavInfo): Float64Array[] | undefined {
  const bps = w.bitsPerSample / 8;
  const ch = w.channels;
  if (ch < 1 || !Number.isInteger(bps)) return undefined;
  const read = sampleReader(bytes, w);
  if (!read) return undefined;
  const frames = Math.floor(bytes.length / (bps * ch));
  const out = Array.from({ length: ch }, () => new Float64Array(frames));
  const stride = bps * ch;
  for (let i = 0; i < frames; i++) for (let c = 0; c < ch; c++) out[c][i] = read(i * stride + c * bps);
  return out;
}

/** Little-endian int16 bytes → float signal in [-1, 1). */
export function s16ToFloat(bytes: Buffer): Float64Array {
  const n = bytes.length >> 1;
  const v = int16View(bytes, n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = v[i] / 32768;
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Int16 samples of little-endian bytes: a zero-copy view when aligned on a little-endian host, else a copy. */
function int16View(bytes: Buffer, n: number): Int16Array {
  if (LITTLE_ENDIAN && bytes.byteOffset % 2 === 0) return new Int16Array(bytes.buffer, bytes.byteOffset, n);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = bytes.readInt16LE(i * 2);
  return out;
}

/**
 * Float signal → int16 bytes by rounding (no dither, so output is reproducible); values beyond full scale are clipped.
 * Returns the bytes and how many samples were clipped.
 */
export function floatToS16(x: Float64Array): { bytes: Buffer; clipped: number } {
  const out = new Int16Array(x.length);
  let clipped = 0;
  for (let i = 0; i < x.length; i++) {
    let v = Math.round(x[i] * 32768);
    if (v > 32767) {
      v = 32767;
      clipped++;
    } else if (v < -32768) {
      v = -32768;
      clipped++;
    }
    out[i] = v;
  }
  const bytes = Buffer.from(out.buffer, 0, out.byteLength);
  if (!LITTLE_ENDIAN) bytes.swap16();
  return { bytes, clipped };
}

/** Canonical 44-byte header for mono 16-bit PCM. */
export function wavHeader16(dataBytes: number, sampleRate = TARGET_RATE): Buffer {
  const h = Buffer.alloc(CANONICAL_HEADER_BYTES);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

export function encodeWav16(pcm: Buffer, sampleRate = TARGET_RATE): Buffer {
  return Buffer.concat([wavHeader16(pcm.length, sampleRate), pcm]);
}
