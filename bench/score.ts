/**
 * `asrfair score` (the command users run, spawned as `node bin/asrfair.mjs score ...`) versus NIST
 * sclite on the same trn files, plus the aligner alone in this process.
 *   node --import tsx bench/score.ts [--utterances 100000] [--words 15] [--rounds 2]
 * Prints child CPU time (user + system) and peak RSS from GNU time for both commands, and the
 * ratios sclite/ours. Goals: CLI ≥ 5× sclite's CPU at 100k utterances, ≥ 10× at 1M, peak memory
 * under 1/10 of sclite's. Totals must be equal (asrfair run as `-s --missing-hyp skip`, = sclite -s).
 * Rounds interleave the two commands so load from other processes hits both alike; the best round
 * of each is kept. sclite needs ~45 KB per utterance: when that does not fit in the free memory it is
 * not run, and its CPU is extrapolated linearly from a 100k run (said so in the output).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { freemem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Aligner } from '../src/score/align.ts';
import { writeTrn } from '../src/score/trn.ts';
import { randomCorpus, type Pair } from '../test/score/random-corpus.ts';

const SCLITE = '/usr/lib/sctk/bin/sclite';
const TIME = '/usr/bin/time';
const BIN = join(import.meta.dirname, '../bin/asrfair.mjs');

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

async function main(): Promise<void> {
  if (!existsSync(SCLITE)) throw new Error(`sclite not found at ${SCLITE} (Debian package sctk)`);
  if (!existsSync(TIME)) throw new Error(`${TIME} not found (Debian package time)`);
  const utterances = arg('--utterances', 100_000);
  const words = arg('--words', 15);
  const rounds = arg('--rounds', 2);
  const dir = mkdtempSync(join(tmpdir(), 'asrfair-bench-score-'));
  try {
    const pairs: Pair[] = [...randomCorpus({ utterances, speakers: 200, vocab: 2000, meanWords: words, seed: 42 })];
    const ref = join(dir, 'ref.trn');
    const hyp = join(dir, 'hyp.trn');
    await writeTrn(ref, pairs.map((p) => ({ id: p.id, text: p.ref.join(' ') })));
    await writeTrn(hyp, pairs.map((p) => ({ id: p.id, text: p.hyp.join(' ') })));
    console.log(`corpus: ${utterances} utterances, mean ${words} words, 200 speakers; ${rounds} interleaved rounds, best kept`);
    console.log('note: the machine may be shared; ratios come from the same rounds, so load hits both commands alike');

    // sclite's peak RSS grows ~45 KB per utterance (4.4 GB at 100k): run it only where it fits.
    const scliteFits = utterances * 45e3 < freemem() * 0.8;
    const json = join(dir, 'out.json');
    const cliArgs = [BIN, 'score', '--ref', ref, '--hyp', hyp, '-s', '--missing-hyp', 'skip', '--confusions', '0', '--json', json];
    let sc: Measured | undefined;
    let cli: Measured | undefined;
    for (let round = 0; round < rounds; round++) {
      if (scliteFits) sc = best(sc, measure(SCLITE, ['-s', '-r', ref, 'trn', '-h', hyp, 'trn', '-i', 'rm', '-o', 'rsum', 'stdout']));
      cli = best(cli, measure(process.execPath, cliArgs));
    }
    const idle = measure(process.execPath, [BIN, 'score', '--help']);
    const j = JSON.parse(readFileSync(json, 'utf8')) as { utterances: number; words: Omit<Totals, 'sentences' | 'words'> & { ref: number } };
    const ours: Totals = { sentences: j.utterances, words: j.words.ref, hits: j.words.hits, sub: j.words.sub, del: j.words.del, ins: j.words.ins };

    // The aligner alone, in this process, on the same (case-sensitive) tokens.
    const aligner = new Aligner('sclite');
    let alignMs = Infinity;
    for (let round = 0; round < rounds; round++) {
      const c0 = process.cpuUsage();
      for (const p of pairs) aligner.counts(p.ref, p.hyp);
      const c = process.cpuUsage(c0);
      alignMs = Math.min(alignMs, (c.user + c.system) / 1000);
    }

    console.log(`asrfair score (CLI): ${s(cli!.cpuMs)} CPU, peak RSS ${cli!.maxRssMb.toFixed(0)} MB (of which start-up: ${s(idle.cpuMs)} CPU, ${idle.maxRssMb.toFixed(0)} MB for \`score --help\`)`);
    console.log(`aligner alone:       ${s(alignMs)} CPU in-process`);
    if (sc) {
      const theirs = parseRsumTotals(sc.stdout);
      const same = JSON.stringify(theirs) === JSON.stringify(ours);
      console.log(`sclite -s:           ${s(sc.cpuMs)} CPU, peak RSS ${sc.maxRssMb.toFixed(0)} MB`);
      console.log(`totals sclite ${JSON.stringify(theirs)}\ntotals ours   ${JSON.stringify(ours)}\ntotals equal: ${same}`);
      console.log(`CLI CPU ratio sclite/asrfair:     ${(sc.cpuMs / cli!.cpuMs).toFixed(1)}× (goal ≥ ${utterances >= 1e6 ? 10 : 5}×)`);
      console.log(`CLI memory ratio sclite/asrfair:  ${(sc.maxRssMb / cli!.maxRssMb).toFixed(1)}× peak RSS (goal ≥ 10×)`);
      console.log(`aligner CPU ratio sclite/aligner: ${(sc.cpuMs / alignMs).toFixed(1)}×`);
      if (!same) {
        console.error('FAIL: totals differ from sclite');
        process.exitCode = 1;
      }
    } else {
      // Extrapolate sclite from a 100k-utterance run in this process's rounds.
      const n = 100_000;
      const sub = pairs.slice(0, n);
      const r100 = join(dir, 'ref100k.trn');
      const h100 = join(dir, 'hyp100k.trn');
      await writeTrn(r100, sub.map((p) => ({ id: p.id, text: p.ref.join(' ') })));
      await writeTrn(h100, sub.map((p) => ({ id: p.id, text: p.hyp.join(' ') })));
      const sc100 = measure(SCLITE, ['-s', '-r', r100, 'trn', '-h', h100, 'trn', '-i', 'rm', '-o', 'rsum', 'stdout']);
      const f = utterances / n;
      console.log(`sclite NOT RUN at ${utterances}: it would need ~${((utterances * 45e3) / 1e9).toFixed(0)} GB (free: ${(freemem() / 1e9).toFixed(0)} GB).`);
      console.log(`sclite at 100k: ${s(sc100.cpuMs)} CPU, ${sc100.maxRssMb.toFixed(0)} MB; linear EXTRAPOLATION ×${f}: ${s(sc100.cpuMs * f)} CPU, ${(sc100.maxRssMb * f).toFixed(0)} MB`);
      console.log(`CLI CPU ratio vs extrapolated sclite:    ${((sc100.cpuMs * f) / cli!.cpuMs).toFixed(1)}× (goal ≥ 10×)`);
      console.log(`CLI memory ratio vs extrapolated sclite: ${((sc100.maxRssMb * f) / cli!.maxRssMb).toFixed(1)}×`);
      console.log(`aligner CPU ratio vs extrapolated:       ${((sc100.cpuMs * f) / alignMs).toFixed(1)}×`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
