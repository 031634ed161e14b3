import { describe, expect, it } from 'vitest';
import { NO_PHONE, confusionMatrices, confusionRate, findConfusableSounds, type EvidenceUtterance, type PhoneEvent } from '../../src/analysis/confusable.ts';
import { blackBoxEvidence, canonicalPhones, goodnessByGroup, phoneEvents, phoneGoodness, type Pronouncer } from '../../src/analysis/glass.ts';
import { welchOneSided } from '../../src/analysis/cluster-test.ts';
import { chosenVariants, linearFsg, parsePhoneHypseg, pronunciationFsg } from '../../src/backends/pocketsphinx-glass.ts';

const LEX: Record<string, string[]> = {
  the: ['DH', 'AH'],
  think: ['TH', 'IH', 'NG', 'K'],
  tink: ['T', 'IH', 'NG', 'K'],
  cat: ['K', 'AE', 'T'],
  sat: ['S', 'AE', 'T'],
  i: ['AY'],
};
const pron: Pronouncer = { word: (w) => LEX[w] ?? [] };

/** n utterances of one speaker: each has `th` TH→T confusions plus correct phones. */
function speaker(group: string, spk: string, n: number, confusions: number): EvidenceUtterance[] {
  return Array.from({ length: n }, (_, i) => {
    const events: PhoneEvent[] = [];
    for (let k = 0; k < 4; k++) events.push({ ref: 'TH', hyp: k < confusions ? 'T' : 'TH', word: 'think' });
    for (const p of ['IH', 'NG', 'K', 'AE', 'S']) events.push({ ref: p, hyp: p, word: 'x' });
    return { id: `${spk}-${i}`, speaker: spk, group, events, words: [{ word: 'think', error: confusions > 0 }] };
  });
}

describe('phone alignment evidence', () => {
  it('attributes substitutions, deletions and insertions to reference words', () => {
    const canon = canonicalPhones(['i', 'think'], pron);
    expect(canon.map((c) => `${c.phone}:${c.word}`)).toEqual(['AY:i', 'TH:think', 'IH:think', 'NG:think', 'K:think']);
    const { events, wrongWords } = phoneEvents(canon, ['AY', 'T', 'IH', 'NG', 'K', 'S']);
    expect(events.filter((e) => e.ref !== e.hyp)).toEqual([
      { ref: 'TH', hyp: 'T', word: 'think' },
      { ref: NO_PHONE, hyp: 'S', word: 'think' },
    ]);
    expect([...wrongWords]).toEqual([1]);
    const del = phoneEvents(canon, ['AY', 'IH', 'NG', 'K']).events;
    expect(del.find((e) => e.ref === 'TH')).toEqual({ ref: 'TH', hyp: NO_PHONE, word: 'think' });
  });

  it('black-box evidence aligns G2P phones of reference and hypothesis text', () => {
    const e = blackBoxEvidence({ id: 'u1', speaker: 's', group: 'g', ref: 'I think, the cat sat.' }, 'i tink the cat', pron);
    const errs = e.events.filter((x) => x.ref !== x.hyp).map((x) => `${x.ref}>${x.hyp}:${x.word}`);
    expect(errs).toEqual(['TH>T:think', `S>${NO_PHONE}:sat`, `AE>${NO_PHONE}:sat`, `T>${NO_PHONE}:sat`]);
    expect(e.words).toEqual([
      { word: 'i', error: false },
      { word: 'think', error: true },
      { word: 'the', error: false },
      { word: 'cat', error: false },
      { word: 'sat', error: true },
    ]);
  });
});

describe('confusion matrices', () => {
  it('counts per group and normalises by reference phone frequency', () => {
    const utts = [...speaker('a', 'a1', 2, 1), ...speaker('b', 'b1', 1, 0)];
    const ms = confusionMatrices(utts);
    expect(ms.map((m) => m.group)).toEqual(['a', 'b']);
    const a = ms[0];
    expect(a.refCounts.TH).toBe(8);
    expect(a.counts.TH).toEqual({ T: 2, TH: 6 });
    expect(confusionRate(a, 'TH', 'T')).toBeCloseTo(0.25, 12);
    expect(confusionRate(ms[1], 'TH', 'T')).toBe(0);
    expect(a.speakers).toBe(1);
    expect(a.utterances).toBe(2);
  });
});

