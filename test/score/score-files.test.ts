/**
 * `scoreFiles` reading the two files in step and interning plain words straight from the line
 * (the fast path) against the full parse (forced by `onUtterance`) and Debian's sclite; its errors;
 * and GB2312 input (`--encoding gb2312`, sclite's `-e gb`) against Debian's iconv.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scoreFiles, type ScoreOptions } from '../../src/score/score.ts';
import { decodeGb2312, invalidGb2312At } from '../../src/score/gb2312.ts';
import { randomCorpus, prng } from './random-corpus.ts';
import { runSclite, scliteAvailable } from './sclite-run.ts';

const BIN = join(import.meta.dirname, '../../bin/asrfair.mjs');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-score-files-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rows = (r: Awaited<ReturnType<typeof scoreFiles>>): unknown => ({
  speakers: r.speakers.rows(),
  words: r.words,
  utterances: r.utterances,
  missing: r.missingHyps,
});

/**
 * 3,000 random utterances (capitals, empty sides, ties) plus lines the fast path must hand to the
 * full parse (markup, hyphens, non-ASCII); the hypothesis file has a block out of order and some
 * hypotheses missing, so both the in-step reading and its fallback run.
 */
function writeMixed(upperIds: boolean): { ref: string; hyp: string } {
  const rand = prng(7);
  const pairs = [...randomCorpus({ utterances: 3000, speakers: 40, vocab: 300, meanWords: 8, seed: 11 })];
  const extras = ['{ a / b } c', 'well-known Thing', 'Café CAFÉ naïve', 'uh (um) x', 'x;tag y'];
  const ref: string[] = [];
  const hyp: string[] = [];
  pairs.forEach((p, i) => {
    let r = p.ref.join(' ');
    let h = p.hyp.join(' ');
    if (i % 97 === 0) r = `${r} ${extras[i % extras.length]}`;
    if (i % 89 === 0) h = `${h} ${extras[(i + 1) % extras.length]}`;
    ref.push(`${r} (${p.id})`);
    if (i % 501 !== 5) hyp.push(`${h}\t(${upperIds && rand() < 0.5 ? p.id.toUpperCase() : p.id})`);
  });
  // Move a block of hypotheses to the end (read ahead, then waiting).
  const moved = hyp.splice(1200, 300);
  hyp.push(...moved);
  const f = { ref: join(dir, `mixed${upperIds}.ref.trn`), hyp: join(dir, `mixed${upperIds}.hyp.trn`) };
  writeFileSync(f.ref, `${ref.join('\n')}\n`);
  writeFileSync(f.hyp, hyp.join('\r\n'));
  return f;
}

