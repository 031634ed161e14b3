import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { corpus, json, loopback, tmp, writeCorpus, type LoopbackServer } from './helpers.ts';
import { loadRunForReport } from '../../src/score/run-export.ts';
import { cli as spawnCli, type Spawned } from '../attack/helpers.ts';

const SECRET = 'sk-live-CRASHTEST-0123456789abcdef';

/** A backend type loaded as a suite plugin: POSTs each utterance to the test's loopback server. */
const PLUGIN = `
export default {
  type: 'http-test',
  description: 'test backend calling a loopback HTTP server',
  options: { url: 'server URL' },
  env: ['TEST_SERVICE_API_KEY'],
  async create(options) {
    const url = String(options.url);
    return {
      key: 'http-test:v1',
      async info() { return { name: 'http-test', version: '1', model: 'echo', capabilities: { wordTimes: false, confidences: false, phones: false, glassBox: false, remote: true } }; },
      async transcribe(audio, signal) {
        const res = await fetch(url + '/transcribe?id=' + encodeURIComponent(audio.id), {
          method: 'POST', signal, headers: { authorization: 'Bearer ' + process.env.TEST_SERVICE_API_KEY },
        });
        const body = await res.json();
        if (res.status !== 200) { const e = new Error('HTTP ' + res.status); e.name = 'BackendError'; e.retryable = res.status >= 500; throw e; }
        return { text: body.text, raw: body };
      },
    };
  },
};
`;

interface Served {
  answered: Map<string, number>;
  srv: LoopbackServer;
  /** Requests held without an answer (the server stops answering once `gateAfter` were answered). */
  held: Set<import('node:http').ServerResponse>;
}

/** Answers after `latencyMs`, echoing the request's Authorization header back (a careless API would). */
async function server(texts: Map<string, string>, latencyMs: number, gate: { after: number }): Promise<Served> {
  const answered = new Map<string, number>();
  const held = new Set<import('node:http').ServerResponse>();
  let total = 0;
  const srv = await loopback((req, res, id) => {
    if (total >= gate.after) {
      held.add(res);
      return;
    }
    total++;
    setTimeout(() => {
      res.on('finish', () => answered.set(id, (answered.get(id) ?? 0) + 1));
      json(res, 200, { text: texts.get(id) ?? '', debug: { authorization: req.headers.authorization } });
    }, latencyMs);
  });
  return { answered, srv, held };
}

const cli = (args: string[], cwd: string): Spawned => spawnCli(args, cwd, { TEST_SERVICE_API_KEY: SECRET });

