import type { Command } from 'commander';
import { sayErrBlock, warnLine } from '../terminal.ts';
import { fileURLToPath } from 'node:url';
import { HARVARD_PROMPTS, readPrompts, synthesiseDemoCorpus, type SynthOptions } from '../../corpora/synth.ts';
import { DEMO_VOICES, SPEAKER_VARIANTS } from '../../corpora/voices.ts';
import { UsageError } from '../../manifest/errors.ts';
import { MAX_PLANTED_SPEAKERS, buildPlantedCorpus, checkGroupDesign, checkPlantedPrompts, checkRulesCanApply, parsePitchRange, readAccentRules, ruleLabel } from '../../corpora/planted/index.ts';

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
  pitchRange?: string;
}

/**
 * A whole-number flag in [min, max]: decimal digits only (no sign, exponent, hex, blank), so `""`, `1e9`,
 * `0x10` and `1.5` are refused as typed. UsageError (exit 2) naming the flag and the value.
 */
function wholeNumber(name: string, v: string, min: number, max: number, suffix = ''): number {
  const n = /^\d+$/.test(v.trim()) ? Number(v.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? (min === 0 ? `from 0 to ${max}` : `≥ ${min}`) : `from ${min} to ${max}`;
    throw new UsageError(`--${name} must be a whole number ${range}${suffix}, got "${v}"`);
  }
  return n;
}
const MAX_JOBS = 1024;

/** The summary's timing: wall-clock seconds since `started` (ms since the epoch), i.e. elapsed time, not CPU time. */
const wallTime = (started: number) => `synthesis took ${((Date.now() - started) / 1000).toFixed(1)} s wall time`;

const anyCount = (name: string, v: string) => wholeNumber(name, v, 1, Number.MAX_SAFE_INTEGER);

/**
 * Sentences per speaker against the prompts file (`available` sentences; read from it when not given): a
 * speaker reads each sentence at most once, so a `--sentences` above the file's count is refused
 * (UsageError); a default above it is lowered with a warning.
 */
function sentencesFor(flags: SynthFlags, given: boolean, fallback: number, warn: (s: string) => void, available = readPrompts(flags.prompts ?? HARVARD_PROMPTS).length): number {
  const promptsFile = flags.prompts ?? fileURLToPath(HARVARD_PROMPTS);
  const asked = given ? anyCount('sentences', flags.sentences) : fallback;
  if (asked <= available) return asked;
  if (given) throw new UsageError(`--sentences ${asked}: ${promptsFile} has ${available} sentences, and a speaker reads each at most once (use --sentences ${available} or a longer prompts file)`);
  warn(`${promptsFile} has ${available} sentences: each speaker reads ${available} (not the default ${fallback}; --sentences sets it)`);
  return available;
}

const PLANTED_ONLY = ['seed', 'matchedSpeakers', 'plantedVoice', 'pitchRange'] as const;
const FLAG = { seed: '--seed', matchedSpeakers: '--matched-speakers', plantedVoice: '--planted-voice', pitchRange: '--pitch-range' } as const;

/**
 * The demo corpus's options from `synth`'s flags, checked (UsageError/InputError: one line, exit 2) without
 * synthesising anything, so `demo` can refuse bad flags before its first part. `given(name)`: whether the
 * user set the flag (a default `--sentences` above the prompts is lowered with a warning via `warn`, a given
 * one is refused).
 */
export function demoSynthOptions(flags: SynthFlags, given: (name: string) => boolean, warn: (s: string) => void): Omit<SynthOptions, 'outDir' | 'onProgress'> {
  const voices = flags.voices?.split(',').map((s) => s.trim()).filter(Boolean);
  if (voices && voices.length === 0) throw new UsageError(`--voices names no voice (known: ${DEMO_VOICES.map((v) => v.id).join(', ')})`);
  const unknown = (voices ?? []).filter((id) => !DEMO_VOICES.some((v) => v.id === id));
  if (unknown.length) throw new UsageError(`--voices: unknown voice(s): ${unknown.join(', ')} (known: ${DEMO_VOICES.map((v) => v.id).join(', ')})`);
  const speakersPerVoice = wholeNumber('speakers', flags.speakers, 1, SPEAKER_VARIANTS.length);
  const jobs = flags.jobs !== undefined ? wholeNumber('jobs', flags.jobs, 1, MAX_JOBS) : undefined;
  const sentencesPerSpeaker = sentencesFor(flags, given('sentences'), Number(flags.sentences), warn);
  return { promptsFile: flags.prompts, voices, speakersPerVoice, sentencesPerSpeaker, jobs };
}

