/**
 * ctm reference against ctm hypothesis, with and without sclite's time-mediated alignment (-T),
 * checked against Debian's sclite on seeded random conversations (chunking, alternations, -D, -F)
 * and on the smallest inputs where -T and word alignment disagree; bad input and CLI usage errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scoreCtmCtm } from '../../src/score/ctm2ctm.ts';
import { scoreStmCtm } from '../../src/score/longform.ts';
import { InputError } from '../../src/manifest/errors.ts';
import { parseScliteOutput, SCLITE, scliteAvailable } from './sclite-run.ts';
import { prng, vocabulary } from './random-corpus.ts';
import { TSCLITE_DIR } from './tsclite.ts';

const BIN = join(import.meta.dirname, '../../bin/asrfair.mjs');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-ctm2ctm-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sclite(ref: string, hyp: string, flags: string[]): ReturnType<typeof parseScliteOutput> {
  const r = spawnSync(SCLITE, ['-r', ref, 'ctm', '-h', hyp, 'ctm', ...flags, '-o', 'sum', 'rsum', 'stdout'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sclite failed: ${r.stderr}${r.stdout.slice(-400)}`);
  return parseScliteOutput(r.stdout);
}

async function rows(ref: string, hyp: string, flags: string[]): Promise<(string | number)[][]> {
  const res = await scoreCtmCtm(ref, hyp, {
    chars: false,
    timeFaults: 'keep',
    timeMediated: flags.includes('-T'),
    markup: { caseFold: 'ascii', optionalDeletable: flags.includes('-D'), fragments: flags.includes('-F') },
  });
  return res.speakers.rows().map((s) => [s.speaker, s.sentences, s.counts.ref, s.counts.hits, s.counts.sub, s.counts.del, s.counts.ins, s.sentenceErrors]);
}

const theirRows = (o: ReturnType<typeof parseScliteOutput>): (string | number)[][] =>
  o.rawSpeakers.map((r) => [r.speaker, r.sentences, r.words, r.corr, r.sub, r.del, r.ins, r.sentErr]);

/**
 * A seeded conversation pair: reference words with times (pauses long enough for sclite to cut
 * chunks), alternations (some with an empty alternative), `(uh)` and fragments; the hypothesis
 * keeps, shifts, substitutes, drops and inserts words and has a few alternations of its own.
 */
function randomPair(seed: number, words: [number, number] = [40, 200], convs = 3): { ref: string; hyp: string } {
  const rand = prng(seed);
  const vocab = vocabulary(60, rand, false);
  const pick = (): string => vocab[Math.floor(rand() * vocab.length)]!;
  const ref: string[] = [];
  const hyp: string[] = [];
  const t = (x: number): string => x.toFixed(2);
  for (let conv = 0; conv < convs; conv++) {
    const file = `conv${seed}_${conv}`;
    for (const ch of conv === 1 ? ['A'] : ['A', 'B']) {
      let time = rand() * 2;
      const n = words[0] + Math.floor(rand() * (words[1] - words[0]));
      for (let k = 0; k < n; k++) {
        time += rand() < 0.08 ? 0.5 + rand() * 3 : 0.02 + rand() * 0.1;
        const dur = 0.05 + rand() * 0.4;
        const word = rand() < 0.05 ? '(uh)' : rand() < 0.04 ? `${pick().slice(0, 2)}-` : pick();
        const x = rand();
        if (x < 0.04) {
          ref.push(`${file} ${ch} * * <ALT_BEGIN>`, `${file} ${ch} ${t(time)} ${t(dur)} ${word}`, `${file} ${ch} * * <ALT>`);
          if (rand() < 0.5) ref.push(`${file} ${ch} ${t(time)} ${t(dur / 2)} ${pick()}`, `${file} ${ch} ${t(time + dur / 2)} ${t(dur / 2)} ${pick()}`);
          ref.push(`${file} ${ch} * * <ALT_END>`);
        } else ref.push(`${file} ${ch} ${t(time)} ${t(dur)} ${word}`);
        const y = rand();
        const jitter = (rand() - 0.5) * 0.2;
        const hw = y < 0.7 ? word.replace(/[()]/g, '') : y < 0.85 ? pick() : undefined;
        if (hw !== undefined) {
          if (rand() < 0.03) {
            hyp.push(`${file} ${ch} * * <ALT_BEGIN>`, `${file} ${ch} ${t(time + jitter)} ${t(dur)} ${hw}`, `${file} ${ch} * * <ALT>`, `${file} ${ch} * * <ALT_END>`);
          } else hyp.push(`${file} ${ch} ${t(Math.max(0, time + jitter))} ${t(dur)} ${hw}`);
        }
        if (rand() < 0.08) hyp.push(`${file} ${ch} ${t(time + dur + 0.01)} ${t(0.1)} ${pick()}`);
        time += dur;
      }
    }
  }
  return { ref: `${ref.join('\n')}\n`, hyp: `${hyp.join('\n')}\n` };
}

