// A run limited to part of its manifest (trial 10, item 1): `run --limit 50` on the real Artie bias corpus (1,712
// clips) with Google en-US's real answers. run.json records the subset; every card format and `check` say
// "50 of 1,712 utterances of the manifest" and name the declared groups the subset leaves out.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';
import { loadRunForReport } from '../../src/score/run-export.ts';

const MANIFEST = join(import.meta.dirname, '../../corpora/artie-bias-corpus/manifest.jsonl');
const GOOGLE = join(import.meta.dirname, '../../../shared/data/artie-bias-corpus/predictions/google/en-US/dec-4-2019.tsv');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-subset-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const manifest = readFileSync(MANIFEST, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { id: string; labels: Record<string, string> });
const accentsIn = (utts: typeof manifest) => new Set(utts.map((u) => u.labels.accent ?? 'undeclared'));
const suite = join(dir, 'limited.yaml');
writeFileSync(
  suite,
  `name: limited\nmanifest: ${MANIFEST}\ncorpus: { name: artie, description: "1,712 clips of 969 speakers" }\ncard: { limits: ["most accents have under 10 speakers"] }\n` +
    `groupBy: [accent]\nnormaliser: basic\nseed: 1\nbootstrap: { B: 200 }\nminCell: { speakers: 10, words: 500 }\n` +
    `backends:\n  - { name: google-en-US, type: hypotheses, options: { file: ${GOOGLE}, idFrom: basename-without-extension } }\n`,
);
const out = join(dir, 'run');
let run: Awaited<ReturnType<typeof cli>>;
let check: Awaited<ReturnType<typeof cli>>;
let allowed: Awaited<ReturnType<typeof cli>>;
beforeAll(async () => {
  run = await cli('run', suite, '--limit', '50', '--store', join(dir, 's.sqlite'), '--out', out, '--no-progress');
  await cli('report', out);
  check = await cli('check', out, '--max-gap', '0.9', '--max-failed-share', '1', '--include-small-cells');
  allowed = await cli('check', out, '--max-gap', '0.9', '--max-failed-share', '1', '--include-small-cells', '--allow-subset');
}, 120_000);

// Accents of the whole manifest that its first 50 utterances do not declare (computed from the manifest, not hard-coded).
const left = [...accentsIn(manifest)].filter((a) => !accentsIn(manifest.slice(0, 50)).has(a)).sort();

