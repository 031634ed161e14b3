/** The Artie bias corpus (shipped under corpora/, CC0) as a text-only suite: its real vendor transcripts. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ARTIE = join(import.meta.dirname, '../../corpora/artie-bias-corpus');

/** The en-US transcripts Artie ships per vendor: backend name → predictions file (`path<TAB>prediction`). */
export const ARTIE_EN_US = {
  amazon: { name: 'amazon-en-US', file: join(ARTIE, 'predictions/amazon/en-US/dec-9-2019.tsv') },
  google: { name: 'google-en-US', file: join(ARTIE, 'predictions/google/en-US/dec-4-2019.tsv') },
} as const;

/**
 * Writes `<dir>/<name>.yaml`: the Artie manifest scored against Amazon en-US (Dec 2019), grouped by accent with the
 * accent × gender slice and the 10-speaker / 500-word minimum cell. Returns the suite file's path.
 */
export function writeArtieAmazonSuite(dir: string, name: string): string {
  return writeArtieSuite(dir, name, ['amazon']);
}

/** `writeArtieAmazonSuite` with one backend per vendor given (en-US models: Amazon Dec 9 2019, Google Dec 4 2019). */
export function writeArtieSuite(dir: string, name: string, vendors: readonly (keyof typeof ARTIE_EN_US)[]): string {
  const suite = join(dir, `${name}.yaml`);
  writeFileSync(
    suite,
    [
      `name: ${name}`,
      `manifest: ${join(ARTIE, 'manifest.jsonl')}`,
      'normaliser: basic',
      'qc: false',
      'groupBy: [accent]',
      'slices: [[accent, gender]]',
      'minCell: { speakers: 10, words: 500 }',
      'backends:',
      ...vendors.map((v) => `  - { name: ${ARTIE_EN_US[v].name}, type: hypotheses, options: { file: ${ARTIE_EN_US[v].file}, idFrom: basename-without-extension } }`),
      '',
    ].join('\n'),
  );
  return suite;
}
