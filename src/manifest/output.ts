/**
 * Output paths every command writes to (`-o`, `--out`, `--store`): one helper so that a bad path is one
 * clear line naming it (an InputError: exit 2), never a stack trace or a hang, and nothing half-written
 * is left behind.
 *
 * Why not `mkdirSync(dir, { recursive: true })`: on Node 20 it loops forever when a parent exists but
 * refuses children (e.g. `/proc/x`), and its EEXIST on a file says nothing useful. Files are written to
 * `<path>.partial` (created up front, so an unwritable place fails before any work) and renamed into
 * place; a failure removes the partial file.
 */
import { closeSync, lstatSync, mkdirSync, openSync, readlinkSync, realpathSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError } from './errors.ts';

/** Plain-words reasons for the file-system error codes a user can meet (one line, no stack). */
export const FS_REASONS: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'is a folder, not a file',
  EEXIST: 'already exists',
  ENAMETOOLONG: 'name too long',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
  EPIPE: 'the reader closed the pipe',
};

/** The plain-words reason of a file-system error (FS_REASONS), else its code or message. */
export function reason(e: unknown): string {
  const code = String((e as NodeJS.ErrnoException)?.code ?? '');
  return FS_REASONS[code] ?? (code || (e as Error)?.message || String(e));
}

function kindOf(path: string): 'dir' | 'file' | 'none' {
  try {
    return statSync(path).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'none';
  }
}

/** Folders this process created through makeOutputDir, in creation order (parents before children). */
const created: string[] = [];

/**
 * Removes the folders this process created (makeOutputDir) that are still empty, children before parents, and
 * returns them. A folder that existed before, or that holds anything (a file, a folder it did not create), is
 * never touched: removal is `rmdir`, which refuses a folder that is not empty. For a command that is interrupted
 * or fails before writing its outputs (src/cli/interrupt.ts), so it leaves no empty `--out` behind.
 */
export function removeCreatedEmptyDirs(): string[] {
  const removed: string[] = [];
  for (const d of created.splice(0).reverse()) {
    try {
      rmdirSync(d);
      removed.push(d);
    } catch {
      // Not empty (or already gone): kept.
    }
  }
  return removed;
}

/**
 * Creates the folder `dir` and any missing parents, one level at a time. Throws an InputError naming
 * `dir` when it (or a parent) is a file, or a level cannot be created (read-only, /proc, permissions).
 * `what` names the folder in the message, e.g. "output folder".
 */
export function makeOutputDir(dir: string, what = 'output folder'): void {
  const abs = resolve(dir);
  const missing: string[] = [];
  let p = abs;
  for (;;) {
    const k = kindOf(p);
    if (k === 'dir') break;
    if (k === 'file') {
      throw new InputError(dir, undefined, p === abs ? `cannot use as the ${what}: it is a file, not a folder` : `cannot create the ${what}: ${p} is a file, not a folder`);
    }
    missing.unshift(p);
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  for (const m of missing) {
    try {
      mkdirSync(m);
      created.push(m);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && kindOf(m) === 'dir') continue;
      throw new InputError(dir, undefined, `cannot create the ${what}: ${reason(e)}${m !== abs ? ` (at ${m})` : ''}`);
    }
  }
}

const PARTIAL = '.partial';

/**
 * The file a write to `path` lands in. A symbolic link is followed (a link to a file keeps the link and
 * replaces its file's content; a dangling link creates its target). `special` is true when that target
 * exists and is not a regular file (a device such as /dev/full, a FIFO, /dev/stdout on a pipe): it is written in
 * place, since no partial file can be renamed onto it.
 */
export function outputTarget(path: string): { target: string; special: boolean } {
  try {
    // statSync follows links, /proc's magic ones too (/dev/stdout on a pipe has no real path).
    const st = statSync(path);
    if (!st.isFile() && !st.isDirectory()) return { target: path, special: true };
  } catch {
    // Missing (or a dangling link): a new file.
  }
  try {
    if (!lstatSync(path).isSymbolicLink()) return { target: path, special: false };
  } catch {
    return { target: path, special: false };
  }
  try {
    return { target: realpathSync(path), special: false };
  } catch {
    return { target: resolve(dirname(resolve(path)), readlinkSync(path)), special: false };
  }
}

