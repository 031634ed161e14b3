import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The speechocean762 sample (Kaldi dir, CC BY 4.0; ../shared/data/README.md). */
export const SO = join(import.meta.dirname, '../../../shared/data/speechocean762-sample');

/** Its test split's transcripts: utterance id → text (Kaldi `text`, tab-separated). */
export const soText: ReadonlyMap<string, string> = new Map(
  readFileSync(join(SO, 'test/text'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => [l.slice(0, l.indexOf('\t')), l.slice(l.indexOf('\t') + 1)] as const),
);

/** The WAV of an utterance id (`0` + 4-digit speaker + 4-digit index). */
export const soWav = (id: string): string => join(SO, 'WAVE', `SPEAKER${id.slice(1, 5)}`, `${id}.WAV`);
