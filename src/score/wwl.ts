/**
 * Word-weight lists (WWL) as NIST sclite reads them for word-weight mediated alignment (`sclite -w`,
 * SCTK `wwscr_f.c` load_WWL / Weight_wwl, `align.c` lookup_word_weight):
 *
 *   ;; 'Headings' 'Word Spelling' 'Character Count'     (names the weight columns)
 *   ;; Default missing weight '30'                       (weight of a word not listed; else 0)
 *   about 5                                              (word, then one weight per column)
 *
 * Lines starting with `;;` are comments. The first weight column is used. A word is looked up
 * exactly (after the scorer's case folding, so list words in lower case to match sclite's default);
 * a word written `a=b` weighs the sum of its parts. `@` and optionally deletable words (under `-D`)
 * weigh 0. The special name `unity` weighs every word 1. A line with a word and no weight, and a
 * word listed again with another weight, are InputErrors naming file:line (sclite's binary search
 * over its sorted list would pick either one).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { InputError } from '../manifest/errors.ts';
import type { WordNetwork } from '../text/markup.ts';

export interface WordWeights {
  /** File name (or `unity`). */
  name: string;
  /** Words listed. */
  size: number;
  defaultWeight: number;
  /** Weight of one word as sclite's Weight_wwl computes it. */
  weight(word: string): number;
  /** Weights of a network's arcs by index (arc 0 and `@` 0; optionally deletable words 0). */
  arcWeights(net: WordNetwork): Float64Array;
}

function make(name: string, table: Map<string, number>, defaultWeight: number): WordWeights {
  const one = (w: string): number => table.get(w) ?? defaultWeight;
  const weight = (w: string): number => (w.includes('=') ? w.split('=').filter(Boolean).reduce((s, p) => s + one(p), 0) : one(w));
  return {
    name,
    size: table.size,
    defaultWeight,
    weight,
    arcWeights(net: WordNetwork): Float64Array {
      const out = new Float64Array(net.words.length);
      net.words.forEach((w, i) => {
        out[i] = w === null || w.isNull || w.optDel || w.text === '' ? 0 : weight(w.text);
      });
      return out;
    },
  };
}

/** sclite's `-w unity`: every word weighs 1. */
export const unityWeights = (): WordWeights => make('unity', new Map(), 1);

/** Reads a WWL file, or `unity`. Errors name file:line. */
export function loadWordWeights(path: string): WordWeights {
  if (path === 'unity') return unityWeights();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(path, undefined, `cannot read the word-weight list: ${(e as Error).message}`);
  }
  const table = new Map<string, number>();
  const lineOf = new Map<string, number>();
  let defaultWeight = 0;
  text.split('\n').forEach((raw, k) => {
    const line = raw.trim();
    if (line === '') return;
    if (line.startsWith(';;')) {
      const m = /Default missing weight\s*'([^']*)'/.exec(line);
      if (m) defaultWeight = Number.parseFloat(m[1]!) || 0;
      return;
    }
    const f = line.split(/\s+/);
    if (f.length < 2) throw new InputError(path, k + 1, 'a word-weight line needs "word weight [weight...]"');
    const w = Number.parseFloat(f[1]!);
    // C atof: a weight that is not a number reads as 0.
    const weight = Number.isFinite(w) ? w : 0;
    const prev = table.get(f[0]!);
    if (prev !== undefined && prev !== weight) {
      throw new InputError(path, k + 1, `"${f[0]}" is listed again with another weight (${prev} at line ${lineOf.get(f[0]!)})`);
    }
    table.set(f[0]!, weight);
    lineOf.set(f[0]!, k + 1);
  });
  return make(basename(path), table, defaultWeight);
}
