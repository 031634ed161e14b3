// End to end: `asrfair run` with the aws-transcribe backend against the loopback Transcribe + S3 server;
// the AWS credentials must not appear in the store, stdout/stderr or the run export.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAwsServer, type AwsFakeServer } from '../helpers/aws-server.ts';
import { wavDurationSec } from '../helpers/openai-server.ts';
import { librivoxFixtures, type SpeechFixture } from './fixtures.ts';
import { cli, findLeaks, writeSuite } from './e2e-helpers.ts';

const CREDS = { accessKeyId: 'AKIAE2EUNIQUEKEY4242', secretAccessKey: 'e2e/UNIQUEawsE2Esecret/VALUE+9911', sessionToken: 'IQoE2EUNIQUEsessionTOKEN7777' };
let server: AwsFakeServer;
let dir: string;
let fx: SpeechFixture[];

beforeAll(async () => {
  server = await startAwsServer(CREDS);
  fx = librivoxFixtures();
  server.setResolver((wav) => {
    const d = wavDurationSec(wav);
    return fx.find((f) => d !== undefined && Math.abs(f.audio.durationSec - d) < 0.002)?.text;
  });
  dir = mkdtempSync(join(tmpdir(), 'asrfair-aws-e2e-'));
  writeSuite(dir, fx, [
    '  - name: transcribe',
    '    type: aws-transcribe',
    `    options: { region: ${server.region}, bucket: e2e-bucket, endpoint: "${server.url}", s3Endpoint: "${server.url}", pollIntervalMs: 10 }`,
  ]);
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('asrfair run with the aws-transcribe backend (loopback server)', () => {
  it('transcribes every utterance through S3 + Transcribe, retries throttling, leaves nothing behind and leaks no credentials', async () => {
    const env = {
      AWS_ACCESS_KEY_ID: CREDS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey,
      AWS_SESSION_TOKEN: CREDS.sessionToken,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PROFILE: '',
    };
    server.pushFault('StartTranscriptionJob', { kind: 'throttle', retryAfter: '1' });
    const run = await cli(dir, ['run', 'suite.yaml', '--store', 'store.sqlite', '--out', 'out', '--no-progress'], env);
    expect(run.code, run.stderr).toBe(0);
    const results = readFileSync(join(dir, 'out', 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { status: string; hyp: string; ref: string });
    expect(results.map((r) => r.status)).toEqual(fx.map(() => 'ok'));
    for (const r of results) expect(r.hyp).toBe(r.ref);
    expect(server.requests.filter((r) => r.op === 'StartTranscriptionJob')).toHaveLength(fx.length + 1);
    expect(server.requests.filter((r) => r.op !== 'GetTranscript').every((r) => r.signature === 'valid')).toBe(true);
    expect(server.objects.size).toBe(0);
    expect(server.jobs.size).toBe(0);
    const outputs = { 'run stdout': run.stdout, 'run stderr': run.stderr };
    expect(findLeaks(dir, outputs, [CREDS.secretAccessKey, CREDS.sessionToken, CREDS.accessKeyId, 'UNIQUEawsE2E', 'E2EUNIQUEsession'])).toEqual([]);
  });
});
