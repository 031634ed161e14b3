/**
 * Mozilla Common Voice: `<lang dir>/<split>.tsv` (client_id, path, sentence, up_votes, down_votes, age, gender,
 * accents | accent, variant, locale, segment) with audio in `<lang dir>/clips/<path>`. The input may be the
 * language folder (then `--split`, default test) or one TSV file.
 */
import { basename, dirname, join } from 'node:path';
import { InputError } from '../../manifest/errors.ts';
import { checked, isDir, manifestAudioPath, readText, Table, type ImportContext, type Imported } from './common.ts';

/** Multiple accents are separated by "|" (current releases) or "," (as some v8+ exports show them). */
export function splitAccents(raw: string): string[] {
  return raw
    .split(/[|,]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export async function* importCommonVoice(input: string, ctx: ImportContext): AsyncIterable<Imported> {
  const tsv = (await isDir(input)) ? join(input, `${ctx.split ?? 'test'}.tsv`) : input;
  const root = dirname(tsv);
  const table = new Table(tsv, await readText(tsv, 'Common Voice TSV'), '\t');
  table.require('client_id', 'path', 'sentence');
  const accentCol = table.has('accents') ? 'accents' : table.has('accent') ? 'accent' : undefined;
  const split = basename(tsv).replace(/\.tsv$/, '');
  for (const row of table.rows) {
    if (row.fields.length < table.columns.length - 1 || row.fields.length > table.columns.length) {
      throw new InputError(tsv, row.line, `expected ${table.columns.length} tab-separated fields (as in the header), found ${row.fields.length}`);
    }
    const path = table.get(row, 'path')!.trim();
    if (!path) throw new InputError(tsv, row.line, 'empty path');
    const labels: Record<string, string> = {};
    if (accentCol) {
      const raw = table.get(row, accentCol)?.trim();
      if (raw) {
        labels.accent_raw = raw;
        // Several declared accents: map each; one distinct group stays itself, several become "a+b" (sorted).
        const groups = [...new Set(splitAccents(raw).map((a) => ctx.labels.canonical('accent', a)).filter((g): g is string => g !== null))].sort();
        if (groups.length) labels.accent = groups.join('+');
      }
    }
    for (const key of ['age', 'gender', 'variant']) ctx.labels.assign(labels, key, table.get(row, key));
    const locale = table.get(row, 'locale')?.trim();
    yield checked(
      {
        id: `cv-${path.replace(/\.[a-z0-9]+$/i, '')}`,
        audio: manifestAudioPath(ctx, join(root, 'clips', path)),
        text: table.get(row, 'sentence') ?? '',
        speaker: table.get(row, 'client_id')?.trim() || undefined,
        labels,
        corpus: locale ? `commonvoice-${locale}` : 'commonvoice',
        split,
      },
      tsv,
      row.line,
    );
  }
}
