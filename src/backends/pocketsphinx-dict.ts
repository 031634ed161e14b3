import { readFile } from 'node:fs/promises';
import { BackendError } from './types.ts';

/** PocketSphinx's pronunciation dictionaries (CMUdict format), read for G2P and for the glass box. */
export interface CmuDict {
  /** word → pronunciations (phones joined by single spaces), first one first. */
  entries: Map<string, string[]>;
}

const dictionaries = new Map<string, Promise<CmuDict>>();

/**
 * Reads a CMUdict-format pronunciation dictionary (the one PocketSphinx decodes with: `word(2) P H O N E S`,
 * `;;;` comments, `#` trailing comments), once per path. Words are lower-cased, variant markers `(n)` and
 * stress digits dropped; pronunciations keep the file's order. Errors: an unreadable file (rejects).
 */
export function loadPronunciationDictionary(path: string): Promise<CmuDict> {
  let d = dictionaries.get(path);
  if (!d) {
    d = readFile(path, 'utf8').then(parseDict, (e: Error) => {
      dictionaries.delete(path);
      throw new Error(`cannot read the pronunciation dictionary ${path}: ${e.message}`);
    });
    dictionaries.set(path, d);
  }
  return d;
}

/**
 * The first pronunciation `dict` (read from `path`) gives a word, as ARPAbet phones without stress (`["HH", "AH",
 * "L", "OW"]`); the word is looked up lower-cased. Throws a non-retryable BackendError naming the word and `path` when
 * the dictionary lacks it (forced alignment needs G2P for such words, which the glass-box suite supplies).
 */
export function dictionaryPronouncer(dict: CmuDict, path: string): (word: string) => string[] {
  return (w) => {
    const p = dict.entries.get(w.toLowerCase())?.[0];
    if (p === undefined) throw new BackendError(`forceAlign: "${w}" is not in ${path}; align it through the glass-box suite, which pronounces unknown words by G2P`, false);
    return p.split(' ');
  };
}

function parseDict(text: string): CmuDict {
  const entries = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    if (raw === '' || raw.startsWith(';;;')) continue;
    const hash = raw.indexOf('#');
    const line = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
    const sp = line.search(/\s/);
    if (sp <= 0) continue;
    const word = line.slice(0, sp).toLowerCase().replace(/\(\d+\)$/, '');
    const phones = line.slice(sp + 1).trim().replace(/\d/g, '').toUpperCase().split(/\s+/).join(' ');
    const list = entries.get(word);
    if (list) list.push(phones);
    else entries.set(word, [phones]);
  }
  return { entries };
}
