import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PITCH_RANGE, applyRules, buildPlantedCorpus, parseAccentRules, plantedSpeakers, ruleDescription, ruleLabel, ruleSites, type PlantedRule, type PlantedUtterance } from '../../src/corpora/planted/index.ts';
import { stressedDictionary } from '../../src/corpora/planted/cmudict.ts';
import { withStress } from '../../src/corpora/planted/festival.ts';
import { loadManifest } from '../../src/manifest/jsonl.ts';

const dict = stressedDictionary();
const pron = (w: string) => dict.get(w)!;
const always = () => 0;
const plant = (w: string, ...rules: (string | PlantedRule)[]) =>
  applyRules(
    pron(w),
    rules.map((r) => (typeof r === 'string' ? { rule: r, rate: 1 } : r)),
    always,
  );

describe('planted-accent rules on CMUdict pronunciations', () => {
  it('rewrites each rule\'s sites and records what it did', () => {
    expect(plant('the', 'th-stopping')).toEqual({ planted: ['D', 'AH'], applied: [{ rule: 'th-stopping', index: 0, from: 'DH', to: 'D' }] });
    expect(plant('thin', 'th-stopping').planted).toEqual(['T', 'IH', 'N']);
    expect(plant('house', 'h-dropping').planted).toEqual(['AW', 'S']);
    expect(plant('hogs', 'final-devoicing').planted).toEqual(['HH', 'AA', 'G', 'S']);
    expect(plant('bad', 'final-devoicing').planted).toEqual(['B', 'AE', 'T']);
    expect(plant('best', 'cluster-reduction').planted).toEqual(['B', 'EH', 'S']);
    expect(plant('hand', 'cluster-reduction').planted).toEqual(['HH', 'AE', 'N']);
    // R + D is not a reduced cluster; nor is a vowel + T.
    expect(plant('hard', 'cluster-reduction').applied).toEqual([]);
    expect(plant('cat', 'cluster-reduction').applied).toEqual([]);
    expect(plant('pen', 'pin-pen-merger').planted).toEqual(['P', 'IH', 'N']);
    expect(plant('pet', 'pin-pen-merger').applied).toEqual([]);
    expect(plant('sit', 'kit-fleece-merger').planted).toEqual(['S', 'IY', 'T']);
    expect(plant('car', 'non-rhotic').planted).toEqual(['K', 'AA']);
    expect(plant('red', 'non-rhotic').applied).toEqual([]);
    expect(plant('bird', 'non-rhotic').planted).toEqual(['B', 'AH', 'D']);
    expect(plant('very', 'v-w').planted).toEqual(['W', 'EH', 'R', 'IY']);
    expect(plant('milk', 'l-vocalisation').planted).toEqual(['M', 'IH', 'W', 'K']);
    expect(plant('late', 'l-vocalisation').applied).toEqual([]);
  });

  it('applies rules in order, never rewriting a phone twice, and honours contexts and custom rules', () => {
    // DH → D by TH-stopping, then final devoicing must not turn that D into T.
    expect(plant('smooth', 'th-stopping', 'final-devoicing').planted).toEqual(['S', 'M', 'UW', 'D']);
    expect(plant('smooth', 'final-devoicing').planted).toEqual(['S', 'M', 'UW', 'TH']);
    expect(plant('three', { rule: 'th-fronting', from: 'TH', to: 'F', rate: 1 }).planted).toEqual(['F', 'R', 'IY']);
    expect(plant('the', { rule: 'th-stopping', rate: 1, context: { position: 'final' } }).applied).toEqual([]);
    expect(ruleSites({ rule: 'th-stopping', rate: 1, context: { before: ['IY'] } }, ['DH', 'AH', 'TH', 'IY']).map((s) => s.index)).toEqual([2]);
  });

  it('rate is the probability per site (seeded)', () => {
    let state = 0;
    const seq = [0.1, 0.9, 0.49, 0.51];
    const r = applyRules(['DH', 'AH', 'DH', 'AH', 'TH', 'TH'], [{ rule: 'th-stopping', rate: 0.5 }], () => seq[state++ % seq.length]);
    expect(r.planted).toEqual(['D', 'AH', 'DH', 'AH', 'T', 'TH']);
    expect(applyRules(pron('the'), [{ rule: 'th-stopping', rate: 0 }], () => 0).applied).toEqual([]);
  });

  it('gives festival the lexicon\'s stress per syllable, else stresses the first vowel', () => {
    expect(withStress(['K', 'AH', 'N', 'UW'], [0, 1])).toEqual(['K', 'AH0', 'N', 'UW1']);
    expect(withStress(['K', 'AH', 'N', 'UW'], [1])).toEqual(['K', 'AH1', 'N', 'UW0']);
  });
});

