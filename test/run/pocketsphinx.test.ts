import { afterAll, describe, expect, it } from 'vitest';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSuite } from '../../src/run/engine.ts';
import { RunStore } from '../../src/run/store.ts';
import { exportRun } from '../../src/report/export-run.ts';
import { loadRunForReport } from '../../src/score/run-export.ts';
import { getBackendFactory } from '../../src/backends/index.ts';
import type { AudioRef, Backend } from '../../src/backends/types.ts';
import { suiteIn, tmp } from './helpers.ts';
import { getNormaliser } from '../../src/text/normalise.ts';

// Real human speech shipped by Debian's pocketsphinx-testdata (LibriVox, public domain).
const DATA = '/usr/share/pocketsphinx/test/data/librivox';
const UTTS = [
  { id: '0880', text: 'he was not an ill disposed young man' },
  { id: '0930', text: 'he might even have been made amiable himself' },
];

const dir = tmp('asrfair-ps-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Counts calls that reach the real backend. */
function counting(inner: Backend): Backend & { calls: number } {
  const b = {
    calls: 0,
    key: inner.key,
    info: () => inner.info(),
    transcribe(audio: AudioRef, signal: AbortSignal) {
      b.calls++;
      return inner.transcribe(audio, signal);
    },
    close: () => inner.close?.() ?? Promise.resolve(),
  };
  return b;
}

describe('run engine with the real PocketSphinx backend', () => {
  it('transcribes real speech clean and through a telephone channel, then reuses every result', async () => {
    writeFileSync(
      join(dir, 'manifest.jsonl'),
      UTTS.map((u, i) => JSON.stringify({ id: u.id, audio: `${DATA}/sense_and_sensibility_01_austen_64kb-${u.id}.wav`, text: u.text, speaker: 'reader', labels: { accent: i ? 'a' : 'b' } })).join('\n') + '\n',
    );
    const suite = suiteIn(
      dir,
      'name: ps\nmanifest: manifest.jsonl\nbackends:\n  - {name: sphinx, type: pocketsphinx, options: {processes: 1}}\nconditions:\n  - name: tel\n    steps: [{type: telephone}]\nconcurrency: 1\n',
    );
    const store = new RunStore(join(dir, 'store.sqlite'));
    const sphinx = counting(await getBackendFactory('pocketsphinx').create({ processes: 1 }, { baseDir: dir }));
    try {
      const s = await runSuite({ suite, normaliser: getNormaliser(suite.normaliser), store, backends: new Map([['sphinx', sphinx]]), audioCacheDir: join(dir, 'cache') });
      expect(s.status).toBe('done');
      expect(sphinx.calls).toBe(4);
      expect(s.cells.map((c) => c.ok)).toEqual([2, 2]);
      const out = join(dir, 'out');
      await exportRun(store, s.runId, out);
      const run = loadRunForReport(out);
      expect(run.meta.backends[0]).toMatchObject({ key: 'sphinx', name: 'sphinx' });
      expect(run.meta.conditions.map((c) => c.name)).toEqual(['clean', 'tel']);
      const clean = run.utterances.filter((u) => u.condition === 'clean');
      const words = clean.reduce((a, u) => a + u.words.ref, 0);
      const errors = clean.reduce((a, u) => a + u.words.sub + u.words.del + u.words.ins, 0);
      expect(words).toBe(16);
      // A real recogniser on real speech: mostly right, not perfect (Debian's batch WER on this set is ~28%).
      expect(errors / words).toBeLessThan(0.5);
      expect(clean.every((u) => u.hyp.split(' ').length >= 4)).toBe(true);
      expect(clean.every((u) => typeof u.snrDb === 'number' && u.durationSec! > 1)).toBe(true);
      // The telephone condition produced different audio (a different cache key), not a copy of clean.
      const shas = new Set([...store.iterateRun(s.runId)].map((i) => i.audioSha256));
      expect(shas.size).toBe(4);

      const again = await runSuite({ suite, normaliser: getNormaliser(suite.normaliser), store, backends: new Map([['sphinx', sphinx]]), audioCacheDir: join(dir, 'cache') });
      expect(sphinx.calls).toBe(4);
      expect(again.cells.map((c) => c.cached)).toEqual([2, 2]);
    } finally {
      await sphinx.close?.();
      store.close();
    }
  });
});
