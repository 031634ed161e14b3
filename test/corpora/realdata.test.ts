/** Smoke test on the real human recordings Debian's pocketsphinx-testdata ships (librivox and cards). */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmp, write } from './fixtures.ts';
import { loadManifest } from '../../src/manifest/jsonl.ts';
import { prepareAudio } from '../../src/audio/prepare.ts';
import { qcAudio } from '../../src/audio/qc.ts';

const DATA = '/usr/share/pocketsphinx/test/data';
const BIN = new URL('../../bin/asrfair.mjs', import.meta.url).pathname;

/** "<s> words </s> (id)" lines → [id, words]. */
function transcripts(file: string): Array<[string, string]> {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const m = /^<s>\s*(.*?)\s*<\/s>\s*\((\S+)\)$/.exec(l.trim());
      if (!m) throw new Error(`unexpected transcription line: ${l}`);
      return [m[2], m[1].replace(/\s+/g, ' ')];
    });
}

describe('real recordings from pocketsphinx-testdata', () => {
  it('a Kaldi dir around librivox + cards imports through the CLI and every utterance prepares', async () => {
    const dir = tmp('real');
    const kd = join(dir, 'kaldi');
    const lib = transcripts(join(DATA, 'librivox', 'transcription')).map(([id, t]) => [`reader-${id}`, t, join(DATA, 'librivox', `${id}.wav`)]);
    const cards = transcripts(join(DATA, 'cards', 'cards.transcription')).map(([id, t]) => [`cards-${id}`, t, join(DATA, 'cards', `${id}.wav`)]);
    const all = [...lib, ...cards];
    write(join(kd, 'wav.scp'), all.map(([id, , p]) => `${id} ${p}\n`).join(''));
    write(join(kd, 'text'), all.map(([id, t]) => `${id} ${t}\n`).join(''));
    write(join(kd, 'utt2spk'), all.map(([id]) => `${id} ${id.split('-')[0]}\n`).join(''));
    const out = join(dir, 'real.jsonl');
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'import', 'kaldi', kd, '-o', out]);
    expect(stdout).toContain('10 utterances, 2 speakers');
    const entries = await loadManifest(out);
    expect(entries.map((e) => e.id).sort()).toEqual(all.map(([id]) => id).sort());
    expect(entries.every((e) => Object.keys(e.labels).length === 0)).toBe(true); // nothing declared, nothing invented
    let total = 0;
    for (const e of entries) {
      const clean = await prepareAudio(e, { cacheDir: join(dir, 'cache') });
      const tel = await prepareAudio(e, { cacheDir: join(dir, 'cache'), condition: { name: 'phone', steps: [{ type: 'telephone' }] } });
      expect(tel.durationSec).toBe(clean.durationSec);
      expect(tel.sha256).not.toBe(clean.sha256);
      const q = await qcAudio(e.audioPath);
      expect([q.sampleRate, q.channels]).toEqual([16000, 1]);
      expect(q.snrDb).toBeGreaterThan(5);
      total += clean.durationSec;
    }
    expect(total).toBeGreaterThan(25);
  });

  it('CSV import through the CLI applies a label map and prints the unmapped report', async () => {
    const dir = tmp('realcsv');
    const rows = transcripts(join(DATA, 'cards', 'cards.transcription'));
    // Declarations written for the test: the point is the mapping mechanics, not the speakers.
    const declared = ['US English', 'us english', 'American', 'Scouse', ''];
    write(join(dir, 'cards.csv'), 'id,path,text,accent\n' + rows.map(([id, t], i) => `${id},${join(DATA, 'cards', `${id}.wav`)},${t},${declared[i]}`).join('\n') + '\n');
    write(join(dir, 'map.yaml'), 'accent:\n  US English: us\n  "/^americ/i": us\n');
    const out = join(dir, 'cards.jsonl');
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'import', 'csv', join(dir, 'cards.csv'), '-o', out, '--labels', join(dir, 'map.yaml'), '--map', 'id=id,audio=path,text=text,label.accent=accent']);
    expect(stdout).toContain('accent: "Scouse" ×1');
    const entries = await loadManifest(out);
    expect(entries.map((e) => e.labels.accent ?? 'undeclared')).toEqual(['us', 'us', 'us', 'scouse', 'undeclared']);
  });

  it('bad CLI input exits 2 with file:line', async () => {
    const dir = tmp('realbad');
    write(join(dir, 'bad.csv'), 'id,path,text\nx,a.wav\n');
    const r = await promisify(execFile)(process.execPath, [BIN, 'import', 'csv', join(dir, 'bad.csv'), '-o', join(dir, 'o.jsonl'), '--map', 'id=id,audio=path,text=text']).catch((e: { code: number; stderr: string }) => e);
    expect((r as { code: number }).code).toBe(2);
    expect((r as { stderr: string }).stderr).toMatch(/bad\.csv:2: expected 3 comma-separated fields/);
  });
});