describe('flagging confusable sounds', () => {
  const rest = [1, 2, 3, 4, 5, 6].flatMap((k) => speaker('rest', `r${k}`, 3, 0));

  it('flags a confusion every speaker of the group shows', () => {
    const grp = [1, 2, 3, 4, 5, 6].flatMap((k) => speaker('tt', `t${k}`, 3, 1));
    const r = findConfusableSounds([...grp, ...rest], { permutations: 2000, seed: 7 });
    const top = r.confusions.filter((t) => t.group === 'tt' && t.flagged);
    expect(top[0]).toMatchObject({ ref: 'TH', hyp: 'T', kind: 'sub', countGroup: 18, totalGroup: 72, countRest: 0, speakersWithConfusion: 6 });
    expect(top[0].z).toBeGreaterThan(1.96);
    expect(top[0].pAdjusted).toBeLessThan(0.05);
    expect(top[0].examples[0]).toEqual({ utteranceId: 't1-0', word: 'think' });
    expect(r.confusions.some((t) => t.group === 'rest' && t.flagged)).toBe(false);
    const w = r.words.find((x) => x.group === 'tt' && x.word === 'think');
    expect(w?.flagged).toBe(true);
  });

  it('does not flag a confusion carried by one speaker, however often', () => {
    const grp = [...speaker('tt', 't1', 3, 4), ...[2, 3, 4, 5, 6].flatMap((k) => speaker('tt', `t${k}`, 3, 0))];
    const r = findConfusableSounds([...grp, ...rest], { permutations: 2000, seed: 7 });
    const t = r.confusions.find((x) => x.group === 'tt' && x.ref === 'TH' && x.hyp === 'T');
    // Log-odds alone is large: 12 of 72 vs 0 of 72.
    expect(t?.z).toBeGreaterThan(1.96);
    expect(t?.flagged).toBe(false);
    // Even when the minimum-speaker rule is off, the speaker-level permutation test does not reach significance.
    const r2 = findConfusableSounds([...grp, ...rest], { permutations: 2000, seed: 7, minSpeakers: 1 });
    const t2 = r2.confusions.find((x) => x.group === 'tt' && x.ref === 'TH' && x.hyp === 'T')!;
    expect(t2.p).toBeGreaterThan(0.05);
    expect(t2.flagged).toBe(false);
  });

  it('tests deletions and insertions with their own denominators', () => {
    const mk = (group: string, spk: string, del: boolean, ins: boolean): EvidenceUtterance => ({
      id: `${spk}`,
      speaker: spk,
      group,
      events: [
        { ref: 'T', hyp: del ? NO_PHONE : 'T', word: 'cat' },
        { ref: 'K', hyp: 'K', word: 'cat' },
        ...(ins ? [{ ref: NO_PHONE, hyp: 'AH', word: 'cat' }] : []),
      ],
      words: [],
    });
    const utts: EvidenceUtterance[] = [];
    for (let k = 0; k < 8; k++) for (let j = 0; j < 3; j++) utts.push({ ...mk('d', `d${k}-${j}`, true, true), speaker: `d${k}` });
    for (let k = 0; k < 8; k++) for (let j = 0; j < 3; j++) utts.push({ ...mk('n', `n${k}-${j}`, false, false), speaker: `n${k}` });
    const r = findConfusableSounds(utts, { permutations: 2000 });
    const del = r.confusions.find((t) => t.group === 'd' && t.kind === 'del')!;
    expect(del).toMatchObject({ ref: 'T', hyp: NO_PHONE, countGroup: 24, totalGroup: 24, flagged: true });
    const ins = r.confusions.find((t) => t.group === 'd' && t.kind === 'ins')!;
    // Insertions are normalised by all reference phones of the group (2 per utterance).
    expect(ins).toMatchObject({ ref: NO_PHONE, hyp: 'AH', countGroup: 24, totalGroup: 48, flagged: true });
  });

  it('compares with a declared reference group: a null group is not made to look accented by the others', () => {
    // Every speaker has 4 TH: the null group hears one as S (a recogniser quirk), `tt` stops all four
    // (so its TH → S disappears), `ff` fronts two to F and keeps the quirk.
    const mk = (group: string, spk: string, hyps: string[]): EvidenceUtterance[] =>
      Array.from({ length: 3 }, (_, i) => ({
        id: `${spk}-${i}`,
        speaker: spk,
        group,
        events: [...hyps.map((hyp) => ({ ref: 'TH', hyp, word: 'think' })), ...['IH', 'NG', 'K'].map((p) => ({ ref: p, hyp: p, word: 'think' }))],
        words: [],
      }));
    const utts = [1, 2, 3, 4, 5, 6].flatMap((k) => [
      ...mk('none', `n${k}`, ['S', 'TH', 'TH', 'TH']),
      ...mk('tt', `t${k}`, ['T', 'T', 'T', 'T']),
      ...mk('ff', `f${k}`, ['S', 'F', 'F', 'TH']),
    ]);
    const flags = (r: ReturnType<typeof findConfusableSounds>) => r.confusions.filter((t) => t.flagged).map((t) => `${t.group}: ${t.ref}→${t.hyp}`).sort();
    // Against the rest, the null group's quirk is "over-represented" (the rest lost it to TH-stopping).
    // 6 vs 6 speakers: the cluster-level Welch test (as the planted validation uses).
    const vsRest = findConfusableSounds(utts, { test: 'welch' });
    expect(vsRest.comparison).toBe('rest');
    expect(flags(vsRest)).toContain('none: TH→S');
    const vsNone = findConfusableSounds(utts, { referenceGroup: 'none', test: 'welch' });
    expect(vsNone.comparison).toBe('none');
    expect(flags(vsNone)).toEqual(['ff: TH→F', 'tt: TH→T']);
    expect(vsNone.confusions.every((t) => t.group !== 'none' && t.countRest + t.totalRest > 0)).toBe(true);
    expect(vsNone.confusions.find((t) => t.group === 'tt')).toMatchObject({ totalRest: 72, countRest: 0 });
    // An unknown reference falls back to the rest.
    expect(findConfusableSounds(utts, { referenceGroup: 'nobody' }).comparison).toBe('rest');
  });

  it('the cluster-level Welch test equals scipy.stats.ttest_ind(equal_var=False, alternative="greater")', () => {
    // scipy 1.x: t = 4.28097, df = 8.9995, p = 0.00102365
    const a = [5.1, 4.9, 6.2, 5.8, 6.0, 5.5];
    const b = [4.1, 4.5, 3.9, 5.0, 4.4];
    expect(welchOneSided(a, b, 'greater')).toBeCloseTo(0.0010236461029634876, 9);
    expect(welchOneSided(b, a, 'less')).toBeCloseTo(0.0010236461029634876, 9);
    expect(welchOneSided(b, a, 'greater')).toBeCloseTo(1 - 0.0010236461029634876, 9);
    expect(welchOneSided([1], b, 'greater')).toBeNaN();
  });

  it('gives the same answer for the same seed and nothing for a single group', () => {
    const grp = [1, 2, 3, 4, 5, 6].flatMap((k) => speaker('tt', `t${k}`, 2, 1));
    const a = findConfusableSounds([...grp, ...rest], { seed: 3 });
    const b = findConfusableSounds([...grp, ...rest], { seed: 3 });
    expect(a.confusions.map((t) => t.p)).toEqual(b.confusions.map((t) => t.p));
    expect(findConfusableSounds(grp).confusions).toEqual([]);
  });
});

