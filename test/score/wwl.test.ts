/**
 * Word-weight mediated alignment (sclite `-w`) against Debian's sclite: seeded random trn corpora
 * full of equal-cost paths, with a random word-weight list (some words left to the default weight,
 * a compound `a=b`) and with `unity`; every speaker row must be equal. Bad WWL lines name file:line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scoreFiles } from '../../src/score/score.ts';
import { loadWordWeights } from '../../src/score/wwl.ts';
import { parseScliteOutput, SCLITE, scliteAvailable } from './sclite-run.ts';
import { prng, randomCorpus, vocabulary } from './random-corpus.ts';
import { TSCLITE_DIR } from './tsclite.ts';

const BIN = join(import.meta.dirname, '../../bin/asrfair.mjs');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-wwl-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!scliteAvailable)('word-weight alignment (-w) against Debian sclite', () => {
  it('random corpora with a random WWL and with unity: every speaker row equal', async () => {
    for (const seed of [11, 12, 13]) {
      const ref: string[] = [];
      const hyp: string[] = [];
      for (const p of randomCorpus({ utterances: 600, speakers: 12, vocab: 40, meanWords: 9, seed })) {
        ref.push(`${p.ref.join(' ')} (${p.id})`);
        hyp.push(`${p.hyp.join(' ')} (${p.id})`);
      }
      const rp = join(dir, `r${seed}.trn`);
      const hp = join(dir, `h${seed}.trn`);
      writeFileSync(rp, `${ref.join('\n')}\n`);
      writeFileSync(hp, `${hyp.join('\n')}\n`);
      // The same vocabulary the corpus drew (same seed, same first draws), lower-cased as sclite folds.
      const rand = prng(seed);
      // (A capitalised and a lower-case spelling fold to one word: listed once.)
      const vocab = [...new Set(vocabulary(40, rand).map((w) => w.toLowerCase()))];
      const r2 = prng(seed * 7);
      const lines = [";; 'Headings' 'Word Spelling' 'Random weight'", ";; Default missing weight '7.5'"];
      vocab.forEach((w, k) => {
        if (k % 5 !== 0) lines.push(`${w} ${(0.5 + r2() * 9).toFixed(2)}`);
      });
      lines.push(`${vocab[1]}=${vocab[2]} 99`);
      const wp = join(dir, `w${seed}.wwl`);
      writeFileSync(wp, `${lines.join('\n')}\n`);
      for (const w of [wp, 'unity']) {
        const res = await scoreFiles(rp, hp, { chars: false, missingHyp: 'skip', wordWeights: loadWordWeights(w), markup: { caseFold: 'ascii' } });
        const ours = res.speakers.rows().map((s) => [s.speaker, s.sentences, s.counts.ref, s.counts.hits, s.counts.sub, s.counts.del, s.counts.ins]);
        const r = spawnSync(SCLITE, ['-r', rp, 'trn', '-h', hp, 'trn', '-i', 'rm', '-w', w, '-o', 'sum', 'rsum', 'stdout'], { encoding: 'utf8', maxBuffer: 1 << 28 });
        expect(r.status, r.stderr).toBe(0);
        const theirs = parseScliteOutput(r.stdout).rawSpeakers.map((x) => [x.speaker, x.sentences, x.words, x.corr, x.sub, x.del, x.ins]);
        expect(ours, `seed ${seed} ${w}`).toEqual(theirs);
      }
    }
  }, 60_000);
});

describe.skipIf(!scliteAvailable)('asrfair score -w', () => {
  it('SCTK csrnab with csrnab_r.wwl: the totals sclite prints, and the output names the weights; -w with -T is a usage error', () => {
    const args = ['--ref', join(TSCLITE_DIR, 'csrnab.ref'), '--hyp', join(TSCLITE_DIR, 'csrnab.hyp'), '--id-format', 'wsj', '--missing-hyp', 'skip', '--confusions', '0'];
    const r = spawnSync(process.execPath, [BIN, 'score', ...args, '-w', join(TSCLITE_DIR, 'csrnab_r.wwl')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const s = spawnSync(SCLITE, ['-r', 'csrnab.ref', '-h', 'csrnab.hyp', '-i', 'wsj', '-w', 'csrnab_r.wwl', '-o', 'sum', 'rsum', 'stdout'], { cwd: TSCLITE_DIR, encoding: 'utf8' });
    const t = parseScliteOutput(s.stdout).rawSum;
    expect(r.stdout).toContain(`reference words: ${t.words}   hits ${t.corr}  sub ${t.sub}  del ${t.del}  ins ${t.ins}`);
    expect(r.stdout).toContain('Alignment:   word weights from csrnab_r.wwl (sclite -w: 564 words, 30 for the rest');
    const tima = ['--ref', join(TSCLITE_DIR, 'tima_ref.ctm'), '--hyp', join(TSCLITE_DIR, 'tima_hyp.ctm'), '--keep-time-faults'];
    const u = spawnSync(process.execPath, [BIN, 'score', ...tima, '-w', 'unity', '-T'], { encoding: 'utf8' });
    expect(u.status).toBe(2);
    expect(u.stderr).toMatch(/^asrfair: -w\/--word-weights and -T\/--time-mediated each choose the word distance/);
  });
});

describe('word-weight lists', () => {
  it('reads headings, default weight, compounds and unity; a line without a weight names file:line', () => {
    const wp = join(dir, 'a.wwl');
    writeFileSync(wp, ";; 'Headings' 'Word Spelling' 'Count'\n;; Default missing weight '30'\nthe 1\nhouse 5\n");
    const w = loadWordWeights(wp);
    expect([w.weight('the'), w.weight('house'), w.weight('boat'), w.weight('the=house')]).toEqual([1, 5, 30, 6]);
    expect(loadWordWeights('unity').weight('anything')).toBe(1);
    writeFileSync(wp, 'the 1\nhouse\n');
    expect(() => loadWordWeights(wp)).toThrow(/a\.wwl:2: a word-weight line needs "word weight/);
    writeFileSync(wp, 'the 1\nhouse 2\nthe 1\nhouse 3\n');
    expect(() => loadWordWeights(wp)).toThrow(/a\.wwl:4: "house" is listed again with another weight \(2 at line 2\)/);
  });
});
