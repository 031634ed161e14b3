/** Flag parsing shared by the report, compare and check commands. Errors are named UsageError (exit 2). */
import { UsageError } from '../manifest/errors.ts';
import { escapeControl } from '../manifest/escape.ts';
import { WER_METRICS, type WerMetric } from '../analysis/groups.ts';
import { isRoleGroup } from '../analysis/cells.ts';
import { isReportFormat, type ReportFormat } from './write.ts';
import type { SettingFlags } from './card-settings.ts';


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

/**
 * The warning (one line, without the `asrfair: warning:` prefix) for a user-given reference group that is a role
 * (`interviewer`: CORAAL's corpus staff, `labels.role` = `interviewer`), not a declared group of the speaker population:
 * `flag` is how it was given (`--reference-group`, `--pair`). Undefined for any other name, or none. Cards never pick a
 * role as the best group or an automatic reference (isCandidateGroup); a user may, and is told.
 */
export function roleReferenceWarning(flag: string, name: string | undefined): string | undefined {
  const g = name?.trim();
  if (g === undefined || !isRoleGroup(g)) return undefined;
  return `${flag} ${g}: "${g}" is a role (corpus staff, labels.role = interviewer), not a declared group of the speakers: every gap to it measures speakers against the staff who interviewed them`;
}

/**
 * Fails with the groups present when `--reference-group` names none of them. `groupBy` is the first grouping key (the
 * reference applies to it only); `groupKeys`, when the card has several, are named so the message says so.
 */
export function checkReferenceGroup(name: string | undefined, groups: ReadonlySet<string>, groupBy: string, groupKeys: readonly string[] = [groupBy]): string | undefined {
  if (name === undefined) return undefined;
  const g = name.trim();
  if (!groups.has(g)) {
    const first = groupKeys.length > 1 ? `, the first of the grouping keys ${groupKeys.join(', ')}: the reference group applies to it only` : '';
    throw new UsageError(`--reference-group: no group "${escapeControl(g)}" on "${groupBy}"${first} (groups: ${[...groups].sort().map((x) => escapeControl(x)).join(', ') || 'none'})`);
  }
  return g;
}

/** Flags common to report and check, as commander gives them (absent = take the run's setting). */
export interface StatFlags {
  groupBy?: string;
  slices?: string[];
  bootstrap?: string;
  seed?: string;
  minSpeakers?: string;
  minWords?: string;
  correction?: string;
  model?: string;
  referenceGroup?: string;
  cleanCondition?: string;
  headline?: string;
}

/** `--headline`: pooled, mean-utterance or mean-speaker (see WerMetric in src/analysis/groups.ts). */
export function parseHeadline(v: string): WerMetric {
  if (!(WER_METRICS as readonly string[]).includes(v)) throw new UsageError(`--headline must be ${WER_METRICS.join(', ')}, not "${v}"`);
  return v as WerMetric;
}

/**
 * `--slices` values: each occurrence is one slice (`accent,gender`); `;` separates several in one
 * occurrence; `none` means no slices. Every slice needs at least two keys.
 */
export function parseSlices(values: readonly string[] | undefined): string[][] | undefined {
  if (values === undefined) return undefined;
  const slices = values.flatMap((v) => v.split(';')).map((v) => parseList(v)).filter((s) => s.length > 0);
  if (slices.length === 1 && slices[0].length === 1 && slices[0][0] === 'none') return [];
  for (const s of slices) {
    if (s.length < 2) throw new UsageError(`--slices: a slice crosses at least two label keys (e.g. accent,gender), not "${s.join(',')}"`);
  }
  return slices;
}

/** Parses the shared statistics flags; each one left out stays undefined (the run's setting applies). */
export function parseStatFlags(f: StatFlags): SettingFlags {
  const out: SettingFlags = {};
  if (f.groupBy !== undefined) {
    if (!f.groupBy.trim()) throw new UsageError('--group-by needs a label key, e.g. accent');
    out.groupBy = f.groupBy.trim();
  }
  const slices = parseSlices(f.slices);
  if (slices !== undefined) out.slices = slices;
  const num = (flag: string, v: string | undefined, o: { min?: number; max?: number; integer?: boolean }) => parseNumberFlag(flag, v, o);
  const b = num('--bootstrap', f.bootstrap, { integer: true, min: 100, max: 1_000_000 });
  if (b !== undefined) out.bootstrap = b;
  const seed = num('--seed', f.seed, { integer: true, min: 0 });
  if (seed !== undefined) out.seed = seed;
  const sp = num('--min-speakers', f.minSpeakers, { integer: true, min: 0 });
  if (sp !== undefined) out.minSpeakers = sp;
  const w = num('--min-words', f.minWords, { integer: true, min: 0 });
  if (w !== undefined) out.minWords = w;
  if (f.correction !== undefined) out.correction = parseCorrection(f.correction);
  if (f.model !== undefined) out.model = parseModelFlag(f.model);
  if (f.referenceGroup !== undefined) out.referenceGroup = f.referenceGroup.trim();
  if (f.cleanCondition !== undefined) out.cleanCondition = f.cleanCondition;
  if (f.headline !== undefined) out.headline = parseHeadline(f.headline);
  return out;
}

function collectSlices(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), v];
}

/**
 * The shared statistics flags of report and check: [flags, description, parser?]. None has a default:
 * a flag left out takes the value run.json records (the suite's), so the card is the run's card.
 */
export function statOptionSpecs(): Array<[string, string, ((v: string, prev: string[] | undefined) => string[])?]> {
  const run = "(default: the run's, from run.json)";
  return [
    ['--group-by <keys>', `label key to group by, or several separated by commas (a group table set each; report and check) ${run}`],
    ['--slices <keys>', `an intersectional slice, comma separated (e.g. accent,gender); repeat the flag or separate slices with ; for several; "none" for no slices ${run}`, collectSlices],
    ['--bootstrap <n>', `bootstrap resamples (and permutations) ${run}`],
    ['--seed <n>', `seed of every random draw ${run}`],
    ['--min-speakers <n>', `minimum speakers of a reportable cell ${run}`],
    ['--min-words <n>', `minimum reference words of a reportable cell ${run}`],
    ['--correction <method>', `multiple-testing correction: holm or bh ${run}`],
    ['--clean-condition <key>', `condition the degradation section compares the others with ${run}`],
    ['--headline <metric>', `WER the tables lead with (WER column, gaps, tests): pooled (Σerrors/Σwords), mean-utterance (Koenecke et al. 2020) or mean-speaker ${run}`],
  ];
}