/**
 * Checks that `path` can become an output file: not a folder, its folder created (makeOutputDir), and
 * `<path>.partial` creatable there. Returns the partial path (created, empty): write it, then
 * `commitOutputFile`; on failure `discardOutputFile`. Throws an InputError naming `path`. A symbolic link
 * is followed (outputTarget): the partial file sits beside the link's target, and a device or FIFO is
 * returned itself (opened for writing as the check; written in place, commit does nothing).
 */
export function beginOutputFile(path: string, what = 'output file'): string {
  if (kindOf(path) === 'dir') throw new InputError(path, undefined, `is a folder: the ${what} needs a file name`);
  const { target, special } = outputTarget(path);
  if (special) {
    try {
      closeSync(openSync(target, 'w'));
    } catch (e) {
      throw new InputError(path, undefined, `cannot write the ${what}: ${reason(e)}`);
    }
    return target;
  }
  makeOutputDir(dirname(resolve(target)), `folder of the ${what}`);
  const tmp = `${target}${PARTIAL}`;
  try {
    if (kindOf(tmp) === 'dir') throw Object.assign(new Error('partial is a folder'), { code: 'EISDIR' });
    closeSync(openSync(tmp, 'w'));
  } catch (e) {
    throw new InputError(path, undefined, `cannot write the ${what}: ${reason(e)}`);
  }
  return tmp;
}

/**
 * Renames the finished `tmp` (from beginOutputFile) onto the file it stands for (`path`, or the target of
 * `path`'s link); removes it and names `path` on failure. A device or FIFO (tmp without `.partial`) was
 * written in place: nothing to do.
 */
export function commitOutputFile(tmp: string, path: string, what = 'output file'): void {
  if (!tmp.endsWith(PARTIAL)) return;
  try {
    renameSync(tmp, tmp.slice(0, -PARTIAL.length));
  } catch (e) {
    discardOutputFile(tmp);
    throw new InputError(path, undefined, `cannot write the ${what}: ${reason(e)}`);
  }
}

/** Removes a partial output file (never a folder); silent when it is already gone. */
export function discardOutputFile(tmp: string): void {
  try {
    if (lstatSync(tmp).isFile()) rmSync(tmp, { force: true });
  } catch {
    /* already gone */
  }
}

/** Writes `data` to `path` atomically (partial file, then rename); errors name `path` (InputError). */
export function writeOutputFile(path: string, data: string | Uint8Array, what = 'output file'): void {
  const tmp = beginOutputFile(path, what);
  try {
    writeFileSync(tmp, data);
  } catch (e) {
    discardOutputFile(tmp);
    throw new InputError(path, undefined, `cannot write the ${what}: ${reason(e)}`);
  }
  commitOutputFile(tmp, path, what);
}

/**
 * Checks, before any work, that every path in `paths` can be written later (beginOutputFile on each,
 * then its probe partial file removed): a folder at a target, a file where a folder should be or an
 * unwritable folder is one InputError naming that path. Leaves nothing behind.
 */
export function checkOutputFiles(paths: readonly string[], what = 'output file'): void {
  for (const p of paths) discardOutputFile(beginOutputFile(p, what));
}

/**
 * Creates `dir` (as `makeOutputDir`) and checks that a file can be written in it (a probe file begun and discarded):
 * for a folder that long work writes into as it goes (a cache), so a folder it cannot use is one InputError naming it
 * before the work, not one failure per item after.
 */
export function checkWritableDir(dir: string, what = 'output folder'): void {
  makeOutputDir(dir, what);
  checkOutputFiles([join(dir, '.asrfair-write-check')], what);
}

/**
 * Writes several files that belong together (a report's md, html and json): each goes to its
 * `.partial` first and all are renamed into place only when every one was written; a failure
 * removes every partial file and throws an InputError naming the file that failed. Files that
 * existed before keep their old content when nothing could be committed.
 */
export function writeOutputFiles(files: readonly { path: string; data: string | Uint8Array }[], what = 'output file'): void {
  const partials: string[] = [];
  try {
    for (const f of files) {
      const tmp = beginOutputFile(f.path, what);
      partials.push(tmp);
      try {
        writeFileSync(tmp, f.data);
      } catch (e) {
        throw new InputError(f.path, undefined, `cannot write the ${what}: ${reason(e)}`);
      }
    }
  } catch (e) {
    for (const t of partials) discardOutputFile(t);
    throw e;
  }
  files.forEach((f, i) => {
    try {
      commitOutputFile(partials[i], f.path, what);
    } catch (e) {
      for (const t of partials.slice(i + 1)) discardOutputFile(t);
      throw e;
    }
  });
}
