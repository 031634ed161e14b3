import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { editManifest, tmp, writeCorpus, suiteIn } from './helpers.ts';
import { RunStore } from '../../src/run/store.ts';
import { runSuite } from '../../src/run/engine.ts';
import { exportRun } from '../../src/report/export-run.ts';
import '../../src/backends/index.ts';
import { getNormaliser } from '../../src/text/normalise.ts';

describe('a suite bins numeric declared ages', () => {
  it('groups by the bin, keeps the raw age, and reports values it could not bin', async () => {
    const dir = tmp();
    writeCorpus(dir, [
      { id: 'c1', text: 'one two', speaker: 'kid1', accent: 'x' },
      { id: 'a1', text: 'three four', speaker: 'adult1', accent: 'x' },
      { id: 'u1', text: 'five six', speaker: 'other', accent: 'x' },
    ]);
    const ages: Record<string, string> = { c1: '7', a1: '43', u1: 'thirties' };
    editManifest(dir, (o) => {
      o.labels.age = ages[o.id];
    });
    writeFileSync(join(dir, 'hyps.tsv'), 'c1\tone two\na1\tthree for\nu1\tfive six\n');
    const suite = suiteIn(dir, `name: bins\nmanifest: manifest.jsonl\ngroupBy: [age]\nbins:\n  age: [0, 13, 18, 200]\nbackends:\n  - name: pre\n    type: hypotheses\n    options: { file: hyps.tsv }\nqc: false\n`);
    const store = new RunStore(join(dir, 'store.sqlite'));
    const logs: string[] = [];
    try {
      const s = await runSuite({ suite, normaliser: getNormaliser(suite.normaliser), store, qc: false, progress: { start() {}, tick() {}, stop() {}, log: (l) => logs.push(l), warn: (t) => logs.push(`warning: ${t}`) } });
      const out = join(dir, 'export');
      await exportRun(store, s.runId, out);
      const rows = readFileSync(join(out, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      const byId = Object.fromEntries(rows.map((r) => [r.id, r.labels]));
      expect(byId.c1).toMatchObject({ age: '0–12', age_raw: '7' });
      expect(byId.a1).toMatchObject({ age: '18–199', age_raw: '43' });
      expect(byId.u1).toMatchObject({ age: 'thirties' });
      expect(logs).toContain('bins: 1 "age" value not numeric, kept as declared: "thirties" ×1');
    } finally {
      store.close();
    }
  });
});
