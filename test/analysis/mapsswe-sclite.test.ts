import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { comparePaired } from '../../src/analysis/paired.ts';
import { addUtteranceSegments } from '../../src/analysis/mapsswe-segments.ts';
import type { ScoredUtterance } from '../../src/analysis/types.ts';
import { align } from '../../src/score/align.ts';
import { basic } from '../../src/text/normalise.ts';
import { corpus, SC_STATS, SCLITE } from '../stats/sctk.ts';
import { ARTIE } from '../score/artie-raw.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-mapsswe-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** sclite -o sgml for both systems, then sc_stats -t mapsswe: its segment count, Z and the p it prints. */
function scStatsMapsswe(cwd: string, ref: string, a: string, b: string): { segments: number; z: number; errA: number; errB: number; p: string } {
  const sgml = execFileSync(SCLITE, ['-r', ref, 'trn', '-h', a, 'trn', '-h', b, 'trn', '-i', 'rm', '-o', 'sgml', 'stdout'], { cwd, maxBuffer: 1 << 28 });
  execFileSync(SC_STATS, ['-p', '-t', 'mapsswe', '-v', '-n', 'v'], { cwd, input: sgml });
  execFileSync(SC_STATS, ['-p', '-t', 'mapsswe', '-u', '-n', 'u'], { cwd, input: sgml });
  const v = readFileSync(join(cwd, 'v.stats.mapsswe'), 'utf8');
  const m = /\(# segs: (\d+)\).*\(Z Stat: (-?[\d.]+)\)/.exec(v)!;
  const t = /^Totals\s+\d+\s+(\d+)\s+(\d+)/m.exec(v)!;
  const p = /MP\s+\|\|[^|]*\|[^|]*\|\s*\S+\s+([<\d.]+)/.exec(readFileSync(join(cwd, 'u.stats.unified'), 'utf8'))!;
  return { segments: +m[1]!, z: +m[2]!, errA: +t[1]!, errB: +t[2]!, p: p[1]! };
}

const utterance = (id: string, labels: Record<string, string>, backend: string, ref: string, hyp: string): ScoredUtterance => {
  const words = align(ref ? ref.split(' ') : [], hyp ? hyp.split(' ') : []).counts;
  return { id, speaker: id.split('-')[0]!, labels, backend, condition: 'clean', status: 'ok', ref, hyp, words, chars: words };
};

const tsv = (path: string): Record<string, string>[] => {
  const [head, ...lines] = readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');
  const keys = head!.split('\t');
  return lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [keys[i]!, v])));
};

