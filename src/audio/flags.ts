/**
 * Audio faults found while preparing a recording, and what asrfair does about each kind.
 *
 * A recording fault must never pass as an accuracy gap: a truncated file scored against its full transcript, or a
 * stereo file whose channels cancel in the downmix, looks to a recogniser exactly like speech it failed on. Each kind
 * is either FATAL (the utterance fails with an AudioError: counted per group as an audio failure, excluded from rates)
 * or FLAGGED (the utterance is scored, the flag is stored with its QC and counted per group for the card).
 *
 * | kind | policy | meaning |
 * |---|---|---|
 * | WAV truncated | fail | the data chunk's size says more bytes than the file holds (e.g. header 2.47 s, data 0.62 s) |
 * | WAV data size short | fail | the data chunk's size says fewer bytes than follow it, and what follows is not a RIFF chunk |
 * | `wav-size-unset` | flag | data size 0, 0xFFFFFFFF or SoX's 0x7FFFF000 (a stream written without seeking back): the rest of the file is read |
 * | `wav-size-minor` | flag | header and data disagree by less than 10 ms (a partial last frame, a missing pad byte) |
 * | `riff-size-mismatch` | flag | the RIFF size field is not file size − 8 while the data chunk is consistent |
 * | `duration-mismatch` | flag | compressed audio whose container duration and decoded duration differ by > 0.5 s and > 10% |
 * | `downmix-cancelled` | flag | channels cancel when averaged (antiphase, L = −R): the loudest channel is used instead |
 * | `source-silent` | flag | the recording itself is below −60 dBFS throughout |
 * | `prepared-silent` | flag | the audio a backend receives is silent while the clean source segment is not |
 */
import { groupOf } from '../manifest/schema.ts';

/** Flags that leave the utterance scored (the fatal kinds are AudioErrors, not flags). */
export const AUDIO_FLAGS = [
  'wav-size-unset',
  'wav-size-minor',
  'riff-size-mismatch',
  'duration-mismatch',
  'downmix-cancelled',
  'source-silent',
  'prepared-silent',
] as const;
export type AudioFlag = (typeof AUDIO_FLAGS)[number];

/** One line per flag, for the card's legend and `--help`. */
export const AUDIO_FLAG_MEANINGS: Readonly<Record<AudioFlag, string>> = {
  'wav-size-unset': 'WAV data size unset (0, 0xFFFFFFFF or SoX\'s 0x7FFFF000: a streamed file): read to the end of the file',
  'wav-size-minor': 'WAV header and data disagree by under 10 ms (partial frame or pad byte)',
  'riff-size-mismatch': 'RIFF size field is not the file size − 8 (data chunk consistent)',
  'duration-mismatch': 'container duration and decoded duration differ by more than 0.5 s and 10%',
  'downmix-cancelled': 'channels cancel in the mono mix (antiphase): the loudest channel was used instead',
  'source-silent': 'the recording is below −60 dBFS throughout',
  'prepared-silent': 'the audio sent to the backend is silent while the clean source is not',
};

/** What the audio stage measured on the SOURCE file (not the prepared 16 kHz copy). */
export interface SourceFacts {
  /** Sample rate (Hz) and channel count of the source as stored. */
  sampleRate: number;
  channels: number;
  /** Codec or WAV sample format, e.g. `pcm_s16le`, `mp3`. */
  codec?: string;
  /** Duration from the header (WAV data size ÷ byte rate; a container's duration field), seconds. */
  headerDurationSec?: number;
  /** Duration of the samples actually present and decodable, seconds. */
  dataDurationSec?: number;
  /** Loudest channel's RMS level over the whole source, dBFS (−Infinity for digital silence). */
  peakChannelRmsDb?: number;
}

/** Silence threshold of the silent-audio flags: RMS below this is "silent" (dBFS). */
export const SILENT_DBFS = -60;

/** RMS level of a signal in dBFS (full scale = 1.0); −Infinity for an empty or all-zero signal. */
export function rmsDb(x: Float64Array): number {
  if (x.length === 0) return Number.NEGATIVE_INFINITY;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return 10 * Math.log10(s / x.length);
}

/**
 * Mono downmix of decoded channels (each a Float64Array of equal length, [-1, 1)). The plain average is used unless
 * it is more than 10 dB below the loudest channel (channels cancel: antiphase or near it; uncorrelated channels of
 * equal power lose only 3 dB, a dead channel 6 dB), in which case the loudest channel is returned and flagged.
 */
export function downmix(channels: Float64Array[]): { mono: Float64Array; flags: AudioFlag[]; peakChannelRmsDb: number } {
  const levels = channels.map(rmsDb);
  let best = 0;
  for (let c = 1; c < channels.length; c++) if (levels[c] > levels[best]) best = c;
  if (channels.length === 1) return { mono: channels[0], flags: [], peakChannelRmsDb: levels[0] };
  const n = channels[0].length;
  const mono = new Float64Array(n);
  for (const ch of channels) for (let i = 0; i < n; i++) mono[i] += ch[i];
  for (let i = 0; i < n; i++) mono[i] /= channels.length;
  const mixDb = rmsDb(mono);
  if (levels[best] > SILENT_DBFS && mixDb < levels[best] - 10) return { mono: channels[best].slice(), flags: ['downmix-cancelled'], peakChannelRmsDb: levels[best] };
  return { mono, flags: [], peakChannelRmsDb: levels[best] };
}

/**
 * Counts audio flags per group, for the service card: for each group of `key` (missing → `undeclared`), how many
 * utterances carry each flag and how many carry any. Input rows are run utterances (`labels`, `audioFlags`);
 * an utterance is counted once per flag however many backends or conditions it ran through, when `id` is given.
 */
export function countAudioFlagsByGroup(
  rows: Iterable<{ id?: string; labels: Record<string, string>; audioFlags?: readonly string[] }>,
  key: string,
): Map<string, { utterances: number; flagged: number; flags: Record<string, number> }> {
  const out = new Map<string, { utterances: number; flagged: number; flags: Record<string, number> }>();
  const seen = new Set<string>();
  for (const r of rows) {
    if (r.id !== undefined) {
      if (seen.has(r.id)) continue;
      seen.add(r.id);
    }
    const group = groupOf(r, key);
    let g = out.get(group);
    if (!g) out.set(group, (g = { utterances: 0, flagged: 0, flags: {} }));
    g.utterances++;
    const flags = new Set(r.audioFlags ?? []);
    if (flags.size) g.flagged++;
    for (const f of flags) g.flags[f] = (g.flags[f] ?? 0) + 1;
  }
  return out;
}
