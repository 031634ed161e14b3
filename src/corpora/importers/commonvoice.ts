/**
 * Mozilla Common Voice: `<lang dir>/<split>.tsv` (client_id, path, sentence, up_votes, down_votes, age, gender,
 * accents | accent, variant, locale, segment) with audio in `<lang dir>/clips/<path>`. The input may be the
 * language folder (then `--split`, default test) or one TSV file.
 *
 * Rows are checked strictly, since a missing field or a TAB inside a sentence shifts every later column (age
 * "female", gender "scottish english"): a row whose field count differs from the header's, or whose vote columns
 * are not whole numbers, is an error naming file:line. Declared accents: the whole value is looked up first (label
 * map or Common Voice preset); otherwise it is split on "|" (how current releases join several accents), and a piece
 * is split on commas only when every comma-separated part is itself a known preset (so "Southern African (South
 * Africa, Zimbabwe, Namibia)" stays one accent). Language: the `locale` column, else the language folder's name, as
 * ISO 639-1 (`en`, `ta`; `zh-CN` → `zh`). Sentences are read prompts without markup (policy `none`).
 *
 * Not declared: Common Voice leaves a field blank; blanks are `undeclared`, counted per key (the import record's
 * `undeclared`, raw `""`), and a TSV with no accent column at all is said in a note. The Artie bias corpus (Common Voice layout; recognised by its file
 * name `artie-bias-corpus.tsv` or its `DATASHEET.md` beside the TSV) writes `NA` instead ("Replace blank entries with
 * `NA`", its README; "we have marked the field as "NA"", its datasheet): there `NA` is `undeclared`, counted.
 * Every clip is checked under `clips/`; missing ones are warned (file:line, summarised) and counted.
 */
import { basename, dirname, join } from 'node:path';
import { readdir } from 'node:fs/promises';
import { InputError } from '../../manifest/errors.ts';
import { normaliseLabel } from '../../manifest/labelmap.ts';
import { languageCode } from '../../manifest/language-tag.ts';
import { checked, exists, isDir, manifestAudioPath, readText, Table, type ImportContext, type Imported } from './common.ts';

/** Common Voice's predefined English accents (the web app's list; older releases' codes map onto these). */
export const CV_ACCENT_PRESETS: readonly string[] = [
  'United States English',
  'England English',
  'India and South Asia (India, Pakistan, Sri Lanka)',
  'Canadian English',
  'Australian English',
  'Southern African (South Africa, Zimbabwe, Namibia)',
  'Irish English',
  'Scottish English',
  'New Zealand English',
  'Welsh English',
  'Filipino',
  'Hong Kong English',
  'Malaysian English',
  'Singaporean English',
  'South Atlantic (Falkland Islands, Saint Helena)',
  'West Indies and Bermuda (Bahamas, Bermuda, Jamaica, Trinidad)',
  'Kenyan English',
  'Northern Irish',
];
const PRESETS = new Set(CV_ACCENT_PRESETS.map(normaliseLabel));

/** Splits on commas outside parentheses. */
function splitTopLevelCommas(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    else if (ch === ')') depth = Math.max(0, depth - 1);
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((p) => p.trim()).filter(Boolean);
}

/**
 * Declared accents of one row. `known(v)` says whether a value is a known accent (a label-map entry); Common Voice
 * presets are always known. The whole value is tried first, then "|" pieces, then commas (outside parentheses) only
 * where every part is known.
 */
export function splitAccents(raw: string, known: (v: string) => boolean = () => false): string[] {
  const isKnown = (v: string) => PRESETS.has(normaliseLabel(v)) || known(v);
  const whole = raw.trim();
  if (!whole) return [];
  if (isKnown(whole)) return [whole];
  const out: string[] = [];
  for (const piece of whole.split('|').map((p) => p.trim()).filter(Boolean)) {
    if (isKnown(piece) || !piece.includes(',')) {
      out.push(piece);
      continue;
    }
    const parts = splitTopLevelCommas(piece);
    if (parts.length > 1 && parts.every(isKnown)) out.push(...parts);
    else out.push(piece);
  }
  return out;
}

/** ISO 639-1 code of a Common Voice locale (`en`, `ta`, `zh-CN` → `zh`); undefined when it has none (`kab`, `cnh`). */
export function localeLanguage(locale: string): string | undefined {
  const l = languageCode(locale);
  return l !== undefined && /^[a-z]{2}$/.test(l) ? l : undefined;
}

async function splitTsv(input: string, split: string): Promise<string> {
  const tsv = join(input, `${split}.tsv`);
  if (await exists(tsv)) return tsv;
  const have = (await readdir(input)).filter((n) => n.endsWith('.tsv')).sort();
  throw new InputError(
    tsv,
    undefined,
    `Common Voice split "${split}" not found; ${have.length ? `TSVs here: ${have.join(', ')} (choose one with --split NAME)` : 'this folder has no .tsv files (point at the language folder, e.g. cv-corpus-17.0/en)'}`,
  );
}

const VOTE_COLUMNS = ['up_votes', 'down_votes'];

