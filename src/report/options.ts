/** Flag parsing shared by the report, compare and check commands. Errors are named UsageError (exit 2). */
import { UsageError } from '../manifest/errors.ts';
import { WER_METRICS, type WerMetric } from '../analysis/groups.ts';
import { isReportFormat, type ReportFormat } from './write.ts';


export function parseNumberFlag(flag: string, v: string | undefined, o: { min?: number; max?: number; integer?: boolean } = {}): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  const bad =
    v.trim() === '' || !Number.isFinite(n) || (o.integer && !Number.isInteger(n)) || (o.min !== undefined && n < o.min) || (o.max !== undefined && n > o.max);
  if (bad) {
    const kind = o.integer ? 'a whole number' : 'a number';
    const range = o.min !== undefined && o.max !== undefined ? ` between ${o.min} and ${o.max}` : o.min !== undefined ? ` >= ${o.min}` : '';
    throw new UsageError(`${flag} must be ${kind}${range}, not "${v}"`);
  }
  return n;
}

export function parseList(v: string | undefined): string[] {
  return (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

export function parseFormats(v: string, allowed: readonly string[] = ['md', 'html', 'csv', 'json']): ReportFormat[] {
  const list = parseList(v);
  if (!list.length) throw new UsageError('--format needs at least one format');
  for (const f of list) {
    if (!isReportFormat(f) || !allowed.includes(f)) throw new UsageError(`--format: unknown format "${f}" (use ${allowed.join(', ')})`);
  }
  return [...new Set(list)] as ReportFormat[];
}

export function parseCorrection(v: string): 'holm' | 'bh' {
  if (v !== 'holm' && v !== 'bh') throw new UsageError(`--correction must be holm or bh, not "${v}"`);
  return v;
}

export function parseModelFlag(v: string): 'poisson' | 'negbin' | 'none' {
  if (v !== 'poisson' && v !== 'negbin' && v !== 'none') throw new UsageError(`--model must be poisson, negbin or none, not "${v}"`);
  return v;
}

/** Fails with the groups present when `--reference-group` names none of them. */
export function checkReferenceGroup(name: string | undefined, groups: ReadonlySet<string>, groupBy: string): string | undefined {
  if (name === undefined) return undefined;
  const g = name.trim();
  if (!groups.has(g)) {
    throw new UsageError(`--reference-group: no group "${g}" on "${groupBy}" (groups: ${[...groups].sort().join(', ') || 'none'})`);
  }
  return g;
}

/** Flags common to report and check. */
export interface StatFlags {
  groupBy: string;
  bootstrap: string;
  seed: string;
  minSpeakers: string;
  minWords: string;
  correction: string;
  headline: string;
}

/** `--headline`: pooled, mean-utterance or mean-speaker (see WerMetric in src/analysis/groups.ts). */
export function parseHeadline(v: string): WerMetric {
  if (!(WER_METRICS as readonly string[]).includes(v)) throw new UsageError(`--headline must be ${WER_METRICS.join(', ')}, not "${v}"`);
  return v as WerMetric;
}

export function parseStatFlags(f: StatFlags): {
  groupBy: string;
  bootstrap: number;
  seed: number;
  minCell: { speakers: number; words: number };
  correction: 'holm' | 'bh';
  headline: WerMetric;
} {
  if (!f.groupBy.trim()) throw new UsageError('--group-by needs a label key, e.g. accent');
  return {
    groupBy: f.groupBy.trim(),
    bootstrap: parseNumberFlag('--bootstrap', f.bootstrap, { integer: true, min: 100, max: 1_000_000 })!,
    seed: parseNumberFlag('--seed', f.seed, { integer: true, min: 0 })!,
    minCell: {
      speakers: parseNumberFlag('--min-speakers', f.minSpeakers, { integer: true, min: 0 })!,
      words: parseNumberFlag('--min-words', f.minWords, { integer: true, min: 0 })!,
    },
    correction: parseCorrection(f.correction),
    headline: parseHeadline(f.headline),
  };
}

/** Registers the shared statistics flags on a command (commander's Command, kept structural here). */
export function statOptionSpecs(): Array<[string, string, string]> {
  return [
    ['--group-by <key>', 'label key to group by', 'accent'],
    ['--bootstrap <n>', 'bootstrap resamples (and permutations)', '2000'],
    ['--seed <n>', 'seed of every random draw', '1'],
    ['--min-speakers <n>', 'minimum speakers of a reportable cell', '10'],
    ['--min-words <n>', 'minimum reference words of a reportable cell', '500'],
    ['--correction <method>', 'multiple-testing correction: holm or bh', 'holm'],
    ['--headline <metric>', 'WER the tables lead with (gaps, ratios, tests): pooled (Σerrors/Σwords), mean-utterance (Koenecke et al. 2020) or mean-speaker', 'pooled'],
  ];
}
