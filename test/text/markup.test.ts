/**
 * sclite's trn markup, each from the smallest input that was wrong before (issue 11), checked
 * against Debian's sclite on the same lines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMarkup, splitWords, wordsToNetwork } from '../../src/text/markup.ts';
import { alignNetworks } from '../../src/score/network.ts';
import { scoreFiles, type UtteranceScore } from '../../src/score/score.ts';
import { InputError } from '../../src/manifest/errors.ts';
import { SCLITE, scliteAvailable } from '../score/sclite-run.ts';

const BIN = join(import.meta.dirname, '../../bin/asrfair.mjs');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-markup-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** [ref, hyp] pairs; ids are added below. */
const CASES: [string, string][] = [
  ['Hello World', 'hello world'],
  ['a { c / @ } d', 'a c d'],
  ['a { c / @ } d', 'a d'],
  ['a b;reftag c', 'a b;hyptag c'],
  ['uh (uh) th- c', 'the c'],
  ['b (c) d', 'b e'],
  ['a\u00a0b c', 'a b c'],
  ['\u3000x y', 'x y'],
  ['word* other', 'word other'],
  ['aa\\;a b', 'aa;a b'],
  ['{ th- / the } fish', 'thy fish'],
  ['a / b', 'a / b'],
  ['', 'k words here'],
];

