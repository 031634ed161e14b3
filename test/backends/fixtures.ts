import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { BackendError, type AudioRef } from '../../src/backends/types.ts';

/** Real human speech shipped by Debian's pocketsphinx-testdata: 16 kHz mono WAVs with their transcripts. */
export const LIBRIVOX_DIR = '/usr/share/pocketsphinx/test/data/librivox';

export interface SpeechFixture {
  audio: AudioRef;
  text: string;
}

export function librivoxFixtures(): SpeechFixture[] {
  const lines = readFileSync(`${LIBRIVOX_DIR}/transcription`, 'utf8').split('\n').filter((l) => l.trim());
  return lines.map((line) => {
    const m = /^<s>\s*(.*?)\s*<\/s>\s*\((.+)\)\s*$/.exec(line);
    if (!m) throw new Error(`bad transcription line: ${line}`);
    const [, text, id] = m;
    const path = `${LIBRIVOX_DIR}/${id}.wav`;
    const bytes = readFileSync(path);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    // 44-byte canonical header, 16-bit mono 16 kHz.
    const durationSec = (bytes.length - 44) / 32000;
    return { audio: { id, path, wav16k: path, sha256, durationSec }, text };
  });
}

/** Awaits a promise that must reject with a BackendError, and returns that error. */
export async function failure(p: Promise<unknown>): Promise<BackendError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BackendError);
  return err as BackendError;
}
