/**
 * Fresh-user trial 11, item 3, on the real Common Voice 6.1 sample (../shared/data/cv-6.1-en-sample, its
 * validated.tsv and 100 MP3s; a copy of the TSV edited per case, the clips linked):
 * - 50 of 100 accents are blank, yet the import record said `undeclared: []` and nothing was printed (only Artie's
 *   `NA` marker was counted): blanks are counted per key;
 * - a TSV with no accent column imported every row undeclared without a word: one note says it;
 * - `"  US  "` and fullwidth `ｕｓ` were folded into `us` silently: importers fold case, spacing and Unicode width (as
 *   a label map matches), keep each spelling verbatim in accent_raw, and say every fold that joined spellings.
 * Counts checked independently with awk over the same TSV (see each comment).
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmp } from './fixtures.ts';
import { cliIn } from '../helpers/cli.ts';

const CV = resolve(import.meta.dirname, '../../../shared/data/cv-6.1-en-sample/en');
const ARTIE_TSV = resolve(import.meta.dirname, '../../../shared/data/artie-bias-corpus/data/artie-bias-corpus.tsv');

type Record_ = { undeclared: Array<{ key: string; raw: string; count: number }>; notes: string[] };
type Row = { id: string; labels: Record<string, string> };

/** The sample's validated.tsv rewritten by `edit` (rows as field arrays, header first) in a folder whose clips/ links the real ones. */
function sample(edit: (rows: string[][]) => string[][] = (r) => r): string {
  const en = join(tmp('cv-undeclared'), 'en');
  mkdirSync(en);
  symlinkSync(join(CV, 'clips'), join(en, 'clips'));
  const rows = readFileSync(join(CV, 'validated.tsv'), 'utf8').replace(/\n$/, '').split('\n').map((l) => l.split('\t'));
  writeFileSync(join(en, 'validated.tsv'), edit(rows).map((r) => r.join('\t')).join('\n') + '\n');
  return en;
}

async function importCv(en: string, input = en) {
  const out = join(en, '..', 'cv.jsonl');
  const r = await cliIn(['import', 'commonvoice', input, '--split', 'validated', '-o', out]);
  expect(r.code, r.stderr).toBe(0);
  const record = JSON.parse(readFileSync(join(en, '..', 'cv.import.json'), 'utf8')) as Record_;
  const rows = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Row);
  return { ...r, record, rows };
}

describe('Common Voice import: blank, absent and folded declarations are counted and said', () => {
  it('the real sample: blank accent, age and gender fields are counted as undeclared and printed', async () => {
    const { stdout, record, rows } = await importCv(sample());
    // awk -F'\t' 'NR>1 && $8==""' validated.tsv | wc -l → 50 (accent); $6 → 33 (age); $7 → 32 (gender)
    expect(record.undeclared).toEqual([
      { key: 'accent', raw: '', count: 50 },
      { key: 'age', raw: '', count: 33 },
      { key: 'gender', raw: '', count: 32 },
    ]);
    expect(stdout).toContain('undeclared: accent left blank ×50 → group undeclared\n');
    expect(rows.filter((r) => r.labels.accent === undefined)).toHaveLength(50);
    expect(record.notes.filter((n) => /merged/.test(n))).toEqual([]); // the sample's 7 codes have no two spellings
  });

  it('a TSV with no accent column says so in one line (stdout and the record, hence the card)', async () => {
    const en = sample((rows) => rows.map((r) => r.filter((_, i) => i !== 7)));
    const { stdout, record, rows } = await importCv(en);
    const note = "validated.tsv has no accent or accents column: every utterance's accent is undeclared";
    expect(stdout.split('\n').filter((l) => l.includes('no accent or accents column'))).toEqual([`note: ${note}`]);
    expect(record.notes).toContain(note);
    expect(rows.every((r) => r.labels.accent === undefined)).toBe(true);
  });

  it('"US", "  US  " and fullwidth "ｕｓ" join group us, each kept verbatim in accent_raw, and the merge is said with counts', async () => {
    // Rows 3, 8, 9 of the TSV (lines 3, 8, 9) declare "us"; three of them are retyped.
    const en = sample((rows) => {
      rows[2][7] = 'US';
      rows[7][7] = '  US  ';
      rows[8][7] = 'ｕｓ';
      return rows;
    });
    const { stdout, record, rows } = await importCv(en);
    const raws = rows.filter((r) => r.labels.accent === 'us').map((r) => r.labels.accent_raw);
    // awk -F'\t' 'NR>1 && $8=="us"' validated.tsv | wc -l → 35: 32 still "us", 3 retyped, all in group us.
    expect(raws).toHaveLength(35);
    expect(raws.filter((r) => r !== 'us').sort()).toEqual(['  US  ', 'US', 'ｕｓ']);
    const note =
      'accent: declared values differing only in case, spacing or Unicode width are one group (as a label map matches them; each kept verbatim in accent_raw): 4 spellings merged into group "us" ("us" ×32, "  US  " ×1, "US" ×1, "ｕｓ" ×1)';
    expect(record.notes).toContain(note);
    expect(stdout).toContain(`note: ${note}\n`);
  });

  it('the Artie TSV: its NA markers counted as before, no blank and no merged spelling', async () => {
    const en = sample();
    const { record } = await importCv(en, ARTIE_TSV);
    expect(record.undeclared).toEqual([
      { key: 'accent', raw: 'NA', count: 562 },
      { key: 'age', raw: 'NA', count: 14 },
      { key: 'gender', raw: 'NA', count: 20 },
    ]);
    expect(record.notes.filter((n) => /merged/.test(n))).toEqual([]);
  });
});
