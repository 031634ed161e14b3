import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** sha256 over the bytes of the given files in order (each preceded by its length), streamed. */
export async function hashFiles(files: readonly string[]): Promise<string> {
  const h = createHash('sha256');
  for (const f of files) {
    const fh = createHash('sha256');
    for await (const chunk of createReadStream(f) as AsyncIterable<Buffer>) fh.update(chunk);
    h.update(fh.digest());
  }
  return h.digest('hex');
}

/**
 * Upper bound of utterances in the manifests (non-blank lines), counted by streaming bytes; used only
 * for progress totals, so comment lines are counted too.
 */
export async function countManifestLines(files: readonly string[]): Promise<number> {
  let n = 0;
  for (const f of files) {
    let lineHasText = false;
    for await (const chunk of createReadStream(f) as AsyncIterable<Buffer>) {
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i];
        if (b === 0x0a) {
          if (lineHasText) n++;
          lineHasText = false;
        } else if (b !== 0x20 && b !== 0x09 && b !== 0x0d) lineHasText = true;
      }
    }
    if (lineHasText) n++;
  }
  return n;
}
