// CR LF line endings, per input format, against Debian's sclite on SCTK's own test data (trial 20, item 2): asrfair
// reads CR LF as LF everywhere, but sclite keeps the CR in a ctm line's last word ("the\r" ≠ "the"), so a CRLF ctm
// scored 0.1% correct in sclite and 56.9% in asrfair with nothing said. Now `score` says so, naming the file and line,
// for ctm (the only format where sclite differs: trn, stm and a ctm whose CR follows a blank score alike).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';
import { SCLITE, scliteAvailable } from './sclite-run.ts';

const SCTK = '/tmp/shared/data/sctk-sclite-testdata';
const dir = mkdtempSync(join(tmpdir(), 'asrfair-crlf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of an SCTK file with CR LF line endings. */
function crlf(name: string): string {
  const out = join(dir, `crlf-${name}`);
  writeFileSync(out, readFileSync(join(SCTK, name), 'utf8').replace(/\n/g, '\r\n'));
  return out;
}

/** sclite's Sum/Avg row (percentages) for the two files. */
function scliteSum(ref: string, refFormat: string, hyp: string, hypFormat: string, more: string[] = []): string {
  const r = spawnSync(SCLITE, ['-r', ref, refFormat, '-h', hyp, hypFormat, ...more, '-o', 'sum', 'stdout'], { encoding: 'utf8' });
  const row = r.stdout.split('\n').find((l) => l.includes('Sum/Avg'));
  if (!row) throw new Error(`sclite gave no Sum/Avg row: ${r.stderr}`);
  return row.replace(/\s+/g, ' ').trim();
}

/** asrfair's count line ("Segments: … hits … ins …") and its CRLF notes. */
async function score(ref: string, hyp: string, ...more: string[]): Promise<{ counts: string; notes: string[] }> {
  const r = await cli('score', '--ref', ref, '--hyp', hyp, ...more);
  expect(r.code, r.stderr).toBe(0);
  const lines = r.stdout.split('\n');
  return { counts: lines.find((l) => / hits \d+ +sub /.test(l)) ?? '', notes: lines.filter((l) => l.includes('CRLF')) };
}

describe.skipIf(!scliteAvailable)('CR LF line endings, as sclite reads them', () => {
  it('a CRLF ctm hypothesis (lvc): asrfair scores it as LF and says that sclite would not, naming file and line', async () => {
    const hyp = crlf('lvc_hyp.ctm');
    const ref = join(SCTK, 'lvc_ref.stm');
    // The premise: sclite's counts do change (every last word carries a CR).
    expect(scliteSum(ref, 'stm', hyp, 'ctm')).not.toBe(scliteSum(ref, 'stm', join(SCTK, 'lvc_hyp.ctm'), 'ctm'));
    const lf = await score(ref, join(SCTK, 'lvc_hyp.ctm'));
    const got = await score(ref, hyp);
    expect(got.counts).toBe(lf.counts);
    expect(lf.notes).toEqual([]);
    expect(got.notes).toEqual([`${hyp}:1: CRLF line endings read as LF; sclite would keep the \\r in the last word of each such line (1736 lines), so its counts differ`]);
  });

  it('a CRLF ctm reference whose CR follows a blank (tima): sclite is unchanged, so nothing is said', async () => {
    const ref = crlf('tima_ref.ctm');
    const hyp = join(SCTK, 'tima_hyp.ctm');
    expect(scliteSum(ref, 'ctm', hyp, 'ctm')).toBe(scliteSum(join(SCTK, 'tima_ref.ctm'), 'ctm', hyp, 'ctm'));
    const got = await score(ref, hyp, '--keep-time-faults');
    expect(got.counts).toBe((await score(join(SCTK, 'tima_ref.ctm'), hyp, '--keep-time-faults')).counts);
    expect(got.notes).toEqual([]);
  });

  it('CRLF stm and trn: sclite reads them as LF too, and nothing is said', async () => {
    const stm = crlf('lvc_ref.stm');
    expect(scliteSum(stm, 'stm', join(SCTK, 'lvc_hyp.ctm'), 'ctm')).toBe(scliteSum(join(SCTK, 'lvc_ref.stm'), 'stm', join(SCTK, 'lvc_hyp.ctm'), 'ctm'));
    expect((await score(stm, join(SCTK, 'lvc_hyp.ctm'))).notes).toEqual([]);
    const ref = crlf('tests.ref');
    const hyp = crlf('tests.hyp');
    expect(scliteSum(ref, 'trn', hyp, 'trn', ['-i', 'spu_id'])).toBe(scliteSum(join(SCTK, 'tests.ref'), 'trn', join(SCTK, 'tests.hyp'), 'trn', ['-i', 'spu_id']));
    const got = await score(ref, hyp);
    expect(got.notes).toEqual([]);
    expect(got.counts).toBe((await score(join(SCTK, 'tests.ref'), join(SCTK, 'tests.hyp'))).counts);
  });
});
