import { readFileSync } from 'node:fs';

/** CMUdict as shipped by Debian's pocketsphinx-en-us, with stress digits kept (src/text/g2p.ts strips them). */
export const CMUDICT_PATH = '/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict';

const cache = new Map<string, Map<string, string[]>>();

/** word (lower case) → first pronunciation, phones as in the file (e.g. `DH AH0`). Read once per process and path. */
export function stressedDictionary(path = CMUDICT_PATH): Map<string, string[]> {
  let d = cache.get(path);
  if (d) return d;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read the pronunciation dictionary ${path} (${(e as NodeJS.ErrnoException).code}); apt-get install pocketsphinx-en-us`);
  }
  d = new Map();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line || line.startsWith(';;;')) continue;
    const [head, ...phones] = line.split(/\s+/);
    if (/\(\d+\)$/.test(head) || phones.length === 0) continue;
    const w = head.toLowerCase();
    if (!d.has(w)) d.set(w, phones.map((p) => p.toUpperCase()));
  }
  cache.set(path, d);
  return d;
}

/** Words of a prompt as the dictionary spells them: lower case, punctuation dropped except word-internal apostrophes. */
export function promptWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9'\s-]/g, ' ')
    .replace(/-/g, ' ')
    .split(/\s+/)
    .map((w) => w.replace(/^'+|'+$/g, ''))
    .filter(Boolean);
}