describe('goodness of pronunciation', () => {
  it('subtracts the free-loop score over the same frames, pro rata, per frame', () => {
    const canon = canonicalPhones(['the'], pron);
    const aligned = [
      { phone: 'DH', startFrame: 10, endFrame: 20, score: -100 },
      { phone: 'AH', startFrame: 20, endFrame: 24, score: -20 },
    ];
    const loop = [
      { phone: 'SIL', startFrame: 0, endFrame: 5, score: -10 },
      { phone: 'D', startFrame: 5, endFrame: 15, score: -50 },
      { phone: 'AH', startFrame: 15, endFrame: 25, score: -30 },
    ];
    const g = phoneGoodness(canon, aligned, loop);
    // DH: loop −50·5/10 − 30·5/10 = −40 → (−100 + 40)/10; AH: loop −30·4/10 = −12 → (−20 + 12)/4.
    expect(g[0]).toMatchObject({ phone: 'DH', word: 'the', loopScore: -40 });
    expect(g[0].gop).toBeCloseTo(-6, 12);
    expect(g[1].gop).toBeCloseTo(-2, 12);
    expect(() => phoneGoodness(canon, aligned.slice(0, 1), loop)).toThrow(/1 phones/);
  });

  it('flags a phone whose goodness is lower for every speaker of a group', () => {
    const mk = (group: string, spk: string, gop: number) => ({
      id: spk,
      speaker: spk,
      group,
      phones: Array.from({ length: 4 }, (_, i) => ({ phone: 'TH', word: 'think', startFrame: i, endFrame: i + 1, alignedScore: 0, loopScore: 0, gop: gop - i * 0.1 })),
    });
    const utts = [...[1, 2, 3, 4, 5, 6].map((k) => mk('low', `l${k}`, -10 - k)), ...[1, 2, 3, 4, 5, 6].map((k) => mk('ok', `o${k}`, -2 - k * 0.5))];
    const t = goodnessByGroup(utts, { permutations: 2000 });
    const low = t.find((x) => x.group === 'low')!;
    expect(low.flagged).toBe(true);
    expect(low.diff).toBeLessThan(0);
    expect(low.examples[0].utteranceId).toBe('l6');
    expect(t.find((x) => x.group === 'ok')!.flagged).toBe(false);
  });
});

