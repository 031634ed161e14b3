// `asrfair compare` pairs only utterances whose references are the same, and says per group what it left out
// (trial 8, item 3): Amazon's and Google's real transcripts of the Artie bias corpus.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';
import { loadRunForReport } from '../../src/score/run-export.ts';

const MANIFEST = join(import.meta.dirname, '../../corpora/artie-bias-corpus/manifest.jsonl');
const PRED = join(import.meta.dirname, '../../../shared/data/artie-bias-corpus/predictions');
const AMAZON = join(PRED, 'amazon/en-US/dec-9-2019.tsv');
const GOOGLE = join(PRED, 'google/en-US/dec-4-2019.tsv');

const dir = mkdtempSync(join(tmpdir(), 'asrfair-compare-pairing-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Utt = { id: string; text: string; labels: Record<string, string> };
const manifest = readFileSync(MANIFEST, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Utt);
const indian = manifest.filter((u) => u.labels.accent === 'indian').map((u) => u.id);
const england = manifest.filter((u) => u.labels.accent === 'england').map((u) => u.id);
/** 100 Indian references cut to their first two words (the trial's manifest-alt). */
const cut = new Set(indian.slice(0, 100));
/** Google's answers for 10 England clips left out: those calls fail in run B. */
const lost = new Set(england.slice(0, 10));

function write(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

function suite(name: string, manifestFile: string, backends: Array<[string, string]>, normaliser = 'basic'): string {
  return write(
    `${name}.yaml`,
    `name: ${name}\nmanifest: ${manifestFile}\ngroupBy: [accent]\nnormaliser: ${normaliser}\nseed: 1\nbootstrap: { B: 200 }\nminCell: { speakers: 10, words: 500 }\nbackends:\n` +
      backends.map(([n, f]) => `  - { name: ${n}, type: hypotheses, options: { file: ${f}, idFrom: basename-without-extension } }\n`).join(''),
  );
}

async function run(name: string, s: string): Promise<string> {
  const out = join(dir, name);
  const r = await cli('run', s, '--store', join(dir, `${name}.sqlite`), '--out', out, '--no-progress', '--no-gate');
  if (r.code !== 0) throw new Error(r.stderr);
  return out;
}

const rate = (xs: ReturnType<typeof loadRunForReport>['utterances']) =>
  xs.reduce((s, u) => s + u.words.sub + u.words.del + u.words.ins, 0) / xs.reduce((s, u) => s + u.words.ref, 0);

let runA: string;
let runB: string;
beforeAll(async () => {
  runA = await run('a', suite('a', MANIFEST, [['amazon-en-US', AMAZON], ['google-en-US', GOOGLE]]));
  const alt = write('alt.jsonl', manifest.map((u) => JSON.stringify(cut.has(u.id) ? { ...u, text: u.text.split(' ').slice(0, 2).join(' ') } : u)).join('\n') + '\n');
  const rows = readFileSync(GOOGLE, 'utf8').trimEnd().split('\n');
  const g = write('g-lost.tsv', [rows[0], ...rows.slice(1).filter((r) => !lost.has(r.split('\t')[0].replace(/\.wav$/, '')))].join('\n') + '\n');
  runB = await run('b', suite('b', alt, [['google-en-US', g]]));
}, 120_000);

describe('compare pairs only utterances with the same reference', () => {
  it('Google vs Google on references cut for 100 Indian clips: no difference (it showed Indian −25.5 pp, p<0.001); the 100 are named, per group', async () => {
    const r = await cli('compare', runA, runB, '--backend-a', 'google-en-US', '--bootstrap', '200', '--format', 'json', '--out', join(dir, 'cmp'));
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    // In the header, before any table.
    const warn = lines.findIndex((l) => l.startsWith('WARNING: References differ for 100 utterance ids present in both runs (indian 100)'));
    expect(warn).toBeGreaterThan(0);
    expect(warn).toBeLessThan(lines.findIndex((l) => l.startsWith('Condition clean')));
    expect(r.stdout).toContain('Condition clean: 1602 paired utterances (0 only in A, 0 only in B, 10 with a failure left out, 100 with a different reference left out)');
    expect(r.stdout).toMatch(/^ {2}indian: 164 of run A's 264 scored utterances paired; left out: 100 with a different reference \(common_voice_en_\d+, .*, …\)$/m);
    expect(r.stdout).toMatch(/^ {2}england: 121 of run A's 131 scored utterances paired; left out: 10 failed in B$/m);
    const json = JSON.parse(readFileSync(join(dir, 'cmp', 'compare.json'), 'utf8'));
    const t = json.tables[0];
    expect(t.refDiffers).toBe(100);
    const ind = t.unpaired.find((u: { group: string }) => u.group === 'indian');
    expect(ind).toMatchObject({ inA: 264, scoredA: 264, paired: 164, refDiffers: 100, failedB: 0 });
    expect(ind.refDiffersIds.every((id: string) => cut.has(id))).toBe(true);
    // Same hypotheses, same references on what is paired: every group's difference is exactly 0.
    for (const g of t.groups) expect(g.diff.estimate).toBe(0);
    const row = t.groups.find((g: { group: string }) => g.group === 'indian');
    const a = loadRunForReport(runA).utterances.filter((u) => u.backend === 'google-en-US' && u.labels.accent === 'indian' && !cut.has(u.id));
    expect(row.utterances).toBe(164);
    expect(row.werA).toBeCloseTo(rate(a), 12);
  });

  it("Amazon vs Google: a group's rate covers the paired utterances and the line above the table says which were left out", async () => {
    const r = await cli('compare', runA, runB, '--backend-a', 'amazon-en-US', '--bootstrap', '200');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}england: 121 of run A's 131 scored utterances paired; left out: 10 failed in B$/m);
    const amazonEngland = loadRunForReport(runA).utterances.filter((u) => u.backend === 'amazon-en-US' && u.labels.accent === 'england');
    const onCard = rate(amazonEngland);
    const paired = rate(amazonEngland.filter((u) => !lost.has(u.id)));
    expect(onCard).not.toBeCloseTo(paired, 3);
    expect(r.stdout).toMatch(new RegExp(`^england +\\d+ +121 +${(paired * 100).toFixed(1)}% `, 'm'));
  });

  it('exits 2 when no utterance can be paired (every reference differs), naming both normalisers', async () => {
    // The first 20 clips, each reference with one word more, scored without a normaliser: no reference is the same.
    const upper = write('upper.jsonl', manifest.slice(0, 20).map((u) => JSON.stringify({ ...u, text: `well ${u.text}` })).join('\n') + '\n');
    const runC = await run('c', suite('c', upper, [['google-en-US', GOOGLE]], 'none'));
    const r = await cli('compare', runA, runC, '--backend-a', 'google-en-US', '--bootstrap', '200');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toMatch(/^asrfair: nothing to compare: no utterance is scored by both runs with the same reference \(20 ids in both with a different reference, 0 with a failure; A basic v\d+, B none v\d+ normaliser\)$/);
  });

  it('different normalisers: a WARNING line in the header, not only a note at the bottom', async () => {
    const lower = write('lower.jsonl', manifest.slice(0, 20).map((u) => JSON.stringify(u)).join('\n') + '\n');
    const runD = await run('d', suite('d', lower, [['google-en-US', GOOGLE]], 'english'));
    const r = await cli('compare', runA, runD, '--backend-a', 'google-en-US', '--bootstrap', '200');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    const header = lines.slice(1, lines.findIndex((l) => l.startsWith('Condition ')));
    expect(header.some((l) => /^WARNING: Normalisers differ \(A basic v\d+, B english v\d+\): only utterances whose normalised references are identical are paired/.test(l)), header.join('\n')).toBe(true);
    // Run D holds the manifest's first 20 utterances only: what the comparison rests on comes first (compare-subset.test.ts).
    expect(header[0]).toBe(
      'WARNING: Runs A and B cover different utterances: the comparison rests on the 20 utterances both runs hold (run A 1,712 (no --limit or --shard), run B 20 (no --limit or --shard)); 1,692 only in run A and 0 only in run B are left out (counted per group below).',
    );
  });
});
