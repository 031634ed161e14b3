import { describe, expect, it } from 'vitest';
import { binOf, LabelBinner, toLabelBins } from '../../src/manifest/bins.ts';
import { loadSuite } from '../../src/run/suite.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('numeric label bins', () => {
  const age = { edges: [0, 13, 18, 200] };
  it('puts numbers in half-open bins named by their integer range', () => {
    expect(['7', '8', '12', '13', '17', '18', '25', '43'].map((v) => binOf(v, age))).toEqual(['0–12', '0–12', '0–12', '13–17', '13–17', '18–199', '18–199', '18–199']);
    expect(binOf('200', age)).toBe('200+');
    // The last edge opens the top bin: [0, 13, 18] names adults "18+", not a made-up "18–199".
    expect(['7', '17', '18', '43', '99'].map((v) => binOf(v, { edges: [0, 13, 18] }))).toEqual(['0–12', '13–17', '18+', '18+', '18+']);
    expect(binOf('-1', age)).toBe('<0');
    expect(binOf(' 7 ', age)).toBe('0–12');
    expect(binOf('7.5', { edges: [0, 7.5, 10] })).toBe('[7.5, 10)');
    expect(binOf('43', { edges: [0, 13, 200], labels: ['child', 'adult'] })).toBe('adult');
  });
  it('leaves what is not a number as declared, and counts it', () => {
    expect(binOf('thirties', age)).toBeUndefined();
    expect(binOf('', age)).toBeUndefined();
    expect(binOf('1e3', age)).toBeUndefined();
    const b = new LabelBinner(new Map([['age', toLabelBins([0, 13, 18, 200])]]));
    expect(b.apply({ age: '7', accent: 'x' })).toEqual({ age: '0–12', age_raw: '7', accent: 'x' });
    expect(b.apply({ age: 'thirties' })).toEqual({ age: 'thirties' });
    expect(b.apply({ accent: 'x' })).toEqual({ accent: 'x' });
    expect(b.report()).toEqual(['bins: 1 "age" value not numeric, kept as declared: "thirties" ×1']);
  });
  it('suites validate their bins', () => {
    const dir = mkdtempSync(join(tmpdir(), 'asrfair-bins-'));
    const suite = (bins: string) => {
      const f = join(dir, 's.yaml');
      writeFileSync(f, `name: s\nmanifest: m.jsonl\nbackends:\n  - name: h\n    type: hypotheses\n    options: { file: h.tsv }\nbins:\n  ${bins}\n`);
      return () => loadSuite(f);
    };
    expect(suite('age: [0, 13, 18, 200]')().bins).toEqual({ age: [0, 13, 18, 200] });
    expect(suite('age: [0, 18, 13]')).toThrow(/bin edges must increase: 18 then 13/);
    expect(suite('age: { edges: [0, 13, 200], labels: [child] }')).toThrow(/3 edges make 2 bins but 1 labels/);
  });
});
