/**
 * `--rules` checked before any work (user trial 15): every group must be a group of the manifest (as the suite's run
 * groups it) and every phone a phone of the pronunciation dictionary the variants extend, else one line naming it.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../manifest/errors.ts';
import { escapeControl } from '../manifest/escape.ts';
import { suggestKey } from '../manifest/yaml-errors.ts';
import { NO_PHONE } from '../analysis/confusable.ts';
import type { PhoneRule } from './variants.ts';

/** The phones a CMU-format dictionary (`word P1 P2 …` per line) uses, stress digits removed. */
export function dictionaryPhones(dict: string): Set<string> {
  const out = new Set<string>();
  for (const line of readFileSync(dict, 'utf8').split('\n')) {
    const parts = line.trim().split(/\s+/);
    for (const p of parts.slice(1)) out.add(p.replace(/\d$/, '').toUpperCase());
  }
  return out;
}

/**
 * Throws a `UsageError` (one line) for the first rule naming a group not in `groups` (the groups of `manifest` by `key`) (with the closest group, "did you
 * mean", and the groups there are) or a phone not in `phones` (the dictionary `dict`'s phone set; `∅` deletes and is
 * allowed on the right).
 */
export function checkRules(rules: Record<string, readonly PhoneRule[]>, groups: readonly string[], phones: ReadonlySet<string>, dict: string, manifest: string, key: string): void {
  for (const [g, rs] of Object.entries(rules)) {
    if (!groups.includes(g)) {
      const hint = suggestKey(g, [...groups]);
      throw new UsageError(`--rules: "${escapeControl(g)}" is not a group of ${manifest} by "${escapeControl(key)}"${hint.startsWith(' (did you mean') ? hint : ''} (groups: ${groups.map((x) => escapeControl(x)).join(', ')})`);
    }
    for (const r of rs) {
      for (const p of r.hyp === NO_PHONE ? [r.ref] : [r.ref, r.hyp]) {
        if (!phones.has(p)) throw new UsageError(`--rules ${escapeControl(g)}:${escapeControl(r.ref)}>${escapeControl(r.hyp)}: "${escapeControl(p)}" is not a phone of ${dict} (phones: ${[...phones].sort().join(' ')})`);
      }
    }
  }
}