describe.skipIf(!existsSync(SC_STATS))('MAPSSWE equals sclite sc_stats (segments, Z and printed p)', () => {
  it('one utterance: B\'s insertion after A\'s last alignment slot is counted, as sc_stats counts it', () => {
    // Artie clip 18265800: ref "what kind of herb this is"; Amazon "what kind of her business", Google "what kind of herb is this".
    const out = { a: [] as number[], b: [] as number[] };
    expect(addUtteranceSegments(['C', 'C', 'C', 'D', 'S', 'S'], ['C', 'C', 'C', 'C', 'D', 'C', 'I'], out)).toBe(1);
    expect(out).toEqual({ a: [3], b: [2] });
    const d = mkdtempSync(join(dir, 'one-'));
    writeFileSync(join(d, 'r.trn'), 'what kind of herb this is (s-1)\n');
    writeFileSync(join(d, 'a.trn'), 'what kind of her business (s-1)\n');
    writeFileSync(join(d, 'b.trn'), 'what kind of herb is this (s-1)\n');
    const sc = scStatsMapsswe(d, 'r.trn', 'a.trn', 'b.trn');
    expect([sc.segments, sc.errA, sc.errB]).toEqual([1, 3, 2]);
  });

  it('Artie, Amazon vs Google en-US (basic normaliser) per declared accent and overall: segments, errors, Z and p as sc_stats prints them', () => {
    const prompts = tsv(join(ARTIE, 'data/artie-bias-corpus.tsv'));
    const pred = (f: string) => new Map(tsv(join(ARTIE, 'predictions', f)).map((r) => [r.path!.replace(/\.wav$/, ''), r.prediction ?? '']));
    const amazon = pred('amazon/en-US/dec-9-2019-original.tsv');
    const google = pred('google/en-US/dec-4-2019-original.tsv');
    const A: ScoredUtterance[] = [];
    const B: ScoredUtterance[] = [];
    for (const r of prompts) {
      const clip = r.path!.replace(/\.mp3$/, '');
      if (!amazon.has(clip) || !google.has(clip)) continue;
      const id = `${r.client_id!.slice(0, 12)}-${clip}`;
      const labels = { accent: r.accent === 'NA' || !r.accent ? 'undeclared' : r.accent };
      const ref = basic.normalise(r.sentence!);
      A.push(utterance(id, labels, 'amazon', ref, basic.normalise(amazon.get(clip)!)));
      B.push(utterance(id, labels, 'google', ref, basic.normalise(google.get(clip)!)));
    }
    expect(A).toHaveLength(1712);
    const r = comparePaired(A, B, { groupBy: 'accent', resamples: 50 });
    const cases: Array<[string, ReturnType<typeof comparePaired>['mapsswe']]> = [
      ['all', r.mapsswe],
      ...['us', 'england', 'indian', 'undeclared'].map((g): [string, ReturnType<typeof comparePaired>['mapsswe']] => [g, r.groups!.find((x) => x.group === g)!.mapsswe]),
    ];
    for (const [group, m] of cases) {
      const keep = (u: ScoredUtterance) => group === 'all' || u.labels.accent === group;
      const trn = (us: ScoredUtterance[], side: 'ref' | 'hyp') => us.filter(keep).map((u) => `${u[side]} (${u.id})`).join('\n') + '\n';
      writeFileSync(join(dir, 'ref.trn'), trn(A, 'ref'));
      writeFileSync(join(dir, 'amazon.trn'), trn(A, 'hyp'));
      writeFileSync(join(dir, 'google.trn'), trn(B, 'hyp'));
      const sc = scStatsMapsswe(dir, 'ref.trn', 'amazon.trn', 'google.trn');
      expect(m.segments, group).toBe(sc.segments);
      expect(m.wholeUtterances, group).toBe(0);
      expect(m.w.toFixed(3), group).toBe(sc.z.toFixed(3));
      if (sc.p === '<0.001') expect(m.p, group).toBeLessThan(0.001);
      else expect(m.p.toFixed(3), group).toBe(sc.p);
    }
    // The fresh user's figures: sc_stats 0.646 (us) and 0.529 (undeclared) on their sgml; these trn give 0.596 and 0.430.
    expect(cases.find(([g]) => g === 'us')![1].p.toFixed(3)).toBe('0.596');
    expect(cases.find(([g]) => g === 'us')![1].pExact.toFixed(3)).toBe('0.589');
  }, 60_000);

  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])('seeded trn corpus %i: segments, Z and p equal sc_stats', (seed) => {
    const d = mkdtempSync(join(dir, `seed${seed}-`));
    corpus(d, seed);
    const read = (f: string) => new Map(readFileSync(join(d, f), 'utf8').split('\n').filter(Boolean).map((l) => {
      const m = /^(.*)\(([^)]+)\)\s*$/.exec(l)!;
      return [m[2]!, m[1]!.trim().split(/\s+/).filter(Boolean).join(' ')];
    }));
    const ref = read('ref.trn');
    const a = read('a.trn');
    const b = read('b.trn');
    const r = comparePaired([...ref].map(([id, t]) => utterance(id, {}, 'A', t, a.get(id)!)), [...ref].map(([id, t]) => utterance(id, {}, 'B', t, b.get(id)!)), { resamples: 20 });
    const sc = scStatsMapsswe(d, 'ref.trn', 'a.trn', 'b.trn');
    expect(r.mapsswe.segments).toBe(sc.segments);
    expect(r.mapsswe.w.toFixed(3)).toBe(sc.z.toFixed(3));
    if (sc.p === '<0.001') expect(r.mapsswe.p).toBeLessThan(0.001);
    else expect(r.mapsswe.p.toFixed(3)).toBe(sc.p);
  });
});

