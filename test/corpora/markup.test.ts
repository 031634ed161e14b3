/** Corpus markup policies, each fault from its smallest input (issue 12, item 1). */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { importAndLoad, tmp, wav, write } from './fixtures.ts';
import { applyCoraalMarkup, applyEdaccMarkup, applyKaldiMarkup, hasWords, withoutDeletable } from '../../src/corpora/importers/markup.ts';
import { summariseMarkup } from '../../src/manifest/markup.ts';
import { groupOf, type Utterance } from '../../src/manifest/schema.ts';
import { basic } from '../../src/text/normalise.ts';
import { glassReference } from '../../src/analysis/glass-markup.ts';

const T = '\t';

describe('CORAAL markup (CORAAL transcription conventions)', () => {
  it('a redaction never becomes the words "rd name 2"', () => {
    const r = applyCoraalMarkup('I went with /RD-NAME-2/ to school');
    expect(r.text).toBe('I went with to school');
    expect(r.markup).toEqual({ policy: 'coraal', removed: 1, kinds: { redaction: 1 } });
    expect(basic.normalise(r.text)).not.toMatch(/\brd\b/);
  });
  it('redactions with a missing slash, as the real transcripts have them ("RD-WORK-4,", "/RD-NAME-3.")', () => {
    expect(applyCoraalMarkup('RD-WORK-4,').text).toBe('');
    expect(applyCoraalMarkup('you know, /RD-NAME-3.').text).toBe('you know,'); // orphaned punctuation goes too
    expect(applyCoraalMarkup("at /RD-NAME-2/'s house").text).toBe('at house');
  });
  it('pauses, non-speech, voice-quality notes and unintelligible spans are removed and counted; fragments kept as (I-)', () => {
    const r = applyCoraalMarkup('I- I was (pause 0.52) <laugh> like (laughing) /??/ /unintelligible/ going');
    expect(r.text).toBe('(I-) I was like going');
    expect(r.markup).toEqual({ policy: 'coraal', removed: 5, kinds: { pause: 1, nonspeech: 1, paralinguistic: 1, unintelligible: 2, fragment: 1 }, deletable: { fragment: 1 } });
  });
  it('fragments and false starts become sclite optionally deletable fragments (-D -F), trailing punctuation dropped', () => {
    expect(applyCoraalMarkup('like- like, the-, m- -ing I was').text).toBe('(like-) like, (the-) (m-) (-ing) I was');
    expect(applyCoraalMarkup("[don't-] know").text).toBe("(don't-) know");
    expect(applyCoraalMarkup('twenty-six').markup).toBeUndefined(); // a hyphenated word is not a fragment
    expect(withoutDeletable('(I-) (m-) yes (like-)').trim()).toBe('yes');
  });
  it('overlaps and best guesses keep their words (they were spoken), counted but not removed', () => {
    const r = applyCoraalMarkup('[Yeah, so] she /nah mean/ came');
    expect(r.text).toBe('Yeah, so she nah mean came');
    expect(r.markup).toEqual({ policy: 'coraal', removed: 0, kinds: { overlap: 1, uncertain: 1 } });
  });
  it('CORAAL: a slash inside a word ("9/11", "24/7", "and/or") is not a best guess; a best guess beside one still is', () => {
    expect(applyCoraalMarkup('on 9/11 we')).toEqual({ text: 'on 9/11 we' });
    expect(applyCoraalMarkup('24/7 /nah mean/ and/or')).toEqual({ text: '24/7 nah mean and/or', markup: { policy: 'coraal', removed: 0, kinds: { uncertain: 1 } } });
    expect(applyCoraalMarkup('/RD-NAME-2/ said 9/11 /?/').markup).toEqual({ policy: 'coraal', removed: 2, kinds: { redaction: 1, unintelligible: 1 } });
    // Brackets opening on one row and closing on another.
    expect(applyCoraalMarkup('[twenty-six cent. (laughing)]').text).toBe('twenty-six cent.');
    expect(applyCoraalMarkup('Mm-hm').markup).toBeUndefined(); // a hyphenated word is not a fragment
  });
  it('a row that is only markup has no words', () => {
    for (const row of ['(pause 0.52)', '[<laugh>]', '[laugh]', '[Laughter]', '<ts>', '/RD-NAME-2/.', '/?/', 'I- m-']) expect(hasWords(withoutDeletable(applyCoraalMarkup(row).text))).toBe(false);
  });
});

