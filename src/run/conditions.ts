import { ConditionSpecSchema, conditionKey } from '../audio/conditions.ts';
import { InputError } from '../manifest/errors.ts';
import type { Suite } from './suite.ts';

/** A condition of a run: `clean` (spec undefined) or a named audio-stage condition. */
export interface ResolvedCondition {
  name: string;
  /** Part of the result-store key: `clean`, or the audio stage's content-derived key of the spec. */
  key: string;
  spec: unknown;
}

/** JSON with object keys sorted, so equal specs give equal strings. */
export function stableStringify(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`)
    .join(',')}}`;
}

/** The suite's conditions (clean first unless excluded), validated by the audio stage's schema and keyed. */
export function resolveConditions(suite: Suite): ResolvedCondition[] {
  const out: ResolvedCondition[] = suite.includeClean ? [{ name: 'clean', key: 'clean', spec: undefined }] : [];
  const keys = new Map<string, string>();
  for (const [i, c] of suite.conditions.entries()) {
    const parsed = ConditionSpecSchema.safeParse({ name: c.name, ...c.spec });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InputError(suite.file, undefined, `conditions[${i}] (${c.name}): ${issue.path.map(String).join('.') || '(spec)'}: ${issue.message}`);
    }
    const key = conditionKey(parsed.data);
    if (key === 'clean') throw new InputError(suite.file, undefined, `conditions[${i}] (${c.name}): no steps (clean audio is included already)`);
    const other = keys.get(key);
    if (other) throw new InputError(suite.file, undefined, `conditions[${i}] (${c.name}): same steps as condition "${other}"`);
    keys.set(key, c.name);
    out.push({ name: c.name, key, spec: parsed.data });
  }
  return out;
}

/** A backend of a run as the condition rule needs it: its name, type, and whether it reads the audio. */
export interface ConditionBackend {
  name: string;
  type: string;
  /** False for backends that answer by utterance id (hypotheses, CTM answers): a condition cannot reach them. */
  readsAudio: boolean;
}

/**
 * The backends a run does not run under the suite's conditions: those that read no audio (a condition perturbs the
 * audio, so their answers would be the clean ones relabelled, and a degradation of 0.0 pp made up). With at least one
 * backend that reads audio, they run on the clean audio only and this returns their names (empty when the suite has no
 * condition). Throws InputError (exit 2) naming the suite file and line of the first condition and the backend when
 * no backend reads audio, or when the suite leaves the clean condition out (`includeClean: false`): then such a
 * backend would have nothing to run.
 */
export function cleanOnlyBackends(suite: Pick<Suite, 'file' | 'conditions' | 'includeClean'>, backends: readonly ConditionBackend[]): string[] {
  const first = suite.conditions[0];
  const textOnly = backends.filter((b) => !b.readsAudio);
  if (!first || !textOnly.length) return [];
  const named = textOnly.map((b) => `"${b.name}" (${b.type})`).join(', ');
  const they = textOnly.length === 1 ? `backend ${named} reads` : `backends ${named} read`;
  const why = `${they} no audio (it answers by utterance id), so the condition cannot change what it answers: its results would be the clean ones relabelled`;
  if (textOnly.length === backends.length) {
    throw new InputError(suite.file, first.line, `conditions[0] (${first.name}): ${why}; remove \`conditions:\`, or add a backend that reads audio (text-only backends then run on the clean audio only)`);
  }
  if (!suite.includeClean) {
    throw new InputError(suite.file, first.line, `conditions[0] (${first.name}): ${why}, and includeClean: false leaves it nothing to run; include the clean condition or remove the backend`);
  }
  return textOnly.map((b) => b.name);
}

/**
 * Items (backend × condition) one utterance gives in a run: every backend under every condition, except the backends
 * run on clean audio only (run.json / run meta `cleanOnly`, cleanOnlyBackends), under the clean condition alone.
 */
export function itemsPerUtterance(meta: { backends: readonly { name: string }[]; conditions: readonly unknown[]; cleanOnly?: readonly string[] }): number {
  const clean = meta.cleanOnly ?? [];
  return meta.backends.reduce((n, b) => n + (clean.includes(b.name) ? 1 : Math.max(1, meta.conditions.length)), 0) || Math.max(1, meta.conditions.length);
}
