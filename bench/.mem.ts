import { mkdtempSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { parseSuite } from '../src/run/suite.ts';
import { RunStore } from '../src/run/store.ts';
import { runSuite } from '../src/run/engine.ts';
const n = Number(process.argv[2]);
const dir = mkdtempSync(join(tmpdir(), 'm-'));
const w = createWriteStream(join(dir, 'manifest.jsonl'));
for (let i = 0; i < n; i++) if (!w.write(JSON.stringify({ id: `u${i}`, audio: `a/${i}.wav`, text: `hello world ${i}`, speaker: `s${i % 500}`, labels: { accent: `a${i % 5}` } }) + '\n')) await once(w, 'drain');
w.end(); await once(w, 'finish');
const suite = parseSuite(`name: b\nmanifest: manifest.jsonl\nqc: false\nbackends: [{name: b, type: x}]\nconcurrency: 32\n`, join(dir, 's.yaml'));
const store = new RunStore(join(dir, 'store.sqlite'));
const marks: string[] = [];
let done = 0;
const g = globalThis as unknown as { gc: () => void };
await runSuite({ suite, store, backends: new Map([['b', { key: 'k', info: async () => ({ name: 'x', version: '1', model: 'm', capabilities: { wordTimes: false, confidences: false, phones: false, glassBox: false, remote: false } }), transcribe: async () => ({ text: 'x' }) }]]),
  prepare: async (e) => ({ id: e.id, path: e.audioPath, wav16k: e.audioPath, sha256: createHash('sha256').update(e.id).digest('hex'), durationSec: 1 }),
  progress: { start() {}, log() {}, stop() {}, tick() { if (++done % Math.floor(n / 5) === 0) { g.gc(); const m = process.memoryUsage(); marks.push(`${done}: heap ${(m.heapUsed / 2 ** 20).toFixed(1)} rss ${(m.rss / 2 ** 20).toFixed(1)} ext ${(m.external/2**20).toFixed(1)}`); } } } });
console.log(marks.join('\n'));
