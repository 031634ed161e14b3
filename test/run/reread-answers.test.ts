/**
 * Closing note of stop 26 ("noticed and left alone"): a remote backend's results are stamped with asrfair's code
 * version, so after an upgrade every stored OpenAI / Transcribe answer was paid for again, even when only the code
 * that reads answers changed. Now the stamp carries the request's own version (the request module's sources and the
 * SDK's version): a stored answer asked exactly as the current code would ask is read again by the current code, with
 * no call; one whose request differs is called again. Real speech (the librivox fixtures) through the loopback OpenAI
 * and Transcribe + S3 servers, via the CLI. "An upgrade" is made by editing the stamp stored in SQLite, as
 * test/run/older-code.test.ts does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startOpenAIServer, wavDurationSec, type OpenAIFakeServer } from '../helpers/openai-server.ts';
import { startAwsServer, type AwsFakeServer } from '../helpers/aws-server.ts';
import { librivoxFixtures, type SpeechFixture } from '../backends/fixtures.ts';
import { cli, writeSuite } from '../backends/e2e-helpers.ts';
import { requestVersionOf } from '../../src/backends/code-version.ts';

const SECRET = 'sk-reread-UNIQUEsecretVALUE-5521';
const AWS = { accessKeyId: 'AKIAREREADUNIQUE4242', secretAccessKey: 'reread/UNIQUEawsSecret/VALUE+1177', sessionToken: 'IQoREREADsessionTOKEN5555' };
const AWS_ENV = { AWS_ACCESS_KEY_ID: AWS.accessKeyId, AWS_SECRET_ACCESS_KEY: AWS.secretAccessKey, AWS_SESSION_TOKEN: AWS.sessionToken, AWS_EC2_METADATA_DISABLED: 'true', AWS_PROFILE: '' };
const OLD_ANSWERS = 'asrfair 0.0.1, source sha256 000000000000 (9 files)';

let fx: SpeechFixture[];
let openai: OpenAIFakeServer;
let aws: AwsFakeServer;
const dirs: string[] = [];
beforeAll(async () => {
  fx = librivoxFixtures();
  const byDuration = (wav: Buffer) => {
    const d = wavDurationSec(wav);
    return fx.find((f) => d !== undefined && Math.abs(f.audio.durationSec - d) < 0.002)?.text;
  };
  openai = await startOpenAIServer(SECRET);
  openai.setResolver(byDuration);
  aws = await startAwsServer(AWS);
  aws.setResolver(byDuration);
});
afterAll(async () => {
  await openai.close();
  await aws.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Row {
  audio_sha256: string;
  code_version: string;
  hypothesis: string;
  cost_usd: number;
}
function sql<T>(store: string, f: (db: Database.Database) => T): T {
  const db = new Database(store);
  try {
    return f(db);
  } finally {
    db.close();
  }
}
const rows = (store: string): Row[] => sql(store, (db) => db.prepare('SELECT audio_sha256, code_version, hypothesis, cost_usd FROM results ORDER BY audio_sha256').all() as Row[]);
const restamp = (store: string, stamp: string) => sql(store, (db) => db.prepare('UPDATE results SET code_version = ?').run(stamp));
const resultsOf = (dir: string, out: string) => readFileSync(join(dir, out, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; status: string; hyp: string });

async function scenario(name: string, backendLines: string[], env: Record<string, string>, calls: () => number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `asrfair-reread-${name}-`));
  dirs.push(dir);
  writeSuite(dir, fx, backendLines);
  const store = join(dir, 'store.sqlite');
  const run = (out: string, extra: string[] = []) => cli(dir, ['run', 'suite.yaml', '--store', 'store.sqlite', '--out', out, '--no-progress', '--no-gate', ...extra], env);

  const first = await run('out1');
  expect(first.code, first.stderr).toBe(0);
  const paid = calls();
  expect(paid).toBeGreaterThanOrEqual(fx.length);
  const made = rows(store);
  expect(made).toHaveLength(fx.length);
  const request = requestVersionOf(made[0].code_version);
  expect(request, made[0].code_version).toMatch(/^source sha256 [0-9a-f]{12} \(\d+ files\), /);

  // An upgrade that changed only the code reading answers: same request part, other answer part.
  restamp(store, `${OLD_ANSWERS}; request ${request}`);
  const dry = await run('dry', ['--dry-run']);
  expect(dry.code, dry.stderr).toBe(0);
  expect(dry.stderr).toMatch(new RegExp(`${fx.length} results made by an older asrfair would be read again from their stored answers by the current code, with no call and no cost`));
  expect(dry.stderr).not.toMatch(/decoded again/);
  const second = await run('out2');
  expect(second.code, second.stderr).toBe(0);
  expect(calls(), 'no call for a stored answer asked as the current code would ask').toBe(paid);
  expect(second.stderr).toMatch(new RegExp(`${fx.length} results made by an older asrfair were read again from their stored answers`));
  const reread = rows(store);
  expect(reread.map((r) => r.code_version)).toEqual(made.map((r) => r.code_version));
  expect(reread.map((r) => [r.hypothesis, r.cost_usd])).toEqual(made.map((r) => [r.hypothesis, r.cost_usd]));
  expect(resultsOf(dir, 'out2')).toEqual(resultsOf(dir, 'out1'));

  // A shard's own store is empty; the workspace store (read-only to it) holds the older answers: read again too, with
  // no call (before, only the shard's own store was read again, so every workspace answer was paid for again).
  restamp(store, `${OLD_ANSWERS}; request ${request}`);
  const shard = await run('out-shard', ['--shard', '1/1']);
  expect(shard.code, shard.stderr).toBe(0);
  expect(calls(), 'no call for a workspace answer a shard can read again').toBe(paid);
  expect(shard.stderr).toMatch(new RegExp(`${fx.length} results made by an older asrfair were read again from their stored answers`));
  expect(resultsOf(dir, 'out-shard').map((r) => [r.id, r.status, r.hyp])).toEqual(resultsOf(dir, 'out1').map((r) => [r.id, r.status, r.hyp]));
  expect(rows(store).map((r) => r.code_version), 'the workspace store is not written by a shard').toEqual(made.map(() => `${OLD_ANSWERS}; request ${request}`));

  // An upgrade that changed the request (another SDK, or our upload code): paid again, and said so.
  restamp(store, `${OLD_ANSWERS}; request source sha256 111111111111 (3 files), sdk 0.0.0`);
  const third = await run('out3');
  expect(third.code, third.stderr).toBe(0);
  expect(calls()).toBeGreaterThanOrEqual(paid + fx.length);
  expect(third.stderr).toMatch(new RegExp(`${fx.length} results made by an older asrfair were decoded again`));
  expect(third.stderr).not.toMatch(/read again/);

  // A stored answer the current code cannot read (no answer body kept): called again, never scored as empty.
  restamp(store, `${OLD_ANSWERS}; request ${request}`);
  sql(store, (db) => db.prepare("UPDATE results SET raw_json = '{}'").run());
  const before = calls();
  const fourth = await run('out4');
  expect(fourth.code, fourth.stderr).toBe(0);
  expect(calls()).toBeGreaterThanOrEqual(before + fx.length);
  expect(resultsOf(dir, 'out4')).toEqual(resultsOf(dir, 'out1'));
}

describe('remote backends: an upgrade that leaves the request alone reads stored answers again instead of paying again', () => {
  it('openai (loopback OpenAI server)', async () => {
    await scenario('openai', ['  - name: whisper', '    type: openai', `    options: { baseURL: "${openai.baseURL}", model: whisper-1, language: en }`], { OPENAI_API_KEY: SECRET }, () => openai.requests.length);
  }, 300_000);

  it('aws-transcribe (loopback Transcribe + S3 server)', async () => {
    const lines = ['  - name: transcribe', '    type: aws-transcribe', `    options: { region: ${aws.region}, bucket: rr-bucket, endpoint: "${aws.url}", s3Endpoint: "${aws.url}", pollIntervalMs: 10 }`];
    await scenario('aws', lines, AWS_ENV, () => aws.startedJobs.length);
  }, 300_000);
});
