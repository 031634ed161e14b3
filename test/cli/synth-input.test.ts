import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram, describeFailure } from '../../src/cli/main.ts';
import { loadManifest } from '../../src/manifest/jsonl.ts';

// Input mistakes of `asrfair synth` (both modes): one line naming the flag or file, exit 2, before any synthesis.
// Most cases run the CLI in process (the same commander program and error mapping main() uses) to keep the
// test cheap; the two cases the fresh user met run the real binary.

let dir: string;
const root = join(import.meta.dirname, '../..');
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

async function synth(args: string[]): Promise<{ status: number; stderr: string }> {
  const argv = ['node', 'asrfair', 'synth', ...args];
  const program = await buildProgram(argv);
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    stderr += String(s);
    return true;
  });
  try {
    await program.parseAsync(argv);
    return { status: 0, stderr };
  } catch (e) {
    const { line, code } = describeFailure(e);
    return { status: code, stderr: `${stderr}asrfair: ${line}\n` };
  } finally {
    spy.mockRestore();
  }
}

const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-synth-input-'));
  file('good.yaml', 'groups:\n  th: [{ rule: th-stopping, rate: 1 }]\n  none: []\n');
  file('two.txt', '# two prompts\nThe birch canoe slid on the smooth planks.\nGlue the sheet to the dark blue background.\n');
  file('oov.txt', 'The birch canoe slid on the smooth planks.\n# a word CMUdict lacks\nThe zzyzx sheet is smooth.\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('synth: the two internal errors a fresh user met (real binary)', () => {
  const cli = (args: string[]) => spawnSync(process.execPath, ['bin/asrfair.mjs', 'synth', ...args], { encoding: 'utf8', cwd: root });
  it('--planted-voice naming a voice festival does not have: one line, exit 2', () => {
    const r = cli(['--accent-rules', join(dir, 'good.yaml'), '--planted-voice', 'en-gb', '-o', join(dir, 'v')]);
    expect(r.stderr.trim()).toMatch(/^asrfair: --planted-voice: voice "en-gb" cannot speak phone strings: asrfair plants accents with festival, whose voices here are .*cmu_us_slt_arctic_hts/);
    expect(r.stderr).not.toContain('internal error');
    expect(r.status).toBe(2);
  });
  it('--speakers 30 with --accent-rules: one line, exit 2', () => {
    const r = cli(['--accent-rules', join(dir, 'good.yaml'), '--speakers', '30', '-o', join(dir, 's')]);
    expect(r.stderr.trim()).toBe('asrfair: --speakers must be a whole number from 1 to 24 with --accent-rules, got "30"');
    expect(r.status).toBe(2);
    expect(existsSync(join(dir, 's', 'manifest.jsonl'))).toBe(false);
  });
});

describe('demo: part (c)\'s synth flags are checked before part (a) runs', () => {
  it('--speakers 9 is refused at once, nothing written', () => {
    const cwd = mkdtempSync(join(dir, 'demo-'));
    const r = spawnSync(process.execPath, [join(root, 'bin/asrfair.mjs'), 'demo', '--parts', 'a,c', '--speakers', '9', '--no-progress'], { encoding: 'utf8', cwd });
    expect(r.stderr.trim()).toBe('asrfair: --speakers must be a whole number from 1 to 4, got "9"');
    expect(r.status).toBe(2);
    expect(existsSync(join(cwd, 'reports', 'demo', 'latest', 'real-vendors'))).toBe(false);
  });
});

