import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getBackendFactory } from '../../src/backends/index.ts';
import '../../src/backends/hypotheses.ts';
import { HypothesesBackend, parseHypotheses } from '../../src/backends/hypotheses.ts';
import { BackendError } from '../../src/backends/types.ts';
import { InputError } from '../../src/manifest/errors.ts';
import { librivoxFixtures, LIBRIVOX_DIR, type SpeechFixture } from './fixtures.ts';

let dir: string;
let fx: SpeechFixture[];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-hyp-'));
  fx = librivoxFixtures();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function backend(options: Record<string, unknown>): Promise<HypothesesBackend> {
  return (await getBackendFactory('hypotheses').create(options, { baseDir: dir })) as HypothesesBackend;
}

describe('hypotheses backend', () => {
  it('reads a real sclite trn file (pocketsphinx-testdata reference transcripts) keyed by id', async () => {
    // The testdata transcription file is trn with <s> </s> marks; the backend returns the text as written.
    writeFileSync(join(dir, 'ref.trn'), readFileSync(`${LIBRIVOX_DIR}/transcription`));
    const b = await backend({ file: 'ref.trn' });
    expect(b.size).toBe(fx.length);
    for (const f of fx) expect((await b.transcribe(f.audio)).text).toBe(`<s> ${f.text} </s>`);
  });

  it('reads JSONL with text or hyp fields and optional words', async () => {
    const lines = [
      JSON.stringify({ id: fx[0].audio.id, text: 'first hypothesis' }),
      '',
      JSON.stringify({ id: fx[1].audio.id, hyp: 'he was not', words: [{ word: 'he', start: 0.1, end: 0.3, confidence: 0.9 }] }),
    ];
    writeFileSync(join(dir, 'h.jsonl'), lines.join('\n'));
    const b = await backend({ file: 'h.jsonl', name: 'vendor-x' });
    expect((await b.transcribe(fx[0].audio)).text).toBe('first hypothesis');
    const t = await b.transcribe(fx[1].audio);
    expect(t.text).toBe('he was not');
    expect(t.words).toEqual([{ word: 'he', start: 0.1, end: 0.3, confidence: 0.9 }]);
    expect(b.key).toMatch(/^hypotheses:vendor-x:[0-9a-f]{12}$/);
    expect((await b.info()).capabilities.wordTimes).toBe(true);
  });

  it('reads TSV with an optional header; empty hypotheses are kept', async () => {
    writeFileSync(join(dir, 'h.tsv'), `id\ttext\n${fx[0].audio.id}\tsome words here\n${fx[1].audio.id}\t\n`);
    const b = await backend({ file: 'h.tsv' });
    expect((await b.transcribe(fx[0].audio)).text).toBe('some words here');
    expect((await b.transcribe(fx[1].audio)).text).toBe('');
  });

  it('missing id → non-retryable BackendError naming id and file', async () => {
    writeFileSync(join(dir, 'one.tsv'), `${fx[0].audio.id}\tx\n`);
    const b = await backend({ file: 'one.tsv' });
    const e = await b.transcribe(fx[2].audio).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BackendError);
    expect(e).toMatchObject({ retryable: false, message: `no hypothesis for id ${fx[2].audio.id} in ${join(dir, 'one.tsv')}` });
  });

  it('the key follows the file content, not its name or the audio', async () => {
    writeFileSync(join(dir, 'a.tsv'), 'u1\thello\n');
    const a1 = await backend({ file: 'a.tsv', name: 'm' });
    writeFileSync(join(dir, 'b.tsv'), 'u1\thello\n');
    const b1 = await backend({ file: 'b.tsv', name: 'm' });
    expect(b1.key).toBe(a1.key);
    writeFileSync(join(dir, 'a.tsv'), 'u1\thello there\n');
    const a2 = await backend({ file: 'a.tsv', name: 'm' });
    expect(a2.key).not.toBe(a1.key);
  });

  it('bad input errors name file and line', async () => {
    const cases: [string, string, RegExp][] = [
      ['bad.jsonl', '{"id":"a","text":"x"}\n{"id":"b"', /bad\.jsonl:2: not valid JSON/],
      ['nohyp.jsonl', '{"id":"a","txt":"x"}', /nohyp\.jsonl:1: missing "text"/],
      ['dup.tsv', 'a\tx\nb\ty\na\tz\n', /dup\.tsv:3: duplicate id "a" \(first on line 1\)/],
      ['notab.tsv', 'a x\n', /notab\.tsv:1: expected "id<TAB>text"/],
      ['bad.trn', 'hello world (a)\nno id here\n', /bad\.trn:2: expected trn/],
      ['words.jsonl', '{"id":"a","text":"x","words":[{"word":"x"}]}', /words\.jsonl:1: words\[0\]/],
    ];
    for (const [name, content, re] of cases) {
      writeFileSync(join(dir, name), content);
      const err = await backend({ file: name }).catch((x: unknown) => x);
      expect(err, name).toBeInstanceOf(InputError);
      expect((err as Error).message, name).toMatch(re);
    }
    await expect(backend({ file: 'missing.tsv' })).rejects.toThrow(/missing\.tsv: cannot read hypotheses file: ENOENT/);
    await expect(backend({ file: 'a.tsv', format: 'csv' })).rejects.toThrow(/jsonl, tsv, trn/);
    expect([...parseHypotheses(';; comment\nthe cat (spk1-utt1)\n', 'x.trn', 'trn').keys()]).toEqual(['spk1-utt1']);
  });

  describe('vendor tables as published (Artie bias corpus: path<TAB>prediction, clip names with .wav)', () => {
    const ARTIE = join(import.meta.dirname, '../../../shared/data/artie-bias-corpus');
    const GOOGLE = join(ARTIE, 'predictions/google/en-US/dec-4-2019.tsv');
    const ref = (id: string) => ({ id, path: '', wav16k: '', sha256: 'text-only', durationSec: 0 });

    it('maps clip names to utterance ids with idFrom, keeps empty answers, and lists rows for ids not seen', async () => {
      const rows = readFileSync(GOOGLE, 'utf8').trimEnd().split('\n');
      expect(rows[0]).toBe('path\tprediction');
      const b = await backend({ file: GOOGLE, idFrom: 'basename-without-extension' });
      expect(b.size).toBe(rows.length - 1);
      const [clip, text] = rows[1].split('\t');
      expect(clip).toMatch(/^common_voice_en_\d+\.wav$/);
      expect((await b.transcribe(ref(clip.replace(/\.wav$/, '')))).text).toBe(text);
      // Google returned nothing for 36 clips: an empty answer is an answer (all deletions), not a missing one.
      const empty = rows.filter((r) => /\t$/.test(r)).map((r) => r.split('\t')[0].replace(/\.wav$/, ''));
      expect(empty).toHaveLength(36);
      expect((await b.transcribe(ref(empty[0]))).text).toBe('');
      // As-is, the same table answers only the clip names.
      const asIs = await backend({ file: GOOGLE });
      await expect(asIs.transcribe(ref(clip.replace(/\.wav$/, '')))).rejects.toBeInstanceOf(BackendError);
      expect((await asIs.transcribe(ref(clip))).text).toBe(text);
      expect(asIs.key).not.toBe(b.key); // the mapping changes who gets which answer
      const prefixed = await backend({ file: GOOGLE, idFrom: 'basename-without-extension', idPrefix: 'cv-' });
      expect((await prefixed.transcribe(ref(`cv-${clip.replace(/\.wav$/, '')}`))).text).toBe(text);
      // Rows for utterances outside a manifest: file and line of each, in file order.
      const seen = new Set(rows.slice(1, -2).map((r) => r.split('\t')[0].replace(/\.wav$/, '')));
      const extra = b.unmatchedEntries(seen);
      expect(extra).toEqual([
        { file: GOOGLE, line: rows.length - 1, id: rows[rows.length - 2].split('\t')[0].replace(/\.wav$/, '') },
        { file: GOOGLE, line: rows.length, id: rows[rows.length - 1].split('\t')[0].replace(/\.wav$/, '') },
      ]);
    });

    it('two rows mapping to one id, an empty mapped id and an unknown idFrom are errors naming file and line', async () => {
      writeFileSync(join(dir, 'two.tsv'), 'path\tprediction\nclips/a.wav\tx\nother/a.mp3\ty\n');
      await expect(backend({ file: 'two.tsv', idFrom: 'basename-without-extension' })).rejects.toThrow(/two\.tsv:3: duplicate id "a" \(from "other\/a\.mp3"\) \(first on line 2\)/);
      expect((await backend({ file: 'two.tsv', idFrom: 'basename' })).size).toBe(2);
      writeFileSync(join(dir, 'slash.tsv'), 'clips/\tx\n');
      await expect(backend({ file: 'slash.tsv', idFrom: 'basename' })).rejects.toThrow(/slash\.tsv:1: "clips\/" gives an empty utterance id/);
      await expect(backend({ file: 'two.tsv', idFrom: 'stem' })).rejects.toThrow(/as-is, basename, basename-without-extension/);
    });
  });
});
