import { z } from 'zod';

/** Value used for any grouping attribute a speaker did not declare. */
export const UNDECLARED = 'undeclared';

const labelValue = z.string();

/** One utterance of a manifest line. Extra fields are kept (passthrough) so importers can carry provenance. */
export const UtteranceSchema = z
  .object({
    id: z.string().min(1, 'id must be a non-empty string'),
    /** Absent for a text-only utterance (only backends that answer by utterance id, e.g. hypotheses, can run it). */
    audio: z.string().min(1, 'audio must be a non-empty path').optional(),
    start: z.number().nonnegative().optional(),
    end: z.number().positive().optional(),
    text: z.string().refine((t) => t.trim().length > 0, 'text (the reference transcript) is empty'),
    speaker: z.string().min(1).optional(),
    labels: z.record(z.string(), labelValue).default({}),
    condition: z.record(z.string(), z.string()).optional(),
    corpus: z.string().optional(),
    split: z.string().optional(),
  })
  .passthrough()
  .refine((u) => u.start === undefined || u.end === undefined || u.end > u.start, {
    message: 'end must be greater than start',
    path: ['end'],
  });

export type Utterance = z.infer<typeof UtteranceSchema>;

/** A validated utterance plus where it came from, with `audio` resolved to an absolute path. */
export interface ManifestEntry extends Utterance {
  /**
   * Absolute path of the audio file (manifest `audio` resolved against the manifest's folder); the empty string
   * for a text-only utterance (no `audio`: see `hasAudio`).
   */
  audioPath: string;
  /** Manifest file and 1-based line the entry came from, for error messages. */
  source: { file: string; line: number };
}

/** False for a text-only utterance: no audio, so only backends that answer by utterance id can run it. */
export function hasAudio(e: Pick<ManifestEntry, 'audioPath'>): boolean {
  return e.audioPath !== '';
}

/** Speaker used for clustering: the declared speaker, or the utterance itself when none is given. */
export function speakerOf(u: Pick<Utterance, 'id' | 'speaker'>): string {
  return u.speaker ?? `utt:${u.id}`;
}

/** Group of an utterance on a label key; missing or blank declarations are `undeclared`. */
export function groupOf(u: Pick<Utterance, 'labels'>, key: string): string {
  const v = u.labels?.[key];
  return v === undefined || v.trim() === '' ? UNDECLARED : v;
}