describe('synth: every numeric flag, both modes, refused before synthesis', () => {
  // Demo mode: one voice, one sentence, so a flag that slipped through would cost seconds, not minutes.
  const demo = ['--voices', 'fliteslt', '--sentences', '1', '-o'];
  const cases: [string[], RegExp][] = [
    [['--speakers', '0'], /^--speakers must be a whole number from 1 to 4, got "0"$/],
    [['--speakers', '-1'], /^--speakers must be a whole number from 1 to 4, got "-1"$/],
    [['--speakers', '1.5'], /^--speakers must be a whole number from 1 to 4, got "1.5"$/],
    [['--speakers', '5'], /^--speakers must be a whole number from 1 to 4, got "5"/],
    [['--speakers', ''], /^--speakers must be a whole number from 1 to 4, got ""$/],
    [['--jobs', '0'], /^--jobs must be a whole number from 1 to 1024, got "0"$/],
    [['--jobs', '1e9'], /^--jobs must be a whole number from 1 to 1024, got "1e9"$/],
    [['--sentences', 'abc'], /^--sentences must be a whole number ≥ 1, got "abc"$/],
    [['--sentences', '0x10'], /^--sentences must be a whole number ≥ 1, got "0x10"$/],
  ];
  it.each(cases)('demo mode %j', async (args, message) => {
    const out = join(dir, `d${args.join('_')}`);
    // A case that sets --sentences replaces the base one: a flag given twice is refused on its own (exit 2).
    const base = args[0] === '--sentences' ? demo.filter((a, i) => a !== '--sentences' && demo[i - 1] !== '--sentences') : demo;
    const r = await synth([...base, out, ...args]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().replace(/^asrfair: /, '')).toMatch(message);
    expect(existsSync(join(out, 'manifest.jsonl'))).toBe(false);
  });

  const plantedCases: [string[], RegExp][] = [
    [['--speakers', '0'], /^--speakers must be a whole number from 1 to 24 with --accent-rules, got "0"$/],
    [['--speakers', '99999999999999999999'], /^--speakers must be a whole number from 1 to 24 with --accent-rules/],
    [['--sentences', '-2'], /^--sentences must be a whole number ≥ 1, got "-2"$/],
    [['--sentences', '2.5'], /^--sentences must be a whole number ≥ 1, got "2.5"$/],
    [['--seed', '-1'], /^--seed must be a whole number from 0 to 9007199254740991, got "-1"$/],
    [['--seed', '1.5'], /^--seed must be a whole number from 0 to 9007199254740991, got "1.5"$/],
    [['--seed', ''], /^--seed must be a whole number from 0 to 9007199254740991, got ""$/],
    [['--seed', '99999999999999999999'], /^--seed must be a whole number from 0 to 9007199254740991/],
    [['--jobs', '-3'], /^--jobs must be a whole number from 1 to 1024, got "-3"$/],
  ];
  it.each(plantedCases)('--accent-rules mode %j', async (args, message) => {
    const out = join(dir, `p${args.join('_')}`);
    const r = await synth(['--accent-rules', join(dir, 'good.yaml'), '-o', out, ...args]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().replace(/^asrfair: /, '')).toMatch(message);
    expect(existsSync(join(out, 'manifest.jsonl'))).toBe(false);
  });

  it('flags of one mode given in the other are refused, not ignored', async () => {
    const a = await synth([...demo, join(dir, 'm1'), '--seed', '2']);
    expect(a.stderr.trim()).toBe('asrfair: --seed only applies with --accent-rules (the demo voices are deterministic)');
    expect(a.status).toBe(2);
    const b = await synth([...demo, join(dir, 'm2'), '--matched-speakers']);
    expect(b.stderr.trim()).toMatch(/^asrfair: --matched-speakers only applies with --accent-rules/);
    const c = await synth([...demo, join(dir, 'm3'), '--planted-voice', 'cmu_us_slt_arctic_hts']);
    expect(c.stderr.trim()).toMatch(/^asrfair: --planted-voice only applies with --accent-rules/);
    const d = await synth(['--accent-rules', join(dir, 'good.yaml'), '-o', join(dir, 'm4'), '--voices', 'fliteslt']);
    expect(d.stderr.trim()).toBe('asrfair: --voices is for the demo voices; with --accent-rules one festival voice speaks every group (--planted-voice or the rules file\'s voice:)');
    expect(d.status).toBe(2);
    // An empty --accent-rules is not the demo mode.
    const e = await synth(['--accent-rules', '', '-o', join(dir, 'm5'), '--voices', 'fliteslt', '--sentences', '1']);
    expect(e.stderr.trim()).toBe('asrfair: --accent-rules needs a rules file (YAML), got ""');
    expect(existsSync(join(dir, 'm5', 'manifest.jsonl'))).toBe(false);
  });

  it('unknown or empty --voices: one line, exit 2', async () => {
    const a = await synth(['--voices', 'fliteslt,nosuch', '-o', join(dir, 'u1')]);
    expect(a.stderr.trim()).toMatch(/^asrfair: --voices: unknown voice\(s\): nosuch \(known: .*fliteslt/);
    expect(a.status).toBe(2);
    const b = await synth(['--voices', ' , ', '-o', join(dir, 'u2')]);
    expect(b.stderr.trim()).toMatch(/^asrfair: --voices names no voice/);
    expect(b.status).toBe(2);
  });
});

describe('synth: prompts files', () => {
  const modes: [string, string[]][] = [
    ['demo', ['--voices', 'fliteslt', '--sentences', '1']],
    ['--accent-rules', ['--accent-rules', 'good.yaml']],
  ];
  it.each(modes)('%s: missing, empty and comment-only prompts files name the file', async (_, mode) => {
    const args = mode.map((a) => (a === 'good.yaml' ? join(dir, a) : a));
    const missing = join(dir, 'nope.txt');
    const a = await synth([...args, '-o', join(dir, 'q1'), '--prompts', missing]);
    expect(a.stderr.trim()).toBe(`asrfair: ${missing}: cannot read the prompts file (no such file or folder)`);
    expect(a.status).toBe(2);
    const empty = file('empty.txt', '');
    const b = await synth([...args, '-o', join(dir, 'q2'), '--prompts', empty]);
    expect(b.stderr.trim()).toBe(`asrfair: ${empty}: no prompt sentences (one sentence a line; lines starting with # are comments)`);
    expect(b.status).toBe(2);
    const comments = file('comments.txt', '# only\n   # comments\n\n');
    const c = await synth([...args, '-o', join(dir, 'q3'), '--prompts', comments]);
    expect(c.stderr.trim()).toBe(`asrfair: ${comments}: no prompt sentences (one sentence a line; lines starting with # are comments)`);
    expect(existsSync(join(dir, 'q3', 'manifest.jsonl'))).toBe(false);
  });

  it.each(modes)('%s: a prompt with no word a voice can say (only punctuation; only letters beyond a-z) is refused with the file and line', async (_, mode) => {
    const args = mode.map((a) => (a === 'good.yaml' ? join(dir, a) : a));
    const dots = file('dots.txt', '# two prompts\nThe birch canoe slid on the smooth planks.\n... ?! --\n');
    const a = await synth([...args, '-o', join(dir, 'sp1'), '--prompts', dots]);
    expect(a.stderr.trim()).toBe(`asrfair: ${dots}:3: "... ?! --": no word a voice can say (only punctuation, signs or letters beyond a-z), so the utterance would have no spoken reference word`);
    expect(a.status).toBe(2);
    const greek = file('greek.txt', 'The birch canoe slid on the smooth planks.\n\nΚαλημέρα κόσμε!\n');
    const b = await synth([...args, '-o', join(dir, 'sp2'), '--prompts', greek]);
    expect(b.stderr.trim()).toBe(`asrfair: ${greek}:3: "Καλημέρα κόσμε!": no word a voice can say (only punctuation, signs or letters beyond a-z), so the utterance would have no spoken reference word`);
    expect(b.status).toBe(2);
    expect(existsSync(join(dir, 'sp1', 'manifest.jsonl')) || existsSync(join(dir, 'sp2', 'manifest.jsonl'))).toBe(false);
  });

  it('--accent-rules: a prompt word festival would not speak as written (digits, letters beyond a-z) names the file and line', async () => {
    const digits = file('digits.txt', '# numbers\nThe birch canoe slid on the smooth planks.\nRoom 101 is smooth.\n');
    const a = await synth(['--accent-rules', join(dir, 'good.yaml'), '-o', join(dir, 'dg'), '--prompts', digits, '--sentences', '1']);
    expect(a.stderr.trim()).toBe(`asrfair: ${digits}:3: "101": a planted corpus speaks only the letters a-z and ' as written (write numbers and other signs as words), so the reference would hold a word never spoken`);
    expect(a.status).toBe(2);
    const accents = file('accents.txt', 'A naïve café.\n');
    const b = await synth(['--accent-rules', join(dir, 'good.yaml'), '-o', join(dir, 'ac'), '--prompts', accents, '--sentences', '1']);
    expect(b.stderr.trim()).toMatch(new RegExp(`^asrfair: ${esc(accents)}:1: "naïve": a planted corpus speaks only`));
    expect(existsSync(join(dir, 'ac', 'manifest.jsonl'))).toBe(false);
  });

  it.each(modes)('%s: --sentences above the prompts file\'s sentences is refused (a speaker never reads a sentence twice)', async (_, mode) => {
    const args = mode.filter((a) => a !== '--sentences' && a !== '1').map((a) => (a === 'good.yaml' ? join(dir, a) : a));
    const two = join(dir, 'two.txt');
    const r = await synth([...args, '-o', join(dir, 'n5'), '--prompts', two, '--sentences', '5']);
    expect(r.stderr.trim()).toBe(`asrfair: --sentences 5: ${two} has 2 sentences, and a speaker reads each at most once (use --sentences 2 or a longer prompts file)`);
    expect(r.status).toBe(2);
  });
});

describe('synth --accent-rules: the rules file says exactly what is planted', () => {
  it('refuses a built-in rule name with from/to, naming the file and line', async () => {
    const rules = file('relabel.yaml', 'groups:\n  none: []\n  th:\n    - { rule: th-stopping, from: V, to: F, rate: 0.5 }\n');
    const r = await synth(['--accent-rules', rules, '-o', join(dir, 'r1')]);
    expect(r.stderr.trim()).toBe(
      `asrfair: ${rules}:4: groups.th[0].rule: "th-stopping" is a built-in rule (TH → T, DH → D); a custom substitution (from/to) needs a name of its own, e.g. "v-f"`,
    );
    expect(r.status).toBe(2);
  });

  it('refuses a single group (nothing compares it), naming the file and line', async () => {
    const rules = file('one.yaml', '# one accent only\ngroups:\n  th: [{ rule: th-stopping, rate: 1 }]\n');
    const r = await synth(['--accent-rules', rules, '-o', join(dir, 'r2')]);
    expect(r.stderr.trim()).toBe(
      `asrfair: ${rules}:3: groups: only one group ("th"): glass, report and the planted validation compare groups, so a corpus needs at least 2 (add a null group: none: [])`,
    );
    expect(r.status).toBe(2);
  });

  it('without a null group: one warning line naming the file; custom rules, contexts and rates appear in planted_rules and the README; default sentences above the prompts: one warning', async () => {
    const rules = file('nonull.yaml', 'groups:\n  f:\n    - { rule: th-fronting, from: TH, to: F, rate: 0.5, context: { position: initial } }\n  th: [{ rule: th-stopping, rate: 1 }]\n');
    const out = join(dir, 'r3');
    const two = join(dir, 'oov.txt');
    const r = await synth(['--accent-rules', rules, '-o', out, '--speakers', '1', '--prompts', two]);
    expect(r.status).toBe(0);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('asrfair: warning:'));
    expect(warnings).toEqual([
      `asrfair: warning: ${rules}: no null group (a group with no rules, e.g. none: []): the planted validation and glass --reference-group compare each accent with the null group; without one each group is compared with all the others, which carry their own planted rules`,
      `asrfair: warning: ${two}: 1 of 13 prompt words not in CMUdict (zzyzx): festival speaks them from its own lexicon and no rule is planted in them (planted.jsonl: canonical null)`,
      `asrfair: warning: ${two} has 2 sentences: each speaker reads 2 (not the default 40; --sentences sets it)`,
      // No word-initial TH in these prompts (the rule can apply elsewhere, so it is not refused): named with its line.
      `asrfair: warning: ${rules}:3: groups.f[0]: th-fronting (TH → F; position initial; rate 0.5) rewrote no phone in these prompts, so group f differs from a null group in name only`,
    ]);
    expect(r.stderr).toContain('synth: group th: th-stopping, 1 speakers, 5 phones rewritten'); // the, the, smooth; the, smooth (DH)
    // The summary says what its seconds measure.
    expect(r.stderr).toMatch(new RegExp(`synth: 4 utterances \\(4 newly spoken; synthesis took \\d+\\.\\d s wall time\\) → ${esc(join(out, 'manifest.jsonl'))}`));
    const m = await loadManifest(join(out, 'manifest.jsonl'));
    expect(m.length).toBe(4);
    expect(m.find((e) => e.labels.accent === 'f')!.labels.planted_rules).toBe('th-fronting (TH → F; position initial; rate 0.5)');
    expect(m.find((e) => e.labels.accent === 'th')!.labels.planted_rules).toBe('th-stopping');
    const readme = readFileSync(join(out, 'README.md'), 'utf8');
    expect(readme).toContain('- `f`: th-fronting: TH → F, word-initial only, rate 0.5 per eligible phone');
    expect(readme).toContain('- `th`: th-stopping: TH → T, DH → D, rate 1 per eligible phone');
    expect(readme).toContain('2 sentences each');
    expect(r.stderr).toMatch(new RegExp(`synth: group f: ${esc('th-fronting (TH → F; position initial; rate 0.5)')}, 1 speakers`));
  });
});

