import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAwsServer, type AwsFakeServer, type AwsTestCredentials } from '../helpers/aws-server.ts';
import { librivoxFixtures, type SpeechFixture, failure } from './fixtures.ts';
import { getBackendFactory } from '../../src/backends/index.ts';
import '../../src/backends/aws-transcribe.ts';
import { AwsTranscribeBackend, parseAwsTranscribeOptions } from '../../src/backends/aws-transcribe.ts';

const CREDS: AwsTestCredentials = {
  accessKeyId: 'AKIAUNIQUETESTKEY7788',
  secretAccessKey: 'wJalrXUtnFEMI/UNIQUEawsSECRETvalue/5521',
  sessionToken: 'IQoJUNIQUEawsSESSIONtokenVALUE0042',
};
const ENV_NAMES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_EC2_METADATA_DISABLED', 'AWS_REGION'] as const;
const saved: Record<string, string | undefined> = {};
let server: AwsFakeServer;
let fx: SpeechFixture[];
const backends: AwsTranscribeBackend[] = [];

function setCreds(c: AwsTestCredentials): void {
  process.env.AWS_ACCESS_KEY_ID = c.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = c.secretAccessKey;
  if (c.sessionToken) process.env.AWS_SESSION_TOKEN = c.sessionToken;
  else delete process.env.AWS_SESSION_TOKEN;
}

beforeAll(async () => {
  for (const n of ENV_NAMES) saved[n] = process.env[n];
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_REGION;
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  setCreds(CREDS);
  server = await startAwsServer(CREDS);
  fx = librivoxFixtures();
  for (const f of fx) server.setTranscript(f.audio.sha256, `${f.text[0].toUpperCase()}${f.text.slice(1)}.`);
});
afterAll(async () => {
  for (const b of backends) await b.close();
  await server.close();
  for (const n of ENV_NAMES) {
    if (saved[n] === undefined) delete process.env[n];
    else process.env[n] = saved[n];
  }
});
beforeEach(() => {
  server.requests.length = 0;
  server.setPollsUntilDone(1);
  setCreds(CREDS);
});

async function backend(options: Record<string, unknown> = {}): Promise<AwsTranscribeBackend> {
  const b = (await getBackendFactory('aws-transcribe').create(
    { region: server.region, bucket: 'asr-bucket', prefix: 'runs/x', endpoint: server.url, s3Endpoint: server.url, pollIntervalMs: 5, maxPollIntervalMs: 20, ...options },
    { baseDir: process.cwd() },
  )) as AwsTranscribeBackend;
  backends.push(b);
  return b;
}

function expectNoSecret(value: unknown): void {
  const s = typeof value === 'string' ? value : JSON.stringify(value);
  for (const v of [CREDS.secretAccessKey, CREDS.sessionToken!, CREDS.accessKeyId, 'UNIQUEaws', 'UNIQUETEST', 'FQoPRESIGNEDtokenVALUE', 'ab'.repeat(32)]) expect(s).not.toContain(v);
}

