import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadSuite, parseSuite } from '../../src/run/suite.ts';
import { resolveConditions } from '../../src/run/conditions.ts';
import { InputError } from '../../src/manifest/errors.ts';

const file = '/x/suites/s.yaml';

function errorOf(text: string): InputError {
  try {
    parseSuite(text, file);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError');
}

describe('suite files', () => {
  it('loads every example suite, resolving paths against the suite file', () => {
    const dir = resolve('manifests/suites');
    const names = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(names).toEqual(expect.arrayContaining(['demo.yaml', 'vendors.yaml', 'conditions.yaml', 'glassbox.yaml']));
    for (const n of names) {
      const s = loadSuite(join(dir, n));
      // The synthetic demo corpus is built by `asrfair synth`; the real corpora are shipped in corpora/.
      if (s.manifests[0] !== resolve('corpora/demo/manifest.jsonl')) expect(existsSync(s.manifests[0]), n).toBe(true);
      expect(s.manifests[0].startsWith(resolve('corpora') + '/'), n).toBe(true);
      expect(s.backends.length).toBeGreaterThan(0);
      const conds = resolveConditions(s);
      expect(conds[0].key).toBe('clean');
    }
    const c = loadSuite(join(dir, 'conditions.yaml'));
    const keys = resolveConditions(c).map((x) => x.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(loadSuite(join(dir, 'glassbox.yaml')).kind).toBe('glassbox');
    expect(loadSuite(join(dir, 'vendors.yaml')).backends.map((b) => b.name)).toEqual(['pocketsphinx', 'whisper', 'gpt4o-mini', 'aws']);
  });

  it('fills defaults', () => {
    const s = parseSuite('name: s\nmanifest: m.jsonl\nbackends:\n  - type: pocketsphinx\n', file);
    expect(s).toMatchObject({
      kind: 'blackbox',
      manifests: ['/x/suites/m.jsonl'],
      groupBy: ['accent'],
      normaliser: 'basic',
      costModel: 'sclite',
      metrics: ['wer', 'cer'],
      bootstrap: { B: 1000 },
      minCell: { speakers: 10, words: 500 },
      concurrency: 4,
      retries: 3,
      rerunFailed: 'transient',
      includeClean: true,
      qc: true,
    });
    expect(s.backends[0]).toMatchObject({ name: 'pocketsphinx', type: 'pocketsphinx', options: {} });
    expect(parseSuite('name: s\nmanifest: m\nbootstrap: 500\nbackends: [{type: t}]\n', file).bootstrap).toEqual({ B: 500 });
  });

  it('names the file, line and YAML path of a schema error', () => {
    const e = errorOf('name: s\nmanifest: m.jsonl\nbackends:\n  - name: a\n    options: {}\n');
    expect(e.message).toMatch(/^\/x\/suites\/s\.yaml:4: backends\[0\]: `type:` is missing /);
    const e2 = errorOf('name: s\nmanifest: m.jsonl\nbackends:\n  - type: t\nconcurrency: -2\n');
    expect(e2.message).toMatch(/s\.yaml:5: concurrency: /);
    const e3 = errorOf('name: s\nmanifest: m.jsonl\nbackends:\n  - type: t\nbogus: 1\n');
    expect(e3.message).toMatch(/s\.yaml:5: unknown key bogus \(allowed here: alpha, audioCacheDir, backends, .*, timeoutSec\)$/);
  });

  it('checks conditions with the audio stage schema, naming the step', () => {
    const e = errorOf('name: s\nmanifest: m\nbackends: [{type: t}]\nconditions:\n  - name: n\n    steps:\n      - type: noise\n        snrDb: loud\n');
    expect(e.message).toMatch(/s\.yaml:8: conditions\[0\]\.steps\[0\]\.snrDb: /);
    expect(errorOf('name: s\nmanifest: m\nbackends: [{type: t}]\nconditions:\n  - name: clean\n    steps: []\n').message).toMatch(/implicit/);
  });

  it('rejects bad YAML, duplicate names and conflicting manifests', () => {
    expect(errorOf('name: s\nmanifest: [m\n').message).toMatch(/s\.yaml:\d+: invalid YAML/);
    expect(errorOf('name: s\nmanifest: m\nbackends:\n  - type: t\n  - type: t\n').message).toMatch(/s\.yaml:5: .*duplicate backend name "t"/);
    expect(errorOf('name: s\nmanifest: m\nmanifests: [a]\nbackends: [{type: t}]\n').message).toMatch(/not both/);
    expect(errorOf('name: s\nbackends: [{type: t}]\n').message).toMatch(/manifest/);
    expect(() => loadSuite('/nonexistent/suite.yaml')).toThrow(/suite\.yaml: suite file not found/);
  });
});

describe('suite validation lists every error', () => {
  it('each schema error on its own line with file:line and YAML path (was the first and "(and 2 more)")', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { cli } = await import('../helpers/cli.ts');
    const dir = mkdtempSync(join(tmpdir(), 'suite-errors-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      'name: bad\nmanifest: m.jsonl\nbootstrap: { B: -5 }\nminCell: { speakers: 0 }\nbackends:\n  - { type: pocketsphinx }\ncorrection: bonferroni\n',
    );
    writeFileSync(join(dir, 'm.jsonl'), '{"id":"u1","text":"hello","speaker":"s1"}\n');
    const r = await cli('validate', join(dir, 'm.jsonl'), '--suite', file);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual([
      `asrfair: ${file}:3: bootstrap.B: expected a number > 0, found the number -5`,
      `asrfair: ${file}:4: minCell.speakers: expected a number > 0, found the number 0`,
      `asrfair: ${file}:7: correction: expected one of holm, bh, found "bonferroni"`,
    ]);
    expect(r.stderr).not.toMatch(/and \d+ more/);
    expect(() => parseSuite(readFileSync(file, 'utf8'), file)).toThrow(InputError);
  });
});

describe('suite YAML errors in the project\'s words (not zod\'s)', () => {
  const SUITE = 'name: s\nmanifest: m\nbackends: [{type: t}]\n';
  const lines = (text: string) => {
    try {
      parseSuite(text, file);
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      return (e as InputError).message.split('\n');
    }
    throw new Error('expected an InputError');
  };

  it('a misspelt key: its own line, with the key it is closest to', () => {
    expect(lines(`${SUITE}concurency: 2\n`)).toEqual([`${file}:4: unknown key concurency (did you mean concurrency?)`]);
    expect(lines(`${SUITE}gate:\n  maxGap: 0.1\n  maxWr: 0.2\n`)).toEqual([`${file}:6: gate: unknown key maxWr (did you mean maxWer?)`]);
    // Nothing close: the keys allowed there.
    expect(lines('name: s\nmanifest: m\nbackends:\n  - type: t\n    colour: red\n')).toEqual([
      `${file}:5: backends[0]: unknown key colour (allowed here: concurrency, name, options, retries, timeoutSec, type)`,
    ]);
  });

  it('a misspelt required key is one error (the misspelling), not also "backends is missing"', () => {
    expect(lines('name: s\nmanifest: m\nbackend: [{type: t}]\n')).toEqual([`${file}:3: unknown key backend (did you mean backends?)`]);
  });

  it('a wrong type: the line of the key, what was expected and what was found', () => {
    expect(lines('name: s\nmanifest: m\nseed: 1.5\nbackends: [{type: t}]\n')).toEqual([`${file}:3: seed: expected a whole number, found the number 1.5`]);
    expect(lines(`${SUITE}normaliser: 3\n`)).toEqual([`${file}:4: normaliser: expected text, found the number 3`]);
    // A block value starts on the next line: the key's line is named.
    expect(lines(`${SUITE}groupBy:\n  accent: 1\n`)).toEqual([`${file}:4: groupBy: expected a list, found a mapping`]);
    expect(lines(`${SUITE}headline: median\n`)).toEqual([`${file}:4: headline: expected one of pooled, mean-utterance, mean-speaker, found "median"`]);
    expect(lines(`${SUITE}markup: nist\n`)).toEqual([`${file}:4: markup: expected one of sclite, none or a mapping, found "nist"`]);
    expect(lines(`${SUITE}bootstrap: -1\n`)).toEqual([`${file}:4: bootstrap: expected a number > 0 or a mapping, found the number -1`]);
  });

  it('a missing required key: named, with what it holds', () => {
    expect(lines('name: s\nmanifest: m\n')).toEqual([`${file}:1: \`backends:\` is missing (required: a list of at least one backend, e.g. \`backends: [{ type: pocketsphinx }]\`)`]);
    expect(lines('name: s\nmanifest: m\nbackends:\n  - options: {}\n')).toEqual([
      `${file}:4: backends[0]: \`type:\` is missing (required: the backend type, e.g. \`type: pocketsphinx\`; \`asrfair backends\` lists them)`,
    ]);
  });

  it('an empty file (or one with only comments), and a list at the top level', () => {
    const empty = `${file}: the suite file is empty: expected a mapping of suite settings with at least \`name: my-suite\`, \`manifest: corpus/manifest.jsonl\`, \`backends: [{ type: pocketsphinx }]\``;
    expect(lines('')).toEqual([empty]);
    expect(lines('# a suite\n')).toEqual([empty]);
    expect(lines('- a\n- b\n')).toEqual([`${file}:1: expected a mapping of suite settings at the top level, found a list of 2; e.g. \`name: my-suite\`, \`manifest: corpus/manifest.jsonl\`, \`backends: [{ type: pocketsphinx }]\``]);
  });

  it('no zod wording in any message, messages the schema writes itself are kept', () => {
    const all = [
      ...lines('name: 3\nmanifest: m\nseed: x\nbackends: []\ngroupBy: [1]\nminCell: { speakers: 0, words: a }\nalpha: 2\nslices: [[a]]\nbins: { age: [3] }\ngate: { maxFailedShare: 2 }\n'),
      ...lines(`${SUITE}conditions:\n  - name: n\n    steps:\n      - type: noise\n        snrDb: loud\n`),
    ];
    expect(all.length).toBeGreaterThanOrEqual(10);
    for (const l of all) expect(l).not.toMatch(/Invalid input|Invalid option|Too small|Too big|Unrecognized|received/);
    expect(all).toContain(`${file}:4: backends: at least one backend is required`);
  });

  it('asrfair run prints each as one line and exits 2 (no stack trace)', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { cli } = await import('../helpers/cli.ts');
    const dir = mkdtempSync(join(tmpdir(), 'suite-words-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'name: s\nmanifest: m.jsonl\nbackends:\n  - type: pocketsphinx\n    concurency: 2\nseed: one\n');
    const r = await cli('run', bad);
    rmSync(dir, { recursive: true, force: true });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      `asrfair: ${bad}:5: backends[0]: unknown key concurency (did you mean concurrency?)`,
      `asrfair: ${bad}:6: seed: expected a number, found "one"`,
    ]);
  });
});

describe('every problem of a suite file at once (t16 defect 7: one per run)', () => {
  // err/s.yaml of trial 16: three bad condition steps in three conditions, reported one per run before.
  const THREE_BAD_STEPS = [
    'name: e',
    'manifest: m.jsonl',
    'groupBy: [accent]',
    'backends:',
    '  - name: ps',
    '    type: pocketsphinx',
    'conditions:',
    '  - name: tel',
    '    steps:',
    '      - { type: telephone, lowHz: 300 }',
    '  - name: c2',
    '    steps:',
    '      - { type: codec, codec: aac }',
    '  - name: n',
    '    steps:',
    '      - { type: noise, snrDb: "ten" }',
    '',
  ].join('\n');

  it('three bad condition steps: three lines, each naming file:line and the step', () => {
    const msg = errorOf(THREE_BAD_STEPS).message.split('\n');
    expect(msg).toEqual([
      `${file}:10: conditions[0].steps[0]: unknown key lowHz (did you mean low?)`,
      `${file}:13: conditions[1].steps[0].codec: expected one of opus, mp3, gsm, amr-nb, found "aac"`,
      `${file}:16: conditions[2].steps[0].snrDb: expected a number, found "ten"`,
    ]);
  });

  it('condition problems are listed with the rest of the suite\'s, and with a duplicate backend name', () => {
    const text = THREE_BAD_STEPS.replace('groupBy: [accent]', 'groupBy: [accent]\nseed: 1.5').replace('backends:\n', 'backends:\n  - name: ps\n    type: pocketsphinx\n');
    const msg = errorOf(text).message.split('\n');
    expect(msg.map((l) => l.replace(/^[^:]+:(\d+): .*$/, '$1'))).toEqual(['4', '8', '13', '16', '19']);
    expect(msg[1]).toMatch(/backends\[1\]: duplicate backend name "ps"/);
  });

  it('asrfair run and run --dry-run print all three, one line each, exit 2', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { cli } = await import('../helpers/cli.ts');
    const dir = mkdtempSync(join(tmpdir(), 'suite-all-'));
    const bad = join(dir, 's.yaml');
    writeFileSync(bad, THREE_BAD_STEPS);
    writeFileSync(join(dir, 'm.jsonl'), '{"id":"u1","text":"hello","speaker":"s1"}\n');
    for (const args of [['run', bad], ['run', bad, '--dry-run'], ['validate', join(dir, 'm.jsonl'), '--suite', bad]]) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines.map((l) => l.slice(0, `asrfair: ${bad}:10`.length + 1)), args.join(' ')).toEqual([`asrfair: ${bad}:10:`, `asrfair: ${bad}:13:`, `asrfair: ${bad}:16:`]);
    }
    rmSync(dir, { recursive: true, force: true });
  });
});
