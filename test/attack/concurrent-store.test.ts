/**
 * Issue 13, item 1: two `asrfair run` on one store. A stored ok result is never replaced by a failure;
 * a key in flight in one process is not called by another (leases), dead leases are reclaimed; one cost
 * budget per store across processes. Real child processes against a real HTTP service.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { RunStore } from '../../src/run/store.ts';
import { cleanup, cli, query, service, until, workspace, type Service } from './helpers.ts';
import { tmp } from '../run/helpers.ts';

const dirs: string[] = [];
const services: Service[] = [];
afterEach(() => cleanup(dirs, services));

const key = { backendKey: 'b', conditionKey: 'clean', audioSha256: 'a'.repeat(64) };
const result = (status: 'ok' | 'failed') => ({
  ...key, status, hypothesis: status === 'ok' ? 'hello' : null, words: null, phones: null, raw: null, latencyMs: 1,
  costUsd: 0, durationSec: 1, error: status === 'ok' ? null : 'HTTP 503', retryable: status === 'failed', attempts: 1,
});

describe('one store, several processes', () => {
  it('never replaces a stored ok result by a later failure (smallest input: ok then failed on one key)', () => {
    const dir = tmp('asrfair-attack-');
    dirs.push(dir);
    const store = new RunStore(join(dir, 's.sqlite'));
    store.putResult(result('ok'));
    const kept = store.putResult(result('failed'));
    expect(kept.status).toBe('ok');
    expect(store.getResult(key)?.hypothesis).toBe('hello');
    // A failure is still replaced by a later ok.
    store.putResult({ ...result('failed'), audioSha256: 'b'.repeat(64) });
    expect(store.putResult({ ...result('ok'), audioSha256: 'b'.repeat(64) }).status).toBe('ok');
    store.close();
  });

  it('two concurrent runs with a transient-failing service: each key called by one process at a time, no ok lost', async () => {
    const N = 24;
    const ws = workspace(N, 'http://127.0.0.1:1');
    dirs.push(ws.dir);
    // The first request for every third utterance fails with 503 (transient).
    const s = await service(ws.texts, { latencyMs: 30, holdUntilPids: 2, fail: (id, nth) => (Number(id.slice(1)) % 3 === 0 && nth === 1 ? 503 : undefined) });
    services.push(s);
    const ws2 = workspace(N, s.srv.url);
    dirs.push(ws2.dir);
    const a = cli(['run', 'suite.yaml', '--store', ws2.store, '--out', 'outA', '--no-progress'], ws2.dir);
    const b = cli(['run', 'suite.yaml', '--store', ws2.store, '--out', 'outB', '--no-progress'], ws2.dir);
    // A process that exits releases the hold: one that never called fails the pid assertion below instead of hanging.
    for (const p of [a, b]) void p.done.then(() => s.open());
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.err + rb.err).not.toMatch(/at .*\.ts:\d+/);
    expect([ra.code, rb.code]).toEqual([0, 0]);
    // Both processes really worked (the service held answers until both had called).
    expect(new Set(s.calls.map((c) => c.pid)).size).toBe(2);
    const perId = new Map<string, number>();
    for (const c of s.calls) perId.set(c.id, (perId.get(c.id) ?? 0) + 1);
    const failing = [...ws2.texts.keys()].filter((id) => Number(id.slice(1)) % 3 === 0);
    // At most once per key, except a transient failure that the other process (or a rerun) retries once.
    for (const [id, n] of perId) expect(n, id).toBeLessThanOrEqual(failing.includes(id) ? 2 : 1);
    expect(s.calls.length).toBeLessThanOrEqual(N + failing.length);
    // Every id the service answered with 200 is ok in the store.
    const rows = query<{ status: string; hypothesis: string | null }>(ws2.store, 'SELECT status, hypothesis FROM results');
    const okIds = new Set(s.calls.filter((c) => c.status === 200).map((c) => c.id));
    expect(rows.filter((r) => r.status === 'ok')).toHaveLength(okIds.size);
    expect(query(ws2.store, 'SELECT * FROM leases')).toHaveLength(0);
  });

  it('shares one --max-cost between two processes on the same store', async () => {
    const N = 40;
    const ws0 = workspace(N, 'http://127.0.0.1:1');
    dirs.push(ws0.dir);
    const s = await service(ws0.texts, { latencyMs: 30, holdUntilPids: 2 });
    services.push(s);
    // Held calls must outlast B's start-up on a loaded machine: a timed-out call would be a failure and a second call.
    const ws = workspace(N, s.srv.url, '', 0.01, 300);
    dirs.push(ws.dir);
    // The service answers nothing until both processes have called. Started together, whether they overlap depended
    // on which CLI came up first, and a process that made no call (exited early, or later than the other's 30 s call
    // timeout) left the other's calls held until they timed out, round after round: the test hung instead of
    // failing. So: B starts once A has its four calls in flight under lease, with 0.04 USD reserved in the store
    // (B must count them), and a process that exits releases the hold, so a missing caller is a failed assertion
    // below, never a hang.
    const a = cli(['run', 'suite.yaml', '--store', ws.store, '--out', 'outA', '--no-progress', '--max-cost', '0.1'], ws.dir);
    void a.done.then(() => s.open());
    await until(() => s.held.size === 4 || a.child.exitCode !== null, "A's four calls held", 90_000);
    expect(query<{ r: number }>(ws.store, 'SELECT SUM(reserved_usd) AS r FROM run_live')[0].r).toBeCloseTo(0.04, 10);
    const b = cli(['run', 'suite.yaml', '--store', ws.store, '--out', 'outB', '--no-progress', '--max-cost', '0.1'], ws.dir);
    void b.done.then(() => s.open());
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.err + rb.err).toContain('budget');
    expect([ra.code, rb.code]).toEqual([0, 0]);
    expect(new Set(s.calls.map((c) => c.pid)).size).toBe(2);
    // 0.01 USD a call, 0.10 USD for the store: ten calls in all, not ten per process.
    expect(s.calls.length).toBeLessThanOrEqual(10);
    const spent = query<{ s: number }>(ws.store, 'SELECT SUM(cost_usd) AS s FROM results')[0].s;
    expect(spent).toBeLessThanOrEqual(0.1 + 1e-9);
  });

  it('reclaims the leases of a process killed with kill -9 and marks its run interrupted', async () => {
    const N = 12;
    const ws0 = workspace(N, 'http://127.0.0.1:1');
    dirs.push(ws0.dir);
    const s = await service(ws0.texts, { latencyMs: 10, hold: true });
    services.push(s);
    const ws = workspace(N, s.srv.url);
    dirs.push(ws.dir);
    const a = cli(['run', 'suite.yaml', '--store', ws.store, '--no-progress'], ws.dir);
    await until(() => s.held.size === 4 && query(ws.store, 'SELECT * FROM leases').length === 4, 'four calls in flight under lease');
    a.child.kill('SIGKILL');
    await a.done;
    for (const r of s.held) r.destroy();
    s.open();
    const t0 = Date.now();
    const b = cli(['run', 'suite.yaml', '--store', ws.store, '--out', 'out', '--no-progress'], ws.dir);
    const rb = await b.done;
    expect(rb.code).toBe(0);
    // The dead process's leases were taken over at once (its pid is gone), not after their 30 s expiry.
    expect(Date.now() - t0).toBeLessThan(25_000);
    expect(rb.err).toMatch(/marked interrupted/);
    const runs = query<{ status: string }>(ws.store, 'SELECT status FROM runs ORDER BY started_at');
    expect(runs.map((r) => r.status)).toEqual(['interrupted', 'done']);
    expect(query<{ n: number }>(ws.store, "SELECT COUNT(*) AS n FROM results WHERE status = 'ok'")[0].n).toBe(N);
  });
});
