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
});
