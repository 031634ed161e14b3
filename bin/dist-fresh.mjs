// Whether the compiled CLI in dist/ is fresh: its build stamp is newer than every file under src/. Shared by
// bin/asrfair.mjs (which runs the sources through tsx otherwise) and the benches (which build first).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** True when `<root>/dist/.build-stamp` exists and is newer than every file under `<root>/src`. */
export function builtIsFresh(root) {
  let stamp;
  try {
    stamp = statSync(join(root, 'dist', '.build-stamp')).mtimeMs;
  } catch {
    return false;
  }
  for (const e of readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })) {
    if (e.isFile() && statSync(join(e.parentPath, e.name)).mtimeMs > stamp) return false;
  }
  return true;
}
