// What a user reads when calls fail for good: `asrfair run` against loopback Transcribe/OpenAI servers speaking
// their wire protocols, and a hypotheses file missing rows. Each final failure is named (backend, utterance,
// attempts, last error) on one line; a backend whose every call failed ends the run with exit 1 and one line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAwsServer, type AwsFakeServer } from '../helpers/aws-server.ts';
import { startOpenAIServer, type OpenAIFakeServer } from '../helpers/openai-server.ts';
import { librivoxFixtures, type SpeechFixture } from './fixtures.ts';
import { cli, writeSuite } from './e2e-helpers.ts';

const CREDS = { accessKeyId: 'AKIAFAILMSGKEY000042', secretAccessKey: 'failmsg/SECRETvalue+0001', sessionToken: 'IQoFAILMSGtoken' };
const AWS_ENV = {
  AWS_ACCESS_KEY_ID: CREDS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey,
  AWS_SESSION_TOKEN: CREDS.sessionToken,
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_PROFILE: '',
};
let aws: AwsFakeServer;
let openai: OpenAIFakeServer;
let fx: SpeechFixture[];
const dirs: string[] = [];

function suiteDir(backendLines: string[]): string {
  const d = mkdtempSync(join(tmpdir(), 'asrfair-failmsg-'));
  dirs.push(d);
  writeSuite(d, fx, backendLines);
  return d;
}
const run = (d: string, env: Record<string, string>) => cli(d, ['run', 'suite.yaml', '--store', 'store.sqlite', '--out', 'out', '--no-progress'], env);
const lastLine = (s: string) => s.trim().split('\n').at(-1) ?? '';

beforeAll(async () => {
  aws = await startAwsServer(CREDS);
  openai = await startOpenAIServer('sk-failmsg-KEY');
  fx = librivoxFixtures().slice(0, 2);
});
afterAll(async () => {
  await aws.close();
  await openai.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const awsBackend = () => [
  '  - name: transcribe',
  '    type: aws-transcribe',
  `    options: { region: ${aws.region}, bucket: b, endpoint: "${aws.url}", s3Endpoint: "${aws.url}", pollIntervalMs: 10 }`,
];

describe('final call failures', () => {
  it('AWS throttling (HTTP 400 ThrottlingException) on every try: retried, each final failure named, exit 1 — not a configuration error', async () => {
    const d = suiteDir(awsBackend());
    aws.pushFault('StartTranscriptionJob', ...Array.from({ length: 6 }, () => ({ kind: 'throttle' as const, retryAfter: '0' })));
    const r = await run(d, AWS_ENV);
    expect(r.code, r.stderr).toBe(1);
    expect(aws.requests.filter((q) => q.op === 'StartTranscriptionJob')).toHaveLength(6); // 2 utterances × (1 + retries: 2)
    for (const i of [0, 1]) expect(r.stderr).toMatch(new RegExp(`^failed transcribe spk${i}-${i} after 3 attempts: aws-transcribe StartTranscriptionJob: ThrottlingException: Rate exceeded$`, 'm'));
    expect(lastLine(r.stderr)).toBe('asrfair: backend "transcribe": all 2 calls failed; last error: aws-transcribe StartTranscriptionJob: ThrottlingException: Rate exceeded');
    expect(r.stderr).not.toMatch(/HTTP 400|not calling it again/);
    // The SDK's Node ≥ 22 notice is not ours to print.
    expect(r.stderr).not.toMatch(/NodeVersionSupportWarning|node >=22/);
  });

  it('AWS malformed JSON on every try: one line per message, without the SDK\'s hidden-field advice; exit 1', async () => {
    const d = suiteDir(awsBackend());
    aws.pushFault('StartTranscriptionJob', ...Array.from({ length: 6 }, () => ({ kind: 'malformed' as const })));
    const r = await run(d, AWS_ENV);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).not.toMatch(/\$response|Deserialization error/);
    const lines = r.stderr.trim().split('\n');
    expect(lines.filter((l) => /malformed response/.test(l))).toHaveLength(2 * 2 + 2 + 1); // retries, final failures, closing line
    for (const l of lines) expect(l).toMatch(/^(retry|failed|asrfair:) /);
    expect(lastLine(r.stderr)).toMatch(/^asrfair: backend "transcribe": all 2 calls failed; last error: aws-transcribe StartTranscriptionJob: malformed response \(SyntaxError: .*\)$/);
  });

  it('OpenAI HTTP 500 on every try: exit 1 with one closing line instead of an empty table and exit 0', async () => {
    const d = suiteDir(['  - name: whisper', '    type: openai', `    options: { baseURL: "${openai.baseURL}", model: whisper-1, language: en }`]);
    openai.pushFault(...Array.from({ length: 6 }, () => ({ kind: 'status' as const, status: 500, retryAfter: '0' })));
    const r = await run(d, { OPENAI_API_KEY: 'sk-failmsg-KEY' });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^failed whisper spk1-1 after 3 attempts: .*HTTP 500/m);
    expect(lastLine(r.stderr)).toMatch(/^asrfair: backend "whisper": all 2 calls failed; last error: .*HTTP 500/);
  });

  it('a hypotheses file missing rows names each utterance it lacks on stderr; the run goes on for the others', async () => {
    const d = suiteDir(['  - name: vendor', '    type: hypotheses', '    options: { file: hyps.jsonl }']);
    writeFileSync(join(d, 'hyps.jsonl'), JSON.stringify({ id: 'spk0-0', text: fx[0].text }) + '\n');
    const r = await run(d, {});
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^failed vendor spk1-1 after 1 attempt: no hypothesis for id spk1-1 in .*hyps\.jsonl$/m);
    expect(r.stderr).not.toMatch(/spk0-0/);
  });
});
