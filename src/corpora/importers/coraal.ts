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
import { open, readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../../manifest/errors.ts';
import { applyCoraalMarkup, hasWords, withoutDeletable } from './markup.ts';
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

/** The CORAAL interviewee a file is named after: `ATL_se0_ag1_f_01_1` → `ATL_se0_ag1_f_01` (the trailing part number dropped). */
export function coraalFileSpeaker(file: string): string {
  return file.replace(/_\d+$/, '');
}

/**
 * The metadata rows by `CORAAL.Spkr`. The same `CORAAL.File` twice with different values is an error naming both
 * lines (last-row-wins would silently relabel a speaker); an identical repeat is accepted and said once.
 */
function readSpeakerMetadata(metaFile: string, meta: Table, ctx: ImportContext): Map<string, Record<string, string>> {
  meta.require('CORAAL.Spkr');
  const bySpeaker = new Map<string, Record<string, string>>();
  const byKey = new Map<string, { line: number; rec: Record<string, string> }>();
  const keyCol = meta.columns.includes('CORAAL.File') ? 'CORAAL.File' : 'CORAAL.Spkr';
  let repeats = 0;
  for (const row of meta.rows) {
    const spk = meta.get(row, 'CORAAL.Spkr')!.trim();
    const rec: Record<string, string> = {};
    for (const c of meta.columns) rec[c] = (meta.get(row, c) ?? '').trim();
    const key = rec[keyCol];
    const prev = byKey.get(key);
    if (prev) {
      const differ = meta.columns.filter((c) => prev.rec[c] !== rec[c]);
      if (differ.length) {
        const what = differ.map((c) => `${c} ${JSON.stringify(prev.rec[c])} on line ${prev.line}, ${JSON.stringify(rec[c])} on line ${row.line}`).join('; ');
        throw new InputError(metaFile, row.line, `${keyCol} ${key} is listed twice with different values (${what}); keep one row`);
      }
      repeats++;
      continue;
    }
    byKey.set(key, { line: row.line, rec });
    const other = bySpeaker.get(spk);
    if (other) {
      const differ = ['CORAAL.Sub', 'Gender', 'Age', 'Age.Group'].filter((c) => meta.columns.includes(c) && other[c] !== rec[c]);
      if (differ.length) {
        const line = [...byKey.values()].find((v) => v.rec === other)?.line;
        throw new InputError(metaFile, row.line, `speaker ${spk} has different ${differ.join(', ')} on line ${line} and line ${row.line}; keep one value`);
      }
    }
    bySpeaker.set(spk, rec);
  }
  if (repeats) ctx.note?.(`CORAAL metadata: ${repeats} row${repeats === 1 ? '' : 's'} repeated with identical values, read once`);
  return bySpeaker;
}

export async function* importCoraal(input: string, ctx: ImportContext): AsyncIterable<Imported> {
  if (!(await isDir(input))) throw new InputError(input, undefined, 'CORAAL input must be a folder with the transcripts (and, for groups and audio, the metadata TSV and .wav files)');
  ctx.groupsNote?.(LABEL_NOTE);
  const files = await walk(input);
  const metaFile = files.find((f) => /metadata.*\.(txt|tsv)$/i.test(basename(f)));
  const bySpeaker = metaFile ? readSpeakerMetadata(metaFile, new Table(metaFile, await readText(metaFile, 'CORAAL metadata'), '\t', { strictWidth: true }), ctx) : undefined;
  if (!bySpeaker) {
    const msg =
      'no metadata file (*metadata*.txt): the site is taken from each file name (ATL_se0_ag1_f_01_1 → ATL), gender and age group are ' +
      'undeclared; CORAAL ships one per component (e.g. ATL_metadata_2020.05.txt, with the transcripts at oraal.uoregon.edu/coraal): put it in the folder to import them';
    ctx.note?.(`CORAAL: ${msg}`);
  }
  const wavs = new Map(files.filter((f) => /\.wav$/i.test(f)).map((f) => [basename(f).replace(/\.wav$/i, ''), f] as [string, string]));
  const transcripts = files.filter((f) => f !== metaFile && /\.txt$/i.test(f)).sort();
  let used = 0;
  for (const tf of transcripts) {
    const text = await readText(tf, 'CORAAL transcript');
    if (!/^\s*Line\tSpkr\tStTime\tContent\tEnTime/.test(text)) continue;
    const name = basename(tf).replace(/\.txt$/i, '');
    // Without the recording, the rows are imported text-only (no `audio`, segment times kept): a run with hypotheses
    // backends scores them; an audio backend refuses them with one line. Warned and counted as missing audio.
    const wav = wavs.get(name) ?? join(dirname(tf), `${name}.wav`);
    const duration = wavs.has(name) ? await wavSeconds(wav) : undefined;
    if (!wavs.has(name)) {
      ctx.missingAudio?.(
        `CORAAL: ${tf}: no ${name}.wav beside it: its rows are imported text-only (for hypotheses backends); put the recording there and import again to decode it`,
        'CORAAL transcript without audio',
      );
    }
    else if (duration === undefined) ctx.warn(`CORAAL: ${wav} is not a readable RIFF/WAVE file; segment times were not checked against its length`, 'CORAAL audio not readable');
    used++;
    const table = new Table(tf, text, '\t', { strictWidth: true });
    const site = name.split('_')[0].toUpperCase();
    const beyond: { line: number; st: number; en: number }[] = [];
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
      // Without metadata, the interviewee is the speaker the file is named after.
      const m = bySpeaker ? bySpeaker.get(spk) : spk === coraalFileSpeaker(name) ? { 'CORAAL.Sub': site } : undefined;
      if (!m && isCoraalInterviewer(spk)) {
        if (!ctx.includeInterviewers) {
          ctx.tally?.('CORAAL interviewer rows excluded (--include-interviewers to keep them)');
          continue;
        }
        labels.role = 'interviewer';
      }
      const { text: cleaned, markup } = applyCoraalMarkup(content);
      // A row of fragments alone ("I- m-") has nothing a recogniser must get right: not an utterance.
      if (!hasWords(withoutDeletable(cleaned))) {
        ctx.tally?.('CORAAL rows with only markup (pauses, non-speech, voice notes, redactions, unintelligible spans, fragments), not utterances');
        continue;
      }
      if (duration !== undefined && en > duration + END_SLACK_SEC) {
        beyond.push({ line: row.line, st, en });
        ctx.tally?.('CORAAL rows whose segment ends after the end of its recording (a shortened or different .wav), not utterances');
        continue;
      }
      if (!m) {
        if (!labels.role) ctx.warn(`${tf}:${row.line}: speaker ${spk} is not in the metadata ${metaFile ?? '(none)'}; imported without labels`, 'CORAAL speaker not in metadata');
      } else labels.role = 'interviewee';
      // Only speakers in the metadata (the interviewees) belong to the site's community; interviewers get no site.
      if (m) {
        ctx.labels.assign(labels, 'site', m['CORAAL.Sub'] || site);
        if (CORAAL_SITES[(m['CORAAL.Sub'] || site).toUpperCase()]) labels.site_name = CORAAL_SITES[(m['CORAAL.Sub'] || site).toUpperCase()];
        if (m.Gender !== undefined) ctx.labels.assign(labels, 'gender', m.Gender);
        if (m['Age.Group'] !== undefined) ctx.labels.assign(labels, 'age_group', m['Age.Group']);
        if (m.Age) labels.age = m.Age;
      }
      yield checked(
        {
          id: `coraal-${name}-${String(Number(table.get(row, 'Line')) || row.line).padStart(4, '0')}`,
          ...(wavs.has(name) ? { audio: manifestAudioPath(ctx, wav) } : {}),
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
    if (beyond.length) {
      const [b] = beyond;
      const more = beyond.length > 1 ? `, and ${beyond.length - 1} more row${beyond.length === 2 ? '' : 's'} of this file (the last ends at ${beyond[beyond.length - 1].en} s)` : '';
      ctx.warn(`${tf}:${b.line}: segment ${b.st}–${b.en} s ends after the end of ${wav} (${duration!.toFixed(3)} s): left out${more}; a shortened or different recording?`, 'CORAAL transcript with segments beyond its audio');
    }
  }
  if (used === 0) throw new InputError(input, undefined, 'no CORAAL transcripts (a .txt whose header is Line\\tSpkr\\tStTime\\tContent\\tEnTime) found');
}

/** How far a segment may end after its recording's last sample (CORAAL's times have 4 decimals; rounding). */
const END_SLACK_SEC = 0.05;

/**
 * Duration in seconds of a RIFF/WAVE file from its header (data chunk bytes / (rate × block align)); undefined when
 * the file is not RIFF/WAVE or its header cannot be read. A data size of 0 or 0xFFFFFFFF (streamed) reads to the end.
 */
export async function wavSeconds(file: string): Promise<number | undefined> {
  let fh;
  try {
    fh = await open(file, 'r');
    const size = (await fh.stat()).size;
    const buf = Buffer.alloc(Math.min(size, 1 << 16));
    await fh.read(buf, 0, buf.length, 0);
    if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') return undefined;
    let off = 12;
    let rate = 0;
    let align = 0;
    while (off + 8 <= buf.length) {
      const id = buf.toString('ascii', off, off + 4);
      const len = buf.readUInt32LE(off + 4);
      if (id === 'fmt ' && off + 8 + 16 <= buf.length) {
        rate = buf.readUInt32LE(off + 12);
        align = buf.readUInt16LE(off + 20);
      } else if (id === 'data') {
        if (!rate || !align) return undefined;
        const avail = size - (off + 8);
        return (len === 0 || len === 0xffffffff || len > avail ? avail : len) / (rate * align);
      }
      off += 8 + len + (len & 1);
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    await fh?.close();
  }
}
