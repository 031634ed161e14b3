/**
 * Trial 18's glass-box evidence defects, on real speechocean762 clips and real PocketSphinx:
 * - an 80 ms cut (sox trim 0 0.08: 0 frames for PocketSphinx's front end) failed the phone loop and alignment but its
 *   empty word decoding entered the black box as every reference phone deleted; now a `words` failure, no evidence;
 * - markup tokens ([noise], <unk>, (uh), {breath}) became words with letter-to-sound phones, digits got guessed
 *   phones, silently; now markup is left out and said (file:line, counted per group), a reference with digits is not
 *   analysed and counted as a failure naming file:line;
 * - a text-only utterance (no "audio" key) was reported as "audio : file not found"; now it says it has no audio.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from '../helpers/cli.ts';
import type { GlassReport } from '../../src/analysis/glass-suite.ts';
import { soText, soWav } from '../helpers/speechocean.ts';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-glass-evidence-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const text = soText;
const wav = soWav;

describe('glass reads only what it can score', () => {
  it('0-frame clip: a words failure and no black-box evidence; markup left out and said; digits and text-only named', () => {
    const ids = (spk: string) => [...text.keys()].filter((k) => k.slice(1, 5) === spk).slice(0, 2);
    const adult = [...ids('1030'), ...ids('1037')];
    const child = [...ids('1046'), ...ids('1050')];
    const line = (id: string, grp: string, t = text.get(id)!) => ({ id, audio: wav(id), text: t, speaker: id.slice(1, 5), labels: { grp } });
    execFileSync('sox', [wav('010300003'), join(dir, 'short.wav'), 'trim', '0', '0.08']);
    const lines = [
      ...adult.map((id) => line(id, 'adult')),
      ...child.map((id) => line(id, 'child')),
      { id: 'short80', audio: 'short.wav', text: 'THE RESULT WAS AN UPSET', speaker: '1030', labels: { grp: 'adult' } },
      { id: 't1', text: 'HELLO THERE', speaker: 'tx', labels: { grp: 'child' } },
      line(child[0], 'child', `[noise] ${text.get(child[0])!.split(' ').join(' <unk> ')} (uh) {breath}`),
      line(adult[0], 'adult', 'I HAVE 3 CATS AND 42 DOGS'),
    ].map((l, i) => (i >= 10 ? { ...l, id: `${l.id}-x${i}` } : l));
    writeFileSync(join(dir, 'm.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const r = spawnSync(process.execPath, [BIN, 'glass', 'm.jsonl', '--group-by', 'grp', '--no-goodness', '--processes', '1', '--min-speakers', '1', '--out', 'out', '--cache-dir', 'cache'], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'out', 'confusable.json'), 'utf8')) as GlassReport;
    // 1. The cut fails word decoding too, and gives no evidence anywhere.
    expect(report.failures.filter((f) => f.id === 'short80').map((f) => f.stage).sort()).toEqual(['phone-loop', 'words']);
    expect(r.stderr).toMatch(/m\.jsonl:9: utterance short80: audio short\.wav: words: .*0 frames decoded/);
    // Told by a typed flag on each failure (not by matching the message, which stays for people); no other has it.
    expect(report.failures.filter((f) => f.id === 'short80').every((f) => f.noFrames === true)).toBe(true);
    expect(report.failures.filter((f) => f.id !== 'short80').some((f) => f.noFrames !== undefined)).toBe(false);
    const utts = (x: GlassReport['phoneLoop'] | GlassReport['blackBox'], g: string) => x?.matrices.find((m) => m.group === g)?.utterances;
    for (const g of ['adult', 'child']) expect(utts(report.blackBox, g), g).toBe(utts(report.phoneLoop, g));
    expect(utts(report.blackBox, 'adult')).toBe(4);
    // 2. Markup: left out, named by file:line and counted per group; never a word with phones.
    expect(r.stderr).toContain(`m.jsonl:11: utterance ${child[0]}-x10: markup not scored as words by glass: [noise] ${'<unk> '.repeat(text.get(child[0])!.split(' ').length - 1)}(uh) {breath}`);
    expect(report.referenceMarkup).toEqual({ child: { utterances: 1, tokens: text.get(child[0])!.split(' ').length + 2 } });
    expect(JSON.stringify([report.phoneLoop, report.blackBox])).not.toMatch(/"(noise|unk|uh|breath)"/);
    // Digits: not analysed, one line naming file:line, counted as a g2p failure of its group.
    expect(r.stderr).toMatch(/m\.jsonl:12: utterance \S+-x11: audio \S+: g2p: reference has digits \(3 42\)/);
    expect(report.failures.find((f) => f.id.endsWith('-x11'))).toMatchObject({ group: 'adult', stage: 'g2p' });
    // 3. Text-only: says it has no audio.
    expect(r.stderr).toContain('m.jsonl:10: utterance t1 has no audio (text-only: no "audio" key), and the glass box decodes audio');
    expect(r.stderr).not.toMatch(/audio : file not found/);
  }, 240_000);
});
