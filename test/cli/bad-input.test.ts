/**
 * Bad input on stderr names the file and the manifest line (issue 16's left-alone defect: `asrfair run` counted a
 * missing audio file on stderr without naming it). Real CLI, real PocketSphinx, real speechocean762 utterances.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from '../helpers/cli.ts';
import { execFile, execFileSync } from 'node:child_process';
import { BadInputLog } from '../../src/manifest/bad-input.ts';

const SO = new URL('../../corpora/speechocean762-sample/', import.meta.url).pathname;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'asrfair-badinput-'));
  dirs.push(d);
  return d;
};

interface Utt {
  id: string;
  audio: string;
  labels: { gender: string };
}

/** speechocean762 utterances with absolute audio paths: `female` and `male` of each gender. */
function real(female: number, male: number): Utt[] {
  const all = readFileSync(join(SO, 'manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Utt);
  const pick = (g: string, n: number) => all.filter((u) => (u.labels.gender === 'female') === (g === 'female')).slice(0, n);
  return [...pick('female', female), ...pick('male', male)].map((u) => ({ ...u, audio: join(SO, u.audio) }));
}

function writeManifest(dir: string, utts: Utt[]): string {
  const file = join(dir, 'm.jsonl');
  writeFileSync(file, utts.map((u) => JSON.stringify(u)).join('\n') + '\n');
  return file;
}

/** Runs the CLI in `cwd`; never throws on exit ≠ 0. */
function cli(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' }, (e, stdout, stderr) => res({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

const SUITE = 'name: bad\nmanifest: m.jsonl\ngroupBy: [gender]\nbackends:\n  - name: ps\n    type: pocketsphinx\n    options: { processes: 1 }\nqc: false\n';

describe('a missing audio file is named on stderr (file and manifest line)', () => {
  it('run: one missing audio file among three is one line naming m.jsonl:2 and the audio path; the run goes on', async () => {
    const dir = tmp();
    const utts = real(0, 3);
    utts[1] = { ...utts[1], audio: join(dir, 'gone.wav') };
    const m = writeManifest(dir, utts);
    writeFileSync(join(dir, 'suite.yaml'), SUITE);
    const r = await cli(dir, 'run', 'suite.yaml', '--store', 's.sqlite', '--out', 'out', '--no-gate', '--no-progress');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.trim().split('\n').filter((l) => l.includes('gone.wav'));
    expect(lines).toEqual([`asrfair: ${m}:2: utterance ${utts[1].id}: audio ${join(dir, 'gone.wav')}: file not found`]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toMatch(/ps\s+clean\s+3\s+0\s+2\s+2\s+0\s+1\s+0/);
  }, 60_000);

  it('run: twelve failing utterances print ten lines, then "… and 2 more (see results.jsonl)", which lists all twelve', async () => {
    const dir = tmp();
    const good = real(0, 1);
    const utts = [...good, ...Array.from({ length: 12 }, (_, i) => ({ ...good[0], id: `gone-${i + 1}`, audio: join(dir, `gone-${i + 1}.wav`) }))];
    const m = writeManifest(dir, utts);
    writeFileSync(join(dir, 'suite.yaml'), SUITE);
    const r = await cli(dir, 'run', 'suite.yaml', '--store', 's.sqlite', '--out', 'out', '--no-gate', '--no-progress');
    expect(r.code, r.stderr).toBe(0);
    const named = r.stderr.split('\n').filter((l) => l.startsWith(`asrfair: ${m}:`));
    expect(named).toEqual(Array.from({ length: 10 }, (_, i) => `asrfair: ${m}:${i + 2}: utterance gone-${i + 1}: audio ${join(dir, `gone-${i + 1}.wav`)}: file not found`));
    expect(r.stderr).toContain(`asrfair: … and 2 more utterances with bad audio (see ${join(dir, 'out', 'results.jsonl')})`);
    const failed = readFileSync(join(dir, 'out', 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; error?: string }).filter((x) => x.error);
    expect(failed.map((x) => x.id)).toEqual(utts.slice(1).map((u) => u.id));
    expect(failed.every((x) => /file not found/.test(x.error!))).toBe(true);
  }, 60_000);

  it('glass: a missing audio file is named with its manifest line, and the count line says where all are listed', async () => {
    const dir = tmp();
    const utts = real(3, 3);
    utts[4] = { ...utts[4], audio: join(dir, 'gone\u001b[31m.wav') };
    const m = writeManifest(dir, utts);
    const r = await cli(dir, 'glass', m, '--group-by', 'gender', '--out', 'g', '--cache-dir', 'cache', '--no-goodness', '--no-words', '--processes', '1');
    expect(r.code, r.stderr).toBe(0);
    // The escape character in the file name is printed escaped, not sent to the terminal.
    expect(r.stderr).toContain(`asrfair: ${m}:5: utterance ${utts[4].id}: audio ${join(dir, 'gone\\x1b[31m.wav')}: file not found\n`);
    expect(r.stderr).not.toContain('\u001b');
    expect(r.stderr).toContain(`glass: 1 utterance failed at one stage (by group, stage and count: male audio 1; listed in ${join('g', 'confusable.json')})`);
  }, 60_000);
});

describe('a glassbox run names a missing audio file once', () => {
  it('the run names it (file:line), the glass box after it counts it and says where it is listed; the glass box names its own decoder failures', async () => {
    const dir = tmp();
    const utts = real(3, 3);
    utts[4] = { ...utts[4], audio: join(dir, 'gone.wav') };
    // An 80 ms cut of a real utterance: PocketSphinx decodes 0 frames of it in the phone loop and forced alignment.
    const cut = join(dir, 'cut.wav');
    execFileSync('sox', [utts[5].audio, cut, 'trim', '0', '0.08']);
    utts[5] = { ...utts[5], audio: cut };
    const m = writeManifest(dir, utts);
    writeFileSync(join(dir, 'suite.yaml'), SUITE.replace('name: bad\n', 'name: bad\nkind: glassbox\n'));
    const r = await cli(dir, 'run', 'suite.yaml', '--store', 's.sqlite', '--out', 'out', '--no-gate', '--no-progress');
    expect(r.code, r.stderr).toBe(0);
    const named = r.stderr.split('\n').filter((l) => l.includes('gone.wav'));
    expect(named).toEqual([`asrfair: ${m}:5: utterance ${utts[4].id}: audio ${join(dir, 'gone.wav')}: file not found`]);
    const decoder = r.stderr.split('\n').filter((l) => l.includes('cut.wav'));
    const empty = (stage: string) => `empty ${stage} result for ${utts[5].id} (pocketsphinx_batch: 0 frames decoded)`;
    // The word decoder answers an empty hypothesis for the same clip: a failure too, not 0 words all deleted.
    expect(decoder).toEqual([
      ...['alignment', 'phone-loop'].map((stage) => `asrfair: ${m}:6: utterance ${utts[5].id}: audio ${cut}: ${stage}: ${empty(stage)}`),
      `asrfair: ${m}:6: utterance ${utts[5].id}: audio ${cut}: words: empty hypothesis for audio the phone loop could not read (${empty('phone-loop')}): no black-box evidence`,
    ]);
    expect(r.stderr).toContain(`glass: 2 utterances failed at 4 stages in all (by group, stage and count: male alignment 1, male audio 1, male phone-loop 1, male words 1; listed in ${join(dir, 'out', 'glass.json')})`);
  }, 90_000);
});

describe('import kaldi: missing audio files', () => {
  it('names each (wav.scp:line), the first 20, then the count and where all are listed; file names escaped', async () => {
    const dir = tmp();
    const data = join(dir, 'data');
    mkdirSync(data);
    const good = real(0, 1)[0];
    const recs = [{ id: 'r00', path: good.audio }, ...Array.from({ length: 25 }, (_, i) => ({ id: `r${String(i + 1).padStart(2, '0')}`, path: join(dir, `gone\u001b${i + 1}.wav`) }))];
    writeFileSync(join(data, 'wav.scp'), recs.map((r) => `${r.id} ${r.path}`).join('\n') + '\n');
    writeFileSync(join(data, 'text'), recs.map((r) => `${r.id} hello world`).join('\n') + '\n');
    writeFileSync(join(data, 'utt2spk'), recs.map((r) => `${r.id} s${r.id}`).join('\n') + '\n');
    const r = await cli(dir, 'import', 'kaldi', 'data', '-o', 'm.jsonl');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines.slice(0, 20)).toEqual(recs.slice(1, 21).map((x, i) => `warning: data/wav.scp:${i + 2}: audio for ${x.id} not found: ${x.path.replace('\u001b', '\\x1b')}`));
    expect(lines[20]).toBe('25 warnings (5 not shown; see asrfair validate m.jsonl --all) by kind: Kaldi audio file not found ×25');
    expect(r.stderr).not.toContain('\u001b');
    // validate --all lists every one of them; without --all the first 20 and where the rest are.
    const v = await cli(dir, 'validate', 'm.jsonl');
    expect(v.stderr.split('\n').filter((l) => /^m\.jsonl:\d+: audio file not found/.test(l))).toHaveLength(20);
    expect(v.stderr).toContain('25 errors (5 not shown; see asrfair validate m.jsonl --all) by kind: audio file not found ×25');
    const all = await cli(dir, 'validate', 'm.jsonl', '--all');
    expect(all.stderr.split('\n').filter((l) => /^m\.jsonl:\d+: audio file not found/.test(l))).toHaveLength(25);
  }, 60_000);
});

describe('BadInputLog', () => {
  it('dedupes the same input reported twice, caps at the limit and closes with the count', () => {
    const out: string[] = [];
    const log = new BadInputLog((l) => out.push(l), 2, ['bad audio file', 'bad audio files']);
    log.add({ file: 'm.jsonl', line: 1, message: 'a' });
    log.add({ file: 'm.jsonl', line: 1, message: 'a' });
    log.add({ file: 'm.jsonl', line: 2, message: 'b' });
    log.add({ file: 'm.jsonl', line: 3, message: 'c' });
    log.add({ file: 'wav.scp', message: 'd' });
    log.finish('out/results.jsonl');
    expect(out).toEqual(['asrfair: m.jsonl:1: a', 'asrfair: m.jsonl:2: b', 'asrfair: … and 2 more bad audio files (see out/results.jsonl)']);
    expect(log.count).toBe(4);
  });
});

describe('validate looks at each audio file\'s first bytes (trial 12: a random-bytes .wav passed validate and failed later)', () => {
  it('real WAV and MP3 pass; random bytes, an HTML page saved as .wav and a cut WAV header are named with their line', async () => {
    const dir = tmp();
    const [a, b] = real(2, 0);
    const CV = join(import.meta.dirname, '../../../shared/data/cv-6.1-en-sample/en/clips');
    const mp3 = join(CV, readFileSync(join(CV, '../validated.tsv'), 'utf8').split('\n')[1].split('\t')[1]);
    writeFileSync(join(dir, 'noise.wav'), Buffer.from(Array.from({ length: 4000 }, (_, i) => (((13 - 8 * i) % 256) + 256) % 256)));
    writeFileSync(join(dir, 'page.wav'), '<!DOCTYPE html><html><body>403 Forbidden</body></html>\n');
    // The shipped speechocean762 clips are FLAC: a real WAV through sox, then its first 20 bytes (RIFF, WAVE, no whole fmt chunk).
    execFileSync('sox', [a.audio, join(dir, 'whole.wav')]);
    writeFileSync(join(dir, 'cut.wav'), readFileSync(join(dir, 'whole.wav')).subarray(0, 20));
    const utts = [{ ...a, audio: join(dir, 'whole.wav') }, { ...b, id: 'mp3', audio: mp3 }, ...['noise', 'page', 'cut'].map((n) => ({ ...b, id: n, audio: join(dir, `${n}.wav`) }))];
    const m = writeManifest(dir, utts);
    const v = await cli(dir, 'validate', m);
    expect(v.code).toBe(1);
    expect(v.stdout).toBe(`${m}: 2 valid utterances, 3 errors\n`);
    const lines = v.stderr.trim().split('\n');
    expect(lines).toEqual([
      `${m}:3: not an audio file: ${join(dir, 'noise.wav')} (no WAV, FLAC, MP3, Ogg, MP4, SPHERE, AIFF, WebM, ASF, AMR, CAF or AU header; first bytes 0d 05 fd f5 ed e5 dd d5; id noise)`,
      `${m}:4: not an audio file: ${join(dir, 'page.wav')} (no WAV, FLAC, MP3, Ogg, MP4, SPHERE, AIFF, WebM, ASF, AMR, CAF or AU header; first bytes 3c 21 44 4f 43 54 59 50; id page)`,
      expect.stringMatching(new RegExp(`^${m.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:5: corrupt WAV header: ${join(dir, 'cut.wav').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(.+; id cut\\)$`)) as string,
      '3 errors by kind: not an audio file ×2, corrupt WAV header ×1',
    ]);
  }, 30_000);
});
