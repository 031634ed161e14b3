import { statSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startOpenAIServer, type OpenAIFakeServer } from '../helpers/openai-server.ts';
import { librivoxFixtures, type SpeechFixture, failure } from './fixtures.ts';
import { getBackendFactory } from '../../src/backends/index.ts';
import '../../src/backends/openai.ts';
import { OpenAIBackend, parseOpenAIOptions } from '../../src/backends/openai.ts';

const SECRET = 'sk-test-Zq8VUNIQUEopenaiSECRETvalue4417';
let server: OpenAIFakeServer;
let fx: SpeechFixture[];
const savedKey = process.env.OPENAI_API_KEY;

beforeAll(async () => {
  process.env.OPENAI_API_KEY = SECRET;
  server = await startOpenAIServer(SECRET);
  fx = librivoxFixtures();
  for (const f of fx) server.setTranscript(f.audio.sha256, f.text);
});
afterAll(async () => {
  await server.close();
  if (savedKey === undefined) delete process.env.OPENAI_API_KEY;
  else process.env.OPENAI_API_KEY = savedKey;
});
beforeEach(() => {
  server.requests.length = 0;
  process.env.OPENAI_API_KEY = SECRET;
});

async function backend(options: Record<string, unknown> = {}): Promise<OpenAIBackend> {
  return (await getBackendFactory('openai').create({ baseURL: server.baseURL, ...options }, { baseDir: process.cwd() })) as OpenAIBackend;
}

function expectNoSecret(value: unknown): void {
  const s = typeof value === 'string' ? value : JSON.stringify(value);
  expect(s).not.toContain(SECRET);
  expect(s).not.toContain('UNIQUEopenai');
}