describe('scoreFiles: in-step reading and the plain-word fast path', () => {
  it('a leading UTF-8 byte-order mark is dropped and said; a U+FEFF inside the file stays a character, as in sclite', async () => {
    const ref = join(dir, 'bom.ref.trn');
    const hyp = join(dir, 'bom.hyp.trn');
    // The second reference line opens with U+FEFF too: it stays part of "d" there, so "d" is a substitution.
    writeFileSync(ref, '\ufeffa b c (s-1)\n\ufeffd e (s-2)\n');
    writeFileSync(hyp, 'a b c (s-1)\nd e (s-2)\n');
    const r = await scoreFiles(ref, hyp);
    expect(r.bomFiles).toEqual([ref]);
    expect([r.words.ref, r.words.sub, r.words.del, r.words.ins]).toEqual([5, 1, 0, 0]);
    const plain = await scoreFiles(hyp, hyp);
    expect(plain.bomFiles).toBeUndefined();
    const cli = spawnSync(process.execPath, [BIN, 'score', '--ref', ref, '--hyp', hyp], { encoding: 'utf8' });
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toContain(`${ref} begins with a UTF-8 byte-order mark: dropped (sclite reads it as part of the first word)`);
  });

  it('gives the full parse\'s speaker rows, totals and missing list, case-folded (unicode, ascii) and -s', async () => {
    for (const markup of [{}, { caseFold: 'ascii' as const }, { caseSensitive: true }]) {
      const f = writeMixed(!markup.caseSensitive);
      const opts: ScoreOptions = { chars: false, markup, missingHyp: 'delete' };
      const fast = await scoreFiles(f.ref, f.hyp, opts);
      const full = await scoreFiles(f.ref, f.hyp, { ...opts, onUtterance: () => {} });
      expect(rows(fast)).toEqual(rows(full));
      expect(fast.missingHyps.length).toBe(6);
    }
  });

  it.skipIf(!scliteAvailable)('equals sclite -s (missing hypotheses skipped) speaker by speaker', async () => {
    const pairs = [...randomCorpus({ utterances: 2000, speakers: 30, vocab: 500, meanWords: 12, seed: 5 })];
    const ref = join(dir, 's.ref.trn');
    const hyp = join(dir, 's.hyp.trn');
    writeFileSync(ref, pairs.map((p) => `${p.ref.join(' ')} (${p.id})\n`).join(''));
    // Hypotheses in reverse order: every reference is served from the waiting map.
    writeFileSync(hyp, pairs.map((p) => `${p.hyp.join(' ')} (${p.id})\n`).reverse().join(''));
    const sc = runSclite(ref, hyp);
    const res = await scoreFiles(ref, hyp, { chars: false, markup: { caseSensitive: true }, missingHyp: 'skip' });
    const ours = res.speakers.rows().map((s) => [s.speaker, s.sentences, s.counts.ref, s.counts.hits, s.counts.sub, s.counts.del, s.counts.ins, s.sentenceErrors]);
    // sclite lists speakers in the hypothesis file's order, asrfair in the reference's: compare sorted.
    const bySpeaker = (a: unknown[], b: unknown[]): number => String(a[0]).localeCompare(String(b[0]));
    const theirs = sc.rawSpeakers.map((r) => [r.speaker, r.sentences, r.words, r.corr, r.sub, r.del, r.ins, r.sentErr]);
    expect(ours.sort(bySpeaker)).toEqual(theirs.sort(bySpeaker));
    expect(res.utterances).toBe(pairs.length);
  });

  it('names file:line for a duplicate reference, a duplicate hypothesis and a hypothesis without reference', async () => {
    const ref = join(dir, 'e.ref.trn');
    const hyp = join(dir, 'e.hyp.trn');
    writeFileSync(ref, 'a b (s1-1)\nc d (s1-2)\na b (S1-1)\n');
    writeFileSync(hyp, 'a b (s1-1)\nc d (s1-2)\n');
    await expect(scoreFiles(ref, hyp)).rejects.toThrow(/e\.ref\.trn:3: duplicate utterance id "S1-1" \(first at line 1\)/);
    writeFileSync(ref, 'a b (s1-1)\nc d (s1-2)\n');
    writeFileSync(hyp, 'a b (s1-1)\nc d (s1-2)\nx (s1-1)\n');
    await expect(scoreFiles(ref, hyp)).rejects.toThrow(/e\.hyp\.trn:3: duplicate utterance id "s1-1" \(first at line 1\)/);
    writeFileSync(hyp, 'a b (s1-1)\nz (s1-9)\nc d (s1-2)\ny (s1-8)\n');
    await expect(scoreFiles(ref, hyp)).rejects.toThrow(/e\.hyp\.trn:2: hypothesis id "s1-9" has no reference in .*e\.ref\.trn \(and 1 more\)/);
  });
});

