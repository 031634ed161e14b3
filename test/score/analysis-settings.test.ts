/**
 * run.json's `analysis` is the suite's CardSettingsSchema (src/run/suite.ts) with `bootstrap` as B:
 * one schema, so a card setting added to the suite is recorded in run.json without a second copy.
 * The bytes it writes are those of the schema it replaced (expected strings below were written by
 * the previous AnalysisSettingsSchema, commit ef8e322), and those files still read back as they are.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { CardSettingsSchema, loadSuite, parseSuite } from '../../src/run/suite.ts';
import { AnalysisSettingsSchema, analysisSettingsOf, RunMetaSchema } from '../../src/score/run-export.ts';

const SUITES = join(import.meta.dirname, '../../manifests/suites');

/** A suite setting every card field away from its default. */
const EVERY_FIELD = `name: every-field
manifest: m.jsonl
groupBy: [accent, age]
slices: [[accent, gender]]
minCell: {speakers: 4, words: 50}
bootstrap: 200
seed: 9
metrics: [wer, per]
headline: mean-speaker
correction: bh
model: negbin
alpha: 0.1
referenceGroup: us
cleanCondition: quiet
gate: {maxGap: 0.05, significantOnly: true}
remedy: {before: a, after: b, method: map/group}
backends:
  - {name: a, type: hypotheses, options: {file: x.tsv}}
  - {name: b, type: hypotheses, options: {file: y.tsv}}
`;

const OLD = {
  everyField:
    '{"groupBy":["accent","age"],"slices":[["accent","gender"]],"minCell":{"speakers":4,"words":50},"bootstrap":200,"seed":9,"metrics":["wer","per"],"headline":"mean-speaker","correction":"bh","model":"negbin","alpha":0.1,"referenceGroup":"us","cleanCondition":"quiet","gate":{"maxGap":0.05,"significantOnly":true},"remedy":{"before":"a","after":"b","method":"map/group","scope":"global","provenance":[]}}',
  demo: '{"groupBy":["accent"],"slices":[["accent","tts_engine"],["accent","gender"]],"minCell":{"speakers":3,"words":200},"bootstrap":1000,"seed":1,"metrics":["wer","cer","per"],"headline":"pooled","correction":"holm","model":"poisson","alpha":0.05,"cleanCondition":"clean","gate":{"maxGap":0.15,"maxWer":0.8,"groupRatio":2}}',
};

describe('run.json analysis settings', () => {
  it('writes the bytes the previous schema wrote', () => {
    expect(JSON.stringify(analysisSettingsOf(parseSuite(EVERY_FIELD, '/tmp/every.yaml')))).toBe(OLD.everyField);
    expect(JSON.stringify(analysisSettingsOf(loadSuite(join(SUITES, 'demo.yaml'))))).toBe(OLD.demo);
  });

  it('reads what the previous schema wrote back unchanged', () => {
    for (const json of Object.values(OLD)) expect(JSON.stringify(AnalysisSettingsSchema.parse(JSON.parse(json)))).toBe(json);
    const meta = RunMetaSchema.parse({
      format: 'asrfair-run-export',
      formatVersion: 1,
      runId: 'r',
      createdAt: '2026-11-30T00:00:00Z',
      toolVersion: '0',
      corpus: { name: 'c', hash: 'h' },
      normaliser: { name: 'basic', version: '1' },
      analysis: JSON.parse(OLD.demo),
    });
    expect(JSON.stringify(meta.analysis)).toBe(OLD.demo);
  });

  it('records every card field of the suite, whatever is added to the schema', () => {
    const suite = parseSuite(EVERY_FIELD, '/tmp/every.yaml');
    const a = analysisSettingsOf(suite) as Record<string, unknown>;
    for (const k of CardSettingsSchema.keyof().options) expect(a[k], k).toEqual((suite as unknown as Record<string, unknown>)[k]);
    expect(Object.keys(a).sort()).toEqual([...CardSettingsSchema.keyof().options, 'bootstrap'].sort());
    expect(a.bootstrap).toBe(200);
  });

  it('refuses out-of-range values as the suite does', () => {
    expect(() => AnalysisSettingsSchema.parse({ ...JSON.parse(OLD.demo), groupBy: [] })).toThrow();
    expect(() => AnalysisSettingsSchema.parse({ ...JSON.parse(OLD.demo), alpha: 1 })).toThrow();
    expect(() => parseSuite(EVERY_FIELD.replace('groupBy: [accent, age]', 'groupBy: []'), '/tmp/every.yaml')).toThrow(/groupBy/);
  });
});
