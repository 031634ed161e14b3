/**
 * Glass-box speed, measured in one process on the same audio (ratios cancel out load from other jobs):
 * 1. the whole glass analysis (phone loop + forced alignment + word decoding + statistics,
 *    `runGlassbox`) against plain `pocketsphinx_batch` word decoding (en-us LM, one process per core):
 *    seconds per audio hour of each and the ratio (target ≤ 1.5×);
 * 2. batched phone-loop decoding versus one process per utterance, and the context-independent loop
 *    (default) versus the context-dependent one.
 *
 *   node --import tsx bench/glass.ts [utterances=24] [processes=cores]
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PocketSphinxGlass, defaultGlassOptions, type GlassItem } from '../src/backends/pocketsphinx-glass.ts';
import { POCKETSPHINX_MODEL_DIR } from '../src/backends/pocketsphinx-batch.ts';
import { runGlassbox, type GlassUtterance } from '../src/analysis/glass-suite.ts';
import { PROMPTS } from '../test/glass/corpus.ts';

const n = Number(process.argv[2] ?? 24);
const processes = Number(process.argv[3] ?? Math.max(1, cpus().length));
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
  const parts: GlassItem[][] = Array.from({ length: Math.min(processes, items.length) }, () => []);
  items.forEach((it, i) => parts[i % parts.length].push(it));
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
  const audioHours = utts.reduce((a, u) => a + (statSync(u.wav).size - 44) / 32000, 0) / 3600;
  const perHour = (s: number) => `${(s / audioHours).toFixed(0)} s/audio-h`;

  // Alternate the two so that load changes during the run affect both alike.
  let words = 0;
  let glass = 0;
  const stages = new Map<string, number>();
  for (let rep = 0; rep < 2; rep++) {
    words += await time(() => plainWords(items));
    let last = process.hrtime.bigint();
    let lastStage = 'setup';
    glass += await time(() =>
      runGlassbox(utts, {
        processes,
        confusable: { permutations: 200 },
        onProgress: (m) => {
          const now = process.hrtime.bigint();
          stages.set(lastStage, (stages.get(lastStage) ?? 0) + Number(now - last) / 1e9);
          last = now;
          lastStage = m.replace(/ of \d+ utterances.*$/, '').replace(/ \(.*$/, '');
        },
      }).then(() => {
        stages.set(lastStage, (stages.get(lastStage) ?? 0) + Number(process.hrtime.bigint() - last) / 1e9);
      }),
    );
  }
  console.log(`${n} utterances, ${(audioHours * 3600).toFixed(0)} s of audio, ${processes} processes, 2 alternating repetitions (machine shared with other jobs):`);
  console.log(`  plain pocketsphinx_batch word decoding: ${(words / 2).toFixed(2)} s = ${perHour(words / 2)}`);
  console.log(`  whole glass analysis:                   ${(glass / 2).toFixed(2)} s = ${perHour(glass / 2)}  → ${(glass / words).toFixed(2)}× word decoding (target ≤ 1.5×)`);
  console.log(`  glass stages: ${[...stages].map(([k, v]) => `${k} ${(v / 2).toFixed(2)} s (${(v / words).toFixed(2)}×)`).join(', ')}`);

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
} finally {
  rmSync(dir, { recursive: true, force: true });
}
