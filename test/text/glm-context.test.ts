/**
 * A GLM rule without a context whose right-hand side holds a `/` (trial 14, item 3). rfilter1 reads the last `/` of
 * a rule as the context separator, so `FOO => { BAR / BAZ }` writes just `{ BAR` (and `QUX => ONE / TWO` just
 * `ONE`). asrfair copied that and then blamed the transcript (`ref.trn:1: unbalanced "{"`) for a brace it never had;
 * sclite itself crashes. Now the GLM is refused when read: one line naming the GLM file and line and the fix.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { glmFilter, parseNistGlm } from '../../src/text/nist-glm.ts';
import { InputError } from '../../src/manifest/errors.ts';
import { cli } from '../helpers/cli.ts';

const SCTK_BIN = '/usr/lib/sctk/bin';
const CSRFILT = join(SCTK_BIN, 'csrfilt.sh');
const HEADER = ['* name "ctx"', "* format = 'NIST1'", "* copy_no_hit = 'T'", "* case_sensitive = 'F'"];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-glm-context-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function glmFile(name: string, rules: string[]): string {
  const p = join(dir, name);
  writeFileSync(p, [...HEADER, ...rules].join('\n') + '\n');
  return p;
}

/** Debian's csrfilt.sh -i trn on one line (rfilter1 on PATH, as the script expects). */
function csrfilt(glm: string, line: string): string {
  const r = spawnSync(CSRFILT, ['-i', 'trn', glm], { input: `${line}\n`, encoding: 'latin1', env: { ...process.env, PATH: `${SCTK_BIN}:${process.env.PATH}` } });
  if (r.status !== 0) throw new Error(`csrfilt.sh failed: ${r.stdout}${r.stderr}`);
  return r.stdout.trim();
}

describe('GLM rules whose right-hand "/" rfilter1 takes for the context separator', () => {
  it.skipIf(!existsSync(CSRFILT))('rfilter1 writes the right side only up to that "/" (the fault, measured)', () => {
    const g = glmFile('fault.glm', ['FOO => { BAR / BAZ }', 'QUX => ONE / TWO', 'X9 => [A/B]']);
    expect(csrfilt(g, 'x foo y qux z x9 (s-1)')).toBe('X { BAR Y ONE Z [A (s-1)');
  });

  it('is refused when the GLM is read: file:line, what rfilter1 would write, and the rule with a context', () => {
    const text = [...HEADER, 'FOO => { BAR / BAZ }'].join('\n');
    expect(() => parseNistGlm(text, 'my.glm')).toThrow(InputError);
    expect(() => parseNistGlm(text, 'my.glm')).toThrow(
      'my.glm:5: the rule "FOO => { BAR / BAZ }" has no context ("__"), so rfilter1 (csrfilt.sh) reads its last "/" as the context separator and writes just "{ BAR", an unclosed "{" (sclite crashes on it); give the rule a context: FOO => { BAR / BAZ } / [ ] __ [ ]',
    );
    expect(() => parseNistGlm([...HEADER, 'QUX => ONE / TWO   ;; a comment'].join('\n'), 'my.glm')).toThrow(
      'my.glm:5: the rule "QUX => ONE / TWO" has no context ("__"), so rfilter1 (csrfilt.sh) reads its last "/" as the context separator and writes just "ONE", dropping "TWO"; give the rule a context: QUX => ONE / TWO / [ ] __ [ ]',
    );
    // A "/" inside [ ] is no exception: rfilter1 writes "[A" for X9 => [A/B] (measured with csrfilt.sh).
    expect(() => parseNistGlm([...HEADER, 'X9 => [A/B]'].join('\n'), 'my.glm')).toThrow(/^my\.glm:5: the rule "X9 => \[A\/B\]" has no context .* writes just "\[A", dropping "B\]"; give the rule a context: X9 => \[A\/B\] \/ \[ \] __ \[ \]$/);
  });

  it('rules with a context, a "/" in a comment, or in a region that does not apply, still load', () => {
    const g = parseNistGlm(
      [...HEADER, 'FOO => { BAR / BAZ } / [ ] __ [ ]', 'ZIP => { A / B } / __', 'FT SE => FOOTSIE ;; spelled w/hyphen', ';; INPUT_DEPENDENT_APPLICATION = "ctm"', 'QUX => ONE / TWO'].join('\n'),
      'ok.glm',
    );
    expect(g.rules.map((r) => [r.from, r.to])).toEqual([['FOO', '{ BAR / BAZ }'], ['ZIP', '{ A / B }'], ['FT SE', 'FOOTSIE']]);
  });

  it.skipIf(!existsSync(CSRFILT))('the suggested fix makes rfilter1 and asrfair write the whole alternation', () => {
    const g = glmFile('fixed.glm', ['FOO => { BAR / BAZ } / [ ] __ [ ]']);
    expect(csrfilt(g, 'x foo y (s-1)')).toBe('X { BAR / BAZ } Y (s-1)');
    expect(glmFilter(parseNistGlm([...HEADER, 'FOO => { BAR / BAZ } / [ ] __ [ ]'].join('\n'), 'fixed.glm'))('x foo y', 'r.trn', 1)).toBe('X { BAR / BAZ } Y');
  });

  it('asrfair score --glm: exit 2 and one line naming the GLM file and line, not the transcript', async () => {
    const g = glmFile('cli.glm', ['OK => OKAY / [ ] __ [ ]', 'FOO => { BAR / BAZ }']);
    const ref = join(dir, 'ref.trn');
    const hyp = join(dir, 'hyp.trn');
    writeFileSync(ref, 'x foo y (s-1)\n');
    writeFileSync(hyp, 'x bar y (s-1)\n');
    const r = await cli('score', '--ref', ref, '--hyp', hyp, '--glm', g);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^asrfair: ${g.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:6: the rule "FOO => \\{ BAR / BAZ \\}" has no context`));
    expect(lines[0]).toContain('give the rule a context: FOO => { BAR / BAZ } / [ ] __ [ ]');
    expect(r.stderr).not.toContain('ref.trn');
  });
});
