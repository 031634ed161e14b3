/**
 * Glass-box speed, measured in one bench run on the same audio, alternating so that load from other
 * jobs falls on every measurement alike:
 * 1. headline: the command users run, `asrfair glass <manifest> --processes N` (compiled CLI spawned as
 *    a child: start-up, manifest reading, audio preparation into a fresh cache, phone loop, forced
 *    alignment, word decoding, statistics with the default 2000 permutations, md/html/json reports),
 *    against plain `pocketsphinx_batch` word decoding of the same WAVs (en-us LM, the files split over
 *    N processes): wall and CPU seconds of each process tree per audio hour, and the ratios (target
 *    ≤ 1.5×). CPU seconds do not depend on the load from other jobs; wall seconds do.
 * 2. the in-process analysis (`runGlassbox`, same options) and its CPU by stage (phone loop alone;
 *    + forced alignment; + word decoding); the CLI's cost over it is start-up, input and output.
 * 3. with `--extra`: batched phone-loop decoding versus one process per utterance, and the
 *    context-independent loop (default) versus the context-dependent one.
 *
 *   node --import tsx bench/glass.ts [utterances=24] [processes=cores] [repetitions=2] [--extra]
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { load1, stopwatch } from './cpu.ts';
import { ensureBuilt, timeCli } from './cli.ts';
import { PocketSphinxGlass, balancedChunks, defaultGlassOptions, type GlassItem } from '../src/backends/pocketsphinx-glass.ts';
import { POCKETSPHINX_MODEL_DIR } from '../src/backends/pocketsphinx-batch.ts';
import { runGlassbox, type GlassUtterance } from '../src/analysis/glass-suite.ts';
import { PROMPTS } from '../test/glass/corpus.ts';

const extra = process.argv.includes('--extra');
const args = process.argv.slice(2).filter((a) => a !== '--extra');
const n = Number(args[0] ?? 24);
const processes = Number(args[1] ?? Math.max(1, cpus().length));
const reps = Number(args[2] ?? 2);
const dir = mkdtempSync(join(tmpdir(), 'asrfair-bench-glass-'));
const time = async (f: () => Promise<unknown>) => {
  const t = process.hrtime.bigint();
  await f();
  return Number(process.hrtime.bigint() - t) / 1e9;
};
const run = (cmd: string, args: string[]) =>
  new Promise<void>((res, rej) => {
    const p = spawn(cmd, args, { stdio: 'ignore' });
    p.on('error', rej);
    p.on('close', (code) => (code === 0 ? res() : rej(new Error(`${cmd} exited ${code}`))));
  });

/** Plain word decoding: pocketsphinx_batch with the en-us LM and dictionary, the files split over `processes`. */
async function plainWords(items: readonly GlassItem[]): Promise<void> {
  // The same split by audio length as the glass stages get, so neither side gains from a better balance.
  const parts = balancedChunks(items, processes, (it) => statSync(it.wav).size);
  await Promise.all(
    parts.map((part, k) => {
      const ctl = join(dir, `words${k}.ctl`);
      writeFileSync(ctl, part.map((it) => it.wav.slice(1, -4)).join('\n') + '\n');
      return run('pocketsphinx_batch', [
        '-adcin', 'yes', '-adchdr', '44', '-cepdir', '/', '-cepext', '.wav', '-ctl', ctl,
        '-hmm', `${POCKETSPHINX_MODEL_DIR}/en-us`, '-lm', `${POCKETSPHINX_MODEL_DIR}/en-us.lm.bin`, '-dict', `${POCKETSPHINX_MODEL_DIR}/cmudict-en-us.dict`,
        '-hyp', join(dir, `words${k}.hyp`), '-logfn', join(dir, `words${k}.log`),
      ]);
    }),
  );
}

