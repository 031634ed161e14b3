/**
 * Issue 14, end to end on the real demo (flite voices → PocketSphinx): run.json records every
 * analysis setting; `report` and `check` reproduce the run's card and gate by default and name an
 * override; `run` evaluates the suite's gate; the demo prints a terminal summary, not the card.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.ts';

const cwd = mkdtempSync(join(tmpdir(), 'asrfair-runcard-'));
const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
// The demo's synthetic part (c): a PocketSphinx run on flite voices, from manifests/suites/demo.yaml.
const runDir = join(cwd, 'reports/demo/latest/synthetic');
const cardFiles = ['card.md', 'card.json', 'card.csv', 'card.html'];
const hashes = (dir: string) => Object.fromEntries(cardFiles.map((f) => [f, createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')]));

let demo: ReturnType<typeof run>;
beforeAll(() => {
  demo = run('demo', '--parts', 'c', '--no-planted', '--voices', 'fliteslt,fliteawb', '--speakers', '3', '--sentences', '3', '--no-progress');
}, 300_000);
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe('the run records its analysis settings and its card is reproducible', () => {
  it('run.json records grouping, slices, cells, bootstrap, seed, metrics, correction, model and gate from the suite', () => {
    // Every cell is below the suite's minimum, so its gate fails ("no group to check"): said last as a finding; exit 0.
    expect(demo.code).toBe(0);
    expect(demo.stderr.trimEnd().split('\n').at(-1)).toMatch(/^asrfair: demo \(c\) Synthetic accents \(TTS voices\): suite gate FAIL: no group to check: every group is below the minimum cell rule \(\d+ not enough data; groups have [\d–]+ speakers and [\d–]+ ref words; the minimum is \d+ speakers and \d+ ref words; --include-small-cells to check them, or --min-speakers\/--min-words to lower the minimum\) \(every report is written; asrfair check reports\/demo\/latest\/synthetic repeats it\) — a finding of the demo, not an error \(--gate-exit makes it exit 1\)$/);
    for (const f of cardFiles) expect(readFileSync(join(runDir, 'report', f)).length).toBeGreaterThan(0);
    expect(readFileSync(join(cwd, 'reports/demo/latest/card.md'), 'utf8')).toContain('## (c) Synthetic accents');
    const meta = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as { analysis: Record<string, unknown> };
    // manifests/suites/demo.yaml's values.
    expect(meta.analysis).toEqual({
      groupBy: ['accent'],
      slices: [['accent', 'tts_engine'], ['accent', 'gender']],
      minCell: { speakers: 3, words: 200 },
      bootstrap: 1000,
      seed: 1,
      metrics: ['wer', 'cer', 'per'],
      headline: 'pooled',
      correction: 'holm',
      model: 'poisson',
      alpha: 0.05,
      cleanCondition: 'clean',
      gate: { maxGap: 0.15, maxWer: 0.8, groupRatio: 2 },
    });
  });

  it('asrfair report <run> rewrites the demo card byte for byte, with every slice of the suite', () => {
    const before = hashes(join(runDir, 'report'));
    const md = readFileSync(join(runDir, 'report/card.md'), 'utf8');
    expect(md).toContain('by slice accent×tts\\_engine');
    expect(md).toContain('by slice accent×gender');
    expect(md).toContain('1000 resamples, seed 1');
    expect(md).not.toContain("Not the run's card");
    const r = run('report', 'reports/demo/latest/synthetic');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/differs from the run/);
    expect(hashes(join(runDir, 'report'))).toEqual(before);
  });

  it('a flag that changes a setting is named at the top of the card (and nowhere when it repeats the run\'s)', () => {
    const same = run('report', 'reports/demo/latest/synthetic', '--bootstrap', '1000', '--out', 'same');
    expect(same.code).toBe(0);
    expect(readFileSync(join(cwd, 'same/card.md'), 'utf8')).toBe(readFileSync(join(runDir, 'report/card.md'), 'utf8'));
    const other = run('report', 'reports/demo/latest/synthetic', '--bootstrap', '500', '--slices', 'accent,gender', '--out', 'other');
    expect(other.code).toBe(0);
    expect(other.stdout).toContain("setting differs from the run's: --bootstrap 500 (run: 1000)");
    const md = readFileSync(join(cwd, 'other/card.md'), 'utf8');
    expect(md.split('\n').slice(0, 8).join('\n')).toMatch(/Not the run's card: settings overridden on the command line: --slices accent,gender \(run: accent,tts\\_engine and accent,gender\); --bootstrap 500 \(run: 1000\)/);
    expect(md).not.toContain('by slice accent×tts\\_engine');
    const json = JSON.parse(readFileSync(join(cwd, 'other/card.json'), 'utf8')) as { settings: { overrides: string[]; bootstrap: number } };
    expect(json.settings.bootstrap).toBe(500);
    expect(json.settings.overrides).toHaveLength(2);
    expect(readFileSync(join(cwd, 'other/card.html'), 'utf8')).toContain('Not the run&#39;s card');
  });
});

describe('the suite gate', () => {
  it('check without thresholds applies the gate run.json records; small cells are "not enough data", not failures', () => {
    // 3 speakers × 3 sentences per voice: every cell is under the suite's 200-word minimum.
    const r = run('check', 'reports/demo/latest/synthetic');
    expect(r.stdout).toMatch(/^gate: gate\.maxGap 0\.15, gate\.maxWer 0\.8, gate\.groupRatio 2 \(the suite's, from run\.json\)/m);
    // Nothing the gate can evaluate: exit 2, not 1 (trial 16).
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^not enough data, not checked \(below 3 speakers or 200 ref words\): pocketsphinx · condition clean · by accent: \d+ groups: .*"us"/m);
    expect(r.stdout).toMatch(/^FAIL: no group to check: every group is below the minimum cell rule \(\d+ not enough data; groups have [\d–]+ speakers and [\d–]+ ref words; the minimum is \d+ speakers and \d+ ref words; --include-small-cells to check them, or --min-speakers\/--min-words to lower the minimum\)$/m);
    expect(r.stderr).not.toMatch(/exceeds gate\.maxWer/);
    // Asked for, small cells are checked against the same gate.
    const all = run('check', 'reports/demo/latest/synthetic', '--include-small-cells');
    expect(all.stdout + all.stderr).toMatch(/^(PASS: \d+ groups in|FAIL: \d+ thresholds? crossed \([^)]*\) in \d+ of \d+ groups \(\d+ checked against the thresholds\) of) 3 tables/m);
    expect(all.stdout + all.stderr).not.toMatch(/not enough data/);
  });

  it('run evaluates the suite gate after scoring: exit 1 with the reasons; --no-gate skips it', () => {
    const suite = join(cwd, 'gated.yaml');
    writeFileSync(
      suite,
      [
        'name: gated',
        `manifest: ${join(cwd, 'corpora/demo/manifest.jsonl')}`,
        'groupBy: [gender]',
        'backends: [{ name: pocketsphinx, type: pocketsphinx }]',
        'minCell: { speakers: 1, words: 1 }',
        'gate: { maxWer: 0.0001 }',
      ].join('\n'),
    );
    const gated = run('run', suite, '--no-progress', '--out', 'gated-run');
    expect(gated.code).toBe(1);
    expect(gated.stdout).toContain('suite gate {"maxWer":0.0001} (--no-gate to skip):');
    expect(gated.stderr).toMatch(/group "(fe)?male" WER [\d.]+% \[—\] exceeds gate\.maxWer 0\.0001 = 0\.01%/);
    expect(gated.stdout).toMatch(/^FAIL: (\d) thresholds? crossed \(\1 max-wer\) in \1 of 2 groups \(2 checked against the thresholds\) of 1 table; no failed or missing utterance$/m);
    // groupBy: dialect, which no utterance declares: the gate cannot be evaluated (exit 2, as check); say which keys exist and suggest one.
    writeFileSync(suite, readFileSync(suite, 'utf8').replace('groupBy: [gender]', 'groupBy: [dialect]'));
    const undeclared = run('run', suite, '--no-progress', '--out', 'gated-run');
    expect(undeclared.code).toBe(2);
    expect(undeclared.stderr).toMatch(/^asrfair: run: the suite gate of .*gated\.yaml was not evaluated: no utterance declares "dialect" \(0 of 18\), so every speaker is in group "undeclared"\. Label keys declared: .*accent \(18 utterances, 2 groups\).* Try groupBy: accent\. The run's results are kept in gated-run\.$/m);
    const skipped = run('run', suite, '--no-progress', '--out', 'gated-run', '--no-gate');
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).not.toContain('suite gate');
  });
});

describe('asrfair demo in the terminal', () => {
  it('prints a compact verdict table, top findings and the card paths, not the Markdown card', () => {
    const out = demo.stdout;
    // `failed` and `empty hyp.` appear under card.md's rule (terminal-counts.test.ts): when a table has any.
    expect(out).toMatch(/^ {2}group +spk +(?:failed +)?(?:empty hyp\. +)?WER \[95% CI\] +gap to rest \[95% CI\] +adj\. p \(holm\) +verdict$/m);
    expect(out).toMatch(/^ {2}scottish +3 +(?:\d+ +){0,2}[\d.]+% .*not enough data$/m);
    expect(out).toContain('Top findings:');
    for (const f of cardFiles) expect(out).toContain(`reports/demo/latest/synthetic/report/${f}`);
    // None of the Markdown card's syntax or escapes.
    expect(out).not.toMatch(/\\_|&lt;|&amp;|\| --- |^## |^\d+\. /m);
    expect(out.split('\n').length).toBeLessThan(60);
  });
});
