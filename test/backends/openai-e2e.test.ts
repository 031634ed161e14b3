// End to end: `asrfair run` with the openai backend against the loopback server, then `asrfair report`;
// the API key must not appear in the store, stdout/stderr, the run export or the report files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOpenAIServer, wavDurationSec, type OpenAIFakeServer } from '../helpers/openai-server.ts';
import { librivoxFixtures, type SpeechFixture } from './fixtures.ts';
import { cli, filesUnder, findLeaks, writeSuite } from './e2e-helpers.ts';

const SECRET = 'sk-e2e-UNIQUEopenaiE2EsecretVALUE-8830';
let server: OpenAIFakeServer;
let dir: string;
let fx: SpeechFixture[];

beforeAll(async () => {
  server = await startOpenAIServer(SECRET);
  fx = librivoxFixtures();
  // The audio stage re-encodes the WAVs, so the server recognises them by duration (distinct for these five).
  server.setResolver((wav) => {
    const d = wavDurationSec(wav);
    return fx.find((f) => d !== undefined && Math.abs(f.audio.durationSec - d) < 0.002)?.text;
  });
  dir = mkdtempSync(join(tmpdir(), 'asrfair-openai-e2e-'));
  writeSuite(dir, fx, ['  - name: whisper', '    type: openai', `    options: { baseURL: "${server.baseURL}", model: whisper-1, language: en }`]);
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('asrfair run with the openai backend (loopback server)', () => {
  it('retries a 429, records a 400 as failed, and never writes the API key anywhere', async () => {
    const env = { OPENAI_API_KEY: SECRET };
    // First call throttled (retried after Retry-After), second rejected with the key echoed in the message.
    server.pushFault({ kind: 'status', status: 429, retryAfter: '1' }, { kind: 'status', status: 400, message: `key ${SECRET} is not allowed for this audio` });
    const run = await cli(dir, ['run', 'suite.yaml', '--store', 'store.sqlite', '--out', 'out', '--no-progress'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(server.requests.length).toBe(fx.length + 1);
    expect(server.requests.every((r) => r.authorization === `Bearer ${SECRET}`)).toBe(true);
    expect(server.requests.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 400, 429]);
    const results = readFileSync(join(dir, 'out', 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(results).toHaveLength(fx.length);
    const texts = JSON.stringify(results);
    for (const f of fx.slice(2)) expect(texts).toContain(f.text);
    expect(texts).toContain('[redacted] is not allowed');

    const report = await cli(dir, ['report', 'out', '--out', 'out/report', '--format', 'md,html,csv,json'], env);
    expect(report.code, report.stderr).toBe(0);

    // A rerun sends nothing for finished rows (the 400 is not transient).
    const before = server.requests.length;
    const rerun = await cli(dir, ['run', 'suite.yaml', '--store', 'store.sqlite', '--out', 'out2', '--no-progress'], env);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(server.requests.length).toBe(before);

    const files = filesUnder(dir);
    expect(files.some((p) => p.endsWith('store.sqlite'))).toBe(true);
    expect(files.some((p) => p.endsWith('.html'))).toBe(true);
    const outputs = { 'run stdout': run.stdout, 'run stderr': run.stderr, 'report output': report.stdout + report.stderr, 'rerun output': rerun.stdout + rerun.stderr };
    expect(findLeaks(dir, outputs, [SECRET, 'UNIQUEopenaiE2E'])).toEqual([]);
  });
});
