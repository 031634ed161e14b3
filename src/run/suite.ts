import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { InputErrors, InputError } from '../manifest/errors.ts';
import { describeValue, lineOf, schemaErrors } from '../manifest/yaml-errors.ts';
import { ConditionSpecSchema } from '../audio/conditions.ts';

const nameRe = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const nameMsg = 'must start with a letter or digit and use only letters, digits, _ . -';

const positiveInt = z.number().int().positive();

export const BackendSpecSchema = z
  .object({
    /** Label in reports; defaults to the type. Must be unique in the suite. */
    name: z.string().regex(nameRe, nameMsg).optional(),
    type: z.string().min(1),
    options: z.record(z.string(), z.unknown()).default({}),
    /** Overrides of the suite-wide call settings for this backend. */
    concurrency: positiveInt.optional(),
    timeoutSec: z.number().positive().optional(),
    retries: z.number().int().nonnegative().optional(),
  })
  .strict();

/** A named condition; every other field is handed unchanged to the audio stage's condition schema. */
export const ConditionEntrySchema = z
  .object({ name: z.string().regex(nameRe, nameMsg).refine((n) => n !== 'clean', '"clean" is implicit; choose another name') })
  .passthrough();

const LabelBinsSchema = z.union([
  z.array(z.number()).min(2),
  z.object({ edges: z.array(z.number()).min(2), labels: z.array(z.string().min(1)).min(1) }).strict(),
]).superRefine((b, ctx) => {
  const edges = Array.isArray(b) ? b : b.edges;
  for (let i = 1; i < edges.length; i++) {
    if (!(edges[i] > edges[i - 1])) ctx.addIssue({ code: 'custom', message: `bin edges must increase: ${edges[i - 1]} then ${edges[i]}` });
  }
  if (!Array.isArray(b) && b.labels.length !== b.edges.length - 1) {
    ctx.addIssue({ code: 'custom', message: `${b.edges.length} edges make ${b.edges.length - 1} bins but ${b.labels.length} labels are given` });
  }
});

/** The WER summaries a card can lead with (defined and computed in src/analysis/groups.ts, `WerMetric`). */
export const HeadlineSchema = z.enum(['pooled', 'mean-utterance', 'mean-speaker']);

const MetricSchema = z.enum(['wer', 'cer', 'per', 'mer', 'wil']);

/** The gate's thresholds and the `check` flag that sets each (the suite's `gate:` key → flag). */
export const GATE_FLAGS = {
  maxGap: '--max-gap',
  maxWer: '--max-wer',
  groupRatio: '--group-ratio',
  maxDegradationGap: '--max-degradation-gap',
  maxFailedShare: '--max-failed-share',
} as const;

export type GateThreshold = keyof typeof GATE_FLAGS;

/** ` (did you mean 0.4, i.e. 40%?)` for a value that reads as a percent (1 < v ≤ 100), else ''. */
function percentHint(v: number): string {
  return v > 1 && v <= 100 ? `; did you mean ${+(v / 100).toPrecision(6)} (${v}%)?` : '';
}

/**
 * The one validation of a gate threshold, shared by the suite's `gate:` (GateSchema, reported as suite file:line)
 * and `check`'s flags (src/cli/commands/check.ts, exit 2): undefined when `v` is allowed for `key`, else what is
 * wrong (a sentence without the key's name, ending with the value). Ranges: `maxGap`, `maxDegradationGap` in (0, 1]
 * (fractions: 0.03 = 3 points; 0 would fail any difference at all); `maxWer` in [0, 1] (a WER can exceed 1 with
 * insertions, but a limit above 100% passes nearly any recogniser: a value like 40 is a percent typo that turns the
 * gate off); `groupRatio` > 1 (the best group's ratio to itself is 1, so a limit ≤ 1 fails it against itself);
 * `maxFailedShare` in [0, 1].
 */
