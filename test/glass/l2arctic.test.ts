import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NO_PHONE, findConfusableSounds, type EvidenceUtterance, type PhoneEvent } from '../../src/analysis/confusable.ts';
import { annotatedPairsFromFile, annotationPair, flaggedAnnotationAgreement, normaliseAnnotatedPhone, readAnnotatedPairs, type AnnotatedSpeaker } from '../../src/analysis/glass-l2arctic.ts';

/** Writes a Praat long-format TextGrid with `words` and `phones` interval tiers, as L2-ARCTIC ships them. */
function textGrid(phones: string[]): string {
  const step = 0.1;
  const end = phones.length * step;
  const tier = (name: string, labels: string[]) =>
    [
      '        class = "IntervalTier"',
      `        name = "${name}"`,
      '        xmin = 0',
      `        xmax = ${end}`,
      `        intervals: size = ${labels.length}`,
      ...labels.flatMap((l, i) => [
        `        intervals [${i + 1}]:`,
        `            xmin = ${(i * (end / labels.length)).toFixed(3)}`,
        `            xmax = ${((i + 1) * (end / labels.length)).toFixed(3)}`,
        `            text = "${l}"`,
      ]),
    ].join('\n');
  return [
    'File type = "ooTextFile"',
    'Object class = "TextGrid"',
    '',
    'xmin = 0',
    `xmax = ${end}`,
    'tiers? <exists>',
    'size = 2',
    'item []:',
    '    item [1]:',
    tier('words', ['the', 'thing']),
    '    item [2]:',
    tier('phones', phones),
    '',
  ].join('\n');
}

