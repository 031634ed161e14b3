import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scoreFiles, type ScoreOptions } from '../../src/score/score.ts';
import { InputError } from '../../src/manifest/errors.ts';
import { scliteAvailable, scliteUtterances } from './sclite-run.ts';
import { writeArtieRawTrn } from './artie-raw.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-tokens-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeCases(name: string, cases: ReadonlyArray<readonly [string, string]>): { ref: string; hyp: string } {
  const ref = join(dir, `${name}.ref.trn`);
  const hyp = join(dir, `${name}.hyp.trn`);
  writeFileSync(ref, cases.map(([r], i) => `${r} (s-${i + 1})\n`).join(''));
  writeFileSync(hyp, cases.map(([, h], i) => `${h} (s-${i + 1})\n`).join(''));
  return { ref, hyp };
}

/** Our per-utterance C/S/D/I next to Debian sclite's, and the ids where they differ. */
async function compare(files: { ref: string; hyp: string }, scliteFlags: string[], opts: ScoreOptions) {
  const sc = scliteUtterances(files.ref, files.hyp, scliteFlags);
  expect(sc.status).toBe(0);
  const ours = new Map<string, number[]>();
  await scoreFiles(files.ref, files.hyp, { ...opts, chars: false, missingHyp: 'skip', onUtterance: (u) => ours.set(u.id.toLowerCase(), [u.words.hits, u.words.sub, u.words.del, u.words.ins]) });
  const differ = [...sc.utterances.values()].filter((s) => ours.get(s.id)?.join() !== [s.hits, s.sub, s.del, s.ins].join());
  return { sclite: sc.utterances, ours, differ: differ.map((s) => ({ id: s.id, sclite: [s.hits, s.sub, s.del, s.ins], ours: ours.get(s.id) })) };
}

describe.skipIf(!scliteAvailable)('trn tokens as sclite reads them (SCTK find_next_TEXT_token / expand_alternates)', () => {
  it('a "/" inside a word is part of it: "9/10" is one word (the fresh user\'s case: C5 S1 D1 I0, as sclite)', async () => {
    const files = writeCases('slash', [['possession is nine tenths of the law', 'possession is 9/10 of the law']]);
    const r = await compare(files, [], {});
    expect(r.sclite.get('s-1')).toEqual({ id: 's-1', hits: 5, sub: 1, del: 1, ins: 0 });
    expect(r.differ).toEqual([]);
  });

  it('slashes, alternations, empty alternatives, "@", tags and "*" in every position: each utterance equals sclite', async () => {
    const cases = [
      ['a 9/10 b', 'a 9 / 10 b'],
      ['a / b', 'a / b'],
      ['a / b', 'a b'],
      ['a/b/c d', 'a b c d'],
      ['{a/b}c d', 'a c d'],
      ['x {b / c}d', 'x b d'],
      ['{ a / } d', 'd'], // an empty alternative is dropped: "a" is required
      ['{ a / } d', 'a d'],
      ['{ / a } d', 'd'],
      ['{ a / / b } d', 'd'],
      ['{ a // b } d', 'b d'],
      ['{ a b / } d', 'd'],
      ['{ a/ } d', 'd'],
      ['{ a / @ / } d', 'd'],
      ['{ a /@} d', 'd'],
      ['{ @ } d', 'd'],
      ['x { a / b } y', 'x y'],
      ['{ a/b } c', 'a c'],
      ['{ a / b/c } d', 'c d'], // inside braces every "/" separates
      ['{a/b}{c/d} e', 'a d e'],
      ['{ {a/b} / c } d', 'b d'],
      ['a@b c', 'a@b c'],
      ['a@b c', 'a b c'],
      ['@ c', 'c'],
      ['a;t b', 'a b'],
      ['a\\;t b', 'a;t b'],
      ['a* b', 'a b'],
      ['a * b', 'a b'],
    ] as const;
    const r = await compare(writeCases('kinds', cases), [], {});
    expect(r.sclite.size).toBe(cases.length);
    expect(r.differ).toEqual([]);
  });

  it('backslashes (all dropped, "\\;" a literal ";"), tags, "*", parentheses and hyphens: equal to sclite with and without -D, -F', async () => {
    const files = writeCases('escapes', [
      ['a\\b c', 'ab c'],
      ['a\\b c', 'a\\b c'],
      ['a\\\\b c', 'a\\b c'],
      ['() c', 'c'], // with -D an empty "()" is optionally deletable, as in sclite
      ['(a c', 'a c'],
      ['((a)) c', 'a c'],
      ['((a)) c', '(a) c'],
      ['(a)* c', 'c'],
      ['a*;t c', 'a c'],
      ['a;t* c', 'a c'],
      ['a** c', 'a* c'],
      ['a** c', 'a c'],
      ['(a;t) c', 'c'],
      ['- c', 'c'],
      ['- c', 'x c'],
      ['-- c', 'x c'],
      ['th- c', 'the c'],
      ['-ing c', 'going c'],
      ['(th-) c', 'c'],
      ['(th-) c', 'thy c'],
      ['{ th- / @ } c', 'thy c'],
      ['a-b c', 'a b c'],
    ]);
    for (const [flags, markup] of [
      [[], {}],
      [['-D'], { optionalDeletable: true }],
      [['-F'], { fragments: true }],
      [['-D', '-F'], { optionalDeletable: true, fragments: true }],
    ] as const) {
      expect((await compare(files, [...flags], { markup })).differ, flags.join(' ')).toEqual([]);
    }
  });

  it('what sclite cannot read is one error naming file:line (sclite crashes on a "{" inside a word and on an alternation without alternative)', async () => {
    for (const [text, message] of [
      ['a{b/c} d', /ref\.trn:1: "\{" inside the word "a\{b\/c\}"/],
      ['a{ b', /ref\.trn:1: "\{" inside the word "a\{"/],
      ['{ } d', /ref\.trn:1: the alternation "\{ \}" has no alternative/],
      ['{ / } d', /ref\.trn:1: the alternation "\{ \/ \}" has no alternative/],
    ] as const) {
      const files = writeCases('bad', [[text, 'd']]);
      const sc = scliteUtterances(files.ref, files.hyp);
      expect(sc.status, `sclite on "${text}"`).not.toBe(0);
      const err = await scoreFiles(files.ref, files.hyp, {}).then(() => undefined, (e: unknown) => e);
      expect(err, text).toBeInstanceOf(InputError);
      expect((err as Error).message, text).toMatch(message);
    }
  });

  it('Artie corpus, raw prompts against Amazon\'s and Google\'s raw transcripts: every utterance equals sclite (default flags)', async () => {
    for (const vendor of ['amazon', 'google'] as const) {
      const files = writeArtieRawTrn(dir, vendor);
      const r = await compare(files, [], { markup: { caseFold: 'ascii' } });
      expect(r.sclite.size, vendor).toBe(files.utterances);
      expect(r.ours.size, vendor).toBe(files.utterances);
      expect(r.differ, vendor).toEqual([]);
    }
  }, 60_000);
});

