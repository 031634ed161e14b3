/** Praat TextGrid reading (long and short text formats, UTF-8 or UTF-16) and L2-ARCTIC error annotations. */
import { readFile, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { InputError } from '../../manifest/errors.ts';

export interface TextGridInterval {
  start: number;
  end: number;
  text: string;
}

export interface TextGridTier {
  name: string;
  kind: 'interval' | 'point';
  /** For point tiers start === end. */
  items: TextGridInterval[];
}

export interface TextGrid {
  start: number;
  end: number;
  tiers: TextGridTier[];
}

function decode(buf: Buffer): string {
  if (buf[0] === 0xff && buf[1] === 0xfe) return buf.subarray(2).toString('utf16le');
  if (buf[0] === 0xfe && buf[1] === 0xff) {
    const swapped = Buffer.from(buf.subarray(2));
    swapped.swap16();
    return swapped.toString('utf16le');
  }
  const s = buf.toString('utf8');
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

/**
 * Both Praat text formats carry the same values in the same order; the long one adds `name =` labels and
 * `[n]` indices. Dropping those leaves a token stream the same parser reads.
 */
export function parseTextGrid(text: string, file = 'TextGrid'): TextGrid {
  const tokens: string[] = [];
  const re = /"((?:[^"]|"")*)"|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|<exists>|<absent>/g;
  const stripped = text.replace(/\[\s*\d*\s*\]/g, ' ');
  let m: RegExpExecArray | null;
  while ((m = re.exec(stripped))) tokens.push(m[1] !== undefined ? `"${m[1].replace(/""/g, '"')}` : m[0]);
  let i = 0;
  const str = (what: string) => {
    const t = tokens[i++];
    if (t === undefined || !t.startsWith('"')) throw new InputError(file, undefined, `malformed TextGrid: expected ${what} (a quoted string)`);
    return t.slice(1);
  };
  const num = (what: string) => {
    const t = tokens[i++];
    const v = t === undefined ? NaN : Number(t);
    if (!Number.isFinite(v)) throw new InputError(file, undefined, `malformed TextGrid: expected ${what} (a number), found ${t ?? 'end of file'}`);
    return v;
  };
  if (str('"ooTextFile"') !== 'ooTextFile' || str('"TextGrid"') !== 'TextGrid') throw new InputError(file, 1, 'not a Praat TextGrid (no ooTextFile/TextGrid header)');
  const start = num('xmin');
  const end = num('xmax');
  if (tokens[i] === '<absent>') return { start, end, tiers: [] };
  if (tokens[i] === '<exists>') i++;
  const nTiers = num('tier count');
  const tiers: TextGridTier[] = [];
  for (let t = 0; t < nTiers; t++) {
    const cls = str('tier class');
    const name = str('tier name');
    num('tier xmin');
    num('tier xmax');
    const n = num('item count');
    const items: TextGridInterval[] = [];
    if (cls === 'IntervalTier') {
      for (let k = 0; k < n; k++) items.push({ start: num('interval xmin'), end: num('interval xmax'), text: str('interval text') });
      tiers.push({ name, kind: 'interval', items });
    } else if (cls === 'TextTier') {
      for (let k = 0; k < n; k++) {
        const time = num('point time');
        items.push({ start: time, end: time, text: str('point mark') });
      }
      tiers.push({ name, kind: 'point', items });
    } else throw new InputError(file, undefined, `malformed TextGrid: unknown tier class "${cls}"`);
  }
  return { start, end, tiers };
}

export async function readTextGrid(file: string): Promise<TextGrid> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (e) {
    throw new InputError(file, undefined, `cannot read TextGrid (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseTextGrid(decode(buf), file);
}

/** One annotated pronunciation error: canonical phone (CPL), perceived phone (PPL), substitution/deletion/addition. */
export interface PhoneError {
  canonical: string;
  perceived: string;
  type: 's' | 'd' | 'a';
  start: number;
  end: number;
}

/** Parses a phone-tier label "CPL,PPL,s|d|a"; undefined for plain (correct) phones. */
export function parsePhoneErrorLabel(label: string, start: number, end: number): PhoneError | undefined {
  const parts = label.split(',').map((s) => s.trim());
  if (parts.length < 3) return undefined;
  const type = parts[2].toLowerCase();
  if (type !== 's' && type !== 'd' && type !== 'a') return undefined;
  return { canonical: parts[0], perceived: parts[1], type, start, end };
}

/** Phone errors of every annotation TextGrid in an L2-ARCTIC `annotation/` folder, keyed by utterance name. */
export async function readL2ArcticAnnotations(dir: string): Promise<Map<string, PhoneError[]>> {
  const out = new Map<string, PhoneError[]>();
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /\.textgrid$/i.test(n)).sort();
  } catch {
    return out;
  }
  for (const n of names) {
    const file = join(dir, n);
    const tg = await readTextGrid(file);
    const tier = tg.tiers.find((t) => t.kind === 'interval' && /^phones?$/i.test(t.name));
    if (!tier) throw new InputError(file, undefined, `no "phones" tier (tiers: ${tg.tiers.map((t) => t.name).join(', ')})`);
    const errors: PhoneError[] = [];
    for (const it of tier.items) {
      const e = parsePhoneErrorLabel(it.text, it.start, it.end);
      if (e) errors.push(e);
    }
    out.set(basename(n).replace(/\.textgrid$/i, ''), errors);
  }
  return out;
}
