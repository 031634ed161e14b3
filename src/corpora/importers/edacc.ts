/**
 * EdAcc (Edinburgh International Accents of English Corpus): `<root>/{dev,test}/{segments,text,utt2spk,stm}`,
 * recordings in `<root>/data/<rec>.wav`, and `<root>/linguistic_background.csv` with each participant's free-text
 * accent and first language. Columns are found by name (participant id, "accent", "first language"/L1, gender, age).
 *
 * Markup (policy `edacc`): tags such as `<breath>`, `<overlap>`, `<laugh>` are removed from references; segments the
 * stm marks `IGNORE_TIME_SEGMENT_IN_SCORING` (read passages and other unscored stretches) are left out whichever file
 * the utterances come from (text+segments utterances overlapping such a segment by more than half their length),
 * and counted. Language: English (`en`).
 */
import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../../manifest/errors.ts';
import { checked, exists, isDir, manifestAudioPath, readText, Table, type ImportContext, type Imported } from './common.ts';
import { importKaldi } from './kaldi.ts';
import { applyEdaccMarkup, hasWords } from './markup.ts';

const IGNORE = /^ignore_time_segment_in_scoring$/i;
const STM_LINE = /^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*(<[^>]*>)?\s*(.*)$/;

/** Recording → [start, end] spans the stm marks IGNORE_TIME_SEGMENT_IN_SCORING. */
async function ignoreSegments(stm: string): Promise<Map<string, Array<[number, number]>>> {
  const out = new Map<string, Array<[number, number]>>();
  for (const l of (await readText(stm, 'stm')).split('\n')) {
    const m = STM_LINE.exec(l.trim());
    if (!m || !IGNORE.test(m[7].trim())) continue;
    const spans = out.get(m[1]) ?? [];
    spans.push([Number(m[4]), Number(m[5])]);
    out.set(m[1], spans);
  }
  return out;
}

interface Background {
  accent?: string;
  l1?: string;
  gender?: string;
  age?: string;
}

async function readBackground(file: string): Promise<Map<string, Background>> {
  const t = new Table(file, await readText(file, 'linguistic_background.csv'), ',', { strictWidth: true });
  const idCol = t.find(/participant|speaker|^id$/i);
  if (!idCol) throw new InputError(file, 1, `no participant id column (header has: ${t.columns.join(', ')})`);
  const accentCol = t.find(/accent/i);
  const l1Col = t.find(/first[ _]?lang|native[ _]?lang|mother[ _]?tongue|\bl1\b/i);
  const genderCol = t.find(/gender|\bsex\b/i);
  const ageCol = t.find(/\bage\b/i, /language|accent|onset/i);
  const out = new Map<string, Background>();
  for (const r of t.rows) {
    const id = t.get(r, idCol)?.trim();
    if (!id) throw new InputError(file, r.line, 'empty participant id');
    out.set(id, {
      accent: accentCol ? t.get(r, accentCol) : undefined,
      l1: l1Col ? t.get(r, l1Col) : undefined,
      gender: genderCol ? t.get(r, genderCol) : undefined,
      age: ageCol ? t.get(r, ageCol) : undefined,
    });
  }
  return out;
}

/** STM fallback: "rec channel speaker start end [<labels>] transcript" lines. */
async function* fromStm(stm: string, root: string, ctx: ImportContext, apply: (spk: string, l: Record<string, string>) => void): AsyncIterable<Imported> {
  const lines = (await readText(stm, 'stm')).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].trim();
    if (!l || l.startsWith(';;')) continue;
    const m = STM_LINE.exec(l);
    if (!m || !Number.isFinite(Number(m[4])) || !Number.isFinite(Number(m[5]))) throw new InputError(stm, i + 1, 'expected "<rec> <channel> <speaker> <start> <end> [<labels>] <transcript>"');
    if (IGNORE.test(m[7].trim())) {
      ctx.tally?.('EdAcc segments marked IGNORE_TIME_SEGMENT_IN_SCORING');
      continue;
    }
    const { text, markup } = applyEdaccMarkup(m[7]);
    if (!hasWords(text)) {
      ctx.tally?.('EdAcc segments with only tags (<breath>, <overlap>, …), not utterances');
      continue;
    }
    const labels: Record<string, string> = {};
    apply(m[3], labels);
    yield checked(
      {
        id: `${m[3]}-${m[1]}-${Math.round(Number(m[4]) * 100).toString().padStart(7, '0')}`,
        audio: manifestAudioPath(ctx, join(root, 'data', `${m[1]}.wav`)),
        start: Number(m[4]),
        end: Number(m[5]),
        text,
        ...(markup ? { markup, text_raw: m[7].trim() } : {}),
        speaker: m[3],
        labels,
        corpus: 'edacc',
        language: 'en',
      },
      stm,
      i + 1,
    );
  }
}

export async function* importEdAcc(input: string, ctx: ImportContext): AsyncIterable<Imported> {
  let splitDir: string;
  if (await exists(join(input, 'segments'))) splitDir = input;
  else if (await exists(join(input, 'stm'))) splitDir = input;
  else splitDir = join(input, ctx.split ?? 'test');
  if (!(await isDir(splitDir))) {
    const have = (await isDir(input)) ? (await readdir(input, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort() : [];
    throw new InputError(splitDir, undefined, `EdAcc split folder not found (use --split NAME or point at the split folder; folders here: ${have.join(', ') || 'none'})`);
  }
  const root = splitDir === input ? dirname(input) : input;
  const bgFile = join(root, 'linguistic_background.csv');
  const bg = (await exists(bgFile)) ? await readBackground(bgFile) : new Map<string, Background>();
  if (bg.size === 0) ctx.warn(`EdAcc: ${bgFile} not found; utterances get no accent or L1 labels`, 'EdAcc background missing');
  const apply = (spk: string, labels: Record<string, string>) => {
    const b = bg.get(spk);
    if (!b) return;
    ctx.labels.assign(labels, 'accent', b.accent);
    ctx.labels.assign(labels, 'l1', b.l1);
    ctx.labels.assign(labels, 'gender', b.gender);
    if (b.age?.trim()) labels.age = b.age.trim();
  };
  if ((await exists(join(splitDir, 'text'))) && (await exists(join(splitDir, 'segments')))) {
    const stm = join(splitDir, 'stm');
    const ignored = (await exists(stm)) ? await ignoreSegments(stm) : new Map<string, Array<[number, number]>>();
    yield* importKaldi(splitDir, ctx, {
      corpus: 'edacc',
      language: 'en',
      markup: (t) => (IGNORE.test(t.trim()) ? { text: '' } : applyEdaccMarkup(t)),
      skip: (_utt, rec, start, end) => {
        if (start === undefined || end === undefined) return undefined;
        const hit = (ignored.get(rec) ?? []).some(([a, b]) => Math.min(end, b) - Math.max(start, a) > (end - start) / 2);
        return hit ? 'EdAcc utterances inside segments the stm marks IGNORE_TIME_SEGMENT_IN_SCORING' : undefined;
      },
      recordingPath: (rec) => join(root, 'data', `${rec}.wav`),
      speakerLabels: apply,
    });
  } else if (await exists(join(splitDir, 'stm'))) {
    yield* fromStm(join(splitDir, 'stm'), root, ctx, apply);
  } else throw new InputError(splitDir, undefined, `EdAcc split ${basename(splitDir)} has neither text+segments nor stm`);
}
