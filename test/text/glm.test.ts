import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { align, tokenize } from '../../src/score/align.ts';
import { loadEquivalences, parseEquivalencesGlm, parseEquivalencesYaml, withEquivalences } from '../../src/text/glm.ts';
import { english } from '../../src/text/english.ts';
import { InputError } from '../../src/manifest/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'asrfair-glm-'));

describe('equivalence lists', () => {
  it('rewrites YAML classes to their canonical form, longest phrase first', () => {
    const eq = parseEquivalencesYaml('- [okay, ok, o k]\n- [going to, gonna]\n- [alright, all right]\n', 'x.yaml');
    expect(eq.size).toBe(3);
    expect(eq.apply('ok i am gonna go')).toBe('okay i am going to go');
    expect(eq.apply('o k all right Gonna')).toBe('okay alright going to');
    expect(eq.apply('going to okay')).toBe('going to okay');
    expect(eq.apply('o kay')).toBe('o kay');
    expect(eq.apply('')).toBe('');
  });

  it('accepts the map form', () => {
    const eq = parseEquivalencesYaml('okay: [ok]\ngoing to: gonna\n', 'x.yml');
    expect(eq.classes).toEqual([['okay', 'ok'], ['going to', 'gonna']]);
  });

  it('removes equivalence errors before alignment, for ref and hyp alike', () => {
    const eq = parseEquivalencesYaml('- [okay, ok]\n- [going to, gonna]\n', 'x.yaml');
    const ref = 'okay we are going to win';
    const hyp = 'ok we are gonna win';
    expect(align(tokenize(ref), tokenize(hyp)).counts).toEqual({ ref: 6, hits: 3, sub: 2, del: 1, ins: 0 });
    expect(align(tokenize(eq.apply(ref)), tokenize(eq.apply(hyp))).counts).toEqual({ ref: 6, hits: 6, sub: 0, del: 0, ins: 0 });
  });

  it('wraps a normaliser, naming the list in its version', () => {
    const a = withEquivalences(english, parseEquivalencesYaml('- [okay, ok]\n', 'a.yaml'));
    const b = withEquivalences(english, parseEquivalencesYaml('- [okay, ok, k]\n', 'b.yaml'));
    expect(a.normalise('OK, uh, twenty five')).toBe('okay 25');
    expect(a.name).toBe('english+glm');
    expect(a.version).toMatch(/^2\+glm\.[0-9a-f]{12}$/);
    expect(a.version).not.toBe(b.version);
  });

  it('reads the context-free subset of sclite GLM files', async () => {
    const path = join(dir, 'en.glm');
    writeFileSync(
      path,
      [
        ';; my rules',
        '* name "test"',
        '[gonna] => [going to] / [ ] __ [ ]',
        '[ok] => { okay / ok } / [ ] __ [ ]  ;; alternatives',
        // Every rule has the word-boundary context: without it rfilter1 rewrites inside words (glm-equivalences-rfilter1.test.ts).
        '[wanna] => [want to] / [ ] __ [ ]',
        '[kinda] => [kind of] / [ ] __ [ ]',
      ].join('\n'),
    );
    const eq = await loadEquivalences(path);
    expect(eq.classes).toEqual([['going to', 'gonna'], ['okay', 'ok'], ['want to', 'wanna'], ['kind of', 'kinda']]);
    expect(eq.apply('ok i wanna kinda go')).toBe('okay i want to kind of go');
  });

  it('names file and line for bad input', () => {
    const bad = (f: () => unknown, line: number) => {
      try {
        f();
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        expect((e as InputError).line).toBe(line);
        expect((e as Error).message).toMatch(new RegExp(`^f\\.[a-z]+:${line}: `));
      }
    };
    bad(() => parseEquivalencesYaml('- [okay, ok]\n- [fine]\n', 'f.yaml'), 2);
    bad(() => parseEquivalencesYaml('- [okay, ok]\n- [sure, ok]\n', 'f.yaml'), 2);
    bad(() => parseEquivalencesYaml('- [okay, ok]\n- just a string\n', 'f.yaml'), 2);
    bad(() => parseEquivalencesYaml('- [okay, ok\n- [a, b]\n', 'f.yaml'), 2);
    bad(() => parseEquivalencesGlm(';; x\n[a] => [b] / [ ] __ [ ]\n[c] -> [d]\n', 'f.glm'), 3);
    bad(() => parseEquivalencesGlm(';; x\n[a] => [b]\n', 'f.glm'), 2);
    bad(() => parseEquivalencesGlm('[a] => [b] / [x] __ [ ]\n', 'f.glm'), 1);
  });

  it('ships an English list of spelling variants', async () => {
    const eq = await loadEquivalences(new URL('../../src/text/data/equivalences-en.yaml', import.meta.url).pathname);
    expect(eq.size).toBeGreaterThanOrEqual(5);
    expect(eq.apply('ok i can not say good bye')).toBe('okay i cannot say goodbye');
  });

  it('reports a missing file by name', async () => {
    await expect(loadEquivalences(join(dir, 'missing.yaml'))).rejects.toThrow(/missing\.yaml: cannot read/);
  });
});