describe('aws-transcribe backend against a loopback Transcribe + S3 server', () => {
  it('uploads, starts, polls, fetches and cleans up, with valid SigV4 on every signed call', async () => {
    server.setPollsUntilDone(3);
    const b = await backend();
    const f = fx[1];
    const t = await b.transcribe(f.audio, new AbortController().signal);
    expect(t.text).toBe('He was not an ill disposed young man.');
    expect(t.words?.map((w) => w.word.toLowerCase())).toEqual(f.text.split(' '));
    expect(t.words?.every((w) => typeof w.confidence === 'number' && w.confidence > 0.8 && w.end > w.start)).toBe(true);
    expect(t.words?.at(-1)?.end).toBeCloseTo(f.audio.durationSec, 2);

    const ops = server.requests.map((r) => r.op);
    expect(ops.slice(0, 2)).toEqual(['PutObject', 'StartTranscriptionJob']);
    expect(ops.filter((o) => o === 'GetTranscriptionJob')).toHaveLength(4);
    expect(ops).toContain('GetTranscript');
    expect(new Set(ops.slice(-2))).toEqual(new Set(['DeleteTranscriptionJob', 'DeleteObject']));
    const signed = server.requests.filter((r) => r.op !== 'GetTranscript');
    expect(signed.map((r) => [r.op, r.signature, r.signatureProblem])).toEqual(signed.map((r) => [r.op, 'valid', undefined]));

    const put = server.requests[0];
    expect(put.path.split('?')[0]).toBe(`/asr-bucket/runs/x/${f.audio.sha256}.wav`);
    expect(put.bodyBytes).toBe(Math.round(f.audio.durationSec * 32000) + 44);
    const start = server.startedJobs.at(-1)!;
    expect(start.input).toMatchObject({ LanguageCode: 'en-US', MediaFormat: 'wav', MediaSampleRateHertz: 16000, Media: { MediaFileUri: `s3://asr-bucket/runs/x/${f.audio.sha256}.wav` } });
    expect(start.name).toMatch(new RegExp(`^asrfair-[0-9a-f]{12}-${f.audio.sha256.slice(0, 16)}-[0-9a-f]{8}$`));
    expect(server.deletedJobs).toContain(start.name);
    expect(server.objects.size).toBe(0);
    expect(server.jobs.size).toBe(0);

    expect(t.costUsd).toBeCloseTo(0.024 * (15 / 60), 10); // 2.9 s of audio bills the 15 s minimum
    expectNoSecret(t);
    expect(JSON.stringify(t.raw)).toContain('"COMPLETED"');
  });

  it('sends vocabulary and speaker-label settings and folds them into the key', async () => {
    const plain = await backend();
    const b = await backend({ vocabularyName: 'dialect-words', showSpeakerLabels: true, maxSpeakerLabels: 3, languageCode: 'en-GB' });
    expect(b.key).not.toBe(plain.key);
    expect(b.key).toMatch(/^aws-transcribe:standard-en-GB:[0-9a-f]{12}$/);
    expect((await backend({ pollIntervalMs: 99, prefix: 'other' })).key).toBe(plain.key);
    await b.transcribe(fx[0].audio, new AbortController().signal);
    expect(server.startedJobs.at(-1)!.input).toMatchObject({ LanguageCode: 'en-GB', Settings: { VocabularyName: 'dialect-words', ShowSpeakerLabels: true, MaxSpeakerLabels: 3 } });
    expect(b.estimateCostUsd(120)).toBeCloseTo(0.048, 10);
  });

  it('ThrottlingException and LimitExceededException (HTTP 400) are retryable; Retry-After is honoured', async () => {
    const b = await backend();
    server.pushFault('StartTranscriptionJob', { kind: 'throttle', retryAfter: '3' }, { kind: 'limit' });
    const e1 = await failure(b.transcribe(fx[0].audio, new AbortController().signal));
    expect(e1).toMatchObject({ retryable: true, retryAfterSec: 3, status: 400 });
    expect(e1.message).toContain('ThrottlingException');
    const e2 = await failure(b.transcribe(fx[0].audio, new AbortController().signal));
    expect(e2.retryable).toBe(true);
    expect(e2.message).toContain('LimitExceededException');
    // The uploaded object is removed even though the job never started.
    expect(server.objects.size).toBe(0);
    // SDK retries are off: one StartTranscriptionJob per call.
    expect(server.requests.filter((r) => r.op === 'StartTranscriptionJob')).toHaveLength(2);
  });

  it('5xx from Transcribe or S3 → retryable', async () => {
    const b = await backend();
    server.pushFault('GetTranscriptionJob', { kind: 'status', status: 500 });
    const e1 = await failure(b.transcribe(fx[0].audio, new AbortController().signal));
    expect(e1).toMatchObject({ retryable: true, status: 500 });
    server.pushFault('PutObject', { kind: 'status', status: 503 });
    const e2 = await failure(b.transcribe(fx[0].audio, new AbortController().signal));
    expect(e2).toMatchObject({ retryable: true, status: 503 });
    expect(server.jobs.size).toBe(0);
    expect(server.objects.size).toBe(0);
  });

  it('a FAILED job → error with the reason; media failures are not retryable', async () => {
    const b = await backend();
    server.pushFault('StartTranscriptionJob', { kind: 'job-failed', reason: 'The media format that you specified does not match the detected media format.' });
    const e = await failure(b.transcribe(fx[0].audio, new AbortController().signal));
    expect(e.retryable).toBe(false);
    expect(e.message).toMatch(/FAILED: The media format/);
    server.pushFault('StartTranscriptionJob', { kind: 'job-failed', reason: 'Internal failure. Please try again.' });
    expect((await failure(b.transcribe(fx[0].audio, new AbortController().signal))).retryable).toBe(true);
    expect(server.jobs.size).toBe(0);
  });

  it('malformed JSON from Transcribe or in the transcript file → retryable', async () => {
    const b = await backend();
    server.pushFault('StartTranscriptionJob', { kind: 'malformed' });
    const e1 = await failure(b.transcribe(fx[0].audio, new AbortController().signal));
    expect(e1.retryable).toBe(true);
    server.pushFault('GetTranscript', { kind: 'malformed' });
    const e2 = await failure(b.transcribe(fx[0].audio, new AbortController().signal));
    expect(e2.retryable).toBe(true);
    expect(e2.message).toMatch(/not valid JSON/);
    expectNoSecret(e2.message);
  });

  it('wrong secret → InvalidSignatureException, not retryable, no secret in the error', async () => {
    setCreds({ ...CREDS, secretAccessKey: 'wJalrXUtnFEMI/UNIQUEawsWRONGsecret/0000' });
    const b = await backend();
    const e = await failure(b.transcribe(fx[0].audio, new AbortController().signal));
    // S3 rejects the upload first.
    expect(e).toMatchObject({ retryable: false, status: 403 });
    expect(e.message).toMatch(/SignatureDoesNotMatch/);
    expectNoSecret(e.message);
    expect(e.message).not.toContain('UNIQUEawsWRONG');
    expect(server.requests[0].signature).toBe('invalid');
  });

  it('unknown access key → not retryable; keys never depend on credentials', async () => {
    const good = await backend();
    setCreds({ ...CREDS, accessKeyId: 'AKIAUNKNOWNKEY000000' });
    const b = await backend();
    const e = await failure(b.transcribe(fx[0].audio, new AbortController().signal));
    expect(e).toMatchObject({ retryable: false, status: 403 });
    expect(e.message).toMatch(/InvalidAccessKeyId/);
    expect(b.key).toBe(good.key);
    expect(b.key).not.toContain('AKIA');
  });

  it('an abort while polling ends the call promptly and still cleans up', async () => {
    server.setPollsUntilDone(1_000_000);
    const b = await backend({ pollIntervalMs: 20, maxPollIntervalMs: 50 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('per-call timeout')), 300);
    const e = await failure(b.transcribe(fx[0].audio, ac.signal));
    expect(e.retryable).toBe(true);
    expect(e.message).toMatch(/aborted \(per-call timeout\)/);
    expect(server.jobs.size).toBe(0);
    expect(server.objects.size).toBe(0);
  });

  it('a hanging transcript download is ended by the AbortSignal', async () => {
    const b = await backend();
    server.pushFault('GetTranscript', { kind: 'hang' });
    const e = await failure(b.transcribe(fx[0].audio, AbortSignal.timeout(500)));
    expect(e.retryable).toBe(true);
    expect(server.jobs.size).toBe(0);
  });

  it('validates options with clear messages', () => {
    expect(() => parseAwsTranscribeOptions({ region: 'eu-west-2' })).toThrow(/"bucket" is required/);
    expect(() => parseAwsTranscribeOptions({ bucket: 'b' })).toThrow(/"region" is required/);
    expect(() => parseAwsTranscribeOptions({ bucket: 'b', region: 'r', pollInterval: 3 })).toThrow(/unknown option.*pollInterval/);
    expect(() => parseAwsTranscribeOptions({ bucket: 'b', region: 'r', endpoint: 'localhost:9' })).toThrow(/"endpoint" must be an http/);
  });
});