function sclitePra(ref: string, hyp: string, flags: string[]): Map<string, string> {
  const r = spawnSync(SCLITE, ['-r', ref, 'trn', '-h', hyp, 'trn', '-i', 'rm', ...flags, '-o', 'pra', 'stdout'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  const out = new Map<string, string>();
  let id = '';
  for (const l of r.stdout.split('\n')) {
    const m = /^id: \((.*)\)/.exec(l);
    if (m) id = m[1]!;
    const s = /^Scores: \(#C #S #D #I\) (.*)/.exec(l);
    if (s) out.set(id, s[1]!.trim());
  }
  return out;
}

describe('trn markup as sclite reads it', () => {
  it('splits on ASCII white space only: NBSP and U+3000 stay inside words', () => {
    expect(splitWords('a\u00a0b  c\td')).toEqual(['a\u00a0b', 'c', 'd']);
    expect(parseMarkup('\u3000x y')).toEqual({ kind: 'words', words: ['\u3000x', 'y'] });
  });

  it('folds case unless case-sensitive, drops ;tags and a trailing *', () => {
    expect(parseMarkup('Hello World')).toEqual({ kind: 'words', words: ['hello', 'world'] });
    expect(parseMarkup('Hello World', { caseSensitive: true })).toEqual({ kind: 'words', words: ['Hello', 'World'] });
    expect(parseMarkup('a b;reftag c;;x word*')).toEqual({ kind: 'words', words: ['a', 'b', 'c', 'word'] });
    expect(parseMarkup('aa\\;a')).toEqual({ kind: 'words', words: ['aa;a'] });
  });

  it('an alternation with @ aligns to either choice, and @ is never counted', () => {
    const ref = parseMarkup('a { c / @ } d');
    if (ref.kind !== 'network') throw new Error('expected a network');
    expect(alignNetworks(ref.net, wordsToNetwork(['a', 'c', 'd'])).counts).toEqual({ ref: 3, hits: 3, sub: 0, del: 0, ins: 0 });
    expect(alignNetworks(ref.net, wordsToNetwork(['a', 'd'])).counts).toEqual({ ref: 2, hits: 2, sub: 0, del: 0, ins: 0 });
  });

  it('an unclosed { or a stray } is one error naming file:line; "/" outside braces is a word, as in sclite', () => {
    expect(() => parseMarkup('a { b / c d', {}, 'r.trn', 4)).toThrow(InputError);
    expect(() => parseMarkup('a { b / c d', {}, 'r.trn', 4)).toThrow(/^r\.trn:4: unbalanced "\{"/);
    expect(() => parseMarkup('a } b', {}, 'r.trn', 5)).toThrow(/^r\.trn:5: unbalanced "\}" without "\{"/);
    expect(parseMarkup('a / b')).toEqual({ kind: 'words', words: ['a', '/', 'b'] });
  });

  for (const flags of [[], ['-D'], ['-F'], ['-D', '-F'], ['-s']]) {
    it.skipIf(!scliteAvailable)(`every case scores like sclite ${flags.join(' ') || '(no flags)'}`, async () => {
      const ref = join(dir, `r${flags.join('')}.trn`);
      const hyp = join(dir, `h${flags.join('')}.trn`);
      // Hypothesis ids in upper case: sclite folds id case (except with -s, where they must match).
      const up = !flags.includes('-s');
      writeFileSync(ref, CASES.map(([r], i) => `${r} (s${i % 3}-u${i})`).join('\n') + '\n');
      writeFileSync(hyp, CASES.map(([, h], i) => `${h} (${up ? `S${i % 3}-U${i}` : `s${i % 3}-u${i}`})`).join('\n') + '\n');
      const theirs = sclitePra(ref, hyp, flags);
      const ours = new Map<string, string>();
      await scoreFiles(ref, hyp, {
        chars: false,
        markup: { caseSensitive: flags.includes('-s'), optionalDeletable: flags.includes('-D'), fragments: flags.includes('-F'), caseFold: 'ascii' },
        onUtterance: (u: UtteranceScore) => ours.set(u.id.toLowerCase(), `${u.words.hits} ${u.words.sub} ${u.words.del} ${u.words.ins}`),
      });
      expect(theirs.size).toBe(CASES.length);
      expect(ours).toEqual(theirs);
    });
  }

  it('the CLI: case folded by default, -s, -D/-F, --missing-hyp, and both empty-reference conventions instead of inf', () => {
    const ref = join(dir, 'cli-ref.trn');
    const hyp = join(dir, 'cli-hyp.trn');
    writeFileSync(ref, 'Hello World (a-1)\nuh (uh) th- c (a-2)\n(b-1)\nnot hypothesised (c-1)\n');
    writeFileSync(hyp, 'hello world (A-1)\nthe c (A-2)\nk words here (B-1)\n');
    const run = (...args: string[]) => spawnSync(process.execPath, [BIN, 'score', '--ref', ref, '--hyp', hyp, '--confusions', '0', ...args], { encoding: 'utf8' });
    const d = run();
    expect(d.stderr).toBe('');
    expect(d.stdout).toMatch(/hits 3 {2}sub 1 {2}del 4 {2}ins 3/);
    expect(d.stdout).toContain('Missing hypotheses (scored as deletions; --missing-hyp): 1 (c-1)');
    expect(d.stdout).toMatch(/\| b\s+\|\s+1\s+0 \|\s+0\*\s+0\*\s+0\*\s+3\*\s+3\*\s+100\.0 \|/);
    const s = run('--missing-hyp', 'skip', '-D', '-F');
    expect(s.stdout).toMatch(/hits 5 {2}sub 0 {2}del 1 {2}ins 3/);
    expect(s.stdout).toContain('Missing hypotheses (skipped, as sclite does; --missing-hyp): 1 (c-1)');
    const cs = run('-s');
    expect(cs.status).toBe(2);
    expect(cs.stderr).toMatch(/cli-hyp\.trn:1: hypothesis id "A-1" has no reference/);
    const refEmpty = join(dir, 'empty-ref.trn');
    writeFileSync(refEmpty, '(b-1)\n');
    const hypEmpty = join(dir, 'empty-hyp.trn');
    writeFileSync(hypEmpty, 'k words here (b-1)\n');
    const e = spawnSync(process.execPath, [BIN, 'score', '--ref', refEmpty, '--hyp', hypEmpty, '--confusions', '0'], { encoding: 'utf8' });
    expect(e.stdout).not.toMatch(/inf/i);
    expect(e.stdout).toContain('No reference words: WER is undefined. 3 hypothesis word(s) inserted: jiwer convention WER = 3; sclite prints the count 3* instead of a percentage.');
  });
});
