import { describe, expect, it } from 'vitest';
import { REDACTED, scrubString, secretValues, stripSecrets } from '../../src/backends/secrets.ts';
import { backoffDelayMs, classifyError, DEFAULT_RETRY } from '../../src/run/retry.ts';
import { BackendError } from '../../src/backends/types.ts';

describe('secret stripping', () => {
  const env = { OPENAI_API_KEY: 'sk-proj-abcdefghijklmnop', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCY', MY_SERVICE_TOKEN: 'tok-0123456789', HOME: '/root', SHORT_TOKEN: 'abc' };

  it('collects secret-bearing environment values only', () => {
    const v = secretValues(env);
    expect(v).toEqual(expect.arrayContaining([env.OPENAI_API_KEY, env.AWS_SECRET_ACCESS_KEY, env.MY_SERVICE_TOKEN]));
    expect(v).not.toContain('/root');
    expect(v).not.toContain('abc');
  });

  it('drops secret-named fields and scrubs secret values anywhere, keeping usage counters', () => {
    const raw = {
      text: 'hello',
      headers: { Authorization: 'Bearer sk-proj-abcdefghijklmnop', 'x-api-key': 'k', 'content-type': 'application/json' },
      request: { url: `https://x/?key=${env.OPENAI_API_KEY}`, body: [{ note: `secret ${env.AWS_SECRET_ACCESS_KEY}` }] },
      usage: { input_tokens: 12, output_tokens: 3, total_tokens: 15 },
      session_token: 'zzz',
    };
    const out = stripSecrets(raw, secretValues(env)) as typeof raw;
    expect(out.headers.Authorization).toBe(REDACTED);
    expect(out.headers['x-api-key']).toBe(REDACTED);
    expect(out.headers['content-type']).toBe('application/json');
    expect(out.session_token).toBe(REDACTED);
    expect(out.usage).toEqual(raw.usage);
    expect(JSON.stringify(out)).not.toContain(env.OPENAI_API_KEY);
    expect(JSON.stringify(out)).not.toContain(env.AWS_SECRET_ACCESS_KEY);
    expect(scrubString('auth failed: Bearer eyJhbGciOiJIUzI1NiJ9.x', [])).toBe(`auth failed: Bearer ${REDACTED}`);
  });
});

describe('retry policy', () => {
  it('full jitter grows exponentially up to the cap and never undercuts Retry-After', () => {
    const p = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([0, 1, 2, 3, 4, 5].map((a) => backoffDelayMs(a, p, undefined, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelayMs(3, p, undefined, () => 0)).toBe(0);
    expect(backoffDelayMs(0, p, 7, () => 0.5)).toBe(7000);
    expect(backoffDelayMs(5, p, 0.1, () => 1)).toBe(1000);
  });

  it('classifies errors', () => {
    expect(classifyError(new BackendError('throttled', true, 3, 429))).toEqual({ retryable: true, retryAfterSec: 3, status: 429 });
    expect(classifyError(new BackendError('bad key', false, undefined, 401)).retryable).toBe(false);
    expect(classifyError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })).retryable).toBe(true);
    expect(classifyError(new TypeError('fetch failed')).retryable).toBe(true);
    expect(classifyError(new Error('bug')).retryable).toBe(false);
  });
});
