/**
 * Temporary folders that do not outlive the process: each one made here is removed when the process
 * exits (normally, or through `process.exit` after an interrupt, see src/cli/interrupt.ts) if its owner
 * has not removed it already. A kill -9 still leaves them (nothing runs then).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const live = new Set<string>();
let hooked = false;

function track(dir: string): string {
  live.add(dir);
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const d of live) rmSync(d, { recursive: true, force: true });
    });
  }
  return dir;
}

/** A new, empty folder `<parent>/<prefix>XXXXXX` (mkdtemp; parent: the OS temporary folder, $TMPDIR). */
export function makeTempDir(prefix: string, parent: string = tmpdir()): string {
  return track(mkdtempSync(join(parent, prefix)));
}

/** Creates `dir` (and its parents) as a temporary folder of this process. */
export function makeTempDirAt(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return track(dir);
}

/** Removes a folder made by `makeTempDir`/`makeTempDirAt` (and everything in it) now. */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  live.delete(dir);
}
