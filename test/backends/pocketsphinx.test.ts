import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PocketSphinxBackend, defaultPocketSphinxOptions } from '../../src/backends/pocketsphinx.ts';
import { parseHypseg } from '../../src/backends/pocketsphinx-batch.ts';
import { getBackendFactory } from '../../src/backends/index.ts';
import { BackendError } from '../../src/backends/types.ts';
import { librivoxFixtures } from './fixtures.ts';
import { align } from '../../src/score/align.ts';
import { sumCounts, wer } from '../../src/score/metrics.ts';

/** Human read speech shipped by Debian's pocketsphinx-testdata, with its reference transcripts. */
const librivox = () => librivoxFixtures().map((f) => ({ ref: f.text, ref16k: f.audio }));

const signal = () => new AbortController().signal;

describe('pocketsphinx backend (Debian pocketsphinx_batch, real decoding)', () => {
  const backend = new PocketSphinxBackend({ ...defaultPocketSphinxOptions(), processes: 2 });
  afterAll(() => backend.close());

  it('decodes real human speech at the WER measured for this model (~28%), with word times', async () => {
    const items = librivox();
    const results = await Promise.all(items.map((i) => backend.transcribe(i.ref16k, signal())));
    const counts = sumCounts(items.map((it, k) => align(it.ref.split(' '), results[k].text.split(' ').filter(Boolean)).counts));
    expect(counts.ref).toBe(items.reduce((n, it) => n + it.ref.split(' ').length, 0));
    expect(counts.ref).toBeGreaterThan(60);
    expect(wer(counts)).toBeGreaterThan(0.1);
    expect(wer(counts)).toBeLessThan(0.45);
    for (const [k, r] of results.entries()) {
      expect(r.words!.length).toBe(r.text.split(' ').filter(Boolean).length);
      let prev = 0;
      for (const w of r.words!) {
        expect(w.start).toBeGreaterThanOrEqual(prev);
        expect(w.end).toBeGreaterThan(w.start);
        expect(w.end).toBeLessThanOrEqual(items[k].ref16k.durationSec + 0.05);
        expect(w.confidence).toBeGreaterThanOrEqual(0);
        expect(w.confidence).toBeLessThanOrEqual(1);
        prev = w.end;
      }
      expect(new Set(r.words!.map((w) => w.confidence)).size).toBeGreaterThan(1);
      expect(r.text).not.toMatch(/<s>|<\/s>|<sil>|\(\d\)/);
    }
  });

  it('decodes silence to an empty hypothesis without stalling the decoder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ps-'));
    const sil = join(dir, 'silence.wav');
    execFileSync('sox', ['-D', '-n', '-r', '16000', '-c', '1', '-b', '16', sil, 'trim', '0', '1']);
    const r = await backend.transcribe({ id: 'sil', path: sil, wav16k: sil, sha256: 'x', durationSec: 1 }, signal());
    expect(r.text).toBe('');
    expect(r.words).toEqual([]);
    const [a] = librivox();
    expect((await backend.transcribe(a.ref16k, signal())).text.length).toBeGreaterThan(20);
  });

  it('gives the same hypothesis for the same audio run to run, and across processes', async () => {
    const [a] = librivox();
    const out = await Promise.all([1, 2, 3].map(() => backend.transcribe(a.ref16k, signal())));
    expect(new Set(out.map((o) => o.text)).size).toBe(1);
    expect(new Set(out.map((o) => JSON.stringify(o.words))).size).toBe(1);
  });

  it('rejects audio that is not 16 kHz mono PCM with a clear, non-retryable error naming the file, and keeps working', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ps-'));
    const wav8k = join(dir, 'tone8k.wav');
    execFileSync('sox', ['-D', '-n', '-r', '8000', '-c', '1', '-b', '16', wav8k, 'synth', '0.5', 'sine', '440']);
    const missing = join(dir, 'missing.wav');
    const corrupt = join(dir, 'corrupt.wav');
    writeFileSync(corrupt, 'this is not audio');
    for (const path of [wav8k, missing, corrupt]) {
      const err = await backend.transcribe({ id: 'x', path, wav16k: path, sha256: 'x', durationSec: 0.5 }, signal()).catch((e) => e);
      expect(err).toBeInstanceOf(BackendError);
      expect((err as BackendError).retryable).toBe(false);
      expect((err as Error).message).toContain(path);
    }
    const [a] = librivox();
    const copy = join(dir, 'copy.wav');
    copyFileSync(a.ref16k.wav16k, copy);
    const ok = await backend.transcribe({ ...a.ref16k, wav16k: copy }, signal());
    expect(ok.text.length).toBeGreaterThan(10);
  });

  it('abandons a decode when its signal aborts and recovers with a fresh process', async () => {
    const [a, b] = librivox();
    const ctl = new AbortController();
    const p = backend.transcribe(a.ref16k, ctl.signal);
    setTimeout(() => ctl.abort(new Error('timeout')), 50);
    await expect(p).rejects.toMatchObject({ retryable: true });
    const ok = await backend.transcribe(b.ref16k, signal());
    expect(ok.text).toContain('young man');
  });

  it('keys results by model and options, and builds from suite options through the registry', async () => {
    const f = getBackendFactory('pocketsphinx');
    const x = await f.create({}, { baseDir: '/' });
    const y = await f.create({ flags: { beam: '1e-60' } }, { baseDir: '/' });
    const z = await f.create({ processes: 1 }, { baseDir: '/' });
    expect(x.key).toMatch(/^pocketsphinx:en-us:[0-9a-f]{12}$/);
    expect(y.key).not.toBe(x.key);
    expect(z.key).toBe(x.key); // process count does not change the output
    await expect(f.create({ lm: '/nonexistent.lm.bin' }, { baseDir: '/' })).rejects.toThrow(/nonexistent\.lm\.bin/);
    await Promise.all([x, y, z].map((b) => b.close?.()));
  });

  it('opens the engine for glass-box work: phone-loop decoding and forced alignment of the reference', async () => {
    const [, b] = librivox(); // "he was not an ill disposed young man"
    const words = b.ref.split(' ');
    const phones = await backend.glass!.decodePhones(b.ref16k, signal());
    expect(phones.length).toBeGreaterThan(15);
    expect(phones.every((p) => /^[A-Z]+$/.test(p.phone) && p.end > p.start)).toBe(true);
    const aligned = await backend.glass!.forceAlign(b.ref16k, words, signal());
    expect(aligned.words.map((w) => w.word)).toEqual(words);
    // "man" = M AE N closes the utterance; phones come back in order with acoustic scores.
    const speech = aligned.phones.filter((p) => p.phone !== 'SIL');
    expect(speech.slice(-3).map((p) => p.phone)).toEqual(['M', 'AE', 'N']);
    expect(speech.every((p) => typeof p.score === 'number')).toBe(true);
    for (let i = 1; i < aligned.words.length; i++) expect(aligned.words[i].start).toBeGreaterThanOrEqual(aligned.words[i - 1].end - 1e-9);
  });

  it('parses hypseg lines into words and frame times', () => {
    const seg = parseHypseg('u1 S 0 T -100 A -90 L -10 0 -5 0 <s> 15 -1 -1 the 27 -2 -2 use(2) 56 -3 -3 <sil> 77 -4 -4 [NOISE] 90 -5 -5 plants 120 -1 -1 </s> 130');
    expect(seg.words.map((w) => w.word)).toEqual(['the', 'use', 'plants']);
    expect(seg.words[1]).toMatchObject({ start: 0.27, end: 0.56 });
    expect(seg.words[2]).toMatchObject({ start: 0.9, end: 1.2 });
  });
});