export function gateThresholdProblem(key: GateThreshold, v: number): string | undefined {
  if (!Number.isFinite(v)) return `must be a number, not ${v}`;
  switch (key) {
    case 'maxGap':
    case 'maxDegradationGap':
      return v > 0 && v <= 1 ? undefined : `must be a fraction in (0, 1] (0.03 = 3 points), not ${v}${percentHint(v)}`;
    case 'maxWer':
      return v >= 0 && v <= 1
        ? undefined
        : `must be a fraction in [0, 1] (0.4 = 40%), not ${v}${percentHint(v)}${v > 1 ? ' (a WER can exceed 1, but a limit above 100% gates nothing)' : ''}`;
    case 'groupRatio':
      return v > 1 ? undefined : `must be a ratio above 1 (1.25 = a group's WER may be 1.25× the best group's), not ${v}: the best group's ratio to itself is 1, so a limit ≤ 1 fails it against itself`;
    case 'maxFailedShare':
      return v >= 0 && v <= 1 ? undefined : `must be a fraction in [0, 1] (0 = no lost utterance allowed), not ${v}`;
  }
}

/** The gate's fields as recorded in run.json, unchecked ranges (an export written before GateSchema checked them still loads). */
export const GateShapeSchema = z
  .object({
    maxGap: z.number().optional(),
    maxWer: z.number().optional(),
    groupRatio: z.number().optional(),
    maxDegradationGap: z.number().optional(),
    maxFailedShare: z.number().optional(),
    significantOnly: z.boolean().optional(),
    includeSmallCells: z.boolean().optional(),
  })
  .strict();

/**
 * A suite's CI gate, evaluated by `asrfair run` after scoring and by `asrfair check` (whose threshold flags replace
 * its keys one by one; src/report/gate.ts checkThresholds) (fractions: 0.03 = 3 points). An empty gate applies the
 * default checks (lost utterances, groups with nothing scored, groups or backends left out). Cells below the minimum cell rule are listed as "not enough
 * data" and do not fail the WER/gap/ratio thresholds unless `includeSmallCells` is true. `maxFailedShare`
 * (default 0) is the largest share of a group's utterances that may be lost (failed or missing); a group
 * with no scored utterance always fails (src/report/check.ts). Ranges: gateThresholdProblem, the same rule as
 * `check`'s flags.
 */
export const GateSchema = GateShapeSchema.superRefine((g, ctx) => {
  for (const key of Object.keys(GATE_FLAGS) as GateThreshold[]) {
    const v = g[key];
    const problem = v === undefined ? undefined : gateThresholdProblem(key, v);
    if (problem) ctx.addIssue({ code: 'custom', path: [key], message: problem });
  }
});

export type Gate = z.infer<typeof GateSchema>;

/**
 * How transcript markup in references and hypotheses is read before scoring (suite `markup:`): `sclite`
 * (default) reads it as NIST sclite does and as `asrfair score` does (alternations `{ a / b / @ }`, `;tag`
 * suffixes dropped, case folded unless `caseSensitive` = sclite `-s`, `(uh)` optionally deletable with
 * `optionallyDeletable` = `-D`, fragments `th-` with `fragments` = `-F`); `none` scores every token as a word
 * (the normaliser alone decides). `caseFold`: `unicode` (per utterance: Turkish/Azerbaijani I rules for a declared
 * language `tr`/`az`), `ascii` or `babel_turkish` (sclite's tables). See src/text/markup.ts `CaseFold`.
 */
export const ScoringMarkupSchema = z
  .object({
    convention: z.enum(['sclite', 'none']).default('sclite'),
    caseSensitive: z.boolean().default(false),
    caseFold: z.enum(['unicode', 'ascii', 'babel_turkish']).default('unicode'),
    optionallyDeletable: z.boolean().default(false),
    fragments: z.boolean().default(false),
  })
  .strict();

export type ScoringMarkup = z.infer<typeof ScoringMarkupSchema>;

/** `markup: sclite` / `markup: none` as shorthands of `{ convention: … }`. */
const MarkupSettingSchema = z
  .union([z.enum(['sclite', 'none']).transform((convention) => ScoringMarkupSchema.parse({ convention })), ScoringMarkupSchema])
  .default({ convention: 'sclite', caseSensitive: false, caseFold: 'unicode', optionallyDeletable: false, fragments: false });

