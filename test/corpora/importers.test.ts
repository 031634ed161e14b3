import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { importAndLoad, tmp, wav, write } from './fixtures.ts';
import { parseLabelMap } from '../../src/manifest/labelmap.ts';
import { parseTextGrid } from '../../src/corpora/importers/textgrid.ts';
import { STELLA_PARAGRAPH } from '../../src/corpora/importers/saa.ts';
import { prepareAudio } from '../../src/audio/prepare.ts';

const T = '\t';

describe('Common Voice', () => {
  const header = ['client_id', 'path', 'sentence', 'up_votes', 'down_votes', 'age', 'gender', 'accents', 'variant', 'locale', 'segment'].join(T);
  function corpus(rows: string[][]): string {
    const dir = tmp('cv');
    write(join(dir, 'test.tsv'), [header, ...rows.map((r) => r.join(T))].join('\n') + '\n');
    for (const r of rows) wav(join(dir, 'clips', r[1]));
    return dir;
  }
  const rows = [
    ['c1', 'common_voice_en_1.mp3', 'Hello there.', '2', '0', 'twenties', 'female', 'England English|Received Pronunciation', '', 'en', ''],
    ['c2', 'common_voice_en_2.mp3', 'Second one.', '3', '0', '', '', '', '', 'en', ''],
    ['c1', 'common_voice_en_3.mp3', 'Third one.', '3', '0', 'twenties', 'female', 'Slightly Kiwi', '', 'en', ''],
  ];

  it('keeps raw accents, maps several declared accents, leaves undeclared absent', async () => {
    const dir = corpus(rows);
    const labels = parseLabelMap('accent:\n  England English: english\n  "/received/i": english\n', 'm.yaml');
    const { entries, byId, summary } = await importAndLoad('commonvoice', dir, { labels });
    expect(entries.map((e) => e.id)).toEqual(['cv-common_voice_en_1', 'cv-common_voice_en_2', 'cv-common_voice_en_3']);
    const a = byId.get('cv-common_voice_en_1')!;
    expect(a.labels).toEqual({ accent: 'english', accent_raw: 'England English|Received Pronunciation', age: 'twenties', age_raw: 'twenties', gender: 'female', gender_raw: 'female' });
    expect([a.speaker, a.corpus, a.split, a.text]).toEqual(['c1', 'commonvoice-en', 'test', 'Hello there.']);
    expect(a.audioPath).toBe(join(dir, 'clips', 'common_voice_en_1.mp3'));
    expect(byId.get('cv-common_voice_en_2')!.labels).toEqual({});
    expect(byId.get('cv-common_voice_en_3')!.labels.accent).toBe('slightly kiwi');
    expect(summary.mapper.unmappedValues()).toEqual([{ key: 'accent', raw: 'Slightly Kiwi', count: 1 }]);
  });

  it('two different declared accents become a combined group', async () => {
    const dir = corpus([['c9', 'x.mp3', 'Words.', '1', '0', '', '', 'Scottish English, Irish English', '', 'en', '']]);
    const { entries } = await importAndLoad('commonvoice', dir, {});
    expect(entries[0].labels.accent).toBe('irish english+scottish english');
  });

  it('a row with the wrong number of fields is an error naming file:line', async () => {
    const dir = corpus(rows);
    write(join(dir, 'test.tsv'), `${header}\n${rows[0].join(T)}\nc3${T}only-three${T}fields\n`);
    await expect(importAndLoad('commonvoice', dir, {})).rejects.toThrow(new RegExp(`test\\.tsv:3: expected 11 tab-separated fields`));
  });

  it('older releases with an `accent` code column', async () => {
    const dir = tmp('cvold');
    write(join(dir, 'validated.tsv'), `client_id${T}path${T}sentence${T}up_votes${T}down_votes${T}age${T}gender${T}accent\nz${T}a.mp3${T}Old style.${T}1${T}0${T}${T}male${T}scotland\n`);
    const { entries } = await importAndLoad('commonvoice', join(dir, 'validated.tsv'), {});
    expect(entries[0].labels).toMatchObject({ accent: 'scotland', accent_raw: 'scotland', gender: 'male' });
    expect(entries[0].split).toBe('validated');
  });
});

