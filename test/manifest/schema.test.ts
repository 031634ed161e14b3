import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadManifest } from '../../src/manifest/jsonl.ts';

function manifest(lines: object[]): string {
  const f = join(mkdtempSync(join(tmpdir(), 'schema-')), 'm.jsonl');
  writeFileSync(f, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return f;
}
const base = { id: 'u1', audio: 'a.wav', text: 'hello' };

describe('manifest schema: language and markup', () => {
  it('language is ISO 639-1 (two lower-case letters, optional region); "english" or "EN" is an error naming file:line', async () => {
    expect((await loadManifest(manifest([{ ...base, language: 'ta' }])))[0].language).toBe('ta');
    for (const bad of ['english', 'EN', 'eng', 'en_US']) {
      const f = manifest([base, { ...base, id: 'u2', language: bad }]);
      await expect(loadManifest(f)).rejects.toThrow(new RegExp(`m\\.jsonl:2: invalid utterance \\(id u2\\): language: language must be an ISO 639-1 code`));
    }
  });
  it('markup records a policy and whole non-negative counts', async () => {
    const ok = { ...base, markup: { policy: 'coraal', removed: 2, kinds: { redaction: 1, pause: 1 } } };
    expect((await loadManifest(manifest([ok])))[0].markup).toEqual(ok.markup);
    await expect(loadManifest(manifest([{ ...base, markup: { policy: 'coraal', removed: -1 } }]))).rejects.toThrow(/m\.jsonl:1: .*markup\.removed/);
    await expect(loadManifest(manifest([{ ...base, markup: { policy: 'coraal', removed: 1, kinds: { pause: 0.5 } } }]))).rejects.toThrow(/m\.jsonl:1: .*markup\.kinds\.pause/);
  });
});
