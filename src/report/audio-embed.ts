/**
 * Which audio a card may inline or link (issue 13.3). `report --embed-audio` used to base64-inline
 * whatever file a row's `audio` named (`/etc/passwd`, a symlink to a secret), even audio that failed to
 * decode. Now a file is embedded only when its row decoded (status ok) and its bytes start like audio;
 * and a file whose real path (symlinks resolved) lies outside the run's audio roots (the manifests'
 * folders, and the run folder) is used only with `allowOutside`, and is then listed on the card.
 */
import { closeSync, openSync, readSync, realpathSync } from 'node:fs';
import { sep } from 'node:path';

/** Leading bytes of the audio containers a browser plays (WAV, MP3, Ogg/Opus, FLAC, MP4/M4A, WebM). */
export function looksLikeAudio(head: Buffer): boolean {
  const s = head.toString('latin1');
  if (s.startsWith('RIFF') && s.slice(8, 12) === 'WAVE') return true;
  if (s.startsWith('ID3') || (head[0] === 0xff && (head[1] & 0xe0) === 0xe0)) return true;
  if (s.startsWith('OggS') || s.startsWith('fLaC')) return true;
  if (s.slice(4, 8) === 'ftyp') return true;
  return head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3;
}

function head(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(16);
    const n = readSync(fd, b, 0, 16, 0);
    return b.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

function within(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

export interface AudioVerdict {
  /** Real path (symlinks resolved) when the file exists. */
  real?: string;
  /** May be inlined (and linked). */
  embed: boolean;
  /** May be linked. */
  link: boolean;
  /** Outside every root (listed on the card when allowed). */
  outside: boolean;
  reason?: string;
}

/** Decides what a card may do with one row's audio file `abs`. `roots`: folders audio may come from. */
export function audioVerdict(abs: string, rowOk: boolean, roots: readonly string[], allowOutside: boolean): AudioVerdict {
  let real: string;
  try {
    real = realpathSync(abs);
  } catch {
    return { embed: false, link: false, outside: false, reason: 'missing' };
  }
  const realRoots = roots.flatMap((r) => {
    try {
      return [realpathSync(r)];
    } catch {
      return [];
    }
  });
  const outside = !realRoots.some((r) => within(real, r));
  if (outside && !allowOutside) return { real, embed: false, link: false, outside, reason: 'outside the manifest folder' };
  let audio = false;
  try {
    audio = looksLikeAudio(head(real));
  } catch {
    audio = false;
  }
  return { real, embed: rowOk && audio, link: audio, outside, ...(audio ? {} : { reason: 'not an audio file' }) };
}
