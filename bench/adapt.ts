/**
 * Adaptation speed: seconds of SphinxTrain work (sphinx_fe + bw + mllr_solve / map_adapt) per hour
 * of training audio, and the adapted recognisers' decoding speed beside the baseline's, on the same
 * real speech (pocketsphinx-testdata: LibriVox and cards, 10 utterances): MLLR, MAP, pronunciation
 * variants and a by-group backend (one model per group). Ratios are measured in this process so the
 * load of other work on the machine cancels out.
 *
 *   node --import tsx bench/adapt.ts [repeats=1]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baumWelch, extractFeatures, inspectModel, mapAdapt, mllrSolve, prepareModelFiles, type TrainUtterance } from '../src/adapt/sphinxtrain.ts';
import { PocketSphinxBackend, defaultPocketSphinxOptions, type PocketSphinxOptions } from '../src/backends/pocketsphinx.ts';
import { ByGroupBackend } from '../src/backends/by-group.ts';
import type { Backend } from '../src/backends/types.ts';
import { writeVariantDictionary } from '../src/adapt/variants.ts';

const TD = '/usr/share/pocketsphinx/test/data';
const repeats = Number(process.argv[2] ?? 1);
const dir = mkdtempSync(join(tmpdir(), 'asrfair-bench-adapt-'));
const secs = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e9;
const duration = (wav: string) => Number(execFileSync('soxi', ['-D', wav], { encoding: 'utf8' }));
try {
  const utts: TrainUtterance[] = [];
  for (const [sub, ids, trans] of [
    ['librivox', 'fileids', 'transcription'],
    ['cards', 'cards.fileids', 'cards.transcription'],
  ] as const) {
    const fileids = readFileSync(join(TD, sub, ids), 'utf8').trim().split('\n');
    const text = readFileSync(join(TD, sub, trans), 'utf8').trim().split('\n');
    fileids.forEach((f, i) => {
      const words = text[i].replace(/\([^)]*\)\s*$/, '').replace(/<\/?s>/g, '').trim().toLowerCase().split(/\s+/);
      utts.push({ id: `${sub}-${i}`, wav: join(TD, sub, `${f.trim().split('/').pop()!.replace(/\.wav$/, '')}.wav`), words });
    });
  }
  const audioSec = utts.reduce((s, u) => s + duration(u.wav), 0);
  const base = defaultPocketSphinxOptions();
  const m = inspectModel(base.hmm);
  const work = join(dir, 'work');
  let t = process.hrtime.bigint();
  const fe = await extractFeatures(m, utts, work, 1);
  const feSec = secs(t);
  if (fe.failed.length) throw new Error(`features failed: ${JSON.stringify(fe.failed)}`);
  const files = await prepareModelFiles(m, work);
  t = process.hrtime.bigint();
  for (let r = 0; r < repeats; r++) await baumWelch(m, files, base.dict, fe.ok, work, join(work, 'acc'));
  const bwSec = secs(t) / repeats;
  t = process.hrtime.bigint();
  const mat = await mllrSolve(m, join(work, 'acc'), join(work, 'mllr'));
  const mllrSec = secs(t);
  t = process.hrtime.bigint();
  const mapHmm = await mapAdapt(m, files, join(work, 'acc'), join(work, 'map'));
  const mapSec = secs(t);
  const perHour = (s: number) => (s / audioSec) * 3600;
  console.log(`training audio: ${utts.length} utterances, ${audioSec.toFixed(1)} s`);
  console.log(`MLLR: ${(feSec + bwSec + mllrSec).toFixed(2)} s (sphinx_fe ${feSec.toFixed(2)}, bw ${bwSec.toFixed(2)}, mllr_solve ${mllrSec.toFixed(2)}) = ${perHour(feSec + bwSec + mllrSec).toFixed(0)} s per training audio hour`);
  console.log(`MAP:  ${(feSec + bwSec + mapSec).toFixed(2)} s (map_adapt ${mapSec.toFixed(2)}) = ${perHour(feSec + bwSec + mapSec).toFixed(0)} s per training audio hour`);

  // Decoding speed: one process each, same utterances, baseline first and last (drift check).
  // Variants: TH→T, DH→D alternates for the utterances' words; by-group: librivox utterances to the MAP
  // model, cards to the MLLR one (routing by label), against the baseline in the same process.
  const vocab = new Set(utts.flatMap((u) => u.words));
  const variantDict = (await writeVariantDictionary(base.dict, join(work, 'variants.dict'), [{ ref: 'TH', hyp: 'T' }, { ref: 'DH', hyp: 'D' }], vocab)).file;
  const groupOf = (id: string) => id.split('-')[0];
  const decodeWith = async (b: Backend) => {
    const t0 = process.hrtime.bigint();
    for (const u of utts) await b.transcribe({ id: u.id, path: u.wav, wav16k: u.wav, sha256: '', durationSec: 0, labels: { corpus: groupOf(u.id) } }, AbortSignal.timeout(600_000));
    const s = secs(t0);
    await b.close?.();
    return s;
  };
  const ps = (o: Partial<PocketSphinxOptions>) => new PocketSphinxBackend({ ...base, ...o, processes: 1 });
  const b1 = await decodeWith(ps({}));
  const mllr = await decodeWith(ps({ mllr: mat }));
  const map = await decodeWith(ps({ hmm: mapHmm }));
  const variants = await decodeWith(ps({ dict: variantDict }));
  const byGroup = await decodeWith(new ByGroupBackend('corpus', new Map<string, Backend>([['librivox', ps({ hmm: mapHmm })], ['cards', ps({ mllr: mat })]])));
  const b2 = await decodeWith(ps({}));
  const bl = (b1 + b2) / 2;
  const x = (v: number) => `×${(v / bl).toFixed(2)}`;
  console.log(`decoding RTF: baseline ${(bl / audioSec).toFixed(3)} (runs ${b1.toFixed(1)} s, ${b2.toFixed(1)} s); relative to baseline: MLLR ${x(mllr)}, MAP ${x(map)}, variants ${x(variants)}, by-group (MAP | MLLR per group) ${x(byGroup)}`);
  console.log(`adaptation cost relative to decoding the same audio once with the baseline: MLLR ${x(feSec + bwSec + mllrSec)}, MAP ${x(feSec + bwSec + mapSec)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