/**
 * The remedy section of the card (issue 16): backend `after` (an adapted recogniser) against backend
 * `before` (the baseline) on the same utterances, per group, with paired speaker-bootstrap intervals.
 * `asrfair adapt` writes it into `adapted.yaml`; run.json records it so the card is rebuilt from the run.
 */
export const RemedySchema = z
  .object({
    /** Backend names of the suite. */
    before: z.string().min(1),
    after: z.string().min(1),
    /** Also report the gap of `target` to `reference` (e.g. a planted group vs the null group). */
    pair: z.object({ target: z.string().min(1), reference: z.string().min(1) }).strict().optional(),
    /** What the remedy is, e.g. "map/group" (asrfair adapt's candidate name). */
    method: z.string().min(1).optional(),
    /** `group`: one model per self-declared group (a by-group backend); `global`: one model for everyone. */
    scope: z.enum(['global', 'group']).default('global'),
    /** How it was chosen and from what data (split seed and hash, adaptation-data hash, dev WERs): one line each. */
    provenance: z.array(z.string()).default([]),
  })
  .strict();

export type RemedySettings = z.infer<typeof RemedySchema>;

/**
 * The suite settings a run's card and gate depend on. SuiteSchema extends it; run.json records these
 * fields as parsed (src/score/run-export.ts AnalysisSettingsSchema extends it with `bootstrap` as the
 * number B), so the suite and the run export cannot drift apart.
 */
export const CardSettingsSchema = z.object({
  /**
   * Label keys the suite groups by: one set of group tables per key on the card (and a terminal table each at the end
   * of `run`; the gate checks them all); the card's sections (model, degradation, data quality, remedy), `compare`,
   * `glass` and `adapt` use the first (README "Several grouping keys").
   */
  groupBy: z.array(z.string().min(1)).min(1).default(['accent']),
  /** Intersectional slices, each a list of ≥ 2 label keys: one slice table each. */
  slices: z.array(z.array(z.string().min(1)).min(2)).default([]),
  /** Minimum cell: smaller groups are flagged, and suppressed in published cards. */
  minCell: z.object({ speakers: positiveInt.default(10), words: positiveInt.default(500) }).strict().default({ speakers: 10, words: 500 }),
  /** Seed of every random draw of the analysis. */
  seed: z.number().int().default(1),
  metrics: z.array(MetricSchema).default(['wer', 'cer']),
  /** The WER the card leads with: pooled Σerrors/Σwords (sclite), mean-utterance (Koenecke et al. 2020) or mean-speaker (src/analysis/groups.ts WerMetric). */
  headline: HeadlineSchema.default('pooled'),
  /** Multiple-testing correction of the card's p-values (Holm or Benjamini–Hochberg). */
  correction: z.enum(['holm', 'bh']).default('holm'),
  /** Model-based view of the card: count regression family, or none. */
  model: z.enum(['poisson', 'negbin', 'none']).default('poisson'),
  /** Significance level of the card's flags and of the gate's significant-only mode. */
  alpha: z.number().gt(0).lt(1).default(0.05),
  /** Group the card's gap-to-reference column and the model's rate ratios are measured against. */
  referenceGroup: z.string().min(1).optional(),
  /** Condition the degradation section compares the others with. */
  cleanCondition: z.string().min(1).default('clean'),
  gate: GateSchema.optional(),
  /** Remedy section of the card: an adapted backend against the baseline (asrfair adapt writes it). */
  remedy: RemedySchema.optional(),
});