/** Corpora in Common Voice layout that document their own "not declared" markers. */
export const CV_LAYOUT_CORPORA: ReadonlyArray<{ corpus: string; markers: readonly string[]; documented: string }> = [
  { corpus: 'artie-bias-corpus', markers: ['NA'], documented: 'its README and DATASHEET.md' },
];

/** The Common-Voice-layout corpus a TSV belongs to, when it is one that documents "not declared" markers. */
async function cvLayoutCorpus(tsv: string): Promise<(typeof CV_LAYOUT_CORPORA)[number] | undefined> {
  const artie = CV_LAYOUT_CORPORA[0];
  if (/^artie-bias-corpus\.tsv$/i.test(basename(tsv))) return artie;
  const sheet = join(dirname(tsv), 'DATASHEET.md');
  if ((await exists(sheet)) && /Artie Bias Corpus/i.test((await readText(sheet, 'datasheet')).slice(0, 2000))) return artie;
  return undefined;
}

export async function* importCommonVoice(input: string, ctx: ImportContext): AsyncIterable<Imported> {
  const tsv = (await isDir(input)) ? await splitTsv(input, ctx.split ?? 'test') : input;
  const root = dirname(tsv);
  const table = new Table(tsv, await readText(tsv, 'Common Voice TSV'), '\t');
  table.require('client_id', 'path', 'sentence');
  const accentCol = table.has('accents') ? 'accents' : table.has('accent') ? 'accent' : undefined;
  const split = basename(tsv).replace(/\.tsv$/, '');
  const folderLanguage = localeLanguage(basename(root));
  const known = (v: string) => ctx.labels.map.lookup('accent', v) !== undefined;
  // One listing of clips/ instead of a stat per row (a release's validated.tsv has a million rows); rows whose clip is
  // not listed (a sub-folder path, or no clips/ at all) are checked one by one.
  const clips = new Set<string>(await readdir(join(root, 'clips')).catch(() => []));
  const layout = await cvLayoutCorpus(tsv);
  if (layout) {
    ctx.labels.setUndeclaredMarkers(layout.markers);
    ctx.note?.(`${layout.corpus}: ${layout.markers.map((m) => JSON.stringify(m)).join(', ')} marks a field the speaker did not declare (${layout.documented}); imported as undeclared`);
    ctx.corpus?.(layout.corpus);
  }
  if (!accentCol) {
    ctx.note?.(`${basename(tsv)} has no accent or accents column: every utterance's accent is undeclared`);
  }
  const declaredCols = ['age', 'gender', 'variant'].filter((c) => table.has(c));
  for (const row of table.rows) {
    if (row.fields.length !== table.columns.length) {
      const hint = row.fields.length > table.columns.length ? ' (a TAB inside a field?)' : ' (a field is missing)';
      throw new InputError(tsv, row.line, `expected ${table.columns.length} tab-separated fields (as in the header), found ${row.fields.length}${hint}`);
    }
    for (const col of VOTE_COLUMNS) {
      const v = table.get(row, col);
      if (v !== undefined && v.trim() !== '' && !/^\d+$/.test(v.trim())) {
        throw new InputError(tsv, row.line, `${col} must be a whole number, found ${JSON.stringify(v.slice(0, 40))} (columns shifted: a TAB inside the sentence or a missing field?)`);
      }
    }
    const path = table.get(row, 'path')!.trim();
    if (!path) throw new InputError(tsv, row.line, 'empty path');
    const labels: Record<string, string> = {};
    if (accentCol) {
      const raw = table.get(row, accentCol)?.trim();
      if (!raw) ctx.labels.countBlank('accent');
      else if (!ctx.labels.isUndeclaredMarker('accent', raw)) {
        labels.accent_raw = table.get(row, accentCol)!;
        // Several declared accents: map each; one distinct group stays itself, several become "a+b" (sorted).
        const groups = [...new Set(splitAccents(raw, known).map((a) => ctx.labels.canonical('accent', a)).filter((g): g is string => g !== null))].sort();
        if (groups.length) labels.accent = groups.join('+');
      }
    }
    for (const key of declaredCols) {
      const v = table.get(row, key);
      if (!v?.trim()) ctx.labels.countBlank(key); // Common Voice's "not declared" is a blank field: counted
      else ctx.labels.assign(labels, key, v);
    }
    const locale = table.get(row, 'locale')?.trim();
    const language = (locale && localeLanguage(locale)) || folderLanguage;
    const clip = join(root, 'clips', path);
    if (!clips.has(path) && !(await exists(clip))) ctx.missingAudio?.(`${tsv}:${row.line}: clip ${clip} not found`);
    yield checked(
      {
        id: `cv-${path.replace(/\.[a-z0-9]+$/i, '')}`,
        audio: manifestAudioPath(ctx, clip),
        text: table.get(row, 'sentence') ?? '',
        speaker: table.get(row, 'client_id')?.trim() || undefined,
        labels,
        corpus: locale ? `commonvoice-${locale}` : 'commonvoice',
        split,
        ...(language ? { language } : {}),
      },
      tsv,
      row.line,
    );
  }
}
