import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { corpus, json, loopback, suiteIn, tmp, writeCorpus, ScriptedBackend, type LoopbackServer } from './helpers.ts';
import { GROUP_COMMIT_MAX, RunStore } from '../../src/run/store.ts';
import { runSuite } from '../../src/run/engine.ts';
import { getNormaliser } from '../../src/text/normalise.ts';
import { InputError } from '../../src/manifest/errors.ts';
import { loadRunForReport } from '../../src/score/run-export.ts';
import { cli } from '../attack/helpers.ts';

const STORE_TS = resolve('src/run/store.ts');

const dirs: string[] = [];
const servers: LoopbackServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function dir(prefix: string): string {
  const d = tmp(prefix);
  dirs.push(d);
  return d;
}

function storeRows(path: string): { ids: string[]; integrity: string } {
  const db = new Database(path);
  try {
    const ids = (db.prepare("SELECT raw_json FROM results WHERE status = 'ok'").all() as { raw_json: string }[]).map((r) => String(JSON.parse(r.raw_json).id));
    return { ids, integrity: String(db.pragma('integrity_check', { simple: true })) };
  } finally {
    db.close();
  }
}

/**
 * A process that queues results and kills itself with SIGKILL: 3 results committed by the group-commit timer,
 * GROUP_COMMIT_MAX committed at once when the queue reaches that size, then 5 still queued when it dies.
 */
const CHILD = `
import { RunStore, GROUP_COMMIT_MS, GROUP_COMMIT_MAX } from ${JSON.stringify(STORE_TS)};
const s = new RunStore(process.argv[2]);
const row = (i) => ({ backendKey: 'b:1', conditionKey: 'clean', audioSha256: String(i).padStart(64, '0'), status: 'ok', hypothesis: 'h' + i,
  words: null, phones: null, raw: { id: 'r' + i }, latencyMs: 1, costUsd: 0, durationSec: 1, error: null, retryable: false, attempts: 1 });
for (let i = 0; i < 3; i++) s.queueResult(row(i));
await new Promise((r) => setTimeout(r, GROUP_COMMIT_MS * 4));
for (let i = 3; i < 3 + GROUP_COMMIT_MAX + 5; i++) s.queueResult(row(i));
const last = 3 + GROUP_COMMIT_MAX + 4;
// The store reads its own queued writes.
process.stdout.write(JSON.stringify({ queuedVisible: s.getResult(row(last))?.hypothesis }) + '\\n');
process.kill(process.pid, 'SIGKILL');
`;

/** Loads a suite plugin that POSTs each utterance to the test's server and keeps the server's answer as raw. */
const PLUGIN = `
export default {
  type: 'http-test',
  options: { url: 'server URL' },
  async create(options) {
    return {
      key: 'http-test:v1',
      async info() { return { name: 'http-test', version: '1', model: 'echo', capabilities: { wordTimes: false, confidences: false, phones: false, glassBox: false, remote: true } }; },
      async transcribe(audio, signal) {
        const res = await fetch(options.url + '/t?id=' + encodeURIComponent(audio.id), { method: 'POST', signal });
        const body = await res.json();
        return { text: body.text, raw: body };
      },
    };
  },
};
`;


