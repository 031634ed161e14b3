/**
 * Equivalence lists (in the spirit of sclite's GLM files): spellings that count as the same
 * words, e.g. "okay" ≡ "ok" or "gonna" ≡ "going to". Every listed spelling is rewritten to its
 * class's canonical form in the reference and the hypothesis alike, after the normaliser and
 * before alignment, so a dialect's or a vendor's spelling is not counted as an error.
 *
 * Two file formats are read:
 *
 * YAML (`.yaml` / `.yml`) — a list of classes, the first spelling being the canonical one:
 *
 *     # one class per item
 *     - [okay, ok, o k]
 *     - [going to, gonna]
 *
 *   or a map from the canonical spelling to its alternatives (a string or a list):
 *
 *     okay: [ok, o k]
 *     going to: gonna
 *
 * sclite GLM (any other extension), the subset rfilter1 (SCTK csrfilt.sh) reads as whole-word
 * equivalences: one rule a line, `;;` starts a comment, `*` header lines are skipped, and every rule
 * has the word-boundary context `/ [ ] __ [ ]`:
 *
 *     [gonna] => [going to] / [ ] __ [ ]
 *     [ok] => { okay / ok } / [ ] __ [ ]
 *
 *   `{a / b}` on the right names alternatives; the first becomes the canonical form and the
 *   rest join the class, so `[ok] => { okay / ok } / [ ] __ [ ]` makes "ok" ≡ "okay".
 *   Refused, naming file:line and the fix, because rfilter1 would read them otherwise (measured with
 *   Debian's csrfilt.sh, test/text/glm-equivalences-rfilter1.test.ts): a rule without context
 *   (rfilter1 rewrites characters, inside words too: `[OK] => [OKAY]` makes BOOK "BOOKAY"; and with
 *   `{a / b}` it takes the last `/` for the context separator and writes "{OKAY"), and the
 *   alternative `@` (sclite's empty alternative: the word may be left out, no spelling).
 *
 * Matching is by whole words, case-insensitive, longest phrase first, left to right; matched
 * words are replaced by the canonical form in lower case. A spelling listed in two classes is
 * an error naming the file and line. Unlike sclite, which lets the aligner choose among the
 * alternatives, rewriting to one canonical form makes the classes symmetric (ref and hyp sides
 * behave the same) and keeps the aligner unchanged.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { InputError } from '../manifest/errors.ts';
import type { Normaliser } from './normalise.ts';

export interface Equivalences {
  /** Number of classes. */
  readonly size: number;
  /** The classes, canonical spelling first (lower case, single-spaced). */
  readonly classes: readonly (readonly string[])[];
  /** Rewrites every listed spelling in `text` to its canonical form; other words are kept as they are. */
  apply(text: string): string;
}

interface TrieNode {
  next: Map<string, TrieNode>;
  canonical?: string[];
}

/** A class of spellings with the line it was read from (for error messages). */
export interface EquivalenceClass {
  spellings: string[];
  line?: number;
}

const words = (s: string): string[] => s.toLowerCase().trim().split(/\s+/).filter(Boolean);

/** Builds equivalences from classes (canonical spelling first). */
export function buildEquivalences(classes: readonly EquivalenceClass[], file = '<equivalences>'): Equivalences {
  const root: TrieNode = { next: new Map() };
  const seen = new Map<string, number | undefined>();
  const kept: string[][] = [];
  for (const cls of classes) {
    const spellings = cls.spellings.map(words).filter((w) => w.length > 0);
    if (spellings.length < 2) throw new InputError(file, cls.line, 'an equivalence class needs at least two spellings');
    const canonical = spellings[0]!;
    const joined: string[] = [];
    for (const sp of spellings) {
      const key = sp.join(' ');
      if (joined.includes(key)) continue;
      if (seen.has(key)) {
        const other = seen.get(key);
        throw new InputError(file, cls.line, `"${key}" is already in another class${other === undefined ? '' : ` (line ${other})`}`);
      }
      seen.set(key, cls.line);
      joined.push(key);
      let node = root;
      for (const w of sp) {
        let child = node.next.get(w);
        if (!child) node.next.set(w, (child = { next: new Map() }));
        node = child;
      }
      node.canonical = canonical;
    }
    kept.push(joined);
  }

  return {
    size: kept.length,
    classes: kept,
    apply(text: string): string {
      const tokens = text.trim().split(/\s+/).filter(Boolean);
      const lower = tokens.map((t) => t.toLowerCase());
      const out: string[] = [];
      let i = 0;
      while (i < tokens.length) {
        let node: TrieNode | undefined = root;
        let best: { end: number; canonical: string[] } | undefined;
        for (let j = i; j < tokens.length && node; j++) {
          node = node.next.get(lower[j]!);
          if (node?.canonical) best = { end: j + 1, canonical: node.canonical };
        }
        if (best) {
          out.push(...best.canonical);
          i = best.end;
        } else {
          out.push(tokens[i]!);
          i++;
        }
      }
      return out.join(' ');
    },
  };
}

