import type { Command } from 'commander';
import { synthesiseDemoCorpus } from '../../corpora/synth.ts';
import { DEMO_VOICES } from '../../corpora/voices.ts';
import { UsageError } from '../../manifest/errors.ts';

export interface SynthFlags {
  out: string;
  prompts?: string;
  voices?: string;
  speakers: string;
  sentences: string;
  jobs?: string;
}

function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive whole number, got "${v}"`);
  return n;
}

export async function synthFromFlags(flags: SynthFlags, log: (s: string) => void) {
  const started = Date.now();
  let lastPct = -1;
  const result = await synthesiseDemoCorpus({
    outDir: flags.out,
    promptsFile: flags.prompts,
    voices: flags.voices?.split(',').map((s) => s.trim()).filter(Boolean),
    speakersPerVoice: positiveInt('speakers', flags.speakers),
    sentencesPerSpeaker: positiveInt('sentences', flags.sentences),
    jobs: flags.jobs ? positiveInt('jobs', flags.jobs) : undefined,
    onProgress: (done, total) => {
      const pct = Math.floor((100 * done) / total);
      if (pct % 25 === 0 && pct !== lastPct) {
        lastPct = pct;
        log(`synth: ${done}/${total} utterances`);
      }
    },
  });
  log(
    `synth: ${result.utterances} utterances from ${result.speakers} synthetic speakers ` +
      `(${result.synthesised} newly spoken, ${((Date.now() - started) / 1000).toFixed(1)} s) → ${result.manifest}`,
  );
  return result;
}

export function addSynthOptions(cmd: Command): Command {
  return cmd
    .option('--prompts <file>', 'prompt sentences, one a line (default: Harvard lists 1-4)')
    .option('--voices <ids>', `comma-separated voice ids (default: all: ${DEMO_VOICES.map((v) => v.id).join(',')})`)
    .option('--speakers <n>', 'synthetic speakers per voice (pitch/tempo variants, max 4)', '3')
    .option('--sentences <n>', 'sentences per speaker', '8')
    .option('--jobs <n>', 'parallel synthesis jobs (default: cores)');
}

export function registerSynth(program: Command): void {
  addSynthOptions(
    program
      .command('synth')
      .description('Synthesise the multi-accent demo corpus (TTS voices with documented accents → 16 kHz WAV + manifest)')
      .option('-o, --out <dir>', 'output folder', 'corpora/demo'),
  ).action(async (flags: SynthFlags) => {
    await synthFromFlags(flags, (s) => process.stderr.write(`${s}\n`));
  });
}
