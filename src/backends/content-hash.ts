/**
 * Content hashes of model files for result-store keys: a model edited or retrained in place (a dictionary, an LM, an
 * acoustic model folder rewritten by `asrfair adapt`) gets a new key, so cached results of the old model are never
 * served for the new one. Hashes are memoised by (path, size, mtime, inode), in this process and in a small JSON file
 * (`$ASRFAIR_HASH_CACHE`, else `$XDG_CACHE_HOME/asrfair/file-sha256.json`, else `~/.cache/asrfair/file-sha256.json`),
 * so a 38 MB model is read once per change, not once per run. Failing to read or write that file only costs time.
 * A file modified less than 2 s before it was hashed is hashed again each time (file systems with coarse timestamps).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

interface Entry {
  size: number;
  mtimeMs: number;
  ino: number;
  sha256: string;
  /** When the hash was taken (ms since epoch). */
  hashedAt: number;
}

/**
 * A file changed again within the file system's timestamp granularity keeps its mtime (and maybe its size): an entry is
 * trusted only for files last modified well before it was hashed, as git treats "racily clean" index entries.
 */
const RACY_MS = 2000;
const MEMO_MAX = 20_000;

let memo: Map<string, Entry> | undefined;
let dirty = false;

/** Where the memo of file hashes is kept (see the module comment). */
export function hashCacheFile(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ASRFAIR_HASH_CACHE) return resolve(env.ASRFAIR_HASH_CACHE);
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'asrfair', 'file-sha256.json');
}

function load(): Map<string, Entry> {
  if (memo) return memo;
  memo = new Map();
  try {
    const raw = JSON.parse(readFileSync(hashCacheFile(), 'utf8')) as Record<string, Entry>;
    for (const [k, v] of Object.entries(raw)) {
      if (v && typeof v.sha256 === 'string' && typeof v.size === 'number' && typeof v.mtimeMs === 'number' && typeof v.hashedAt === 'number') memo.set(k, v);
    }
  } catch {
    // no memo yet, or unreadable: hash again
  }
  return memo;
}

function save(): void {
  if (!dirty || !memo) return;
  dirty = false;
  const file = hashCacheFile();
  try {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    // Bounded: the most recently hashed MEMO_MAX files are kept (temporary folders come and go).
    const entries = [...memo].sort((a, b) => b[1].hashedAt - a[1].hashedAt).slice(0, MEMO_MAX);
    writeFileSync(tmp, JSON.stringify(Object.fromEntries(entries)));
    renameSync(tmp, file);
  } catch {
    // read-only home (CI): the in-process memo still holds
  }
}

const same = (e: Entry | undefined, st: Stats) =>
  e !== undefined && e.size === st.size && e.mtimeMs === st.mtimeMs && e.ino === st.ino && st.mtimeMs < e.hashedAt - RACY_MS;

function fileSha256(path: string, st: Stats): string {
  const m = load();
  const hit = m.get(path);
  if (same(hit, st)) return hit!.sha256;
  const hashedAt = Date.now();
  const sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
  // A file written during the read would be memoised under its new mtime with old content: re-stat and keep only if unchanged.
  const after = statSync(path);
  // A racy file hashed again to the same value is not worth a rewrite of the memo until its entry can be trusted.
  const unchanged = hit !== undefined && hit.sha256 === sha256 && hit.mtimeMs === st.mtimeMs && hit.size === st.size;
  if (after.size === st.size && after.mtimeMs === st.mtimeMs && (!unchanged || st.mtimeMs < hashedAt - RACY_MS)) {
    m.set(path, { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, sha256, hashedAt });
    dirty = true;
  }
  return sha256;
}

/**
 * sha256 (hex, 64 chars) of a file's bytes, or of a folder's files (recursively, in name order: each relative path and
 * its file hash), following symbolic links. Throws the file system's error (ENOENT …) for a missing path.
 */
export function contentHash(path: string): string {
  const abs = resolve(path);
  const st = statSync(abs);
  const out = st.isDirectory() ? dirHash(abs) : fileSha256(abs, st);
  save();
  return out;
}

function dirHash(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      const r = rel ? `${rel}/${name}` : name;
      if (st.isDirectory()) walk(p, r);
      else if (st.isFile()) h.update(`${r}\0${fileSha256(p, st)}\n`);
    }
  };
  walk(dir, '');
  return h.digest('hex');
}