const TEXTGRID_LONG = `File type = "ooTextFile"
Object class = "TextGrid"

xmin = 0
xmax = 1.5
tiers? <exists>
size = 2
item []:
    item [1]:
        class = "IntervalTier"
        name = "words"
        xmin = 0
        xmax = 1.5
        intervals: size = 1
        intervals [1]:
            xmin = 0
            xmax = 1.5
            text = "author"
    item [2]:
        class = "IntervalTier"
        name = "phones"
        xmin = 0
        xmax = 1.5
        intervals: size = 4
        intervals [1]:
            xmin = 0
            xmax = 0.3
            text = "AO1"
        intervals [2]:
            xmin = 0.3
            xmax = 0.6
            text = "TH,S,s"
        intervals [3]:
            xmin = 0.6
            xmax = 0.9
            text = "ER0,sil,d"
        intervals [4]:
            xmin = 0.9
            xmax = 1.5
            text = "sil,AH,a"
`;

describe('L2-ARCTIC', () => {
  function corpus(): string {
    const dir = tmp('l2');
    for (const spk of ['ABA', 'ZZZ']) {
      for (const u of ['arctic_a0001', 'arctic_a0002']) {
        wav(join(dir, spk, 'wav', `${u}.wav`));
        write(join(dir, spk, 'transcript', `${u}.txt`), `Author of the danger trail ${u}\n`);
      }
    }
    write(join(dir, 'ABA', 'annotation', 'arctic_a0001.TextGrid'), TEXTGRID_LONG);
    return dir;
  }

  it('L1 and gender from the documented speaker table; unknown speakers get none; annotations side file', async () => {
    const warnings: string[] = [];
    const { entries, byId, summary } = await importAndLoad('l2arctic', corpus(), {}, warnings);
    expect(entries).toHaveLength(4);
    expect(byId.get('l2arctic-ABA-arctic_a0001')!.labels).toEqual({ l1: 'arabic', l1_raw: 'Arabic', gender: 'male', gender_raw: 'male' });
    expect(byId.get('l2arctic-ABA-arctic_a0001')!.speaker).toBe('l2arctic-ABA');
    expect(byId.get('l2arctic-ZZZ-arctic_a0002')!.labels).toEqual({});
    expect(warnings.join('\n')).toMatch(/ZZZ is not in the documented speaker table/);
    const ann = JSON.parse(readFileSync(summary.annotationsFile!, 'utf8'));
    expect(ann['l2arctic-ABA-arctic_a0001']).toEqual([
      { canonical: 'TH', perceived: 'S', type: 's', start: 0.3, end: 0.6 },
      { canonical: 'ER0', perceived: 'sil', type: 'd', start: 0.6, end: 0.9 },
      { canonical: 'sil', perceived: 'AH', type: 'a', start: 0.9, end: 1.5 },
    ]);
  });

  it('TextGrid: short format and UTF-16 give the same tiers as the long format', () => {
    const long = parseTextGrid(TEXTGRID_LONG);
    const short = parseTextGrid(`File type = "ooTextFile"\nObject class = "TextGrid"\n\n0\n1.5\n<exists>\n2\n"IntervalTier"\n"words"\n0\n1.5\n1\n0\n1.5\n"author"\n"IntervalTier"\n"phones"\n0\n1.5\n4\n0\n0.3\n"AO1"\n0.3\n0.6\n"TH,S,s"\n0.6\n0.9\n"ER0,sil,d"\n0.9\n1.5\n"sil,AH,a"\n`);
    expect(short).toEqual(long);
    expect(long.tiers.map((t) => t.name)).toEqual(['words', 'phones']);
    expect(() => parseTextGrid(TEXTGRID_LONG.replace('size = 4', 'size = 5'), 'x.TextGrid')).toThrow(/x\.TextGrid: malformed TextGrid/);
  });
});

