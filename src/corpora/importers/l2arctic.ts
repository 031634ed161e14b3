/**
 * L2-ARCTIC: `<root>/<SPK>/{wav,transcript,annotation}`. L1 and gender per speaker come from the corpus
 * documentation (README table, 24 speakers); a speaker folder not in the table gets no L1 label.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../../manifest/errors.ts';
import { checked, exists, isDir, manifestAudioPath, readText, type ImportContext, type Imported } from './common.ts';
import { readL2ArcticAnnotations, type PhoneError } from './textgrid.ts';

/** Speaker → [L1, gender] as documented by the L2-ARCTIC README. */
export const L2ARCTIC_SPEAKERS: Readonly<Record<string, readonly [string, 'female' | 'male']>> = {
  ABA: ['Arabic', 'male'], SKA: ['Arabic', 'female'], YBAA: ['Arabic', 'male'], ZHAA: ['Arabic', 'female'],
  BWC: ['Mandarin', 'male'], LXC: ['Mandarin', 'female'], NCC: ['Mandarin', 'female'], TXHC: ['Mandarin', 'male'],
  ASI: ['Hindi', 'male'], RRBI: ['Hindi', 'male'], SVBI: ['Hindi', 'female'], TNI: ['Hindi', 'female'],
  HJK: ['Korean', 'female'], HKK: ['Korean', 'male'], YDCK: ['Korean', 'female'], YKWK: ['Korean', 'male'],
  EBVS: ['Spanish', 'male'], ERMS: ['Spanish', 'male'], MBMPS: ['Spanish', 'female'], NJS: ['Spanish', 'female'],
  HQTV: ['Vietnamese', 'male'], PNV: ['Vietnamese', 'female'], THV: ['Vietnamese', 'female'], TLV: ['Vietnamese', 'male'],
};

/** utterance id → annotated phone errors, filled while importing (written to a side file by the CLI). */
export type L2ArcticAnnotations = Map<string, PhoneError[]>;

export function l2arcticId(speaker: string, utt: string): string {
  return `l2arctic-${speaker}-${utt}`;
}

export async function* importL2Arctic(input: string, ctx: ImportContext, annotations?: L2ArcticAnnotations): AsyncIterable<Imported> {
  if (!(await isDir(input))) throw new InputError(input, undefined, 'L2-ARCTIC input must be the corpus folder (with one folder per speaker)');
  const speakers = (await readdir(input, { withFileTypes: true }))
    .filter((d) => d.isDirectory() && d.name !== 'suitcase_corpus')
    .map((d) => d.name)
    .sort();
  let found = 0;
  for (const spk of speakers) {
    const wavDir = join(input, spk, 'wav');
    const txDir = join(input, spk, 'transcript');
    if (!(await isDir(wavDir)) || !(await isDir(txDir))) continue;
    found++;
    const doc = L2ARCTIC_SPEAKERS[spk.toUpperCase()];
    if (!doc) ctx.warn(`L2-ARCTIC: speaker folder ${spk} is not in the documented speaker table; no L1 or gender label given`, 'L2-ARCTIC undocumented speaker');
    if (annotations) {
      for (const [utt, errs] of await readL2ArcticAnnotations(join(input, spk, 'annotation'))) annotations.set(l2arcticId(spk, utt), errs);
    }
    const wavs = (await readdir(wavDir)).filter((n) => /\.wav$/i.test(n)).sort();
    for (const w of wavs) {
      const utt = w.replace(/\.wav$/i, '');
      const txFile = join(txDir, `${utt}.txt`);
      if (!(await exists(txFile))) {
        ctx.warn(`L2-ARCTIC: ${join(wavDir, w)} has no transcript ${txFile}; skipped`, 'L2-ARCTIC transcript missing');
        continue;
      }
      const text = (await readText(txFile, 'transcript')).trim();
      const labels: Record<string, string> = {};
      if (doc) {
        ctx.labels.assign(labels, 'l1', doc[0]);
        ctx.labels.assign(labels, 'gender', doc[1]);
      }
      yield checked(
        {
          id: l2arcticId(spk, utt),
          audio: manifestAudioPath(ctx, join(wavDir, w)),
          text,
          speaker: `l2arctic-${spk}`,
          labels,
          corpus: 'l2arctic',
          language: 'en',
          label_note: 'L2-ARCTIC L1 and gender per speaker from the corpus documentation',
        },
        txFile,
        1,
      );
    }
  }
  if (found === 0) throw new InputError(input, undefined, 'no speaker folders with wav/ and transcript/ found');
}
