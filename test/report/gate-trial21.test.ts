// `asrfair check` and the suite `gate:` after user trial 21, on the Artie bias corpus imported as the trial did
// (`import commonvoice`, ids "cv-…") with Amazon's and Google's real en-US answers: a flag silently replaced the
// whole suite gate; `gate: {}` passed 4 lost utterances; messages named a flag nobody gave, printed 1e-9 as 0.0,
// and counted backends left out as thresholds; a failure's verdict went to stderr only; a repeated flag took the
// last value; an old run.json without `results` passed 424 missing rows; maxDegradationGap without conditions was
// refused only after the run.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';

const DATA = join(import.meta.dirname, '../../../shared/data/artie-bias-corpus');
const AMAZON = join(DATA, 'predictions/amazon/en-US/dec-9-2019.tsv');
const GOOGLE = join(DATA, 'predictions/google/en-US/dec-4-2019.tsv');
/** The 4 clips the trial removed from Google's answers (google_lost.tsv): 3 "indian", 1 "us". */
const LOST = ['common_voice_en_1272597', 'common_voice_en_17286287', 'common_voice_en_18274221', 'common_voice_en_18506358'];

const dir = mkdtempSync(join(tmpdir(), 'asrfair-gate-t21-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The trial's suite s2.yaml: both vendors, basic normaliser, with `gate` (YAML) and Google's answers from `google`. */
function suite(name: string, gate: string, google = GOOGLE, extra = ''): string {
  const file = join(dir, `${name}.yaml`);
  const backend = (n: string, f: string) => `  - { name: ${n}, type: hypotheses, options: { file: ${f}, idFrom: basename-without-extension, idPrefix: "cv-" } }\n`;
  writeFileSync(
    file,
    `name: ${name}\nmanifest: artie.jsonl\ngroupBy: [accent]\nnormaliser: basic\nseed: 1\nbootstrap: { B: 200 }\n${extra}backends:\n${backend('amazon', AMAZON)}${backend('google', google)}gate: ${gate}\n`,
  );
  return file;
}

const run = (name: string, s: string) => cli('run', s, '--store', join(dir, 'store.sqlite'), '--out', join(dir, name), '--no-progress');
const errLines = (r: { stderr: string }) => r.stderr.trimEnd().split('\n').filter(Boolean);

let vendors: Awaited<ReturnType<typeof cli>>;
let lostEmpty: Awaited<ReturnType<typeof cli>>;
let empty: Awaited<ReturnType<typeof cli>>;
beforeAll(async () => {
  const imp = await cli('import', 'commonvoice', join(DATA, 'data/artie-bias-corpus.tsv'), '-o', join(dir, 'artie.jsonl'));
  expect(imp.code, imp.stderr).toBe(0);
  const rows = readFileSync(GOOGLE, 'utf8').trimEnd().split('\n');
  const lost = join(dir, 'google_lost.tsv');
  writeFileSync(lost, rows.filter((r) => !LOST.includes(r.split('\t')[0].replace(/\.wav$/, ''))).join('\n') + '\n');
  vendors = await run('vendors', suite('vendors', '{ maxGap: 0.15, maxWer: 0.5 }'));
  lostEmpty = await run('lostempty', suite('lostempty', '{}', lost));
  empty = await run('empty', suite('empty', '{}'));
}, 300_000);

describe('threshold flags and the suite gate: each flag replaces its key, the rest of the suite gate applies', () => {
  it("check RA fails on the suite's maxGap (amazon indian 16.5 points above us), naming the suite key, not a flag", async () => {
    const r = await cli('check', join(dir, 'vendors'));
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toBe("gate: gate.maxGap 0.15, gate.maxWer 0.5 (the suite's, from run.json); lost utterances: none allowed (default 0)");
    expect(r.stderr).toMatch(/^amazon · condition clean · by accent: group "indian" WER 34\.7% is 16\.5 points above best group "us" \[95% CI [\d.]+, [\d.]+\], over gate\.maxGap 0\.15 = 15\.0 points \(154 speakers, 2229 ref words, adj\. p vs the rest /m);
    expect(r.stdout + r.stderr).not.toContain('--max-gap');
  });

  it('check RA --max-wer 0.5 still applies the suite\'s maxGap (it passed, exit 0), and says so', async () => {
    const r = await cli('check', join(dir, 'vendors'), '--max-wer', '0.5');
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toBe(
      "gate: --max-wer 0.5 (flag, as the suite's gate.maxWer); gate.maxGap 0.15 (the suite's, from run.json; --no-suite-gate for the flags only); lost utterances: none allowed (default 0)",
    );
    expect(r.stderr).toContain('over gate.maxGap 0.15 = 15.0 points');
    expect(r.stdout).toMatch(/^FAIL: 1 threshold crossed \(1 max-gap\) in 1 of 36 groups/m);
  });

  it('a flag for the same key replaces the suite value; --no-suite-gate applies the flags only, and says so', async () => {
    const looser = await cli('check', join(dir, 'vendors'), '--max-gap', '0.2');
    expect(looser.code, looser.stdout + looser.stderr).toBe(0);
    expect(looser.stdout.split('\n')[0]).toBe(
      "gate: --max-gap 0.2 (flag, in place of the suite's gate.maxGap 0.15); gate.maxWer 0.5 (the suite's, from run.json; --no-suite-gate for the flags only); lost utterances: none allowed (default 0)",
    );
    expect(looser.stdout).toMatch(/^PASS: 8 groups in 2 tables within WER ≤ 50\.0%, gap to the best group ≤ 20\.0 points/m);
    const only = await cli('check', join(dir, 'vendors'), '--max-wer', '0.5', '--no-suite-gate');
    expect(only.code, only.stdout + only.stderr).toBe(0);
    expect(only.stdout.split('\n')[0]).toBe(`gate: --max-wer 0.5 (flag); lost utterances: none allowed (default 0); the suite's gate {"maxGap":0.15,"maxWer":0.5} in run.json is not applied (--no-suite-gate)`);
    expect(only.stdout).toMatch(/^PASS: 8 groups in 2 tables within WER ≤ 50\.0%;/m);
  });

  it("run's own suite gate names the suite key, and its verdict is on stdout", () => {
    expect(vendors.code).toBe(1);
    expect(vendors.stderr).toContain('group "indian" WER 34.7% is 16.5 points above best group "us"');
    expect(vendors.stderr).toContain('over gate.maxGap 0.15 = 15.0 points');
    expect(vendors.stdout).toMatch(/^FAIL: 1 threshold crossed \(1 max-gap\)/m);
    expect(vendors.stderr).not.toMatch(/^(FAIL|PASS)/m);
  });
});

describe('an empty suite gate (gate: {}) applies the default checks', () => {
  it('run: 4 lost Google utterances fail it (exit 1; it exited 0 with no gate line)', () => {
    expect(lostEmpty.code, lostEmpty.stdout + lostEmpty.stderr).toBe(1);
    expect(lostEmpty.stdout).toContain('suite gate {} (no threshold: the default checks only, lost utterances and groups or backends with nothing scored fail) (--no-gate to skip):');
    expect(lostEmpty.stderr).toContain(
      'google · condition clean · by accent: group "indian" lost 3 of 264 utterances (1.1%: 3 failed), over gate.maxFailedShare 0 (not set in the suite, so the default: any lost utterance fails the gate)',
    );
    expect(lostEmpty.stdout).toMatch(/^FAIL: 2 thresholds crossed \(2 max-failed-share\) in 2 of 36 groups .*; 4 utterances lost \(failed or missing\) in 2 groups/m);
  });

  it('check: the same verdict with a gate line (it said "this run records no suite gate", exit 2)', async () => {
    const r = await cli('check', join(dir, 'lostempty'));
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toBe("gate: the suite's gate {} in run.json sets no threshold: the default checks only; lost utterances: none allowed (default 0)");
    expect(r.stdout).toMatch(/^FAIL: 2 thresholds crossed \(2 max-failed-share\)/m);
  });

  it('nothing lost: run and check pass on the default checks, each with its line', async () => {
    expect(empty.code, empty.stdout + empty.stderr).toBe(0);
    expect(empty.stdout).toContain('suite gate {} (no threshold: the default checks only');
    expect(empty.stdout).toMatch(/^PASS: 8 groups in 2 tables on the default checks only \(no threshold set\); no failed or missing utterance/m);
    const r = await cli('check', join(dir, 'empty'));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^gate: the suite's gate \{\} in run\.json sets no threshold: the default checks only;[^]*\nPASS: 8 groups/);
  });
});

describe('check messages', () => {
  it('--max-gap 1e-9 prints the limit as given and in points with enough digits (it printed "0.0 points")', async () => {
    const r = await cli('check', join(dir, 'vendors'), '--max-gap', '1e-9', '--no-suite-gate');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('over --max-gap 1e-9 = 1e-7 points');
    expect(r.stdout).toMatch(/^FAIL: .*; no failed or missing utterance/m);
  });

  it('the p beside a gap to the best group is said to be the group-vs-rest test\'s', async () => {
    const r = await cli('check', join(dir, 'vendors'));
    const line = r.stderr.split('\n').find((l) => l.includes('above best group'))!;
    expect(line).toMatch(/adj\. p vs the rest [\d.<]+/);
    expect(line).not.toMatch(/[(,] adj\. p \d/);
  });
});

describe('streams: the verdict goes to stdout whether PASS or FAIL', () => {
  it('check > gate.log keeps the gate line and the FAIL verdict; the reasons stay on stderr', async () => {
    const r = await cli('check', join(dir, 'vendors'));
    const out = r.stdout.trimEnd().split('\n');
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(/^gate: /);
    expect(out[1]).toMatch(/^FAIL: /);
    expect(r.stderr).toMatch(/^amazon · condition clean · by accent: group "indian"/m);
  });
});

describe('a value flag given twice is refused (exit 2), not settled by the last', () => {
  it('check --max-gap 0.1 --max-gap 0.5 (it passed on 0.5)', async () => {
    const r = await cli('check', join(dir, 'vendors'), '--max-gap', '0.1', '--max-gap', '0.5');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(errLines(r)).toEqual(['asrfair: check: --max-gap is given twice (0.1, then 0.5); give it once']);
  });

  it('any command, = form too; a repeatable flag (--slices) still repeats', async () => {
    const r = await cli('report', join(dir, 'vendors'), '--bootstrap=200', '--bootstrap', '300', '--out', join(dir, 'rep'));
    expect(r.code).toBe(2);
    expect(errLines(r)).toEqual(['asrfair: report: --bootstrap is given twice (200, then 300); give it once']);
    expect(existsSync(join(dir, 'rep'))).toBe(false);
    const s = await cli('check', join(dir, 'vendors'), '--max-wer', '0.9', '--no-suite-gate', '--slices', 'accent,gender', '--slices', 'none');
    expect(s.stderr).not.toContain('given twice');
  });
});

describe('an export whose run.json records no row count (before asrfair recorded it)', () => {
  it('424 rows cut: compared with the corpus size run.json records, exit 2 naming the gap (it passed)', async () => {
    const old = join(dir, 'old');
    cpSync(join(dir, 'vendors'), old, { recursive: true });
    const meta = JSON.parse(readFileSync(join(old, 'run.json'), 'utf8'));
    delete meta.results;
    writeFileSync(join(old, 'run.json'), JSON.stringify(meta, null, 2));
    const rows = readFileSync(join(old, 'results.jsonl'), 'utf8').trimEnd().split('\n');
    // As the trial's: whole utterances cut from both backends, so only the recorded corpus size shows the gap.
    const cut = new Set([...new Set(rows.map((l) => (JSON.parse(l) as { id: string }).id))].slice(-212));
    writeFileSync(join(old, 'results.jsonl'), rows.filter((l) => !cut.has((JSON.parse(l) as { id: string }).id)).join('\n') + '\n');
    for (const cmd of [['check', old], ['report', old, '--out', join(dir, 'old-rep')]]) {
      const r = await cli(...cmd);
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(errLines(r)).toHaveLength(1);
      expect(errLines(r)[0]).toContain(
        `results.jsonl: has 3,000 rows, but run.json's corpus.imports (artie.jsonl) records 1,712 utterances and 2 of its 2 backend × conditions have fewer (424 rows missing: amazon · clean 1,500 of 1,712, google · clean 1,500 of 1,712)`,
      );
    }
  });

  it('whole: read as before, with the note', async () => {
    const old = join(dir, 'old-whole');
    cpSync(join(dir, 'vendors'), old, { recursive: true });
    const meta = JSON.parse(readFileSync(join(old, 'run.json'), 'utf8'));
    delete meta.results;
    writeFileSync(join(old, 'run.json'), JSON.stringify(meta, null, 2));
    const r = await cli('check', old, '--max-gap', '0.2');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toContain('records no row count of results.jsonl');
  });
});

describe('suite gate: maxDegradationGap without conditions is refused when the suite is loaded', () => {
  it('run exits 2 at once naming file:line of the key (it was refused only after the whole run)', async () => {
    const file = suite('gdeg', '{ maxDegradationGap: 0.1 }');
    const r = await cli('run', file, '--store', join(dir, 'gdeg.sqlite'), '--out', join(dir, 'gdeg'), '--no-progress');
    expect(r.code).toBe(2);
    expect(errLines(r)).toEqual([
      `asrfair: ${file}:10: gate.maxDegradationGap needs the clean condition "clean" and at least one other condition (conditions:) to compare it with; this suite has clean`,
    ]);
    expect(existsSync(join(dir, 'gdeg'))).toBe(false);
    expect(existsSync(join(dir, 'gdeg.sqlite'))).toBe(false);
  });
});
