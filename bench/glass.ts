/**
 * Glass-box speed: batched phone-loop decoding (many utterances per pocketsphinx_batch process) versus
 * one process per utterance (the model load dominates short files), and the context-independent loop
 * (default) versus the context-dependent one. Ratios are measured in this process, on the same audio.
 *
 *   node --import tsx bench/glass.ts [utterances=8]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PocketSphinxGlass, defaultGlassOptions, type GlassItem } from '../src/backends/pocketsphinx-glass.ts';
import { PROMPTS } from '../test/glass/corpus.ts';
import { createG2P } from '../src/text/g2p.ts';
import { canonicalPhones, words } from '../src/analysis/glass.ts';

const n = Number(process.argv[2] ?? 8);
const dir = mkdtempSync(join(tmpdir(), 'asrfair-bench-glass-'));
try {
  const items: GlassItem[] = Array.from({ length: n }, (_, i) => {
    const wav = join(dir, `u${i}.wav`);
    execFileSync('flite', ['-voice', ['slt', 'rms', 'awb'][i % 3], '-t', PROMPTS[i % PROMPTS.length], '-o', wav]);
    return { id: `u${i}`, wav };
  });
  const one = new PocketSphinxGlass({ ...defaultGlassOptions(), processes: 1 });
  const time = async (f: () => Promise<unknown>) => {
    const t = process.hrtime.bigint();
    await f();
    return Number(process.hrtime.bigint() - t) / 1e9;
  };
  const batched = await time(() => one.decodePhonesBatch(items));
  const perUtt = await time(async () => {
    for (const it of items) await one.decodePhonesBatch([it]);
  });
  const cd = new PocketSphinxGlass({ ...defaultGlassOptions(), processes: 1, allphoneCi: false });
  const cdTime = await time(() => cd.decodePhonesBatch(items.slice(0, 2)));
  const ciTime2 = await time(() => one.decodePhonesBatch(items.slice(0, 2)));
  const g2p = await createG2P();
  const phones = items.map((_, i) => canonicalPhones(words(PROMPTS[i % PROMPTS.length]), g2p).map((c) => c.phone));
  const align = await time(() => one.forceAlignPhonesBatch(items.map((it, i) => ({ ...it, phones: phones[i] }))));
  console.log(`phone loop, ${n} utterances, 1 process: batched ${batched.toFixed(2)} s, one process per utterance ${perUtt.toFixed(2)} s → batching ${(perUtt / batched).toFixed(2)}× faster`);
  console.log(`2 utterances: context-dependent loop ${cdTime.toFixed(2)} s vs context-independent ${ciTime2.toFixed(2)} s → CI ${(cdTime / ciTime2).toFixed(2)}× faster`);
  console.log(`forced alignment of ${n} utterances, batched: ${align.toFixed(2)} s (${(align / batched).toFixed(2)}× the batched phone loop)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