try {
  const utts: GlassUtterance[] = Array.from({ length: n }, (_, i) => {
    const raw = join(dir, `r${i}.wav`);
    const wav = join(dir, `u${i}.wav`);
    execFileSync('flite', ['-voice', ['slt', 'rms', 'awb'][i % 3], '-t', PROMPTS[i % PROMPTS.length], '-o', raw]);
    execFileSync('sox', ['-D', raw, '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer', wav]);
    return { id: `u${i}`, speaker: `s${i % 6}`, group: i % 2 ? 'a' : 'b', ref: PROMPTS[i % PROMPTS.length], wav };
  });
  const items: GlassItem[] = utts.map((u) => ({ id: u.id, wav: u.wav }));
  const manifest = join(dir, 'manifest.jsonl');
  writeFileSync(manifest, utts.map((u) => JSON.stringify({ id: u.id, audio: u.wav, text: u.ref, speaker: u.speaker, labels: { accent: u.group } })).join('\n') + '\n');
  ensureBuilt();
  const audioHours = utts.reduce((a, u) => a + (statSync(u.wav).size - 44) / 32000, 0) / 3600;

  const load0 = load1();
  // Alternate so that load changes during the run affect every measurement alike.
  type Cost = { wall: number; cpu: number };
  const sum: Record<'words' | 'cli' | 'glass' | 'loop' | 'loopAlign', Cost> = {
    words: { wall: 0, cpu: 0 },
    cli: { wall: 0, cpu: 0 },
    glass: { wall: 0, cpu: 0 },
    loop: { wall: 0, cpu: 0 },
    loopAlign: { wall: 0, cpu: 0 },
  };
  const add = (k: keyof typeof sum, c: Cost) => {
    sum[k].wall += c.wall;
    sum[k].cpu += c.cpu;
  };
  const measure = async (f: () => Promise<unknown>): Promise<Cost> => {
    const w = stopwatch();
    await f();
    return w();
  };
  // The CLI's defaults (2000 permutations), so the in-process run does the same work as the command.
  const glassRun = (o: { decodeWords?: boolean; goodness?: boolean }) => () => runGlassbox(utts, { processes, confusable: { permutations: 2000 }, ...o });
  let cliOut = '';
  for (let rep = 0; rep < reps; rep++) {
    add('words', await measure(() => plainWords(items)));
    // A fresh cache and output folder each time: what a first run of the command costs.
    const c = await timeCli(['glass', manifest, '--group-by', 'accent', '--processes', String(processes), '--cache-dir', join(dir, `cache${rep}`), '--out', join(dir, `out${rep}`)]);
    add('cli', c);
    cliOut = c.stdout;
    add('glass', await measure(glassRun({})));
    add('loop', await measure(glassRun({ decodeWords: false, goodness: false })));
    add('loopAlign', await measure(glassRun({ decodeWords: false })));
  }
  const per = (c: Cost) => `${(c.wall / reps).toFixed(1).padStart(7)} s wall = ${(c.wall / reps / audioHours).toFixed(0).padStart(6)} s/audio-h   ${(c.cpu / reps).toFixed(1).padStart(7)} CPU s = ${(c.cpu / reps / audioHours).toFixed(0).padStart(6)} CPU s/audio-h`;
  console.log(`${n} utterances, ${(audioHours * 3600).toFixed(0)} s of audio, ${processes} processes, ${reps} alternating repetitions; ${cpus().length} cores, load average ${load0} → ${load1()} (machine shared with other jobs)`);
  console.log(`  plain pocketsphinx_batch word decoding: ${per(sum.words)}`);
  console.log(`  asrfair glass (the command):            ${per(sum.cli)}`);
  console.log(`  asrfair glass / word decoding: ${(sum.cli.cpu / sum.words.cpu).toFixed(2)}× CPU, ${(sum.cli.wall / sum.words.wall).toFixed(2)}× wall (target ≤ 1.5×)`);
  console.log(`  in-process analysis (runGlassbox):      ${per(sum.glass)}`);
  console.log(`  in-process / word decoding: ${(sum.glass.cpu / sum.words.cpu).toFixed(2)}× CPU, ${(sum.glass.wall / sum.words.wall).toFixed(2)}× wall; the command's start-up, input and reports add ${((sum.cli.cpu - sum.glass.cpu) / reps).toFixed(1)} CPU s, ${((sum.cli.wall - sum.glass.wall) / reps).toFixed(1)} s wall per run`);
  const words = sum.words.cpu;
  const stage = (c: number) => `${(c / reps).toFixed(1)} CPU s (${(c / words).toFixed(2)}× word decoding)`;
  console.log(`  glass CPU by stage: phone loop ${stage(sum.loop.cpu)}, forced alignment ${stage(sum.loopAlign.cpu - sum.loop.cpu)}, word decoding ${stage(sum.glass.cpu - sum.loopAlign.cpu)}`);
  console.log(`  the command's last summary: ${cliOut.trim().split('\n').join(' | ')}`);
  if (extra) await extras(items);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

async function extras(items: readonly GlassItem[]): Promise<void> {
  const one = new PocketSphinxGlass({ ...defaultGlassOptions(), processes: 1 });
  const few = items.slice(0, Math.min(8, n));
  const batched = await time(() => one.decodePhonesBatch(few));
  const perUtt = await time(async () => {
    for (const it of few) await one.decodePhonesBatch([it]);
  });
  const cd = new PocketSphinxGlass({ ...defaultGlassOptions(), processes: 1, allphoneCi: false });
  const cdTime = await time(() => cd.decodePhonesBatch(items.slice(0, 2)));
  const ciTime2 = await time(() => one.decodePhonesBatch(items.slice(0, 2)));
  console.log(`phone loop, ${few.length} utterances, 1 process: batched ${batched.toFixed(2)} s, one process per utterance ${perUtt.toFixed(2)} s → batching ${(perUtt / batched).toFixed(2)}× faster`);
  console.log(`2 utterances: context-dependent loop ${cdTime.toFixed(2)} s vs context-independent ${ciTime2.toFixed(2)} s → CI ${(cdTime / ciTime2).toFixed(2)}× faster`);
}
