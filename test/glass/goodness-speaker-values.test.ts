/**
 * Each goodness test of `asrfair glass` carries its input per speaker in the JSON (speaker, side, tokens, value
 * tested), as sound tests do, so the test can be recomputed from the JSON alone (last session's left-alone defect).
 * Real PocketSphinx on eight real Common Voice 6.1 clips (four `england` and four `us` speakers); the permutation p
 * is recomputed by brute force over every split of the speakers, the Welch p from the textbook formulas (Welch 1947;
 * df by Welch–Satterthwaite) floored at that permutation p (as `compareValuesTest` documents), and the
 * Benjamini–Hochberg adjustment over the goodness family.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from '../helpers/cli.ts';
import type { GoodnessTest } from '../../src/analysis/glass.ts';
import { studentTCdf } from '../../src/stats/distributions.ts';
import { adjustPValues } from '../../src/stats/multiple.ts';
import { bruteForceLabellingP } from '../helpers/brute-permutation.ts';

const CV = join(import.meta.dirname, '../../corpora/cv-6.1-en-sample');
let dir: string;

/** Exact one-sided ("group lower") permutation p of the difference of means: share of all C(n, k) splits at least as low. */
function bruteForceLess(a: readonly number[], b: readonly number[]): number {
  const all = [...a, ...b];
  const diff = (labels: Int32Array) => {
    let sa = 0, sb = 0;
    for (let i = 0; i < all.length; i++) if (labels[i] === 0) sa += all[i]; else sb += all[i];
    return sa / a.length - sb / b.length;
  };
  const group = Int32Array.from(all, (_, i) => (i < a.length ? 0 : 1));
  const observed = diff(group);
  return bruteForceLabellingP(group, 2, (labels) => diff(labels) <= observed + 1e-12 * Math.max(1, Math.abs(observed))).p;
}

/** One-sided ("a lower") Welch p: t = (x̄a − x̄b)/√(s²a/na + s²b/nb), Welch–Satterthwaite df, P(T ≤ t). */
function welchLess(a: readonly number[], b: readonly number[]): number {
  const m = (x: readonly number[]) => x.reduce((s, v) => s + v, 0) / x.length;
  const v = (x: readonly number[]) => x.reduce((s, y) => s + (y - m(x)) ** 2, 0) / (x.length - 1);
  const qa = v(a) / a.length;
  const qb = v(b) / b.length;
  const t = (m(a) - m(b)) / Math.sqrt(qa + qb);
  const df = (qa + qb) ** 2 / (qa ** 2 / (a.length - 1) + qb ** 2 / (b.length - 1));
  return studentTCdf(t, df);
}

function glass(test: 'permutation' | 'welch'): GoodnessTest[] {
  const out = `out-${test}`;
  const r = spawnSync(process.execPath, [BIN, 'glass', 'm.jsonl', '--no-words', '--processes', '1', '--test', test, '--out', out, '--cache-dir', 'cache'], { cwd: dir, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  // Parsed as written: NaN values are null in the JSON.
  return (JSON.parse(readFileSync(join(dir, out, 'confusable.json'), 'utf8')) as { goodness: GoodnessTest[] }).goodness;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-goodness-values-'));
  const seen: Record<string, Set<string>> = { england: new Set(), us: new Set() };
  const lines: string[] = [];
  for (const l of readFileSync(join(CV, 'manifest.jsonl'), 'utf8').split('\n').filter(Boolean)) {
    const u = JSON.parse(l) as { speaker: string; audio: string; labels: Record<string, string> };
    const s = seen[u.labels.accent ?? ''];
    if (!s || s.size >= 4 || s.has(u.speaker)) continue;
    s.add(u.speaker);
    lines.push(JSON.stringify({ ...u, audio: join(CV, u.audio) }));
  }
  expect(lines).toHaveLength(8);
  writeFileSync(join(dir, 'm.jsonl'), lines.join('\n') + '\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const finite = (t: GoodnessTest, side: 'group' | 'comparison') =>
  t.speakerValues.filter((v) => v.side === side && v.value !== null && Number.isFinite(v.value)).map((v) => v.value);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('goodness tests carry their per-speaker input (CV sample, england vs us, real PocketSphinx)', () => {
  it('permutation: sides, tokens and means match the test; p recomputed by brute force over every split; BH recomputed', () => {
    const tests = glass('permutation');
    expect(tests.length).toBeGreaterThan(0);
    for (const t of tests) {
      expect(t.design).toBe('permutation');
      expect(t.baseline).toBe('all');
      const speakers = t.speakerValues.map((v) => v.speaker);
      expect(new Set(speakers).size).toBe(speakers.length);
      // The group's side is its four speakers; the comparison is every other group's (here the other four).
      expect(t.speakerValues.filter((v) => v.side === 'group')).toHaveLength(4);
      expect(t.speakerValues.filter((v) => v.side === 'comparison')).toHaveLength(4);
      expect(t.speakerValues.filter((v) => v.side === 'group').reduce((a, v) => a + v.tokens, 0)).toBe(t.countGroup);
      expect(t.speakerValues.filter((v) => v.side === 'comparison').reduce((a, v) => a + v.tokens, 0)).toBe(t.countRest);
      const a = finite(t, 'group');
      const b = finite(t, 'comparison');
      expect(mean(a)).toBeCloseTo(t.excessGroup!, 12);
      expect(mean(b)).toBeCloseTo(t.excessRest!, 12);
      if (a.length < 2 || b.length < 2) {
        expect(t.p).toBeNull();
        continue;
      }
      expect(t.mc?.pExact).toBe(true);
      expect(t.p).toBeCloseTo(bruteForceLess(a, b), 12);
    }
    const family = tests.filter((t) => t.p !== null);
    const adj = adjustPValues(family.map((t) => t.p), 'bh');
    family.forEach((t, i) => expect(t.pAdjusted).toBeCloseTo(adj[i], 12));
  }, 120_000);

  it('welch: p recomputed from the speaker values (Welch t, Welch–Satterthwaite df), never below the exact permutation p', () => {
    const tests = glass('welch');
    expect(tests.length).toBeGreaterThan(0);
    let aboveFloor = 0;
    for (const t of tests) {
      expect(t.design).toBe('welch');
      const a = finite(t, 'group');
      const b = finite(t, 'comparison');
      if (a.length < 2 || b.length < 2) continue;
      const welch = welchLess(a, b);
      const floor = bruteForceLess(a, b);
      if (welch > floor) aboveFloor++;
      expect(t.p).toBeCloseTo(Math.max(welch, floor), 10);
    }
    // At least one test's p is Welch's own, not the floor: the textbook formula is really exercised.
    expect(aboveFloor).toBeGreaterThan(0);
  }, 120_000);
});