describe('a limited run says what part of the manifest it covers', () => {
  it('run.json records the limit, the subset and the left-out groups', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('asrfair: Subset: this run covers 50 of 1,712 utterances of the manifest (--limit 50');
    expect(run.stderr).toMatch(/^asrfair: Not in this run \(by accent\): "australia" \(19 utterances in the manifest\)/m);
    const meta = loadRunForReport(out).meta;
    expect(left.length).toBeGreaterThan(0);
    expect(meta.subset).toEqual({
      how: 'first-n', limit: 50, utterances: 50, manifestUtterances: manifest.length,
      notInRun: { accent: Object.fromEntries(left.map((a) => [a, manifest.filter((u) => (u.labels.accent ?? 'undeclared') === a).length])) },
    });
  });

  it('every card format says "50 of 1,712 utterances of the manifest (--limit 50" at the top and names the groups not in the run', () => {
    const top = 'this run covers 50 of 1,712 utterances of the manifest (--limit 50: the first 50 in manifest order)';
    const md = readFileSync(join(out, 'report', 'card.md'), 'utf8');
    // Before the first table.
    expect(md.indexOf(top)).toBeGreaterThan(0);
    expect(md.indexOf(top)).toBeLessThan(md.indexOf('|'));
    const html = readFileSync(join(out, 'report', 'card.html'), 'utf8');
    expect(html.indexOf(top)).toBeGreaterThan(0);
    expect(html.indexOf(top)).toBeLessThan(html.indexOf('<table'));
    const json = JSON.parse(readFileSync(join(out, 'report', 'card.json'), 'utf8')) as { warnings: string[]; meta: { subset: unknown } };
    expect(json.warnings[0]).toContain(top);
    expect(json.meta.subset).toBeDefined();
    const notes = readFileSync(join(out, 'report', 'card-notes.csv'), 'utf8');
    expect(notes).toContain(top);
    for (const a of left) {
      expect(json.warnings[1]).toContain(`"${a}" (`);
      expect(md).toContain(`Not in this run (by accent): `);
    }
    // The suite's description of the whole corpus is marked as such, not passed off as the subset's.
    expect(md).toContain('(suite text, about the whole manifest, not this subset: 1,712 clips of 969 speakers)');
    expect(md).toMatch(/Limit \(suite text, about the whole manifest, not this subset\): most accents/);
  });

  it('check says it covers a subset, in its lines and its summary', () => {
    expect(check.stdout + check.stderr).toContain('this run covers 50 of 1,712 utterances of the manifest');
    expect(check.stdout + check.stderr).toMatch(/(PASS|FAIL): .*; subset: 50 of 1712 utterances of the manifest \(--limit 50\), \d+ declared group\(s\) not in this run/);
  });

  it('check fails on each declared group the limit left out, one line naming it and --allow-subset (exit 1)', () => {
    expect(check.code, check.stdout + check.stderr).toBe(1);
    const lines = check.stderr.split('\n');
    for (const a of left) {
      const n = manifest.filter((u) => (u.labels.accent ?? 'undeclared') === a).length;
      expect(lines).toContain(`group "${a}" (by accent, ${n} utterance${n === 1 ? '' : 's'} in the manifest) is not in this run: --limit 50 left it out, so the gate never measured it (--allow-subset to accept the subset knowingly)`);
    }
    expect(check.stdout).toMatch(new RegExp(`^FAIL: ${left.length} declared groups? not in this run \\(not-in-run\\); (no threshold crossed|\\d+ thresholds? crossed)`, 'm'));
    // Said once: as violations, not again as "Not in this run" lines.
    expect(check.stderr).not.toContain('Not in this run (by accent)');
  });

  it('check --allow-subset accepts the subset knowingly: passes, and still names the groups left out', () => {
    expect(allowed.code, allowed.stdout + allowed.stderr).toBe(0);
    expect(allowed.stdout).toContain('Subset: this run covers 50 of 1,712 utterances of the manifest');
    expect(allowed.stdout).toMatch(/^Not in this run \(by accent\): "australia" \(19 utterances in the manifest\)/m);
    expect(allowed.stdout).toMatch(new RegExp(`^PASS: .*${left.length} declared group\\(s\\) not in this run, accepted with --allow-subset`, 'm'));
  });

  it('check by a key the run did not record left-out groups for says that they are not known', async () => {
    const c = await cli('check', out, '--group-by', 'gender', '--max-wer', '1', '--max-failed-share', '1', '--include-small-cells');
    expect(c.stdout + c.stderr).toContain('Subset: the run recorded the groups it left out by "accent" only; which groups of "gender" it left out is not known');
  });

  it("run's suite gate fails on the groups a --limit run left out (exit 1); run --allow-subset accepts them", async () => {
    const gated = join(dir, 'gated.yaml');
    writeFileSync(gated, readFileSync(suite, 'utf8').replace('name: limited', 'name: gated') + 'gate: { maxWer: 1, maxFailedShare: 1, includeSmallCells: true }\n');
    const r = await cli('run', gated, '--limit', '50', '--store', join(dir, 's.sqlite'), '--out', join(dir, 'gated'), '--no-progress');
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain('group "australia" (by accent, 19 utterances in the manifest) is not in this run: --limit 50 left it out');
    const ok = await cli('run', gated, '--limit', '50', '--allow-subset', '--store', join(dir, 's.sqlite'), '--out', join(dir, 'gated-ok'), '--no-progress');
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^PASS: .*accepted with --allow-subset/m);
  }, 120_000);

  it('a limit at or above the manifest size is recorded but the card says nothing of a subset', async () => {
    const whole = join(dir, 'whole');
    const r = await cli('run', suite, '--limit', '5000', '--store', join(dir, 's.sqlite'), '--out', whole, '--no-progress');
    expect(r.code, r.stderr).toBe(0);
    expect(loadRunForReport(whole).meta.subset).toMatchObject({ limit: 5000, utterances: manifest.length, manifestUtterances: manifest.length, notInRun: {} });
    await cli('report', whole);
    expect(readFileSync(join(whole, 'report', 'card.md'), 'utf8')).not.toContain('this run covers');
    // Nothing left out: check needs no --allow-subset.
    const c = await cli('check', whole, '--max-gap', '0.9', '--max-failed-share', '1');
    expect(c.code, c.stdout + c.stderr).toBe(0);
    expect(c.stdout).not.toContain('subset');
  }, 120_000);
});
