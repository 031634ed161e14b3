import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PocketSphinxGlass, defaultGlassOptions, speechPhones, type TimedPhone } from '../../src/backends/pocketsphinx-glass.ts';
import { canonicalPhones, phoneGoodness, words } from '../../src/analysis/glass.ts';
import { align } from '../../src/score/align.ts';
import { createG2P, type G2P } from '../../src/text/g2p.ts';

const TEXT = 'i think the weather is rather nice this thursday';
const OTHER = 'a big dog ran up to my car and sat down';

let dir: string;
let wav: string;
let g2p: G2P;
let glass: PocketSphinxGlass;
let loop: TimedPhone[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-glass-engine-'));
  wav = join(dir, 'slt.wav');
  execFileSync('flite', ['-voice', 'slt', '-t', TEXT, '-o', wav]);
  g2p = await createG2P();
  glass = new PocketSphinxGlass({ ...defaultGlassOptions(), processes: 2 }, (w) => g2p.word(w));
  const r = (await glass.decodePhonesBatch([{ id: 'u', wav }])).get('u');
  if (!r?.ok) throw new Error(`phone loop failed: ${r?.error}`);
  loop = r.value;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('PocketSphinx glass box (real engine)', () => {
  it('free phone loop recovers most canonical phones and scores every frame', () => {
    const canon = canonicalPhones(words(TEXT), g2p).map((c) => c.phone);
    const speech = speechPhones(loop).map((p) => p.phone);
    const a = align(canon, speech);
    expect(a.counts.hits / canon.length).toBeGreaterThan(0.5);
    // Silences are kept in the batch result, so segments tile the utterance without gaps.
    for (let i = 1; i < loop.length; i++) expect(loop[i].startFrame).toBe(loop[i - 1].endFrame);
    expect(loop[0].startFrame).toBe(0);
  });

  it('forced alignment returns exactly the canonical phones, in time order', async () => {
    const canon = canonicalPhones(words(TEXT), g2p);
    const r = (await glass.forceAlignPhonesBatch([{ id: 'u', wav, phones: canon.map((c) => c.phone) }])).get('u');
    expect(r?.ok).toBe(true);
    const phones = r!.ok ? r!.value : [];
    expect(phones.map((p) => p.phone)).toEqual(canon.map((c) => c.phone));
    const frames = (readFileSync(wav).length - 44) / 2 / 160;
    for (let i = 0; i < phones.length; i++) {
      expect(phones[i].endFrame).toBeGreaterThan(phones[i].startFrame);
      if (i > 0) expect(phones[i].startFrame).toBeGreaterThanOrEqual(phones[i - 1].endFrame);
    }
    expect(phones[phones.length - 1].endFrame).toBeLessThanOrEqual(Math.ceil(frames));
    // The GlassBox interface gives word timings from the same alignment.
    const fa = await glass.forceAlign({ id: 'u', path: wav, wav16k: wav, sha256: '', durationSec: frames / 100 }, words(TEXT), new AbortController().signal);
    expect(fa.words.map((w) => w.word)).toEqual(words(TEXT));
    expect(fa.words[1].start).toBeGreaterThanOrEqual(fa.words[0].end);
  });

  it('goodness is lower when the audio is aligned to the wrong words', async () => {
    const right = canonicalPhones(words(TEXT), g2p);
    const wrong = canonicalPhones(words(OTHER), g2p);
    const res = await glass.forceAlignPhonesBatch([
      { id: 'right', wav, phones: right.map((c) => c.phone) },
      { id: 'wrong', wav, phones: wrong.map((c) => c.phone) },
    ]);
    const mean = (id: string, canon: typeof right) => {
      const r = res.get(id)!;
      if (!r.ok) throw new Error(r.error);
      const g = phoneGoodness(canon, r.value, loop);
      return g.reduce((s, p) => s + p.gop, 0) / g.length;
    };
    const mRight = mean('right', right);
    const mWrong = mean('wrong', wrong);
    expect(mRight).toBeGreaterThan(mWrong);
  });

  it('forced alignment picks the pronunciation variant that fits the audio', async () => {
    const ws = words(TEXT);
    const prons = ws.map((w) => [g2p.word(w)]);
    // "think": a wrong variant first, the right one second.
    prons[1] = [['S', 'AE', 'T'], g2p.word('think')];
    const r = (await glass.forceAlignWordsBatch([{ id: 'v', wav, prons }])).get('v')!;
    if (!r.ok) throw new Error(r.error);
    expect(r.value.chosen[1]).toBe(1);
    expect(r.value.chosen.filter((c, i) => i !== 1).every((c) => c === 0)).toBe(true);
    expect(r.value.phones.map((p) => p.phone)).toEqual(prons.flatMap((p, i) => p[r.value.chosen[i]]));
  });

  it('reports unusable audio per utterance and rejects unknown phones', async () => {
    // A WAV with an extra chunk before `data`: valid audio, but not the 44-byte header batch mode needs.
    const src = readFileSync(wav);
    const list = Buffer.from('LIST\u0004\u0000\u0000\u0000abcd', 'latin1');
    const odd = Buffer.concat([src.subarray(0, 36), list, src.subarray(36)]);
    odd.writeUInt32LE(odd.length - 8, 4);
    const oddWav = join(dir, 'odd.wav');
    writeFileSync(oddWav, odd);
    const res = await glass.decodePhonesBatch([
      { id: 'odd', wav: oddWav },
      { id: 'missing', wav: join(dir, 'nope.wav') },
    ]);
    const o = res.get('odd')!;
    expect(o.ok).toBe(false);
    expect(!o.ok && o.error).toMatch(/odd\.wav: WAV header is 56 bytes/);
    expect(res.get('missing')!.ok).toBe(false);
    await expect(glass.forceAlignPhonesBatch([{ id: 'x', wav, phones: ['DH', 'QQ'] }])).rejects.toThrow(/x: cannot align unknown phones QQ/);
  });
});
