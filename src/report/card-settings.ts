/**
 * The settings of a run's service card: what run.json recorded (src/report/run-export.ts,
 * `analysis`), overridden only by flags given explicitly. Every override that changes a value is
 * named, so a card made with other settings says so at its top (issue 14: `report` and `check`
 * reproduce the run's card byte for byte by default).
 */
import { DEFAULT_MIN_CELL, type WerMetric } from '../analysis/groups.ts';
import type { CardModelChoice, CardOptions } from './model.ts';
import type { AnalysisSettings, RunMeta } from '../score/run-export.ts';

/** Settings given on the command line; undefined = take the run's. */
export interface SettingFlags {
  /** `--group-by`: one label key, or several separated by commas (each gets its group tables). */
  groupBy?: string;
  slices?: string[][];
  bootstrap?: number;
  seed?: number;
  minSpeakers?: number;
  minWords?: number;
  correction?: 'holm' | 'bh';
  model?: CardModelChoice;
  referenceGroup?: string;
  cleanCondition?: string;
  headline?: WerMetric;
}

/** What a run export without `analysis` in its run.json is reported with (the documented defaults). */
export const DEFAULT_ANALYSIS: AnalysisSettings = {
  groupBy: ['accent'],
  slices: [],
  minCell: { ...DEFAULT_MIN_CELL },
  bootstrap: 2000,
  seed: 1,
  metrics: ['wer', 'cer'],
  headline: 'pooled',
  correction: 'holm',
  model: 'poisson',
  alpha: 0.05,
  cleanCondition: 'clean',
};

/** The run's recorded analysis settings, or the defaults (and which of the two). */
export function runAnalysis(meta: RunMeta): { settings: AnalysisSettings; source: 'run' | 'defaults' } {
  return meta.analysis ? { settings: meta.analysis, source: 'run' } : { settings: DEFAULT_ANALYSIS, source: 'defaults' };
}

const slicesText = (s: readonly (readonly string[])[]) => (s.length ? s.map((k) => k.join(',')).join(' and ') : 'none');

/** The label keys of a `--group-by` value: comma-separated, trimmed, empty and repeated keys left out ("accent, gender" → [accent, gender]). */
export function groupKeysOf(flag: string): string[] {
  return [...new Set(flag.split(',').map((k) => k.trim()).filter(Boolean))];
}

/**
 * Card options of a run: its recorded settings with `flags` applied. `groupKeys` are every key of the run's `groupBy` (or
 * of `--group-by`), one set of group tables each; `groupBy` is the first, which the card's sections use. `overrides` lists each flag
 * whose value differs from the run's, as "--flag value (run: value)" (none for an export that records
 * no settings: the card then says it uses defaults and flags).
 */
export function cardOptionsForRun(meta: RunMeta, flags: SettingFlags = {}): CardOptions & { overrides: string[]; groupKeys: string[] } {
  const { settings: a, source } = runAnalysis(meta);
  const overrides: string[] = [];
  const pick = <T>(flag: string, given: T | undefined, run: T, show: (v: T) => string = String): T => {
    if (given === undefined) return run;
    if (source === 'run' && show(given) !== show(run)) overrides.push(`${flag} ${show(given)} (run: ${show(run)})`);
    return given;
  };
  const groupKeys = pick('--group-by', flags.groupBy === undefined ? undefined : groupKeysOf(flags.groupBy), a.groupBy, (k) => k.join(','));
  const slices = pick('--slices', flags.slices, a.slices, slicesText);
  const bootstrap = pick('--bootstrap', flags.bootstrap, a.bootstrap);
  const seed = pick('--seed', flags.seed, a.seed);
  const speakers = pick('--min-speakers', flags.minSpeakers, a.minCell.speakers);
  const words = pick('--min-words', flags.minWords, a.minCell.words);
  const correction = pick('--correction', flags.correction, a.correction);
  const model = pick('--model', flags.model, a.model);
  const referenceGroup = pick<string | undefined>('--reference-group', flags.referenceGroup, a.referenceGroup, (v) => v ?? 'none');
  const cleanCondition = pick('--clean-condition', flags.cleanCondition, a.cleanCondition);
  const headline = pick('--headline', flags.headline, a.headline);
  return {
    groupBy: groupKeys[0] ?? 'accent',
    groupKeys,
    slices,
    bootstrap,
    seed,
    minCell: { speakers, words },
    correction,
    model,
    alpha: a.alpha,
    ...(referenceGroup !== undefined ? { referenceGroup } : {}),
    cleanCondition,
    headline,
    ...(a.remedy ? { remedy: a.remedy } : {}),
    overrides,
    settingsSource: source,
  };
}
