import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ServerResponse } from 'node:http';
import Database from 'better-sqlite3';
import { corpus, json, loopback, tmp, writeCorpus, type LoopbackServer } from '../run/helpers.ts';

export const BIN = resolve('bin/asrfair.mjs');

/**
 * A backend type loaded as a suite plugin: POSTs each utterance to the test's loopback server, sending
 * its pid, so the server can tell two processes apart. Costs `cost` USD a call (estimate = actual).
 */
export const PLUGIN = `
export default {
  type: 'http-test',
  description: 'test backend calling a loopback HTTP server',
  options: { url: 'server URL', cost: 'USD per call' },
  env: [],
  async create(options) {
    const url = String(options.url);
    const cost = Number(options.cost ?? 0);
    return {
      key: 'http-test:v1',
      async info() { return { name: 'http-test', version: '1', model: 'echo', capabilities: { wordTimes: false, confidences: false, phones: false, glassBox: false, remote: true } }; },
      estimateCostUsd() { return cost; },
      async transcribe(audio, signal) {
        const res = await fetch(url + '/transcribe?id=' + encodeURIComponent(audio.id), { method: 'POST', signal, headers: { 'x-pid': String(process.pid) } });
        const body = await res.json();
        if (res.status !== 200) { const e = new Error('HTTP ' + res.status); e.name = 'BackendError'; e.retryable = res.status >= 500; throw e; }
        return { text: body.text, raw: body, costUsd: cost };
      },
    };
  },
};
`;

export interface Spawned {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: string | null; out: string; err: string }>;
}

/** The real CLI as a child process in `cwd`. */
export function cli(args: string[], cwd: string, env: Record<string, string> = {}): Spawned {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const done = new Promise<{ code: number | null; signal: string | null; out: string; err: string }>((r) => child.on('close', (code, signal) => r({ code, signal, out, err })));
  return { child, done };
}

export async function until(cond: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Rows of a query on a store opened read-only (empty when the store or table does not exist yet). */
export function query<T>(storePath: string, sql: string): T[] {
  if (!existsSync(storePath)) return [];
  try {
    const db = new Database(storePath, { readonly: true, fileMustExist: true });
    try {
      return db.prepare(sql).all() as T[];
    } finally {
      db.close();
    }
  } catch {
    return [];
  }
}

export interface Workspace {
  dir: string;
  store: string;
  texts: Map<string, string>;
}

/** A corpus of `n` utterances, the plugin and a suite `suite.yaml` calling `url` (each call timing out after `timeoutSec`). */
export function workspace(n: number, url: string, extra = '', cost = 0, timeoutSec = 30): Workspace {
  const dir = tmp('asrfair-attack-');
  const utts = corpus(n);
  writeCorpus(dir, utts);
  writeFileSync(join(dir, 'plugin.mjs'), PLUGIN);
  writeFileSync(
    join(dir, 'suite.yaml'),
    `name: attack\nmanifest: manifest.jsonl\nplugins: [plugin.mjs]\ngroupBy: [accent]\nbackends:\n  - name: remote\n    type: http-test\n    options: { url: "${url}", cost: ${cost} }\nconcurrency: 4\nretries: 0\ntimeoutSec: ${timeoutSec}\nqc: false\n${extra}`,
  );
  return { dir, store: join(dir, 'store.sqlite'), texts: new Map(utts.map((u) => [u.id, u.text])) };
}

/** Server log: every request's utterance id, the calling pid and the status answered. */
export interface Call {
  id: string;
  pid: string;
  status: number;
}

export interface Service {
  srv: LoopbackServer;
  calls: Call[];
  held: Set<ServerResponse>;
  /** Answer held requests and every later one. */
  open(): void;
}

/**
 * A recogniser service: answers `texts[id]` after `latencyMs`, or the status `fail(id, nth)` returns.
 * With `answerFirst`, only that many requests are answered, later ones held.
 * With `holdUntilPids`, requests are held until that many distinct processes have called (so two runs
 * really overlap); `open()` releases them.
 */
export async function service(
  texts: Map<string, string>,
  o: { latencyMs?: number; fail?: (id: string, nth: number) => number | undefined; holdUntilPids?: number; hold?: boolean; answerFirst?: number } = {},
): Promise<Service> {
  const calls: Call[] = [];
  const held = new Set<ServerResponse>();
  const pids = new Set<string>();
  let opened = !o.hold && !o.holdUntilPids && o.answerFirst === undefined;
  let started = 0;
  const queue: Array<() => void> = [];
  const srv = await loopback((req, res, id, nth) => {
    const pid = String(req.headers['x-pid'] ?? '');
    pids.add(pid);
    const answer = () => {
      held.delete(res);
      setTimeout(() => {
        const status = o.fail?.(id, nth) ?? 200;
        calls.push({ id, pid, status });
        if (status === 200) json(res, 200, { text: texts.get(id) ?? '' });
        else json(res, status, { error: 'try again' });
      }, o.latencyMs ?? 20);
    };
    if (!opened && o.holdUntilPids && pids.size >= o.holdUntilPids) s.open();
    if (opened || (o.answerFirst !== undefined && started < o.answerFirst)) {
      started++;
      answer();
    }
    else {
      held.add(res);
      queue.push(answer);
    }
  });
  const s: Service = {
    srv,
    calls,
    held,
    open() {
      opened = true;
      for (const a of queue.splice(0)) a();
    },
  };
  return s;
}

export function cleanup(dirs: string[], services: Service[]): Promise<void> {
  return (async () => {
    for (const s of services.splice(0)) {
      for (const r of s.held) r.destroy();
      await s.srv.close();
    }
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  })();
}

export { corpus };
