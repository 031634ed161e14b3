/**
 * The version of the code that produced a stored result, for the stamps of reusable results (`adapt`'s steps, the
 * glass box's decoder results): an upgrade that changes that code must not be served results of the old code.
 *
 * `codeVersion(['analysis/glass-suite.ts'])` = `asrfair <package.json version>, source sha256 <12 hex> (<n> files)`,
 * the sha256 over every source file the named modules import, transitively (relative `import`/`export … from` and
 * `import()` specifiers), and the data files they open by a literal `new URL('./…', import.meta.url)`. Each file enters
 * the hash as its path relative to the source root, a NUL, its bytes, a NUL (sorted by path). The files hashed are those
 * under `src/` when the checkout has them (the CLI runs from `dist/` only while it is newer than `src/`, so both are the
 * same code), else the compiled `dist/` modules. Memoised per process (sources do not change under a running process).
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Relative specifiers of static and dynamic imports and re-exports, and of `new URL('./…', import.meta.url)` data files. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\bnew\s+URL\s*\(\s*)(['"])(\.{1,2}\/[^'"]+)\1/g;

const memo = new Map<string, string>();

/**
 * The code version of the modules `entries` (paths under the source root, e.g. `adapt/sphinxtrain.ts`; `.ts` is read as
 * `.js` when only `dist/` exists). `root` is the package folder (holding package.json and src/ or dist/); default: this
 * checkout. Throws an Error naming the entry when an entry module does not exist.
 */
export function codeVersion(entries: readonly string[], root: string = ROOT): string {
  const memoKey = JSON.stringify([root, entries]);
  const known = memo.get(memoKey);
  if (known !== undefined) return known;
  const fromSrc = existsSync(join(root, 'src'));
  const base = join(root, fromSrc ? 'src' : 'dist');
  const file = (p: string) => (fromSrc ? p : p.replace(/\.ts$/, '.js'));
  const seen = new Set<string>();
  const todo = entries.map((e) => join(base, file(e)));
  for (const e of todo) if (!existsSync(e)) throw new Error(`${e}: no such module (code version of ${entries.join(', ')})`);
  while (todo.length) {
    const f = todo.pop()!;
    if (seen.has(f) || !existsSync(f) || !statSync(f).isFile()) continue;
    seen.add(f);
    if (!/\.[cm]?[jt]s$/.test(f)) continue;
    for (const m of readFileSync(f, 'utf8').matchAll(SPECIFIER)) {
      const target = resolve(dirname(f), m[2]);
      // Only files of this package's sources: data files outside them (corpora, prompts) are inputs, hashed by their callers.
      if (!relative(base, target).startsWith('..')) todo.push(target);
    }
  }
  const h = createHash('sha256');
  const files = [...seen].map((f) => relative(base, f)).sort();
  for (const f of files) h.update(f).update('\0').update(readFileSync(join(base, f))).update('\0');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string };
  const version = `asrfair ${pkg.version ?? 'unknown'}, source sha256 ${h.digest('hex').slice(0, 12)} (${files.length} files)`;
  memo.set(memoKey, version);
  return version;
}

/**
 * The part of `codeVersion(entries)` that is the code itself: `source sha256 <12 hex> (<n> files)`, without asrfair's
 * package version, so a release that leaves these modules alone leaves it unchanged. For the request version of remote
 * backends (`requestCodeVersion`), where a changed version means paying for the call again.
 */
export function sourceVersion(entries: readonly string[], root: string = ROOT): string {
  return codeVersion(entries, root).replace(/^asrfair [^,]*, /, '');
}

const REQUEST = '; request ';

/**
 * A remote backend's `codeVersion`: the version of the code that builds its requests and reads its answers (`answers`,
 * a `codeVersion`), followed by the version of what shapes the request alone (`request`: `sourceVersion` of the
 * request module and the SDK's version), e.g. `asrfair 0.1.0, source sha256 … (9 files); request source sha256 … (4
 * files), openai-node 6.49.0`. `requestVersionOf` reads the request part back from a stored stamp.
 */
export function withRequestVersion(answers: string, request: string): string {
  return `${answers}${REQUEST}${request}`;
}

/** The request part of a stamp made by `withRequestVersion`; undefined for any other stamp (or none). */
export function requestVersionOf(stamp: string | null | undefined): string | undefined {
  const i = stamp?.lastIndexOf(REQUEST) ?? -1;
  return stamp && i >= 0 ? stamp.slice(i + REQUEST.length) : undefined;
}

const debMemo = new Map<string, string>();

/** The installed Debian package's version (`dpkg-query -W`), e.g. pocketsphinx `0.8+5prealpha+1-15`; `unknown` when not found. */
export function debianVersion(pkg: string): string {
  let v = debMemo.get(pkg);
  if (v === undefined) {
    try {
      v = execFileSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8' }).trim() || 'unknown';
    } catch {
      v = 'unknown';
    }
    debMemo.set(pkg, v);
  }
  return v;
}
