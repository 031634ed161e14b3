import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { startOpenAIServer, type OpenAIFakeServer } from '../helpers/openai-server.ts';
import { corpus, tmp, wavBytes, writeCorpus } from './helpers.ts';

const BIN = resolve('bin/asrfair.mjs');
const KEY = 'sk-proj-RUNENGINE-e2e-7c1d9a0b3f5e';

function cli(args: string[], cwd: string): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, OPENAI_API_KEY: KEY }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  return new Promise((r) => child.on('close', (code) => r({ code, out, err })));
}

let server: OpenAIFakeServer | undefined;
let dir: string | undefined;
afterEach(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('asrfair run with the openai backend against a loopback OpenAI server', () => {
  it('retries a 429, scores every utterance, and keeps the API key out of store, output and export', async () => {
    server = await startOpenAIServer(KEY);
    dir = tmp('asrfair-openai-');
    const utts = corpus(6);
    writeCorpus(dir, utts);
    utts.forEach((u, i) => server!.setTranscript(createHash('sha256').update(wavBytes(i + 1)).digest('hex'), u.text));
    server.pushFault({ kind: 'status', status: 429, retryAfter: '1', message: `rate limited (key ${KEY})` });
    writeFileSync(
      join(dir, 'suite.yaml'),
      `name: oa\nmanifest: manifest.jsonl\nbackends:\n  - name: whisper\n    type: openai\n    options: { model: whisper-1, baseURL: "${server.baseURL}" }\nconcurrency: 2\nretries: 2\nqc: false\n`,
    );
    const dry = await cli(['run', 'suite.yaml', '--store', 's.sqlite', '--dry-run'], dir);
    expect(dry.code).toBe(0);
    // 6 × 0.1 s at $0.006/min.
    expect(dry.out).toMatch(/whisper +clean +6 +0 +6 +0 +0 +0\.000 +0\.0001/);
    expect(server.requests).toHaveLength(0);

    const r = await cli(['run', 'suite.yaml', '--store', 's.sqlite', '--out', 'out', '--no-progress'], dir);
    expect(r.code).toBe(0);
    expect(server.requests).toHaveLength(7);
    expect(server.requests.filter((q) => q.status === 429)).toHaveLength(1);
    expect(r.err).toMatch(/retry whisper u000\d after attempt 1 in 1\.\d s/);
    expect(r.out).toMatch(/\| whisper \| clean \| north \| 2 \| 3 \| 0 \| 12 \| 0\.0% \|/);

    const db = new Database(join(dir, 's.sqlite'));
    db.pragma('wal_checkpoint(TRUNCATE)');
    const attempts = db.prepare('SELECT attempts FROM results ORDER BY attempts DESC').all() as { attempts: number }[];
    expect(attempts.map((a) => a.attempts)).toEqual([2, 1, 1, 1, 1, 1]);
    db.close();
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => join(dir!, f)).filter((f) => statSync(f).isFile());
    for (const f of files) expect(readFileSync(f).includes(KEY), f).toBe(false);
    expect(dry.out + dry.err + r.out + r.err).not.toContain(KEY);
  });
});
