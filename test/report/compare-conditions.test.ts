// `compare` of runs with different condition sets dropped the unshared conditions without a word (trial 16, defect 5).
// The trial's own runs (fixtures/t16-conditions): PocketSphinx on 21 real clips (Common Voice us/england/indian, 8 kHz
// Australian/New Zealand clips, speechocean762 Mandarin speakers); run A under clean, telephone, noise10, gsm, opus8;
// run B under clean, telephone, gsm. Now a warning names each side's missing conditions: stderr, and atop the text,
// compare.md and compare.json (`warnings`), like the utterance/backend subset warning.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';

const FIX = join(import.meta.dirname, 'fixtures/t16-conditions');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-compare-conditions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const WARNING =
  'Runs A and B cover different conditions: the comparison rests on the 3 conditions both hold (clean, gsm, telephone); left out: only in run A: noise10, opus8; only in run B: none.';

describe('compare: conditions only one run holds', () => {
  it('are named in one warning on stderr and atop the text, compare.md and compare.json', async () => {
    const r = await cli('compare', join(FIX, 'a'), join(FIX, 'b'), '--format', 'md,json', '--out', dir, '--bootstrap', '200');
    expect(r.code).toBe(0);
    expect(r.stderr.split('\n').filter((l) => l.includes('cover different conditions'))).toEqual([`asrfair: warning: ${WARNING}`]);
    expect(r.stdout).toContain(`WARNING: ${WARNING}`);
    expect(r.stdout.match(/^Condition \w+:/gm)).toEqual(['Condition clean:', 'Condition gsm:', 'Condition telephone:']);
    expect(readFileSync(join(dir, 'compare.md'), 'utf8')).toContain('cover different conditions: the comparison rests on the 3 conditions both hold');
    const json = JSON.parse(readFileSync(join(dir, 'compare.json'), 'utf8')) as { warnings: string[] };
    expect(json.warnings).toContain(WARNING);
  }, 120_000);

  it('the other way round names the other side; the same conditions on both sides, or a --condition chosen, warn nothing', async () => {
    const r = await cli('compare', join(FIX, 'b'), join(FIX, 'a'), '--bootstrap', '200');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('left out: only in run A: none; only in run B: noise10, opus8.');
    const same = await cli('compare', join(FIX, 'a'), join(FIX, 'a'), '--bootstrap', '200');
    expect(same.stderr + same.stdout).not.toMatch(/cover different conditions/);
    const chosen = await cli('compare', join(FIX, 'a'), join(FIX, 'b'), '--condition', 'clean', '--bootstrap', '200');
    expect(chosen.code).toBe(0);
    expect(chosen.stderr + chosen.stdout).not.toMatch(/cover different conditions/);
  }, 120_000);
});
