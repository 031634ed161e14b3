import { FS_REASONS, makeOutputDir } from '../manifest/output.ts';
import { InputError, UsageError } from '../manifest/errors.ts';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { makeTempDir, removeTempDir } from '../manifest/tempdir.ts';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import pLimit from 'p-limit';
import { DEMO_VOICES, SPEAKER_VARIANTS, type DemoVoice } from './voices.ts';
import { writeManifest } from '../manifest/jsonl.ts';
import type { Utterance } from '../manifest/schema.ts';

const run = promisify(execFile);

export const HARVARD_PROMPTS = new URL('../../corpora/prompts/harvard.txt', import.meta.url);

export interface SynthOptions {
  /** Output folder; audio goes to `<out>/audio/`, the manifest to `<out>/manifest.jsonl`. */
  outDir: string;
  /** Prompt file: one sentence a line, `#` comments. */
  promptsFile?: string;
  /** Voice ids to use (default: all of DEMO_VOICES). */
  voices?: string[];
  /** Speaker variants per voice (1..SPEAKER_VARIANTS.length). */
  speakersPerVoice?: number;
  /** Sentences each speaker reads. */
  sentencesPerSpeaker?: number;
  /** Parallel synthesis jobs (default: cores). */
  jobs?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface SynthResult {
  manifest: string;
  utterances: number;
  speakers: number;
  /** Files synthesised now (the rest were already there from an earlier run). */
  synthesised: number;
}

/**
 * Prompt sentences: one a line, blank lines and `#` comments skipped. InputError naming the file when it
 * cannot be read or holds no sentence, and naming the file and line of the first prompt with no word a voice can
 * say (`speakableWord`: only punctuation or signs, or only letters beyond a–z): its reference would hold no
 * spoken word, and every voice would read it as silence or noise.
 */
export function readPrompts(file: string | URL): string[] {
  return readPromptLines(file).map((p) => p.text);
}

/** `readPrompts` with each prompt's 1-based line in the file (for checks that name file:line). Same errors. */
export function readPromptLines(file: string | URL): { line: number; text: string }[] {
  const name = typeof file === 'string' ? file : fileURLToPath(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    throw new InputError(name, undefined, `cannot read the prompts file (${FS_REASONS[code] ?? (code || (e as Error).message)})`);
  }
  const prompts: { line: number; text: string }[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    if (!line.split(/\s+/).some(speakableWord)) {
      throw new InputError(name, i + 1, `"${line}": no word a voice can say (only punctuation, signs or letters beyond a-z), so the utterance would have no spoken reference word`);
    }
    prompts.push({ line: i + 1, text: line });
  });
  if (prompts.length === 0) throw new InputError(name, undefined, 'no prompt sentences (one sentence a line; lines starting with # are comments)');
  return prompts;
}

/**
 * Whether a prompt token holds something every voice can say: a letter a–z (CMUdict's words, and what flite's,
 * festival's and espeak-ng's English letter-to-sound rules spell out) or a digit (their number expansion).
 */
export function speakableWord(token: string): boolean {
  return /[A-Za-z0-9]/.test(token);
}

/** Speaks `text` with one voice into a raw WAV at the engine's own rate. */
async function speak(voice: DemoVoice, text: string, outWav: string): Promise<void> {
  if (voice.engine === 'flite') {
    await run('flite', ['-voice', voice.voice, '-t', text, '-o', outWav]);
  } else if (voice.engine === 'espeak-ng') {
    await run('espeak-ng', ['-v', voice.voice, '-w', outWav, text]);
  } else {
    const textFile = `${outWav}.txt`;
    writeFileSync(textFile, text);
    try {
      await run('text2wave', ['-eval', `(voice_${voice.voice})`, '-o', outWav, textFile]);
    } finally {
      rmSync(textFile, { force: true });
    }
  }
}

/**
 * Speaks the prompts with every demo voice and speaker variant into 16 kHz mono 16-bit WAV.
 * Deterministic: the TTS engines are, and sox runs with -D (no dither), so reruns are byte-identical.
 * Existing files are kept, so an interrupted synth resumes.
 */
