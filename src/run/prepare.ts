import type { AudioRef } from '../backends/types.ts';
import { prepareAudio, type PrepareEntry, type PrepareOptions } from '../audio/prepare.ts';
import { qcAudio, type AudioQC } from '../audio/qc.ts';

export type { PrepareEntry, PrepareOptions, AudioQC };

/** Turns a manifest entry into the 16 kHz WAV a backend receives (the audio stage's `prepareAudio`). */
export type PrepareFn = (entry: PrepareEntry, opts: PrepareOptions) => Promise<AudioRef>;

/** Audio QC of a prepared WAV (the audio stage's `qcAudio`). */
export type QcFn = (wav16k: string, id: string, cacheDir: string) => Promise<AudioQC>;

export const defaultPrepare: PrepareFn = prepareAudio;

export const defaultQc: QcFn = (wav16k, id, cacheDir) => qcAudio(wav16k, { id }, cacheDir);
