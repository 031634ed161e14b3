/**
 * CORAAL importer faults found in fresh-user trial 11, each from its smallest input, on the real CORAAL transcripts in
 * ../shared/data (CC BY-NC-SA: copied only to a temp dir): a metadata file naming one recording twice with different
 * values (last row won silently), and segment times beyond the recording's length (passed silently).
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmp, write } from './fixtures.ts';
import { cliIn as cli } from '../helpers/cli.ts';

const SAMPLE = resolve(new URL('../../../shared/data/coraal-transcripts-sample', import.meta.url).pathname);
const T = '\t';
const NAMES = ['ATL_se0_ag1_f_01_1', 'DCB_se1_ag1_f_01_1', 'ROC_se0_ag1_m_02_1'];
const HEADER = `CORAAL.File${T}CORAAL.Spkr${T}CORAAL.Sub${T}Gender${T}Age${T}Age.Group`;
const metaRow = (n: string, gender = n.includes('_f_') ? 'Female' : 'Male') => `${n}${T}${n.replace(/_1$/, '')}${T}${n.slice(0, 3)}${T}${gender}${T}25${T}1`;

function corpus(meta: string[], names = NAMES): string {
  const dir = tmp('coraal-imp');
  for (const n of names) copyFileSync(join(SAMPLE, `${n}.txt`), join(dir, `${n}.txt`));
  write(join(dir, 'CORAAL_metadata_test.txt'), [HEADER, ...meta].join('\n') + '\n');
  return dir;
}

describe('CORAAL metadata: one recording listed twice', () => {
  it('with different values (Gender Female, then Male) is an error naming both lines, not last-row-wins', async () => {
    const dir = corpus([...NAMES.map((n) => metaRow(n)), metaRow('DCB_se1_ag1_f_01_1', 'Male')]);
    const r = await cli(['import', 'coraal', dir, '-o', join(dir, 'out.jsonl')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      `asrfair: ${join(dir, 'CORAAL_metadata_test.txt')}:5: CORAAL.File DCB_se1_ag1_f_01_1 is listed twice with different values (Gender "Female" on line 3, "Male" on line 5); keep one row`,
    ]);
  });

  it('with identical values is read once and said once', async () => {
    const dir = corpus([...NAMES.map((n) => metaRow(n)), metaRow('DCB_se1_ag1_f_01_1')]);
    const r = await cli(['import', 'coraal', dir, '-o', join(dir, 'out.jsonl')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('2141 utterances, 3 speakers');
    expect(r.stdout).toContain('note: CORAAL metadata: 1 row repeated with identical values, read once');
    const dcb = readFileSync(join(dir, 'out.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((u) => u.labels.site === 'dcb');
    expect(dcb).toHaveLength(668);
    expect(dcb.every((u) => u.labels.gender === 'female')).toBe(true);
  });

  it('one speaker under two recordings with different gender is an error naming both lines', async () => {
    const dir = corpus([...NAMES.map((n) => metaRow(n)), `DCB_se1_ag1_f_01_2${T}DCB_se1_ag1_f_01${T}DCB${T}Male${T}25${T}1`]);
    const r = await cli(['import', 'coraal', dir, '-o', join(dir, 'out.jsonl')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`asrfair: ${join(dir, 'CORAAL_metadata_test.txt')}:5: speaker DCB_se1_ag1_f_01 has different Gender on line 3 and line 5; keep one value`);
  });
});

describe('CORAAL segments beyond the recording', () => {
  it('rows ending after the WAV are left out, said in one line naming the file and the first such row, and counted', async () => {
    const dir = corpus(['DCB_se1_ag1_f_01_1'].map((n) => metaRow(n)), ['DCB_se1_ag1_f_01_1']);
    const wav = join(dir, 'DCB_se1_ag1_f_01_1.wav');
    execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', wav, 'synth', '60', 'sine', '300', 'vol', '0.1']);
    const r = await cli(['import', 'coraal', dir, '-o', join(dir, 'out.jsonl')]);
    expect(r.code, r.stderr).toBe(0);
    const kept = readFileSync(join(dir, 'out.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(kept.every((u) => u.end <= 60.05 && u.audio === 'DCB_se1_ag1_f_01_1.wav')).toBe(true);
    expect(kept.length).toBeGreaterThan(5);
    const beyond = 668 - kept.length;
    const warn = r.stderr.split('\n').filter((l) => l.includes('ends after the end of'));
    expect(warn).toHaveLength(1);
    expect(warn[0]).toMatch(
      new RegExp(`^warning: ${join(dir, 'DCB_se1_ag1_f_01_1.txt').replace(/[.]/g, '\\.')}:\\d+: segment [\\d.]+–[\\d.]+ s ends after the end of .*DCB_se1_ag1_f_01_1\\.wav \\(60\\.000 s\\): left out, and ${beyond - 1} more rows of this file \\(the last ends at 2105\\.6932 s\\); a shortened or different recording\\?$`),
    );
    expect(r.stdout).toContain(`left out: ${beyond} CORAAL rows whose segment ends after the end of its recording`);
    expect(JSON.parse(readFileSync(join(dir, 'out.import.json'), 'utf8')).leftOut).toContainEqual({ what: expect.stringContaining('ends after the end of its recording'), count: beyond });
  });

  it('the trial case: 1 s WAVs for 30–45 min interviews leave nothing to import; one line per file, then the error', async () => {
    const dir = corpus(NAMES.map((n) => metaRow(n)));
    for (const n of NAMES) execFileSync('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', join(dir, `${n}.wav`), 'synth', '1', 'sine', '300']);
    const r = await cli(['import', 'coraal', dir, '-o', join(dir, 'out.jsonl')]);
    expect(r.code).toBe(2);
    const warn = r.stderr.split('\n').filter((l) => l.includes('ends after the end of'));
    expect(warn.map((l) => /\/([A-Z]{3})_[^/]*\.txt:\d+:/.exec(l)?.[1])).toEqual(['ATL', 'DCB', 'ROC']);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
