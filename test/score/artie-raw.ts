import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The Artie bias corpus in the shared real-data folder (CI: ../shared/data). */
export const ARTIE = join(import.meta.dirname, '../../../shared/data/artie-bias-corpus');

const VENDOR_FILES = { amazon: 'amazon/en-US/dec-9-2019-original.tsv', google: 'google/en-US/dec-4-2019-original.tsv' } as const;

function tsv(path: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');
  const keys = head!.split('\t');
  return lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [keys[i]!, v])));
}

/**
 * Writes `<dir>/<vendor>.ref.trn` and `.hyp.trn` from the Artie corpus as released: the Common Voice prompt
 * (`sentence`, raw: capitals, punctuation, curly quotes, dashes) against the vendor's raw transcript
 * (`-original` file), one utterance per clip the vendor answered, id `<first 12 characters of
 * client_id>-<clip>` so that sclite's `-i rm` speaker is the Common Voice speaker.
 */
export function writeArtieRawTrn(dir: string, vendor: keyof typeof VENDOR_FILES): { ref: string; hyp: string; utterances: number } {
  const pred = new Map(tsv(join(ARTIE, 'predictions', VENDOR_FILES[vendor])).map((r) => [r.path!.replace(/\.wav$/, ''), r.prediction ?? '']));
  const ref: string[] = [];
  const hyp: string[] = [];
  for (const r of tsv(join(ARTIE, 'data/artie-bias-corpus.tsv'))) {
    const clip = r.path!.replace(/\.mp3$/, '');
    const h = pred.get(clip);
    if (h === undefined) continue;
    const id = `${r.client_id!.slice(0, 12)}-${clip}`;
    ref.push(`${r.sentence} (${id})`);
    hyp.push(`${h} (${id})`);
  }
  const files = { ref: join(dir, `${vendor}.ref.trn`), hyp: join(dir, `${vendor}.hyp.trn`) };
  writeFileSync(files.ref, ref.join('\n') + '\n');
  writeFileSync(files.hyp, hyp.join('\n') + '\n');
  return { ...files, utterances: ref.length };
}
