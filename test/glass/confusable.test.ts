import { describe, expect, it } from 'vitest';
import { NO_PHONE, confusionMatrices, confusionRate, findConfusableSounds, type EvidenceUtterance, type PhoneEvent } from '../../src/analysis/confusable.ts';
import { blackBoxEvidence, canonicalPhones, goodnessByGroup, phoneEvents, phoneGoodness, type Pronouncer } from '../../src/analysis/glass.ts';
import { compareMatched, compareValues, pairedOneSided, permutationFloor, signFlipP, welchOneSided } from '../../src/analysis/cluster-test.ts';
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
    // Against the rest, the null group's quirk is "over-represented" (the rest lost it to TH-stopping):
    // its confusion test is significant, but TH is not misrecognised more in `none` than in the rest, so
    // the sound test keeps it unflagged (a confusion is flagged only under a flagged sound).
    // 6 vs 6 speakers: the cluster-level Welch test (as the planted validation uses).
    const vsRest = findConfusableSounds(utts, { test: 'welch' });
    expect(vsRest.comparison).toBe('rest');
    const quirk = vsRest.confusions.find((t) => t.group === 'none' && t.ref === 'TH' && t.hyp === 'S')!;
    expect(quirk.rateGroup).toBe(2 * quirk.rateRest);
    expect(quirk.p).toBeLessThan(0.05);
    expect(quirk.flagged).toBe(false);
    expect(vsRest.phones.find((t) => t.group === 'none' && t.phone === 'TH' && !t.position)!.flagged).toBe(false);
    expect(flags(vsRest)).not.toContain('none: TH→S');
    const vsNone = findConfusableSounds(utts, { referenceGroup: 'none', test: 'welch' });
    expect(vsNone.comparison).toBe('none');
    expect(flags(vsNone)).toEqual(['ff: TH→F', 'tt: TH→T']);
    expect(vsNone.confusions.every((t) => t.group !== 'none' && t.countRest + t.totalRest > 0)).toBe(true);
    expect(vsNone.confusions.find((t) => t.group === 'tt')).toMatchObject({ totalRest: 72, countRest: 0 });
    // An unknown reference falls back to the rest.
    expect(findConfusableSounds(utts, { referenceGroup: 'nobody' }).comparison).toBe('rest');
  });

  it('never reports a Welch p below the exact permutation p of the same speakers', () => {
    // 6 vs 6 speakers have 924 splits: however far apart, no valid speaker-level p is below 1/924.
    // scipy: ttest_ind([.97,1,.98,1,.99,1], b, equal_var=False, alternative="greater").pvalue = 5.54e-18.
    const b = [0.01, 0.02, 0, 0.03, 0.01, 0];
    const far = [0.97, 1, 0.98, 1, 0.99, 1];
    expect(welchOneSided(far, b, 'greater')).toBeLessThan(1e-15);
    expect(permutationFloor(far, b, 'greater', 0, 1)).toBeCloseTo(1 / 924, 15);
    expect(compareValues(far, b, 'greater', 'welch', 0, 1)).toBeCloseTo(1 / 924, 15);
    // Spread speakers: Welch (scipy 0.0038009564774869227) is above the floor and kept.
    const spread = [0.3, 0.1, 0.25, 0.05, 0.2, 0.15];
    expect(compareValues(spread, b, 'greater', 'welch', 0, 1)).toBeCloseTo(0.0038009564774869227, 9);
    expect(compareValues(spread, b, 'greater', 'permutation', 0, 1)).toBeCloseTo(1 / 924, 15);
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

describe('sounds a group is misrecognised on (phone tests)', () => {
  // Speaker k says `n` words "car" (K AA R) and `n` words "red" (R EH D); `final` is how many of its
  // word-final R are heard as nothing, `onset` of its word-initial R; `other` errors on K (the speaker's level).
  const speaker = (group: string, spk: string, opts: { final: number; onset?: number; other?: number; match?: string }): EvidenceUtterance => {
    const events: PhoneEvent[] = [];
    for (let i = 0; i < 10; i++) {
      events.push({ ref: 'K', hyp: i < (opts.other ?? 0) ? 'G' : 'K', word: 'car' }, { ref: 'AA', hyp: 'AA', word: 'car' }, { ref: 'R', hyp: i < opts.final ? NO_PHONE : 'R', word: 'car' });
      events.push({ ref: 'R', hyp: i < (opts.onset ?? 0) ? 'W' : 'R', word: 'red' }, { ref: 'EH', hyp: 'EH', word: 'red' }, { ref: 'D', hyp: 'D', word: 'red' });
    }
    return { id: spk, speaker: spk, group, events, words: [], ...(opts.match ? { match: opts.match } : {}) };
  };

  it('tests each sound at every position and at each position in the word, under one Benjamini–Hochberg', () => {
    // `nr` drops word-final R (4 of 10 ± 1 per speaker), like the reference otherwise.
    const utts = [1, 2, 3, 4, 5, 6].flatMap((k) => [speaker('ref', `r${k}`, { final: k % 2, other: 2 }), speaker('nr', `n${k}`, { final: 3 + (k % 3), other: 2 })]);
    const r = findConfusableSounds(utts, { referenceGroup: 'ref', test: 'welch' });
    const rFinal = r.phones.find((t) => t.group === 'nr' && t.phone === 'R' && t.position === 'word-final')!;
    expect(rFinal).toMatchObject({ flagged: true, errorsGroup: 24, totalGroup: 60, errorsRest: 3, totalRest: 60, speakersWithErrors: 6, design: 'welch' });
    expect(rFinal.outcomes[0]).toEqual({ hyp: NO_PHONE, countGroup: 24, countRest: 3 });
    // Word-initial R is never misrecognised: below the pooled-errors filter, not in the family at all.
    expect(r.phones.find((t) => t.group === 'nr' && t.phone === 'R' && t.position === 'before vowel')).toBeUndefined();
    // K (2 of 10 wrong everywhere) sits before a vowel in every token: tested once, not flagged.
    expect(r.phones.filter((t) => t.group === 'nr' && t.phone === 'K').map((t) => [t.position, t.flagged])).toEqual([[undefined, false]]);
    // The confusion R → ∅ is flagged under its flagged sound.
    expect(r.confusions.find((t) => t.group === 'nr' && t.ref === 'R' && t.hyp === NO_PHONE)!.flagged).toBe(true);
    expect(r.phones.every((t) => t.group !== 'ref')).toBe(true);
  });

  it("subtracts the speaker's other phones: speakers recognised worse everywhere do not make a sound accented", () => {
    // `noisy` speakers get K wrong 6 of 10 times and R no more than the reference: not an accent of R.
    const utts = [1, 2, 3, 4, 5, 6].flatMap((k) => [speaker('ref', `r${k}`, { final: 1, other: k % 2 }), speaker('noisy', `n${k}`, { final: 1 + (k % 2), other: 6 })]);
    const r = findConfusableSounds(utts, { referenceGroup: 'ref', test: 'welch' });
    expect(r.phones.filter((t) => t.flagged).map((t) => `${t.phone}${t.position ? ` ${t.position}` : ''}`)).toEqual(['K']);
    const rAll = r.phones.find((t) => t.group === 'noisy' && t.phone === 'R' && !t.position)!;
    // The group's R rate is a little higher, but below each speaker's own level on other phones.
    expect(rAll.rateGroup).toBeGreaterThan(rAll.rateRest);
    expect(rAll.excessGroup).toBeLessThan(rAll.excessRest);
    expect(rAll.flagged).toBe(false);
  });

  it('compares matched speakers stratum by stratum (paired t-test over strata)', () => {
    // Speaker profile k is much worse on final R than profile k' in both groups (speaker spread 0–8 of 10);
    // the group adds one or two dropped R to every profile: invisible to unmatched speakers, clear when paired.
    // 10 profiles: with 6 the sign-flip floor (1/64) could not survive the correction.
    const utts = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((k) => [
      speaker('ref', `r${k}`, { final: k % 7, match: `p${k}` }),
      speaker('nr', `n${k}`, { final: (k % 7) + 1 + (k % 2), match: `p${k}` }),
    ]);
    const finalR = (x: ReturnType<typeof findConfusableSounds>) => x.phones.find((t) => t.group === 'nr' && t.phone === 'R' && t.position === 'word-final')!;
    const unmatched = finalR(findConfusableSounds(utts, { referenceGroup: 'ref', test: 'welch' }));
    const matched = finalR(findConfusableSounds(utts, { referenceGroup: 'ref', test: 'welch', matched: true }));
    expect(unmatched).toMatchObject({ design: 'welch', flagged: false });
    expect(matched).toMatchObject({ design: 'matched', strata: 10, flagged: true });
    expect(matched.p).toBeLessThan(unmatched.p / 50);
    // A speaker without a match value: the unmatched test, and the result says so.
    const partial = utts.map((u) => (u.speaker === 'n5' ? { ...u, match: undefined } : u));
    // Six strata: the paired t alone would flag, but the exact sign-flip p (≥ 1/64) bounds it.
    const six = utts.filter((u) => Number(u.match!.slice(1)) < 6);
    const sixR = finalR(findConfusableSounds(six, { referenceGroup: 'ref', test: 'welch', matched: true }));
    expect(sixR.p).toBeGreaterThanOrEqual(1 / 64);
    expect(finalR(findConfusableSounds(partial, { referenceGroup: 'ref', test: 'welch', matched: true })).design).toBe('welch');
  });

  it('the paired test equals scipy.stats.ttest_rel / ttest_1samp (alternative="greater"); the sign-flip p bounds it', () => {
    // scipy 1.17: ttest_1samp([.31,.42,.18,.55,.27,.39], 0, alternative="greater").pvalue = 0.0005588064068936344
    expect(pairedOneSided([0.31, 0.42, 0.18, 0.55, 0.27, 0.39], 'greater')).toBeCloseTo(0.0005588064068936344, 12);
    // ttest_rel(a, b, alternative="greater").pvalue = 0.011486041449701008; "less": 0.988513958550299
    const a = [5.1, 4.9, 6.2, 5.8, 6.0, 5.5];
    const b = [4.8, 5.0, 5.1, 5.2, 5.3, 4.9];
    const values = a.flatMap((x, i) => [
      { inGroup: true, stratum: `s${i}`, value: x },
      { inGroup: false, stratum: `s${i}`, value: b[i] },
    ]);
    const d = a.map((x, i) => x - b[i]);
    expect(pairedOneSided(d, 'greater')).toBeCloseTo(0.011486041449701008, 12);
    expect(pairedOneSided(d, 'less')).toBeCloseTo(0.988513958550299, 12);
    // d = [.3, −.1, 1.1, .6, .7, .6]: of the 64 sign patterns, 2 reach the observed sum (all +, and −.1 flipped).
    expect(signFlipP(d, 'greater', 0, 1)).toBe(2 / 64);
    expect(compareMatched(values, 'greater')).toMatchObject({ p: 2 / 64, strata: 6, exact: true, permutations: 64, pLo: 2 / 64, pHi: 2 / 64 });
    expect(compareMatched(values, 'less').p).toBeCloseTo(0.988513958550299, 12);
    // Strata on one side only take no part.
    expect(compareMatched([...values, { inGroup: true, stratum: 'alone', value: 100 }], 'greater').strata).toBe(6);
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
    // Each speaker also says AH, equally well in both groups: the speaker's baseline.
    const mk = (group: string, spk: string, gop: number) => ({
      id: spk,
      speaker: spk,
      group,
      phones: [
        ...Array.from({ length: 4 }, (_, i) => ({ phone: 'TH', word: 'think', startFrame: i, endFrame: i + 1, alignedScore: 0, loopScore: 0, gop: gop - i * 0.1 })),
        ...Array.from({ length: 4 }, (_, i) => ({ phone: 'AH', word: 'a', startFrame: i, endFrame: i + 1, alignedScore: 0, loopScore: 0, gop: -1 - i * 0.1 })),
      ],
    });
    const utts = [...[1, 2, 3, 4, 5, 6].map((k) => mk('low', `l${k}`, -10 - k)), ...[1, 2, 3, 4, 5, 6].map((k) => mk('ok', `o${k}`, -2 - k * 0.5))];
    const t = goodnessByGroup(utts, { permutations: 2000 });
    const low = t.find((x) => x.group === 'low' && x.phone === 'TH')!;
    expect(low.flagged).toBe(true);
    expect(low.diff).toBeLessThan(0);
    expect(low.examples[0].utteranceId).toBe('l6');
    expect(t.filter((x) => x.group === 'ok').every((x) => !x.flagged)).toBe(true);
    expect(t.find((x) => x.group === 'low' && x.phone === 'AH')!.flagged).toBe(false);
  });

  it("measures each phone against the speaker's other phones: a voice that fits worse everywhere is not an accent", () => {
    // Group `low` fits every phone 5 units worse (a lower voice, say); group `th` fits only TH worse.
    const mk = (group: string, spk: string, shift: number, thShift: number) => ({
      id: spk,
      speaker: spk,
      group,
      phones: ['TH', 'AH', 'IY', 'S'].flatMap((phone, j) =>
        Array.from({ length: 4 }, (_, i) => ({ phone, word: `w${j}`, startFrame: i, endFrame: i + 1, alignedScore: 0, loopScore: 0, gop: -2 - j * 0.3 - i * 0.2 + shift + (phone === 'TH' ? thShift : 0) + Number(spk.slice(1)) * 0.05 })),
      ),
    });
    const utts = [1, 2, 3, 4, 5, 6].flatMap((k) => [mk('ref', `r${k}`, 0, 0), mk('low', `l${k}`, -5, 0), mk('th', `t${k}`, 0, -3)]);
    const flagged = (t: ReturnType<typeof goodnessByGroup>) => t.filter((x) => x.flagged && !x.position).map((x) => `${x.group}: ${x.phone}`).sort();
    expect(flagged(goodnessByGroup(utts, { referenceGroup: 'ref', test: 'welch' }))).toEqual(['th: TH']);
    // Without the baseline every phone of `low` looks accented.
    expect(flagged(goodnessByGroup(utts, { referenceGroup: 'ref', test: 'welch', speakerBaseline: false }))).toEqual(['low: AH', 'low: IY', 'low: S', 'low: TH', 'th: TH']);
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
