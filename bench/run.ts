/**
 * Run-engine benchmark.
 *   1. Throughput: 5,000 utterances (distinct 0.1 s WAVs, real audio stage) through a loopback HTTP
 *      server answering after 200 ms, at concurrency 32. Ideal = N × latency / concurrency; goal ≥ 90%.
 *   2. Engine overhead per utterance: the same corpus through a backend that answers at once
 *      (manifest parse + audio hash + cache lookup + two SQLite commits + bookkeeping); goal < 2 ms.
 *   3. Memory: live heap (after GC) and peak RSS of a whole run at N = 5,000 vs N = 50,000 (fresh child
 *      process each, instant backend, synthetic prepared audio so only the engine is measured); goal:
 *      flat in N. Peak RSS also reflects when V8 chooses to collect; the live heap is the real measure.
 * Reference measured in the same process for (1): bare `fetch` from 32 workers against the same server,
 * so a loaded machine (timers firing late) is not mistaken for engine overhead.
 * Usage: node --import tsx bench/run.ts [--n 5000] [--latency 200] [--concurrency 32]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { parseSuite } from '../src/run/suite.ts';
import { RunStore } from '../src/run/store.ts';
import { runSuite } from '../src/run/engine.ts';
import { encodeWav16 } from '../src/audio/wav.ts';
import type { AudioRef, Backend, BackendInfo, Transcript } from '../src/backends/types.ts';
import { getNormaliser } from '../src/text/normalise.ts';

const args = process.argv.slice(2);
const arg = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};

const INFO: BackendInfo = { name: 'bench', version: '1', model: 'm', capabilities: { wordTimes: false, confidences: false, phones: false, glassBox: false, remote: true } };

class HttpBackend implements Backend {
  constructor(readonly key: string, private readonly url: string) {}
  async info() {
    return INFO;
  }
  async transcribe(audio: AudioRef, signal: AbortSignal): Promise<Transcript> {
    const res = await fetch(`${this.url}/?id=${audio.id}`, { method: 'POST', signal });
    return (await res.json()) as Transcript;
  }
}

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

async function throughput(n: number, latencyMs: number, concurrency: number) {
  const dir = mkdtempSync(join(tmpdir(), 'asrfair-bench-run-'));
  try {
    await corpus(dir, n);
    const server = createServer((req, res) => {
      req.resume();
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ text: 'hello world' }));
      }, latencyMs);
    });
    server.maxConnections = 1000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const suite = suiteFor(dir, concurrency);

    // Reference: the same number of calls from `concurrency` bare fetch workers, no engine.
    let next = 0;
    const tr = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < n) {
          next++;
          await (await fetch(`${url}/?id=ref`, { method: 'POST' })).json();
        }
      }),
    );
    const bare = (performance.now() - tr) / 1000;

    const store = new RunStore(join(dir, 'store.sqlite'));
    const t0 = performance.now();
    const s = await runSuite({ suite, normaliser: getNormaliser(suite.normaliser), store, backends: new Map([['b', new HttpBackend('http:1', url)]]), audioCacheDir: join(dir, 'cache') });
    const wall = (performance.now() - t0) / 1000;
    server.closeAllConnections();
    server.close();
    const ideal = (n * latencyMs) / 1000 / concurrency;
    console.log(`throughput: ${n} utterances, ${latencyMs} ms latency, concurrency ${concurrency}: ${wall.toFixed(2)} s (ideal ${ideal.toFixed(2)} s)`);
    console.log(`  achieved ${(n / wall).toFixed(1)} utt/s vs ideal ${(n / ideal).toFixed(1)} utt/s = ${((100 * ideal) / wall).toFixed(1)}% of ideal (goal ≥ 90%) ${ideal / wall >= 0.9 ? 'PASS' : 'MISS'}; ok ${s.cells[0].ok}`);
    console.log(`  reference (bare fetch, ${concurrency} workers, same server): ${bare.toFixed(2)} s = ${((100 * ideal) / bare).toFixed(1)}% of ideal; engine reaches ${((100 * bare) / wall).toFixed(1)}% of the bare-fetch throughput`);

    // Overhead: a fresh store (no cache hits), instant backend.
    const store2 = new RunStore(join(dir, 'store2.sqlite'));
    const t1 = performance.now();
    await runSuite({ suite, normaliser: getNormaliser(suite.normaliser), store: store2, backends: new Map([['b', new InstantBackend('instant:1')]]), audioCacheDir: join(dir, 'cache') });
    const per = (performance.now() - t1) / n;
    console.log(`engine overhead: ${per.toFixed(3)} ms per utterance (goal < 2 ms: ratio ${(per / 2).toFixed(2)}) ${per < 2 ? 'PASS' : 'MISS'}`);
    // Cached rerun: every result reused.
    const t2 = performance.now();
    await runSuite({ suite, normaliser: getNormaliser(suite.normaliser), store: store2, backends: new Map([['b', new InstantBackend('instant:1')]]), audioCacheDir: join(dir, 'cache') });
    console.log(`cached rerun: ${((performance.now() - t2) / n).toFixed(3)} ms per utterance`);
    store.close();
    store2.close();
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

function memory() {
  const results = [5_000, 50_000].map((n) => {
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', new URL(import.meta.url).pathname, '--mem-child', String(n)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { n: number; peakMb: number; heapMb: number[]; sec: number };
  });
  for (const r of results) {
    console.log(
      `memory: N=${r.n}: live heap after GC at each fifth ${r.heapMb.map((h) => h.toFixed(1)).join(' / ')} MB; peak RSS ${r.peakMb.toFixed(1)} MB (${r.sec.toFixed(1)} s, ${((1000 * r.sec) / r.n).toFixed(3)} ms/utt)`,
    );
  }
  const ratio = results[1].heapMb.at(-1)! / results[0].heapMb.at(-1)!;
  const rss = results[1].peakMb / results[0].peakMb;
  console.log(`  live heap ratio N=50k / N=5k = ${ratio.toFixed(2)}, peak RSS ratio ${rss.toFixed(2)}, for 10× the utterances (goal: flat, heap ratio ≤ 1.25) ${ratio <= 1.25 ? 'PASS' : 'MISS'}`);
}

if (args[0] === '--mem-child') {
  await memoryChild(Number(args[1]));
} else {
  await throughput(arg('n', 5000), arg('latency', 200), arg('concurrency', 32));
  memory();
}