export const SuiteSchema = CardSettingsSchema.extend({
    name: z.string().regex(nameRe, nameMsg),
    description: z.string().optional(),
    kind: z.enum(['blackbox', 'glassbox']).default('blackbox'),
    manifest: z.string().min(1).optional(),
    manifests: z.array(z.string().min(1)).min(1).optional(),
    labelMap: z.string().optional(),
    /** Modules (paths relative to the suite) imported before backends are built: they register extra backend types. */
    plugins: z.array(z.string().min(1)).default([]),
    /** How reports describe the corpus (name defaults to the manifest file name). */
    corpus: z
      .object({ name: z.string().optional(), version: z.string().optional(), synthetic: z.boolean().optional(), description: z.string().optional() })
      .strict()
      .optional(),
    /** Service-card footnotes carried into run.json. */
    card: z
      .object({ intendedUse: z.string().optional(), limits: z.array(z.string()).optional(), confounders: z.array(z.string()).optional() })
      .strict()
      .optional(),
    backends: z.array(BackendSpecSchema).min(1, 'at least one backend is required'),
    conditions: z.array(ConditionEntrySchema).default([]),
    /** Measure audio QC (SNR, clipping, silence) of each prepared audio as covariates (default true). */
    qc: z.boolean().default(true),
    /** Include the unperturbed audio (default true). */
    includeClean: z.boolean().default(true),
    normaliser: z.string().default('basic'),
    /** Transcript markup convention of references and hypotheses (see ScoringMarkupSchema). */
    markup: MarkupSettingSchema,
    /**
     * A NIST GLM file (path relative to the suite) applied to references and hypotheses as `asrfair score --glm`
     * and SCTK's csrfilt.sh do, before the normaliser. Needs `markup` convention `sclite` (GLMs write alternations).
     */
    glm: z.string().min(1).optional(),
    costModel: z.enum(['sclite', 'unit']).default('sclite'),
    /**
     * Numeric declared labels binned into groups: `{ age: [0, 13, 18] }` puts age 7 in "0–12", 43 in "18+" (edges are
     * half-open [a, b)); `{ age: { edges: [0, 13, 200], labels: [child, adult] } }` names the bins. The raw value
     * is kept as `<key>_raw`.
     */
    bins: z.record(z.string().min(1), LabelBinsSchema).default({}),
    bootstrap: z
      .union([positiveInt.transform((B) => ({ B })), z.object({ B: positiveInt.default(1000) }).strict()])
      .default({ B: 1000 }),
    /**
     * Glass box: label whose value matches speakers across groups (e.g. `speaker_profile` of
     * `synth --matched-speakers`); sounds are then compared stratum by stratum (paired t-test).
     */
    matchSpeakersBy: z.string().min(1).optional(),
    concurrency: positiveInt.default(4),
    timeoutSec: z.number().positive().default(120),
    retries: z.number().int().nonnegative().default(3),
    maxCostUsd: z.number().nonnegative().optional(),
    /** On a rerun, which stored failures are tried again: transient ones (default), all, or none. */
    rerunFailed: z.enum(['transient', 'all', 'none']).default('transient'),
    /** Output folder for the run export (default reports/<name>/<run-id>), relative to the working directory. */
    out: z.string().optional(),
    /** Where prepared (decoded, perturbed) audio is cached, relative to the suite file. */
    audioCacheDir: z.string().optional(),
  })
  .strict()
  .refine((s) => s.manifest !== undefined || s.manifests !== undefined, { message: 'give `manifest` or `manifests`', path: ['manifest'] })
  .refine((s) => s.manifest === undefined || s.manifests === undefined, { message: 'give `manifest` or `manifests`, not both', path: ['manifests'] })
  .refine((s) => s.glm === undefined || s.markup.convention === 'sclite', {
    message: 'a GLM writes sclite markup (alternations, optional deletions): it needs `markup` convention sclite',
    path: ['glm'],
  })
  .superRefine((s, ctx) => {
    if (s.markup.convention !== 'none') return;
    // The ctm backend answers a CTM alternation as sclite markup `{ a / b }`: under `none` its braces would be words.
    s.backends.forEach((b, i) => {
      if (b.type === 'ctm') ctx.addIssue({ code: 'custom', path: ['backends', i, 'type'], message: 'a ctm backend answers CTM alternations as sclite markup `{ a / b }`: it needs `markup` convention sclite, not none' });
    });
  })
  .superRefine((s, ctx) => {
    if (!s.remedy) return;
    const names = s.backends.map((b) => b.name ?? b.type);
    for (const side of ['before', 'after'] as const) {
      if (!names.includes(s.remedy[side])) ctx.addIssue({ code: 'custom', path: ['remedy', side], message: `no backend named "${s.remedy[side]}" (backends: ${names.join(', ')})` });
    }
  });

type RawSuite = z.infer<typeof SuiteSchema>;