/**
 * `synth` without --accent-rules (also part (c) of `demo`): checks every flag and the prompts file before
 * anything is spoken (see `demoSynthOptions`), then synthesises the demo corpus. `given` defaults to "all given".
 */
export async function synthFromFlags(flags: SynthFlags, log: (s: string) => void, given: (name: string) => boolean = () => true) {
  let lastPct = -1;
  const warn = (s: string) => warnLine(s);
  const options = demoSynthOptions(flags, given, warn);
  const started = Date.now();
  const result = await synthesiseDemoCorpus({
    ...options,
    outDir: flags.out,
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
      `(${result.synthesised} newly spoken; ${wallTime(started)}) → ${result.manifest}`,
  );
  return result;
}

export function addSynthOptions(cmd: Command): Command {
  return cmd
    .option('--prompts <file>', 'prompt sentences, one a line, # comments (default: Harvard lists 1-4); a missing file or one without a sentence is refused')
    .option('--voices <ids>', `comma-separated voice ids (default: all: ${DEMO_VOICES.map((v) => v.id).join(',')})`)
    .option('--speakers <n>', 'synthetic speakers per voice (pitch/tempo variants, 1-4); per group with --accent-rules (1-24, default 6)', '3')
    .option('--sentences <n>', 'sentences per speaker (default 8; 40 with --accent-rules). A speaker reads each prompt at most once: more than the prompts file holds is refused, and a default above it is lowered to the file\'s count with a warning', '8')
    .option('--jobs <n>', 'parallel synthesis jobs, 1-1024 (default: cores)');
}

/**
 * `synth --accent-rules`: the planted-accent corpus (src/corpora/planted). Defaults differ from the demo's:
 * 6 speakers, 40 sentences. Every flag, the rules file (incl. its groups) and the prompts are checked
 * before anything is synthesised.
 */
async function plantedFromFlags(flags: SynthFlags, cmd: Command, log: (s: string) => void): Promise<void> {
  const given = (name: string) => cmd.getOptionValueSource(name) !== 'default';
  const warn = (s: string) => warnLine(s);
  if (flags.voices !== undefined) throw new UsageError('--voices is for the demo voices; with --accent-rules one festival voice speaks every group (--planted-voice or the rules file\'s voice:)');
  const seed = flags.seed === undefined ? 1 : wholeNumber('seed', flags.seed, 0, Number.MAX_SAFE_INTEGER);
  const speakers = given('speakers') ? wholeNumber('speakers', flags.speakers, 1, MAX_PLANTED_SPEAKERS, ' with --accent-rules') : 6;
  const jobs = flags.jobs !== undefined ? wholeNumber('jobs', flags.jobs, 1, MAX_JOBS) : undefined;
  if (flags.sentences !== undefined && given('sentences')) anyCount('sentences', flags.sentences);
  const rules = readAccentRules(flags.accentRules!);
  for (const w of checkGroupDesign(rules)) warn(w);
  checkRulesCanApply(rules);
  const promptsFile = flags.prompts ?? fileURLToPath(HARVARD_PROMPTS);
  const pc = checkPlantedPrompts(promptsFile);
  if (pc.notInDictionary > 0) {
    const some = pc.notInDictionaryWords.slice(0, 8).join(', ') + (pc.notInDictionaryWords.length > 8 ? ', …' : '');
    warn(`${promptsFile}: ${pc.notInDictionary} of ${pc.words} prompt words not in CMUdict (${some}): festival speaks them from its own lexicon and no rule is planted in them (planted.jsonl: canonical null)`);
  }
  const sentences = sentencesFor(flags, given('sentences'), 40, warn, pc.prompts.length);
  const started = Date.now();
  const r = await buildPlantedCorpus({
    rules,
    outDir: given('out') ? flags.out : 'corpora/planted',
    speakers,
    sentences,
    seed,
    promptsFile: flags.prompts,
    voice: flags.plantedVoice,
    jobs,
    matchedSpeakers: flags.matchedSpeakers === true,
    ...(flags.pitchRange !== undefined ? { pitchRange: parsePitchRange(flags.pitchRange) } : {}),
    onProgress: (m) => log(`synth: ${m}`),
  });
  for (const g of r.groups) {
    const rewritten = r.utterances.filter((u) => u.group === g.name).reduce((n, u) => n + u.words.reduce((m, w) => m + w.applied.length, 0), 0);
    log(`synth: group ${g.name}: ${g.rules.length ? `${g.rules.join(', ')}, ${g.speakers.length} speakers, ${rewritten} phone${rewritten === 1 ? '' : 's'} rewritten` : `no rules (null group), ${g.speakers.length} speakers`}`);
    // A rule that can apply (checked before synthesis) but found no site in these prompts: named with its line.
    const entries = rules.groups.find((x) => x.name === g.name)!;
    entries.rules.forEach((rule, i) => {
      const n = r.utterances.filter((u) => u.group === g.name).reduce((k, u) => k + u.words.reduce((m, w) => m + w.applied.filter((a) => a.rule === rule.rule).length, 0), 0);
      if (n > 0) return;
      const line = entries.ruleLines?.[i];
      const why = rewritten === 0 ? `, so group ${g.name} differs from a null group in name only` : ` (the group's other rules did)`;
      warn(`${rules.file}${line === undefined ? '' : `:${line}`}: groups.${g.name}[${i}]: ${ruleLabel(rule)} rewrote no phone in these prompts${why}`);
    });
  }
  log(`synth: ${r.utterances.length} utterances (${r.synthesised} newly spoken; ${wallTime(started)}) → ${r.manifest}; ground truth → ${r.groundTruth}`);
}

export function registerSynth(program: Command): void {
  const cmd = addSynthOptions(
    program
      .command('synth')
      .description('Synthesise the multi-accent demo corpus (TTS voices with documented accents → 16 kHz WAV + manifest), or with --accent-rules a planted-accent corpus with ground truth')
      .option('-o, --out <dir>', 'output folder (default corpora/demo; corpora/planted with --accent-rules)', 'corpora/demo'),
  )
    .option('--accent-rules <rules.yaml>', 'planted accents: groups of phonological rules applied to CMUdict pronunciations, spoken by one festival voice (speakers default 6 per group, sentences 40). At least 2 groups (one alone is refused); a null group (none: []) is the reference the validation compares with (warned when missing); a custom from/to rule needs a name that is not a built-in\'s; a rule that can never apply (a self-contradicting context, h-dropping word-final, no site in any CMUdict word) is refused with its file:line before synthesis')
    .option('--seed <n>', 'with --accent-rules: seed of rule application and speaker draws (whole number >= 0)', '1')
    .option('--matched-speakers', 'with --accent-rules: speaker k has the same pitch and tempo in every group (label speaker_profile), so groups differ only by their rules')
    .option('--pitch-range <low:high>', 'with --accent-rules: range of the speakers\' pitch shifts in cents (default -400:400). sox shifts the formants with F0, so upward shifts of the default female voice sound child-like and are recognised far worse by the en-US model')
    .option('--planted-voice <name>', 'with --accent-rules: festival voice (default: the rules file\'s voice, else cmu_us_slt_arctic_hts)');
  cmd.action(async (flags: SynthFlags) => {
    // Paths and group names are the user's: each line escaped.
    const log = sayErrBlock;
    if (flags.accentRules !== undefined) {
      if (flags.accentRules.trim() === '') throw new UsageError('--accent-rules needs a rules file (YAML), got ""');
      await plantedFromFlags(flags, cmd, log);
    }
    else {
      for (const k of PLANTED_ONLY) {
        if (cmd.getOptionValueSource(k) === 'cli') {
          throw new UsageError(`${FLAG[k]} only applies with --accent-rules${k === 'seed' ? ' (the demo voices are deterministic)' : ''}`);
        }
      }
      await synthFromFlags(flags, log, (name) => cmd.getOptionValueSource(name) !== 'default');
    }
  });
}
