import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { base, isVowel } from './rules.ts';

const run = promisify(execFile);

/**
 * Speaking phone strings with festival: every word of an utterance becomes a made-up token whose
 * lexicon entry (`lex.add.entry`, syllabified by festival's `lex.syllabify.phstress`) is the given
 * phones, so festival's own phrasing, durations and intonation apply while the segments are exactly
 * ours. Deterministic (same script → byte-identical WAV). Words without phones are spoken from
 * festival's own lexicon.
 */

export const DEFAULT_PLANTED_VOICE = 'cmu_us_slt_arctic_hts';

/** Festival voices installed here (`(voice.list)`). */
export async function festivalVoices(): Promise<string[]> {
  try {
    const { stdout } = await run('festival', ['-b', '(print (voice.list))']);
    return stdout.replace(/[()]/g, ' ').trim().split(/\s+/).filter(Boolean);
  } catch (e) {
    throw new Error(`cannot run festival (${(e as Error).message.split('\n')[0]}); install the Debian packages festival and festvox-us-slt-hts`);
  }
}

/**
 * Lexical stress per syllable of each word from festival's lexicon (`lex.lookup`, cmulex + letter to
 * sound): Debian's pocketsphinx CMUdict carries no stress digits, and festival needs them to place
 * accents and durations. Returns word → stress digits (one per syllable, in order).
 */
export async function festivalStress(voice: string, words: readonly string[]): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  const clean = [...new Set(words.filter((w) => /^[a-z']+$/.test(w)))];
  if (clean.length === 0) return out;
  const { stdout } = await run('festival', ['-b', `(voice_${voice})`, ...clean.map((w) => `(print (lex.lookup ${scheme(w)}))`)], { maxBuffer: 64 << 20 });
  for (const line of stdout.split('\n')) {
    const m = /^\("((?:[^"\\]|\\.)*)" /.exec(line);
    if (!m) continue;
    out.set(m[1].replace(/\\(.)/g, '$1'), [...line.matchAll(/\(\([a-z0-9 ]+\) (\d)\)/g)].map((x) => Number(x[1])));
  }
  return out;
}

/**
 * Gives each vowel of a stressless CMUdict pronunciation the stress festival's lexicon has for the
 * word, syllable by syllable when the vowel counts agree; otherwise the first vowel is stressed.
 */
export function withStress(phones: readonly string[], stress: readonly number[] | undefined): string[] {
  const nVowels = phones.filter(isVowel).length;
  const pattern = stress && stress.length === nVowels ? stress : Array.from({ length: nVowels }, (_, i) => (i === 0 && nVowels > 1 ? 1 : nVowels === 1 ? 1 : 0));
  let v = 0;
  return phones.map((p) => (isVowel(p) && !/[012]$/.test(p) ? `${p}${pattern[v++] ?? 0}` : (isVowel(p) && v++, p)));
}

/** CMUdict phone (stress digit on vowels) → festival radio phone with stress: AH0 → ax0 (cmulex's reduced vowel). */
export function festivalPhone(p: string): string {
  const b = base(p).toLowerCase();
  if (!isVowel(p)) return b;
  const stress = /[012]$/.exec(p)?.[0] ?? '0';
  return b === 'ah' && stress === '0' ? 'ax0' : `${b}${stress}`;
}

export interface PhoneUtterance {
  /** Output WAV (festival's native rate, RIFF). */
  wav: string;
  /** Per word: its phones (CMUdict style), or the word itself to let festival pronounce it. */
  words: ({ phones: string[] } | { text: string })[];
}

function token(n: number): string {
  let s = '';
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26);
  } while (n > 0);
  return `zq${s}`;
}

const scheme = (s: string) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

/** The festival script that speaks `utts` with `voice` (exposed for tests). */
export function festivalScript(voice: string, utts: readonly PhoneUtterance[]): string {
  const lines = [`(voice_${voice})`];
  let n = 0;
  for (const u of utts) {
    const toks: string[] = [];
    for (const w of u.words) {
      if ('text' in w) {
        toks.push(w.text.replace(/[^a-z']/gi, ''));
        continue;
      }
      if (w.phones.length === 0) continue;
      const t = token(n++);
      lines.push(`(lex.add.entry (list "${t}" nil (lex.syllabify.phstress '(${w.phones.map(festivalPhone).join(' ')}))))`);
      toks.push(t);
    }
    lines.push(`(set! utt (Utterance Text ${scheme(`${toks.filter(Boolean).join(' ')}.`)}))`, '(utt.synth utt)', `(utt.save.wave utt ${scheme(u.wav)} 'riff)`);
  }
  return lines.join('\n') + '\n';
}

/** Speaks the utterances in one festival process (`script` is where the script is written). */
export async function speakPhones(voice: string, utts: readonly PhoneUtterance[], script: string): Promise<void> {
  writeFileSync(script, festivalScript(voice, utts));
  try {
    const { stderr, stdout } = await run('festival', ['-b', script], { maxBuffer: 16 << 20 });
    const err = `${stdout}\n${stderr}`.match(/SIOD ERROR[^\n]*/);
    if (err) throw new Error(err[0]);
  } catch (e) {
    throw new Error(`festival failed on ${script}: ${(e as Error).message.split('\n')[0]}`);
  }
}