describe('synth --accent-rules: rules-file mistakes in our words, each naming the file (and line)', () => {
  const example = '`groups: { th: [{ rule: th-stopping, rate: 1 }], none: [] }`';
  it('an empty file, or one of comments only: "is empty: expected `groups:`", no zod wording', async () => {
    for (const [name, text] of [['empty.yaml', ''], ['comments.yaml', '# planted accents\n\n']]) {
      const rules = file(name, text);
      const r = await synth(['--accent-rules', rules, '-o', join(dir, 'e1')]);
      expect(r.stderr.trim()).toBe(`asrfair: ${rules}: the accent-rules file is empty: expected \`groups:\` with at least two groups, e.g. ${example}`);
      expect(r.status).toBe(2);
    }
  });

  it('a misspelt top-level key: "unknown key grups (did you mean groups?)" on its line, not "groups: … received undefined"', async () => {
    const rules = file('grups.yaml', 'voice: cmu_us_slt_arctic_hts\ngrups:\n  th: [{ rule: th-stopping, rate: 1 }]\n  none: []\n');
    const r = await synth(['--accent-rules', rules, '-o', join(dir, 'e2')]);
    expect(r.stderr.trim()).toBe(`asrfair: ${rules}:2: unknown key grups (did you mean groups?)`);
    expect(r.status).toBe(2);
  });

  it('unknown keys inside a rule or its context keep their line and path, now with the closest key', async () => {
    const rules = file('contxt.yaml', 'groups:\n  none: []\n  th:\n    - rule: th-stopping\n      rate: 1\n      context:\n        postion: final\n');
    const r = await synth(['--accent-rules', rules, '-o', join(dir, 'e3')]);
    expect(r.stderr.trim()).toBe(`asrfair: ${rules}:7: groups.th[0].context: unknown key postion (did you mean position?)`);
    const far = file('zork.yaml', 'groups:\n  none: []\n  th: [{ rule: th-stopping, rate: 1, zork: 2 }]\n');
    const r2 = await synth(['--accent-rules', far, '-o', join(dir, 'e3')]);
    expect(r2.stderr.trim()).toBe(`asrfair: ${far}:3: groups.th[0]: unknown key zork (allowed here: rule, rate, context, from, to)`);
  });

  it('no `groups:` at all, or an empty one: says what is missing', async () => {
    const none = file('nogroups.yaml', 'voice: cmu_us_slt_arctic_hts\n');
    expect((await synth(['--accent-rules', none, '-o', join(dir, 'e4')])).stderr.trim()).toBe(
      `asrfair: ${none}:1: \`groups:\` is missing: the groups of rules to plant, at least two, e.g. ${example}`,
    );
    const blank = file('blankgroups.yaml', '# no groups yet\ngroups:\n');
    expect((await synth(['--accent-rules', blank, '-o', join(dir, 'e4')])).stderr.trim()).toBe(`asrfair: ${blank}:2: groups: is empty: list at least two groups, e.g. ${example}`);
  });
});

