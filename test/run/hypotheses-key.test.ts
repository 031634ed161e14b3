import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { tmp, writeCorpus, suiteIn } from './helpers.ts';
import { RunStore } from '../../src/run/store.ts';
import { runSuite } from '../../src/run/engine.ts';
import { silentProgress } from '../../src/run/progress.ts';
import '../../src/backends/index.ts';
import { getNormaliser } from '../../src/text/normalise.ts';

describe('precomputed hypotheses and identical audio', () => {
  it('keeps one result per utterance id even when two utterances share byte-identical audio', async () => {
    const dir = tmp();
    // u1 and u2 have the same audio seed, so byte-identical WAVs.
    writeCorpus(dir, [
      { id: 'u1', text: 'one two', speaker: 'a', accent: 'x', seed: 7 },
      { id: 'u2', text: 'three four', speaker: 'b', accent: 'y', seed: 7 },
    ]);
    writeFileSync(join(dir, 'hyps.tsv'), 'u1\tone two\nu2\tthree for\n');
    const suite = suiteIn(
      dir,
      `name: hyp\nkind: blackbox\nmanifest: manifest.jsonl\ngroupBy: [accent]\nbackends:\n  - name: pre\n    type: hypotheses\n    options: { file: hyps.tsv }\nnormaliser: basic\nqc: false\n`,
    );
    const store = new RunStore(join(dir, 'store.sqlite'));
    try {
      const summary = await runSuite({ suite, normaliser: getNormaliser(suite.normaliser), store, progress: silentProgress, qc: false });
      const rows = [...store.iterateRun(summary.runId)].map((r) => [r.uttId, r.result?.hypothesis]);
      expect(rows.sort()).toEqual([
        ['u1', 'one two'],
        ['u2', 'three for'],
      ]);
      // A rerun is served from the store, still per id.
      const again = await runSuite({ suite, normaliser: getNormaliser(suite.normaliser), store, progress: silentProgress, qc: false });
      expect(again.cells[0].cached).toBe(2);
      expect([...store.iterateRun(again.runId)].map((r) => r.result?.hypothesis).sort()).toEqual(['one two', 'three for']);
    } finally {
      store.close();
    }
  });
});
