import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareAudio } from '../../src/audio/prepare.ts';
import { PocketSphinxBackend, defaultPocketSphinxOptions } from '../../src/backends/pocketsphinx.ts';
import { decodeEach } from '../../src/adapt/decode-queue.ts';

/**
 * Trial 19: adapt started every test decode at once on its 2 decoders, each with a 600 s timer made when it was
 * queued; on a loaded machine the last in the queue (child speaker 1404's 014040124 and 014040145) timed out while
 * waiting, and the 0–12 row lost them. Here: real speechocean762 clips of that speaker, one decoder process, and a
 * limit of 3 times the slowest decode and 12 decodes queued: queued at once with the timer at issue the last ones fail; `decodeEach` (the timer
 * from each decode's start) decodes them all.
 */
const data = new URL('../../../shared/data/speechocean762-sample/WAVE/SPEAKER1404/', import.meta.url).pathname;
const ids = ['014040089', '014040122', '014040148']; // speaker 1404's shortest clips (the trial's were 014040124, 014040145)
const dir = mkdtempSync(join(tmpdir(), 'asrfair-decode-timeout-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a decode timeout counts decoding, not the wait for a decoder', () => {
  it('decodes every queued utterance when each decode fits the limit', async () => {
    const audio = [];
    for (const id of ids) {
      const a = await prepareAudio({ id, audioPath: join(data, `${id}.WAV`) }, { cacheDir: dir });
      audio.push({ id, path: a.wav16k, wav16k: a.wav16k, sha256: a.sha256, durationSec: a.durationSec });
    }
    const b = new PocketSphinxBackend({ ...defaultPocketSphinxOptions(), processes: 1 });
    try {
      // One decode at a time, to know how long one takes on this machine now.
      await b.transcribe(audio[0], new AbortController().signal); // loads the model
      let slowest = 0;
      for (const a of audio) {
        const t0 = Date.now();
        await b.transcribe(a, new AbortController().signal);
        slowest = Math.max(slowest, Date.now() - t0);
      }
      // A limit each decode fits with room for the machine's load to change (3 × the slowest), and a queue (the three
      // clips four times: 12 decodes on one decoder) whose last item waits for 11 decodes, far beyond that limit.
      const limit = Math.round(3 * slowest) + 500;
      const queue = [...audio, ...audio, ...audio, ...audio];
      // The old way: every decode queued at once, each timer from its issue.
      const old = await Promise.allSettled(queue.map((a) => b.transcribe(a, AbortSignal.timeout(limit))));
      expect(old.filter((r) => r.status === 'rejected').length).toBeGreaterThan(0);
      expect(old.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toContainEqual(expect.stringMatching(/aborted \(TimeoutError/));
      // Timer from each decode's start: all decoded (after the model is loaded again: the old way killed the decoder).
      await b.transcribe(audio[0], new AbortController().signal);
      const texts = await decodeEach(queue, 1, limit, (a, _i, signal) => b.transcribe(a, signal).then((t) => t.text));
      expect(texts).toHaveLength(queue.length);
      expect(texts.every((t) => typeof t === 'string')).toBe(true);
    } finally {
      await b.close();
    }
  }, 600_000);
});

describe('the run engine never queues calls inside a backend (Backend.parallel)', () => {
  it('PocketSphinx works on as many calls as it has decoder processes; by-group on the fewest of its backends', async () => {
    const { ByGroupBackend } = await import('../../src/backends/by-group.ts');
    const two = new PocketSphinxBackend({ ...defaultPocketSphinxOptions(), processes: 2 });
    const one = new PocketSphinxBackend({ ...defaultPocketSphinxOptions(), processes: 1 });
    expect(two.parallel).toBe(2);
    expect(new ByGroupBackend('age', new Map([['0–12', two], ['18+', one]])).parallel).toBe(1);
  });
});
