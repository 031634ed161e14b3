/**
 * `asrfair score` (the command users run, spawned as `node bin/asrfair.mjs score ...`, compiled
 * `dist/` when fresh) versus NIST sclite on the same trn files.
 *   node --import tsx bench/score.ts [--utterances 1000000] [--small 100000] [--sclite-sizes 100000,200000,300000] [--words 15] [--rounds 2]
 * Prints child CPU time (user + system) and peak RSS from GNU time, and the ratios sclite/ours at
 * the small size (100k) and the large one (1M). Goals: CLI ≥ 5× sclite's CPU at 100k, ≥ 10× at 1M,
 * peak memory under 1/10 of sclite's. Totals must be equal (asrfair run as `-s --missing-hyp skip`,
 * = sclite -s). Rounds interleave the commands so load from other processes hits all alike; the
 * best round of each is kept.
 * sclite needs ~45 KB per utterance (~45 GB at 1M): it is run at every size of `--sclite-sizes`
 * that fits in free memory, its CPU growth is fitted (least squares on log CPU vs log n: CPU ∝ n^b),
 * and its 1M cost is taken as the SMALLER of the linear extrapolation from the largest size run and
 * the fitted power law: the conservative reference when growth is superlinear. The output says so.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { freemem, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aligner } from '../src/score/align.ts';
import { writeTrn } from '../src/score/trn.ts';
import { randomCorpus, type Pair } from '../test/score/random-corpus.ts';
import { BIN, ensureBuilt } from './cli.ts';

const SCLITE = '/usr/lib/sctk/bin/sclite';
const TIME = '/usr/bin/time';

interface Totals {
  sentences: number;
  words: number;
  hits: number;
  sub: number;
  del: number;
  ins: number;
}

interface Measured {
  wallMs: number;
  /** User + system CPU time of the child. */
  cpuMs: number;
  maxRssMb: number;
  stdout: string;
}

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

/** Runs a command under GNU time -v for CPU time and peak RSS. */
function measure(cmd: string, args: string[]): Measured {
  const t0 = performance.now();
  const r = spawnSync(TIME, ['-v', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  const user = /User time \(seconds\): ([\d.]+)/.exec(r.stderr);
  const sys = /System time \(seconds\): ([\d.]+)/.exec(r.stderr);
  const cpuMs = user && sys ? 1000 * (Number(user[1]) + Number(sys[1])) : NaN;
  return { wallMs, cpuMs, maxRssMb: rss ? Number(rss[1]) / 1024 : NaN, stdout: r.stdout };
}

function best(a: Measured | undefined, b: Measured): Measured {
  if (!a) return b;
  return { ...(b.cpuMs < a.cpuMs ? b : a), maxRssMb: Math.min(a.maxRssMb, b.maxRssMb) };
}

function parseRsumTotals(out: string): Totals {
  const m = /\|\s*Sum\s*\|\s*(\d+)\s+(\d+)\s*\|\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\|/.exec(out);
  if (!m) throw new Error('no Sum row in sclite rsum output');
  const [sentences, words, hits, sub, del, ins] = m.slice(1).map(Number);
  return { sentences: sentences!, words: words!, hits: hits!, sub: sub!, del: del!, ins: ins! };
}

const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/** Least-squares fit of log y = log a + b log x; returns [a, b]. */
export function powerFit(xs: number[], ys: number[]): [number, number] {
  const lx = xs.map(Math.log);
  const ly = ys.map(Math.log);
  const n = xs.length;
  const mx = lx.reduce((a, b) => a + b, 0) / n;
  const my = ly.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (lx[i]! - mx) * (ly[i]! - my);
    sxx += (lx[i]! - mx) ** 2;
  }
  const b = sxx > 0 ? sxy / sxx : 1;
  return [Math.exp(my - b * mx), b];
}

function listArg(name: string, dflt: number[]): number[] {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]!.split(',').map(Number) : dflt;
}

const SCLITE_BYTES_PER_UTT = 45e3;