describe.skipIf(!scliteAvailable)('case folding: the default is sclite\'s (A–Z only)', () => {
  const DATA = join(import.meta.dirname, '../../../shared/data/sctk-sclite-testdata');
  const sum = (args: string[]): number[] => {
    const r = spawnSync('/usr/lib/sctk/bin/sclite', ['-r', 'test.vietnamese.ref.trn', 'trn', '-h', 'test.vietnamese.hyp.trn', 'trn', '-i', 'spu_id', ...args, '-o', 'rsum', 'stdout'], { cwd: DATA, encoding: 'utf8' });
    const m = /\|\s*Sum\s*\|\s*\d+\s+\d+\s*\|\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/.exec(r.stdout);
    return m!.slice(1).map(Number);
  };
  const ours = (args: string[]): number[] => {
    const json = join(dir, `case${args.join('')}.json`);
    const r = spawnSync(process.execPath, [BIN, 'score', '--ref', join(DATA, 'test.vietnamese.ref.trn'), '--hyp', join(DATA, 'test.vietnamese.hyp.trn'), '--id-format', 'spu_id', '--missing-hyp', 'skip', '--confusions', '0', '--json', json, ...args], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const w = (JSON.parse(readFileSync(json, 'utf8')) as { words: { hits: number; sub: number; del: number; ins: number } }).words;
    return [w.hits, w.sub, w.del, w.ins];
  };
  it("SCTK's test17 (Vietnamese): default = sclite -e utf-8; --case-fold unicode = sclite -e utf-8 babel_vietnamese", () => {
    const plain = sum(['-e', 'utf-8']);
    const babel = sum(['-e', 'utf-8', 'babel_vietnamese']);
    expect(plain).not.toEqual(babel);
    expect(ours([])).toEqual(plain);
    expect(ours(['--case-fold', 'unicode'])).toEqual(babel);
  });
});

describe('GB2312 input (sclite -e gb)', () => {
  it("decodes every assigned two-byte code as Debian's iconv -f GB2312 does and refuses the unassigned ones", () => {
    const codes: Buffer[] = [];
    for (let a = 0xa1; a <= 0xf7; a++) for (let b = 0xa1; b <= 0xfe; b++) codes.push(Buffer.from([a, b, 0x0a]));
    const all = Buffer.concat(codes);
    const r = spawnSync('iconv', ['-c', '-f', 'GB2312', '-t', 'UTF-8'], { input: all });
    expect(r.status === 0 || r.status === 1).toBe(true);
    const theirs = r.stdout.toString('utf8').split('\n');
    let assigned = 0;
    for (let i = 0; i < codes.length; i++) {
      const two = codes[i]!.subarray(0, 2);
      if (theirs[i] === '') expect(invalidGb2312At(two), two.toString('hex')).toBe(0);
      else {
        assigned++;
        expect(invalidGb2312At(two)).toBe(-1);
        expect(decodeGb2312(two), two.toString('hex')).toBe(theirs[i]);
      }
    }
    expect(assigned).toBe(7445);
  });

  it('asrfair score --encoding gb2312 scores GB2312 trn files; UTF-8 reading and a bad byte name file:line', () => {
    const ref = join(dir, 'gb.ref.trn');
    const hyp = join(dir, 'gb.hyp.trn');
    const gb = (s: string): Buffer => spawnSync('iconv', ['-f', 'UTF-8', '-t', 'GB2312'], { input: s }).stdout;
    writeFileSync(ref, gb('我们 今天 去 北京 (spk1-001)\n你好 世界 (spk1-002)\n'));
    writeFileSync(hyp, gb('我们 明天 去 北京 (spk1-001)\n你好 世界 (spk1-002)\n'));
    const json = join(dir, 'gb.json');
    const ok = spawnSync(process.execPath, [BIN, 'score', '--ref', ref, '--hyp', hyp, '-e', 'gb', '--confusions', '1', '--json', json], { encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    const j = JSON.parse(readFileSync(json, 'utf8')) as { words: { ref: number; sub: number }; confusions: { substitutions: unknown[] } };
    expect(j.words).toMatchObject({ ref: 6, sub: 1 });
    expect(j.confusions.substitutions).toEqual([{ ref: '今天', hyp: '明天', count: 1 }]);
    const asUtf8 = spawnSync(process.execPath, [BIN, 'score', '--ref', ref, '--hyp', hyp], { encoding: 'utf8' });
    expect(asUtf8.status).toBe(2);
    expect(asUtf8.stderr.trim()).toMatch(/gb\.ref\.trn:1: line is not valid UTF-8$/);
    // 0xA2A1 is unassigned in GB2312 (GBK has it): refused on its line.
    writeFileSync(hyp, Buffer.concat([gb('我们 明天 去 北京 (spk1-001)\n'), Buffer.from([0xa2, 0xa1, 0x20]), gb('世界 (spk1-002)\n')]));
    const bad = spawnSync(process.execPath, [BIN, 'score', '--ref', ref, '--hyp', hyp, '--encoding', 'gb2312'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/gb\.hyp\.trn:2: line is not valid GB2312 \(EUC-CN\)/);
    const unknown = spawnSync(process.execPath, [BIN, 'score', '--ref', ref, '--hyp', hyp, '-e', 'latin1'], { encoding: 'utf8' });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/--encoding must be utf-8 or gb2312/);
  });
});