describe.skipIf(!scliteAvailable)('ctm vs ctm against Debian sclite', () => {
  it('seeded random conversations: every speaker row equals sclite with no flag, -D, -F, -T, -T -D', async () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const { ref, hyp } = randomPair(seed);
      const rp = join(dir, `r${seed}.ctm`);
      const hp = join(dir, `h${seed}.ctm`);
      writeFileSync(rp, ref);
      writeFileSync(hp, hyp);
      for (const flags of [[], ['-D'], ['-F'], ['-T'], ['-T', '-D']]) {
        expect(await rows(rp, hp, flags), `seed ${seed} ${flags.join(' ')}`).toEqual(theirRows(sclite(rp, hp, flags)));
      }
    }
  }, 60_000);

  it("files longer than sclite's 5000-line token buffer (slot numbers shift when it refills): rows equal with no flag and -T", async () => {
    for (const seed of [21, 22]) {
      const { ref, hyp } = randomPair(seed, [900, 1300], 4);
      const rp = join(dir, `big-r${seed}.ctm`);
      const hp = join(dir, `big-h${seed}.ctm`);
      writeFileSync(rp, ref);
      writeFileSync(hp, hyp);
      expect(ref.split('\n').length).toBeGreaterThan(5000);
      for (const flags of [[], ['-T']]) expect(await rows(rp, hp, flags), `seed ${seed} ${flags.join(' ')}`).toEqual(theirRows(sclite(rp, hp, flags)));
    }
  }, 60_000);

  it('SCTK tima_*.ctm with -F and -T -F equal sclite (the suite runs them without -F)', async () => {
    const [r, h] = [join(TSCLITE_DIR, 'tima_ref.ctm'), join(TSCLITE_DIR, 'tima_hyp.ctm')];
    for (const flags of [['-F'], ['-T', '-F']]) expect(await rows(r, h, flags), flags.join(' ')).toEqual(theirRows(sclite(r, h, flags)));
  });

  it('smallest case where -T differs: a hypothesis word at the time of the first reference word', async () => {
    const rp = join(dir, 'small-ref.ctm');
    const hp = join(dir, 'small-hyp.ctm');
    writeFileSync(rp, 'f A 0.00 0.50 cat\nf A 0.60 0.50 dog\n');
    writeFileSync(hp, 'f A 0.00 0.50 dog\n');
    // Word alignment: cat deleted, dog correct. Time-mediated: dog sits where cat was: cat -> dog, dog deleted.
    expect(await rows(rp, hp, [])).toEqual([['f-a', 1, 2, 1, 0, 1, 0, 1]]);
    expect(await rows(rp, hp, ['-T'])).toEqual([['f-a', 1, 2, 0, 1, 1, 0, 1]]);
    for (const flags of [[], ['-T']]) expect(await rows(rp, hp, flags)).toEqual(theirRows(sclite(rp, hp, flags)));
  });
});

