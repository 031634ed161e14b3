/**
 * Grapheme-to-phoneme: ARPAbet phones (the 39 CMU phones, UPPER case, stress removed) for words.
 *
 * Source 1 is the CMU Pronouncing Dictionary as shipped by Debian's pocketsphinx-en-us
 * (first pronunciation; `word(2)` alternates are kept for `pronunciations`). It is read once per
 * process, lazily, and shared by every G2P. Source 2, for words the dictionary lacks, is a
 * letter-to-sound engine: flite's `t2p` (CMU phones already) when installed, else espeak-ng
 * (`--ipa`, mapped by src/text/ipa.ts). `prepare(words)` resolves many unknown words in one
 * process call; `word()` stays synchronous and calls the engine itself for a word not prepared.
 *
 * `accentPhones(text, voice)` gives accent-specific pronunciations from an espeak-ng voice
 * (e.g. en-029 "the" → D AH), mapped IPA → ARPAbet.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, readFileSync } from 'node:fs';
import { loadPronunciationDictionary } from '../backends/pocketsphinx-dict.ts';
import { UsageError } from '../manifest/errors.ts';
import { delimiter, join } from 'node:path';
import { ARPABET_PHONES, ipaToArpabet } from './ipa.ts';

export const CMUDICT_PATH = '/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict';

export type G2PSource = 'cmudict' | 'flite' | 'espeak-ng';
export type G2PFallback = 'flite' | 'espeak-ng' | 'none';

export interface G2POptions {
  /** CMU-format dictionary (`word PH ON ES`, alternates as `word(2)`); default: pocketsphinx's. */
  dictPath?: string;
  /** Letter-to-sound engine for words the dictionary lacks; default: flite's t2p if installed, else espeak-ng. */
  fallback?: G2PFallback | 'auto';
  /** espeak-ng voice for the espeak-ng fallback (default en-us). */
  espeakVoice?: string;
}

export interface Pronunciation {
  phones: string[];
  source: G2PSource;
}

export interface WordPhones {
  word: string;
  phones: string[];
}

/**
 * Where a G2P's phones come from (what run.json records as `scoring.phones`): the pronunciation dictionary by path,
 * sha256 of its bytes and entry count, and the letter-to-sound engine for words it lacks by name, program and
 * version (`flite --version`'s line, or espeak-ng's number) and, for espeak-ng, its voice. `version` is absent when
 * the program does not say it; the engine is `none` when none is installed (or `fallback: 'none'`).
 */
export interface G2PProvenance {
  dictionary: { path: string; sha256: string; entries: number };
  letterToSound: { engine: G2PFallback; program?: string; version?: string; voice?: string };
}

