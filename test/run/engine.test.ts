import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BackendError } from '../../src/backends/types.ts';
import { runSuite, type RunOptions } from '../../src/run/engine.ts';
import { RunStore } from '../../src/run/store.ts';
import { exportRun, dumpRun } from '../../src/report/export-run.ts';
import { loadRunForReport } from '../../src/score/run-export.ts';
import { corpus, delay, HttpBackend, json, loopback, ScriptedBackend, suiteIn, tmp, writeCorpus, type LoopbackServer } from './helpers.ts';
import { getNormaliser } from '../../src/text/normalise.ts';

const dirs: string[] = [];
const servers: LoopbackServer[] = [];
const stores: RunStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) s.close();
  for (const s of servers.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(n: number, extra = '', opts: { text?: (i: number) => string } = {}) {
  const dir = tmp();
  dirs.push(dir);
  writeCorpus(dir, corpus(n, opts.text));
  const suite = suiteIn(
    dir,
    `name: t\nmanifest: manifest.jsonl\ngroupBy: [accent]\nbackends:\n  - name: b\n    type: test\nconcurrency: 3\ntimeoutSec: 5\nretries: 2\n${extra}`,
  );
  const store = new RunStore(join(dir, 'store.sqlite'));
  stores.push(store);
  return { dir, suite, store };
}

function run(base: ReturnType<typeof setup>, backend: import('../../src/backends/types.ts').Backend, more: Partial<RunOptions> = {}) {
  return runSuite({
    suite: base.suite,
    normaliser: getNormaliser(base.suite.normaliser),
    store: base.store,
    backends: new Map([['b', backend]]),
    audioCacheDir: join(base.dir, 'cache'),
    retryPolicy: { baseDelayMs: 5, maxDelayMs: 50 },
    ...more,
  });
}

const echo = (text = (id: string) => `hello world ${id}`) => async (a: { id: string }) => ({ text: text(a.id) });

describe('run engine', () => {
  it('never has more calls in flight than the backend concurrency', async () => {
    const base = setup(24);
    const b = new ScriptedBackend('t:1', async (a) => {
      await delay(15);
      return { text: a.id };
    });
    const s = await run(base, b);
    expect(s.status).toBe('done');
    expect(b.calls).toBe(24);
    expect(b.maxActive).toBe(3);
    const b2 = new ScriptedBackend('t:2', async (a) => (await delay(10), { text: a.id }));
    await run(base, b2, { concurrency: 5 });
    expect(b2.maxActive).toBe(5);
  });

  it('honours Retry-After on 429 and then succeeds', async () => {
    const srv = await loopback((_req, res, id, nth) => {
      if (nth <= 2) json(res, 429, { error: 'slow down' }, { 'retry-after': '1' });
      else json(res, 200, { text: `hello world ${id}` });
    });
    servers.push(srv);
    const base = setup(2);
    const s = await run(base, new HttpBackend('http:1', srv.url), { random: () => 0 });
    expect(s.cells[0]).toMatchObject({ ok: 2, failed: 0, called: 2 });
    for (const id of ['u0000', 'u0001']) {
      const times = srv.requests.filter((r) => r.id === id).map((r) => r.at);
      expect(times).toHaveLength(3);
      // Full jitter with random()=0 would retry at once: the gaps come from Retry-After alone.
      expect(times[1] - times[0]).toBeGreaterThanOrEqual(950);
      expect(times[2] - times[1]).toBeGreaterThanOrEqual(950);
    }
    const row = [...base.store.iterateRun(s.runId)][0].result!;
    expect(row.attempts).toBe(3);
    expect(row.status).toBe('ok');
  });

  it('backs off exponentially on 5xx without Retry-After and gives up after the retries', async () => {
    const srv = await loopback((_req, res) => json(res, 503, { error: 'down' }));
    servers.push(srv);
    const base = setup(1, '', {});
    const s = await run(base, new HttpBackend('http:1', srv.url), { random: () => 1, retryPolicy: { baseDelayMs: 100, maxDelayMs: 1000 } });
    expect(s.cells[0]).toMatchObject({ ok: 0, failed: 1 });
    const t = srv.requests.map((r) => r.at);
    expect(t).toHaveLength(3); // 1 + retries: 2
    expect(t[1] - t[0]).toBeGreaterThanOrEqual(95); // 100 · 2^0 · random()=1
    expect(t[2] - t[1]).toBeGreaterThanOrEqual(195); // 100 · 2^1
    const item = [...base.store.iterateRun(s.runId)][0];
    expect(item.result).toMatchObject({ status: 'failed', attempts: 3, retryable: true });
    expect(item.result!.error).toContain('503');
  });

  it('does not retry 401 or 400 and records the failure', async () => {
    const srv = await loopback((_req, res, id) => (id === 'u0000' ? json(res, 401, { error: 'bad key' }) : json(res, 400, { error: 'bad audio' })));
    servers.push(srv);
    const base = setup(2);
    const s = await run(base, new HttpBackend('http:1', srv.url));
    expect(srv.requests).toHaveLength(2);
    expect(s.cells[0]).toMatchObject({ failed: 2, ok: 0, called: 2 });
    const rows = [...base.store.iterateRun(s.runId)].map((i) => i.result!);
    expect(rows.map((r) => r.attempts)).toEqual([1, 1]);
    expect(rows.map((r) => r.retryable)).toEqual([false, false]);
    expect(rows[0].error).toContain('401');
    expect(rows[1].error).toContain('400');
  });

  it('times out a hanging call through its AbortSignal and retries it', async () => {
    const srv = await loopback(() => undefined); // never answers
    servers.push(srv);
    const base = setup(1, '');
    const s = await runSuite({
      suite: { ...base.suite, timeoutSec: 0.3, retries: 1 },
      normaliser: getNormaliser(base.suite.normaliser),
      store: base.store,
      backends: new Map([['b', new HttpBackend('http:1', srv.url)]]),
      audioCacheDir: join(base.dir, 'cache'),
      retryPolicy: { baseDelayMs: 5 },
    });
    expect(srv.requests).toHaveLength(2);
    const r = [...base.store.iterateRun(s.runId)][0].result!;
    expect(r.status).toBe('failed');
    expect(r.error).toMatch(/timed out after 0\.3 s/);
    expect(r.retryable).toBe(true);
  });

  it('also times out a backend that ignores its signal', async () => {
    const base = setup(1);
    const b = new ScriptedBackend('t:1', () => new Promise(() => undefined));
    const s = await runSuite({ suite: { ...base.suite, timeoutSec: 0.2, retries: 0 }, normaliser: getNormaliser(base.suite.normaliser), store: base.store, backends: new Map([['b', b]]), audioCacheDir: join(base.dir, 'cache') });
    expect(s.cells[0]).toMatchObject({ failed: 1 });
  });

  it('records a missing audio file and a backend error per utterance and keeps going', async () => {
    const dir = tmp();
    dirs.push(dir);
    const utts = corpus(6);
    utts[2].audio = 'audio/does-not-exist.wav';
    writeCorpus(dir, utts);
    const suite = suiteIn(dir, 'name: t\nmanifest: manifest.jsonl\nbackends:\n  - {name: b, type: test}\nretries: 1\n');
    const store = new RunStore(join(dir, 's.sqlite'));
    stores.push(store);
    const b = new ScriptedBackend('t:1', async (a) => {
      if (a.id === 'u0004') throw new BackendError('engine crashed on this one', false);
      return { text: `hello world number ${a.id.slice(-1)}` };
    });
    const s = await runSuite({ suite, normaliser: getNormaliser(suite.normaliser), store, backends: new Map([['b', b]]), audioCacheDir: join(dir, 'cache') });
    expect(s.status).toBe('done');
    expect(s.cells[0]).toMatchObject({ total: 6, ok: 4, failed: 1, audioFailed: 1 });
    expect(b.seen).not.toContain('u0002');
    const items = [...store.iterateRun(s.runId)];
    expect(items).toHaveLength(6);
    const missing = items.find((i) => i.uttId === 'u0002')!;
    expect(missing.audioSha256).toBeNull();
    expect(missing.error).toMatch(/u0002.*does-not-exist\.wav/);
    expect(items.find((i) => i.uttId === 'u0004')!.result!.error).toContain('engine crashed');

    // Scored export: failures kept with status failed; ok rows scored against the reference.
    const out = join(dir, 'export');
    const e = await exportRun(store, s.runId, out);
    expect(e).toMatchObject({ rows: 6, failed: 2 });
    const loaded = loadRunForReport(out);
    expect(loaded.meta.runId).toBe(s.runId);
    expect(loaded.meta.normaliser.name).toBe('basic');
    const u0 = loaded.utterances.find((u) => u.id === 'u0000')!;
    expect(u0).toMatchObject({ status: 'ok', ref: 'hello world number 0', hyp: 'hello world number 0', words: { ref: 4, hits: 4, sub: 0, del: 0, ins: 0 } });
    expect(loaded.utterances.find((u) => u.id === 'u0002')).toMatchObject({ status: 'failed', words: { ref: 4, del: 4 } });
  });

  it('reuses every stored result on a rerun: zero backend calls', async () => {
    const base = setup(10);
    const first = new ScriptedBackend('t:1', echo());
    await run(base, first);
    expect(first.calls).toBe(10);
    const second = new ScriptedBackend('t:1', echo());
    const s = await run(base, second);
    expect(second.calls).toBe(0);
    expect(s.cells[0]).toMatchObject({ cached: 10, called: 0 });
    expect(base.store.countItems(s.runId)).toBe(10);
    // A different backend key (e.g. other model options) is a different cache.
    const other = new ScriptedBackend('t:other', echo());
    await run(base, other);
    expect(other.calls).toBe(10);
  });

  it('retries transient failures on a rerun but keeps permanent ones unless asked', async () => {
    const base = setup(4);
    const b1 = new ScriptedBackend('t:1', async (a) => {
      if (a.id === 'u0000') throw new BackendError('throttled', true, 0, 429);
      if (a.id === 'u0001') throw new BackendError('unsupported audio', false, undefined, 400);
      return { text: 'x' };
    });
    await run(base, b1, { retryPolicy: { baseDelayMs: 1, maxDelayMs: 1 } });
    const b2 = new ScriptedBackend('t:1', echo());
    await run(base, b2);
    expect(b2.seen).toEqual(['u0000']);
    const b3 = new ScriptedBackend('t:1', echo());
    await run(base, b3, { retryFailed: true });
    expect(b3.seen).toEqual(['u0001']);
  });

  it('sends identical audio once even when several utterances share it', async () => {
    const dir = tmp();
    dirs.push(dir);
    const utts = corpus(6).map((u, i) => ({ ...u, seed: i % 2 }));
    writeCorpus(dir, utts);
    const suite = suiteIn(dir, 'name: t\nmanifest: manifest.jsonl\nbackends:\n  - {name: b, type: test}\n');
    const store = new RunStore(join(dir, 's.sqlite'));
    stores.push(store);
    const b = new ScriptedBackend('t:1', async (a) => (await delay(20), { text: a.id }));
    const s = await runSuite({ suite, normaliser: getNormaliser(suite.normaliser), store, backends: new Map([['b', b]]), audioCacheDir: join(dir, 'cache') });
    expect(b.calls).toBe(2);
    expect(store.countItems(s.runId)).toBe(6);
  });

  it('stops before a call would exceed --max-cost', async () => {
    const base = setup(10, '', {});
    // 1600 samples = 0.1 s each; 10 USD per second → 1 USD per call.
    const b = new ScriptedBackend('t:1', async () => ({ text: 'x' }), 10);
    const s = await run(base, b, { maxCostUsd: 3.5, concurrency: 1 });
    expect(s.status).toBe('budget');
    expect(b.calls).toBe(3);
    expect(s.spentUsd).toBeCloseTo(3, 9);
  });

  it('dry run sends nothing and splits cached from to-do with hours and cost', async () => {
    const base = setup(8);
    const b = new ScriptedBackend('t:1', echo(), 0.01);
    await run(base, b, { limit: 3 });
    const dry = new ScriptedBackend('t:1', echo(), 0.01);
    const s = await run(base, dry, { dryRun: true });
    expect(dry.calls).toBe(0);
    expect(s.status).toBe('dry-run');
    expect(s.cells[0]).toMatchObject({ total: 8, cached: 3 });
    expect(s.cells[0].audioSecToDo).toBeCloseTo(0.5, 9);
    expect(s.cells[0].estCostUsd).toBeCloseTo(0.005, 9);
    expect(base.store.listRuns()).toHaveLength(1);
  });

  it('first stop lets calls in flight finish; nothing is lost and the rerun repeats nothing', async () => {
    const base = setup(30);
    const stop = new AbortController();
    const b = new ScriptedBackend('t:1', async (a, _s, n) => {
      if (n === 5) stop.abort();
      await delay(30);
      return { text: a.id };
    });
    const s = await run(base, b, { stop: stop.signal });
    expect(s.status).toBe('interrupted');
    const finished = b.calls;
    expect(finished).toBeGreaterThanOrEqual(5);
    expect(finished).toBeLessThan(30);
    expect(s.cells[0].ok).toBe(finished);
    // Every utterance of the manifest is counted: the ones never started are "not done", so the summary says what is left.
    expect(s.cells[0].total).toBe(30);
    expect(s.cells[0].skipped).toBe(30 - finished);
    const b2 = new ScriptedBackend('t:1', async (a) => ({ text: a.id }));
    await run(base, b2);
    expect(b2.calls).toBe(30 - finished);
    expect(new Set([...b.seen, ...b2.seen]).size).toBe(30);
  });

  it('hard stop abandons calls in flight without recording them', async () => {
    const base = setup(6);
    const hard = new AbortController();
    const stop = new AbortController();
    const b = new ScriptedBackend('t:1', async (_a, signal, n) => {
      if (n === 3) {
        stop.abort();
        hard.abort();
      }
      await delay(10_000, signal);
      return { text: 'never' };
    });
    const s = await run(base, b, { stop: stop.signal, hardStop: hard.signal });
    expect(s.status).toBe('interrupted');
    expect(s.cells[0].ok + s.cells[0].failed).toBe(0);
    expect(base.store.db.prepare('SELECT COUNT(*) AS n FROM results').get()).toEqual({ n: 0 });
    expect(base.store.integrityCheck()).toBe('ok');
  });

  it('rejects the same utterance id in two manifests of one run, naming the file and line', async () => {
    const dir = tmp();
    dirs.push(dir);
    const m = writeCorpus(dir, corpus(2));
    writeFileSync(join(dir, 'b.jsonl'), readFileSync(m, 'utf8').split('\n')[1] + '\n');
    const suite = suiteIn(dir, 'name: t\nmanifests: [manifest.jsonl, b.jsonl]\nbackends:\n  - {name: b, type: test}\n');
    const store = new RunStore(join(dir, 's.sqlite'));
    stores.push(store);
    const run = runSuite({ suite, normaliser: getNormaliser(suite.normaliser), store, backends: new Map([['b', new ScriptedBackend('t:1', echo())]]), audioCacheDir: join(dir, 'cache') });
    await expect(run).rejects.toThrow(/b\.jsonl:1: duplicate utterance id "u0001"/);
    expect(store.listRuns()[0].status).toBe('failed');
  });

  it('keeps secrets out of the store', async () => {
    const secret = 'sk-test-SECRET-9f8e7d6c5b4a';
    process.env.ASRFAIR_TEST_API_KEY = secret;
    try {
      const base = setup(2);
      const b = new ScriptedBackend('t:1', async (a) => {
        if (a.id === 'u0001') throw new BackendError(`401 for key ${secret}`, false, undefined, 401);
        return { text: 'ok', raw: { headers: { authorization: `Bearer ${secret}` }, echo: `key=${secret}`, usage: { input_tokens: 5 } } };
      });
      const s = await run(base, b);
      const rows = [...base.store.iterateRun(s.runId)];
      expect(JSON.stringify(rows)).not.toContain(secret);
      expect(rows[0].result!.raw).toMatchObject({ usage: { input_tokens: 5 } });
      base.store.db.pragma('wal_checkpoint(TRUNCATE)');
      expect(readFileSync(base.store.path).includes(secret)).toBe(false);
      const chunks: string[] = [];
      await dumpRun(base.store, s.runId, 'csv', { write: (c: string) => (chunks.push(c), true) } as unknown as NodeJS.WritableStream);
      expect(chunks.join('')).not.toContain(secret);
      expect(chunks[0]).toMatch(/^run_id,id,speaker/);
      expect(chunks).toHaveLength(3);
    } finally {
      delete process.env.ASRFAIR_TEST_API_KEY;
    }
  });
});
