/**
 * The network alignment (src/score/network.ts: sclite markup, `-T`, `-w`) against the same file at
 * another commit, in one process on the same networks: the integer path (plain markup scoring) and
 * the float path (`-T` times, `-w` weights). Rounds interleave the two versions so load from other
 * processes hits both alike; the best round of each is kept. Results must be identical.
 *   node --import tsx bench/network.ts [--before REV] [--utterances 20000] [--words 15] [--rounds 5]
 * REV defaults to 63cb3c9, the last commit with a separate float32 DP beside the integer one.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as after from '../src/score/network.ts';
import { parseMarkup, wordsToNetwork, type WordNetwork } from '../src/text/markup.ts';
import { prng, randomCorpus } from '../test/score/random-corpus.ts';
import { stopwatch } from './cpu.ts';

type Align = typeof after.alignNetworks;

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : dflt;
}

const ROOT = join(import.meta.dirname, '..');
const rev = arg('--before', '63cb3c9');
const n = Number(arg('--utterances', '20000'));
const words = Number(arg('--words', '15'));
const rounds = Number(arg('--rounds', '5'));

/** Reference sides with sclite markup: alternations, `@`, optionally deletable words, fragments. */
function withMarkup(ws: string[], rand: () => number): string {
  return ws
    .map((w) => {
      const r = rand();
      if (r < 0.06) return `{ ${w} / ${w}s / @ }`;
      if (r < 0.1) return `(${w})`;
      if (r < 0.12) return `${w.slice(0, 2)}-`;
      return w;
    })
    .join(' ');
}

interface Case {
  ref: WordNetwork;
  hyp: WordNetwork;
  times: after.ArcCost;
  weights: after.ArcCost;
}

function cases(): Case[] {
  const rand = prng(7);
  const opts = { optionallyDeletable: true, fragments: true };
  const out: Case[] = [];
  for (const p of randomCorpus({ utterances: n, speakers: 50, vocab: 2000, meanWords: words, seed: 11 })) {
    const r = parseMarkup(withMarkup(p.ref, rand), opts);
    const ref = r.kind === 'network' ? r.net : wordsToNetwork(r.words);
    const hyp = wordsToNetwork(p.hyp);
    const arcTimes = (net: WordNetwork): after.NetworkTimes => {
      const t1 = new Float64Array(net.words.length);
      const t2 = new Float64Array(net.words.length);
      for (let k = 1; k < net.words.length; k++) (t1[k] = k * 0.31 + rand() * 0.2), (t2[k] = t1[k]! + 0.1 + rand() * 0.3);
      return { t1, t2 };
    };
    const arcWeights = (net: WordNetwork): Float64Array => Float64Array.from(net.words, () => 1 + Math.floor(rand() * 40) / 4);
    out.push({ ref, hyp, times: { kind: 'time', a: arcTimes(ref), b: arcTimes(hyp) }, weights: { kind: 'weight', a: arcWeights(ref), b: arcWeights(hyp) } });
  }
  return out;
}

/** Aligns every case on one path; returns CPU and wall seconds and a digest of every result. */
function time(align: Align, cs: Case[], path: 'integer' | 'time' | 'weight'): { cpu: number; wall: number; digest: string } {
  const w = stopwatch();
  let h = 0;
  for (const c of cs) {
    const a = align(c.ref, c.hyp, path === 'integer' ? undefined : path === 'time' ? c.times : c.weights);
    h = (Math.imul(h, 31) + a.counts.hits * 7 + a.counts.sub * 11 + a.counts.del * 13 + a.counts.ins * 17 + a.ops.length) | 0;
    for (const o of a.ops) {
      const t = `${o.type}\u0001${o.ref ?? ''}\u0001${o.hyp ?? ''}\u0002`;
      for (let k = 0; k < t.length; k++) h = (Math.imul(h, 33) + t.charCodeAt(k)) | 0;
    }
  }
  const cost = w();
  return { ...cost, digest: h.toString(16) };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'asrfair-bench-network-'));
  try {
    const src = execFileSync('git', ['show', `${rev}:src/score/network.ts`], { cwd: ROOT, encoding: 'utf8' });
    // Its imports are type-only: the file runs on its own from a temporary folder.
    const file = join(dir, 'network-before.ts');
    writeFileSync(file, src);
    const before = (await import(pathToFileURL(file).href)) as { alignNetworks: Align };
    const cs = cases();
    console.log(`${n} utterances (mean ${words} words; references with alternations, (optional) words and fragments), ${rounds} interleaved rounds, best kept`);
    console.log(`machine: load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} (2 cores, shared); ratios come from the same rounds`);
    let failed = false;
    for (const path of ['integer', 'time', 'weight'] as const) {
      let b: ReturnType<typeof time> | undefined;
      let a: ReturnType<typeof time> | undefined;
      for (let r = 0; r < rounds; r++) {
        // Alternate which goes first, so neither gains from the other's warm-up.
        const [tb, ta] = r % 2 === 0
          ? [time(before.alignNetworks, cs, path), time(after.alignNetworks, cs, path)]
          : [time(after.alignNetworks, cs, path), time(before.alignNetworks, cs, path)].reverse() as [ReturnType<typeof time>, ReturnType<typeof time>];
        if (!b || tb.cpu < b.cpu) b = tb;
        if (!a || ta.cpu < a.cpu) a = ta;
      }
      const same = a!.digest === b!.digest;
      if (!same) failed = true;
      console.log(
        `${path.padEnd(7)} before (${rev}) ${b!.cpu.toFixed(3)} s CPU ${b!.wall.toFixed(3)} s wall; now ${a!.cpu.toFixed(3)} s CPU ${a!.wall.toFixed(3)} s wall; ` +
          `now/before CPU ×${(a!.cpu / b!.cpu).toFixed(2)}, wall ×${(a!.wall / b!.wall).toFixed(2)}; identical results: ${same}`,
      );
    }
    if (failed) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
