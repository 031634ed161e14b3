/**
 * `adapt`'s glass step: the glass box (phone loop and black box, no goodness) on the train speakers, whose flagged
 * sounds become the pronunciation-variant rules. Reused on a rerun like the other steps (steps.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PocketSphinxBackend, defaultPocketSphinxOptions } from '../backends/pocketsphinx.ts';
import { defaultGlassOptions } from '../backends/pocketsphinx-glass.ts';
import { contentHash } from '../backends/content-hash.ts';
import { codeVersion, debianVersion } from '../backends/code-version.ts';
import { defaultGlassSuiteOptions, runGlassbox } from '../analysis/glass-suite.ts';
import { DEFAULT_CONFUSABLE_OPTIONS, flaggedOutcomes } from '../analysis/confusable.ts';
import { clearStep, codeChangedLine, inputsHash, markStepDone, stepStatus } from './steps.ts';

/** One train utterance as the glass step sees it (`wav`: 16 kHz mono WAV; `sha`: its sha256). */
export interface GlassStepUtterance {
  id: string;
  speaker: string;
  group: string;
  ref: string;
  /** The reference as written when it keeps corpus fragments `(like-)`: the glass box leaves them out (analysis/fragments.ts). */
  markedRef?: string;
  wav: string;
  sha: string;
}

/** What adapt takes from the glass box on the train speakers: flagged sounds per group, and the utterances it failed on. */
export interface GlassFlags {
  flags: Record<string, { ref: string; hyp: string }[]>;
  failures: { id: string; stage: string; error: string }[];
}

/** The version of the code that makes glass-flags.json: this module's `codeVersion` (it imports the glass box) and the decoder's Debian version. */
export function glassStepCode(): string {
  return `${codeVersion(['adapt/glass-step.ts'])}; pocketsphinx ${debianVersion('pocketsphinx')}`;
}

/**
 * The glass box on the train speakers, reused on a rerun: `<work>/glass-flags.json` is stamped with a hash of its inputs
 * (each utterance's id, speaker, group, reference and audio hash; the glass and word-decoding settings and process count;
 * the model files' contents) and the code's version (`glassStepCode`), and read back when both are unchanged. When only
 * the code changed, `log` says so before the step runs again.
 */
export async function glassFlags(train: readonly GlassStepUtterance[], groups: readonly string[], work: string, processes: number, log: (m: string) => void): Promise<GlassFlags> {
  const file = join(work, 'glass-flags.json');
  const { processes: _p, ...glass } = defaultGlassOptions();
  const { processes: _q, ...suite } = defaultGlassSuiteOptions();
  const stamp = {
    inputs: inputsHash({
      utterances: train.map((u) => [u.id, u.speaker, u.group, u.markedRef ?? u.ref, u.sha]),
      // The process count decides how utterances are batched per decoder, so it is an input too.
      glass, suite, confusable: DEFAULT_CONFUSABLE_OPTIONS, goodness: false, decodeWords: true, processes,
      models: { hmm: contentHash(glass.hmm), phoneLm: contentHash(glass.phoneLm), words: new PocketSphinxBackend(defaultPocketSphinxOptions()).key },
    }),
    code: glassStepCode(),
  };
  const status = stepStatus(file, stamp);
  if (status.done) {
    try {
      const found = JSON.parse(readFileSync(file, 'utf8')) as GlassFlags;
      if (found && typeof found.flags === 'object' && Array.isArray(found.failures)) {
        log(`adapt: glass box on ${train.length} train utterances reused from an earlier run (${file}; inputs and code unchanged)`);
        return found;
      }
    } catch {
      // unreadable (edited by hand): run the step again
    }
  } else if (status.madeBy) log(codeChangedLine(`glass box on the train speakers (${file})`, status.madeBy, stamp.code));
  clearStep(file);
  log(`adapt: glass box on ${train.length} train utterances`);
  const t0 = Date.now();
  const report = await runGlassbox(
    train.map((u) => ({ id: u.id, speaker: u.speaker, group: u.group, ref: u.markedRef ?? u.ref, wav: u.wav, ...(u.markedRef !== undefined ? { deletable: true } : {}) })),
    { processes, goodness: false, decodeWords: true },
  );
  const found: GlassFlags = {
    // Flagged sounds, as what they were heard (their flagged confusions, else their largest-excess outcome).
    flags: Object.fromEntries(groups.map((g) => [g, [...(report.phoneLoop ? flaggedOutcomes(report.phoneLoop, g) : []), ...(report.blackBox ? flaggedOutcomes(report.blackBox, g) : [])]])),
    failures: report.failures.map((f) => ({ id: f.id, stage: `glass-${f.stage}`, error: f.error })),
  };
  writeFileSync(file, JSON.stringify(found, null, 2) + '\n');
  markStepDone(file, stamp, (Date.now() - t0) / 1000);
  return found;
}
