import { InputError } from '../../manifest/errors.ts';
import { stressedDictionary } from './cmudict.ts';
import type { AccentRules } from './config.ts';
import { BUILTIN_RULES, applyRules, ruleLabel, ruleSites, type PlantedRule, type RuleContext } from './rules.ts';

/**
 * Why a rule's own context rules out every site, from the context alone (no dictionary needed): a word-initial
 * phone follows the word start `#`, a word-final one precedes the word end `#`, a medial one has a phone on
 * each side. Undefined when the context is consistent.
 */
export function contextContradiction(c: RuleContext | undefined): string | undefined {
  if (!c) return undefined;
  const onlyBoundary = (l?: string[]) => l !== undefined && l.every((p) => p === '#');
  if (c.position === 'initial' && c.after && !c.after.includes('#')) return `position initial: the phone before is the word start (#), but after lists only ${c.after.join(' ')}`;
  if (c.position === 'final' && c.before && !c.before.includes('#')) return `position final: the phone after is the word end (#), but before lists only ${c.before.join(' ')}`;
  if (c.position === 'medial' && onlyBoundary(c.after)) return 'position medial: a phone comes before it, but after lists only the word start #';
  if (c.position === 'medial' && onlyBoundary(c.before)) return 'position medial: a phone comes after it, but before lists only the word end #';
  return undefined;
}

/**
 * A CMUdict word in which `rule` finds a site (its own definition and context), looking at the canonical
 * pronunciation and at the one left by the rules before it in its group (each applied at rate 1: a later rule
 * sees the earlier rules' output). Undefined when no word of `dict` has one: the rule can never rewrite a phone
 * of a planted corpus, whose rules rewrite CMUdict words only.
 */
export function siteExample(rule: PlantedRule, earlier: readonly PlantedRule[], dict: ReadonlyMap<string, string[]> = stressedDictionary()): string | undefined {
  const always = earlier.map((r) => ({ ...r, rate: 1 }));
  for (const [word, phones] of dict) {
    if (ruleSites(rule, phones).length) return word;
  }
  if (!always.length) return undefined;
  for (const [word, phones] of dict) {
    if (ruleSites(rule, applyRules(phones, always, () => 0).planted).length) return word;
  }
  return undefined;
}

/**
 * Refuses (InputError naming the rules file and the rule's line) a rule that can never rewrite a phone,
 * before anything is synthesised (rate 0 is a valid rate, not refused): a word-final context on a rule whose definition has no word-final
 * site (`neverFinal`: h-dropping); a context that contradicts itself (see `contextContradiction`); a rule whose sites, under its context, occur in no
 * CMUdict word (e.g. TH-stopping word-initial before `#`: a one-phone word; a custom NG rule word-initial). A rule that can apply but finds
 * no site in the chosen prompts is the caller's warning after synthesis.
 */
export function checkRulesCanApply(rules: AccentRules, dict: ReadonlyMap<string, string[]> = stressedDictionary()): void {
  for (const g of rules.groups) {
    g.rules.forEach((r, i) => {
      const where = `groups.${g.name}[${i}]`;
      const line = g.ruleLines?.[i];
      const never = (why: string) => new InputError(rules.file, line, `${where}: ${ruleLabel(r)} can never apply: ${why}; group ${g.name} would differ from a null group in name only`);
      // Rate 0 is a valid rate (a dose–response series starts there): synthesis warns that it rewrote nothing.
      if (r.rate === 0) return;
      const finalOnly = r.context?.position === 'final' || (r.context?.before !== undefined && r.context.before.every((p) => p === '#'));
      const neverFinal = r.from === undefined ? BUILTIN_RULES[r.rule]?.neverFinal : undefined;
      if (neverFinal && finalOnly) throw never(`its context allows only a word-final phone, but ${neverFinal}`);
      const contradiction = contextContradiction(r.context);
      if (contradiction) throw never(contradiction);
      if (siteExample(r, g.rules.slice(0, i), dict) === undefined) {
        const what = r.from !== undefined ? `${r.from} ${r.to === '-' ? 'deleted' : `→ ${r.to}`}` : (BUILTIN_RULES[r.rule]?.describe ?? r.rule);
        const oneWord = r.context?.position === 'initial' && r.context.before?.every((p) => p === '#') ? ' (word-initial before the word end: a one-phone word)' : '';
        throw never(`no word of CMUdict (${dict.size} words; a planted corpus rewrites no other) has a site for it (${what}) in that context${oneWord}`);
      }
    });
  }
}
