/**
 * What the glass box reads of a manifest reference: markup tokens are not words (they are not spoken as written, so
 * their letters must not become canonical phones), and digits have no one spoken form ("42": forty-two or four
 * two), so canonical phones for them would be guesses.
 *
 * Markup, by the conventions the project reads elsewhere (sclite, Kaldi and EdAcc noise tokens): a whole token
 * `[noise]`, `<unk>` (Kaldi/EdAcc event and noise tags), `(uh)` (sclite's optionally deletable word, `-D`: not
 * required to be said) and `{breath}` (a braced tag with one alternative and no `/`: an event, not a word choice).
 * Alternations with `/` and fragments `(like-)` are left to the reader of marked references (analysis/fragments.ts).
 */

import { BRACKET_TAG } from '../manifest/markup.ts';

/** Kaldi's (and EdAcc's) bracketed tags, shared with the Kaldi importer, and sclite's `(uh)` and a braced `{breath}`. */
const MARKUP = new RegExp(String.raw`^(?:${BRACKET_TAG}|\{[^{}/]*\}|\((?![^()]*-\))(?!-)[^()]*\))$`);

/** A reference as the glass box reads it: `ref` without markup tokens; `markup`: the tokens left out; `digits`: tokens holding a digit. */
export interface GlassReference {
  ref: string;
  markup: string[];
  digits: string[];
}

/**
 * Splits `text` (a manifest `text`, or a hypothesis: both sides' markup is read alike, as sclite reads it) into the
 * words the glass box scores, the markup tokens left out, and tokens with digits.
 */
export function glassReference(text: string): GlassReference {
  const ref: string[] = [];
  const markup: string[] = [];
  const digits: string[] = [];
  for (const t of text.split(/\s+/)) {
    if (!t) continue;
    if (MARKUP.test(t)) {
      markup.push(t);
      continue;
    }
    if (/\p{Nd}/u.test(t)) digits.push(t);
    ref.push(t);
  }
  return { ref: ref.join(' '), markup, digits };
}

/** Per group: references (utterances) and markup tokens. */
export type MarkupByGroup = Record<string, { utterances: number; tokens: number }>;

/**
 * What the glass box will do with manifest references, gathered utterance by utterance (`add`) and said as warning
 * lines (`lines`), the same for `glass` (at run time) and `validate --for glass` (before it): markup tokens left out
 * (each utterance named `file:line`, then one count by group) and references with digits, not analysed (named, then
 * one count by group).
 */
export class GlassReferenceNotes {
  readonly markupByGroup: MarkupByGroup = {};
  readonly digitsByGroup: Record<string, number> = {};
  private readonly markupLines: { order: number; line: string }[] = [];
  private readonly digitLines: { order: number; line: string }[] = [];

  /**
   * Notes one reference read by `glassReference`: `where` is its `file:line`, `order` its place in the manifest (lines
   * are listed in that order, whatever order they were added in). Returns `read`.
   */
  add(read: GlassReference, u: { id: string; group: string; where: string; order: number }): GlassReference {
    if (read.digits.length) {
      this.digitsByGroup[u.group] = (this.digitsByGroup[u.group] ?? 0) + 1;
      this.digitLines.push({ order: u.order, line: `${u.where}: utterance ${u.id}: ${digitsReason(read.digits)}` });
      return read;
    }
    if (read.markup.length) {
      countMarkup(this.markupByGroup, u.group, read.markup.length);
      this.markupLines.push({ order: u.order, line: `${u.where}: utterance ${u.id}: markup not scored as words by glass: ${read.markup.join(' ')}` });
    }
    return read;
  }

  /** Markup warning lines: at most `named` utterances named, then one count by group (none when no markup). */
  markupWarnings(named = 10): string[] {
    const total = sum(this.markupByGroup, (c) => c.utterances);
    if (!total) return [];
    return [
      ...listed(this.markupLines, named),
      `glass: markup tokens ([noise], <unk>, (uh), {breath}) left out of ${total} reference${total === 1 ? '' : 's'} (not words: no canonical phones; by group: ${markupCountsText(this.markupByGroup)})${more(this.markupLines, named)}`,
    ];
  }

  /** Digit warning lines: at most `named` utterances named, then one count by group (none when no reference has a digit). */
  digitWarnings(named = 10): string[] {
    const total = sum(this.digitsByGroup, (n) => n);
    if (!total) return [];
    return [
      ...listed(this.digitLines, named),
      `glass: ${total} reference${total === 1 ? '' : 's'} with digits not analysed (their spoken form is unknown; by group: ${byGroupText(this.digitsByGroup, (n) => `${n} utterance${n === 1 ? '' : 's'}`)})${more(this.digitLines, named)}`,
    ];
  }
}

/** Counts one utterance with `tokens` markup tokens left out in `group` (a reference's, or a hypothesis's). */
export function countMarkup(m: MarkupByGroup, group: string, tokens: number): void {
  const c = (m[group] ??= { utterances: 0, tokens: 0 });
  c.utterances++;
  c.tokens += tokens;
}

/** "g 2 utterances, 3 tokens; h 1 utterance, 1 token": markup left out per group, groups sorted. */
export function markupCountsText(m: MarkupByGroup): string {
  return byGroupText(m, (c) => `${c.utterances} utterance${c.utterances === 1 ? '' : 's'}, ${c.tokens} token${c.tokens === 1 ? '' : 's'}`);
}

/** Why a reference with digits is not analysed (`digits`: its tokens holding one; five shown). */
export function digitsReason(digits: readonly string[]): string {
  return `reference has digits (${digits.slice(0, 5).join(' ')}): their spoken form is unknown, so the utterance is not analysed (write numbers as words)`;
}

function sum<T>(m: Record<string, T>, f: (v: T) => number): number {
  return Object.values(m).reduce((n, v) => n + f(v), 0);
}

function byGroupText<T>(m: Record<string, T>, f: (v: T) => string): string {
  return Object.keys(m)
    .sort()
    .map((g) => `${g} ${f(m[g])}`)
    .join('; ');
}

function listed(lines: readonly { order: number; line: string }[], named: number): string[] {
  return [...lines].sort((a, b) => a.order - b.order).slice(0, named).map((l) => l.line);
}

function more(lines: readonly unknown[], named: number): string {
  return lines.length > named ? `; ${lines.length - named} more not named` : '';
}
