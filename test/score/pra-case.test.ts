/**
 * `score -o pra` with `-s` (case-sensitive) prints every word as written, as sclite does: it used to
 * upper-case errors, so `Hello` → `hello` showed as `HELLO`/`HELLO` (with `-w` word weights too). The
 * REF/HYP/Eval lines and sclite's `Attributes: Case_sensitve` line must equal Debian's sclite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from '../helpers/cli.ts';
import { praAlignments, SCLITE, scliteAvailable } from './sclite-run.ts';
import { TSCLITE_DIR } from './tsclite.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-pra-case-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));


function both(ref: string, hyp: string, flags: string[], id = 'rm'): { ours: Map<string, string[]>; theirs: Map<string, string[]> } {
  const s = spawnSync(SCLITE, ['-r', ref, 'trn', '-h', hyp, 'trn', '-i', id, ...flags, '-o', 'pra', 'stdout'], { encoding: 'utf8' });
  expect(s.status, s.stderr).toBe(0);
  const a = spawnSync(process.execPath, [BIN, 'score', '--ref', ref, '--hyp', hyp, '--id-format', id, ...flags, '-o', 'pra'], { encoding: 'utf8' });
  expect(a.status, a.stderr).toBe(0);
  return { ours: praAlignments(a.stdout, ['Attributes', 'REF', 'HYP', 'Eval']), theirs: praAlignments(s.stdout, ['Attributes', 'REF', 'HYP', 'Eval']) };
}

describe.skipIf(!scliteAvailable)('pra with -s prints words as written, as sclite does', () => {
  it('smallest case: Hello → hello, with and without -w', () => {
    const ref = join(dir, 'r.trn');
    const hyp = join(dir, 'h.trn');
    const wwl = join(dir, 'w.wwl');
    writeFileSync(ref, 'Hello World Foo Bar (s1-u1)\n');
    writeFileSync(hyp, 'hello World Baz Bar Qux (s1-u1)\n');
    writeFileSync(wwl, ";; 'Headings' 'Word Spelling' 'Weight'\nhello 2\nworld 3\n");
    for (const flags of [['-s'], ['-s', '-w', wwl], [], ['-w', wwl]]) {
      const { ours, theirs } = both(ref, hyp, flags);
      expect(ours, flags.join(' ')).toEqual(theirs);
    }
    // The sgml of a -w scoring says so, as sclite's does (it claimed weight_ali="FALSE").
    const sg = spawnSync(process.execPath, [BIN, 'score', '--ref', ref, '--hyp', hyp, '-w', wwl, '-o', 'sgml'], { encoding: 'utf8' });
    expect(sg.stdout).toMatch(/ weight_ali="TRUE" weight_filename="[^"]*w\.wwl"/);
    // Before the fix: "REF:  HELLO World FOO Bar ***" / "HYP:  HELLO World BAZ Bar QUX".
    expect(both(ref, hyp, ['-s']).ours.get('s1-u1')).toEqual([
      'Attributes: Case_sensitve',
      'REF:  Hello World Foo Bar ***',
      'HYP:  hello World Baz Bar Qux',
      'Eval: S           S       I',
    ]);
  });

  it("SCTK's tests.ref/tests.hyp with -s, and with -s -w (csrnab_r.wwl, test1c's word weights): every alignment equal", () => {
    for (const flags of [['-s'], ['-s', '-w', join(TSCLITE_DIR, 'csrnab_r.wwl')]]) {
      const { ours, theirs } = both(join(TSCLITE_DIR, 'tests.ref'), join(TSCLITE_DIR, 'tests.hyp'), flags);
      expect(theirs.size).toBeGreaterThan(50);
      for (const [id, lines] of theirs) expect(ours.get(id), `${flags.join(' ')} ${id}`).toEqual(lines);
    }
  });
});
