import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { splitSpeakers, SplitError } from '../../src/adapt/splits.ts';
import { plantedSpeakers } from '../../src/corpora/planted/corpus.ts';
import { readSendump, writeS3Mixw, ModelFileError } from '../../src/adapt/sendump.ts';
import { variantsOf, writeVariantDictionary } from '../../src/adapt/variants.ts';
import { extractFeatures, inspectModel, requireFor, AdaptError } from '../../src/adapt/sphinxtrain.ts';
import { InputError } from '../../src/manifest/errors.ts';

const HMM = '/usr/share/pocketsphinx/model/en-us/en-us';
const DICT = '/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict';
const tmp = mkdtempSync(join(tmpdir(), 'asrfair-adapt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const spk = (g: string, n: number) => Array.from({ length: n }, (_, i) => `${g}-${i}`);

describe('speaker-disjoint splits', () => {
  const groups = new Map([
    ['a', spk('a', 10)],
    ['b', spk('b', 5)],
  ]);
  it('deals every speaker of every group to exactly one split, in proportion, with a minimum per split', () => {
    const plan = splitSpeakers(groups, { seed: 7 });
    for (const g of plan.groups) {
      const all = [...g.train, ...g.dev, ...g.test];
      expect(new Set(all).size).toBe(all.length);
      expect(all.sort()).toEqual([...groups.get(g.group)!].sort());
      expect(g.dev.length).toBeGreaterThanOrEqual(1);
      expect(g.test.length).toBeGreaterThanOrEqual(2);
    }
    expect(plan.groups.find((g) => g.group === 'a')!.train).toHaveLength(5);
    // Group b (5 speakers): 2.5 / 1.25 / 1.25 → test lifted to its minimum 2.
    expect(plan.groups.find((g) => g.group === 'b')!.test).toHaveLength(2);
  });
  it('is seeded: same seed same split and hash, another seed another split', () => {
    const a = splitSpeakers(groups, { seed: 7 });
    expect(splitSpeakers(new Map([...groups].reverse()), { seed: 7 })).toEqual(a);
    const others = [1, 2, 3, 4, 5].map((s) => splitSpeakers(groups, { seed: s }).hash);
    expect(others.some((h) => h !== a.hash)).toBe(true);
  });
  it('a group with too few speakers is an error saying how many it has and needs', () => {
    expect(() => splitSpeakers(new Map([['a', spk('a', 10)], ['kids', spk('k', 3)]]), { seed: 1 })).toThrow(
      new SplitError('kids', 3, 4),
    );
    expect(() => splitSpeakers(new Map([['kids', spk('k', 3)]]), { seed: 1 })).toThrow(/group "kids" has 3 speakers; .* needs at least 4/);
  });
  it('matched speakers (same key in every group) go to the same split in every group', () => {
    const key = (s: string) => s.split('-')[1];
    const matched = new Map([
      ['planted', Array.from({ length: 12 }, (_, i) => `planted-s${i}`)],
      ['null', Array.from({ length: 12 }, (_, i) => `null-s${i}`)],
    ]);
    const plan = splitSpeakers(matched, { seed: 3, matchKey: key });
    const [a, b] = plan.groups;
    for (const s of ['train', 'dev', 'test'] as const) expect(a[s].map(key).sort()).toEqual(b[s].map(key).sort());
    expect(a.test).toHaveLength(3);
    // Without matching, the two groups' test speakers differ for this seed.
    const free = splitSpeakers(matched, { seed: 3 });
    expect(free.groups[0].test.map(key).sort()).not.toEqual(free.groups[1].test.map(key).sort());
  });
  it('synth --matched-speakers: speaker k has the same pitch and tempo in every group (unmatched: drawn per group)', () => {
    const voice = (g: string, matched: boolean) => plantedSpeakers(g, 12, 1, matched).map((x) => [x.pitchCents, x.tempo]);
    expect(voice('th-stopping', true)).toEqual(voice('none', true));
    expect(voice('th-stopping', false)).not.toEqual(voice('none', false));
    expect(new Set(voice('none', true).map((v) => v.join())).size).toBe(12);
  });
  it('refuses a speaker declared in two groups', () => {
    expect(() => splitSpeakers(new Map([['a', ['x', ...spk('a', 4)]], ['b', ['x', ...spk('b', 4)]]]), { seed: 1 })).toThrow(/speaker "x" is in groups "a" and "b"/);
  });
});

describe('sendump → mixture_weights', () => {
  it("reads Debian's en-us sendump: 5126 senones × 3 streams × 128 codewords, rows normalised", () => {
    const m = readSendump(join(HMM, 'sendump'));
    expect([m.senones, m.features, m.densities]).toEqual([5126, 3, 128]);
    for (const r of [0, 1, 777, 5126 * 3 - 1]) {
      let s = 0;
      for (let d = 0; d < 128; d++) s += m.weights[r * 128 + d];
      expect(s).toBeCloseTo(1, 5);
    }
  });
  it('writes a Sphinx-III mixture weight file that SphinxTrain reads back (printp)', () => {
    const m = readSendump(join(HMM, 'sendump'));
    const f = join(tmp, 'mixw');
    writeS3Mixw(f, m);
    const out = execFileSync('/usr/lib/sphinxtrain/printp', ['-mixwfn', f], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
    expect(out).toMatch(/mixw 5126 3 128/);
    // printp prints the normalised weights of senone 0, stream 0: they equal ours to print precision.
    const first = out.split('\n').find((l) => /^\s*mixw \[0 0\]/.test(l))!;
    expect(first).toBeDefined();
    const vals = out.split(first)[1].trim().split(/\s+/).slice(0, 8).map(Number);
    vals.forEach((v, d) => expect(v).toBeCloseTo(m.weights[d], 2));
  });
  it('a truncated sendump is one error naming the file', () => {
    const f = join(tmp, 'sendump-cut');
    writeFileSync(f, readFileSync(join(HMM, 'sendump')).subarray(0, 5000));
    expect(() => readSendump(f)).toThrow(ModelFileError);
    expect(() => readSendump(f)).toThrow(`${f}: size 5000 does not match 3 features × 128 codewords × 5126 senones`);
  });
});

describe('pronunciation variants', () => {
  it('replaces every site, and each single site when there are two or three', () => {
    const rules = [{ ref: 'TH', hyp: 'T' }, { ref: 'DH', hyp: 'D' }];
    expect(variantsOf(['TH', 'IH', 'NG', 'K'], rules)).toEqual([['T', 'IH', 'NG', 'K']]);
    expect(variantsOf(['DH', 'AH'], rules)).toEqual([['D', 'AH']]);
    expect(variantsOf(['TH', 'AH', 'DH'], rules).map((v) => v.join(' '))).toEqual(['T AH D', 'T AH DH', 'TH AH D']);
    expect(variantsOf(['K', 'AE', 'T'], rules)).toEqual([]);
    expect(variantsOf(['TH', 'IH', 'N'], [{ ref: 'TH', hyp: '∅' }])).toEqual([['IH', 'N']]);
  });
  it('extends the real CMU dictionary with numbered alternates after the existing ones', async () => {
    const out = join(tmp, 'v.dict');
    const r = await writeVariantDictionary(DICT, out, [{ ref: 'TH', hyp: 'T' }, { ref: 'DH', hyp: 'D' }], new Set(['the', 'think', 'cat']));
    const lines = readFileSync(out, 'utf8').split('\n');
    const base = readFileSync(DICT, 'utf8').split('\n').filter(Boolean);
    expect(lines.slice(0, base.length)).toEqual(base);
    expect(lines).toContain('think(2) T IH NG K');
    const theBase = base.filter((l) => /^the(\(\d+\))? /.test(l)).length;
    expect(lines.filter((l) => /^the\(\d+\) D /.test(l)).length).toBeGreaterThan(0);
    expect(lines.some((l) => l.startsWith(`the(${theBase + 1}) D`))).toBe(true);
    expect(lines.some((l) => l.startsWith('cat('))).toBe(false);
    expect(r.words).toBe(2);
    // pocketsphinx loads it (a malformed dictionary fails the decoder's start-up).
    const check = execFileSync('sh', ['-c', `pocketsphinx_batch -hmm ${HMM} -dict ${out} -lm ${HMM}/../en-us.lm.bin -ctl /dev/null 2>&1 | grep -c "dict.c"`], { encoding: 'utf8' });
    expect(Number(check)).toBeGreaterThan(0);
  });
});

describe('model capabilities', () => {
  it("Debian's en-us is PTM with sendump and no mixture_weights: MLLR and MAP allowed (weights from sendump)", () => {
    const m = inspectModel(HMM);
    expect(m).toMatchObject({ ptm: true, sendump: true, mixtureWeights: false, means: true, variances: true });
    expect(() => requireFor('mllr', m)).not.toThrow();
    expect(() => requireFor('map', m)).not.toThrow();
  });
  it('a model lacking variances or any mixture weights is one error naming the file', () => {
    const dir = join(tmp, 'broken');
    execFileSync('mkdir', ['-p', dir]);
    for (const f of ['mdef', 'means', 'transition_matrices', 'feat.params', 'noisedict']) copyFileSync(join(HMM, f), join(dir, f));
    expect(() => requireFor('mllr', inspectModel(dir))).toThrow(new AdaptError(`${join(dir, 'variances')}: missing; MLLR needs the model's variances`));
    copyFileSync(join(HMM, 'variances'), join(dir, 'variances'));
    expect(() => requireFor('map', inspectModel(dir))).toThrow(`${dir}: has neither mixture_weights nor sendump; MAP needs mixture weights`);
  });
});

describe('work folders go through the output helper', () => {
  it('a file where the feature folder must go is one InputError naming it (was a raw EEXIST from mkdir)', async () => {
    const work = join(tmp, 'work-blocked');
    execFileSync('mkdir', ['-p', work]);
    writeFileSync(join(work, 'feat'), 'x');
    const m = inspectModel(HMM);
    await expect(extractFeatures(m, [], work)).rejects.toThrow(InputError);
    await expect(extractFeatures(m, [], work)).rejects.toThrow(`${join(work, 'feat')}: cannot use as the work folder: it is a file, not a folder`);
  });
});