describe('MAPSSWE segments when an utterance\'s alignment cannot be recovered', () => {
  it('imported error totals stay one segment each, and are counted', () => {
    const a = utterance('s-1', {}, 'A', 'a b c d e f', 'a x c d e f');
    const b = { ...utterance('s-1', {}, 'B', 'a b c d e f', 'a b c d e f'), words: { ref: 6, hits: 4, sub: 2, del: 0, ins: 0 }, errorSplit: 'total' as const };
    const a2 = utterance('s-2', {}, 'A', 'g h i j', 'g h i j k');
    const b2 = utterance('s-2', {}, 'B', 'g h i j', 'g h i j');
    const r = comparePaired([a, a2], [b, b2], { resamples: 20 });
    expect(r.mapsswe.wholeUtterances).toBe(1);
    // s-1 whole (1 vs 2 errors); s-2 by sclite's walk (A's trailing insertion: 1 vs 0).
    expect(r.mapsswe.segments).toBe(2);
    expect(r.mapsswe.meanDiff).toBe(0);
  });
});

describe.skipIf(!existsSync(SC_STATS))('asrfair compare on the Artie vendor run: MAPSSWE p as sc_stats prints it', () => {
  it('runs the text-only suite, compares Amazon vs Google en-US by accent and checks every tested group and the total against sc_stats on the run\'s own texts', async () => {
    const { cli } = await import('../helpers/cli.ts');
    const out = join(dir, 'run');
    const suite = join(import.meta.dirname, '../../manifests/suites/artie-vendors.yaml');
    const r = await cli('run', suite, '--backend', 'amazon-en-US,google-en-US', '--store', join(dir, 'store.sqlite'), '--out', out, '--no-progress', '--no-gate');
    expect(r.code, r.stderr).toBe(0);
    const c = await cli('compare', out, out, '--backend-a', 'amazon-en-US', '--backend-b', 'google-en-US', '--format', 'json', '--out', join(dir, 'cmp'));
    expect(c.code, c.stderr).toBe(0);
    // The fresh user's sc_stats figures on this run's texts: us 0.646, undeclared 0.529, all 0.250.
    expect(c.stdout).toMatch(/^undeclared .* 0\.529 /m);
    expect(c.stdout).toMatch(/^us .* 0\.646 /m);
    const table = JSON.parse(readFileSync(join(dir, 'cmp', 'compare.json'), 'utf8')).tables[0];
    const rows = readFileSync(join(out, 'results.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as ScoredUtterance);
    const byBackend = (b: string) => rows.filter((u) => u.backend === b);
    for (const group of ['all', 'us', 'undeclared', 'england', 'indian']) {
      const m = group === 'all' ? table.overall.mapsswe : table.groups.find((g: { group: string }) => g.group === group).mapsswe;
      const keep = (u: ScoredUtterance) => group === 'all' || u.labels.accent === group;
      const trn = (us: ScoredUtterance[], side: 'ref' | 'hyp') => us.filter(keep).map((u) => `${u[side]} (${u.speaker.slice(0, 12)}-${u.id})`).join('\n') + '\n';
      writeFileSync(join(dir, 'run-ref.trn'), trn(byBackend('amazon-en-US'), 'ref'));
      writeFileSync(join(dir, 'run-a.trn'), trn(byBackend('amazon-en-US'), 'hyp'));
      writeFileSync(join(dir, 'run-b.trn'), trn(byBackend('google-en-US'), 'hyp'));
      const sc = scStatsMapsswe(dir, 'run-ref.trn', 'run-a.trn', 'run-b.trn');
      expect(m.segments, group).toBe(sc.segments);
      expect(m.w.toFixed(3), group).toBe(sc.z.toFixed(3));
      if (sc.p === '<0.001') expect(m.p, group).toBeLessThan(0.001);
      else expect(m.p.toFixed(3), group).toBe(sc.p);
    }
  }, 120_000);
});
