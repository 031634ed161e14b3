import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '../../bin/asrfair.mjs');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-score-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, 'score', ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('asrfair score', () => {
  it('prints the speaker table, cost model, rates and confusions; missing hyp = deletions; writes JSON', () => {
    const ref = join(dir, 'ref.trn');
    const hyp = join(dir, 'hyp.jsonl');
    writeFileSync(ref, 'The cat sat (alice-1)\nhello world (bob-1)\nmissing words here (bob-2)\n');
    writeFileSync(hyp, '{"id":"alice-1","text":"the cat sat"}\n{"id":"bob-1","text":"Hello, word!"}\n');
    const json = join(dir, 'out.json');
    const r = run(['--ref', ref, '--hyp', hyp, '--format', 'trn', '--normaliser', 'basic', '--json', json, '--confusions', '5']);
    // --format applies to both files: the JSONL hypothesis file is not trn, so this must fail clearly.
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${hyp}:1: trn line must end with an utterance id`);

    const ok = run(['--ref', ref, '--hyp', hyp, '--normaliser', 'basic', '--json', json, '--confusions', '5']);
    expect(ok.err).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/\| alice\s+\|\s+1\s+3 \|\s+100\.0\s+0\.0\s+0\.0\s+0\.0\s+0\.0\s+0\.0 \|/);
    expect(ok.out).toMatch(/\| bob\s+\|\s+2\s+5 \|\s+20\.0\s+20\.0\s+60\.0\s+0\.0\s+80\.0\s+100\.0 \|/);
    expect(ok.out).toContain('Cost model:  sclite');
    expect(ok.out).toContain('Normaliser:  basic v2');
    expect(ok.out).toContain('WER 50.00%');
    expect(ok.out).toContain('Missing hypotheses (scored as deletions; --missing-hyp): 1 (bob-2)');
    expect(ok.out).toMatch(/1 {2}world -> word/);
    const j = JSON.parse(readFileSync(json, 'utf8'));
    expect(j.words).toEqual({ ref: 8, hits: 4, sub: 1, del: 3, ins: 0 });
    expect(j.wer).toBe(0.5);
    expect(j.confusions.substitutions).toEqual([{ ref: 'world', hyp: 'word', count: 1 }]);

    // Without normalisation, case-sensitive (sclite -s), the capitalised and punctuated words count as errors.
    const raw = run(['--ref', ref, '--hyp', hyp, '--confusions', '0', '--costs', 'unit', '-s']);
    expect(raw.code).toBe(0);
    expect(raw.out).toContain('Cost model:  unit');
    expect(raw.out).toContain('WER 75.00%');
    // By default case is folded as sclite does: "The" = "the", "Hello," is still not "hello".
    const folded = run(['--ref', ref, '--hyp', hyp, '--confusions', '0', '--costs', 'unit']);
    expect(folded.out).toContain('WER 62.50%');
    expect(raw.out).not.toContain('Top substitutions');
  });

  it('a hypothesis without reference is an error naming it', () => {
    const ref = join(dir, 'r2.trn');
    const hyp = join(dir, 'h2.trn');
    writeFileSync(ref, 'a b (s-1)\n');
    writeFileSync(hyp, 'a b (s-1)\nextra (s-9)\n');
    const r = run(['--ref', ref, '--hyp', hyp]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${hyp}:2: hypothesis id "s-9" has no reference in ${ref}`);
  });

  it('rejects bad flag values', () => {
    const r = run(['--ref', 'x.trn', '--hyp', 'y.trn', '--costs', 'cheap']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--costs must be sclite or unit');
    const n = run(['--ref', 'x.trn', '--hyp', 'y.trn', '--normaliser', 'nope']);
    expect(n.code).toBe(2);
    expect(n.err).toContain('unknown normaliser "nope"');
  });
});
