/**
 * EdAcc (Edinburgh International Accents of English Corpus): `<root>/{dev,test}/{segments,text,utt2spk,stm}`,
 * recordings in `<root>/data/<rec>.wav`, and `<root>/linguistic_background.csv` with each participant's free-text
 * accent and first language. Columns are found by name (participant id, "accent", "first language"/L1, gender, age).
 */
import { basename, dirname, join } from 'node:path';
import { InputError } from '../../manifest/errors.ts';
import { checked, exists, isDir, manifestAudioPath, readText, Table, type ImportContext, type Imported } from './common.ts';
import { importKaldi } from './kaldi.ts';

interface Background {
  accent?: string;
  l1?: string;
  gender?: string;
  age?: string;
}

async function readBackground(file: string): Promise<Map<string, Background>> {
  const t = new Table(file, await readText(file, 'linguistic_background.csv'), ',');
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
    const m = /^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*(<[^>]*>)?\s*(.*)$/.exec(l);
    if (!m || !Number.isFinite(Number(m[4])) || !Number.isFinite(Number(m[5]))) throw new InputError(stm, i + 1, 'expected "<rec> <channel> <speaker> <start> <end> [<labels>] <transcript>"');
    if (!m[7].trim() || /^ignore_time_segment_in_scoring$/i.test(m[7].trim())) continue;
    const labels: Record<string, string> = {};
    apply(m[3], labels);
    yield checked(
      {
        id: `${m[3]}-${m[1]}-${Math.round(Number(m[4]) * 100).toString().padStart(7, '0')}`,
        audio: manifestAudioPath(ctx, join(root, 'data', `${m[1]}.wav`)),
        start: Number(m[4]),
        end: Number(m[5]),
        text: m[7].trim(),
        speaker: m[3],
        labels,
        corpus: 'edacc',
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
  if (!(await isDir(splitDir))) throw new InputError(splitDir, undefined, 'EdAcc split folder not found (use --split dev|test or point at the split folder)');
  const root = splitDir === input ? dirname(input) : input;
  const bgFile = join(root, 'linguistic_background.csv');
  const bg = (await exists(bgFile)) ? await readBackground(bgFile) : new Map<string, Background>();
  if (bg.size === 0) ctx.warn(`EdAcc: ${bgFile} not found; utterances get no accent or L1 labels`);
  const apply = (spk: string, labels: Record<string, string>) => {
    const b = bg.get(spk);
    if (!b) return;
    ctx.labels.assign(labels, 'accent', b.accent);
    ctx.labels.assign(labels, 'l1', b.l1);
    ctx.labels.assign(labels, 'gender', b.gender);
    if (b.age?.trim()) labels.age = b.age.trim();
  };
  if ((await exists(join(splitDir, 'text'))) && (await exists(join(splitDir, 'segments')))) {
    yield* importKaldi(splitDir, ctx, {
      corpus: 'edacc',
      recordingPath: (rec) => join(root, 'data', `${rec}.wav`),
      speakerLabels: apply,
    });
  } else if (await exists(join(splitDir, 'stm'))) {
    yield* fromStm(join(splitDir, 'stm'), root, ctx, apply);
  } else throw new InputError(splitDir, undefined, `EdAcc split ${basename(splitDir)} has neither text+segments nor stm`);
}
