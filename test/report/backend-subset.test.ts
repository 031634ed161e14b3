// A run of some of its suite's backends (closing note of stop 25: `run --backend X` was not recorded as a subset and a
// gate on it passed). The real Artie bias corpus with Amazon's and Google's real en-US answers: `run --backend
// google-en-US` records the backend left out in run.json, every card says so before its tables, and the gate (`run`'s
// suite gate and `check`) fails on the backend left out unless --allow-subset, with which it gates Google only — and
// still fails when Google itself crosses a threshold.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';
import { loadRunForReport } from '../../src/score/run-export.ts';

const MANIFEST = join(import.meta.dirname, '../../corpora/artie-bias-corpus/manifest.jsonl');
const PRED = join(import.meta.dirname, '../../../shared/data/artie-bias-corpus/predictions');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-backend-subset-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const suiteText = (gate: string) =>
  `name: vendors\nmanifest: ${MANIFEST}\ngroupBy: [accent]\nnormaliser: basic\nseed: 1\nbootstrap: { B: 200 }\nminCell: { speakers: 10, words: 500 }\n` +
  `gate: ${gate}\nbackends:\n` +
  `  - { name: amazon-en-US, type: hypotheses, options: { file: ${PRED}/amazon/en-US/dec-9-2019.tsv, idFrom: basename-without-extension } }\n` +
  `  - { name: google-en-US, type: hypotheses, options: { file: ${PRED}/google/en-US/dec-4-2019.tsv, idFrom: basename-without-extension } }\n`;
const suite = join(dir, 'vendors.yaml');
// A gate both vendors pass on the whole corpus (every WER under 100%): only the backend left out can fail it.
writeFileSync(suite, suiteText('{ maxWer: 1, maxFailedShare: 1, includeSmallCells: true }'));
const store = join(dir, 's.sqlite');
const LINE = `Backend subset: this run covers 1 of the suite's 2 backends (--backend google-en-US); not in this run: "amazon-en-US", left out by --backend, so the card says nothing about it.`;
const VIOLATION = `backend "amazon-en-US" of the suite is not in this run: --backend google-en-US left it out, so the gate never measured it (--allow-subset to gate the backends that ran only, knowingly)`;

type Result = Awaited<ReturnType<typeof cli>>;
let google: Result;
let check: Result;
let allowed: Result;
const out = join(dir, 'google');
beforeAll(async () => {
  google = await cli('run', suite, '--backend', 'google-en-US', '--store', store, '--out', out, '--no-progress');
  await cli('report', out);
  check = await cli('check', out);
  allowed = await cli('check', out, '--allow-subset');
}, 180_000);

describe('run --backend with some of the suite backends is recorded and gated as a subset', () => {
  it('run --dry-run says it before anything is sent', async () => {
    const dry = await cli('run', suite, '--backend', 'google-en-US', '--dry-run', '--store', store);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout.split('\n')).toContain(LINE);
  });

  it('run.json records the suite backends and the one left out; run says so', () => {
    expect(loadRunForReport(out).meta.backendSubset).toEqual({ suiteBackends: ['amazon-en-US', 'google-en-US'], notInRun: ['amazon-en-US'] });
    expect(google.stderr).toContain(`asrfair: ${LINE}`);
  });

  it("the run's suite gate fails on the backend left out (exit 1), naming it and --allow-subset", () => {
    expect(google.code, google.stdout + google.stderr).toBe(1);
    expect(google.stderr.split('\n')).toContain(VIOLATION);
    expect(google.stdout).toMatch(/^FAIL: 1 backend of the suite not in this run \(backend-not-in-run\); no threshold crossed in the \d+ groups of \d+ tables? in the run .*; backend subset: 1 of the suite's 2 backends \(--backend google-en-US\)$/m);
  });

  it('every card format says it before its first table', () => {
    const md = readFileSync(join(out, 'report', 'card.md'), 'utf8');
    expect(md.indexOf(LINE)).toBeGreaterThan(0);
    expect(md.indexOf(LINE)).toBeLessThan(md.indexOf('|'));
    const html = readFileSync(join(out, 'report', 'card.html'), 'utf8');
    const escaped = LINE.replaceAll('"', '&quot;').replaceAll("'", '&#39;');
    expect(html.indexOf(escaped)).toBeGreaterThan(0);
    expect(html.indexOf(escaped)).toBeLessThan(html.indexOf('<table'));
    const json = JSON.parse(readFileSync(join(out, 'report', 'card.json'), 'utf8')) as { warnings: string[]; meta: { backendSubset: unknown } };
    expect(json.warnings).toContain(LINE);
    expect(json.meta.backendSubset).toEqual({ suiteBackends: ['amazon-en-US', 'google-en-US'], notInRun: ['amazon-en-US'] });
    expect(readFileSync(join(out, 'report', 'card-notes.csv'), 'utf8')).toContain('Backend subset: this run covers 1 of the suite');
  });

  it('check (the suite gate from run.json) fails on it too, exit 1', () => {
    expect(check.code, check.stdout + check.stderr).toBe(1);
    expect(check.stderr.split('\n')).toContain(LINE);
    expect(check.stderr.split('\n')).toContain(VIOLATION);
  });

  it('check --allow-subset gates the backend that ran only, and says so', () => {
    expect(allowed.code, allowed.stdout + allowed.stderr).toBe(0);
    expect(allowed.stdout.split('\n')).toContain(LINE);
    expect(allowed.stdout).toMatch(/^PASS: .*; backend subset: 1 of the suite's 2 backends \(--backend google-en-US\), accepted with --allow-subset: this gate concerns "google-en-US" only$/m);
  });

  it('with --allow-subset a threshold the backend that ran crosses still fails the gate', async () => {
    // Google en-US on Artie: "england" 30.3% WER (README, part a); every group's WER is over 5%.
    const c = await cli('check', out, '--allow-subset', '--max-wer', '0.05', '--max-failed-share', '1', '--include-small-cells');
    expect(c.code, c.stdout + c.stderr).toBe(1);
    expect(c.stderr).toMatch(/google-en-US .*group "england" WER 30\.\d% .* exceeds --max-wer 0\.05 = 5\.0%/);
    expect(c.stderr).not.toContain('backend-not-in-run');
    expect(c.stdout).toMatch(/accepted with --allow-subset: this gate concerns "google-en-US" only$/m);
  });

  it('run --backend … --allow-subset passes the suite gate; naming every backend is no subset', async () => {
    const ok = await cli('run', suite, '--backend', 'google-en-US', '--allow-subset', '--store', store, '--out', join(dir, 'google-ok'), '--no-progress');
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^PASS: .*accepted with --allow-subset: this gate concerns "google-en-US" only$/m);
    const all = await cli('run', suite, '--backend', 'google-en-US,amazon-en-US', '--store', store, '--out', join(dir, 'all'), '--no-progress');
    expect(all.code, all.stdout + all.stderr).toBe(0);
    expect(loadRunForReport(join(dir, 'all')).meta.backendSubset).toBeUndefined();
    expect(all.stdout + all.stderr).not.toContain('Backend subset');
  }, 180_000);
});
