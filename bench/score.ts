/**
 * Scorer speed and memory versus NIST sclite on the same trn files.
 *   node --import tsx bench/score.ts [--utterances 100000] [--words 15] [--rounds 2]
 * Goals: ours ≥ 5× faster than sclite, and lower peak memory. Totals must be equal.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { scoreFiles } from '../src/score/score.ts';
import { writeTrn } from '../src/score/trn.ts';
import { randomCorpus, type Pair } from '../test/score/random-corpus.ts';

const SCLITE = '/usr/lib/sctk/bin/sclite';
const TIME = '/usr/bin/time';

interface Totals {
  sentences: number;
  words: number;
  hits: number;
  sub: number;
  del: number;
  ins: number;
  sentErr: number;
}

async function oursTotals(ref: string, hyp: string): Promise<Totals> {
  const res = await scoreFiles(ref, hyp, { costs: 'sclite', chars: false });
  const t = res.speakers.total();
  const c = t.counts;
  return { sentences: t.sentences, words: c.ref, hits: c.hits, sub: c.sub, del: c.del, ins: c.ins, sentErr: t.sentenceErrors };
}

// Child mode: score once and print totals, so the parent can measure wall time and peak RSS.
if (process.argv[2] === '--child') {
  const t = await oursTotals(process.argv[3], process.argv[4]);
  process.stdout.write(`${JSON.stringify(t)}\n`);
  process.exit(0);
}
if (process.argv[2] === '--baseline') {
  // Same imports, no work: the RSS of Node + tsx + our modules at rest.
  process.exit(0);
}

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

interface Measured {
  wallMs: number;
  /** User + system CPU time of the child. */
  cpuMs: number;
  maxRssMb: number;
  stdout: string;
}

/** Runs a command under GNU time -v for wall time and peak RSS. */
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

function parseRsumTotals(out: string): Totals {
  const m = /\|\s*Sum\s*\|\s*(\d+)\s+(\d+)\s*\|\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\|/.exec(out);
  if (!m) throw new Error('no Sum row in sclite rsum output');
  const [sentences, words, hits, sub, del, ins, , sentErr] = m.slice(1).map(Number);
  return { sentences, words, hits, sub, del, ins, sentErr };
}

async function main(): Promise<void> {
  if (!existsSync(SCLITE)) throw new Error(`sclite not found at ${SCLITE} (Debian package sctk)`);
  if (!existsSync(TIME)) throw new Error(`${TIME} not found (Debian package time)`);
  const utterances = arg('--utterances', 100_000);
  const words = arg('--words', 15);
  const dir = mkdtempSync(join(tmpdir(), 'asrfair-bench-score-'));
  try {
    const refs: Array<{ id: string; text: string }> = [];
    const hyps: Array<{ id: string; text: string }> = [];
    for (const p of randomCorpus({ utterances, speakers: 200, vocab: 2000, meanWords: words, seed: 42 }) as Iterable<Pair>) {
      refs.push({ id: p.id, text: p.ref.join(' ') });
      hyps.push({ id: p.id, text: p.hyp.join(' ') });
    }
    const ref = join(dir, 'ref.trn');
    const hyp = join(dir, 'hyp.trn');
    await writeTrn(ref, refs);
    await writeTrn(hyp, hyps);
    refs.length = 0;
    hyps.length = 0;
    console.log(`corpus: ${utterances} utterances, mean ${words} words, 200 speakers`);

    // Rounds interleave sclite and ours so machine load hits both alike; best of each is kept.
    // sclite: -s because our `none` normaliser is case-sensitive.
    const rounds = arg('--rounds', 2);
    const self = fileURLToPath(import.meta.url);
    let sc: Measured | undefined;
    let child: Measured | undefined;
    let oursMs = Infinity;
    let oursCpuMs = Infinity;
    let ours: Totals | undefined;
    await oursTotals(ref, hyp); // warm-up: JIT and file cache
    for (let round = 0; round < rounds; round++) {
      const s1 = measure(SCLITE, ['-s', '-r', ref, 'trn', '-h', hyp, 'trn', '-i', 'rm', '-o', 'rsum', 'stdout']);
      if (!sc || s1.wallMs < sc.wallMs) sc = { ...s1, cpuMs: Math.min(s1.cpuMs, sc?.cpuMs ?? Infinity) };
      else sc.cpuMs = Math.min(sc.cpuMs, s1.cpuMs);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      ours = await oursTotals(ref, hyp);
      oursMs = Math.min(oursMs, performance.now() - t0);
      const c = process.cpuUsage(c0);
      oursCpuMs = Math.min(oursCpuMs, (c.user + c.system) / 1000);
      // A fresh child process (includes Node + tsx start-up) for wall time and peak RSS.
      const c1 = measure(process.execPath, ['--import', 'tsx', self, '--child', ref, hyp]);
      if (!child || c1.wallMs < child.wallMs) child = c1;
    }
    if (!sc || !child) throw new Error('no rounds run');
    const scTotals = parseRsumTotals(sc.stdout);
    const childTotals = JSON.parse(child.stdout) as Totals;
    const base = measure(process.execPath, ['--import', 'tsx', self, '--baseline']);

    const same = JSON.stringify(ours) === JSON.stringify(scTotals) && JSON.stringify(childTotals) === JSON.stringify(scTotals);
    console.log(`sclite totals: ${JSON.stringify(scTotals)}`);
    console.log(`ours   totals: ${JSON.stringify(ours)}`);
    console.log(`totals equal: ${same}`);
    console.log(`sclite:               ${(sc.wallMs / 1000).toFixed(2)} s wall, ${(sc.cpuMs / 1000).toFixed(2)} s CPU, peak RSS ${sc.maxRssMb.toFixed(0)} MB`);
    console.log(`ours (in-process):    ${(oursMs / 1000).toFixed(2)} s wall, ${(oursCpuMs / 1000).toFixed(2)} s CPU (best of ${rounds})`);
    console.log(`ours (child process): ${(child.wallMs / 1000).toFixed(2)} s wall incl. Node/tsx start-up, peak RSS ${child.maxRssMb.toFixed(0)} MB (idle Node+tsx: ${base.maxRssMb.toFixed(0)} MB, ${(base.wallMs / 1000).toFixed(2)} s)`);
    console.log(
      `speed ratio sclite/ours: ${(sc.wallMs / oursMs).toFixed(1)}× wall, ${(sc.cpuMs / oursCpuMs).toFixed(1)}× CPU in-process; ` +
        `${(sc.wallMs / child.wallMs).toFixed(1)}× wall as a fresh process (goal ≥ 5×)`,
    );
    console.log(`memory ratio sclite/ours: ${(sc.maxRssMb / child.maxRssMb).toFixed(1)}× peak RSS (goal > 1×)`);
    if (!same) {
      console.error('FAIL: totals differ from sclite');
      process.exitCode = 1;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
