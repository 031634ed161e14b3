import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../src/manifest/errors.ts';
import {
  detectFormat,
  formatTrnLine,
  loadTranscripts,
  parseTrnLine,
  readTranscripts,
  speakerOf,
  writeTrn,
} from '../../src/score/trn.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-trn-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function collect(path: string): Promise<Array<{ id: string; speaker: string; text: string; line: number }>> {
  const out = [];
  for await (const t of readTranscripts(path)) out.push({ id: t.id, speaker: t.speaker, text: t.text, line: t.line });
  return out;
}

async function errorOf(p: Promise<unknown>): Promise<InputError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError');
}

describe('trn', () => {
  it('speaker is the id prefix before the first "-" (else "_"), as sclite -i rm', () => {
    expect(speakerOf('spk1-utt-003')).toBe('spk1');
    expect(speakerOf('spk2_utt3')).toBe('spk2');
    expect(speakerOf('a_b-c')).toBe('a_b');
    expect(speakerOf('lonely')).toBe('lonely');
  });

  it('parses lines, skips blanks and ;; comments, keeps line numbers', async () => {
    const f = join(dir, 'a.trn');
    writeFileSync(f, ';; comment\nthe  cat (sat) on   (alice-1)\n\n(bob-2)\r\nhello ( carol-3 )\n');
    expect(await collect(f)).toEqual([
      { id: 'alice-1', speaker: 'alice', text: 'the cat (sat) on', line: 2 },
      { id: 'bob-2', speaker: 'bob', text: '', line: 4 },
      { id: 'carol-3', speaker: 'carol', text: 'hello', line: 5 },
    ]);
  });

  it('round-trips through writeTrn', async () => {
    const f = join(dir, 'w.trn');
    await writeTrn(f, [
      { id: 's1-a', text: ' one  two ' },
      { id: 's2-b', text: '' },
    ]);
    expect((await collect(f)).map((t) => [t.id, t.text])).toEqual([
      ['s1-a', 'one two'],
      ['s2-b', ''],
    ]);
    expect(() => formatTrnLine('x', 'bad id')).toThrow(/cannot be written/);
  });

  it('names file and line for a missing id, a duplicate id and invalid UTF-8', async () => {
    const noId = join(dir, 'noid.trn');
    writeFileSync(noId, 'ok (s-1)\nno id here\n');
    expect((await errorOf(collect(noId))).message).toBe(`${noId}:2: trn line must end with an utterance id in parentheses, e.g. "the words (spk1-utt1)"`);

    const dup = join(dir, 'dup.trn');
    writeFileSync(dup, 'a (s-1)\nb (s-2)\nc (s-1)\n');
    expect((await errorOf(loadTranscripts(dup))).message).toBe(`${dup}:3: duplicate utterance id "s-1" (first at line 1)`);

    const bad = join(dir, 'bad.trn');
    writeFileSync(bad, Buffer.concat([Buffer.from('fine (s-1)\n'), Buffer.from([0x66, 0xff, 0xfe, 0x20]), Buffer.from('(s-2)\n')]));
    const e = await errorOf(collect(bad));
    expect([e.file, e.line]).toEqual([bad, 2]);
    expect(e.message).toMatch(/not valid UTF-8/);
    expect(() => parseTrnLine('words (a b)', 'x.trn', 7)).toThrow('x.trn:7: bad utterance id "(a b)"');
  });
});

describe('JSONL transcripts', () => {
  it('reads {id, text[, speaker]}, falling back to the id prefix for the speaker', async () => {
    const f = join(dir, 'h.jsonl');
    writeFileSync(f, '{"id":"s1-a","text":"hello there","speaker":"Zoe"}\n\n{"id":"s2-b","text":""}\n');
    expect(detectFormat(f)).toBe('jsonl');
    expect(detectFormat('x.trn')).toBe('trn');
    expect(await collect(f)).toEqual([
      { id: 's1-a', speaker: 'Zoe', text: 'hello there', line: 1 },
      { id: 's2-b', speaker: 's2', text: '', line: 3 },
    ]);
  });

  it('rejects bad lines with file:line', async () => {
    const f = join(dir, 'bad.jsonl');
    writeFileSync(f, '{"id":"s1-a","text":"ok"}\n{"id":"s1-b"}\n');
    expect((await errorOf(collect(f))).message).toBe(`${f}:2: "text" must be a string (id s1-b)`);
    writeFileSync(f, '{"id":"s1-a","text":"ok"}\n{oops\n');
    expect((await errorOf(collect(f))).message).toMatch(new RegExp(`^${f}:2: not valid JSON`));
  });
});
