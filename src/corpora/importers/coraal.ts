/**
 * CORAAL (Corpus of Regional African American Language): a metadata TSV (CORAAL.File, CORAAL.Spkr, CORAAL.Sub,
 * Gender, Age, Age.Group, …) and, per interview, `<File>.txt` (Line, Spkr, StTime, Content, EnTime) next to
 * `<File>.wav`. Each transcript row becomes a segment. CORAAL groups are community/site (the component the
 * interview belongs to), not a self-declared dialect: this is written into every utterance's `label_note`.
 *
 * Markup follows CORAAL's transcription conventions (`applyCoraalMarkup`): pauses, non-speech, redactions,
 * unintelligible spans and fragments never become reference words; a row left with no words is not an utterance
 * (counted). Speakers not in the metadata whose id has `_int_` are the interviewers: labelled `role: interviewer` and
 * left out unless `includeInterviewers`; other speakers missing from the metadata are kept, without labels, and warned.
 * Language: English (`en`).
 */
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { InputError } from '../../manifest/errors.ts';
import { applyCoraalMarkup, hasWords } from './markup.ts';
import { checked, isDir, manifestAudioPath, readText, Table, type ImportContext, type Imported } from './common.ts';

export const CORAAL_SITES: Readonly<Record<string, string>> = {
  ATL: 'Atlanta, GA',
  DCA: 'Washington, DC (1968)',
  DCB: 'Washington, DC (2016)',
  DTA: 'Detroit, MI',
  LES: 'Lower East Side, New York, NY',
  PRV: 'Princeville, NC',
  ROC: 'Rochester, NY',
  VLD: 'Valdosta, GA',
};

const LABEL_NOTE = 'CORAAL groups are community/site, not self-declared dialect';

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out;
}

/** CORAAL interviewer ids: `<FILE>_int_<n>` (e.g. `DCB_int_01`), never in the speaker metadata. */
export function isCoraalInterviewer(spk: string): boolean {
  return /_int_/i.test(spk);
}

export async function* importCoraal(input: string, ctx: ImportContext): AsyncIterable<Imported> {
  if (!(await isDir(input))) throw new InputError(input, undefined, 'CORAAL input must be a folder with the metadata TSV, transcripts and audio');
  ctx.groupsNote?.(LABEL_NOTE);
  const files = await walk(input);
  const metaFile = files.find((f) => /metadata.*\.(txt|tsv)$/i.test(basename(f)));
  if (!metaFile) throw new InputError(input, undefined, 'no CORAAL metadata file (*metadata*.txt) found');
  const meta = new Table(metaFile, await readText(metaFile, 'CORAAL metadata'), '\t', { strictWidth: true });
  meta.require('CORAAL.Spkr');
  const bySpeaker = new Map<string, Record<string, string>>();
  for (const row of meta.rows) {
    const spk = meta.get(row, 'CORAAL.Spkr')!.trim();
    const rec: Record<string, string> = {};
    for (const c of meta.columns) rec[c] = (meta.get(row, c) ?? '').trim();
    bySpeaker.set(spk, rec);
  }
  const wavs = new Map(files.filter((f) => /\.wav$/i.test(f)).map((f) => [basename(f).replace(/\.wav$/i, ''), f] as [string, string]));
  const transcripts = files.filter((f) => f !== metaFile && /\.txt$/i.test(f)).sort();
  let used = 0;
  for (const tf of transcripts) {
    const text = await readText(tf, 'CORAAL transcript');
    if (!/^\s*Line\tSpkr\tStTime\tContent\tEnTime/.test(text)) continue;
    const name = basename(tf).replace(/\.txt$/i, '');
    const wav = wavs.get(name);
    if (!wav) {
      ctx.warn(`CORAAL: ${tf} has no audio ${name}.wav; skipped`, 'CORAAL transcript without audio');
      continue;
    }
    used++;
    const table = new Table(tf, text, '\t', { strictWidth: true });
    const site = name.split('_')[0].toUpperCase();
    for (const row of table.rows) {
      const spk = table.get(row, 'Spkr')!.trim();
      const st = Number(table.get(row, 'StTime'));
      const en = Number(table.get(row, 'EnTime'));
      if (!spk) throw new InputError(tf, row.line, 'empty Spkr');
      if (!Number.isFinite(st) || !Number.isFinite(en) || en <= st || st < 0) {
        throw new InputError(tf, row.line, `bad times StTime=${table.get(row, 'StTime')} EnTime=${table.get(row, 'EnTime')}`);
      }
      const content = table.get(row, 'Content') ?? '';
      const labels: Record<string, string> = {};
      const m = bySpeaker.get(spk);
      if (!m && isCoraalInterviewer(spk)) {
        if (!ctx.includeInterviewers) {
          ctx.tally?.('CORAAL interviewer rows excluded (--include-interviewers to keep them)');
          continue;
        }
        labels.role = 'interviewer';
      }
      const { text: cleaned, markup } = applyCoraalMarkup(content);
      if (!hasWords(cleaned)) {
        ctx.tally?.('CORAAL rows with only markup (pauses, non-speech, voice notes, redactions, unintelligible spans, fragments), not utterances');
        continue;
      } else if (!m) ctx.warn(`${tf}:${row.line}: speaker ${spk} is not in the metadata ${metaFile}; imported without labels`, 'CORAAL speaker not in metadata');
      else labels.role = 'interviewee';
      // Only speakers in the metadata (the interviewees) belong to the site's community; interviewers get no site.
      if (m) {
        ctx.labels.assign(labels, 'site', m['CORAAL.Sub'] || site);
        if (CORAAL_SITES[(m['CORAAL.Sub'] || site).toUpperCase()]) labels.site_name = CORAAL_SITES[(m['CORAAL.Sub'] || site).toUpperCase()];
        ctx.labels.assign(labels, 'gender', m.Gender);
        ctx.labels.assign(labels, 'age_group', m['Age.Group']);
        if (m.Age) labels.age = m.Age;
      }
      yield checked(
        {
          id: `coraal-${name}-${String(Number(table.get(row, 'Line')) || row.line).padStart(4, '0')}`,
          audio: manifestAudioPath(ctx, wav),
          start: st,
          end: en,
          text: cleaned,
          text_raw: content,
          ...(markup ? { markup } : {}),
          language: 'en',
          speaker: `coraal-${spk}`,
          labels,
          corpus: 'coraal',
          label_note: LABEL_NOTE,
        },
        tf,
        row.line,
      );
    }
  }
  if (used === 0) throw new InputError(input, undefined, 'no CORAAL transcripts (Line\\tSpkr\\tStTime\\tContent\\tEnTime) with matching .wav found');
}