let dir: string;
const speakers: AnnotatedSpeaker[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-l2arctic-'));
  const write = (speaker: string, group: string, grids: string[][]) => {
    const ann = join(dir, speaker, 'annotation');
    mkdirSync(ann, { recursive: true });
    grids.forEach((g, i) => writeFileSync(join(ann, `arctic_a000${i + 1}.TextGrid`), textGrid(g)));
    speakers.push({ speaker, group, annotationDir: ann });
  };
  // Spanish L1: DH → D (twice), Z → S, a deleted T; Mandarin L1: TH → S and an added AH.
  write('ABA', 'spanish', [['sil', 'DH,D,s', 'AH', 'Z,S,s'], ['dh,d,s', 'T,sil,d', 'IH1']]);
  write('EBVS', 'spanish', [['DH,D,s', 'AH', 'sil']]);
  write('BWC', 'mandarin', [['TH,S,s', 'IH', 'NG', 'sil,AH,a']]);
  write('LXC', 'mandarin', [['th,s,s', 'err,AH,s']]);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Evidence where each speaker of `group` shows each given confusion in 3 of 4 tokens. */
function evidence(group: string, pairs: [string, string][]): EvidenceUtterance[] {
  const all: [string, string][] = [['DH', 'D'], ['V', 'B'], ['TH', 'S']];
  return [1, 2, 3, 4, 5, 6].map((k) => {
    const events: PhoneEvent[] = [];
    for (const [ref, hyp] of all) {
      const confused = pairs.some(([r, h]) => r === ref && h === hyp);
      for (let i = 0; i < 4; i++) events.push({ ref, hyp: confused && i < 3 ? hyp : ref, word: `w${ref}` });
    }
    return { id: `${group}${k}`, speaker: `${group}${k}`, group, events, words: [] };
  });
}

describe('L2-ARCTIC annotation agreement', () => {
  it('maps annotation labels to confusion pairs', () => {
    expect(normaliseAnnotatedPhone('ih1')).toBe('IH');
    expect(normaliseAnnotatedPhone('sil')).toBe(NO_PHONE);
    expect(annotationPair({ canonical: 'DH', perceived: 'D', type: 's', start: 0, end: 1 })).toEqual({ kind: 'sub', ref: 'DH', hyp: 'D' });
    expect(annotationPair({ canonical: 'T', perceived: 'sil', type: 'd', start: 0, end: 1 })).toEqual({ kind: 'del', ref: 'T', hyp: NO_PHONE });
    expect(annotationPair({ canonical: 'sil', perceived: 'AH', type: 'a', start: 0, end: 1 })).toEqual({ kind: 'ins', ref: NO_PHONE, hyp: 'AH' });
    // "err" (unidentifiable perceived sound) gives no usable pair.
    expect(annotationPair({ canonical: 'err', perceived: 'AH', type: 's', start: 0, end: 1 })).toBeUndefined();
  });

  it('reads annotated pairs per L1 group from TextGrids', async () => {
    const pairs = await readAnnotatedPairs(speakers);
    const show = pairs.map((p) => `${p.group} ${p.kind} ${p.ref}→${p.hyp} ×${p.count} (${p.speakers} spk)`);
    expect(show).toEqual([
      'mandarin sub TH→S ×2 (2 spk)',
      'mandarin ins ∅→AH ×1 (1 spk)',
      'spanish sub DH→D ×3 (2 spk)',
      'spanish sub Z→S ×1 (1 spk)',
      'spanish del T→∅ ×1 (1 spk)',
    ]);
    const strict = await readAnnotatedPairs(speakers, { minSpeakers: 2 });
    expect(strict.map((p) => `${p.group} ${p.ref}→${p.hyp}`)).toEqual(['mandarin TH→S', 'spanish DH→D']);
  });

  it('computes precision and recall of flagged confusions against the annotations', async () => {
    const result = findConfusableSounds([...evidence('spanish', [['DH', 'D'], ['V', 'B']]), ...evidence('mandarin', [['TH', 'S']])], { permutations: 2000 });
    const pairs = await readAnnotatedPairs(speakers);
    const a = flaggedAnnotationAgreement(result, pairs);
    const es = a.groups.find((g) => g.group === 'spanish')!;
    expect(es.flagged).toEqual(['DH→D', 'V→B']);
    expect(es.annotated).toEqual(['DH→D', 'Z→S']);
    expect(es.agreed).toEqual(['DH→D']);
    expect(es.precision).toBeCloseTo(0.5, 12);
    expect(es.recall).toBeCloseTo(0.5, 12);
    const zh = a.groups.find((g) => g.group === 'mandarin')!;
    expect([zh.precision, zh.recall, zh.f1]).toEqual([1, 1, 1]);
    expect(a.overall).toMatchObject({ flagged: 3, annotated: 3, agreed: 2 });
    expect(a.overall.precision).toBeCloseTo(2 / 3, 12);
    // Counting deletions too: the annotated T deletion is missed.
    const withDel = flaggedAnnotationAgreement(result, pairs, { kinds: ['sub', 'del'] });
    expect(withDel.groups.find((g) => g.group === 'spanish')!.recall).toBeCloseTo(1 / 3, 12);
  });

  it('reads the importer\'s annotations side file and names the file on bad input', () => {
    const file = join(dir, 'corpus.annotations.json');
    writeFileSync(file, JSON.stringify({ u1: [{ canonical: 'DH', perceived: 'D', type: 's', start: 0, end: 1 }], u2: [{ canonical: 'V', perceived: 'B', type: 's', start: 0, end: 1 }], other: [] }));
    const utts = [
      { id: 'u1', speaker: 'EBVS', group: 'spanish' },
      { id: 'u2', speaker: 'BWC', group: 'mandarin' },
      { id: 'u3', speaker: 'BWC', group: 'mandarin' },
    ];
    expect(annotatedPairsFromFile(file, utts).map((p) => `${p.group} ${p.ref}→${p.hyp}`)).toEqual(['mandarin V→B', 'spanish DH→D']);
    writeFileSync(file, '{"u1": [{"canonical": "DH"}]}');
    expect(() => annotatedPairsFromFile(file, utts)).toThrow(`${file}: utterance "u1": expected a list of {canonical, perceived, type, start, end}`);
    expect(() => annotatedPairsFromFile(join(dir, 'none.json'), utts)).toThrow(/none\.json: annotations file not found/);
  });
});
