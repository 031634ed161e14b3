/**
 * `src/text/glm.ts` (the normaliser's equivalence lists, `asrfair normalise --glm`) read sclite GLM rules differently
 * from SCTK's rfilter1 (csrfilt.sh), measured here with Debian's csrfilt.sh on the same rules:
 * - `[OK] => {OKAY / OK}` (no context): glm.ts made ok ≡ okay; rfilter1 takes the last "/" for the context separator
 *   and writes "{OKAY" for every OK, inside words too ("BOOK" → "BO{OKAY");
 * - `[OK] => [OKAY]` (no context): glm.ts rewrote whole words; rfilter1 rewrites characters ("BOOK" → "BOOKAY");
 * - `{ UH / @ }`: "@" is sclite's empty alternative (the word may be left out), not a spelling; glm.ts made "@" a word.
 * Each is now refused when the list is read, one line naming the GLM file:line and the fix. The rules both read the
 * same, `[OK] => { OKAY / OK } / [ ] __ [ ]` (rfilter1: "{ OKAY / OK }" at word boundaries), are kept.
 * SCTK's own en20030506.glm (NIST's rules, bare words) is refused at its first rule, naming it (use score --glm).
 *
 * The score path's reader (src/text/nist-glm.ts) is checked on the same case rules: with the header read, rfilter1
 * matches case-insensitively under `* case_sensitive = 'F'`, as nist-glm.ts does. (rfilter1 takes a file's first
 * character as its comment flag: a GLM whose first line is a `*` header has every header ignored, with a warning;
 * these files open with a `;;` line, as SCTK's do.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEquivalencesGlm } from '../../src/text/glm.ts';
import { glmFilter, parseNistGlm } from '../../src/text/nist-glm.ts';
import { InputError } from '../../src/manifest/errors.ts';

const SCTK_BIN = '/usr/lib/sctk/bin';
const CSRFILT = join(SCTK_BIN, 'csrfilt.sh');
const EN = join(import.meta.dirname, 'fixtures/en20030506-excerpt.glm');
const HEADER = ['* name "alt"', "* format = 'NIST1'", "* copy_no_hit = 'T'", "* case_sensitive = 'F'"];
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-glm-eq-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function glmFile(name: string, rules: string[]): { path: string; text: string } {
  const path = join(dir, name);
  const text = [...HEADER, ...rules].join('\n') + '\n';
  writeFileSync(path, text);
  return { path, text };
}

/** Debian's csrfilt.sh -i trn (args: e.g. -s) on one trn line. */
function csrfilt(glm: string, line: string, args: string[] = []): string {
  const r = spawnSync(CSRFILT, [...args, '-i', 'trn', glm], { input: `${line} (s1-a)\n`, encoding: 'latin1', env: { ...process.env, PATH: `${SCTK_BIN}:${process.env.PATH}` } });
  if (r.status !== 0) throw new Error(`csrfilt.sh failed: ${r.stdout}${r.stderr}`);
  return r.stdout.trim().replace(/ \(s1-a\)$/, '');
}

function refusal(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('not refused');
}

describe.skipIf(!existsSync(CSRFILT))('equivalence GLMs read as rfilter1 reads them, or refused', () => {
  it('[OK] => {OKAY / OK} without context: rfilter1 writes "{OKAY" (inside words too); refused naming file:line', () => {
    const { path, text } = glmFile('alt.glm', ['[OK] => {OKAY / OK}']);
    expect(csrfilt(path, 'ok book')).toBe('{OKAY BO{OKAY');
    const e = refusal(() => parseEquivalencesGlm(text, path));
    expect(e.message).toBe(
      `${path}:5: the rule "[OK] => {OKAY / OK}" has no context ("__"), so rfilter1 (csrfilt.sh) reads its last "/" as the context separator and writes just "{OKAY" for every OK, inside words too; give the rule a context: [OK] => {OKAY / OK} / [ ] __ [ ]`,
    );
  });

  it('[OK] => [OKAY] without context: rfilter1 rewrites inside words ("BOOK" → "BOOKAY"); refused', () => {
    const { path, text } = glmFile('plain.glm', ['[GONNA] => [GOING TO] / [ ] __ [ ]', '[OK] => [OKAY]']);
    expect(csrfilt(path, 'ok book')).toBe('OKAY BOOKAY');
    const e = refusal(() => parseEquivalencesGlm(text, path));
    expect(e.message).toBe(
      `${path}:6: the rule "[OK] => [OKAY]" has no context, so rfilter1 (csrfilt.sh) rewrites OK inside words too, while an equivalence list matches whole words; give the rule the word-boundary context: [OK] => [OKAY] / [ ] __ [ ]`,
    );
  });

  it('{ UH / @ }: "@" is sclite\'s empty alternative (optional deletion), not a spelling; refused', () => {
    const { path, text } = glmFile('null.glm', ['[UH] => { UH / @ } / [ ] __ [ ]']);
    expect(csrfilt(path, 'uh ok')).toBe('{ UH / @ } OK');
    const e = refusal(() => parseEquivalencesGlm(text, path));
    expect(e.message).toMatch(new RegExp(`^${path.replace(/[.]/g, '\\.')}:5: "@" in "\\{ UH / @ \\}" is sclite's empty alternative`));
  });

  it('the form both read the same is kept: [OK] => { OKAY / OK } / [ ] __ [ ] (word boundaries only)', () => {
    const { path, text } = glmFile('ctx.glm', ['[OK] => { OKAY / OK } / [ ] __ [ ]']);
    expect(csrfilt(path, 'ok book')).toBe('{ OKAY / OK } BOOK');
    const eq = parseEquivalencesGlm(text, path);
    expect(eq.classes).toEqual([['okay', 'ok']]);
    expect(eq.apply('ok book')).toBe('okay book');
  });

  it("SCTK's en20030506.glm (bare NIST rules) is refused at its first rule, naming the file:line", () => {
    const e = refusal(() => parseEquivalencesGlm(readFileSync(EN, 'latin1'), EN));
    expect(e.message).toMatch(new RegExp(`^${EN.replace(/[.]/g, '\\.')}:18: `));
  });

  it('score --glm: nist-glm.ts matches case as rfilter1 does under case_sensitive F and T (csrfilt.sh with and without -s)', () => {
    for (const cs of ['F', 'T']) {
      const path = join(dir, `case-${cs}.glm`);
      writeFileSync(path, [';; case rules', '* name "case"', "* format = 'NIST1'", "* copy_no_hit = 'T'", `* case_sensitive = '${cs}'`, 'ok => okay / [ ] __ [ ]', 'BE => BEE / [ ] __ [ ]'].join('\n') + '\n');
      const glm = parseNistGlm(readFileSync(path, 'latin1'), path);
      const line = 'ok OK Ok be Be BE';
      for (const [args, upCase] of [[[], true], [['-s'], false]] as const) {
        expect(glmFilter(glm, upCase)(line, 'x.trn', 1), `case_sensitive ${cs}, csrfilt ${args.join(' ')}`).toBe(csrfilt(path, line, [...args]));
      }
    }
  });
});