export interface BackendSpec extends z.infer<typeof BackendSpecSchema> {
  name: string;
}

export interface ConditionEntry {
  name: string;
  /** Line of the condition in the suite file (for errors that concern it after loading). */
  line?: number;
  /** The rest of the entry: the audio stage's condition spec. */
  spec: Record<string, unknown>;
}

export interface Suite extends Omit<RawSuite, 'manifest' | 'manifests' | 'backends' | 'conditions' | 'labelMap' | 'audioCacheDir' | 'plugins' | 'glm'> {
  /** Absolute path of the suite's NIST GLM, when it names one. */
  glm?: string;
  /** Absolute path of the suite file. */
  file: string;
  /** Absolute manifest paths. */
  manifests: string[];
  labelMap?: string;
  /** Absolute paths of plugin modules. */
  plugins: string[];
  backends: BackendSpec[];
  conditions: ConditionEntry[];
  audioCacheDir?: string;
}

/** Every schema issue of `value` (at `prefix` in the file) as its own file:line error in the project's words. */
function schemaErrorList(
  file: string,
  doc: ReturnType<typeof parseDocument>,
  counter: LineCounter,
  schema: z.ZodType,
  value: unknown,
  issues: ReadonlyArray<z.core.$ZodIssue>,
  prefix: ReadonlyArray<PropertyKey> = [],
): InputError[] {
  return schemaErrors(file, doc, counter, schema, value, issues as Parameters<typeof schemaErrors>[5], prefix, REQUIRED);
}

const EXAMPLE = '`name: my-suite`, `manifest: corpus/manifest.jsonl`, `backends: [{ type: pocketsphinx }]`';

/** What a missing required key of a suite holds. */
const REQUIRED: Record<string, string> = {
  name: 'the suite\'s name, e.g. `name: my-suite`',
  backends: 'a list of at least one backend, e.g. `backends: [{ type: pocketsphinx }]`',
  'backends[].type': 'the backend type, e.g. `type: pocketsphinx`; `asrfair backends` lists them',
};

