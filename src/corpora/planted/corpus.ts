import { makeOutputDir } from '../../manifest/output.ts';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { makeTempDirAt, removeTempDir } from '../../manifest/tempdir.ts';
import { cpus } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import pLimit from 'p-limit';
import { InputError, UsageError } from '../../manifest/errors.ts';
import { writeManifest } from '../../manifest/jsonl.ts';
import type { Utterance } from '../../manifest/schema.ts';
import { mdCode, mdEscape } from '../../manifest/escape.ts';
import { HARVARD_PROMPTS } from '../synth.ts';
import { checkPlantedPrompts } from './prompts.ts';
import { checkRulesCanApply } from './reach.ts';
import { promptWords, stressedDictionary } from './cmudict.ts';
import type { AccentRules } from './config.ts';
import { DEFAULT_PLANTED_VOICE, festivalStress, festivalVoices, speakPhones, withStress, type PhoneUtterance } from './festival.ts';
import { applyRules, base, hashSeed, mulberry32, ruleDescription, ruleLabel, type AppliedRule } from './rules.ts';

const run = promisify(execFile);

/** Ground truth of one word: canonical CMUdict phones (null: not in the dictionary, spoken by festival's own lexicon), planted phones and the rewrites. */
export interface PlantedWord {
  word: string;
  canonical: string[] | null;
  planted: string[] | null;
  applied: AppliedRule[];
}

/** One line of `planted.jsonl`, the ground-truth sidecar of the manifest. */
export interface PlantedUtterance {
  id: string;
  group: string;
  speaker: string;
  /** The group's rule labels (`ruleLabel`: name, plus any custom rewrite, context and rate ≠ 1; empty: a null group). */
  rules: string[];
  words: PlantedWord[];
  /** The utterance's audio as the manifest names it (absent in files written before 2026-12-01). */
  audio?: string;
}

/** A synthetic speaker: one pitch shift (cents) and tempo factor applied by sox to the one voice. */
export interface PlantedSpeaker {
  id: string;
  group: string;
  pitchCents: number;
  tempo: number;
}

export interface PlantedCorpusOptions {
  rules: AccentRules;
  outDir: string;
  /** Synthetic speakers per group (1–24; default 6). */
  speakers?: number;
  /** Sentences each speaker reads (default 40, at most the number of prompts). */
  sentences?: number;
  /** Seed of rule application and speaker draws (default 1). */
  seed?: number;
  /** Prompt file (one sentence a line, `#` comments; default: Harvard lists 1–4). */
  promptsFile?: string;
  /** Festival voice (default: the rules file's `voice`, else cmu_us_slt_arctic_hts). */
  voice?: string;
  /** Parallel festival/sox jobs (default: cores). */
  jobs?: number;
  /**
   * Matched speakers: speaker k has the same pitch and tempo in every group (drawn from (seed, k)), and the
   * manifest label `speaker_profile` = `sNN` pairs them, so groups differ only by their rules (remedy validation).
   */
  matchedSpeakers?: boolean;
  /**
   * Range of the speakers' pitch shifts in cents, [low, high] (default [-400, 400]). sox's `pitch` moves the
   * formants with F0, so a shift also changes the apparent vocal-tract length: upward shifts of the default
   * female voice sound child-like, and the en-US acoustic model misses far more of their phones.
   */
  pitchRange?: readonly [number, number];
  onProgress?: (message: string) => void;
}

export interface PlantedCorpus {
  manifest: string;
  /** Ground-truth sidecar: one PlantedUtterance a line. */
  groundTruth: string;
  /** Per group: its rule labels (`ruleLabel`) and speakers. */
  groups: { name: string; rules: string[]; speakers: PlantedSpeaker[] }[];
  /** Sentences each speaker read (the option, capped at the number of prompts). */
  sentencesPerSpeaker: number;
  utterances: PlantedUtterance[];
  /** WAV files spoken now (the rest were reused from an earlier run with the same phones and speaker). */
  synthesised: number;
}

export const MAX_PLANTED_SPEAKERS = 24;

