import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';

// Real vendors on real people: the Artie corpus (text-only) with Amazon and Google en-US transcripts,
// cut to the accents that make the fault visible: england (77 speakers, adequate), singapore (2),
// wales (2) and southatlandtic (1 speaker).
const ROOT = join(import.meta.dirname, '../..');
const ARTIE = join(ROOT, 'corpora/artie-bias-corpus');
const KEEP = new Set(['england', 'singapore', 'wales', 'southatlandtic']);

let dir: string;
let run: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'compare-settings-'));
  const lines = readFileSync(join(ARTIE, 'manifest.jsonl'), 'utf8').split('\n').filter((l) => l && KEEP.has(JSON.parse(l).labels.accent));
  writeFileSync(join(dir, 'm.jsonl'), lines.join('\n') + '\n');
  const backend = (name: string, file: string) => `  - { name: ${name}, type: hypotheses, options: { file: ${join(ARTIE, 'predictions', file)}, idFrom: basename-without-extension } }\n`;
  // The run records group-by gender first, B = 400, seed 3, min cell 10 speakers / 500 words, BH.
  writeFileSync(
    join(dir, 's.yaml'),
    `name: cmp\nmanifest: m.jsonl\ngroupBy: [gender, accent]\nnormaliser: basic\nseed: 3\nbootstrap: { B: 400 }\nminCell: { speakers: 10, words: 500 }\ncorrection: bh\nbackends:\n` +
      backend('amazon', 'amazon/en-US/dec-9-2019.tsv') + backend('google', 'google/en-US/dec-4-2019.tsv'),
  );
  run = join(dir, 'run');
  const r = await cli('run', join(dir, 's.yaml'), '--store', join(dir, 's.sqlite'), '--out', run, '--no-progress', '--no-gate');
  expect(r.code, r.stderr).toBe(0);
}, 120_000);

const rowOf = (out: string, group: string) => out.split('\n').find((l) => l.startsWith(`${group} `)) ?? '';

describe('compare takes the run\'s recorded settings and honours the minimum cell', () => {
  it('uses run.json (group-by, B, seed, correction) with no flags, and names nothing as overridden', async () => {
    const r = await cli('compare', run, run, '--backend-a', 'amazon', '--backend-b', 'google');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/, by gender$/);
    expect(r.stdout).not.toMatch(/Setting differs/);
    // The run groups by gender and accent: compare, paired by one key, says it took the first (trial 20).
    expect(r.stdout).toContain("Compared by gender, the first of run A's groupBy keys (gender, accent); --group-by accent compares by another.");
    expect(r.stdout).toContain('400 resamples, seed 3');
    expect(r.stdout).toContain('Adjusted p: Benjamini–Hochberg');
    expect(r.stdout).toContain("Minimum cell: 10 speakers and 500 reference words (run A's run.json)");
  });

  it('a 2-speaker group is "not enough data" (no p, not in the correction) and a 1-speaker group has no interval', async () => {
    const r = await cli('compare', run, run, '--backend-a', 'amazon', '--backend-b', 'google', '--group-by', 'accent');
    expect(r.code, r.stderr).toBe(0);
    // The flag that changed a recorded setting is named at the top, as on the card.
    expect(r.stdout.split('\n').slice(0, 3)).toContain("Setting differs from run A's run.json: --group-by accent (run: gender,accent)");
    // Before the fix singapore (2 speakers, 23 words) came out with an adjusted MAPSSWE p < 0.05.
    expect(rowOf(r.stdout, 'singapore')).toMatch(/^singapore\s+2\s+2\s.*—\s+—\s+—\s+—\s+not enough data$/);
    expect(rowOf(r.stdout, 'wales')).toMatch(/not enough data$/);
    // southatlandtic: one speaker, so no speaker-bootstrap interval (it was a zero-width [-6.1, -6.1]).
    expect(rowOf(r.stdout, 'southatlandtic')).toMatch(/^southatlandtic\s+1\s+3\s.*-6\.1 pp \[—\].*not enough data$/);
    // england is the one adequate group: tested alone, so its adjusted p equals its raw p.
    const e = rowOf(r.stdout, 'england').trim().split(/\s{2,}/);
    expect(e.at(-1)).not.toBe('not enough data');
    expect(e[6]).toBe(e[8]);
    expect(e[7]).toBe(e[9]);
    expect(r.stdout).toContain('3 smaller groups are "not enough data", not tested and not in the correction: singapore, southatlandtic, wales.');
  });

  it('json and md carry the cells and the overrides; every overriding flag is named', async () => {
    const out = join(dir, 'cmp');
    const r = await cli('compare', run, run, '--backend-a', 'amazon', '--backend-b', 'google', '--group-by', 'accent', '--bootstrap', '300',
      '--min-speakers', '2', '--min-words', '20', '--correction', 'holm', '--format', 'md,json', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const top = r.stdout.split('\n').slice(1, 6);
    for (const o of ['--bootstrap 300 (run: 400)', '--min-speakers 2 (run: 10)', '--min-words 20 (run: 500)', '--correction holm (run: bh)']) {
      expect(top).toContain(`Setting differs from run A's run.json: ${o}`);
    }
    const j = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8'));
    expect(j.settings).toMatchObject({ bootstrap: 300, seed: 3, correction: 'holm', minCell: { speakers: 2, words: 20 }, source: 'run' });
    const byGroup = new Map((j.tables[0].groups as Array<{ group: string; smallCell: boolean; mapsswePAdjusted: number | null }>).map((g) => [g.group, g]));
    // With 2 speakers and 20 words allowed, singapore and wales are tested; southatlandtic (1 speaker) is not.
    expect(byGroup.get('singapore')!.smallCell).toBe(false);
    expect(byGroup.get('southatlandtic')!.smallCell).toBe(true);
    expect(byGroup.get('southatlandtic')!.mapsswePAdjusted).toBeNull();
    const md = readFileSync(join(out, 'compare.md'), 'utf8');
    expect(md).toContain("**Setting differs from run A's run.json: --min-speakers 2 (run: 10)**");
    expect(md).toMatch(/\| southatlandtic \| 1 \| 3 \|.*\| not enough data \|/);
  });
});

describe('a grouping key the utterances do not declare is said, with how many have it', () => {
  it('compare --group-by <key no utterance has> is refused like check (exit 2, one line, the closest key); it compared one "undeclared" group, exit 0 (trial 21)', async () => {
    const out = join(dir, 'cmp-nokey');
    const r = await cli('compare', run, run, '--backend-a', 'amazon', '--backend-b', 'google', '--group-by', 'acent', '--format', 'md', '--out', out);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^asrfair: compare: run A \(.*\): no utterance declares "acent" \(0 of 139\), so every speaker is in group "undeclared"\. Label keys declared: .*accent \(139 utterances, 4 groups\).*\. Try --group-by accent\.$/);
    expect(existsSync(join(out, 'compare.md'))).toBe(false);
  });

  it('report warns alike; check, a gate, refuses the key (exit 2) with the same sentence', async () => {
    const rep = await cli('report', run, '--group-by', 'nokey', '--out', join(dir, 'rep-nokey'), '--format', 'md');
    expect(rep.code, rep.stderr).toBe(0);
    expect(rep.stderr).toMatch(/asrfair: warning: no utterance declares "nokey" \(0 of 139\)/);
    const chk = await cli('check', run, '--group-by', 'nokey', '--max-wer', '0.99');
    expect(chk.code).toBe(2);
    expect(chk.stdout).toBe('');
    expect(chk.stderr).toMatch(/^asrfair: check: no utterance declares "nokey" \(0 of 139\)/);
  });
});