describe.skipIf(!scliteAvailable)('-c character alignment equals sclite -c -e utf-8 (SCTK TEXT_separate_chars)', () => {
  const MODES: Array<{ flags: string[]; opts: ScoreOptions }> = [
    { flags: ['-c', '-e', 'utf-8'], opts: { charAlign: {} } },
    { flags: ['-c', 'NOASCII', '-e', 'utf-8'], opts: { charAlign: { noAscii: true } } },
    { flags: ['-c', 'DH', '-e', 'utf-8'], opts: { charAlign: { deleteHyphens: true } } },
    { flags: ['-c', 'NOASCII', 'DH', '-e', 'utf-8'], opts: { charAlign: { noAscii: true, deleteHyphens: true } } },
  ];

  it('NOASCII splits off only the non-ASCII characters: 我的iPhone坏了 / 我的iPad坏了 is C4 S1 over 5 tokens, as sclite', async () => {
    const files = writeCases('noascii', [['我的iPhone坏了', '我的iPad坏了']]);
    const r = await compare(files, ['-c', 'NOASCII', '-e', 'utf-8'], { charAlign: { noAscii: true } });
    expect(r.sclite.get('s-1')).toEqual({ id: 's-1', hits: 4, sub: 1, del: 0, ins: 0 });
    expect(r.differ).toEqual([]);
  });

  it('hyphens (DH keeps a one-character word "-", as sclite), mixed scripts, curly quotes, "@" inside a word: every mode equals sclite', async () => {
    const files = writeCases('chars', [
      ['我的iPhone坏了', '我的iPad坏了'],
      ['a - b', 'a b'],
      ['a - b', 'a b -'],
      ['well-known x', 'wellknown x'],
      ['well-known x', 'well known x'],
      ['-ab x', 'ab x'],
      ['ab- x', 'ab x'],
      ['a--b x', 'ab x'],
      ['é x', 'e x'],
      ['x/y z', 'x y z'],
      ['a@b c', 'a b c'], // the split "@" is sclite's empty word
      ['a@b c', 'ac c'],
      ['café-au-lait', 'cafe au lait'],
      ['don’t “go”', 'don\'t "go"'],
      ['“-” x', 'x'],
    ]);
    for (const m of MODES) expect((await compare(files, m.flags, m.opts)).differ, m.flags.join(' ')).toEqual([]);
  });

  it('Artie raw transcripts (curly quotes, en dashes, a standalone " - "): every utterance equals sclite -c [NOASCII] [DH] -e utf-8', async () => {
    const files = writeArtieRawTrn(dir, 'amazon');
    for (const m of MODES.slice(0, 3)) {
      const r = await compare(files, m.flags, { ...m.opts, markup: { caseFold: 'ascii' } });
      expect(r.sclite.size).toBe(files.utterances);
      expect(r.differ, m.flags.join(' ')).toEqual([]);
    }
    // Speaker a1a4ae4d717e's " - " stays a token under DH, as in sclite.
    const dh = await compare(files, ['-c', 'DH', '-e', 'utf-8'], { charAlign: { deleteHyphens: true }, markup: { caseFold: 'ascii' } });
    expect(dh.sclite.get('a1a4ae4d717e-common_voice_en_18715418')).toEqual({ id: 'a1a4ae4d717e-common_voice_en_18715418', hits: 49, sub: 5, del: 2, ins: 1 });
    // Plain `sclite -c` (no -e) splits UTF-8 bytes, not characters: asrfair's -c is the -e utf-8 reading, as README says.
    const bytes = await compare(files, ['-c'], { charAlign: {}, markup: { caseFold: 'ascii' } });
    expect(bytes.differ.length).toBe(30); // README: 30 utterances of 29 speakers
    expect(new Set(bytes.differ.map((d) => d.id.split('-')[0])).size).toBe(29);
  }, 60_000);
});