/** The speakers' pitch shifts, cents (`PlantedCorpusOptions.pitchRange`). */
export const DEFAULT_PITCH_RANGE: readonly [number, number] = [-400, 400];

/**
 * `LOW:HIGH` in cents (signed whole numbers, LOW < HIGH, each within ±1200: an octave), as `synth --pitch-range`
 * and the validation bench take it. UsageError (exit 2) naming `flag` and the value.
 */
export function parsePitchRange(v: string, flag = '--pitch-range'): [number, number] {
  const m = /^\s*([+-]?\d+)\s*:\s*([+-]?\d+)\s*$/.exec(v);
  const lo = m ? Number(m[1]) : NaN;
  const hi = m ? Number(m[2]) : NaN;
  if (!m || !(lo < hi) || Math.abs(lo) > 1200 || Math.abs(hi) > 1200) {
    throw new UsageError(`${flag} must be LOW:HIGH in cents, whole numbers with LOW < HIGH, each from -1200 to 1200 (e.g. -400:100), got "${v}"`);
  }
  return [lo, hi];
}

/**
 * Speaker k of a group: pitch uniform in `pitchRange` cents (default ±400) and tempo uniform in 0.9–1.1,
 * drawn from (seed, group, k). Every group draws from the same distribution, so groups differ only by
 * their rules (and by which synthetic speakers they got, as real groups do). The draws do not depend on
 * the range: speaker k keeps its place in the range when the range changes.
 */
export function plantedSpeakers(group: string, n: number, seed: number, matched = false, pitchRange: readonly [number, number] = DEFAULT_PITCH_RANGE): PlantedSpeaker[] {
  const [lo, hi] = pitchRange;
  return Array.from({ length: n }, (_, k) => {
    const r = mulberry32(hashSeed(seed, 'speaker', matched ? '*matched*' : group, k));
    return { id: `${group}-s${String(k + 1).padStart(2, '0')}`, group, pitchCents: Math.round(lo + (hi - lo) * r()), tempo: Math.round((0.9 + 0.2 * r()) * 1000) / 1000 };
  });
}

/**
 * Builds a planted-accent corpus: every group's speakers read the same prompts (speaker k of each
 * group reads the same window); each word's canonical CMUdict pronunciation gets the group's rules
 * (each site rewritten with the rule's rate, seeded per group, speaker and prompt); festival speaks
 * the phones with one voice; sox makes the speaker (pitch, tempo) and writes 16 kHz mono 16-bit WAV
 * without dither. Writes `manifest.jsonl` (label `accent` = group, `planted_rules`), `planted.jsonl`
 * (ground truth per word) and a README saying the corpus is synthetic. Reruns reuse audio whose
 * phones and speaker are unchanged.
 * Errors: a voice festival does not have (or that cannot speak phone strings) → InputError naming
 * the rules file and its `voice:` line; a rule that can never apply (`checkRulesCanApply`) → InputError naming its line.
 */