/** Parses the YAML format (see the top of this file). */
export function parseEquivalencesYaml(text: string, file = '<yaml>'): Equivalences {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const lineOf = (node: Node | null | undefined): number | undefined =>
    node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
  const firstError = doc.errors[0];
  if (firstError) {
    throw new InputError(file, lineCounter.linePos(firstError.pos[0]).line, `invalid YAML: ${firstError.message.split('\n')[0]}`);
  }
  const stringsOf = (node: unknown, line: number | undefined): string[] => {
    if (isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number')) return [String(node.value)];
    if (isSeq(node)) return node.items.flatMap((item) => stringsOf(item, lineOf(item as Node) ?? line));
    throw new InputError(file, line, 'expected a spelling or a list of spellings');
  };

  const root = doc.contents;
  const classes: EquivalenceClass[] = [];
  if (root === null || (isScalar(root) && root.value === null)) return buildEquivalences([], file);
  if (isSeq(root)) {
    for (const item of root.items) {
      const line = lineOf(item as Node);
      if (!isSeq(item)) throw new InputError(file, line, 'each class must be a list of spellings, e.g. [okay, ok]');
      classes.push({ spellings: stringsOf(item, line), line });
    }
  } else if (isMap(root)) {
    for (const pair of root.items) {
      const line = lineOf(pair.key as Node);
      const key = stringsOf(pair.key, line);
      classes.push({ spellings: [...key, ...stringsOf(pair.value, line)], line });
    }
  } else {
    throw new InputError(file, lineOf(root as Node), 'expected a list of classes or a map from canonical spelling to alternatives');
  }
  return buildEquivalences(classes, file);
}

const GLM_RULE = /^\[([^\]]*)\]\s*=>\s*(\[[^\]]*\]|\{[^}]*\})\s*(?:\/\s*(.*))?$/;

/** Parses the context-free subset of sclite's GLM format (see the top of this file). */
export function parseEquivalencesGlm(text: string, file = '<glm>'): Equivalences {
  const classes: EquivalenceClass[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const s = raw.replace(/;;.*$/, '').trim();
    if (s === '' || s.startsWith('*')) return;
    const m = GLM_RULE.exec(s);
    if (!m) throw new InputError(file, line, `not a GLM rule of the form "[from] => [to] / [ ] __ [ ]": ${s}`);
    const context = (m[3] ?? '').replace(/\s+/g, '');
    const rhs = m[2]!;
    const rule = s.replace(/\s*;;.*$/, '');
    if (context === '') throw new InputError(file, line, noContextMessage(rule, m[1]!, rhs));
    if (context !== '[]__[]') {
      throw new InputError(file, line, `only rules with the word-boundary context "/ [ ] __ [ ]" are equivalences, got "/ ${m[3]}" (score --glm applies any context as csrfilt.sh does)`);
    }
    const alternatives = rhs.startsWith('{') ? rhs.slice(1, -1).split('/') : [rhs.slice(1, -1)];
    if (rhs.startsWith('{') && alternatives.some((a) => a.trim() === '@')) {
      throw new InputError(
        file,
        line,
        `"@" in "${rhs}" is sclite's empty alternative (the words may be left out, an optional deletion), not a spelling an equivalence class can hold; score --glm applies it as csrfilt.sh does`,
      );
    }
    const spellings = [...alternatives.map((a) => a.trim()), m[1]!.trim()];
    if (spellings.some((sp) => sp === '')) throw new InputError(file, line, 'empty spellings are not supported');
    classes.push({ spellings, line });
  });
  return buildEquivalences(mergeClasses(classes), file);
}

/**
 * Why a GLM rule without context is refused: rfilter1 matches characters, not words, so without the `[ ] __ [ ]`
 * context it rewrites inside words (`[OK] => [OKAY]`: BOOK → BOOKAY), and with `{a / b}` on the right it takes the last
 * `/` for the context separator and writes the right side up to it (`[OK] => {OKAY / OK}` writes "{OKAY").
 */
function noContextMessage(rule: string, from: string, rhs: string): string {
  const fix = `give the rule ${rhs.startsWith('{') ? 'a context' : 'the word-boundary context'}: ${rule} / [ ] __ [ ]`;
  if (rhs.includes('/')) {
    const written = rhs.slice(0, rhs.lastIndexOf('/')).trim();
    return `the rule "${rule}" has no context ("__"), so rfilter1 (csrfilt.sh) reads its last "/" as the context separator and writes just "${written}" for every ${from.trim()}, inside words too; ${fix}`;
  }
  return `the rule "${rule}" has no context, so rfilter1 (csrfilt.sh) rewrites ${from.trim()} inside words too, while an equivalence list matches whole words; ${fix}`;
}

/** GLM rules may name one canonical form in several lines: merge those into one class. */
function mergeClasses(classes: EquivalenceClass[]): EquivalenceClass[] {
  const byCanonical = new Map<string, EquivalenceClass>();
  for (const c of classes) {
    const key = words(c.spellings[0]!).join(' ');
    const existing = byCanonical.get(key);
    if (existing) existing.spellings.push(...c.spellings.slice(1));
    else byCanonical.set(key, { spellings: [...c.spellings], line: c.line });
  }
  return [...byCanonical.values()];
}

/** Parses equivalences, choosing the format by file extension (.yaml/.yml → YAML, else GLM). */
export function parseEquivalences(text: string, file: string): Equivalences {
  const ext = extname(file).toLowerCase();
  return ext === '.yaml' || ext === '.yml' ? parseEquivalencesYaml(text, file) : parseEquivalencesGlm(text, file);
}

/** Reads an equivalence file (YAML or GLM). */
export async function loadEquivalences(path: string): Promise<Equivalences> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new InputError(path, undefined, `cannot read equivalence file: ${(e as Error).message}`);
  }
  return parseEquivalences(text, path);
}

/**
 * A normaliser followed by equivalences, for code that takes one Normaliser for ref and hyp.
 * Its version names the list's content (a hash of the classes), so a run records which list it used.
 */
export function withEquivalences(normaliser: Normaliser, eq: Equivalences): Normaliser {
  const hash = createHash('sha256').update(JSON.stringify(eq.classes)).digest('hex').slice(0, 12);
  return {
    name: `${normaliser.name}+glm`,
    version: `${normaliser.version}+glm.${hash}`,
    normalise: (text, language) => eq.apply(normaliser.normalise(text, language)),
    lowerCases: normaliser.lowerCases,
    foldsByLanguage: normaliser.foldsByLanguage,
  };
}