describe('openai backend against a loopback server', () => {
  it('uploads the prepared audio as lossless FLAC (multipart, Bearer auth) and returns text with word times (whisper-1)', async () => {
    const b = await backend({ language: 'en', prompt: 'Austen', temperature: 0 });
    const f = fx[1];
    const t = await b.transcribe(f.audio, new AbortController().signal);
    expect(t.text).toBe(f.text);
    expect(t.words?.map((w) => w.word)).toEqual(f.text.split(' '));
    expect(t.words?.at(-1)?.end).toBeCloseTo(f.audio.durationSec, 2);
    const req = server.requests[0];
    expect(req.file?.sha256).toBe(f.audio.sha256);
    // The FLAC decodes to exactly the prepared WAV (same sha256) and is smaller.
    expect(req.file?.contentType).toBe('audio/flac');
    expect(req.file?.format).toBe('flac');
    expect(req.file!.bytes).toBeLessThan(statSync(f.audio.wav16k).size * 0.8);
    expect(req.fields.model).toEqual(['whisper-1']);
    expect(req.fields.response_format).toEqual(['verbose_json']);
    expect(req.fields['timestamp_granularities[]']).toEqual(['word']);
    expect(req.fields.language).toEqual(['en']);
    expect(req.fields.prompt).toEqual(['Austen']);
    expect(req.fields.temperature).toEqual(['0']);
    expect(t.costUsd).toBeCloseTo((f.audio.durationSec / 60) * 0.006, 8);
    expectNoSecret(t);
    expect((t.raw as { body: { text: string } }).body.text).toBe(f.text);
  });

  it('uses plain json for gpt-4o models and refuses timestamps for them', async () => {
    const b = await backend({ model: 'gpt-4o-mini-transcribe' });
    const t = await b.transcribe(fx[0].audio, new AbortController().signal);
    expect(t.text).toBe(fx[0].text);
    expect(t.words).toBeUndefined();
    expect(server.requests[0].fields.response_format).toEqual(['json']);
    expect(b.estimateCostUsd(60)).toBeCloseTo(0.003, 10);
    expect(() => parseOpenAIOptions({ model: 'gpt-4o-transcribe', timestamps: true })).toThrow(/gpt-4o-transcribe.*timestamps/);
    expect(() => parseOpenAIOptions({ modle: 'whisper-1' })).toThrow(/unknown option.*modle/);
  });

  it('keys depend on model and output-changing options, never on the API key', async () => {
    const a = await backend();
    const b = await backend({ language: 'en' });
    const c = await backend({ model: 'gpt-4o-transcribe' });
    const a2 = await backend({ apiKeyEnv: 'OTHER_OPENAI_KEY', priceUsdPerMinute: 0.01 });
    expect(new Set([a.key, b.key, c.key]).size).toBe(3);
    expect(a2.key).toBe(a.key);
    expect(a.key).toMatch(/^openai:whisper-1:[0-9a-f]{12}$/);
    expect(a2.estimateCostUsd(120)).toBeCloseTo(0.02, 10);
    // The server that answers is part of the key, whether named by option or by OPENAI_BASE_URL.
    const saved = process.env.OPENAI_BASE_URL;
    try {
      delete process.env.OPENAI_BASE_URL;
      const official = parseOpenAIOptions({});
      expect(official.baseURL).toBe('https://api.openai.com/v1');
      process.env.OPENAI_BASE_URL = server.baseURL;
      const viaEnv = new OpenAIBackend(parseOpenAIOptions({}));
      expect(viaEnv.key).toBe(a.key);
      expect(viaEnv.key).not.toBe(new OpenAIBackend(official).key);
      expect((await viaEnv.transcribe(fx[3].audio, new AbortController().signal)).text).toBe(fx[3].text);
    } finally {
      if (saved === undefined) delete process.env.OPENAI_BASE_URL;
      else process.env.OPENAI_BASE_URL = saved;
    }
  });

  it('429 with Retry-After → retryable with retryAfterSec; retry-after-ms wins', async () => {
    const b = await backend();
    server.pushFault({ kind: 'status', status: 429, retryAfter: '7' });
    const e1 = await failure(b.transcribe(fx[0].audio, new AbortController().signal));
    expect(e1).toMatchObject({ retryable: true, retryAfterSec: 7, status: 429 });
    server.pushFault({ kind: 'status', status: 429, retryAfter: '7', retryAfterMs: '1500' });
    const e2 = await failure(b.transcribe(fx[0].audio, new AbortController().signal));
    expect(e2.retryAfterSec).toBe(1.5);
    // The SDK must not retry by itself: exactly one request per call.
    expect(server.requests).toHaveLength(2);
  });

  it('5xx → retryable; 400 → not retryable', async () => {
    const b = await backend();
    server.pushFault({ kind: 'status', status: 500 }, { kind: 'status', status: 503 }, { kind: 'status', status: 400, message: 'bad audio' });
    expect(await failure(b.transcribe(fx[0].audio, new AbortController().signal))).toMatchObject({ retryable: true, status: 500 });
    expect(await failure(b.transcribe(fx[0].audio, new AbortController().signal))).toMatchObject({ retryable: true, status: 503 });
    const e = await failure(b.transcribe(fx[0].audio, new AbortController().signal));
    expect(e).toMatchObject({ retryable: false, status: 400 });
    expect(e.message).toContain('bad audio');
    expect(server.requests).toHaveLength(3);
  });

  it('401 with a wrong key → not retryable, and the key is not in the message', async () => {
    process.env.OPENAI_API_KEY = 'sk-wrong-Zq8VUNIQUEopenaiWRONGkey9931';
    const b = await backend();
    const e = await failure(b.transcribe(fx[0].audio, new AbortController().signal));
    expect(e).toMatchObject({ retryable: false, status: 401 });
    expect(e.message).toContain('Incorrect API key');
    expect(e.message).not.toContain('sk-wrong-Zq8VUNIQUEopenaiWRONGkey9931');
    expectNoSecret(e.message);
    expectNoSecret(e.stack);
  });

  it('missing key → clear non-retryable error, no request sent', async () => {
    delete process.env.OPENAI_API_KEY;
    const b = await backend();
    const e = await failure(b.transcribe(fx[0].audio, new AbortController().signal));
    expect(e.retryable).toBe(false);
    expect(e.message).toMatch(/OPENAI_API_KEY is not set/);
    expect(server.requests).toHaveLength(0);
  });

  it('apiKeyEnv names another variable', async () => {
    delete process.env.OPENAI_API_KEY;
    process.env.ASRFAIR_TEST_OPENAI_KEY = SECRET;
    try {
      const b = await backend({ apiKeyEnv: 'ASRFAIR_TEST_OPENAI_KEY' });
      expect((await b.transcribe(fx[2].audio, new AbortController().signal)).text).toBe(fx[2].text);
      expect(server.requests[0].authorization).toBe(`Bearer ${SECRET}`);
    } finally {
      delete process.env.ASRFAIR_TEST_OPENAI_KEY;
    }
  });

  it('a hanging server is ended by the AbortSignal → retryable', async () => {
    const b = await backend();
    server.pushFault({ kind: 'hang' });
    // Abort 400 ms after the server has the request (the FLAC encoding before it can take longer on a loaded
    // machine; aborting earlier would leave the hang queued for the next test's request).
    const n = server.requests.length;
    const ac = new AbortController();
    const poll = setInterval(() => {
      if (server.requests.length > n) {
        clearInterval(poll);
        setTimeout(() => ac.abort(new Error('per-call timeout')), 400);
      }
    }, 10);
    const started = Date.now();
    const e = await failure(b.transcribe(fx[0].audio, ac.signal));
    clearInterval(poll);
    expect(server.requests.length).toBe(n + 1);
    expect(e.retryable).toBe(true);
    expect(e.message).toMatch(/aborted/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('malformed JSON and a body without text → retryable errors naming the problem', async () => {
    const b = await backend();
    server.pushFault({ kind: 'malformed' }, { kind: 'no-text' });
    const e1 = await failure(b.transcribe(fx[0].audio, new AbortController().signal));
    expect(e1.retryable).toBe(true);
    expect(e1.message).toMatch(/malformed/);
    const e2 = await failure(b.transcribe(fx[0].audio, new AbortController().signal));
    expect(e2.message).toMatch(/no "text"/);
  });

  it('connection refused → retryable', async () => {
    const dead = await startOpenAIServer(SECRET);
    const url = dead.baseURL;
    await dead.close();
    const b = await backend({ baseURL: url });
    const e = await failure(b.transcribe(fx[0].audio, new AbortController().signal));
    expect(e.retryable).toBe(true);
    expect(e.message).toMatch(/connection/);
  });
});
