/**
 * Which audio container a file's first bytes announce (magic numbers as each format's specification
 * gives them: RIFF/WAVE, RF64, `fLaC`, ID3v2 or an MPEG audio frame sync (11 set bits, MP3 and AAC
 * ADTS), `OggS`, ISO BMFF `ftyp` at byte 4 (MP4/M4A), `NIST_1A` (NIST SPHERE), IFF `FORM…AIFF/AIFC`,
 * EBML (WebM/Matroska), the ASF header GUID (WMA), `#!AMR`, `caff`, `.snd` (Sun AU)).
 * Returns the format's name, or undefined when none matches: a file no decoder here would be expected
 * to read (random bytes, a text file, an HTML error page saved as .wav).
 */
export function audioSignature(head: Uint8Array): string | undefined {
  const ascii = (from: number, to: number) => String.fromCharCode(...head.subarray(from, to));
  if (head.length >= 12 && (ascii(0, 4) === 'RIFF' || ascii(0, 4) === 'RF64') && ascii(8, 12) === 'WAVE') return 'WAV';
  if (ascii(0, 4) === 'fLaC') return 'FLAC';
  if (ascii(0, 3) === 'ID3') return 'MP3';
  if (head.length >= 2 && head[0] === 0xff && (head[1] & 0xe0) === 0xe0) return 'MPEG audio';
  if (ascii(0, 4) === 'OggS') return 'Ogg';
  if (head.length >= 8 && ascii(4, 8) === 'ftyp') return 'MP4';
  if (ascii(0, 7) === 'NIST_1A') return 'SPHERE';
  if (head.length >= 12 && ascii(0, 4) === 'FORM' && (ascii(8, 12) === 'AIFF' || ascii(8, 12) === 'AIFC')) return 'AIFF';
  if (head.length >= 4 && head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return 'WebM';
  if (head.length >= 4 && head[0] === 0x30 && head[1] === 0x26 && head[2] === 0xb2 && head[3] === 0x75) return 'ASF';
  if (ascii(0, 5) === '#!AMR') return 'AMR';
  if (ascii(0, 4) === 'caff') return 'CAF';
  if (ascii(0, 4) === '.snd') return 'AU';
  return undefined;
}
