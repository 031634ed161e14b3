/** The files and output lines of `pocketsphinx_batch` 0.8 (hypseg lines, batch WAVs), shared by word decoding and the glass box. */
import { closeSync, openSync, readSync } from 'node:fs';
import { extname, isAbsolute, resolve } from 'node:path';
import { BackendError, type WordTiming } from './types.ts';

export const POCKETSPHINX_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
/** pocketsphinx_batch counts time in frames of 10 ms. */
export const FRAMES_PER_SEC = 100;

/** Words the decoder emits that are not speech: sentence marks, silence, fillers. */
export function isNonSpeechToken(w: string): boolean {
  return w === '<s>' || w === '</s>' || w === '<sil>' || /^\[.*\]$/.test(w) || /^\+\+.*\+\+$/.test(w) || w === '(NULL)';
}

/** One unit of a `-hypseg` line (word or phone; `use(2)` alternates stripped), frames at 100 per second. */
export interface HypsegSegment {
  unit: string;
  startFrame: number;
  /** The next unit's start frame (the utterance's end frame for the last one). */
  endFrame: number;
  /** Acoustic score of the unit. */
  ascr: number;
}

/**
 * Splits one `-hypseg` line: `uttid S scale T total A ascr L lscr {startFrame ascr lscr unit}* endFrame`.
 * Shared by word decoding and the glass box's phone decoding and alignment.
 */
export function hypsegSegments(line: string): { id: string; totalScore: number; segments: HypsegSegment[] } {
  const t = line.trim().split(/\s+/);
  if (t.length < 9 || t[1] !== 'S' || t[3] !== 'T' || t[5] !== 'A' || t[7] !== 'L') {
    throw new Error(`unexpected hypseg line: ${line.slice(0, 120)}`);
  }
  const endFrame = Number(t[t.length - 1]);
  const segments: HypsegSegment[] = [];
  for (let i = 9; i + 3 < t.length; i += 4) {
    segments.push({ unit: t[i + 3].replace(/\(\d+\)$/, ''), startFrame: Number(t[i]), endFrame, ascr: Number(t[i + 1]) });
  }
  for (let k = 0; k + 1 < segments.length; k++) segments[k].endFrame = segments[k + 1].startFrame;
  return { id: t[0], totalScore: Number(t[4]), segments };
}

/**
 * True when a `-hypseg` line shows the search saw no frame: no unit at all (not even `<s>`) and total score 0
 * (`uttid S 0 T 0 A 0 L 0 <end>`; a long-lived process repeats the previous utterance's end frame): audio shorter
 * than the front end's window. Such an empty result is no recognition
 * (nothing was heard as nothing): callers count it as a failure, never as all words deleted.
 */
export function noFramesDecoded(line: string): boolean {
  const { segments, totalScore } = hypsegSegments(line);
  return segments.length === 0 && totalScore === 0;
}

/** Parses one `-hypseg` line into the recognised words (no sentence marks, silences or fillers); times in seconds. */
export function parseHypseg(line: string): { id: string; words: (WordTiming & { acousticScore: number })[]; totalScore: number } {
  const { id, totalScore, segments } = hypsegSegments(line);
  const words = segments
    .filter((s) => !isNonSpeechToken(s.unit))
    .map((s) => ({ word: s.unit, start: s.startFrame / FRAMES_PER_SEC, end: s.endFrame / FRAMES_PER_SEC, acousticScore: s.ascr }));
  return { id, words, totalScore };
}

/** Byte offset of the PCM data in a RIFF/WAVE file (pocketsphinx_batch only skips a fixed header). */
export function wavDataOffset(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new BackendError(`${path}: cannot open audio (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, false);
  }
  try {
    const head = Buffer.alloc(4096);
    const n = readSync(fd, head, 0, head.length, 0);
    if (n < 12 || head.toString('ascii', 0, 4) !== 'RIFF' || head.toString('ascii', 8, 12) !== 'WAVE') {
      throw new BackendError(`${path}: not a RIFF/WAVE file`, false);
    }
    let off = 12;
    while (off + 8 <= n) {
      const id = head.toString('ascii', off, off + 4);
      const size = head.readUInt32LE(off + 4);
      if (id === 'fmt ') {
        const format = head.readUInt16LE(off + 8);
        const channels = head.readUInt16LE(off + 10);
        const rate = head.readUInt32LE(off + 12);
        const bits = head.readUInt16LE(off + 22);
        if (format !== 1 || channels !== 1 || rate !== 16000 || bits !== 16) {
          throw new BackendError(`${path}: PocketSphinx needs 16 kHz mono 16-bit PCM, got ${rate} Hz, ${channels} ch, ${bits}-bit, format ${format}`, false);
        }
      }
      if (id === 'data') return off + 8;
      off += 8 + size + (size % 2);
    }
    throw new BackendError(`${path}: WAV data chunk not found in the first 4 KiB`, false);
  } finally {
    closeSync(fd);
  }
}

/** Checks a WAV is usable by pocketsphinx_batch (`-adcin yes -adchdr 44`) and returns its absolute path. */
export function checkBatchWav(path: string): string {
  const wav = isAbsolute(path) ? path : resolve(path);
  if (extname(wav) !== '.wav') throw new BackendError(`${wav}: pocketsphinx_batch expects a .wav file`, false);
  if (/\s/.test(wav)) throw new BackendError(`${wav}: path contains white space, which pocketsphinx control files cannot carry`, false);
  const off = wavDataOffset(wav);
  if (off !== 44) throw new BackendError(`${wav}: WAV header is ${off} bytes; pocketsphinx_batch needs a canonical 44-byte header`, false);
  return wav;
}