describe('ctm vs ctm: bad input and usage', () => {
  it('time faults stop with file:line unless kept; channels missing on either side name the line', async () => {
    const rp = join(dir, 'bad-ref.ctm');
    const hp = join(dir, 'bad-hyp.ctm');
    writeFileSync(rp, 'f A 0.5 0.2 a\nf A 0.9 0.1 b\n');
    writeFileSync(hp, 'f A 0.5 0.2 a\nf A 0.9 -0.1 b\n');
    await expect(scoreCtmCtm(rp, hp)).rejects.toThrow(/bad-hyp\.ctm:2: negative duration -0\.1/);
    const kept = await scoreCtmCtm(rp, hp, { timeFaults: 'keep' });
    expect(kept.timeFaults).toMatchObject({ negativeDuration: 1, outOfOrder: 0 });
    expect(kept.timeFaults.first[0]).toMatch(/bad-hyp\.ctm:2: negative duration/);
    writeFileSync(hp, 'f A 0.5 0.2 a\nf B 0.9 0.1 b\n');
    await expect(scoreCtmCtm(rp, hp)).rejects.toThrow(/bad-hyp\.ctm:2: file\/channel "f b" is not in the reference/);
    writeFileSync(rp, 'f A 0.5 0.2 a\ng A 0.9 0.1 b\n');
    writeFileSync(hp, 'f A 0.5 0.2 a\n');
    await expect(scoreCtmCtm(rp, hp)).rejects.toThrow(InputError);
    await expect(scoreCtmCtm(rp, hp)).rejects.toThrow(/bad-ref\.ctm:2: file\/channel "g a" has no word in the hypothesis/);
  });

  it('the CLI: -T needs ctm on both sides, -m an stm reference, -c no ctm reference (one line, exit 2)', () => {
    const ctm = join(dir, 'u.ctm');
    const trn = join(dir, 'u.trn');
    const stm = join(dir, 'u.stm');
    writeFileSync(ctm, 'f A 0.5 0.2 a\n');
    writeFileSync(trn, 'a (s-1)\n');
    writeFileSync(stm, 'f A s 0 1 a\n');
    const run = (args: string[]): { status: number | null; stderr: string; stdout: string } =>
      spawnSync(process.execPath, [BIN, 'score', '--confusions', '0', ...args], { encoding: 'utf8' });
    for (const [args, msg] of [
      [['--ref', trn, '--hyp', trn, '-T'], /-T\/--time-mediated needs a ctm reference and a ctm hypothesis \(got trn and trn\)/],
      [['--ref', stm, '--hyp', ctm, '--time-mediated'], /needs a ctm reference.*\(got stm and ctm\); sclite refuses/],
      [['--ref', ctm, '--hyp', ctm, '-m'], /-m\/--reduce needs an stm reference/],
      [['--ref', stm, '--hyp', ctm, '-m', 'both'], /-m\/--reduce takes ref and\/or hyp, not "both"/],
      [['--ref', ctm, '--hyp', ctm, '-c'], /-c\/--char-align does not apply to a ctm reference/],
    ] as const) {
      const r = run([...args]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(msg);
    }
    const ok = run(['--ref', ctm, '--hyp', ctm, '-T']);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toContain('Alignment:   time-mediated (sclite -T');
    expect(ok.stdout).toContain('Chunks:      1   reference words: 1   hits 1');
  });

  it.skipIf(!existsSync(join(TSCLITE_DIR, 'lvc_hypr.ctm')))('-m through the CLI states what it left out', () => {
    const r = spawnSync(
      process.execPath,
      [BIN, 'score', '--ref', join(TSCLITE_DIR, 'lvc_refr.stm'), '--hyp', join(TSCLITE_DIR, 'lvc_hypr.ctm'), '-m', 'ref,hyp', '--confusions', '0'],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Reduced (-m ref,hyp): 13 segments and 2 hypothesis words outside the other side\'s time range left out');
  });

  it.skipIf(!scliteAvailable)('-m ref with the last segment left out: the words after the last scored segment are not scored, as in sclite', async () => {
    const stm = join(dir, 'm.stm');
    const ctm = join(dir, 'm.ctm');
    writeFileSync(stm, 'f A s1 0 2 a\nf A s1 10 12 b c\n');
    writeFileSync(ctm, 'f A 0.5 0.2 a\nf A 3.0 0.1 x\n');
    const res = await scoreStmCtm(stm, ctm, { chars: false, reduce: { ref: true } });
    expect(res.reduced).toEqual({ segments: 1, hypWords: 0, unassignedHypWords: 1 });
    const r = spawnSync(SCLITE, ['-r', stm, 'stm', '-h', ctm, 'ctm', '-m', 'ref', '-o', 'sum', 'rsum', 'stdout'], { encoding: 'utf8' });
    const t = parseScliteOutput(r.stdout).rawSum;
    const o = res.speakers.total();
    expect([o.sentences, o.counts.ref, o.counts.hits, o.counts.sub, o.counts.del, o.counts.ins]).toEqual([t.sentences, t.words, t.corr, t.sub, t.del, t.ins]);
    expect([o.sentences, o.counts.ref, o.counts.ins]).toEqual([1, 1, 0]);
  });

  it.skipIf(!existsSync(join(TSCLITE_DIR, 'lvc_refr.stm')))('-m: the reduced totals are the scored part of the unreduced run', async () => {
    const [ref, hyp] = [join(TSCLITE_DIR, 'lvc_refr.stm'), join(TSCLITE_DIR, 'lvc_hypr.ctm')];
    const all = await scoreStmCtm(ref, hyp, { chars: false });
    const red = await scoreStmCtm(ref, hyp, { chars: false, reduce: { ref: true } });
    expect(red.utterances + red.reduced.segments).toBe(all.utterances);
    expect(red.words.ref).toBeLessThan(all.words.ref);
  });
});