function okRows(storePath: string): number {
  if (!existsSync(storePath)) return 0;
  try {
    const db = new Database(storePath, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare("SELECT COUNT(*) AS n FROM results WHERE status = 'ok'").get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0; // schema not created yet
  }
}

async function until(cond: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

const dirs: string[] = [];
const servers: LoopbackServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function workspace(n: number, url: string) {
  const dir = tmp('asrfair-crash-');
  dirs.push(dir);
  const utts = corpus(n);
  writeCorpus(dir, utts);
  writeFileSync(join(dir, 'plugin.mjs'), PLUGIN);
  writeFileSync(
    join(dir, 'suite.yaml'),
    `name: crash\nmanifest: manifest.jsonl\nplugins: [plugin.mjs]\ngroupBy: [accent]\nbackends:\n  - name: remote\n    type: http-test\n    options: { url: "${url}" }\nconcurrency: 4\nretries: 0\ntimeoutSec: 30\nqc: false\n`,
  );
  return { dir, texts: new Map(utts.map((u) => [u.id, u.text])), store: join(dir, 'store.sqlite') };
}

describe('asrfair run as a child process', () => {
  it('loses nothing and repeats no finished call after kill -9', async () => {
    const N = 40;
    const gate = { after: 14 };
    const texts = new Map(corpus(N).map((u) => [u.id, u.text]));
    const s = await server(texts, 30, gate);
    servers.push(s.srv);
    const ws = workspace(N, s.srv.url);

    const first = cli(['run', 'suite.yaml', '--store', ws.store, '--no-progress'], ws.dir);
    // Kill only once every answered call is committed: then "nothing lost" is exact, not timing luck.
    await until(() => s.answered.size === gate.after && okRows(ws.store) === gate.after, 'the first answers to be committed');
    first.child.kill('SIGKILL');
    const r1 = await first.done;
    expect(r1.signal).toBe('SIGKILL');
    const db = new Database(ws.store);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect((db.prepare('SELECT COUNT(*) AS n FROM results').get() as { n: number }).n).toBe(gate.after);
    db.close();
    for (const res of s.held) res.destroy();
    s.held.clear();

    gate.after = Number.POSITIVE_INFINITY;
    const second = cli(['run', 'suite.yaml', '--store', ws.store, '--out', 'out', '--no-progress'], ws.dir);
    const r2 = await second.done;
    expect(r2.err).not.toMatch(/Error/);
    expect(r2.code).toBe(0);
    // Every utterance answered exactly once over both runs.
    expect(s.answered.size).toBe(N);
    expect([...s.answered.values()].every((c) => c === 1)).toBe(true);
    expect(r2.out).toMatch(/cached +called/);
    expect(r2.out).toContain(`run export: ${join(ws.dir, 'out')}`);
    expect(r2.out).toMatch(/\| remote \| clean \| north \| 2 \| 20 \| 0 \| 80 \| 0\.0% \|/);
    const run = loadRunForReport(join(ws.dir, 'out'));
    expect(run.utterances).toHaveLength(N);
    expect(run.utterances.every((u) => u.status === 'ok' && u.words.hits === u.words.ref)).toBe(true);

    // Secrets echoed by the server never reach the store, the output or the export.
    const db2 = new Database(ws.store);
    db2.pragma('wal_checkpoint(TRUNCATE)');
    db2.close();
    for (const f of [ws.store, ...filesUnder(join(ws.dir, 'out'))]) expect(readFileSync(f).includes(SECRET), f).toBe(false);
    expect(r1.out + r1.err + r2.out + r2.err).not.toContain(SECRET);
  });

  it('first Ctrl-C drains calls in flight and exits 130; the rerun finishes without repeats', async () => {
    const N = 30;
    const texts = new Map(corpus(N).map((u) => [u.id, u.text]));
    const s = await server(texts, 80, { after: Number.POSITIVE_INFINITY });
    servers.push(s.srv);
    const ws = workspace(N, s.srv.url);
    const first = cli(['run', 'suite.yaml', '--store', ws.store, '--no-progress'], ws.dir);
    await until(() => s.answered.size >= 8, 'some answers');
    first.child.kill('SIGINT');
    const r1 = await first.done;
    expect(r1.code).toBe(130);
    expect(r1.err).toContain('waiting up to');
    expect(r1.err).toContain('Run the same command again to resume');
    const stored = okRows(ws.store);
    // Drained: every request the server saw was answered and committed.
    expect(stored).toBe(s.srv.requests.length);
    expect(stored).toBeLessThan(N);

    const dry = cli(['run', 'suite.yaml', '--store', ws.store, '--dry-run'], ws.dir);
    const rd = await dry.done;
    expect(rd.code).toBe(0);
    expect(rd.out).toMatch(new RegExp(`remote +clean +${N} +${stored} +${N - stored} `));
    expect(s.srv.requests.length).toBe(stored);

    const second = cli(['run', 'suite.yaml', '--store', ws.store, '--no-progress'], ws.dir);
    const r2 = await second.done;
    expect(r2.code).toBe(0);
    expect(s.answered.size).toBe(N);
    expect([...s.answered.values()].every((c) => c === 1)).toBe(true);
    expect(r2.out).toMatch(/run export: .*reports\/crash\//);

    // Raw rows of the latest run, from the store alone.
    const csv = cli(['export', ws.store, '--format', 'csv'], ws.dir);
    const rc = await csv.done;
    expect(rc.code).toBe(0);
    const lines = rc.out.trim().split('\n');
    expect(lines[0]).toMatch(/^run_id,id,speaker,backend,condition,status/);
    expect(lines).toHaveLength(N + 1);
    expect(lines.slice(1).every((l) => /,remote,clean,ok,/.test(l))).toBe(true);
    expect(rc.out).not.toContain(SECRET);
  });
});
