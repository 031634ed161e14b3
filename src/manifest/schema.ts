import { z } from 'zod';

/** Value used for any grouping attribute a speaker did not declare. */
export const UNDECLARED = 'undeclared';

/** Label value of `labels.role` for corpus staff (e.g. CORAAL interviewers): never pooled into `undeclared`. */
export const INTERVIEWER = 'interviewer';

const labelValue = z.string();

/**
 * What a corpus markup policy did to one utterance's reference (see `src/corpora/importers/markup.ts`):
 * `policy` names the corpus convention applied (e.g. `coraal`), `removed` counts markup tokens taken out of the
 * reference (pauses, non-speech, redactions, unintelligible spans, word fragments), `kinds` counts every markup
 * occurrence by kind (also those only unwrapped and kept as words, such as overlap brackets), and `deletable` the
 * occurrences of `kinds` kept in the reference in sclite's notation as optionally deletable words (CORAAL's word
 * fragments `(like-)`, scored as sclite `-D -F` scores them: NIST Hub-5 convention); absent in older manifests.
 */
export const MarkupSchema = z
  .object({
    policy: z.string().min(1),
    removed: z.number().int().nonnegative(),
    kinds: z.record(z.string(), z.number().int().nonnegative()).default({}),
    deletable: z.record(z.string(), z.number().int().nonnegative()).optional(),
  })
  .strict();
export type Markup = z.infer<typeof MarkupSchema>;

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
    /** Language of the reference, ISO 639-1 (two lower-case letters, e.g. `en`, `ta`; a region may follow: `en-US`), as the corpus documents it. */
    language: z
      .string()
      .regex(/^[a-z]{2}(-[A-Za-z]{2}|-\d{3})?$/, 'language must be an ISO 639-1 code (two lower-case letters, e.g. "en"), optionally with a region ("en-US")')
      .optional(),
    markup: MarkupSchema.optional(),
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

/**
 * Group of an utterance on a label key; missing or blank declarations are `undeclared`, except for corpus staff
 * (`labels.role` = `interviewer`), who are their own group `interviewer` rather than pooled with undeclared speakers.
 */
export function groupOf(u: { readonly labels?: Readonly<Record<string, string>> }, key: string): string {
  const v = u.labels?.[key];
  if (v === undefined || v.trim() === '') return u.labels?.role === INTERVIEWER ? INTERVIEWER : UNDECLARED;
  return v;
}
