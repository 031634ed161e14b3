/**
 * Recording faults through a whole run with PocketSphinx (issue 12, item 3): antiphase stereo is decoded from one
 * channel (not as digital silence) and flagged in the stored utterance and its QC; a truncated WAV fails as audio,
 * and the backend never receives it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSuite } from '../../src/run/engine.ts';
import { RunStore } from '../../src/run/store.ts';
import { loadSuite } from '../../src/run/suite.ts';
import { getNormaliser } from '../../src/text/normalise.ts';
import { exportRun } from '../../src/report/export-run.ts';
import { readResults } from '../../src/score/run-export.ts';
import { countAudioFlagsByGroup } from '../../src/audio/flags.ts';
import type { AudioQC } from '../../src/audio/qc.ts';
import { encodeWav16, floatToS16 } from '../../src/audio/wav.ts';
import { LIBRIVOX, librivox, readWav } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'asrfair-runfaults-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function stereoWav(l: Float64Array, r: Float64Array): Buffer {
  const inter = new Float64Array(l.length * 2);
  for (let i = 0; i < l.length; i++) (inter[2 * i] = l[i]), (inter[2 * i + 1] = r[i]);
  const wav = encodeWav16(floatToS16(inter).bytes);
  wav.writeUInt16LE(2, 22);
  wav.writeUInt32LE(16000 * 4, 28);
  wav.writeUInt16LE(4, 32);
  return wav;
}

describe('a run over faulty recordings', () => {
  it('antiphase stereo is recognised from one channel and flagged; a truncated WAV fails as audio', async () => {
    const transcript = readFileSync(join(LIBRIVOX, 'transcription'), 'utf8');
    const text = /<s>\s*(.*?)\s*<\/s>\s*\(sense_and_sensibility_01_austen_64kb-0920\)/.exec(transcript)![1];
    const x = readWav(librivox('0920')).x;
    writeFileSync(join(dir, 'anti.wav'), stereoWav(x, x.map((v) => -v)));
    writeFileSync(join(dir, 'mono.wav'), readFileSync(librivox('0920')));
    const full = readFileSync(librivox('0920'));
    writeFileSync(join(dir, 'trunc.wav'), full.subarray(0, 44 + Math.floor((full.length - 44) / 4 / 2) * 2));
    const rows = [
      { id: 'anti', audio: 'anti.wav', text, speaker: 's1', labels: { accent: 'a' } },
      { id: 'mono', audio: 'mono.wav', text, speaker: 's2', labels: { accent: 'b' } },
      { id: 'trunc', audio: 'trunc.wav', text, speaker: 's3', labels: { accent: 'b' } },
    ];
    writeFileSync(join(dir, 'm.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    writeFileSync(join(dir, 'suite.yaml'), 'name: faults\nmanifest: m.jsonl\ngroupBy: [accent]\nbackends:\n  - name: ps\n    type: pocketsphinx\n    options: { processes: 1 }\n');
    const store = new RunStore(join(dir, 'store.sqlite'));
    try {
      const suite = loadSuite(join(dir, 'suite.yaml'));
      const s = await runSuite({ suite, normaliser: getNormaliser(suite.normaliser), store, audioCacheDir: join(dir, 'cache') });
      expect(s.cells[0]).toMatchObject({ total: 3, audioFailed: 1, ok: 2 });
      const items = [...store.iterateRun(s.runId)];
      const byId = new Map(items.map((i) => [i.uttId, i]));
      // The antiphase copy decodes exactly like its mono original (same samples reach the recogniser).
      expect(byId.get('anti')!.result!.hypothesis).toBe(byId.get('mono')!.result!.hypothesis);
      expect(byId.get('anti')!.result!.hypothesis!.split(' ').length).toBeGreaterThan(5);
      expect(byId.get('anti')!.utt.audioFlags).toEqual(['downmix-cancelled']);
      expect(byId.get('mono')!.utt.audioFlags).toBeUndefined();
      expect(byId.get('trunc')!.result).toBeNull();
      expect(byId.get('trunc')!.error).toMatch(/truncated WAV: the header's data size is .* but the file holds/);
      const qcRows = store.db.prepare('SELECT audio_sha256 AS k, qc_json AS j FROM audio_qc').all() as { k: string; j: string }[];
      expect(qcRows).toHaveLength(2);
      const qc = JSON.parse(qcRows.find((r) => r.j.includes('downmix-cancelled'))!.j) as AudioQC;
      expect(byId.get('anti')!.utt).toMatchObject({ sourceRate: 16000, sourceChannels: 2 });
      expect(qc).toMatchObject({ sampleRate: 16000, channels: 2, flags: ['downmix-cancelled'], source: { channels: 2, codec: 'pcm_s16le' } });
      const counts = countAudioFlagsByGroup(items.map((i) => ({ ...i.utt, id: i.uttId })), 'accent');
      expect(counts.get('a')).toEqual({ utterances: 1, flagged: 1, flags: { 'downmix-cancelled': 1 } });
      expect(counts.get('b')).toEqual({ utterances: 2, flagged: 0, flags: {} });
      // The run export carries the flags, so the card can count them per group from results.jsonl.
      await exportRun(store, s.runId, join(dir, 'out'));
      const exported = readResults(join(dir, 'out', 'results.jsonl'));
      expect(exported.find((r) => r.id === 'anti')?.audioFlags).toEqual(['downmix-cancelled']);
      expect(countAudioFlagsByGroup(exported, 'accent')).toEqual(counts);
    } finally {
      store.close();
    }
  });
});