/** Parses and validates a suite from YAML text. Errors name the file, line and YAML path. */
export function parseSuite(text: string, file: string): Suite {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw new InputError(file, e.linePos?.[0]?.line ?? counter.linePos(e.pos[0]).line, `invalid YAML: ${e.message.split('\n')[0]}`);
  }
  let js: unknown;
  try {
    // yaml caps alias expansion (maxAliasCount): an alias bomb fails here instead of eating memory.
    js = doc.toJS();
  } catch (e) {
    throw new InputError(file, undefined, `invalid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (js === null || js === undefined) throw new InputError(file, undefined, `the suite file is empty: expected a mapping of suite settings with at least ${EXAMPLE}`);
  if (typeof js !== 'object' || Array.isArray(js)) {
    throw new InputError(file, lineOf(doc, counter, []), `expected a mapping of suite settings at the top level, found ${describeValue(js)}; e.g. ${EXAMPLE}`);
  }
  // Every problem of the file at once, one line each (ordered by line): the suite's own schema, duplicate names, and
  // each condition against the audio stage's schema — checked whether or not the rest of the suite is valid.
  const errors: InputError[] = [];
  const parsed = SuiteSchema.safeParse(js);
  if (!parsed.success) errors.push(...schemaErrorList(file, doc, counter, SuiteSchema, js, parsed.error.issues));
  const top = js as Record<string, unknown>;
  const seen = new Map<string, number>();
  (Array.isArray(top.backends) ? top.backends : []).forEach((b: unknown, i: number) => {
    if (!b || typeof b !== 'object') return;
    const { name, type } = b as { name?: unknown; type?: unknown };
    const n = typeof name === 'string' ? name : typeof type === 'string' ? type : undefined;
    if (n === undefined) return;
    if (seen.has(n)) {
      errors.push(new InputError(file, lineOf(doc, counter, ['backends', i]), `backends[${i}]: duplicate backend name "${n}" (also backends[${seen.get(n)}]); give each a distinct \`name\``));
    } else seen.set(n, i);
  });
  const condNames = new Set<string>();
  (Array.isArray(top.conditions) ? top.conditions : []).forEach((c: unknown, i: number) => {
    // Not a mapping, or a missing or malformed name: the suite's schema says so above.
    if (!c || typeof c !== 'object' || Array.isArray(c)) return;
    const { name, ...spec } = c as { name?: unknown } & Record<string, unknown>;
    const named = ConditionEntrySchema.safeParse({ name }).success;
    if (named && condNames.has(name as string)) {
      errors.push(new InputError(file, lineOf(doc, counter, ['conditions', i, 'name']), `conditions[${i}].name: duplicate condition "${name as string}"`));
    }
    if (named) condNames.add(name as string);
    const entry = { name: named ? name : 'condition', ...spec };
    const checked = ConditionSpecSchema.safeParse(entry);
    if (!checked.success) errors.push(...schemaErrorList(file, doc, counter, ConditionSpecSchema, entry, checked.error.issues, ['conditions', i]));
  });
  if (errors.length || !parsed.success) {
    const sorted = errors.map((e, i) => ({ e, i })).sort((a, b) => (a.e.line ?? 0) - (b.e.line ?? 0) || a.i - b.i).map((x) => x.e);
    throw sorted.length === 1 ? sorted[0] : new InputErrors(sorted);
  }
  const raw = parsed.data;

  const base = dirname(resolve(file));
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const backends: BackendSpec[] = raw.backends.map((b) => ({ ...b, name: b.name ?? b.type }));
  const conditions: ConditionEntry[] = raw.conditions.map((c, i) => {
    const { name, ...spec } = c as { name: string } & Record<string, unknown>;
    const line = lineOf(doc, counter, ['conditions', i]);
    return { name, ...(line === undefined ? {} : { line }), spec: resolveStepPaths(spec, abs) };
  });
  if (!raw.includeClean && conditions.length === 0) {
    throw new InputError(file, lineOf(doc, counter, ['includeClean']), 'includeClean: false needs at least one condition');
  }
  // A degradation limit on a run without a condition to compare with the clean one gates nothing: refused here, before
  // the run, by the rule the card's degradation section follows (src/report/check.ts checkCard).
  const runConditions = [...(raw.includeClean ? ['clean'] : []), ...conditions.map((c) => c.name)];
  if (raw.gate?.maxDegradationGap !== undefined && (!runConditions.includes(raw.cleanCondition) || runConditions.length < 2)) {
    throw new InputError(
      file,
      lineOf(doc, counter, ['gate', 'maxDegradationGap']),
      `gate.maxDegradationGap needs the clean condition "${raw.cleanCondition}" and at least one other condition (conditions:) to compare it with; this suite has ${runConditions.join(', ') || 'none'}`,
    );
  }

  const { manifest, manifests, labelMap, audioCacheDir, plugins, glm, backends: _b, conditions: _c, ...rest } = raw;
  return {
    ...rest,
    file: resolve(file),
    manifests: (manifests ?? [manifest as string]).map(abs),
    labelMap: labelMap === undefined ? undefined : abs(labelMap),
    ...(glm === undefined ? {} : { glm: abs(glm) }),
    plugins: plugins.map(abs),
    backends,
    conditions,
    audioCacheDir: audioCacheDir === undefined ? undefined : abs(audioCacheDir),
  };
}

/** Babble talker files and manifests in a condition are relative to the suite file. */
function resolveStepPaths(spec: Record<string, unknown>, abs: (p: string) => string): Record<string, unknown> {
  if (!Array.isArray(spec.steps)) return spec;
  const steps = spec.steps.map((st: unknown) => {
    if (!st || typeof st !== 'object') return st;
    const step = { ...(st as Record<string, unknown>) };
    if (Array.isArray(step.sources)) step.sources = step.sources.map((p) => (typeof p === 'string' ? abs(p) : p));
    if (typeof step.manifest === 'string') step.manifest = abs(step.manifest);
    return step;
  });
  return { ...spec, steps };
}

export function loadSuite(file: string): Suite {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(file, undefined, code === 'ENOENT' ? 'suite file not found' : `cannot read suite file (${code ?? (e as Error).message})`);
  }
  return parseSuite(text, file);
}
