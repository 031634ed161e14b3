// The suite gate of `asrfair run` on a grouping key nobody declares, and the gate's text, on Google en-US's real
// answers on the Artie bias corpus (closing note of stop 22, "Gate": run only warned where check exits 2; the
// FAIL line nested parentheses "(… (6 not enough data; …))").
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';

const MANIFEST = join(import.meta.dirname, '../../corpora/artie-bias-corpus/manifest.jsonl');
const GOOGLE = join(import.meta.dirname, '../../../shared/data/artie-bias-corpus/predictions/google/en-US/dec-4-2019.tsv');

const dir = mkdtempSync(join(tmpdir(), 'asrfair-gate-key-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A suite over `manifest` with Google en-US's real answers and the given grouping and gate. */
function suite(name: string, groupBy: string, gate: string, manifest = MANIFEST): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}\nmanifest: ${manifest}\ngroupBy: [${groupBy}]\nnormaliser: basic\nseed: 1\nbootstrap: { B: 200 }\nminCell: { speakers: 10, words: 500 }\n` +
      `backends:\n  - { name: google-en-US, type: hypotheses, options: { file: ${GOOGLE}, idFrom: basename-without-extension } }\ngate: ${gate}\n`,
  );
  return file;
}

const run = (name: string, s: string, ...more: string[]) => cli('run', s, '--store', join(dir, 'store.sqlite'), '--out', join(dir, name), '--no-progress', ...more);

/** Deepest nesting of parentheses in a line, outside quoted group names. */
function parenDepth(line: string): number {
  let depth = 0;
  let max = 0;
  for (const c of line.replace(/"[^"]*"/g, '""')) {
    if (c === '(') max = Math.max(max, ++depth);
    if (c === ')') depth--;
  }
  return max;
}

let dialect: Awaited<ReturnType<typeof cli>>;
let dialectSuite: string;
beforeAll(async () => {
  dialectSuite = suite('dialect', 'dialect', '{ maxWer: 0.5 }');
  dialect = await run('dialect', dialectSuite);
}, 120_000);

describe('run: a suite gate on a key no utterance declares', () => {
  it('exits 2 with one line naming the suite file and the key, as check does; the results are kept', async () => {
    expect(dialect.code).toBe(2);
    const lines = dialect.stderr.trim().split('\n').filter((l) => l.startsWith('asrfair:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`asrfair: run: the suite gate of ${dialectSuite} was not evaluated: no utterance declares "dialect" (0 of 1712)`);
    expect(lines[0]).toMatch(/Try groupBy: \w+\. The run's results are kept in .*dialect\.$/);
    // Not a verdict on one group "undeclared": the gate did not run.
    expect(dialect.stdout + dialect.stderr).not.toMatch(/^(PASS|FAIL):/m);
    const rows = readFileSync(join(dir, 'dialect', 'results.jsonl'), 'utf8').trim().split('\n');
    expect(rows).toHaveLength(1712);
    expect(existsSync(join(dir, 'dialect', 'run.json'))).toBe(true);
    // check on the same run: the same exit code and the same reason.
    const check = await cli('check', join(dir, 'dialect'));
    expect(check.code).toBe(2);
    expect(check.stderr).toContain('no utterance declares "dialect" (0 of 1712)');
  });

  it('with --no-gate the run succeeds and only warns (no gate is asked for)', async () => {
    const r = await run('dialect', dialectSuite, '--no-gate');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^asrfair: warning: no utterance declares "dialect" \(0 of 1712\)/m);
  });
});

describe('gate lines never nest parentheses', () => {
  it('every group below the minimum cell: "FAIL: no group to check: every group is below the minimum cell rule (n not enough data; …)"', async () => {
    const four = join(dir, 'four.jsonl');
    writeFileSync(four, readFileSync(MANIFEST, 'utf8').split('\n').slice(0, 40).join('\n') + '\n');
    const r = await run('small', suite('small', 'accent', '{ maxWer: 0.5 }', four));
    // Nothing the gate can evaluate is not a group falling behind: exit 2, as check (trial 16).
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^FAIL: no group to check: every group is below the minimum cell rule \(\d+ not enough data; groups have [\d–]+ speakers and [\d–]+ ref words; the minimum is \d+ speakers and \d+ ref words; --include-small-cells to check them, or --min-speakers\/--min-words to lower the minimum\)$/m);
    for (const l of (r.stdout + r.stderr).split('\n')) expect(parenDepth(l), l).toBeLessThanOrEqual(1);
  });

  it('violations with sampled (Monte Carlo) p values: the MC interval joins the row note, not a second pair', async () => {
    const r = await run('artie', suite('artie', 'accent', '{ maxWer: 0.2, groupRatio: 1.1 }'));
    expect(r.code).toBe(1);
    const violations = r.stderr.split('\n').filter((l) => / exceeds gate\.maxWer | over gate\.groupRatio /.test(l));
    expect(violations.length).toBeGreaterThan(0);
    expect(violations.join('\n')).toMatch(/adj\. p /);
    for (const l of r.stderr.split('\n')) expect(parenDepth(l), l).toBeLessThanOrEqual(1);
  });

  it('items an incomplete run never exported: "lost 66 of 131 utterances (50.4%: 66 missing, never run)"', async () => {
    // The export a stopped run writes: half of England's rows never done, run.json's per-group items of expected.
    const inc = join(dir, 'incomplete');
    cpSync(join(dir, 'artie'), inc, { recursive: true });
    const rows = readFileSync(join(inc, 'results.jsonl'), 'utf8').trimEnd().split('\n');
    const accent = (l: string) => (JSON.parse(l) as { labels: Record<string, string> }).labels.accent ?? 'undeclared';
    const england = rows.filter((l) => accent(l) === 'england');
    const dropped = new Set(england.slice(0, 66));
    const kept = rows.filter((l) => !dropped.has(l));
    writeFileSync(join(inc, 'results.jsonl'), kept.join('\n') + '\n');
    const groups: Record<string, { items: number; expected: number }> = {};
    for (const l of rows) {
      const g = (groups[accent(l)] ??= { items: 0, expected: 0 });
      g.expected++;
      if (!dropped.has(l)) g.items++;
    }
    const meta = JSON.parse(readFileSync(join(inc, 'run.json'), 'utf8'));
    delete meta.results; // results.jsonl was cut by hand here: the export's record of it no longer applies
    meta.incomplete = { status: 'budget', items: kept.length, expected: rows.length, groups: { accent: groups } };
    writeFileSync(join(inc, 'run.json'), JSON.stringify(meta, null, 2));
    const r = await cli('check', inc, '--max-wer', '0.9', '--max-failed-share', '0.6', '--no-suite-gate');
    expect(r.stdout).toContain('lost data within --max-failed-share 0.6: every backend × condition: group "england" lost 66 of 131 utterances (50.4%: 66 missing, never run); its rates cover the 65 scored only');
    for (const l of (r.stdout + r.stderr).split('\n')) expect(parenDepth(l), l).toBeLessThanOrEqual(1);
  });
});
