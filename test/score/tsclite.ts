/**
 * Reads SCTK's `tsclite.sh` (sclite's own test suite, in ../shared/data/sctk-sclite-testdata) into
 * its test cases: name and the sclite argument list as the script runs it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const TSCLITE_DIR = join(import.meta.dirname, '../../../shared/data/sctk-sclite-testdata');

export interface TscliteCase {
  name: string;
  args: string[];
  /** File the suite pipes to sclite's stdin (`-P` reads an sgml alignment file there). */
  stdin?: string;
}

/** Every sclite invocation of tsclite.sh, with `$DATA` resolved and `$OUT`/`$TEST` substituted. */
export function readTsclite(dir = TSCLITE_DIR): TscliteCase[] {
  const text = readFileSync(join(dir, 'tsclite.sh'), 'utf8').replace(/\\\n/g, ' ');
  const cases: TscliteCase[] = [];
  let test = '';
  const expand = (s: string): string[] =>
    s
      .replace(/\$\{SCLFLAGS\}/g, '')
      .replace(/\$DATA\//g, '')
      .replace(/\$OUT/g, 'out')
      .replace(/\$TEST/g, test)
      .split(/\s+/)
      .filter(Boolean);
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!.trim();
    let m = /^TEST=(\S+)$/.exec(l);
    if (m) {
      test = m[1]!.replace(/\$TN/, (/^TN=(\S+)/.exec(lines[i - 1]!.trim()) ?? ['', ''])[1]!);
      continue;
    }
    m = /^doit \$TEST\s+"[^"]*"\s+"([^"]*)"\s*(?:""|([^\s"]+))?/.exec(l);
    if (m) {
      cases.push({ name: test, args: expand(m[1]!), ...(m[2] ? { stdin: m[2] } : {}) });
      continue;
    }
    m = /^\$scliteCom (.*?)(1>|<|$)/.exec(l);
    if (m) cases.push({ name: test, args: expand(m[1]!) });
  }
  // The utf-8 loop: `for utf in ... ; do TEST=test7-$utf; doit ...` with $utf unexpanded.
  const loop = cases.filter((c) => c.name.includes('$utf'));
  const out = cases.filter((c) => !c.name.includes('$utf') && !c.name.includes('$n'));
  for (const c of loop) {
    for (const utf of ['utf8-2bytes', 'utf8-3bytes', 'utf8-4bytes']) {
      out.push({ name: c.name.replace('$utf', utf), args: c.args.map((a) => a.replace('$utf', utf)) });
    }
  }
  const ctmLoop = cases.find((c) => c.name.includes('$n'));
  if (ctmLoop) {
    const hyps = /for hyp in ([^;]*);/.exec(text)![1]!.trim().split(/\s+/);
    hyps.forEach((h, k) => out.push({ name: `test16_${k + 1}`, args: ctmLoop.args.map((a) => a.replace('$hyp', h)) }));
  }
  return out;
}

/** sclite's options of one case, parsed. */
export interface ScliteArgs {
  ref: string;
  refFormat: string;
  hyp: string;
  hypFormat: string;
  idFormat?: string;
  encoding?: string;
  localisation?: string;
  flags: Set<string>;
  /** `-c` sub-options (NOASCII, DH). */
  charOptions: string[];
  /** `-m` sub-options. */
  reduce: string[];
  /** `-w` word-weight list (file or `unity`). */
  weights?: string;
  outputs: string[];
}

const SUBS = new Set(['-o', '-c', '-m', '-S', '-e', '-r', '-h', '-i', '-O', '-n', '-f', '-L', '-w', '-C', '-l']);

export function parseScliteArgs(args: string[]): ScliteArgs {
  const out: ScliteArgs = { ref: '', refFormat: 'trn', hyp: '', hypFormat: 'trn', flags: new Set(), charOptions: [], reduce: [], outputs: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const rest: string[] = [];
    while (SUBS.has(a) && i + 1 < args.length && !args[i + 1]!.startsWith('-')) rest.push(args[++i]!);
    switch (a) {
      case '-r':
        out.ref = rest[0]!;
        out.refFormat = rest[1] ?? 'trn';
        break;
      case '-h':
        out.hyp = rest[0]!;
        out.hypFormat = rest[1] ?? 'trn';
        break;
      case '-i':
        out.idFormat = rest[0];
        break;
      case '-e':
        out.encoding = rest[0];
        out.localisation = rest[1];
        break;
      case '-c':
        out.flags.add('-c');
        out.charOptions = rest;
        break;
      case '-m':
        out.flags.add('-m');
        out.reduce = rest;
        break;
      case '-o':
        out.outputs = rest;
        break;
      case '-w':
        out.flags.add('-w');
        out.weights = rest[0];
        break;
      default:
        if (!['-O', '-n', '-f'].includes(a)) out.flags.add(a);
    }
  }
  return out;
}
