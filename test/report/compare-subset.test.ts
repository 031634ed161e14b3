// `compare` of runs that cover part of their manifests (`run --limit N`) or of their suite's backends (`run --backend`)
// said nothing about it: a paired comparison of a 300-utterance run with a whole one printed its tables as if both were
// whole. The real Artie bias corpus with Amazon's and Google's real en-US answers: run A `--limit 300` (both backends),
// run B `--backend google-en-US` (every utterance). Every compare output (terminal, compare.md, compare.json) now says
// each side's subset at the top, and a warning (stderr once, and atop each report) on what the comparison rests on.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';

const MANIFEST = join(import.meta.dirname, '../../corpora/artie-bias-corpus/manifest.jsonl');
const PRED = join(import.meta.dirname, '../../../shared/data/artie-bias-corpus/predictions');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-compare-subset-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const suite = join(dir, 'vendors.yaml');
writeFileSync(
  suite,
  `name: vendors\nmanifest: ${MANIFEST}\ngroupBy: [accent]\nnormaliser: basic\nseed: 1\nbootstrap: { B: 200 }\nminCell: { speakers: 10, words: 500 }\nbackends:\n` +
    `  - { name: amazon-en-US, type: hypotheses, options: { file: ${PRED}/amazon/en-US/dec-9-2019.tsv, idFrom: basename-without-extension } }\n` +
    `  - { name: google-en-US, type: hypotheses, options: { file: ${PRED}/google/en-US/dec-4-2019.tsv, idFrom: basename-without-extension } }\n`,
);
const store = join(dir, 's.sqlite');
const limited = join(dir, 'limited');
const google = join(dir, 'google');
const whole = join(dir, 'whole');

const WARNING =
  'Runs A and B cover different utterances and backends: the comparison rests on the 300 utterances both runs hold ' +
  '(run A 300 (--limit 300, of 1,712 in its manifest), run B 1,712 (no --limit or --shard)); 0 only in run A and 1,412 only in run B ' +
  "are left out (counted per group below); run A ran 2 backends (every backend of its suite), run B 1 of its suite's 2 backends " +
  '(--backend google-en-US); 1 backend in both (google-en-US); compared: A amazon-en-US against B google-en-US.';
const SUBSET_A = 'Subset: this run covers 300 of 1,712 utterances of the manifest (--limit 300: the first 300 in manifest order); every count and rate is of this subset.';
const BACKENDS_B = `Backend subset: this run covers 1 of the suite's 2 backends (--backend google-en-US); not in this run: "amazon-en-US", left out by --backend, so run B says nothing about it.`;

type Result = Awaited<ReturnType<typeof cli>>;
let cmp: Result;
let idA = '';
let idB = '';
beforeAll(async () => {
  for (const [out, extra] of [[limited, ['--limit', '300']], [google, ['--backend', 'google-en-US']], [whole, []]] as const) {
    const r = await cli('run', suite, ...extra, '--store', store, '--out', out, '--no-progress', '--no-gate');
    if (r.code !== 0) throw new Error(r.stderr);
  }
  idA = (JSON.parse(readFileSync(join(limited, 'run.json'), 'utf8')) as { runId: string }).runId;
  idB = (JSON.parse(readFileSync(join(google, 'run.json'), 'utf8')) as { runId: string }).runId;
  cmp = await cli('compare', limited, google, '--backend-a', 'amazon-en-US', '--bootstrap', '200', '--format', 'md,json', '--out', join(dir, 'cmp'));
}, 240_000);

