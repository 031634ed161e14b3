/** The Artie bias corpus (shipped under corpora/, CC0) as a text-only suite: its real Amazon en-US transcripts. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ARTIE = join(import.meta.dirname, '../../corpora/artie-bias-corpus');

/**
 * Writes `<dir>/<name>.yaml`: the Artie manifest scored against Amazon en-US (Dec 2019), grouped by accent with the
 * accent × gender slice and the 10-speaker / 500-word minimum cell. Returns the suite file's path.
 */
export function writeArtieAmazonSuite(dir: string, name: string): string {
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
      `  - { name: amazon-en-US, type: hypotheses, options: { file: ${join(ARTIE, 'predictions/amazon/en-US/dec-9-2019.tsv')}, idFrom: basename-without-extension } }`,
      '',
    ].join('\n'),
  );
  return suite;
}
