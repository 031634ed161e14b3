import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { align, alignCounts } from '../../src/score/align.ts';
import { scoreFiles, type UtteranceScore } from '../../src/score/score.ts';
import { summarise } from '../../src/score/summary.ts';
import { errorCount, wer } from '../../src/score/metrics.ts';
import { formatTrnLine } from '../../src/score/trn.ts';
import { prng, randomCorpus, type Pair } from './random-corpus.ts';
import { runSclite, scliteAvailable, type ScliteOutput } from './sclite-run.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-sclite-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writePairs(name: string, pairs: Pair[]): { ref: string; hyp: string } {
  const ref = join(dir, `${name}.ref.trn`);
  const hyp = join(dir, `${name}.hyp.trn`);
  writeFileSync(ref, pairs.map((p) => formatTrnLine(p.ref.join(' '), p.id)).join('\n') + '\n');
  writeFileSync(hyp, pairs.map((p) => formatTrnLine(p.hyp.join(' '), p.id)).join('\n') + '\n');
  return { ref, hyp };
}

describe.skipIf(!scliteAvailable)('agreement with NIST sclite (sclite cost model)', () => {
  const corpora: Array<{ name: string; seed: number; utterances: number; vocab: number; meanWords: number; speakers: number }> = [
    { name: 'mixed', seed: 1, utterances: 4000, vocab: 200, meanWords: 12, speakers: 17 },
    { name: 'short-ties', seed: 2, utterances: 3000, vocab: 6, meanWords: 5, speakers: 5 },
    { name: 'long', seed: 3, utterances: 400, vocab: 200, meanWords: 60, speakers: 4 },
  ];

  for (const c of corpora) {
    it(`${c.name}: per-utterance ops and counts and per-speaker rows equal sclite's`, async () => {
      const pairs = [...randomCorpus({ ...c })];
      const files = writePairs(c.name, pairs);
      const sc: ScliteOutput = runSclite(files.ref, files.hyp);
      expect(sc.utterances.size).toBe(pairs.length);
      expect(sc.ops.size).toBe(pairs.length);

      const ours = new Map<string, UtteranceScore>();
      const res = await scoreFiles(files.ref, files.hyp, {
        costs: 'sclite',
        markup: { caseSensitive: true },
        onUtterance: (u) => ours.set(u.id, u),
      });

      let mismatches = 0;
      for (const p of pairs) {
        const s = sc.utterances.get(p.id);
        const o = ours.get(p.id);
        expect(s, p.id).toBeDefined();
        const same = s && o && s.hits === o.words.hits && s.sub === o.words.sub && s.del === o.words.del && s.ins === o.words.ins;
        if (!same) {
          mismatches++;
          if (mismatches <= 3) expect({ id: p.id, ref: p.ref, hyp: p.hyp, ...o?.words }).toEqual({ id: p.id, ref: p.ref, hyp: p.hyp, ref_: 0, ...s });
        }
        // The direct API agrees with the file-level scorer, and the aligned operations (hence the
        // confusion pairs) are sclite's, op by op.
        const a = align(p.ref, p.hyp);
        expect(alignCounts(p.ref, p.hyp)).toEqual(a.counts);
        const opsOurs = a.ops.map((op) => `${op.type}:${op.ref ?? ''}:${op.hyp ?? ''}`);
        expect(opsOurs, p.id).toEqual(sc.ops.get(p.id) ?? []);
      }
      expect(mismatches).toBe(0);

      // Per-speaker rows: raw counts (rsum) exactly, percentages (sum) as sclite prints them (1 decimal).
      const summary = summarise(res.speakers);
      // Speakers in sclite's order: first appearance.
      expect(res.speakers.rows().map((r) => r.speaker)).toEqual(sc.rawSpeakers.map((r) => r.speaker));
      const ourStats = new Map(res.speakers.rows().map((r) => [r.speaker, r]));
      for (const row of sc.rawSpeakers) {
        const o = ourStats.get(row.speaker)!;
        const c = o.counts;
        expect([o.sentences, c.ref, c.hits, c.sub, c.del, c.ins, errorCount(c), o.sentenceErrors], row.speaker).toEqual([
          row.sentences, row.words, row.corr, row.sub, row.del, row.ins, row.err, row.sentErr,
        ]);
      }
      const t = res.speakers.total();
      expect([t.sentences, t.counts.ref, t.counts.hits, t.counts.sub, t.counts.del, t.counts.ins, t.sentenceErrors]).toEqual([
        sc.rawSum.sentences, sc.rawSum.words, sc.rawSum.corr, sc.rawSum.sub, sc.rawSum.del, sc.rawSum.ins, sc.rawSum.sentErr,
      ]);
      const ourRows = new Map(summary.speakers.map((l) => [l.label, l]));
      for (const row of sc.speakers) {
        const l = ourRows.get(row.speaker)!;
        for (const k of ['corr', 'sub', 'del', 'ins', 'err', 'sentErr'] as const) {
          expect(Math.abs(l[k] - row[k]), `${row.speaker} ${k}`).toBeLessThanOrEqual(0.0501);
        }
      }
      // Mean, S.D. and Median across speakers, as sclite prints them.
      expect(sc.pctStats.size).toBe(3);
      for (const [label, ours] of [['Mean', summary.mean], ['S.D.', summary.sd], ['Median', summary.median]] as const) {
        const row = sc.pctStats.get(label)!;
        for (const k of ['sentences', 'words', 'corr', 'sub', 'del', 'ins', 'err', 'sentErr'] as const) {
          expect(Math.abs(ours[k] - row[k]), `${label} ${k}`).toBeLessThanOrEqual(0.0501);
        }
      }
      // Set WER: summed errors over summed reference words, equal to summing sclite's per-utterance counts.
      let scErr = 0;
      let scN = 0;
      for (const s of sc.utterances.values()) {
        scErr += s.sub + s.del + s.ins;
        scN += s.hits + s.sub + s.del;
      }
      expect(res.words.ref).toBe(scN);
      expect(errorCount(res.words)).toBe(scErr);
      expect(wer(res.words)).toBe(scErr / scN);
      expect(Math.abs(100 * wer(res.words) - sc.sum.err)).toBeLessThanOrEqual(0.0501);
      expect([res.words.ref, summary.sum.sentences]).toEqual([sc.sum.words, sc.sum.sentences]);
    });
  }

  it('short pairs over a 3-token alphabet (dense ties): ops and counts equal sclite', () => {
    const rand = prng(33);
    const tiny = (): string[] => Array.from({ length: Math.floor(rand() * 9) }, () => ['a', 'b', 'c'][Math.floor(rand() * 3)]);
    const pairs: Pair[] = Array.from({ length: 6000 }, (_, i) => ({ id: `t${i % 7}-${i}`, speaker: `t${i % 7}`, ref: tiny(), hyp: tiny() }));
    const files = writePairs('tiny', pairs);
    const sc = runSclite(files.ref, files.hyp);
    let differFromUnit = 0;
    for (const p of pairs) {
      const a = align(p.ref, p.hyp);
      expect({ id: p.id, hits: a.counts.hits, sub: a.counts.sub, del: a.counts.del, ins: a.counts.ins }).toEqual(sc.utterances.get(p.id));
      expect(a.ops.map((op) => `${op.type}:${op.ref ?? ''}:${op.hyp ?? ''}`)).toEqual(sc.ops.get(p.id));
      if (errorCount(a.counts) > errorCount(align(p.ref, p.hyp, 'unit').counts)) differFromUnit++;
    }
    expect(differFromUnit).toBeGreaterThan(0);
  });

  it('hand-made tie cases agree with sclite', () => {
    const cases: Array<[string, string]> = [
      ['c c c b a', 'b a a b'], // 3/3/4 takes 5 errors where plain edit distance needs 4
      ['a b', 'b a'],
      ['a a a b', 'a b a a'],
      ['x y z', 'y z x'],
      ['the cat sat', ''],
      ['', 'uh um'],
      ['a b c d e', 'e d c b a'],
    ];
    const pairs: Pair[] = cases.map(([r, h], i) => ({
      id: `hand-${i}`,
      speaker: 'hand',
      ref: r.split(' ').filter(Boolean),
      hyp: h.split(' ').filter(Boolean),
    }));
    const files = writePairs('hand', pairs);
    const sc = runSclite(files.ref, files.hyp);
    for (const p of pairs) {
      const s = sc.utterances.get(p.id);
      const { hits, sub, del, ins } = align(p.ref, p.hyp).counts;
      expect({ id: p.id, hits, sub, del, ins }).toEqual(s);
    }
    // The first case: sclite mode counts one error more than unit mode.
    const first = pairs[0];
    expect(errorCount(align(first.ref, first.hyp).counts)).toBe(5);
    expect(errorCount(align(first.ref, first.hyp, 'unit').counts)).toBe(4);
  });
});