async function main(): Promise<void> {
  if (!existsSync(SCLITE)) throw new Error(`sclite not found at ${SCLITE} (Debian package sctk)`);
  if (!existsSync(TIME)) throw new Error(`${TIME} not found (Debian package time)`);
  const large = arg('--utterances', 1_000_000);
  const small = arg('--small', 100_000);
  const words = arg('--words', 15);
  const rounds = arg('--rounds', 2);
  const scliteSizes = listArg('--sclite-sizes', [100_000, 200_000, 300_000]).filter((n) => n <= large);
  // The command users run is the compiled one (`prepare` builds it): build a stale dist/ now, so the
  // CLI does not run through tsx. Do not edit src/ while the bench runs.
  ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'asrfair-bench-score-'));
  try {
    const pairs: Pair[] = [...randomCorpus({ utterances: large, speakers: 200, vocab: 2000, meanWords: words, seed: 42 })];
    const files = new Map<number, { ref: string; hyp: string }>();
    for (const n of new Set([small, large, ...scliteSizes])) {
      const f = { ref: join(dir, `ref${n}.trn`), hyp: join(dir, `hyp${n}.trn`) };
      const sub = pairs.slice(0, n);
      await writeTrn(f.ref, sub.map((p) => ({ id: p.id, text: p.ref.join(' ') })));
      await writeTrn(f.hyp, sub.map((p) => ({ id: p.id, text: p.hyp.join(' ') })));
      files.set(n, f);
    }
    console.log(`corpus: ${large} utterances (first ${small} for the small size), mean ${words} words, 200 speakers; ${rounds} interleaved rounds, best kept`);
    console.log(`machine: load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on its cores; ratios come from the same rounds, so load hits every command alike`);

    // sclite's peak RSS grows ~45 KB per utterance: run it only where it fits.
    const fits = (n: number): boolean => n * SCLITE_BYTES_PER_UTT < freemem() * 0.7;
    const cliArgs = (n: number, json: string): string[] => {
      const f = files.get(n)!;
      return [BIN, 'score', '--ref', f.ref, '--hyp', f.hyp, '-s', '--missing-hyp', 'skip', '--confusions', '0', '--json', json];
    };
    const scliteArgs = (n: number): string[] => {
      const f = files.get(n)!;
      return ['-s', '-r', f.ref, 'trn', '-h', f.hyp, 'trn', '-i', 'rm', '-o', 'rsum', 'stdout'];
    };
    const sc = new Map<number, Measured>();
    const cli = new Map<number, Measured>();
    const sizes = [...new Set([small, ...scliteSizes, large])].sort((a, b) => a - b);
    for (let round = 0; round < rounds; round++) {
      for (const n of sizes) {
        if (fits(n) && (n === small || n === large || scliteSizes.includes(n))) sc.set(n, best(sc.get(n), measure(SCLITE, scliteArgs(n))));
        if (n === small || n === large) cli.set(n, best(cli.get(n), measure(process.execPath, cliArgs(n, join(dir, `out${n}.json`)))));
      }
    }
    const idle = measure(process.execPath, [BIN, 'score', '--help']);
    const totalsOf = (n: number): Totals => {
      const j = JSON.parse(readFileSync(join(dir, `out${n}.json`), 'utf8')) as { utterances: number; words: Omit<Totals, 'sentences' | 'words'> & { ref: number } };
      return { sentences: j.utterances, words: j.words.ref, hits: j.words.hits, sub: j.words.sub, del: j.words.del, ins: j.words.ins };
    };

    // The aligner alone, in this process, on the same (case-sensitive) tokens of the large set.
    const aligner = new Aligner('sclite');
    const c0 = process.cpuUsage();
    const sum: Totals = { sentences: 0, words: 0, hits: 0, sub: 0, del: 0, ins: 0 };
    for (const p of pairs) {
      const c = aligner.counts(p.ref, p.hyp);
      sum.sentences++;
      sum.words += c.ref;
      sum.hits += c.hits;
      sum.sub += c.sub;
      sum.del += c.del;
      sum.ins += c.ins;
    }
    const cu = process.cpuUsage(c0);
    const alignMs = (cu.user + cu.system) / 1000;

    console.log(`\nasrfair score start-up: ${s(idle.cpuMs)} CPU, ${idle.maxRssMb.toFixed(0)} MB (\`score --help\`; goal < 0.5 s)`);
    const measured = [...sc.keys()].sort((a, b) => a - b);
    for (const n of measured) console.log(`sclite -s at ${String(n).padStart(7)}: ${s(sc.get(n)!.cpuMs)} CPU, peak RSS ${sc.get(n)!.maxRssMb.toFixed(0)} MB`);
    let fit: [number, number] | undefined;
    if (measured.length >= 2) {
      fit = powerFit(measured, measured.map((n) => sc.get(n)!.cpuMs));
      console.log(`sclite CPU growth fitted over ${measured.join(', ')}: CPU ∝ n^${fit[1].toFixed(2)} (1.00 = linear)`);
    }
    let failed = false;
    for (const n of [small, large]) {
      const ours = cli.get(n)!;
      const tot = totalsOf(n);
      console.log(`\n== ${n} utterances ==`);
      console.log(`asrfair score (CLI): ${s(ours.cpuMs)} CPU, peak RSS ${ours.maxRssMb.toFixed(0)} MB`);
      const goal = n >= 1_000_000 ? 10 : 5;
      let refCpu: number;
      let refRss: number;
      const run = sc.get(n);
      if (run) {
        const theirs = parseRsumTotals(run.stdout);
        const same = JSON.stringify(theirs) === JSON.stringify(tot);
        console.log(`sclite -s (run):     ${s(run.cpuMs)} CPU, peak RSS ${run.maxRssMb.toFixed(0)} MB; totals equal: ${same}`);
        if (!same) {
          console.log(`totals sclite ${JSON.stringify(theirs)}\ntotals ours   ${JSON.stringify(tot)}`);
          failed = true;
        }
        refCpu = run.cpuMs;
        refRss = run.maxRssMb;
      } else {
        const top = measured[measured.length - 1];
        if (top === undefined) {
          console.log('sclite not run at any size (not enough free memory): no ratio');
          continue;
        }
        const linear = (sc.get(top)!.cpuMs * n) / top;
        const power = fit ? fit[0] * n ** fit[1] : linear;
        refCpu = Math.min(linear, power);
        refRss = (sc.get(top)!.maxRssMb * n) / top;
        console.log(
          `sclite NOT RUN at ${n}: it would need ~${((n * SCLITE_BYTES_PER_UTT) / 1e9).toFixed(0)} GB (free: ${(freemem() / 1e9).toFixed(0)} GB). ` +
            `Reference = the smaller of: linear extrapolation ×${(n / top).toFixed(1)} from its ${top} run: ${s(linear)}; ` +
            `the fitted power law: ${fit ? s(power) : 'n/a (one size)'} → ${s(refCpu)} CPU; memory linear: ${refRss.toFixed(0)} MB`,
        );
        const theirs = sum;
        const same = JSON.stringify(theirs) === JSON.stringify(tot);
        console.log(`totals equal to the in-process aligner's: ${same}`);
        if (!same) failed = true;
      }
      const ratio = refCpu / ours.cpuMs;
      console.log(`CLI CPU ratio sclite/asrfair:    ${ratio.toFixed(1)}× (goal ≥ ${goal}×)${ratio >= goal ? '' : '  BELOW GOAL'}`);
      console.log(`CLI memory ratio sclite/asrfair: ${(refRss / ours.maxRssMb).toFixed(1)}× peak RSS (goal ≥ 10×)`);
      if (n === large) console.log(`aligner alone in-process on the ${n}: ${s(alignMs)} CPU (${(refCpu / alignMs).toFixed(1)}× sclite)`);
    }
    if (failed) {
      console.error('FAIL: totals differ');
      process.exitCode = 1;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