describe('EdAcc and Kaldi markup', () => {
  it('EdAcc <breath> and <overlap> are not the words "breath"/"overlap"', () => {
    const r = applyEdaccMarkup('<breath> so I said <overlap> yes');
    expect(r.text).toBe('so I said yes');
    expect(r.markup).toEqual({ policy: 'edacc', removed: 2, kinds: { nonspeech: 1, overlap: 1 } });
  });
  it('Kaldi noise tokens are removed as whole tokens only', () => {
    const r = applyKaldiMarkup('<unk> hello [laughter] world [noise] !SIL');
    expect(r.text).toBe('hello world');
    expect(r.markup?.removed).toBe(4);
    expect(applyKaldiMarkup('THE RESULT WAS AN UPSET').markup).toBeUndefined();
  });

  it('the Kaldi importer and the glass box read bracketed tags by one definition (BRACKET_TAG)', () => {
    const tags = ['<unk>', '<noise>', '<SPOKEN_NOISE>', '[laughter]', '[noise]', '[vocalized-noise]'];
    const words = ['<>', '[]', 'a[b]', '<a>b', '[a][b]'];
    for (const t of tags) {
      expect(applyKaldiMarkup(`hello ${t} world`).text, t).toBe('hello world');
      expect(glassReference(`hello ${t} world`), t).toEqual({ ref: 'hello world', markup: [t], digits: [] });
    }
    for (const w of words) {
      expect(applyKaldiMarkup(`hello ${w}`).text, w).toBe(`hello ${w}`);
      expect(glassReference(`hello ${w}`).markup, w).toEqual([]);
    }
  });
});