export interface G2P {
  /** The letter-to-sound engine in use for unknown words. */
  readonly fallback: G2PFallback;
  /** Dictionary and letter-to-sound engine (computed on first call: hashes the dictionary, asks the engine its version). */
  provenance(): G2PProvenance;
  /** ARPAbet phones of one word (first dictionary pronunciation, else letter-to-sound). */
  word(w: string): string[];
  /** Phones and where they came from. */
  lookup(w: string): Pronunciation;
  /** Every dictionary pronunciation of a word (empty when it is not in the dictionary). */
  pronunciations(w: string): string[][];
  /** Phones of each word of a (normalised) text. */
  sentence(text: string): WordPhones[];
  /** Resolves all unknown words among `words` with one letter-to-sound call per few hundred words. */
  prepare(words: Iterable<string>): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// External engines

function onPath(cmd: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

function run(cmd: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(new Error(`${cmd}: ${e.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`${cmd} exited with ${code}: ${Buffer.concat(err).toString('utf8').trim()}`));
    });
    if (child.stdin) {
      // a tool that exits without reading its input must not crash the process with EPIPE
      child.stdin.on('error', () => undefined);
      child.stdin.end(input);
    }
  });
}

function runSync(cmd: string, args: readonly string[], input?: string): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`${cmd} failed: ${(e as Error).message}`);
  }
}

/** flite's phones (lower case, stress digits, ax/axr) → CMU ARPAbet. */
function fromFlite(phone: string): string | undefined {
  const p = phone.replace(/\d/g, '').toUpperCase();
  const mapped = p === 'AX' ? 'AH' : p === 'AXR' ? 'ER' : p;
  return ARPABET_PHONES.has(mapped) ? mapped : undefined;
}

/** Splits t2p output at its `pau` markers into one phone list per comma-separated input word. */
function splitFliteOutput(out: string): string[][] {
  const segments: string[][] = [[]];
  for (const tok of out.trim().split(/\s+/).filter(Boolean)) {
    if (tok === 'pau') segments.push([]);
    else {
      const p = fromFlite(tok);
      if (p) segments[segments.length - 1]!.push(p);
    }
  }
  // t2p brackets the utterance with pau: drop the empty ends
  if (segments.length > 0 && segments[0]!.length === 0) segments.shift();
  if (segments.length > 0 && segments[segments.length - 1]!.length === 0) segments.pop();
  return segments;
}

// A leading space keeps t2p from reading a word such as "-500" as a command-line option.
const fliteArg = (words: readonly string[]): string => ' ' + words.join(', ');

/** espeak-ng lines (one per clause) → one ARPAbet list per line. */
function espeakLines(out: string): string[][] {
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map(ipaToArpabet);
}

/**
 * `{ version }` from the first match of `re` in a program's output (stdout and stderr; `flite --version` exits 1 after
 * printing it), or `{}` when it does not run or say it.
 */
function versionOf(cmd: string, args: readonly string[], re: RegExp): { version?: string } {
  let out: string;
  try {
    out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string };
    out = `${x.stdout ?? ''}\n${x.stderr ?? ''}`;
  }
  const m = re.exec(out);
  return m?.[1]?.trim() ? { version: m[1].trim() } : {};
}

function checkVoice(voice: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_+-]*$/.test(voice)) throw new Error(`invalid espeak-ng voice name "${voice}"`);
  return voice;
}

const espeakArgs = (voice: string): string[] => ['-q', '--ipa', '--sep=_', '-v', checkVoice(voice)];

interface Engine {
  name: G2PFallback;
  /** Program, version and voice of the engine (what G2PProvenance.letterToSound records). */
  describe(): Omit<G2PProvenance['letterToSound'], 'engine'>;
  one(word: string): string[];
  many(words: readonly string[]): Promise<string[][]>;
}

function fliteEngine(): Engine {
  const one = (w: string) => splitFliteOutput(runSync('t2p', [fliteArg([w])])).flat();
  return {
    name: 'flite',
    // t2p has no version flag; it ships with flite, whose --version says `version: flite-2.2-current Sep 2018`.
    describe: () => ({ program: 't2p', ...versionOf('flite', ['--version'], /version:\s*(.+?)\s*(?:\(http[^)]*\))?\s*$/m) }),
    one,
    async many(words) {
      const segments = splitFliteOutput(await run('t2p', [fliteArg(words)]));
      if (segments.length === words.length) return segments;
      // a word that t2p splits or swallows shifts the segments: resolve one by one
      const out: string[][] = [];
      for (const w of words) out.push(splitFliteOutput(await run('t2p', [fliteArg([w])])).flat());
      return out;
    },
  };
}

function espeakEngine(voice: string): Engine {
  const args = espeakArgs(voice);
  return {
    name: 'espeak-ng',
    // `eSpeak NG text-to-speech: 1.51  Data at: …`
    describe: () => ({ program: 'espeak-ng', ...versionOf('espeak-ng', ['--version'], /text-to-speech:\s*(\S+)/), voice }),
    one: (w) => espeakLines(runSync('espeak-ng', args, w + '\n')).flat(),
    async many(words) {
      const lines = espeakLines(await run('espeak-ng', args, words.join(', ') + '\n'));
      if (lines.length === words.length) return lines;
      const out: string[][] = [];
      for (const w of words) out.push(espeakLines(await run('espeak-ng', args, w + '\n')).flat());
      return out;
    },
  };
}

function noEngine(): Engine {
  const fail = (w: string): never => {
    throw new UsageError(`g2p: "${w}" is not in the pronunciation dictionary and no letter-to-sound fallback is enabled (--fallback flite or espeak-ng gives it phones)`);
  };
  return { name: 'none', describe: () => ({}), one: fail, many: async (ws) => ws.map(fail) };
}

function chooseEngine(opts: G2POptions): Engine {
  const want = opts.fallback ?? 'auto';
  const voice = opts.espeakVoice ?? 'en-us';
  if (want === 'none') return noEngine();
  if (want === 'flite' || (want === 'auto' && onPath('t2p'))) {
    if (!onPath('t2p')) throw new Error("g2p fallback 'flite' needs flite's t2p (Debian package flite)");
    return fliteEngine();
  }
  if (!onPath('espeak-ng')) {
    if (want === 'auto') return noEngine();
    throw new Error("g2p fallback 'espeak-ng' needs espeak-ng (Debian package espeak-ng)");
  }
  return espeakEngine(voice);
}

// ---------------------------------------------------------------------------------------------
// Words

const PLAIN_WORD = /^[a-z0-9][a-z0-9']*$/;
const TOKEN_EDGES = /^[^\p{L}\p{N}'$£€¢]+|[^\p{L}\p{N}'%]+$/gu;
const HAS_LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/** Lower case; strips punctuation at the ends, keeping apostrophes and currency/percent signs. */
export function g2pTokens(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.toLowerCase().split(/\s+/)) {
    // most tokens are plain words: skip the Unicode regexes for them
    if (PLAIN_WORD.test(raw)) {
      out.push(raw);
      continue;
    }
    const t = raw.replace(TOKEN_EDGES, '');
    if (HAS_LETTER_OR_DIGIT.test(t)) out.push(t);
  }
  return out;
}

const BATCH = 300;

/** Creates a G2P; the dictionary is loaded (once per process) before this resolves. */
export async function createG2P(opts: G2POptions = {}): Promise<G2P> {
  const dictPath = opts.dictPath ?? CMUDICT_PATH;
  const dict = await loadPronunciationDictionary(dictPath);
  const engine = chooseEngine(opts);
  const guessed = new Map<string, string[]>();

  const dictKey = (w: string): string | undefined => {
    const lw = w.toLowerCase();
    if (dict.entries.has(lw)) return lw;
    const trimmed = lw.replace(/^'+|'+$/g, '');
    return dict.entries.has(trimmed) ? trimmed : undefined;
  };

  const known = new Map<string, string[]>();
  const lookup = (w: string): Pronunciation => {
    const cached = known.get(w);
    if (cached) return { phones: cached.slice(), source: 'cmudict' };
    const key = dictKey(w);
    if (key !== undefined) {
      const phones = dict.entries.get(key)![0]!.split(' ');
      known.set(w, phones);
      return { phones: phones.slice(), source: 'cmudict' };
    }
    const lw = w.toLowerCase();
    // nothing to pronounce (punctuation only)
    if (!HAS_LETTER_OR_DIGIT.test(lw)) return { phones: [], source: 'cmudict' };
    let phones = guessed.get(lw);
    if (!phones) {
      phones = engine.one(lw);
      guessed.set(lw, phones);
    }
    return { phones: [...phones], source: engine.name as G2PSource };
  };

  let provenance: G2PProvenance | undefined;
  return {
    fallback: engine.name,
    provenance: () =>
      (provenance ??= {
        dictionary: { path: dictPath, sha256: createHash('sha256').update(readFileSync(dictPath)).digest('hex'), entries: dict.entries.size },
        letterToSound: { engine: engine.name, ...engine.describe() },
      }),
    lookup,
    word: (w) => lookup(w).phones,
    pronunciations: (w) => {
      const key = dictKey(w);
      return key === undefined ? [] : dict.entries.get(key)!.map((p) => p.split(' '));
    },
    sentence: (text) => g2pTokens(text).map((word) => ({ word, phones: lookup(word).phones })),
    async prepare(words) {
      const unknown = new Set<string>();
      for (const w of words) {
        for (const t of g2pTokens(w)) if (dictKey(t) === undefined && !guessed.has(t)) unknown.add(t);
      }
      const list = [...unknown];
      for (let i = 0; i < list.length; i += BATCH) {
        const chunk = list.slice(i, i + BATCH);
        const phones = await engine.many(chunk);
        chunk.forEach((w, j) => guessed.set(w, phones[j]!));
      }
    },
  };
}

/**
 * ARPAbet phones espeak-ng says for `text` in `voice` (e.g. en-029): one array per line of its
 * `--ipa` output (espeak-ng writes one line per clause, so "a, b" gives two).
 * Errors: an invalid voice name, or espeak-ng failing.
 */
export async function espeakPhoneLines(text: string, voice: string): Promise<string[][]> {
  return espeakLines(await run('espeak-ng', espeakArgs(voice), text + '\n'));
}