describe('pocketsphinx output parsing', () => {
  it('reads phones, frames and scores from a -hypseg line and drops silence', () => {
    const line = 'a16 S 0 T -5243 A -4569 L -674 0 -194 -337 <sil> 20 -93 0 AY 32 -273 0 TH 38 -162 0 IH 44 -203 0 NG(2) 60';
    const { id, phones } = parsePhoneHypseg(line);
    expect(id).toBe('a16');
    expect(phones.map((p) => [p.phone, p.startFrame, p.endFrame, p.score])).toEqual([
      ['AY', 20, 32, -93],
      ['TH', 32, 38, -273],
      ['IH', 38, 44, -162],
      ['NG', 44, 60, -203],
    ]);
    expect(parsePhoneHypseg(line, true).phones[0]).toMatchObject({ phone: '<sil>', start: 0, end: 0.2 });
    expect(() => parsePhoneHypseg('garbage line')).toThrow(/unexpected hypseg/);
  });

  it('writes a linear FSG accepting exactly the phones', () => {
    expect(linearFsg('u0', ['DH', 'AH'])).toBe('FSG_BEGIN u0\nNUM_STATES 3\nSTART_STATE 0\nFINAL_STATE 2\nTRANSITION 0 1 1.0 DH\nTRANSITION 1 2 1.0 AH\nFSG_END\n');
  });

  it('writes a grammar with one branch per pronunciation and recovers the variant taken', () => {
    const prons = [[['DH', 'AH'], ['DH', 'IY']], [['K', 'AE', 'T']]];
    expect(pronunciationFsg('u', prons).split('\n')).toEqual([
      'FSG_BEGIN u',
      'NUM_STATES 7',
      'START_STATE 0',
      'FINAL_STATE 2',
      'TRANSITION 0 3 1.0 DH',
      'TRANSITION 3 1 1.0 AH',
      'TRANSITION 0 4 1.0 DH',
      'TRANSITION 4 1 1.0 IY',
      'TRANSITION 1 5 1.0 K',
      'TRANSITION 5 6 1.0 AE',
      'TRANSITION 6 2 1.0 T',
      'FSG_END',
      '',
    ]);
    expect(chosenVariants(prons, ['DH', 'IY', 'K', 'AE', 'T'])).toEqual([1, 0]);
    expect(chosenVariants(prons, ['DH', 'AH', 'K', 'AE', 'T'])).toEqual([0, 0]);
    expect(chosenVariants(prons, ['DH', 'IY', 'K', 'AE'])).toBeUndefined();
    // Backtracking: the first variant of word 1 matches a prefix but leaves no parse for word 2.
    expect(chosenVariants([[['T'], ['T', 'UW']], [['UW', 'K']]], ['T', 'UW', 'K'])).toEqual([0, 0]);
    expect(chosenVariants([[['T', 'UW'], ['T']], [['K']]], ['T', 'K'])).toEqual([1, 0]);
  });
});
