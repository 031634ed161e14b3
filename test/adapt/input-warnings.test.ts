/**
 * What `adapt` says about its input before it adapts (fresh-user trial 12): groups recorded at different sample rates
 * (the check `glass` makes, src/audio/source-rates.ts) and a dev selection resting on one speaker per group, on stderr
 * and in remedy.md/json; and the dev selection ranks the groups the test report ranks (declared, not small cells).
 * A small flite corpus (4 speakers × 2 sentences per group; the th-stopping group resampled to 8 kHz with sox), variants
 * with given rules only (no SphinxTrain), so it stays a short test.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { speakersFor, synthesise, type SynthUtterance } from '../glass/corpus.ts';
import { cliIn } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'asrfair-adapt-warn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let r: { code: number; stdout: string; stderr: string };
let utts: SynthUtterance[];

beforeAll(async () => {
  const speakers = [...speakersFor('th-stopping', [0.95, 1.15], true).slice(0, 4), ...speakersFor('null', [0.95, 1.15], false).slice(0, 4)];
  utts = synthesise(join(dir, 'corpus'), speakers, 2);
  // Every th-stopping clip recorded at 8 kHz (as by telephone); the null group stays at flite's 16 kHz.
  for (const u of utts.filter((x) => x.group === 'th-stopping')) {
    execFileSync('sox', [u.wav, '-r', '8000', u.wav.replace(/\.wav$/, '-8k.wav')]);
    u.wav = u.wav.replace(/\.wav$/, '-8k.wav');
  }
  // Four speakers who declare no accent: never ranked by the selection (the test report leaves undeclared out).
  const undeclared = synthesise(join(dir, 'corpus'), speakersFor('u', [0.95, 1.15], false).slice(0, 4), 2);
  const rows = [
    ...utts.map((u) => ({ id: u.id, audio: u.wav, text: u.text, speaker: u.speaker, labels: { accent: u.group } })),
    ...undeclared.map((u) => ({ id: u.id, audio: u.wav, text: u.text, speaker: u.speaker, labels: {} })),
  ];
  writeFileSync(join(dir, 'm.jsonl'), rows.map((x) => JSON.stringify(x)).join('\n') + '\n');
  writeFileSync(join(dir, 'suite.yaml'), 'name: warn\nkind: glassbox\nmanifest: m.jsonl\ngroupBy: [accent]\nnormaliser: basic\nseed: 1\nbootstrap: 200\nminCell: { speakers: 2, words: 10 }\nbackends:\n  - { name: pocketsphinx, type: pocketsphinx }\n');
  r = await cliIn(['adapt', 'suite.yaml', '--out', join(dir, 'out'), '--cache-dir', join(dir, 'cache'), '--methods', 'variants', '--rules', 'th-stopping:TH>T,DH>D', '--pair', 'th-stopping:null', '--processes', '2'], dir);
}, 300_000);

describe('adapt: warnings about its input and its selection', () => {
  it('groups that differ in source sample rate: the warning glass gives, on stderr and in remedy.md/json', () => {
    expect(r.code, r.stderr).toBe(0);
    const line = r.stderr.split('\n').find((l) => l.includes('differ in source sample rate'));
    expect(line).toBe(
      'asrfair: warning: groups differ in source sample rate — share of utterances recorded below 16 kHz: th-stopping 100 % (8000 Hz ×8); null 0 % (16000 Hz ×8); undeclared 0 % (16000 Hz ×8). Audio below 16 kHz lacks the high band a 16 kHz model uses (S, Z, F, TH carry much of their energy there), and resampling does not restore it: differences on those sounds between these groups can come from the recording, not the accent',
    );
    expect(readFileSync(join(dir, 'out', 'remedy.md'), 'utf8')).toContain('**Warning:** groups differ in source sample rate');
    const json = JSON.parse(readFileSync(join(dir, 'out', 'remedy.json'), 'utf8')) as { warnings: string[] };
    expect(json.warnings.some((w) => w.startsWith('groups differ in source sample rate'))).toBe(true);
  });

  it('a dev selection on one speaker per group is warned about; it ranks the declared groups only, as the test report', () => {
    // 4 speakers per group: 1/1/2 train/dev/test.
    expect(r.stderr).toContain('asrfair: warning: the dev selection rests on few data per group — null 1 speaker, ');
    expect(r.stderr).toMatch(/th-stopping 1 speaker, \d+ words \(a group with 1 dev speaker or under the minimum cell's 10 words\)/);
    const a = JSON.parse(readFileSync(join(dir, 'out', 'adapt.json'), 'utf8')) as {
      selectionGroups: string[];
      candidates: { name: string; dev: { perGroup: Record<string, { wer: number }>; worst: number } }[];
      remedy: { minimax: { worstAmong: string; undeclaredLeftOut: boolean } };
    };
    expect(a.selectionGroups).toEqual(['null', 'th-stopping']);
    expect(a.remedy.minimax.undeclaredLeftOut).toBe(true);
    for (const c of a.candidates) expect(c.dev.worst).toBe(Math.max(c.dev.perGroup.null.wer, c.dev.perGroup['th-stopping'].wer));
    expect(readFileSync(join(dir, 'out', 'remedy.md'), 'utf8')).toContain('Worst and average are over null, th-stopping: the groups the test report ranks (declared groups that are not small cells on test); left out: undeclared.');
  });
});
