import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARTIE, ARTIE_EN_US } from '../helpers/artie-suite.ts';
import { loadSuite } from '../../src/run/suite.ts';
import { suiteLabeller } from '../../src/run/labels.ts';
import { RunStore } from '../../src/run/store.ts';
import { runSuite } from '../../src/run/engine.ts';
import { exportRun } from '../../src/report/export-run.ts';
import { getNormaliser } from '../../src/text/normalise.ts';
import '../../src/backends/index.ts';

// User trial 22 (s3.yaml): Artie's decade ages mapped to numbers, then binned. The binner read `age_raw`
// ("twenties"), not the mapped "25": no age was binned, and stderr said the values were "kept as declared".
const AGEMAP = 'age:\n  teens: "15"\n  twenties: "25"\n  thirties: "35"\n  fourties: "45"\n  fifties: "55"\n  sixties: "65"\n  seventies: "75"\n  eighties: "85"\n  nineties: "95"\n';

function artieAgeSuite(map: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'asrfair-mapbins-'));
  writeFileSync(join(dir, 'agemap.yaml'), map);
  const f = join(dir, 's.yaml');
  writeFileSync(
    f,
    [
      'name: t22-age',
      `manifest: ${join(ARTIE, 'manifest.jsonl')}`,
      'groupBy: [accent, age]',
      'labelMap: agemap.yaml',
      'bins: { age: [0, 30, 50] }',
      'qc: false',
      'backends:',
      `  - { name: amazon, type: hypotheses, options: { file: ${ARTIE_EN_US.amazon.file}, idFrom: basename-without-extension } }`,
      '',
    ].join('\n'),
  );
  return f;
}

const manifest = () => readFileSync(join(ARTIE, 'manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; labels: Record<string, string> });

describe('a label map, then bins (map first, then bin)', () => {
  it('bins the mapped value for every command that groups through the suite labeller (adapt, glass)', async () => {
    const suite = await loadSuite(artieAgeSuite(AGEMAP));
    const labeller = await suiteLabeller(suite);
    const counts = new Map<string, number>();
    for (const e of manifest()) {
      const l = labeller.labels(e);
      counts.set(l.age, (counts.get(l.age) ?? 0) + 1);
    }
    // Artie: teens 187 + twenties 827 under 30; thirties 366 + fourties 152 in 30–49; 14 undeclared (NA).
    expect(counts.get('0–29')).toBe(187 + 827);
    expect(counts.get('30–49')).toBe(366 + 152);
    expect(counts.get('undeclared')).toBe(14);
    expect([...counts.keys()].sort()).toEqual(['0–29', '30–49', '50+', 'undeclared']);
    expect(labeller.report().join('\n')).not.toMatch(/kept as declared/);
  });

  it('records the binned groups in the run, and says "kept as mapped" for what the map left non-numeric', async () => {
    const file = artieAgeSuite(AGEMAP.replace('"95"', 'old'));
    const suite = await loadSuite(file);
    const dir = mkdtempSync(join(tmpdir(), 'asrfair-mapbins-run-'));
    const store = new RunStore(join(dir, 'store.sqlite'));
    const logs: string[] = [];
    try {
      const s = await runSuite({ suite, normaliser: getNormaliser(suite.normaliser), store, qc: false, progress: { start() {}, tick() {}, stop() {}, log: (l) => logs.push(l), warn: (t) => logs.push(`warning: ${t}`) } });
      await exportRun(store, s.runId, join(dir, 'out'));
      const rows = readFileSync(join(dir, 'out', 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      const twenties = rows.find((r) => r.labels.age_raw === 'twenties');
      expect(twenties.labels.age).toBe('0–29');
      const nineties = rows.filter((r) => r.labels.age_raw === 'nineties');
      expect(nineties.length).toBeGreaterThan(0);
      expect(new Set(nineties.map((r) => r.labels.age))).toEqual(new Set(['old']));
      expect(logs).toContain(`bins: ${nineties.length} "age" value${nineties.length === 1 ? '' : 's'} not numeric after the label map, kept as mapped: "old" ×${nineties.length}`);
      expect(logs.join('\n')).not.toMatch(/kept as declared/);
    } finally {
      store.close();
    }
  });
});