describe('Speech Accent Archive', () => {
  it('CSV with quoted fields; file_missing rows skipped; everyone reads the Stella paragraph', async () => {
    const dir = tmp('saa');
    write(
      join(dir, 'speakers_all.csv'),
      'age,age_onset,birthplace,filename,native_language,sex,speakerid,country,file_missing?,,,\n' +
        '24.0,12.0,"koussi, senegal",balanta,balanta,male,788,senegal,FALSE,,,\n' +
        '18.0,10.0,"buenos aires, argentina",spanish1,spanish,female,1,argentina,FALSE,,,\n' +
        '30.0,0.0,"london, uk",english99,english,male,99,uk,TRUE,,,\n',
    );
    wav(join(dir, 'recordings', 'balanta.mp3'));
    wav(join(dir, 'recordings', 'spanish1.mp3'));
    const warnings: string[] = [];
    const { entries, byId, summary } = await importAndLoad('speechaccentarchive', dir, {}, warnings);
    expect(entries.map((e) => e.id)).toEqual(['saa-balanta', 'saa-spanish1']);
    expect(summary.tallies).toEqual([['Speech Accent Archive rows marked file_missing?', 1]]);
    expect(entries.every((e) => e.language === 'en')).toBe(true);
    expect(byId.get('saa-spanish1')!.labels).toMatchObject({ l1: 'spanish', gender: 'female', birthplace_raw: 'buenos aires, argentina', age: '18.0', english_onset_age: '10.0' });
    expect(byId.get('saa-balanta')!.text).toBe(STELLA_PARAGRAPH);
    expect(warnings).toEqual([]);
  });
  it('an unterminated quote is an error naming the file', async () => {
    const dir = tmp('saa2');
    write(join(dir, 'speakers_all.csv'), 'age,filename,native_language\n1,"broken,x\n');
    await expect(importAndLoad('speechaccentarchive', dir, {})).rejects.toThrow(/speakers_all\.csv: unterminated quoted field starting on line 2/);
  });
});

describe('CORAAL', () => {
  function corpus(transcript: string): string {
    const dir = tmp('coraal');
    write(join(dir, 'PRV_metadata_2018.10.06.txt'), `CORAAL.File${T}CORAAL.Spkr${T}CORAAL.Sub${T}Gender${T}Age${T}Age.Group\nPRV_se0_ag1_f_01_1${T}PRV_se0_ag1_f_01${T}PRV${T}Female${T}25${T}1\n`);
    write(join(dir, 'PRV_se0_ag1_f_01_1.txt'), transcript);
    wav(join(dir, 'PRV_se0_ag1_f_01_1.wav'), 3);
    return dir;
  }
  const head = `Line${T}Spkr${T}StTime${T}Content${T}EnTime\n`;
  it('transcript rows become segments; site only for metadata speakers; label_note says what the groups are', async () => {
    const dir = corpus(
      head +
        `1${T}PRV_int_01${T}0.1${T}So tell me about school.${T}0.9\n` +
        `2${T}PRV_se0_ag1_f_01${T}1.0${T}(pause 0.42)${T}1.42\n` +
        `3${T}PRV_se0_ag1_f_01${T}1.5${T}We was (pause 0.20) walking home${T}2.8\n`,
    );
    const { entries, byId, summary } = await importAndLoad('coraal', dir, {});
    expect(entries.map((e) => e.id)).toEqual(['coraal-PRV_se0_ag1_f_01_1-0003']); // interviewer turns left out by default, counted
    expect(summary.tallies.map(([, n]) => n)).toEqual([1, 1]);
    const u = byId.get('coraal-PRV_se0_ag1_f_01_1-0003')! as Record<string, unknown> & (typeof entries)[number];
    expect([u.start, u.end, u.text]).toEqual([1.5, 2.8, 'We was walking home']);
    expect(u.labels).toMatchObject({ site: 'prv', site_raw: 'PRV', site_name: 'Princeville, NC', gender: 'female', age: '25' });
    expect(u.label_note).toMatch(/community\/site, not self-declared dialect/);
    const withInt = await importAndLoad('coraal', dir, { includeInterviewers: true });
    expect(withInt.byId.get('coraal-PRV_se0_ag1_f_01_1-0001')!.labels).toEqual({ role: 'interviewer' });
    // Segments really cut the audio.
    const ref = await prepareAudio({ id: u.id, audioPath: u.audioPath, start: u.start, end: u.end }, { cacheDir: join(dir, 'cache') });
    expect(ref.durationSec).toBeCloseTo(1.3, 6);
  });
  it('bad times are an error naming file:line', async () => {
    const dir = corpus(head + `1${T}PRV_int_01${T}0.5${T}hello${T}abc\n`);
    await expect(importAndLoad('coraal', dir, {})).rejects.toThrow(/PRV_se0_ag1_f_01_1\.txt:2: bad times/);
  });
});

