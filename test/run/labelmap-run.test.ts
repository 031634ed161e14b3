import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { editManifest, tmp, writeCorpus, suiteIn } from './helpers.ts';
import { RunStore } from '../../src/run/store.ts';
import { runSuite } from '../../src/run/engine.ts';
import { silentProgress } from '../../src/run/progress.ts';
import '../../src/backends/index.ts';
import { getNormaliser } from '../../src/text/normalise.ts';

describe("a suite's label map at run time", () => {
  it('maps each of several declared accents ("a|b", Common Voice) like the importer, not the joined string', async () => {
    const dir = tmp();
    writeCorpus(dir, [
      { id: 'u1', text: 'one', speaker: 'a', accent: 'x' },
      { id: 'u2', text: 'two', speaker: 'b', accent: 'x' },
      { id: 'u3', text: 'three', speaker: 'c', accent: 'x' },
    ]);
    const raw: Record<string, string> = { u1: 'England English|Scottish English', u2: 'Scottish English', u3: 'Southern African (South Africa, Zimbabwe, Namibia)' };
    editManifest(dir, (o) => {
      o.labels = { accent_raw: raw[o.id] };
    });
    writeFileSync(join(dir, 'map.yaml'), 'accent:\n  "England English": england\n  "Scottish English": scottish\n  "Southern African (South Africa, Zimbabwe, Namibia)": southern-african\n');
    writeFileSync(join(dir, 'hyps.tsv'), 'u1\tone\nu2\ttwo\nu3\tthree\n');
    const suite = suiteIn(dir, `name: lm\nmanifest: manifest.jsonl\nlabelMap: map.yaml\nbackends:\n  - name: pre\n    type: hypotheses\n    options: { file: hyps.tsv }\nqc: false\n`);
    const store = new RunStore(join(dir, 'store.sqlite'));
    try {
      const s = await runSuite({ suite, normaliser: getNormaliser(suite.normaliser), store, progress: silentProgress, qc: false });
      const groups = Object.fromEntries([...store.iterateRun(s.runId)].map((r) => [r.uttId, r.utt.labels.accent]));
      expect(groups).toEqual({ u1: 'england+scottish', u2: 'scottish', u3: 'southern-african' });
    } finally {
      store.close();
    }
  });
});