export async function synthesiseDemoCorpus(opts: SynthOptions): Promise<SynthResult> {
  const prompts = readPrompts(opts.promptsFile ?? HARVARD_PROMPTS);
  const voices = opts.voices ? DEMO_VOICES.filter((v) => opts.voices!.includes(v.id)) : DEMO_VOICES;
  if (opts.voices) {
    const unknown = opts.voices.filter((id) => !DEMO_VOICES.some((v) => v.id === id));
    if (unknown.length) throw new UsageError(`unknown voice(s): ${unknown.join(', ')} (known: ${DEMO_VOICES.map((v) => v.id).join(', ')})`);
  }
  const nSpk = opts.speakersPerVoice ?? 3;
  if (!Number.isInteger(nSpk) || nSpk < 1 || nSpk > SPEAKER_VARIANTS.length) throw new UsageError(`speakers per voice must be 1–${SPEAKER_VARIANTS.length} (the speaker variants), got ${nSpk}`);
  const perSpk = Math.min(opts.sentencesPerSpeaker ?? 8, prompts.length);
  const outDir = resolve(opts.outDir);
  const audioDir = join(outDir, 'audio');
  makeOutputDir(audioDir);
  const work = makeTempDir('asrfair-synth-');

  const utts: Utterance[] = [];
  const jobs: Array<() => Promise<boolean>> = [];
  for (const voice of voices) {
    for (let k = 0; k < nSpk; k++) {
      const variant = SPEAKER_VARIANTS[k];
      const speaker = `${voice.id}${k}`;
      for (let j = 0; j < perSpk; j++) {
        // Each speaker of a voice reads a different window of the prompts; every voice covers the same ones.
        const promptIdx = (k * perSpk + j) % prompts.length;
        const text = prompts[promptIdx];
        const id = `${speaker}-h${String(promptIdx + 1).padStart(3, '0')}`;
        const wav = join(audioDir, `${id}.wav`);
        utts.push({
          id,
          audio: relative(outDir, wav),
          text,
          speaker,
          labels: {
            accent: voice.accent,
            accent_raw: voice.accentRaw,
            gender: voice.gender,
            tts_engine: voice.engine,
            tts_voice: voice.voice,
          },
          corpus: 'asrfair-demo-synthetic-accents',
          split: 'test',
        });
        jobs.push(async () => {
          if (existsSync(wav) && statSync(wav).size > 44) return false;
          const raw = join(work, `${id}.raw.wav`);
          const tmp = join(work, `${id}.wav`);
          await speak(voice, text, raw);
          const effects: string[] = [];
          if (variant.pitchCents !== 0) effects.push('pitch', String(variant.pitchCents));
          if (variant.tempo !== 1) effects.push('tempo', '-s', String(variant.tempo));
          await run('sox', ['-D', raw, '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer', tmp, ...effects, 'rate', '-h', '16000']);
          renameSync(tmp, wav);
          rmSync(raw, { force: true });
          return true;
        });
      }
    }
  }
  const limit = pLimit(opts.jobs ?? Math.max(1, cpus().length));
  let done = 0;
  let synthesised = 0;
  try {
    await Promise.all(
      jobs.map((job) =>
        limit(async () => {
          if (await job()) synthesised++;
          opts.onProgress?.(++done, jobs.length);
        }),
      ),
    );
  } finally {
    removeTempDir(work);
  }
  const manifest = join(outDir, 'manifest.jsonl');
  await writeManifest(manifest, utts);
  writeFileSync(
    join(outDir, 'README.md'),
    `# asrfair demo corpus (synthetic accents)\n\nGenerated by \`asrfair synth\`: Harvard sentences spoken by TTS voices whose documented accents are used as the accent label. These are synthetic accents, not people; the TTS engine (label \`tts_engine\`) is a confounder.\n\nManifest sha256: ${createHash('sha256').update(readFileSync(manifest)).digest('hex')}\n`,
  );
  return { manifest, utterances: utts.length, speakers: voices.length * nSpk, synthesised };
}