describe('EdAcc', () => {
  function corpus(): string {
    const dir = tmp('edacc');
    write(join(dir, 'dev', 'segments'), 'EDACC-C01-A-0001 EDACC-C01 0.10 1.20\nEDACC-C01-B-0002 EDACC-C01 1.30 2.50\n');
    write(join(dir, 'dev', 'text'), 'EDACC-C01-A-0001 hello how are you\nEDACC-C01-B-0002 fine thanks\n');
    write(join(dir, 'dev', 'utt2spk'), 'EDACC-C01-A-0001 EDACC-C01-A\nEDACC-C01-B-0002 EDACC-C01-B\n');
    write(join(dir, 'dev', 'stm'), 'EDACC-C01 1 EDACC-C01-A 0.10 1.20 <O> hello how are you\n');
    write(
      join(dir, 'linguistic_background.csv'),
      'PARTICIPANT_ID,How would you describe your accent in English? (e.g. Italian; Glaswegian),What is your first language?,Gender,Age\n' +
        'EDACC-C01-A,"Nigerian, Yoruba-influenced",Yoruba,Female,31\n' +
        'EDACC-C01-B,,English,Male,40\n',
    );
    wav(join(dir, 'data', 'EDACC-C01.wav'), 3);
    return dir;
  }
  it('segments + text + utt2spk with free-text accent and L1 from the background survey', async () => {
    const { byId } = await importAndLoad('edacc', corpus(), { split: 'dev' });
    expect(byId.get('EDACC-C01-A-0001')!.labels).toEqual({
      accent: 'nigerian, yoruba-influenced',
      accent_raw: 'Nigerian, Yoruba-influenced',
      l1: 'yoruba',
      l1_raw: 'Yoruba',
      gender: 'female',
      gender_raw: 'Female',
      age: '31',
    });
    const b = byId.get('EDACC-C01-B-0002')!;
    expect(b.labels.accent).toBeUndefined();
    expect([b.start, b.end, b.speaker, b.corpus]).toEqual([1.3, 2.5, 'EDACC-C01-B', 'edacc']);
  });
  it('falls back to the stm when text/segments are absent', async () => {
    const dir = corpus();
    const { rmSync } = await import('node:fs');
    rmSync(join(dir, 'dev', 'segments'));
    const { entries } = await importAndLoad('edacc', join(dir, 'dev'), {});
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ text: 'hello how are you', start: 0.1, end: 1.2, speaker: 'EDACC-C01-A' });
    expect(entries[0].labels.l1).toBe('yoruba');
  });
});

describe('Kaldi data dir', () => {
  function corpus(scp: string): string {
    const dir = tmp('kaldi');
    wav(join(dir, 'audio', 'rec1.wav'), 2);
    write(join(dir, 'data', 'wav.scp'), scp);
    write(join(dir, 'data', 'text'), 'spkA-u1 the first words\nspkB-u2 second words\n');
    write(join(dir, 'data', 'utt2spk'), 'spkA-u1 spkA\nspkB-u2 spkB\n');
    write(join(dir, 'data', 'segments'), 'spkA-u1 rec1 0.0 0.8\nspkB-u2 rec1 1.0 -1\n');
    write(join(dir, 'data', 'spk2gender'), 'spkA f\nspkB m\n');
    write(join(dir, 'data', 'spk2accent'), 'spkA Welsh English\n');
    return dir;
  }
  it('segments, speakers, spk2gender and spk2<key> label files', async () => {
    const dir = corpus(`rec1 ${join('..', 'audio', 'rec1.wav')}\n`);
    const { byId } = await importAndLoad('kaldi', join(dir, 'data'), {});
    const a = byId.get('spkA-u1')!;
    expect(a.audioPath).toBe(join(dir, 'audio', 'rec1.wav'));
    expect([a.start, a.end, a.speaker]).toEqual([0, 0.8, 'spkA']);
    expect(a.labels).toEqual({ accent: 'welsh english', accent_raw: 'Welsh English', gender: 'female', gender_raw: 'f' });
    const b = byId.get('spkB-u2')!;
    expect(b.end).toBeUndefined();
    expect(b.labels).toEqual({ gender: 'male', gender_raw: 'm' });
  });
  it('piped wav.scp entries are refused by default and run with allowPipes', async () => {
    const dir = corpus('rec1 sox -n -r 16000 -c 1 -b 16 -t wav - synth 2 sine 200 |\n');
    await expect(importAndLoad('kaldi', join(dir, 'data'), {})).rejects.toThrow(/wav\.scp:1: recording rec1 is a piped command .*--allow-pipes/);
    const { entries } = await importAndLoad('kaldi', join(dir, 'data'), { allowPipes: true });
    const ref = await prepareAudio({ id: entries[0].id, audioPath: entries[0].audioPath, start: entries[0].start, end: entries[0].end }, { cacheDir: join(dir, 'c') });
    expect(ref.durationSec).toBeCloseTo(0.8, 6);
  });
  it('an utterance missing from segments is an error naming file:line', async () => {
    const dir = corpus('rec1 ../audio/rec1.wav\n');
    write(join(dir, 'data', 'segments'), 'spkA-u1 rec1 0.0 0.8\n');
    await expect(importAndLoad('kaldi', join(dir, 'data'), {})).rejects.toThrow(/data\/text:2: utterance spkB-u2 is not in segments/);
  });
});

