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
    expect(e.message).toMatch(/^\/x\/suites\/s\.yaml:4: backends\[0\]\.type: /);
    const e2 = errorOf('name: s\nmanifest: m.jsonl\nbackends:\n  - type: t\nconcurrency: -2\n');
    expect(e2.message).toMatch(/s\.yaml:5: concurrency: /);
    const e3 = errorOf('name: s\nmanifest: m.jsonl\nbackends:\n  - type: t\nbogus: 1\n');
    expect(e3.message).toMatch(/s\.yaml:1: .*bogus/);
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
      `asrfair: ${file}:3: bootstrap.B: Too small: expected number to be >0`,
      `asrfair: ${file}:4: minCell.speakers: Too small: expected number to be >0`,
      `asrfair: ${file}:7: correction: Invalid option: expected one of "holm"|"bh"`,
    ]);
    expect(r.stderr).not.toMatch(/and \d+ more/);
    expect(() => parseSuite(readFileSync(file, 'utf8'), file)).toThrow(InputError);
  });
});
