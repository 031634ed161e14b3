/**
 * Adaptation speed, in one bench run so that the load of other work on the machine falls on every
 * measurement alike:
 * 1. headline: the command users run, `asrfair adapt <suite>` with its defaults (compiled CLI spawned
 *    as a child: speaker-disjoint split, glass box on the train speakers for variant rules, MLLR and
 *    MAP, global and per group, unweighted and balanced, dev decoding of every candidate, selection,
 *    test decoding, remedy report) on a planted TH-stopping corpus (test/glass/corpus.ts: flite voices,
 *    2 groups × 6 speakers × `sentences`), against plain `pocketsphinx_batch` word decoding of the same
 *    WAVs once (before and after the command, averaged): wall and CPU seconds of each process tree,
 *    per audio hour of the corpus, and the ratio.
 * 2. breakdown, in this process, on real speech (pocketsphinx-testdata: LibriVox and cards, 10
 *    utterances): seconds of SphinxTrain work (sphinx_fe + bw + mllr_solve / map_adapt) per hour of
 *    training audio, and the adapted recognisers' decoding speed beside the baseline's (MLLR, MAP,
 *    pronunciation variants, a by-group backend).
 *
 *   node --import tsx bench/adapt.ts [repeats=1] [sentences=4] [processes=2]
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baumWelch, extractFeatures, inspectModel, mapAdapt, mllrSolve, prepareModelFiles, type TrainUtterance } from '../src/adapt/sphinxtrain.ts';
import { PocketSphinxBackend, defaultPocketSphinxOptions, type PocketSphinxOptions } from '../src/backends/pocketsphinx.ts';
import { ByGroupBackend } from '../src/backends/by-group.ts';
import type { Backend } from '../src/backends/types.ts';
import { writeVariantDictionary } from '../src/adapt/variants.ts';
import { POCKETSPHINX_MODEL_DIR } from '../src/backends/pocketsphinx-batch.ts';
import { balancedChunks } from '../src/backends/pocketsphinx-glass.ts';
import { speakersFor, synthesise, writeCorpusManifest } from '../test/glass/corpus.ts';
import { load1, stopwatch } from './cpu.ts';
import { ensureBuilt, timeCli } from './cli.ts';

const TD = '/usr/share/pocketsphinx/test/data';
const repeats = Number(process.argv[2] ?? 1);
const sentences = Number(process.argv[3] ?? 4);
const processes = Number(process.argv[4] ?? 2);
const dir = mkdtempSync(join(tmpdir(), 'asrfair-bench-adapt-'));
const secs = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e9;
const duration = (wav: string) => Number(execFileSync('soxi', ['-D', wav], { encoding: 'utf8' }));

/** Plain word decoding of `wavs` (16 kHz mono): pocketsphinx_batch with the en-us LM, split over `processes` by audio size. */
async function plainWords(wavs: readonly string[]): Promise<void> {
  const parts = balancedChunks(wavs, processes, (w) => statSync(w).size);
  await Promise.all(
    parts.map(
      (part, k) =>
        new Promise<void>((res, rej) => {
          const ctl = join(dir, `words${k}.ctl`);
          writeFileSync(ctl, part.map((w) => w.slice(1, -4)).join('\n') + '\n');
          const p = spawn('pocketsphinx_batch', [
            '-adcin', 'yes', '-adchdr', '44', '-cepdir', '/', '-cepext', '.wav', '-ctl', ctl,
            '-hmm', `${POCKETSPHINX_MODEL_DIR}/en-us`, '-lm', `${POCKETSPHINX_MODEL_DIR}/en-us.lm.bin`, '-dict', `${POCKETSPHINX_MODEL_DIR}/cmudict-en-us.dict`,
            '-hyp', join(dir, `words${k}.hyp`), '-logfn', join(dir, `words${k}.log`),
          ], { stdio: 'ignore' });
          p.on('error', rej);
          p.on('close', (code) => (code === 0 ? res() : rej(new Error(`pocketsphinx_batch exited ${code}`))));
        }),
    ),
  );
}

/** Part 1: `asrfair adapt` (the command) against decoding its corpus once. */
async function command(): Promise<void> {
  const corpus = join(dir, 'corpus');
  const stretches = [0.95, 1.15];
  // Plain decoding reads 16 kHz 16-bit mono WAVs with a 44-byte header: sox writes exactly that (the command prepares its own audio).
  const utts = synthesise(corpus, [...speakersFor('th-stopping', stretches, true), ...speakersFor('null', stretches, false)], sentences);
  writeCorpusManifest(corpus, utts);
  writeFileSync(join(corpus, 'suite.yaml'), 'name: adapt-bench\nmanifest: manifest.jsonl\ngroupBy: [accent]\nseed: 3\nbackends:\n  - {name: ps, type: pocketsphinx}\n');
  const wavs = utts.map((u, i) => {
    const w = join(dir, `w${i}.wav`);
    execFileSync('sox', ['-D', u.wav, '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer', w]);
    return w;
  });
  const audioSec = wavs.reduce((a, w) => a + (statSync(w).size - 44) / 32000, 0);
  ensureBuilt();
  const load0 = load1();
  const measure = async (f: () => Promise<unknown>) => {
    const w = stopwatch();
    await f();
    return w();
  };
  const w1 = await measure(() => plainWords(wavs));
  const cli = await timeCli(['adapt', join(corpus, 'suite.yaml'), '--processes', String(processes), '--out', join(dir, 'adapt-out'), '--cache-dir', join(dir, 'cache')]);
  const w2 = await measure(() => plainWords(wavs));
  const words = { wall: (w1.wall + w2.wall) / 2, cpu: (w1.cpu + w2.cpu) / 2 };
  const h = audioSec / 3600;
  const per = (c: { wall: number; cpu: number }) => `${c.wall.toFixed(1).padStart(7)} s wall = ${(c.wall / h).toFixed(0).padStart(6)} s/audio-h   ${c.cpu.toFixed(1).padStart(7)} CPU s = ${(c.cpu / h).toFixed(0).padStart(6)} CPU s/audio-h`;
  console.log(`asrfair adapt on a planted corpus: ${utts.length} utterances (2 groups × 6 speakers × ${sentences}), ${audioSec.toFixed(0)} s of audio, ${processes} processes; load average ${load0} → ${load1()} (machine shared with other jobs)`);
  console.log(`  plain pocketsphinx_batch word decoding, once: ${per(words)} (runs ${w1.wall.toFixed(1)} s, ${w2.wall.toFixed(1)} s wall)`);
  console.log(`  asrfair adapt (the command, defaults):       ${per(cli)}`);
  console.log(`  asrfair adapt / decoding the corpus once: ${(cli.cpu / words.cpu).toFixed(2)}× CPU, ${(cli.wall / words.wall).toFixed(2)}× wall`);
  const steps = cli.stderr.split('\n').filter((l) => /^adapt: (glass box|flagged|selected|the glass box)/.test(l));
  if (steps.length) console.log(`  ${steps.join('\n  ')}`);
  console.log('');
}

try {
  await command();
  console.log('breakdown (in process, pocketsphinx-testdata):');
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