describe('generic csv / tsv / jsonl', () => {
  it('maps columns, labels and segment times; audio relative to the input file', async () => {
    const dir = tmp('gen');
    wav(join(dir, 'a', 'x.wav'));
    write(join(dir, 'list.csv'), 'key,file,words,who,acc\nu1,a/x.wav,"hello, world",s1,Geordie\nu2,a/x.wav,bye,s2,\n');
    const columns = { id: 'key', audio: 'file', text: 'words', speaker: 'who', 'label.accent': 'acc' };
    const csv = await importAndLoad('csv', join(dir, 'list.csv'), { columns });
    expect(csv.entries.map((e) => [e.id, e.text, e.speaker, e.labels])).toEqual([
      ['u1', 'hello, world', 's1', { accent: 'geordie', accent_raw: 'Geordie' }],
      ['u2', 'bye', 's2', {}],
    ]);
    expect(csv.entries[0].audioPath).toBe(join(dir, 'a', 'x.wav'));
    write(join(dir, 'list.tsv'), `key${T}file${T}words${T}b${T}e\nu1${T}a/x.wav${T}hi${T}0.1${T}0.5\n`);
    const tsv = await importAndLoad('tsv', join(dir, 'list.tsv'), { columns: { id: 'key', audio: 'file', text: 'words', start: 'b', end: 'e' } });
    expect([tsv.entries[0].start, tsv.entries[0].end]).toEqual([0.1, 0.5]);
    write(join(dir, 'list.jsonl'), '{"key":"j1","file":"a/x.wav","words":"json words","acc":"Scouse"}\n{"key":"j2","file":"a/x.wav"\n');
    await expect(importAndLoad('jsonl', join(dir, 'list.jsonl'), { columns })).rejects.toThrow(/list\.jsonl:2: not valid JSON/);
    write(join(dir, 'list.jsonl'), '{"key":"j1","file":"a/x.wav","words":"json words","acc":"Scouse"}\n');
    const jl = await importAndLoad('jsonl', join(dir, 'list.jsonl'), { columns });
    expect(jl.entries[0].labels).toEqual({ accent: 'scouse', accent_raw: 'Scouse' });
  });
  it('empty text and duplicate ids are errors naming file:line', async () => {
    const dir = tmp('gen2');
    write(join(dir, 'l.csv'), 'id,audio,text\nu1,x.wav,words\nu2,x.wav,   \n');
    await expect(importAndLoad('csv', join(dir, 'l.csv'), { columns: { id: 'id', audio: 'audio', text: 'text' } })).rejects.toThrow(/l\.csv:3: .*text \(the reference transcript\) is empty/);
    write(join(dir, 'l.csv'), 'id,audio,text\nu1,x.wav,words\nu1,x.wav,again\n');
    await expect(importAndLoad('csv', join(dir, 'l.csv'), { columns: { id: 'id', audio: 'audio', text: 'text' } })).rejects.toThrow(/l\.csv:3: duplicate utterance id "u1" \(first from .*l\.csv:2\)/);
  });
});
