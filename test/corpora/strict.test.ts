/** Importers refuse misshapen rows and summarise warnings (issue 12, item 2), each from its smallest failing input. */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importAndLoad, tmp, wav, write } from './fixtures.ts';
import { parseLabelMap } from '../../src/manifest/labelmap.ts';
import { splitAccents, localeLanguage } from '../../src/corpora/importers/commonvoice.ts';
import { WarningSummary } from '../../src/manifest/warnings.ts';

const T = '\t';
const BIN = new URL('../../bin/asrfair.mjs', import.meta.url).pathname;
const REAL_TSV = new URL('../../../shared/data/cv-6.1-en-sample/en/validated.tsv', import.meta.url).pathname;

async function cli(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await promisify(execFile)(process.execPath, [BIN, ...args], { cwd });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe('Common Voice rows', () => {
  const [header, ...real] = readFileSync(REAL_TSV, 'utf8').split('\n').filter(Boolean);
  const row = real.find((l) => l.split(T)[7] === 'england')!; // a real row with a declared accent
  function corpus(lines: string[], folder = 'en'): string {
    const dir = join(tmp('cvstrict'), folder);
    write(join(dir, 'test.tsv'), [header, ...lines].join('\n') + '\n');
    return dir;
  }
  it('one field missing: refused naming file:line, never imported with shifted labels', async () => {
    const f = row.split(T);
    const shifted = [...f.slice(0, 5), ...f.slice(6)].join(T); // age dropped: gender would become the age
    await expect(importAndLoad('commonvoice', corpus([row, shifted]), {})).rejects.toThrow(/test\.tsv:3: expected 10 tab-separated fields \(as in the header\), found 9 \(a field is missing\)/);
  });
  it('a TAB inside the sentence: refused naming file:line', async () => {
    const f = row.split(T);
    f[2] = f[2].replace(' ', T);
    await expect(importAndLoad('commonvoice', corpus([f.join(T)]), {})).rejects.toThrow(/test\.tsv:2: expected 10 .* found 11 \(a TAB inside a field\?\)/);
  });
  it('a TAB in the sentence with the trailing field lost keeps the count but not the votes: refused', async () => {
    const f = row.split(T);
    f[2] = `${f[2]}${T}extra words`;
    f.pop();
    await expect(importAndLoad('commonvoice', corpus([f.join(T)]), {})).rejects.toThrow(/test\.tsv:2: up_votes must be a whole number, found "extra words"/);
  });
  it('a comma inside a preset accent is one accent; "|" joins several; commas split only known presets', async () => {
    expect(splitAccents('Southern African (South Africa, Zimbabwe, Namibia)')).toEqual(['Southern African (South Africa, Zimbabwe, Namibia)']);
    expect(splitAccents('Southern African (South Africa, Zimbabwe, Namibia)|Scottish English')).toEqual(['Southern African (South Africa, Zimbabwe, Namibia)', 'Scottish English']);
    expect(splitAccents('Scottish English,Southern African (South Africa, Zimbabwe, Namibia)')).toEqual(['Scottish English', 'Southern African (South Africa, Zimbabwe, Namibia)']);
    expect(splitAccents('Nigerian, Yoruba-influenced')).toEqual(['Nigerian, Yoruba-influenced']);
    const f = row.split(T);
    f[7] = 'Southern African (South Africa, Zimbabwe, Namibia)';
    const g = row.split(T);
    g[1] = 'x2.mp3';
    g[7] = 'Nigerian, Yoruba-influenced';
    const labels = parseLabelMap('accent:\n  "Southern African (South Africa, Zimbabwe, Namibia)": southern_african\n  "Nigerian, Yoruba-influenced": nigerian\n', 'm.yaml');
    const { entries, summary } = await importAndLoad('commonvoice', corpus([f.join(T), g.join(T)]), { labels });
    expect(entries.map((e) => [e.labels.accent, e.labels.accent_raw])).toEqual([
      ['southern_african', 'Southern African (South Africa, Zimbabwe, Namibia)'],
      ['nigerian', 'Nigerian, Yoruba-influenced'],
    ]);
    expect(summary.mapper.unmappedValues()).toEqual([]);
  });
  it('language from the locale (ISO 639-1), e.g. a Tamil folder', async () => {
    expect([localeLanguage('ta'), localeLanguage('zh-CN'), localeLanguage('kab')]).toEqual(['ta', 'zh', undefined]);
    const f = row.split(T);
    f[8] = ''; // no locale column value: the folder says it
    const { entries } = await importAndLoad('commonvoice', corpus([f.join(T)], 'ta'), {});
    expect(entries[0].language).toBe('ta');
  });
});

describe('Kaldi relative wav.scp paths', () => {
  function recipe(): { s5: string; data: string } {
    const s5 = join(tmp('kaldirec'), 'egs', 'x', 's5');
    wav(join(s5, 'wav', 'a.wav'));
    write(join(s5, 'data', 'test', 'wav.scp'), 'a wav/a.wav\n');
    write(join(s5, 'data', 'test', 'text'), 'a hello <unk> world\n');
    write(join(s5, 'data', 'test', 'utt2spk'), 'a spk\n');
    return { s5, data: join(s5, 'data', 'test') };
  }
  it('are relative to the recipe folder (data dir\'s parent\'s parent), whatever the working directory', async () => {
    const { s5, data } = recipe();
    const out = join(tmp('kout'), 'm.jsonl');
    const r = await cli(['import', 'kaldi', data, '-o', out, '--language', 'en'], tmp('elsewhere'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`relative paths resolved from ${s5}: recipe folder`);
    const { entries } = await importAndLoad('kaldi', data, { language: 'en' });
    expect(entries[0]).toMatchObject({ audioPath: join(s5, 'wav', 'a.wav'), text: 'hello world', language: 'en', markup: { policy: 'kaldi', removed: 1 } });
  });
  it('--root overrides; a root with none of the files, or none found anywhere, is an error (exit 2) naming wav.scp', async () => {
    const { s5, data } = recipe();
    expect((await importAndLoad('kaldi', data, { root: s5 })).entries).toHaveLength(1);
    const bad = await cli(['import', 'kaldi', data, '-o', join(tmp('kbad'), 'm.jsonl'), '--root', tmp('empty')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/wav\.scp: none of the 1 audio files exist/);
    write(join(data, 'wav.scp'), 'a nowhere/a.wav\n');
    await expect(importAndLoad('kaldi', data, {})).rejects.toThrow(/wav\.scp:1: relative audio paths \(e\.g\. "nowhere\/a\.wav"\) exist under none of: .*pass --root DIR/);
  });
  it('--language must be ISO 639-1', async () => {
    const { data } = recipe();
    const r = await cli(['import', 'kaldi', data, '-o', join(tmp('klang'), 'm.jsonl'), '--language', 'english']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--language "english" is not an ISO 639-1 code/);
  });
});

describe('warnings summarised: first 20, then counts per kind', () => {
  it('WarningSummary', () => {
    const w = new WarningSummary(2);
    for (let i = 0; i < 5; i++) w.add('missing', `m${i}`);
    w.add('other', 'o');
    expect(w.lines('warning: ')).toEqual(['warning: m0', 'warning: m1', '6 warnings (4 not shown) by kind: missing ×5, other ×1']);
  });
  it('Speech Accent Archive without recordings: 30 rows print 20 lines and one count, not 30', async () => {
    const dir = tmp('saasum');
    const rows = Array.from({ length: 31 }, (_, i) => `2${i}.0,5.0,"x, y",english${i},english,male,${i},usa,FALSE`);
    write(join(dir, 'speakers_all.csv'), 'age,age_onset,birthplace,filename,native_language,sex,speakerid,country,file_missing?\n' + rows.join('\n') + '\n');
    wav(join(dir, 'recordings', 'english0.mp3'));
    const r = await cli(['import', 'speechaccentarchive', dir, '-o', join(dir, 'm.jsonl')]);
    expect(r.code).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(21);
    expect(lines[0]).toMatch(/speakers_all\.csv:3: no recording english1\.mp3/);
    expect(lines[20]).toBe('30 warnings (10 not shown) by kind: Speech Accent Archive recording not found ×30');
  });
  it('validate: 25 missing files and one bad language print 20 errors and the counts per kind', async () => {
    const dir = tmp('valsum');
    const lines = Array.from({ length: 25 }, (_, i) => JSON.stringify({ id: `u${i}`, audio: `missing${i}.wav`, text: 'hello' }));
    wav(join(dir, 'ok.wav'));
    lines.push(JSON.stringify({ id: 'ok', audio: 'ok.wav', text: 'hello', language: 'english' }));
    write(join(dir, 'm.jsonl'), lines.join('\n') + '\n');
    const r = await cli(['validate', join(dir, 'm.jsonl')]);
    expect(r.code).toBe(1);
    const err = r.stderr.trim().split('\n');
    expect(err).toHaveLength(21);
    expect(err[20]).toBe(`26 errors (6 not shown; see asrfair validate ${join(dir, 'm.jsonl')} --all) by kind: audio file not found ×25, invalid utterance ×1`);
    const all = await cli(['validate', join(dir, 'm.jsonl'), '--all']);
    expect(all.stderr.trim().split('\n')).toHaveLength(27);
    expect(r.stdout).toContain('0 valid utterances, 26 errors');
  });
});

describe('other importers refuse misshapen rows naming file:line', () => {
  it('Speech Accent Archive: a row with a field missing', async () => {
    const dir = tmp('saashape');
    write(join(dir, 'speakers_all.csv'), 'age,age_onset,birthplace,filename,native_language,sex,speakerid,country,file_missing?\n24.0,12.0,"koussi, senegal",balanta,balanta,male,788,senegal,FALSE\n18.0,buenos aires,spanish1,spanish,female,1,argentina,FALSE\n');
    await expect(importAndLoad('speechaccentarchive', dir, {})).rejects.toThrow(/speakers_all\.csv:3: expected 9 comma-separated fields \(as in the header\), found 8/);
  });
  it('Kaldi: an utt2spk line without a speaker', async () => {
    const dir = tmp('kshape');
    wav(join(dir, 'a.wav'));
    write(join(dir, 'data', 'wav.scp'), `a ${join(dir, 'a.wav')}\n`);
    write(join(dir, 'data', 'text'), 'a hello\n');
    write(join(dir, 'data', 'utt2spk'), 'b spkB\na\n');
    await expect(importAndLoad('kaldi', join(dir, 'data'), {})).rejects.toThrow(/utt2spk:2: expected "<utterance> <speaker>"/);
  });
});

describe('EdAcc --split', () => {
  it('a missing split names the folders that exist', async () => {
    const dir = tmp('edsplit');
    write(join(dir, 'dev', 'stm'), 'C01 1 C01-A 0.0 1.0 <O> hello\n');
    await expect(importAndLoad('edacc', dir, { split: 'eval' })).rejects.toThrow(/eval: EdAcc split folder not found .*folders here: dev/);
  });
});