describe('synth --accent-rules: a rule that can never apply is refused before synthesis, naming file:line', () => {
  const refused = async (name: string, text: string) => {
    const rules = file(name, text);
    const out = join(dir, `never-${name}`);
    const r = await synth(['--accent-rules', rules, '-o', out, '--speakers', '1', '--prompts', join(dir, 'two.txt')]);
    expect(r.status).toBe(2);
    expect(existsSync(out)).toBe(false); // nothing synthesised, no folder made
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    return { rules, line: r.stderr.trim() };
  };
  it('h-dropping word-final (its definition: /h/ is an onset), by position or by before: ["#"]', async () => {
    const a = await refused('hfinal.yaml', 'groups:\n  none: []\n  h:\n    - { rule: h-dropping, rate: 1, context: { position: final } }\n');
    expect(a.line).toBe(
      `asrfair: ${a.rules}:4: groups.h[0]: h-dropping (position final) can never apply: its context allows only a word-final phone, but English /h/ is always a syllable onset, followed by a vowel (or W, Y), so it never ends a word (Wells 1982); group h would differ from a null group in name only`,
    );
    const b = await refused('hbefore.yaml', 'groups:\n  none: []\n  h: [{ rule: h-dropping, rate: 0.5, context: { before: ["#"] } }]\n');
    expect(b.line).toMatch(new RegExp(`^asrfair: ${esc(b.rules)}:3: groups\\.h\\[0\\]: h-dropping \\(before #; rate 0\\.5\\) can never apply: its context allows only a word-final phone`));
  });
  it('TH-stopping word-initial before the word end (a one-phone word: none in CMUdict), and a custom rule with no site', async () => {
    const a = await refused('thone.yaml', 'groups:\n  th:\n    - { rule: th-stopping, rate: 1, context: { position: initial, before: ["#"] } }\n  none: []\n');
    expect(a.line).toMatch(new RegExp(`^asrfair: ${esc(a.rules)}:3: groups\\.th\\[0\\]: th-stopping \\(position initial; before #\\) can never apply: no word of CMUdict \\(\\d+ words; a planted corpus rewrites no other\\) has a site for it \\(TH → T, DH → D\\) in that context \\(word-initial before the word end: a one-phone word\\)`));
    const b = await refused('ng.yaml', 'groups:\n  none: []\n  ng: [{ rule: ng-n, from: NG, to: N, rate: 1, context: { position: initial } }]\n');
    expect(b.line).toMatch(new RegExp(`^asrfair: ${esc(b.rules)}:3: groups\\.ng\\[0\\]: ng-n \\(NG → N; position initial\\) can never apply: no word of CMUdict`));
  });
  it('contexts that contradict each other are refused; rate 0 is synthesised with a warning', async () => {
    const a = await refused('medial.yaml', 'groups:\n  none: []\n  v: [{ rule: v-w, rate: 1, context: { position: medial, after: ["#"] } }]\n');
    expect(a.line).toBe(`asrfair: ${a.rules}:3: groups.v[0]: v-w (position medial; after #) can never apply: position medial: a phone comes before it, but after lists only the word start #; group v would differ from a null group in name only`);
    const b = await refused('init.yaml', 'groups:\n  none: []\n  v:\n    - { rule: v-w, rate: 1 }\n    - { rule: th-stopping, rate: 1, context: { position: initial, after: [S] } }\n');
    expect(b.line).toBe(`asrfair: ${b.rules}:5: groups.v[1]: th-stopping (position initial; after S) can never apply: position initial: the phone before is the word start (#), but after lists only S; group v would differ from a null group in name only`);
    // Rate 0 is inside [0, 1] (a dose–response series starts there): synthesised, with the no-rewrite warning on its line.
    const rules = file('rate0.yaml', 'groups:\n  none: []\n  v: [{ rule: v-w, rate: 0 }]\n');
    const c = await synth(['--accent-rules', rules, '-o', join(dir, 'rate0'), '--speakers', '1', '--prompts', join(dir, 'two.txt')]);
    expect(c.status, c.stderr).toBe(0);
    expect(c.stderr).toContain(`asrfair: warning: ${rules}:3: groups.v[0]: v-w (rate 0) rewrote no phone in these prompts, so group v differs from a null group in name only`);
  });
});