describe('importers apply the policy, skip markup-only rows and keep interviewers apart', () => {
  function coraal(transcript: string): string {
    const dir = tmp('coraalm');
    write(join(dir, 'DCB_metadata_2018.10.06.txt'), `CORAAL.File${T}CORAAL.Spkr${T}CORAAL.Sub${T}Gender${T}Age${T}Age.Group\nDCB_se1_ag1_f_01_1${T}DCB_se1_ag1_f_01${T}DCB${T}Female${T}19${T}1\n`);
    write(join(dir, 'DCB_se1_ag1_f_01_1.txt'), `Line${T}Spkr${T}StTime${T}Content${T}EnTime\n` + transcript);
    wav(join(dir, 'DCB_se1_ag1_f_01_1.wav'), 3);
    return dir;
  }
  it('CORAAL: [<laugh>] alone is not an utterance; a redaction is removed and recorded; interviewer is its own group', async () => {
    const dir = coraal(
      `1${T}DCB_int_01${T}0.1${T}So where you from?${T}0.9\n` +
        `2${T}DCB_se1_ag1_f_01${T}1.0${T}[<laugh>]${T}1.4\n` +
        `3${T}DCB_se1_ag1_f_01${T}1.5${T}Me and /RD-NAME-2/ went${T}2.8\n`,
    );
    const { entries, summary } = await importAndLoad('coraal', dir, {});
    expect(entries.map((e) => [e.id, e.text])).toEqual([['coraal-DCB_se1_ag1_f_01_1-0003', 'Me and went']]);
    expect(entries[0]).toMatchObject({ text_raw: 'Me and /RD-NAME-2/ went', markup: { policy: 'coraal', removed: 1, kinds: { redaction: 1 } }, language: 'en' });
    expect(Object.fromEntries(summary.tallies)).toEqual({
      'CORAAL interviewer rows excluded (--include-interviewers to keep them)': 1,
      'CORAAL rows with only markup (pauses, non-speech, voice notes, redactions, unintelligible spans, fragments), not utterances': 1,
    });
    const all = await importAndLoad('coraal', dir, { includeInterviewers: true });
    const int = all.byId.get('coraal-DCB_se1_ag1_f_01_1-0001')!;
    expect(int.labels).toEqual({ role: 'interviewer' });
    expect(groupOf(int, 'site')).toBe('interviewer'); // never pooled into undeclared
    expect(groupOf(all.byId.get('coraal-DCB_se1_ag1_f_01_1-0003')!, 'site')).toBe('dcb');
    expect(groupOf({ labels: {} }, 'site')).toBe('undeclared');
  });

  it('EdAcc: segments the stm marks IGNORE_TIME_SEGMENT_IN_SCORING are left out of text+segments imports; tags removed', async () => {
    const dir = tmp('edaccm');
    write(join(dir, 'test', 'segments'), 'C01-A-1 C01 0.00 20.00\nC01-A-2 C01 20.50 22.00\nC01-B-3 C01 22.10 23.00\n');
    write(join(dir, 'test', 'text'), 'C01-A-1 please call stella ask her to bring\nC01-A-2 <breath> so that was it\nC01-B-3 <overlap>\n');
    write(join(dir, 'test', 'utt2spk'), 'C01-A-1 C01-A\nC01-A-2 C01-A\nC01-B-3 C01-B\n');
    write(join(dir, 'test', 'stm'), 'C01 1 C01-A 0.00 20.00 <O> IGNORE_TIME_SEGMENT_IN_SCORING\nC01 1 C01-A 20.50 22.00 <O> <breath> so that was it\n');
    wav(join(dir, 'data', 'C01.wav'), 1);
    const { entries, summary } = await importAndLoad('edacc', dir, {});
    expect(entries.map((e) => [e.id, e.text, e.language])).toEqual([['C01-A-2', 'so that was it', 'en']]);
    expect(entries[0].markup).toEqual({ policy: 'edacc', removed: 1, kinds: { nonspeech: 1 } });
    expect(Object.fromEntries(summary.tallies)).toEqual({
      'EdAcc utterances inside segments the stm marks IGNORE_TIME_SEGMENT_IN_SCORING': 1,
      'EdAcc utterances with only markup or noise tokens, not utterances': 1,
    });
  });
});

describe('summariseMarkup (for the service card)', () => {
  it('tokens and utterances touched per group, interviewers and undeclared apart', () => {
    const rows: Array<Pick<Utterance, 'labels' | 'markup'>> = [
      { labels: { site: 'dcb' }, markup: { policy: 'coraal', removed: 2, kinds: { redaction: 1, pause: 1 } } },
      { labels: { site: 'dcb' } },
      { labels: { site: 'dcb' }, markup: { policy: 'coraal', removed: 0, kinds: { overlap: 1, fragment: 2 }, deletable: { fragment: 2 } } },
      { labels: { role: 'interviewer' }, markup: { policy: 'coraal', removed: 1, kinds: { nonspeech: 1 } } },
      { labels: {} },
    ];
    expect(summariseMarkup(rows, 'site')).toEqual([
      { group: 'dcb', utterances: 3, touched: 2, removedTokens: 2, deletableTokens: 2, kinds: { redaction: 1, pause: 1, overlap: 1, fragment: 2 }, removedKinds: { redaction: 1, pause: 1 }, keptKinds: { overlap: 1 }, deletableKinds: { fragment: 2 }, policies: ['coraal'] },
      { group: 'interviewer', utterances: 1, touched: 1, removedTokens: 1, deletableTokens: 0, kinds: { nonspeech: 1 }, removedKinds: { nonspeech: 1 }, keptKinds: {}, deletableKinds: {}, policies: ['coraal'] },
      { group: 'undeclared', utterances: 1, touched: 0, removedTokens: 0, deletableTokens: 0, kinds: {}, removedKinds: {}, keptKinds: {}, deletableKinds: {}, policies: [] },
    ]);
  });
});