describe('accent-rules file errors name the file and line', () => {
  const bad = (yaml: string) => {
    try {
      parseAccentRules(yaml, 'rules.yaml');
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };
  it('rates outside [0, 1], unknown phones, unknown rules, half a custom rule, bad YAML', () => {
    expect(bad('groups:\n  a:\n    - rule: th-stopping\n      rate: 1.5\n')).toBe('rules.yaml:4: groups.a[0].rate: rate must be between 0 and 1');
    expect(bad('groups:\n  a:\n    - rule: th-stopping\n  none: []\n')).toBe('rules.yaml:3: groups.a[0].rate: rate is required: the probability (0–1) that each eligible phone is rewritten');
    expect(bad('groups:\n  a:\n    - rule: th-stopping\n      rate: high\n')).toBe('rules.yaml:4: groups.a[0].rate: rate must be a number between 0 and 1');
    expect(bad('groups:\n  a:\n    - { rule: x, from: TH, to: QQ, rate: 1 }\n')).toMatch(/^rules\.yaml:3: groups\.a\[0\]\.to: unknown phone/);
    expect(bad('groups:\n  a: []\n  b:\n    - { rule: th-stopping, rate: 1, context: { before: [XX] } }\n')).toMatch(/^rules\.yaml:4: groups\.b\[0\]\.context\.before\[0\]: unknown phone/);
    expect(bad('groups:\n  a:\n    - { rule: th-stoping, rate: 1 }\n')).toMatch(/^rules\.yaml:3: groups\.a\[0\]\.rule: unknown rule "th-stoping" \(did you mean th-stopping\?\) \(built-in: th-stopping, /);
    expect(bad('groups:\n  a:\n    - { rule: x, from: TH, rate: 1 }\n')).toMatch(/^rules\.yaml:3: groups\.a\[0\]\.to: a custom rule needs both/);
    expect(bad('groups:\n  a: [\n')).toMatch(/^rules\.yaml:\d+: invalid YAML/);
    expect(parseAccentRules('groups:\n  th: [{ rule: th-stopping, rate: 0.5 }]\n  none:\n', 'r.yaml').groups).toEqual([
      { name: 'th', rules: [{ rule: 'th-stopping', rate: 0.5 }], ruleLines: [2] },
      { name: 'none', rules: [], ruleLines: [] },
    ]);
  });
  it('a built-in name never labels a custom rewrite; a rule name is one plain token; no identity or repeated rule', () => {
    expect(bad('groups:\n  a: []\n  b:\n    - { rule: th-stopping, from: V, to: F, rate: 0.5 }\n')).toBe(
      'rules.yaml:4: groups.b[0].rule: "th-stopping" is a built-in rule (TH → T, DH → D); a custom substitution (from/to) needs a name of its own, e.g. "v-f"',
    );
    expect(bad('groups:\n  a:\n    - rule: V-W\n      from: V\n      to: F\n      rate: 1\n')).toMatch(/^rules\.yaml:3: groups\.a\[0\]\.rule: "V-W" is a built-in rule \(V → W\)/);
    expect(bad('groups:\n  a:\n    - { rule: "v,f", from: V, to: F, rate: 1 }\n')).toMatch(/^rules\.yaml:3: groups\.a\[0\]\.rule: rule names are letters, digits, - and _/);
    expect(bad('groups:\n  a:\n    - { rule: same, from: V, to: V, rate: 1 }\n')).toMatch(/^rules\.yaml:3: groups\.a\[0\]\.to: `to` is the same phone as `from` \(nothing would be planted\)/);
    expect(bad('groups:\n  a:\n    - { rule: th-stopping, rate: 1 }\n    - { rule: th-stopping, rate: 0.5 }\n')).toMatch(
      /^rules\.yaml:4: groups\.a\[1\]: repeats groups\.a\[0\] \(th-stopping\): a phone is rewritten at most once, so a repeat only changes the first entry's effective rate/,
    );
    expect(bad('groups:\n  a:\n    - { rule: th-stopping, rate: 1, context: { after: [] } }\n')).toBe('rules.yaml:3: groups.a[0].context.after: an empty list: the rule could never apply');
    // The same built-in in two contexts is two rules.
    expect(parseAccentRules('groups:\n  a:\n    - { rule: th-stopping, rate: 1, context: { position: initial } }\n    - { rule: th-stopping, rate: 0.5 }\n', 'r.yaml').groups[0].rules.length).toBe(2);
  });
  it('labels say what a rule rewrites, where and how often', () => {
    expect(ruleLabel({ rule: 'th-stopping', rate: 1 })).toBe('th-stopping');
    expect(ruleLabel({ rule: 'th-stopping', rate: 0.5 })).toBe('th-stopping (rate 0.5)');
    expect(ruleLabel({ rule: 'pin-pen-merger', rate: 1, context: { position: 'medial' } })).toBe('pin-pen-merger (position medial)');
    expect(ruleLabel({ rule: 'drop-t', from: 'T', to: '-', rate: 1, context: { before: ['#'], after: ['S', 'N'] } })).toBe('drop-t (T deleted; before #; after S N)');
    expect(ruleDescription({ rule: 'v-f', from: 'V', to: 'F', rate: 0.25, context: { position: 'final' } })).toBe('v-f: V → F, word-final only, rate 0.25 per eligible phone');
    expect(ruleDescription({ rule: 'h-dropping', rate: 1 })).toBe('h-dropping: HH deleted, rate 1 per eligible phone');
  });
});

describe('asrfair synth --accent-rules (festival + sox)', () => {
  let dir: string;
  const root = join(import.meta.dirname, '../..');
  const cli = (args: string[]) => spawnSync(process.execPath, ['bin/asrfair.mjs', 'synth', ...args], { encoding: 'utf8', cwd: root });
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'asrfair-planted-'));
    writeFileSync(join(dir, 'rules.yaml'), 'voice: cmu_us_slt_arctic_hts\ngroups:\n  th: [{ rule: th-stopping, rate: 1 }]\n  none: []\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a manifest, audio and per-word ground truth; groups differ only by their rules; reruns are byte-identical', async () => {
    const out = join(dir, 'c');
    const r = cli(['--accent-rules', join(dir, 'rules.yaml'), '-o', out, '--speakers', '2', '--sentences', '2', '--seed', '3']);
    expect(r.stderr).toContain('synth: group none: no rules (null group), 2 speakers');
    expect(r.stderr).toMatch(/synth: group th: th-stopping, 2 speakers, [1-9]\d* phones rewritten/);
    expect(r.status).toBe(0);
    const m = await loadManifest(join(out, 'manifest.jsonl'));
    expect(m.length).toBe(8);
    expect(new Set(m.map((e) => e.labels.accent))).toEqual(new Set(['th', 'none']));
    expect(m.find((e) => e.labels.accent === 'th')!.labels.planted_rules).toBe('th-stopping');
    const truth = readFileSync(join(out, 'planted.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as PlantedUtterance);
    const th = truth.find((u) => u.id === 'th-s01-h001')!;
    // "The birch canoe slid on the smooth planks."
    expect(th.words.map((w) => w.word)).toEqual(['the', 'birch', 'canoe', 'slid', 'on', 'the', 'smooth', 'planks']);
    expect(th.words[0]).toEqual({ word: 'the', canonical: ['DH', 'AH'], planted: ['D', 'AH'], applied: [{ rule: 'th-stopping', index: 0, from: 'DH', to: 'D' }] });
    const none = truth.find((u) => u.id === 'none-s01-h001')!;
    expect(none.words.every((w) => w.applied.length === 0 && JSON.stringify(w.planted) === JSON.stringify(w.canonical))).toBe(true);
    const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
    const before = m.map((e) => sha(e.audioPath));
    const wavHeader = readFileSync(m[0].audioPath).subarray(0, 44);
    expect(wavHeader.readUInt32LE(24)).toBe(16000);
    expect(wavHeader.readUInt16LE(22)).toBe(1);
    // Same seed again, into a fresh folder: the same bytes.
    const again = await buildPlantedCorpus({ rules: parseAccentRules(readFileSync(join(dir, 'rules.yaml'), 'utf8'), 'rules.yaml'), outDir: join(dir, 'c2'), speakers: 2, sentences: 2, seed: 3 });
    expect(again.synthesised).toBe(8);
    expect((await loadManifest(again.manifest)).map((e) => sha(e.audioPath))).toEqual(before);
  });

  it('--pitch-range draws the speakers\' pitch shifts in that range (speaker k keeps its place in it) and says so in the corpus README', async () => {
    const wide = plantedSpeakers('none', 12, 5, true);
    const low = plantedSpeakers('none', 12, 5, true, [-400, 0]);
    expect(wide.every((s) => s.pitchCents >= DEFAULT_PITCH_RANGE[0] && s.pitchCents <= DEFAULT_PITCH_RANGE[1])).toBe(true);
    expect(low.every((s) => s.pitchCents >= -400 && s.pitchCents <= 0)).toBe(true);
    expect(low.map((s) => s.tempo)).toEqual(wide.map((s) => s.tempo));
    for (const [i, s] of low.entries()) expect(Math.abs(s.pitchCents - (wide[i].pitchCents - 400) / 2)).toBeLessThanOrEqual(1);
    const out = join(dir, 'p');
    const r = cli(['--accent-rules', join(dir, 'rules.yaml'), '-o', out, '--speakers', '2', '--sentences', '1', '--seed', '3', '--pitch-range', '-300:-100']);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toContain('sox makes the speakers (pitch -300 to -100 cents, tempo 0.9–1.1)');
    const d = cli(['--accent-rules', join(dir, 'rules.yaml'), '-o', join(dir, 'pd'), '--speakers', '2', '--sentences', '1', '--seed', '3']);
    expect(d.status, d.stderr).toBe(0);
    const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
    const [a, b] = await Promise.all([loadManifest(join(out, 'manifest.jsonl')), loadManifest(join(dir, 'pd', 'manifest.jsonl'))]);
    expect(a.map((e) => e.id)).toEqual(b.map((e) => e.id));
    expect(a.every((e, i) => sha(e.audioPath) !== sha(b[i].audioPath))).toBe(true);
    for (const bad of ['100:-100', '0:0', 'low:high', '-1300:0', '-400']) {
      const x = cli(['--accent-rules', join(dir, 'rules.yaml'), '-o', join(dir, 'pb'), '--pitch-range', bad]);
      expect(x.status).toBe(2);
      expect(x.stderr.trim()).toBe(`asrfair: --pitch-range must be LOW:HIGH in cents, whole numbers with LOW < HIGH, each from -1200 to 1200 (e.g. -400:100), got "${bad}"`);
    }
  });

  it('refuses a voice that cannot speak phone strings, naming the rules file and line', () => {
    const rules = join(dir, 'espeak.yaml');
    writeFileSync(rules, '# an espeak-ng voice\ngroups:\n  none: []\n  th: [{ rule: th-stopping, rate: 1 }]\nvoice: en-gb-x-rp\n');
    const r = cli(['--accent-rules', rules, '-o', join(dir, 'x')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^asrfair: ${rules.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:5: voice "en-gb-x-rp" cannot speak phone strings`, 'm'));
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports a rate outside [0, 1] as file:line without a stack trace', () => {
    const rules = join(dir, 'bad.yaml');
    writeFileSync(rules, 'groups:\n  th:\n    - rule: th-stopping\n      rate: -0.1\n');
    const r = cli(['--accent-rules', rules, '-o', join(dir, 'y')]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`asrfair: ${rules}:4: groups.th[0].rate: rate must be between 0 and 1`);
  });
});

describe('checkGroupDesign', () => {
  it('warns when a group named like a null group carries rules, and not when the null group is empty', async () => {
    const { checkGroupDesign } = await import('../../src/corpora/planted/config.ts');
    const warned = checkGroupDesign(parseAccentRules('groups:\n  th: [{ rule: th-stopping, rate: 1 }]\n  none: [{ rule: v-w, rate: 1 }]\n  base: []\n', 'r.yaml'));
    expect(warned).toEqual(['r.yaml: group "none" has rules, though its name reads as a null group: glass --reference-group none would compare every accent with a planted one']);
    expect(checkGroupDesign(parseAccentRules('groups:\n  th: [{ rule: th-stopping, rate: 1 }]\n  none: []\n', 'r.yaml'))).toEqual([]);
  });
});

describe('buildPlantedCorpus refuses a rule that can never apply, before making anything', () => {
  it('h-dropping word-final: InputError naming the rules file and the rule line, no output folder', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'asrfair-never-')), 'corpus');
    const rules = parseAccentRules('groups:\n  none: []\n  h:\n    - { rule: h-dropping, rate: 1 }\n    - { rule: h-dropping, rate: 1, context: { position: final } }\n', 'never.yaml');
    await expect(buildPlantedCorpus({ rules, outDir: out, speakers: 1, sentences: 1 })).rejects.toThrow(/^never\.yaml:5: groups\.h\[1\]: h-dropping \(position final\) can never apply: /);
    expect(existsSync(out)).toBe(false);
    rmSync(join(out, '..'), { recursive: true, force: true });
  });
});
