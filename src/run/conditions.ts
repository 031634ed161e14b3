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
