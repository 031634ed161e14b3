/**
 * `adapt` groups speakers as the suite's run does (its label map and bins, through the run's own `runLabels`), not by the
 * manifest's raw labels: on speechocean762's real Kaldi dir (12 speakers, ages 7–8 and 25–43) with the suite's
 * `bins: { age: [0, 13, 18] }`, the split, the minimum cell, remedy.md's per-group rows and the worst group are over
 * "0–12" and "18+" — the card's groups — not one group per raw age (which left groups of 1–3 speakers: no split).
 * Variants with given rules only (no SphinxTrain), 2 utterances per speaker, so it stays a short test.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliIn } from '../helpers/cli.ts';
import { loadSuite } from '../../src/run/suite.ts';

const KALDI = join(import.meta.dirname, '../../../shared/data/speechocean762-sample/test');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-adapt-groups-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Row { id: string; text: string; speaker: string; labels: Record<string, string> }
interface RemedyJson { remedy: { minimax: { groups: { group: string; speakers: number; smallCell: boolean; before: number; after: number }[]; worstBefore: { group: string } } } }
interface CardJson { tables: { backendName: string; rows: { group: string }[] }[]; remedy?: { report: { groups: { group: string; before: number; after: number }[] } } }

let rows: Row[];
const suiteYaml = (name: string, manifest: string, backends: string, extra = '') => `name: ${name}
manifest: ${manifest}
groupBy: [age]
bins: { age: [0, 13, 18] }
normaliser: basic
seed: 1
bootstrap: 200
model: none
minCell: { speakers: 2, words: 10 }
${extra}backends:
${backends}
`;

beforeAll(async () => {
  const all = join(dir, 'so.jsonl');
  const imp = await cliIn(['import', 'kaldi', KALDI, '-o', all]);
  expect(imp.code, imp.stderr).toBe(0);
  const every = readFileSync(all, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Row);
  // Two utterances per speaker (all 12 speakers: 6 children, 6 adults).
  const seen = new Map<string, number>();
  rows = every.filter((r) => {
    const n = seen.get(r.speaker) ?? 0;
    seen.set(r.speaker, n + 1);
    return n < 2;
  });
  writeFileSync(join(dir, 'small.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  // The suite's own run, with the references as hypotheses (nothing decoded): its card's groups.
  writeFileSync(join(dir, 'refs.jsonl'), rows.map((r) => JSON.stringify({ id: r.id, text: r.text })).join('\n') + '\n');
  writeFileSync(join(dir, 'suite.yaml'), suiteYaml('so-small', 'small.jsonl', '  - { name: ps, type: pocketsphinx }'));
  writeFileSync(join(dir, 'refs.yaml'), suiteYaml('so-refs', 'small.jsonl', '  - { name: refs, type: hypotheses, options: { file: refs.jsonl } }'));
}, 120_000);

describe('adapt groups as the run does', () => {
  it('Common Voice accents through a suite label map: the split is over the mapped groups, unmapped values are reported', async () => {
    // Raw CV 6.1 accents: us 34, indian 5, england 4, australia 3, newzealand 2, ireland 1 speakers (46 undeclared).
    // Mapped: oceania 5, british-isles 4, irish 1: the split stops at "irish" (raw, it stopped at "australia").
    const cv = join(import.meta.dirname, '../../corpora/cv-6.1-en-sample/manifest.jsonl');
    writeFileSync(join(dir, 'cv-map.yaml'), 'accent:\n  australia: oceania\n  newzealand: oceania\n  england: british-isles\n  ireland: irish\n');
    writeFileSync(join(dir, 'cv.yaml'), `name: cv-map\nmanifest: ${cv}\nlabelMap: cv-map.yaml\ngroupBy: [accent]\nbackends:\n  - { name: ps, type: pocketsphinx }\n`);
    const r = await cliIn(['adapt', 'cv.yaml', '--out', join(dir, 'cv-out'), '--methods', 'variants'], dir);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines.at(-1)).toBe(`asrfair: ${cv}: a speaker-disjoint train/dev/test split needs at least 4 speakers per group; too few in "irish" (1): add speakers, or leave it out with --exclude-group irish`);
    // The unmapped values, one per line as `run` prints them.
    expect(lines).toContain('label map: values with no entry (kept as their normalised raw text):');
    expect(lines).toContain('  accent: "us" ×35');
    expect(lines).toContain('  accent: "indian" ×5');
  }, 120_000);

  it('--pair naming a group the suite does not have is refused before any work: one line, exit 2, "did you mean"', async () => {
    const out = join(dir, 'pair-out');
    // "0-12" with an ASCII hyphen: the bins name the group "0–12" (en dash).
    const near = await cliIn(['adapt', 'suite.yaml', '--out', out, '--methods', 'variants', '--rules', '0–12:TH>T', '--pair', '0-12:18+'], dir);
    expect(near.code).toBe(2);
    expect(near.stderr.trim().split('\n').at(-1)).toBe(`asrfair: --pair: "0-12" is not a group of ${join(dir, 'small.jsonl')} by "age" (did you mean 0–12?) (groups: 0–12, 18+)`);
    const far = await cliIn(['adapt', 'suite.yaml', '--out', out, '--methods', 'variants', '--pair', '0–12:null'], dir);
    expect(far.code).toBe(2);
    expect(far.stderr.trim().split('\n').at(-1)).toBe(`asrfair: --pair: "null" is not a group of ${join(dir, 'small.jsonl')} by "age" (groups: 0–12, 18+)`);
    expect(existsSync(join(out, 'splits.json'))).toBe(false);
  }, 120_000);

  it('raw ages are one value per speaker; the suite bins them into two groups of 6 speakers', () => {
    expect(new Set(rows.map((r) => r.labels.age)).size).toBeGreaterThan(2);
    expect(new Set(rows.map((r) => r.speaker)).size).toBe(12);
  });

  it('splits, remedy.md rows, worst group and adapted.yaml\'s run are over the card\'s groups (0–12, 18+)', async () => {
    const run = await cliIn(['run', 'refs.yaml', '--store', join(dir, 'refs.sqlite'), '--out', join(dir, 'refs-run'), '--no-progress', '--no-gate'], dir);
    expect(run.code, run.stderr).toBe(0);
    const rep = await cliIn(['report', join(dir, 'refs-run')], dir);
    expect(rep.code, rep.stderr).toBe(0);
    const card = JSON.parse(readFileSync(join(dir, 'refs-run', 'report', 'card.json'), 'utf8')) as CardJson;
    const cardGroups = [...new Set(card.tables.filter((t) => t.backendName === 'refs').flatMap((t) => t.rows.map((r) => r.group)))].sort();
    expect(cardGroups).toEqual(['0–12', '18+']);

    const out = join(dir, 'adapt');
    const r = await cliIn(['adapt', 'suite.yaml', '--out', out, '--methods', 'variants', '--variant-scope', 'group', '--rules', '0–12:TH>T,DH>D', '--processes', '2'], dir);
    expect(r.code, r.stderr).toBe(0);
    const splits = JSON.parse(readFileSync(join(out, 'splits.json'), 'utf8')) as { grouping: string; groups: { group: string; train: string[]; dev: string[]; test: string[] }[] };
    expect(splits.groups.map((g) => g.group)).toEqual(cardGroups);
    // How the groups were formed is recorded, and said in the remedy's provenance (the adapted run's card shows it).
    expect(splits.grouping).toBe('bins at 0, 13, 18');
    expect(loadSuite(join(out, 'adapted.yaml')).remedy?.provenance?.join('\n')).toContain("Speaker-disjoint split per age as the suite's run groups it (bins at 0, 13, 18)");
    for (const g of splits.groups) expect(g.train.length + g.dev.length + g.test.length).toBe(6);
    const remedy = JSON.parse(readFileSync(join(out, 'remedy.json'), 'utf8')) as RemedyJson;
    const groups = remedy.remedy.minimax.groups;
    expect(groups.map((g) => g.group)).toEqual(cardGroups);
    // The suite's minimum cell (2 speakers) over the binned groups: each has its 2 test speakers, so a verdict.
    expect(groups.map((g) => [g.speakers, g.smallCell])).toEqual([[2, false], [2, false]]);
    expect(cardGroups).toContain(remedy.remedy.minimax.worstBefore.group);
    const md = readFileSync(join(out, 'remedy.md'), 'utf8');
    for (const g of cardGroups) expect(md).toContain(`| ${g} |`);
    for (const age of new Set(rows.map((x) => x.labels.age))) expect(md).not.toContain(`| ${age} |`);

    // adapted.yaml's run on the test speakers groups the same way (test.jsonl holds the run's labels; raw age kept).
    const test = readFileSync(join(out, 'test.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Row);
    expect(new Set(test.map((t) => t.labels.age))).toEqual(new Set(cardGroups));
    expect(test.every((t) => /^\d+$/.test(t.labels.age_raw))).toBe(true);
    const adapted = await cliIn(['run', join(out, 'adapted.yaml'), '--store', join(dir, 'adapted.sqlite'), '--out', join(dir, 'adapted-run'), '--no-progress', '--no-gate'], dir);
    expect(adapted.code, adapted.stderr).toBe(0);
    const rep2 = await cliIn(['report', join(dir, 'adapted-run')], dir);
    expect(rep2.code, rep2.stderr).toBe(0);
    const card2 = JSON.parse(readFileSync(join(dir, 'adapted-run', 'report', 'card.json'), 'utf8')) as CardJson;
    expect(card2.remedy!.report.groups.map((g) => g.group)).toEqual(cardGroups);
    expect(card2.remedy!.report.groups.map((g) => [g.before, g.after])).toEqual(groups.map((g) => [g.before, g.after]));
    expect(readFileSync(join(dir, 'adapted-run', 'report', 'card.md'), 'utf8')).toContain("as the suite's run groups it (bins at 0, 13, 18)");
  }, 600_000);
});
