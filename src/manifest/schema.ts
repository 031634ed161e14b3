import { z } from 'zod';

/** Value used for any grouping attribute a speaker did not declare. */
export const UNDECLARED = 'undeclared';

const labelValue = z.string();

/** One utterance of a manifest line. Extra fields are kept (passthrough) so importers can carry provenance. */
export const UtteranceSchema = z
  .object({
    id: z.string().min(1, 'id must be a non-empty string'),
    audio: z.string().min(1, 'audio must be a non-empty path'),
    start: z.number().nonnegative().optional(),
    end: z.number().positive().optional(),
    text: z.string().refine((t) => t.trim().length > 0, 'text (the reference transcript) is empty'),
    speaker: z.string().min(1).optional(),
    labels: z.record(z.string(), labelValue).default({}),
    condition: z.record(z.string(), z.string()).optional(),
    corpus: z.string().optional(),
    split: z.string().optional(),
    language: z.string().regex(/^[a-z]{2,3}([-_][A-Za-z0-9]+)*$/, 'language must be an ISO-639-1 code (en, ta), optionally with a region (en-US)').optional(),
  })
  .passthrough()
  .refine((u) => u.start === undefined || u.end === undefined || u.end > u.start, {
    message: 'end must be greater than start',
    path: ['end'],
  });

export type Utterance = z.infer<typeof UtteranceSchema>;

/** A validated utterance plus where it came from, with `audio` resolved to an absolute path. */
export interface ManifestEntry extends Utterance {
  /** Absolute path of the audio file (manifest `audio` resolved against the manifest's folder). */
  audioPath: string;
  /** Manifest file and 1-based line the entry came from, for error messages. */
  source: { file: string; line: number };
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
