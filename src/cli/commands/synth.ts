import type { Command } from 'commander';
import { synthesiseDemoCorpus } from '../../corpora/synth.ts';
import { DEMO_VOICES } from '../../corpora/voices.ts';
import { UsageError } from '../../manifest/errors.ts';
import { buildPlantedCorpus, readAccentRules } from '../../corpora/planted/index.ts';

export interface SynthFlags {
  out: string;
  prompts?: string;
  voices?: string;
  speakers: string;
  sentences: string;
  jobs?: string;
  accentRules?: string;
  seed?: string;
  plantedVoice?: string;
  matchedSpeakers?: boolean;
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
    .option('--speakers <n>', 'synthetic speakers per voice (pitch/tempo variants, max 4); per group with --accent-rules (max 24)', '3')
    .option('--sentences <n>', 'sentences per speaker', '8')
    .option('--jobs <n>', 'parallel synthesis jobs (default: cores)');
}

/** `synth --accent-rules`: the planted-accent corpus (src/corpora/planted). Defaults differ from the demo's: 6 speakers, 40 sentences. */
async function plantedFromFlags(flags: SynthFlags, cmd: Command, log: (s: string) => void): Promise<void> {
  const given = (name: string) => cmd.getOptionValueSource(name) !== 'default';
  const seed = flags.seed === undefined ? 1 : Number(flags.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`--seed must be a whole number ≥ 0, got "${flags.seed}"`);
  const started = Date.now();
  const r = await buildPlantedCorpus({
    rules: readAccentRules(flags.accentRules!),
    outDir: given('out') ? flags.out : 'corpora/planted',
    speakers: given('speakers') ? positiveInt('speakers', flags.speakers) : 6,
    sentences: given('sentences') ? positiveInt('sentences', flags.sentences) : 40,
    seed,
    promptsFile: flags.prompts,
    voice: flags.plantedVoice,
    jobs: flags.jobs ? positiveInt('jobs', flags.jobs) : undefined,
    matchedSpeakers: flags.matchedSpeakers === true,
    onProgress: (m) => log(`synth: ${m}`),
  });
  for (const g of r.groups) log(`synth: group ${g.name}: ${g.rules.length ? g.rules.join(', ') : 'no rules (null group)'}, ${g.speakers.length} speakers`);
  log(`synth: ${r.utterances.length} utterances (${r.synthesised} newly spoken, ${((Date.now() - started) / 1000).toFixed(1)} s) → ${r.manifest}; ground truth → ${r.groundTruth}`);
}

export function registerSynth(program: Command): void {
  const cmd = addSynthOptions(
    program
      .command('synth')
      .description('Synthesise the multi-accent demo corpus (TTS voices with documented accents → 16 kHz WAV + manifest), or with --accent-rules a planted-accent corpus with ground truth')
      .option('-o, --out <dir>', 'output folder (default corpora/demo; corpora/planted with --accent-rules)', 'corpora/demo'),
  )
    .option('--accent-rules <rules.yaml>', 'planted accents: groups of phonological rules applied to CMUdict pronunciations, spoken by one festival voice (speakers default 6 per group, sentences 40)')
    .option('--seed <n>', 'with --accent-rules: seed of rule application and speaker draws', '1')
    .option('--matched-speakers', 'with --accent-rules: speaker k has the same pitch and tempo in every group (label speaker_profile), so groups differ only by their rules')
    .option('--planted-voice <name>', 'with --accent-rules: festival voice (default: the rules file\'s voice, else cmu_us_slt_arctic_hts)');
  cmd.action(async (flags: SynthFlags) => {
    const log = (s: string) => process.stderr.write(`${s}\n`);
    if (flags.accentRules) await plantedFromFlags(flags, cmd, log);
    else await synthFromFlags(flags, log);
  });
}
