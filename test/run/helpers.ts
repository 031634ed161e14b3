import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav16 } from '../../src/audio/wav.ts';
import { BackendError, type AudioRef, type Backend, type BackendInfo, type Transcript } from '../../src/backends/types.ts';
import { parseSuite, type Suite } from '../../src/run/suite.ts';
import { listenLoopback } from '../helpers/loopback.ts';

export function tmp(prefix = 'asrfair-run-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A distinct, valid 16 kHz mono WAV of `samples` samples whose content depends on `seed`. */
export function wavBytes(seed: number, samples = 1600): Buffer {
  const pcm = Buffer.alloc(samples * 2);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < samples; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    pcm.writeInt16LE(((x >>> 0) % 2000) - 1000, i * 2);
  }
  return encodeWav16(pcm);
}

export interface TestUtt {
  id: string;
  text: string;
  speaker: string;
  accent: string;
  /** Audio seed (equal seeds give byte-identical audio); omit `audio` to get `audio/<id>.wav`. */
  seed?: number;
  audio?: string;
}

/** A corpus: WAVs under dir/audio and dir/manifest.jsonl. */
export function writeCorpus(dir: string, utts: TestUtt[], samples = 1600): string {
  mkdirSync(join(dir, 'audio'), { recursive: true });
  const lines: string[] = [];
  utts.forEach((u, i) => {
    const audio = u.audio ?? `audio/${u.id}.wav`;
    if (!u.audio) writeFileSync(join(dir, audio), wavBytes(u.seed ?? i + 1, samples));
    lines.push(JSON.stringify({ id: u.id, audio, text: u.text, speaker: u.speaker, labels: { accent: u.accent } }));
  });
  const file = join(dir, 'manifest.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** Rewrites every line of `dir`/manifest.jsonl through `edit` (e.g. to add labels or fields writeCorpus does not set). */
export function editManifest(dir: string, edit: (utt: Record<string, unknown> & { id: string; labels: Record<string, string> }) => void): void {
  const file = join(dir, 'manifest.jsonl');
  const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => {
    const o = JSON.parse(l);
    edit(o);
    return JSON.stringify(o);
  });
  writeFileSync(file, lines.join('\n') + '\n');
}

export function corpus(n: number, text = (i: number) => `hello world number ${i}`): TestUtt[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `u${String(i).padStart(4, '0')}`,
    text: text(i),
    speaker: `spk${i % 4}`,
    accent: i % 2 ? 'north' : 'south',
  }));
}

export function suiteIn(dir: string, yaml: string): Suite {
  const file = join(dir, 'suite.yaml');
  writeFileSync(file, yaml);
  return parseSuite(yaml, file);
}

const INFO: BackendInfo = {
  name: 'test',
  version: '1',
  model: 'm',
  capabilities: { wordTimes: false, confidences: false, phones: false, glassBox: false, remote: false },
};

/** The engine's own test double: a backend whose behaviour the test scripts, counting calls and concurrency. */
export class ScriptedBackend implements Backend {
  calls = 0;
  active = 0;
  maxActive = 0;
  readonly seen: string[] = [];
  constructor(
    readonly key: string,
    private readonly behave: (audio: AudioRef, signal: AbortSignal, call: number) => Promise<Transcript>,
    private readonly costPerSec?: number,
  ) {}
  async info(): Promise<BackendInfo> {
    return INFO;
  }
  async transcribe(audio: AudioRef, signal: AbortSignal): Promise<Transcript> {
    this.calls++;
    this.seen.push(audio.id);
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      return await this.behave(audio, signal, this.calls);
    } finally {
      this.active--;
    }
  }
  estimateCostUsd(durationSec: number): number {
    return this.costPerSec === undefined ? 0 : durationSec * this.costPerSec;
  }
}

export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/** A backend that POSTs each utterance to a loopback HTTP server and maps HTTP errors to BackendError. */
export class HttpBackend implements Backend {
  constructor(
    readonly key: string,
    private readonly url: string,
  ) {}
  async info(): Promise<BackendInfo> {
    return { ...INFO, capabilities: { ...INFO.capabilities, remote: true } };
  }
  async transcribe(audio: AudioRef, signal: AbortSignal): Promise<Transcript> {
    const res = await fetch(`${this.url}/transcribe?id=${encodeURIComponent(audio.id)}&sha=${audio.sha256}`, { method: 'POST', signal });
    const body = await res.text();
    if (res.status === 200) return { ...(JSON.parse(body) as { text: string }), raw: JSON.parse(body) as unknown };
    const ra = res.headers.get('retry-after');
    const retryable = res.status === 429 || res.status >= 500;
    throw new BackendError(`HTTP ${res.status}: ${body.slice(0, 200)}`, retryable, ra === null ? undefined : Number(ra), res.status);
  }
}

export interface LoopbackServer {
  url: string;
  /** Request log: utterance id and arrival time (ms, performance.now()). */
  requests: { id: string; at: number }[];
  close(): Promise<void>;
}

export async function loopback(handler: (req: IncomingMessage, res: ServerResponse, id: string, nth: number) => void): Promise<LoopbackServer> {
  const requests: { id: string; at: number }[] = [];
  const perId = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const id = new URL(req.url ?? '/', 'http://x').searchParams.get('id') ?? '';
    requests.push({ id, at: performance.now() });
    const nth = (perId.get(id) ?? 0) + 1;
    perId.set(id, nth);
    req.resume();
    req.on('end', () => handler(req, res, id, nth));
  });
  server.keepAliveTimeout = 1000;
  const listening = await listenLoopback(server);
  return { url: `http://127.0.0.1:${listening.port}`, requests, close: listening.close };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
