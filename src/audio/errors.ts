/**
 * Audio that cannot be used for one utterance (missing, empty, corrupt, unsupported, segment out of range).
 * The run engine records it as a per-utterance failure instead of stopping the run.
 */
export class AudioError extends Error {
  constructor(
    readonly file: string,
    readonly utteranceId: string | undefined,
    readonly detail: string,
  ) {
    super(`${utteranceId === undefined ? '' : `utterance ${utteranceId}: `}audio ${file}: ${detail}`);
    this.name = 'AudioError';
  }
}