export async function buildPlantedCorpus(opts: PlantedCorpusOptions): Promise<PlantedCorpus> {
  const { rules } = opts;
  const progress = opts.onProgress ?? (() => {});
  const voice = opts.voice ?? rules.voice ?? DEFAULT_PLANTED_VOICE;
  const voices = await festivalVoices();
  if (!voices.includes(voice)) {
    const why = `voice "${voice}" cannot speak phone strings: asrfair plants accents with festival, whose voices here are ${voices.join(', ') || '(none)'}`;
    if (opts.voice === undefined && rules.voice !== undefined) throw new InputError(rules.file, rules.voiceLine, why);
    throw new UsageError(opts.voice !== undefined ? `--planted-voice: ${why}` : why);
  }
  const nSpk = opts.speakers ?? 6;
  if (!Number.isInteger(nSpk) || nSpk < 1 || nSpk > MAX_PLANTED_SPEAKERS) throw new UsageError(`speakers per group must be 1–${MAX_PLANTED_SPEAKERS}, got ${nSpk}`);
  const { prompts } = checkPlantedPrompts(opts.promptsFile ?? HARVARD_PROMPTS);
  const perSpk = Math.min(opts.sentences ?? 40, prompts.length);
  if (!Number.isInteger(perSpk) || perSpk < 1) throw new UsageError(`sentences per speaker must be a whole number ≥ 1, got ${opts.sentences}`);
  const seed = opts.seed ?? 1;
  const dict = stressedDictionary();
  // A rule that can never rewrite a phone is refused before anything is made (the CLI checks it earlier too).
  checkRulesCanApply(rules, dict);
  const outDir = resolve(opts.outDir);
  const audioDir = join(outDir, 'audio');
  makeOutputDir(audioDir);

  interface Job {
    utt: PlantedUtterance;
    speaker: PlantedSpeaker;
    wav: string;
    baseKey: string;
    phoneWords: PhoneUtterance['words'];
    text: string;
  }
  const jobs: Job[] = [];
  const stress = await festivalStress(voice, prompts.flatMap(promptWords));
  const groups = rules.groups.map((g) => ({ name: g.name, rules: g.rules.map(ruleLabel), speakers: plantedSpeakers(g.name, nSpk, seed, opts.matchedSpeakers, opts.pitchRange) }));
  rules.groups.forEach((g, gi) => {
    for (const [k, spk] of groups[gi].speakers.entries()) {
      for (let j = 0; j < perSpk; j++) {
        const promptIdx = (k * perSpk + j) % prompts.length;
        const text = prompts[promptIdx];
        const random = mulberry32(hashSeed(seed, 'rules', g.name, spk.id, promptIdx));
        const words: PlantedWord[] = promptWords(text).map((word) => {
          const canonical = dict.get(word);
          if (!canonical) return { word, canonical: null, planted: null, applied: [] };
          const { planted, applied } = applyRules(canonical, g.rules, random);
          return { word, canonical, planted, applied };
        });
        const phoneWords = words.map((w) => (w.planted ? { phones: withStress(w.planted, stress.get(w.word)) } : { text: w.word }));
        const baseKey = createHash('sha256').update(JSON.stringify([voice, phoneWords])).digest('hex');
        const key = createHash('sha256').update(JSON.stringify([baseKey, spk.pitchCents, spk.tempo])).digest('hex').slice(0, 10);
        const id = `${spk.id}-h${String(promptIdx + 1).padStart(3, '0')}`;
        jobs.push({
          utt: { id, group: g.name, speaker: spk.id, rules: groups[gi].rules, words },
          speaker: spk,
          wav: join(audioDir, `${id}.${key}.wav`),
          baseKey,
          phoneWords,
          text,
        });
      }
    }
  });

  const todo = jobs.filter((j) => !(existsSync(j.wav) && statSync(j.wav).size > 44));
  const work = makeTempDirAt(join(outDir, `.work-${process.pid}`));
  const nJobs = opts.jobs ?? Math.max(1, cpus().length);
  try {
    // One festival process per chunk of distinct phone strings (a rate of 1 makes many speakers share one).
    const bases = new Map<string, PhoneUtterance>();
    for (const j of todo) if (!bases.has(j.baseKey)) bases.set(j.baseKey, { wav: join(work, `${j.baseKey.slice(0, 16)}.wav`), words: j.phoneWords });
    const list = [...bases.values()];
    const chunks: PhoneUtterance[][] = Array.from({ length: Math.min(nJobs * 4, list.length) }, () => []);
    list.forEach((u, i) => chunks[i % chunks.length].push(u));
    // Each chunk's speaker variants are made (and renamed into place) as soon as festival has spoken it, so an
    // interrupted synth keeps every finished chunk's WAVs and a rerun speaks only the rest (trial 18: SIGINT ~30 s in
    // kept nothing, since every variant waited for every chunk).
    const jobsOf = new Map<string, Job[]>();
    for (const j of todo) jobsOf.set(j.baseKey, [...(jobsOf.get(j.baseKey) ?? []), j]);
    const keyOf = new Map([...bases.entries()].map(([k, u]) => [u, k]));
    progress(`speaking ${list.length} distinct phone strings with festival ${voice}, then ${todo.length} speaker variants with sox`);
    const limit = pLimit(nJobs);
    const variant = async (j: Job): Promise<void> => {
      const src = bases.get(j.baseKey)!.wav;
      const tmp = join(work, `${j.utt.id}.wav`);
      const effects: string[] = [];
      if (j.speaker.pitchCents !== 0) effects.push('pitch', String(j.speaker.pitchCents));
      if (j.speaker.tempo !== 1) effects.push('tempo', '-s', String(j.speaker.tempo));
      await run('sox', ['-D', src, '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer', tmp, ...effects, 'rate', '-h', '16000']);
      renameSync(tmp, j.wav);
    };
    await Promise.all(
      chunks.map((c, i) =>
        limit(async () => {
          await speakPhones(voice, c, join(work, `chunk${i}.scm`));
          for (const u of c) for (const j of jobsOf.get(keyOf.get(u)!) ?? []) await variant(j);
        }),
      ),
    );
  } finally {
    removeTempDir(work);
  }

  const utts: Utterance[] = jobs.map((j) => ({
    id: j.utt.id,
    audio: relative(outDir, j.wav),
    text: j.text,
    speaker: j.speaker.id,
    labels: {
      accent: j.utt.group, planted_rules: j.utt.rules.join(',') || 'none', tts_voice: voice,
      ...(opts.matchedSpeakers ? { speaker_profile: j.speaker.id.slice(j.speaker.id.lastIndexOf('-') + 1) } : {}),
    },
    corpus: 'asrfair-planted-accents-synthetic',
    split: 'test',
  }));
  const manifest = join(outDir, 'manifest.jsonl');
  await writeManifest(manifest, utts);
  const groundTruth = join(outDir, 'planted.jsonl');
  writeFileSync(groundTruth, jobs.map((j) => JSON.stringify({ ...j.utt, audio: relative(outDir, j.wav) })).join('\n') + '\n');
  writeFileSync(
    join(outDir, 'README.md'),
    [
      '# Planted-accent corpus (synthetic)',
      '',
      `Generated by ${mdCode(`asrfair synth --accent-rules ${rules.file}`)} (seed ${seed}, ${nSpk} speakers per group, ${perSpk} sentences each).`,
      `One festival voice (${mdEscape(voice)}) speaks CMUdict pronunciations rewritten by each group's rules; sox makes the speakers (pitch ${(opts.pitchRange ?? DEFAULT_PITCH_RANGE).join(' to ')} cents, tempo 0.9–1.1)${opts.matchedSpeakers ? '; speaker k has the same pitch and tempo in every group (label `speaker_profile`)' : ''}.`,
      'These are synthetic accents, not people. Ground truth per word (canonical phones, planted phones, rules applied) is in `planted.jsonl`.',
      '',
      ...rules.groups.map((g) => `- ${mdCode(g.name)}: ${g.rules.length ? mdEscape(g.rules.map(ruleDescription).join('; ')) : 'no rules (null group)'}`),
      '',
    ].join('\n'),
  );
  return { manifest, groundTruth, groups, sentencesPerSpeaker: perSpk, utterances: jobs.map((j) => j.utt), synthesised: todo.length };
}

/** Canonical → planted phone pairs a group's rules produced (stress removed), with counts: what a detector should find. */
export function plantedConfusions(utts: readonly PlantedUtterance[], group: string): Map<string, { rule: string; from: string; to: string; count: number }> {
  const out = new Map<string, { rule: string; from: string; to: string; count: number }>();
  for (const u of utts) {
    if (u.group !== group) continue;
    for (const w of u.words) {
      for (const a of w.applied) {
        const k = `${base(a.from)}→${a.to}`;
        const e = out.get(k);
        if (e) e.count++;
        else out.set(k, { rule: a.rule, from: base(a.from), to: a.to, count: 1 });
      }
    }
  }
  return out;
}
