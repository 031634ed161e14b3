import { describe, expect, it } from 'vitest';
import { describeRedis, jobIdOf, parseRedisUrl, shareableOptions } from '../../src/scaleout/queue.ts';
import { shardStorePath } from '../../src/scaleout/shard.ts';

describe('queue plumbing', () => {
  it('parses redis URLs with db, credentials and TLS, and never prints the password', () => {
    expect(parseRedisUrl('redis://10.0.0.5:6380/3')).toMatchObject({ host: '10.0.0.5', port: 6380, db: 3, tls: false });
    expect(parseRedisUrl('redis://localhost')).toMatchObject({ host: 'localhost', port: 6379, db: 0 });
    const t = parseRedisUrl('rediss://me:s3cr%40t@cache.example:7000/1');
    expect(t).toMatchObject({ username: 'me', password: 's3cr@t', tls: true, db: 1 });
    expect(describeRedis(t)).toBe('rediss://cache.example:7000/1');
    expect(() => parseRedisUrl('http://x:1')).toThrow(/redis:\/\//);
    expect(() => parseRedisUrl('redis://x:1/abc')).toThrow(/database/);
    expect(() => parseRedisUrl('not a url')).toThrow(/not a URL/);
  });

  it('derives a colon-free job id from the whole result key', () => {
    const k = { backendKey: 'command:sh:abc', conditionKey: 'clean', audioSha256: 'a'.repeat(64) };
    const id = jobIdOf(k);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(jobIdOf({ ...k })).toBe(id);
    expect(jobIdOf({ ...k, conditionKey: 'noise' })).not.toBe(id);
    expect(jobIdOf({ ...k, backendKey: 'command:sh:abd' })).not.toBe(id);
  });

  it('keeps credentials out of job data', () => {
    const o = shareableOptions({ model: 'whisper-1', apiKey: 'sk-live-1234567890', baseURL: 'http://127.0.0.1:1/v1', headers: { Authorization: 'Bearer abcdefghijkl' } });
    expect(o).toEqual({ model: 'whisper-1', baseURL: 'http://127.0.0.1:1/v1', headers: {} });
    expect(JSON.stringify(o)).not.toMatch(/sk-live|abcdefghijkl/);
  });

  it('names shard stores after the store path', () => {
    expect(shardStorePath('/w/.asrfair/store.sqlite', { index: 2, count: 3 })).toBe('/w/.asrfair/store.shard-2-of-3.sqlite');
    expect(shardStorePath('/w/db', { index: 1, count: 2 })).toBe('/w/db.shard-1-of-2.sqlite');
  });
});