describe('group commit of the run store', () => {
  it('kill -9 loses only the queued batch: what the timer or the batch size committed stays', () => {
    const d = dir('asrfair-gc-');
    const script = join(d, 'child.mts');
    writeFileSync(script, CHILD);
    const store = join(d, 'store.sqlite');
    const r = spawnSync(process.execPath, ['--import', 'tsx', script, store], { encoding: 'utf8', cwd: resolve('.') });
    expect(r.signal, r.stderr).toBe('SIGKILL');
    expect(JSON.parse(r.stdout.trim())).toEqual({ queuedVisible: `h${3 + GROUP_COMMIT_MAX + 4}` });
    const { ids, integrity } = storeRows(store);
    expect(integrity).toBe('ok');
    // Exactly the committed ones: 3 by the timer, GROUP_COMMIT_MAX by size; the last 5 (the queued batch) are gone.
    expect(ids.sort()).toEqual(Array.from({ length: 3 + GROUP_COMMIT_MAX }, (_, i) => `r${i}`).sort());
  });

  it('a run killed with kill -9 right after answers arrive: the rerun calls exactly the utterances without a stored result', async () => {
    const N = 40;
    const K = 20;
    const answered = new Map<string, number>();
    let run1: ChildProcess | undefined;
    let total = 0;
    const held = new Set<import('node:http').ServerResponse>();
    const srv = await loopback((_req, res, id) => {
      if (run1 && total >= K) {
        held.add(res);
        return;
      }
      total++;
      res.on('finish', () => {
        answered.set(id, (answered.get(id) ?? 0) + 1);
        // Killed the moment the K-th answer leaves: no time for the client to commit what it just got.
        if (run1 && total === K && answered.size === K) run1.kill('SIGKILL');
      });
      json(res, 200, { text: `hello world number ${Number(id.slice(1))}`, id });
    });
    servers.push(srv);
    const d = dir('asrfair-gc-cli-');
    writeCorpus(d, corpus(N));
    writeFileSync(join(d, 'plugin.mjs'), PLUGIN);
    writeFileSync(
      join(d, 'suite.yaml'),
      `name: gc\nmanifest: manifest.jsonl\nplugins: [plugin.mjs]\nbackends:\n  - name: remote\n    type: http-test\n    options: { url: "${srv.url}" }\nconcurrency: 4\nretries: 0\nqc: false\n`,
    );
    const store = join(d, 'store.sqlite');
    const first = cli(['run', 'suite.yaml', '--store', store, '--no-progress'], d);
    run1 = first.child;
    const r1 = await first.done;
    expect(r1.signal).toBe('SIGKILL');
    for (const res of held) res.destroy();
    run1 = undefined;

    const { ids: stored, integrity } = storeRows(store);
    expect(integrity).toBe('ok');
    const answeredFirst = new Set(answered.keys());
    expect(answeredFirst.size).toBe(K);
    // Stored results are answers; what was answered but not stored is at most one batch.
    for (const id of stored) expect(answeredFirst.has(id)).toBe(true);
    const lost = [...answeredFirst].filter((id) => !stored.includes(id));
    expect(lost.length).toBeLessThanOrEqual(GROUP_COMMIT_MAX);

    const before = srv.requests.length;
    const second = cli(['run', 'suite.yaml', '--store', store, '--out', 'out', '--no-progress'], d);
    const r2 = await second.done;
    expect(r2.code, r2.err).toBe(0);
    const rerun = srv.requests.slice(before).map((q) => q.id).sort();
    // Exactly the utterances with no stored result: every stored one reused, every lost one called again.
    expect(rerun).toEqual(corpus(N).map((u) => u.id).filter((id) => !stored.includes(id)).sort());
    for (const id of lost) expect(answered.get(id)).toBe(2);
    for (const id of stored) expect(answered.get(id)).toBe(1);
    const run = loadRunForReport(join(d, 'out'));
    expect(run.utterances).toHaveLength(N);
    expect(run.utterances.every((u) => u.status === 'ok' && u.words.hits === u.words.ref)).toBe(true);
  });

  it('a batch lost in a transaction whose caller shrugs off errors (the heartbeat) fails the next write, not silently', () => {
    const d = dir('asrfair-gc-lost-');
    const store = new RunStore(join(d, 'store.sqlite'));
    try {
      const run = { runId: 'r', suiteName: 's', suitePath: 'p', suite: {}, corpusHash: 'h', toolVersion: 'v', normaliser: 'basic', normaliserVersion: '1', seed: 1, startedAt: 'now', outDir: null, meta: { backends: [], conditions: [] } };
      store.startRun(run, { owner: 'me' });
      const item = { runId: 'r', seq: 0, uttId: 'u0', backendName: 'b', backendKey: 'b:1', conditionName: 'clean', conditionKey: 'clean', audioSha256: 'a', error: null, utt: { id: 'u0', text: 'x', labels: {} } };
      store.putItem(item);
      const result = { backendKey: 'b:1', conditionKey: 'clean', audioSha256: 'a', status: 'ok' as const, hypothesis: 'x', words: null, phones: null, raw: null, latencyMs: 1, costUsd: 0, durationSec: 1, error: null, retryable: false, attempts: 1 };
      store.queueResult(result);
      store.queueItem(item); // the same key again, with no handler: the whole batch fails
      try {
        store.heartbeat('me', 'r', 1000);
      } catch {
        // as the engine's heartbeat does: the next beat tries again
      }
      expect(() => store.queueResult({ ...result, audioSha256: 'b' })).toThrow(/UNIQUE constraint failed: run_items/);
      expect(store.getResult(result)).toBeUndefined();
    } finally {
      store.close();
    }
  });

  it('the same utterance id in two manifests of one run is one error naming the second file:line, found at the batch commit', async () => {
    const d = dir('asrfair-gc-dup-');
    writeCorpus(d, corpus(3));
    copyFileSync(join(d, 'manifest.jsonl'), join(d, 'again.jsonl'));
    const suite = suiteIn(d, 'name: t\nmanifests: [manifest.jsonl, again.jsonl]\nbackends:\n  - {name: b, type: test}\nqc: false\n');
    const store = new RunStore(join(d, 'store.sqlite'));
    try {
      const backend = new ScriptedBackend('test:1', async (a) => ({ text: a.id }));
      const run = runSuite({ suite, store, normaliser: getNormaliser(suite.normaliser), backends: new Map([['b', backend]]), audioCacheDir: join(d, 'cache') });
      await expect(run).rejects.toThrow(InputError);
      await expect(run).rejects.toThrow(/again\.jsonl:1: duplicate utterance id "u0000": another manifest line of this run has it already/);
      expect(store.listRuns()[0]?.status).toBe('failed');
    } finally {
      store.close();
    }
  });
});
