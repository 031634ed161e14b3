/**
 * `adapt` starts from the suite's own pocketsphinx backend (user trial 15): its model options are the baseline and
 * stand under every candidate in adapted.yaml; a suite with no pocketsphinx backend, several without --backend, or a
 * model option naming a missing file is one line naming the suite file and line (exit 2), before any work.
 * A small flite corpus (4 speakers × 2 sentences per group), variants with given rules only (no SphinxTrain).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as yamlParse } from 'yaml';
import { speakersFor, synthesise } from '../glass/corpus.ts';
import { cliIn } from '../helpers/cli.ts';
import { parsePair } from '../../src/cli/commands/adapt.ts';

const dir = mkdtempSync(join(tmpdir(), 'asrfair-adapt-base-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const head = 'name: b\nkind: glassbox\nmanifest: m.jsonl\ngroupBy: [accent]\nnormaliser: basic\nseed: 1\nbootstrap: 100\nbackends:\n';
const suite = (name: string, backends: string) => writeFileSync(join(dir, name), head + backends);
const args = (s: string, ...more: string[]) => ['adapt', s, '--out', join(dir, `out-${s}`), '--cache-dir', join(dir, 'cache'), '--methods', 'variants', '--variant-scope', 'global', '--rules', 'th-stopping:TH>T,DH>D', '--processes', '2', ...more];

beforeAll(() => {
  const speakers = [...speakersFor('th-stopping', [0.95, 1.15], true).slice(0, 4), ...speakersFor('null', [0.95, 1.15], false).slice(0, 4)];
  const utts = synthesise(join(dir, 'corpus'), speakers, 2);
  writeFileSync(join(dir, 'm.jsonl'), utts.map((u) => JSON.stringify({ id: u.id, audio: u.wav, text: u.text, speaker: u.speaker, labels: { accent: u.group } })).join('\n') + '\n');
  // The user's own language model: a copy of Debian's under another name.
  copyFileSync('/usr/share/pocketsphinx/model/en-us/en-us.lm.bin', join(dir, 'my.lm.bin'));
}, 120_000);

describe('adapt: one corpus, one grouping key', () => {
  it('a suite listing several manifests is refused at its manifests: line (adapt would read the first only)', async () => {
    writeFileSync(join(dir, 'many.yaml'), head.replace('manifest: m.jsonl', 'manifests:\n  - m.jsonl\n  - m.jsonl') + '  - { name: ps, type: pocketsphinx }\n');
    const r = await cliIn(args('many.yaml'), dir);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`asrfair: ${join(dir, 'many.yaml')}:3: adapt splits and adapts one corpus and this suite lists 2 manifests; give it a suite with one \`manifest:\` (the manifests joined into one file, e.g. \`cat a.jsonl b.jsonl > all.jsonl\`; ids must stay unique)`);
  });
  it('a suite grouping by two keys: adapt uses the first, says so on the terminal and in remedy.md', async () => {
    // The same corpus with a second declared label.
    const rows = readFileSync(join(dir, 'm.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { labels: Record<string, string> });
    writeFileSync(join(dir, 'm2.jsonl'), rows.map((u, i) => JSON.stringify({ ...u, labels: { ...u.labels, gender: i % 2 ? 'female' : 'male' } })).join('\n') + '\n');
    writeFileSync(join(dir, 'keys.yaml'), head.replace('manifest: m.jsonl', 'manifest: m2.jsonl').replace('groupBy: [accent]', 'groupBy: [accent, gender]') + '  - { name: ps, type: pocketsphinx }\n');
    const r = await cliIn(args('keys.yaml'), dir);
    expect(r.code, r.stderr).toBe(0);
    const said = `${join(dir, 'keys.yaml')}: the suite groups by accent, gender; adapt adapts and reports the groups of the first key, accent (--group-by gender for another)`;
    expect(r.stderr).toContain(`asrfair: warning: ${said}`);
    expect(readFileSync(join(dir, 'out-keys.yaml', 'remedy.md'), 'utf8')).toContain(said);
    const splits = JSON.parse(readFileSync(join(dir, 'out-keys.yaml', 'splits.json'), 'utf8')) as { groups: { group: string }[] };
    expect(splits.groups.map((g) => g.group).sort()).toEqual(['null', 'th-stopping']);
    // --group-by chooses, and nothing is said.
    const g = await cliIn([...args('keys.yaml'), '--group-by', 'accent'], dir);
    expect(g.code, g.stderr).toBe(0);
    expect(g.stderr).not.toContain('the suite groups by');
  }, 300_000);
});

describe('adapt: the suite\'s backend is the baseline', () => {
  it('missing model files: one line naming the option, its line and the path', async () => {
    suite('missing.yaml', '  - name: mine\n    type: pocketsphinx\n    options:\n      hmm: /nonexistent/model\n      lm: /nonexistent/my.lm\n');
    const r = await cliIn(args('missing.yaml'), dir);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`asrfair: ${join(dir, 'missing.yaml')}:12: backends[0].options.hmm: /nonexistent/model does not exist (backend "mine", the model adapt starts from)`);
  });
  it('no pocketsphinx backend, or two without --backend: refused with the suite file and line', async () => {
    suite('command.yaml', '  - name: cmd\n    type: command\n    options: { command: "echo hi" }\n');
    const c = await cliIn(args('command.yaml'), dir);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain(`${join(dir, 'command.yaml')}:8: adapt adapts a pocketsphinx backend and this suite has none (backends: cmd (command))`);
    suite('two.yaml', '  - { name: a, type: pocketsphinx }\n  - { name: b, type: pocketsphinx }\n');
    const t = await cliIn(args('two.yaml'), dir);
    expect(t.code).toBe(2);
    expect(t.stderr).toContain(`${join(dir, 'two.yaml')}:10: several pocketsphinx backends (a at line 9, b at line 10): choose the one to adapt with --backend NAME`);
    const n = await cliIn(args('two.yaml', '--backend', 'c'), dir);
    expect(n.stderr).toContain('--backend c: no backend named "c" (backends: a (pocketsphinx), b (pocketsphinx))');
  });
  it('the user\'s model options are the baseline and stand under the candidate in adapted.yaml', async () => {
    suite('mine.yaml', '  - { name: other, type: command, options: { command: "echo hi" } }\n  - { name: mine, type: pocketsphinx, options: { lm: my.lm.bin, flags: { beam: "1e-40" } } }\n');
    // A per-utterance file an earlier run wrote for a candidate this run does not have (trial 15: stale, old labels).
    mkdirSync(join(dir, 'out-mine.yaml'), { recursive: true });
    writeFileSync(join(dir, 'out-mine.yaml', 'test-map-group.jsonl'), '{"id":"old"}\n');
    const r = await cliIn(args('mine.yaml'), dir);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(dir, 'out-mine.yaml', 'test-map-group.jsonl'))).toBe(false);
    expect(r.stderr).toContain("adapt: removed 1 per-utterance file of an earlier run's candidates not in this remedy: test-map-group.jsonl");
    expect(existsSync(join(dir, 'out-mine.yaml', 'test-baseline.jsonl'))).toBe(true);
    expect(r.stderr).toContain(`adapt: starting from backend "mine" of ${join(dir, 'mine.yaml')} (lm ${join(dir, 'my.lm.bin')}, flags {"beam":"1e-40"})`);
    const y = yamlParse(readFileSync(join(dir, 'out-mine.yaml', 'adapted.yaml'), 'utf8')) as { backends: { name: string; options: Record<string, unknown> }[] };
    expect(y.backends[0]).toEqual({ name: 'baseline', type: 'pocketsphinx', options: { lm: join(dir, 'my.lm.bin'), flags: { beam: '1e-40' } } });
    for (const b of y.backends.slice(1)) expect(b.options).toMatchObject({ lm: join(dir, 'my.lm.bin'), flags: { beam: '1e-40' } });
  }, 300_000);
});

// Trial 15: --rules 'stop:TH>T' ran and said the glass box flagged nothing; 'stops:TH>XX' wrote XX into the dictionaries.
describe('adapt: --rules is checked before any work', () => {
  const rulesArgs = (rules: string) => ['adapt', 'plain.yaml', '--out', join(dir, 'out-rules'), '--cache-dir', join(dir, 'cache'), '--methods', 'variants', '--rules', rules];
  beforeAll(() => suite('plain.yaml', '  - { type: pocketsphinx }\n'));
  it('an unknown group: one line with the closest group, exit 2', async () => {
    const r = await cliIn(rulesArgs('th-stoping:TH>T'), dir);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`asrfair: --rules: "th-stoping" is not a group of ${join(dir, 'm.jsonl')} by "accent" (did you mean th-stopping?) (groups: null, th-stopping)`);
  });
  it('an unknown phone: one line naming it and the dictionary, exit 2; deletion (-) is allowed', async () => {
    const r = await cliIn(rulesArgs('th-stopping:TH>-,DH>XX'), dir);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^asrfair: --rules th-stopping:DH>XX: "XX" is not a phone of \/usr\/share\/pocketsphinx\/model\/en-us\/cmudict-en-us\.dict \(phones: AA AE AH .* ZH\)$/);
  });
});

// Trial 15: --pair stops:none:x was taken as stops:none (":x" dropped), and a group name with ":" could not be paired.
describe('adapt --pair: exactly two groups; ":" in a name written "\\:"', () => {
  it('parses two parts, unescapes "\\:", refuses three parts or an empty one', () => {
    expect(parsePair('stops:none')).toEqual({ target: 'stops', reference: 'none' });
    expect(parsePair('a\\:b:none')).toEqual({ target: 'a:b', reference: 'none' });
    expect(() => parsePair('stops:none:x')).toThrow('--pair stops:none:x: expected exactly target:reference (3 parts); write a ":" inside a group name as "\\:"');
    expect(() => parsePair('stops:')).toThrow('(2 parts)');
    expect(() => parsePair('none:none')).toThrow('the target and the reference are the same group');
  });
  it('the CLI refuses stops:none:x with one line, exit 2', async () => {
    suite('pair.yaml', '  - { type: pocketsphinx }\n');
    const r = await cliIn(['adapt', 'pair.yaml', '--pair', 'th-stopping:null:x'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('asrfair: --pair th-stopping:null:x: expected exactly target:reference (3 parts); write a ":" inside a group name as "\\:"');
  });
});

describe('adapt --group-by a key no utterance declares', () => {
  it('is refused (one group, "undeclared"), exit 2', async () => {
    suite('foo.yaml', '  - { type: pocketsphinx }\n');
    const r = await cliIn(['adapt', 'foo.yaml', '--group-by', 'foo', '--out', join(dir, 'out-foo'), '--cache-dir', join(dir, 'cache')], dir);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n').at(-1)).toBe(`asrfair: adapt compares groups, and ${join(dir, 'm.jsonl')} has one group by "foo" ("undeclared") (no utterance declares foo): it needs at least two (choose another key with --group-by)`);
  });
});
