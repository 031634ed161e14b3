/**
 * `asrfair demo` reads every selected part's inputs before any part decodes (suite, manifests, import records): a
 * broken part (b) was found only when it started, after part (a) had scored 6 × 1,712 vendor answers and part (b)'s
 * first corpus had been decoded. Now: exit 2 and one line naming the part and the file:line, nothing run or written.
 * A copy of the project (its shipped suites point at its shipped corpora), whose copies of real manifests and import
 * records (speechocean762, Common Voice 6.1) are then broken.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';

const ROOT = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-demo-inputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of the project (sources run through tsx), for one case. */
function project(name: string): string {
  const p = join(dir, name);
  for (const f of ['bin', 'src', 'manifests', 'corpora', 'package.json', 'tsconfig.json']) cpSync(join(ROOT, f), join(p, f), { recursive: true });
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(p, 'node_modules'));
  return p;
}

/** `demo --parts a,b` of the copy `p`, in `p`. */
function demo(p: string): { code: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [join(p, 'bin', 'asrfair.mjs'), 'demo', '--parts', 'a,b', '--live-limit', '2', '--no-progress', '--store', join(p, 'store.sqlite')], { cwd: p, encoding: 'utf8', timeout: 600_000 });
  return { code: r.status, stderr: r.stderr };
}

describe('demo checks every selected part\'s inputs before decoding', () => {
  it('a manifest line that is not JSON in part (b)\'s last corpus: one line naming the part and manifest:line, nothing run', () => {
    const p = project('manifest');
    const m = join(p, 'corpora', 'speechocean762-sample', 'manifest.jsonl');
    const lines = readFileSync(m, 'utf8').split('\n');
    lines[4] = lines[4]!.slice(0, 40);
    writeFileSync(m, lines.join('\n'));
    const r = demo(p);
    expect(r.code, r.stderr).toBe(2);
    const said = r.stderr.trim().split('\n').filter((l) => l.startsWith('asrfair:'));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(new RegExp(`^asrfair: demo \\(b\\) Live recogniser on real speech \\(speechocean\\): ${m.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:5: .*; nothing was decoded$`));
    // Part (a) did not run: no export, no store.
    expect(r.stderr).not.toMatch(/^demo \(a\)/m);
    expect(existsSync(join(p, 'reports', 'demo', 'latest', 'real-vendors'))).toBe(false);
    expect(existsSync(join(p, 'store.sqlite'))).toBe(false);
  }, 600_000);

  it('a malformed import record of part (b)\'s first corpus: one line naming the part and the record file:line', () => {
    const p = project('record');
    const rec = join(p, 'corpora', 'cv-6.1-en-sample', 'manifest.import.json');
    writeFileSync(rec, readFileSync(rec, 'utf8').replace('"speakers": 95,', '"speakers": 95,,'));
    const r = demo(p);
    expect(r.code, r.stderr).toBe(2);
    const said = r.stderr.trim().split('\n').filter((l) => l.startsWith('asrfair:'));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(new RegExp(`^asrfair: demo \\(b\\) Live recogniser on real speech \\(cv\\): ${rec.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:5: import record is not valid JSON`));
    expect(existsSync(join(p, 'reports', 'demo', 'latest', 'real-vendors'))).toBe(false);
  }, 600_000);
});
