/**
 * `asrfair run` (the command users run: `node bin/asrfair.mjs run`, compiled `dist/`) against
 * references measured in the same process.
 *   1. Throughput: N utterances (distinct 0.1 s WAVs) through the `openai` backend pointed at a
 *      loopback OpenAI-compatible server answering after --latency ms, at --concurrency. Reference:
 *      the same number of bare `fetch` calls from as many workers against the same server. Printed:
 *      the command's wall time against the ideal N × latency / concurrency (goal ≥ 90 %), and its wall
 *      and CPU as ratios of the reference's (the server's CPU, in this process, counts in both).
 *   2. Overhead per utterance: the same corpus, the server answering at once, fresh store: the
 *      command's wall and CPU per utterance, start-up (`run` of one utterance) subtracted; goal < 2 ms.
 *      Second line: the engine alone in this process (runSuite, instant backend) and the ratio.
 *   3. Cached rerun: the command again on the same store (every result reused).
 *   4. Memory: peak RSS (GNU time) of the command on text-only corpora of --mem sizes (hypotheses
 *      backend: no audio, only engine, store and scoring); goal: flat in N. Second line: the engine's
 *      live heap after GC in a child process with synthetic prepared audio (the previous measure).
 * Usage: node --import tsx bench/run.ts [--n 2000] [--latency 200] [--concurrency 32] [--mem 5000,50000] [--no-inner]
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { spawnSync } from 'node:child_process';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { parseSuite } from '../src/run/suite.ts';
import { RunStore } from '../src/run/store.ts';
import { runSuite } from '../src/run/engine.ts';
import { encodeWav16 } from '../src/audio/wav.ts';
import type { AudioRef, Backend, BackendInfo, Transcript } from '../src/backends/types.ts';
import { getNormaliser } from '../src/text/normalise.ts';
import { BIN, ensureBuilt, timeCli } from './cli.ts';
import { stopwatch } from './cpu.ts';

const args = process.argv.slice(2);
const arg = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};

const INFO: BackendInfo = { name: 'bench', version: '1', model: 'm', capabilities: { wordTimes: false, confidences: false, phones: false, glassBox: false, remote: true } };

class InstantBackend implements Backend {
  constructor(readonly key: string) {}
  async info() {
    return INFO;
  }
  async transcribe(audio: AudioRef): Promise<Transcript> {
    return { text: `hello world ${audio.id}` };
  }
}

async function writeLines(file: string, n: number, line: (i: number) => string): Promise<void> {
  const w = createWriteStream(file);
  for (let i = 0; i < n; i++) if (!w.write(line(i) + '\n')) await once(w, 'drain');
  w.end();
  await once(w, 'finish');
}

function corpus(dir: string, n: number): Promise<void> {
  mkdirSync(join(dir, 'audio'), { recursive: true });
  for (let i = 0; i < n; i++) {
    const pcm = Buffer.alloc(3200);
    pcm.writeUInt32LE(i, 0);
    writeFileSync(join(dir, 'audio', `${i}.wav`), encodeWav16(pcm));
  }
  return writeLines(join(dir, 'manifest.jsonl'), n, (i) => JSON.stringify({ id: `u${i}`, audio: `audio/${i}.wav`, text: `hello world u${i}`, speaker: `s${i % 50}`, labels: { accent: `a${i % 5}` } }));
}

function suiteFor(dir: string, concurrency: number) {
  const text = `name: bench\nmanifest: manifest.jsonl\nqc: false\nbackends:\n  - {name: b, type: bench}\nconcurrency: ${concurrency}\nretries: 0\n`;
  return parseSuite(text, join(dir, 'suite.yaml'));
}

/** A loopback OpenAI-compatible server: POST …/audio/transcriptions answers {"text"} after `latencyMs`. */
async function fakeOpenAI(latencyMs: number): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ text: 'hello world' }));
      }, latencyMs),
    );
  });
  server.maxConnections = 1000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` };
}

function openaiSuite(dir: string, file: string, url: string, concurrency: number): string {
  const f = join(dir, file);
  writeFileSync(
    f,
    `name: bench\nmanifest: manifest.jsonl\nqc: false\nbackends:\n  - name: b\n    type: openai\n    options: { model: whisper-1, baseURL: "${url}", timestamps: false, uploadFormat: wav }\nconcurrency: ${concurrency}\nretries: 0\n`,
  );
  return f;
}

const sec = (x: number): string => `${x.toFixed(2)} s`;

async function throughput(n: number, latencyMs: number, concurrency: number, inner: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'asrfair-bench-run-'));
  // The loopback server checks nothing; the backend wants a key in its environment variable.
  process.env.OPENAI_API_KEY = 'sk-bench-loopback';
  try {
    await corpus(dir, n);
    const slow = await fakeOpenAI(latencyMs);
    const suite = openaiSuite(dir, 'suite.yaml', slow.url, concurrency);

    // Reference: the same number of calls from `concurrency` bare fetch workers, no engine.
    let next = 0;
    const wr = stopwatch();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < n) {
          next++;
          await (await fetch(`${slow.url}/audio/transcriptions`, { method: 'POST', body: 'x' })).json();
        }
      }),
    );
    const bare = wr();

    const run = await timeCli(['run', suite, '--store', join(dir, 'store.sqlite'), '--out', join(dir, 'out'), '--no-progress', '--no-gate'], { cwd: dir });
    slow.server.closeAllConnections();
    slow.server.close();
    const ideal = (n * latencyMs) / 1000 / concurrency;
    console.log(`throughput: asrfair run, ${n} utterances, openai backend on a loopback server answering after ${latencyMs} ms, concurrency ${concurrency}`);
    console.log(`  command ${sec(run.wall)} wall, ${sec(run.cpu)} CPU; ideal ${sec(ideal)}: ${((100 * ideal) / run.wall).toFixed(1)}% of ideal (goal ≥ 90%) ${ideal / run.wall >= 0.9 ? 'PASS' : 'MISS'}`);
    console.log(`  reference (bare fetch, ${concurrency} workers, same server, this process): ${sec(bare.wall)} wall, ${sec(bare.cpu)} CPU; command/reference wall ×${(run.wall / bare.wall).toFixed(2)}, CPU ×${(run.cpu / bare.cpu).toFixed(2)}`);

    // Overhead: the server answers at once, a fresh store (no cache hits); start-up measured on one utterance.
    const fast = await fakeOpenAI(0);
    const fastSuite = openaiSuite(dir, 'fast.yaml', fast.url, concurrency);
    const one = await timeCli(['run', fastSuite, '--store', join(dir, 'one.sqlite'), '--out', join(dir, 'one'), '--no-progress', '--no-gate', '--limit', '1'], { cwd: dir });
    const all = await timeCli(['run', fastSuite, '--store', join(dir, 'fast.sqlite'), '--out', join(dir, 'fast'), '--no-progress', '--no-gate'], { cwd: dir });
    const again = await timeCli(['run', fastSuite, '--store', join(dir, 'fast.sqlite'), '--out', join(dir, 'again'), '--no-progress', '--no-gate'], { cwd: dir });
    fast.server.closeAllConnections();
    fast.server.close();
    const perWall = (1000 * (all.wall - one.wall)) / (n - 1);
    const perCpu = (1000 * (all.cpu - one.cpu)) / (n - 1);
    console.log(`overhead: asrfair run with the server answering at once: ${sec(all.wall)} wall, ${sec(all.cpu)} CPU for ${n}; one utterance (start-up, scoring, export): ${sec(one.wall)} wall, ${sec(one.cpu)} CPU`);
    console.log(`  per utterance ${perWall.toFixed(3)} ms wall, ${perCpu.toFixed(3)} ms CPU (goal < 2 ms wall: ratio ${(perWall / 2).toFixed(2)}) ${perWall < 2 ? 'PASS' : 'MISS'}`);
    console.log(`cached rerun (every result reused): ${sec(again.wall)} wall, ${sec(again.cpu)} CPU; ×${(again.wall / all.wall).toFixed(2)} wall, ×${(again.cpu / all.cpu).toFixed(2)} CPU of the first run`);

    if (inner) {
      // The engine alone in this process: instant backend, fresh store, same corpus.
      const s = suiteFor(dir, concurrency);
      const store = new RunStore(join(dir, 'inner.sqlite'));
      const w = stopwatch();
      await runSuite({ suite: s, normaliser: getNormaliser(s.normaliser), store, backends: new Map([['b', new InstantBackend('instant:1')]]), audioCacheDir: join(dir, 'cache') });
      const e = w();
      store.close();
      const eWall = (1000 * e.wall) / n;
      console.log(`  inner loop (runSuite in this process, instant backend): ${eWall.toFixed(3)} ms wall, ${((1000 * e.cpu) / n).toFixed(3)} ms CPU per utterance; command/engine per utterance wall ×${(perWall / eWall).toFixed(2)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Child mode: one whole run of N utterances with synthetic audio; prints peak RSS in MB. */
async function memoryChild(n: number) {
  const dir = mkdtempSync(join(tmpdir(), 'asrfair-bench-mem-'));
  try {
    await writeLines(join(dir, 'manifest.jsonl'), n, (i) => JSON.stringify({ id: `u${i}`, audio: `audio/${i}.wav`, text: `hello world this is utterance number ${i}`, speaker: `s${i % 500}`, labels: { accent: `a${i % 5}` } }));
    const suite = suiteFor(dir, 32);
    const store = new RunStore(join(dir, 'store.sqlite'));
    let peak = 0;
    const sample = () => (peak = Math.max(peak, process.memoryUsage().rss));
    const timer = setInterval(sample, 20);
    const gc = (globalThis as { gc?: () => void }).gc!;
    const heap: number[] = [];
    let done = 0;
    const t0 = performance.now();
    await runSuite({
      suite,
      normaliser: getNormaliser(suite.normaliser),
      store,
      progress: {
        start() {},
        log() {},
        warn() {},
        stop() {},
        tick() {
          if (++done % Math.floor(n / 5) === 0) {
            gc();
            heap.push(process.memoryUsage().heapUsed / 2 ** 20);
          }
        },
      },
      backends: new Map([['b', new InstantBackend('instant:1')]]),
      prepare: async (e) => ({ id: e.id, path: e.audioPath, wav16k: e.audioPath, sha256: createHash('sha256').update(e.id).digest('hex'), durationSec: 1 }),
    });
    sample();
    clearInterval(timer);
    store.close();
    process.stdout.write(JSON.stringify({ n, peakMb: peak / 2 ** 20, heapMb: heap, sec: (performance.now() - t0) / 1000 }) + '\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Peak RSS (MB, GNU time) and wall/CPU of `asrfair run` on a text-only corpus of n utterances. */
async function cliMemory(n: number): Promise<{ n: number; peakMb: number; wall: number; cpu: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'asrfair-bench-mem-'));
  try {
    await writeLines(join(dir, 'manifest.jsonl'), n, (i) => JSON.stringify({ id: `u${i}`, text: `hello world this is utterance number ${i}`, speaker: `s${i % 500}`, labels: { accent: `a${i % 5}` } }));
    await writeLines(join(dir, 'hyp.jsonl'), n, (i) => JSON.stringify({ id: `u${i}`, text: `hello word this is utterance ${i}` }));
    writeFileSync(join(dir, 'suite.yaml'), 'name: mem\nmanifest: manifest.jsonl\nqc: false\nbackends:\n  - {name: h, type: hypotheses, options: {file: hyp.jsonl}}\nconcurrency: 32\n');
    const w = stopwatch();
    const r = spawnSync('/usr/bin/time', ['-v', process.execPath, BIN, 'run', 'suite.yaml', '--store', 's.sqlite', '--out', 'out', '--no-progress', '--no-gate'], { cwd: dir, encoding: 'utf8' });
    const c = w();
    if (r.status !== 0) throw new Error(`asrfair run failed: ${r.stderr.slice(-1500)}`);
    const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
    return { n, peakMb: Number(rss?.[1]) / 1024, ...c };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function memory(sizes: number[], inner: boolean) {
  const cli = [];
  for (const n of sizes) cli.push(await cliMemory(n));
  for (const r of cli) console.log(`memory: asrfair run, N=${r.n} text-only utterances (hypotheses backend): peak RSS ${r.peakMb.toFixed(1)} MB; ${sec(r.wall)} wall, ${sec(r.cpu)} CPU (${((1000 * r.wall) / r.n).toFixed(3)} ms/utt)`);
  const [lo, hi] = [cli[0]!, cli[cli.length - 1]!];
  console.log(`  peak RSS ratio N=${hi.n} / N=${lo.n} = ${(hi.peakMb / lo.peakMb).toFixed(2)} for ${(hi.n / lo.n).toFixed(0)}× the utterances (goal: flat, ≤ 1.25) ${hi.peakMb / lo.peakMb <= 1.25 ? 'PASS' : 'MISS'}; CPU per utterance ×${(hi.cpu / hi.n / (lo.cpu / lo.n)).toFixed(2)}`);
  if (!inner) return;
  const results = sizes.map((n) => {
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', new URL(import.meta.url).pathname, '--mem-child', String(n)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { n: number; peakMb: number; heapMb: number[]; sec: number };
  });
  const ratio = results[results.length - 1]!.heapMb.at(-1)! / results[0]!.heapMb.at(-1)!;
  console.log(
    `  inner loop (runSuite in a child, synthetic prepared audio): live heap after GC ${results.map((r) => `N=${r.n} ${r.heapMb.at(-1)!.toFixed(1)} MB`).join(', ')}: ratio ${ratio.toFixed(2)} (goal ≤ 1.25) ${ratio <= 1.25 ? 'PASS' : 'MISS'}`,
  );
}

if (args[0] === '--mem-child') {
  await memoryChild(Number(args[1]));
} else {
  // The command users run is the compiled one: build a stale dist/ first. Do not edit src/ meanwhile.
  ensureBuilt();
  const inner = !args.includes('--no-inner');
  const memArg = args.indexOf('--mem');
  const sizes = memArg >= 0 ? args[memArg + 1]!.split(',').map(Number) : [5_000, 50_000];
  console.log(`machine: load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}; ratios are to references run in this process`);
  await throughput(arg('n', 2000), arg('latency', 200), arg('concurrency', 32), inner);
  await memory(sizes, inner);
}
