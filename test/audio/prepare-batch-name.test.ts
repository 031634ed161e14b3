import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareAudio } from '../../src/audio/prepare.ts';
import { checkBatchWav } from '../../src/backends/pocketsphinx-batch.ts';

/**
 * speechocean762 ships 16 kHz mono WAVs named `*.WAV`: the fast path handed them to pocketsphinx
 * as they were, and every glass stage failed ("pocketsphinx_batch expects a .wav file"). The same
 * for a path with a space. Prepared audio must always be a batch-readable `.wav` path.
 */
const dir = mkdtempSync(join(tmpdir(), 'asrfair-prep-name-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('prepared audio is always a pocketsphinx-readable .wav path', () => {
  // CI lays the shared real data at ../shared/data next to the checkout.
  const src = new URL('../../../shared/data/speechocean762-sample/WAVE/SPEAKER1030/010300003.WAV', import.meta.url).pathname;

  for (const name of ['010300003.WAV', 'with space.wav']) {
    it(`copies ${JSON.stringify(name)} into the cache with the same samples`, async () => {
      const p = join(dir, name);
      copyFileSync(src, p);
      const a = await prepareAudio({ id: 'u', audioPath: p }, { cacheDir: join(dir, 'cache') });
      expect(a.wav16k).toMatch(/\.wav$/);
      expect(a.wav16k).not.toMatch(/\s/);
      expect(() => checkBatchWav(a.wav16k)).not.toThrow();
      expect(readFileSync(a.wav16k).subarray(44)).toEqual(readFileSync(src).subarray(44));
    });
  }

  it('keeps the no-copy fast path for a canonical .wav', async () => {
    const p = join(dir, 'plain.wav');
    copyFileSync(src, p);
    expect((await prepareAudio({ id: 'u', audioPath: p }, { cacheDir: join(dir, 'cache') })).wav16k).toBe(p);
  });
});
