/**
 * Trial 19: a corrupt 18+ test clip (speechocean762, random bytes) was left out of adapt's test.jsonl, so `run
 * adapted.yaml` + `report` showed that group with one utterance fewer and "0 failed", and remedy.md said only
 * "2 utterance(s) left out of a stage …: audio" with no group or split. Real speechocean762 clips (4 speakers per age
 * bin, 2 utterances each, the second of every speaker replaced by random bytes); variants with given rules only (no
 * SphinxTrain), so it stays a short test.
 */
import { copyFileSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliIn } from '../helpers/cli.ts';

const KALDI = join(import.meta.dirname, '../../../shared/data/speechocean762-sample/test');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-adapt-badaudio-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Row { id: string; text: string; speaker: string; audio: string; labels: Record<string, string> }
let rows: Row[];
let r: { code: number; stdout: string; stderr: string };
const corrupt = new Set<string>();

beforeAll(async () => {
  const all = join(dir, 'so.jsonl');
  const imp = await cliIn(['import', 'kaldi', KALDI, '-o', all]);
  expect(imp.code, imp.stderr).toBe(0);
  // The import writes audio paths relative to the manifest's folder, not to the test's working directory.
  const every = readFileSync(all, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Row).map((x) => ({ ...x, audio: resolve(dir, x.audio) }));
  const perSpeaker = new Map<string, number>();
  const speakersOf = new Map<string, Set<string>>();
  rows = [];
  mkdirSync(join(dir, 'wav'));
  for (const x of every) {
    const child = Number(x.labels.age) < 13;
    const g = child ? 'child' : 'adult';
    const spk = (speakersOf.get(g) ?? speakersOf.set(g, new Set()).get(g)!);
    if (!spk.has(x.speaker) && spk.size >= 4) continue;
    spk.add(x.speaker);
    const n = perSpeaker.get(x.speaker) ?? 0;
    if (n >= 2) continue;
    perSpeaker.set(x.speaker, n + 1);
    const wav = join(dir, 'wav', `${x.id}.wav`);
    if (n === 1) {
      writeFileSync(wav, randomBytes(20000));
      corrupt.add(x.id);
    } else if (x.speaker === '1099') {
      // One 8 kHz clip (as trial 19's 010990020): upsampled and used, and said.
      execFileSync('sox', [x.audio, '-r', '8000', wav]);
    } else copyFileSync(x.audio, wav);
    rows.push({ ...x, audio: wav });
  }
  writeFileSync(join(dir, 'm.jsonl'), rows.map((x) => JSON.stringify(x)).join('\n') + '\n');
  writeFileSync(join(dir, 'suite.yaml'), 'name: bad\nmanifest: m.jsonl\ngroupBy: [age]\nbins: { age: [0, 13, 18] }\nnormaliser: basic\nseed: 1\nbootstrap: 200\nmodel: none\nminCell: { speakers: 2, words: 10 }\nbackends:\n  - { name: ps, type: pocketsphinx }\n');
  r = await cliIn(['adapt', 'suite.yaml', '--out', join(dir, 'out'), '--cache-dir', join(dir, 'cache'), '--methods', 'variants,mllr', '--acoustic-scope', 'group', '--rules', '18+:TH>T', '--processes', '2'], dir);
}, 900_000);

describe('adapt: test utterances whose audio failed, thin per-group models, 8 kHz clips', () => {
  it('warns when a per-group model rests on fewer train utterances or seconds than the minimum', () => {
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/asrfair: warning: group "0–12"'s own MLLR transform rests on 1 train utterance \(\d+\.\d s, 1 speaker\), below the minimum of 10 utterances and 60 s/);
    expect(readFileSync(join(dir, 'out', 'remedy.md'), 'utf8')).toContain('own MLLR transform rests on 1 train utterance');
  });

  it('says every clip below 16 kHz, per group and split (not only when the groups differ in share by 10 points)', () => {
    expect(r.stderr).toMatch(/asrfair: warning: 1 utterance recorded below 16 kHz \(8000 Hz\), upsampled to 16 kHz and used [^\n]*per age and split: 18\+ (train|dev|test) 1/);
  });

  it('stay in test.jsonl (a run of adapted.yaml counts them as audio failed) and are said per group and split', () => {
    expect(r.code, r.stderr).toBe(0);
    const splits = JSON.parse(readFileSync(join(dir, 'out', 'splits.json'), 'utf8')) as { groups: { group: string; test: string[] }[] };
    const testSpeakers = new Set(splits.groups.flatMap((g) => g.test));
    const expected = rows.filter((x) => testSpeakers.has(x.speaker)).map((x) => x.id).sort();
    const written = readFileSync(join(dir, 'out', 'test.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as Row).id).sort();
    expect(written).toEqual(expected);
    expect(written.filter((id) => corrupt.has(id)).length).toBe(testSpeakers.size);
    const md = readFileSync(join(dir, 'out', 'remedy.md'), 'utf8');
    const line = md.split('\n').find((l) => l.includes('per stage, group and split: audio: '));
    expect(line).toMatch(/audio: [^;]*0–12 test 2/);
    expect(line).toMatch(/audio: [^;]*18\+ test 2/);
  });
});
