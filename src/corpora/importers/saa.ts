/**
 * Speech Accent Archive (Weinberger, GMU; the Kaggle export): `speakers_all.csv` (age, age_onset, birthplace,
 * filename, native_language, sex, speakerid, country, file_missing?) and `recordings/<filename>.mp3`. Everyone reads
 * the same elicitation paragraph (no markup: policy `none`; language `en`).
 *
 * Rows flagged `file_missing?` (the Kaggle export repeats filenames on such rows) are skipped and counted; rows whose
 * recording is absent are warned (summarised by the CLI: first 20, then the count).
 */
import { dirname, join } from 'node:path';
import { InputError } from '../../manifest/errors.ts';
import { checked, exists, isDir, manifestAudioPath, readText, Table, type ImportContext, type Imported } from './common.ts';

export const STELLA_PARAGRAPH =
  'Please call Stella. Ask her to bring these things with her from the store: Six spoons of fresh snow peas, ' +
  'five thick slabs of blue cheese, and maybe a snack for her brother Bob. We also need a small plastic snake and ' +
  'a big toy frog for the kids. She can scoop these things into three red bags, and we will go meet her Wednesday ' +
  'at the train station.';

export async function* importSpeechAccentArchive(input: string, ctx: ImportContext): AsyncIterable<Imported> {
  const csv = (await isDir(input)) ? join(input, 'speakers_all.csv') : input;
  const root = dirname(csv);
  const table = new Table(csv, await readText(csv, 'speakers_all.csv'), ',');
  table.require('filename', 'native_language');
  // The Kaggle export ends its header with unnamed empty columns (",,,"): rows must fill every named column, and
  // anything past them must be empty; otherwise the columns have shifted.
  const named = table.columns.length - [...table.columns].reverse().findIndex((c) => c !== '');
  for (const r of table.rows) {
    if (r.fields.length < named || r.fields.slice(named).some((f) => f.trim() !== '')) {
      throw new InputError(csv, r.line, `expected ${named} comma-separated fields (as in the header), found ${r.fields.length}`);
    }
  }
  const missingCol = table.find(/^file_missing/i);
  const audioDirs = [join(root, 'recordings', 'recordings'), join(root, 'recordings'), root];
  for (const row of table.rows) {
    const filename = table.get(row, 'filename')?.trim();
    if (!filename) throw new InputError(csv, row.line, 'empty filename');
    if (missingCol && /^true$/i.test(table.get(row, missingCol)?.trim() ?? '')) {
      ctx.tally?.('Speech Accent Archive rows marked file_missing?');
      continue;
    }
    let audio: string | undefined;
    for (const d of audioDirs) {
      const p = join(d, `${filename}.mp3`);
      if (await exists(p)) {
        audio = p;
        break;
      }
    }
    if (!audio) {
      ctx.warn(`${csv}:${row.line}: no recording ${filename}.mp3 under ${join(root, 'recordings')}; skipped`, 'Speech Accent Archive recording not found');
      continue;
    }
    const labels: Record<string, string> = {};
    ctx.labels.assign(labels, 'l1', table.get(row, 'native_language'));
    ctx.labels.assign(labels, 'gender', table.get(row, 'sex'));
    ctx.labels.assign(labels, 'birthplace', table.get(row, 'birthplace'));
    ctx.labels.assign(labels, 'country', table.get(row, 'country'));
    const age = table.get(row, 'age')?.trim();
    if (age) labels.age = age;
    const onset = table.get(row, 'age_onset')?.trim();
    if (onset) labels.english_onset_age = onset;
    const speakerid = table.get(row, 'speakerid')?.trim();
    yield checked(
      {
        id: `saa-${filename}`,
        audio: manifestAudioPath(ctx, audio),
        text: STELLA_PARAGRAPH,
        speaker: `saa-${speakerid || filename}`,
        labels,
        corpus: 'speech-accent-archive',
        language: 'en',
      },
      csv,
      row.line,
    );
  }
}