describe('compare says what subset each side is and on what the comparison rests', () => {
  it('one warning line on stderr, escaped through warnLine', () => {
    expect(cmp.code, cmp.stderr).toBe(0);
    expect(cmp.stderr.split('\n').filter((l) => l.includes('cover different'))).toEqual([`asrfair: warning: ${WARNING}`]);
  });

  it('the terminal output opens with the warning and each side\'s subset, before the first condition', () => {
    const lines = cmp.stdout.split('\n');
    const first = lines.findIndex((l) => l.startsWith('Condition '));
    expect(lines.indexOf(`WARNING: ${WARNING}`)).toBe(1);
    expect(lines.indexOf(`Run A (${idA}): ${SUBSET_A}`)).toBeGreaterThan(1);
    expect(lines.indexOf(`Run A (${idA}): ${SUBSET_A}`)).toBeLessThan(first);
    expect(lines).toContain(
      `Run A (${idA}): Not in this run (by accent): "ireland" (21 utterances in the manifest), "newzealand" (11 utterances in the manifest), "southatlandtic" (3 utterances in the manifest): declared in the manifest, left out by the limit, so run A says nothing about them.`,
    );
    expect(lines.indexOf(`Run B (${idB}): ${BACKENDS_B}`)).toBeLessThan(first);
    expect(lines[first]).toBe('Condition clean: 300 paired utterances (0 only in A, 1412 only in B, 0 with a failure left out, 0 with a different reference left out)');
  });

  it('compare.md says the same at its top', () => {
    const md = readFileSync(join(dir, 'cmp', 'compare.md'), 'utf8');
    const table = md.indexOf('## Condition');
    for (const l of [`WARNING: ${WARNING}`, `Run A (${idA}): ${SUBSET_A}`, `Run B (${idB}): ${BACKENDS_B}`]) {
      // mdEscape escapes Markdown's punctuation; compare on the text with the escapes removed.
      const at = md.replace(/\\([\\`*_{}[\]()#+\-.!|<>~])/g, '$1').indexOf(l);
      expect(at, l).toBeGreaterThan(0);
      expect(at).toBeLessThan(table);
    }
  });

  it('compare.json has the warning first and each side\'s records with counts', () => {
    const j = JSON.parse(readFileSync(join(dir, 'cmp', 'compare.json'), 'utf8')) as {
      warnings: string[];
      coverage: { a: { utterances: number; subset?: { limit: number } }; b: { utterances: number; backendSubset?: { notInRun: string[] } }; sharedUtterances: number; sharedBackends: string[]; lines: string[] };
    };
    expect(j.warnings[0]).toBe(WARNING);
    expect(j.coverage.sharedUtterances).toBe(300);
    expect(j.coverage.a.utterances).toBe(300);
    expect(j.coverage.a.subset?.limit).toBe(300);
    expect(j.coverage.b.utterances).toBe(1712);
    expect(j.coverage.b.backendSubset?.notInRun).toEqual(['amazon-en-US']);
    expect(j.coverage.sharedBackends).toEqual(['google-en-US']);
    expect(j.coverage.lines).toContain(`Run A (${idA}): ${SUBSET_A}`);
  });

  it('the two backends of one limited run: its subset said once, no warning (same utterances)', async () => {
    const r = await cli('compare', limited, limited, '--backend-a', 'amazon-en-US', '--backend-b', 'google-en-US', '--bootstrap', '200');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('cover different');
    expect(r.stdout).not.toContain('WARNING');
    expect(r.stdout.split('\n')).toContain(`Runs A and B (one run, ${idA}): ${SUBSET_A}`);
  });

  it('a whole run against the --backend run: the backends differ, the utterances do not', async () => {
    const r = await cli('compare', whole, google, '--backend-a', 'amazon-en-US', '--bootstrap', '200');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      "asrfair: warning: Runs A and B cover different backends: run A ran 2 backends (every backend of its suite), run B 1 of its suite's 2 backends (--backend google-en-US); 1 backend in both (google-en-US); compared: A amazon-en-US against B google-en-US.",
    );
    expect(r.stdout).toMatch(/^Run A \(\S+\): no subset: it read its manifests whole and ran every backend of its suite\.$/m);
  });

  it('two whole runs: nothing added', async () => {
    const r = await cli('compare', whole, whole, '--backend-a', 'amazon-en-US', '--backend-b', 'google-en-US', '--bootstrap', '200');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr + r.stdout).not.toMatch(/cover different|Subset|no subset/);
  });
});
