import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `asrfair glass` on a planted corpus reads its ground truth (planted.jsonl beside the manifest, or
 * --ground-truth) and writes the planted sounds beside the findings: real festival, sox and PocketSphinx,
 * on a tiny corpus (2 groups × 2 matched speakers × 2 sentences; phone loop only).
 */
const BIN = join(import.meta.dirname, '../../bin/asrfair.mjs');
let dir: string;
const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 300_000 });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-glass-truth-'));
  writeFileSync(join(dir, 'rules.yaml'), 'groups:\n  th: [{ rule: th-stopping, rate: 1 }]\n  none: []\n');
  writeFileSync(join(dir, 'prompts.txt'), 'Their three brothers thought that the weather there was worse than ever.\nThis month the author wrote another thriller about the earth.\n');
  const r = run(['synth', '--accent-rules', 'rules.yaml', '-o', 'corpus', '--speakers', '2', '--sentences', '2', '--prompts', 'prompts.txt', '--matched-speakers']);
  expect(r.status, r.stderr).toBe(0);
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('glass --ground-truth', () => {
  it('writes glass-planted.{md,html,json} from planted.jsonl beside the manifest, and prints one line per evidence', () => {
    const r = run(['glass', 'corpus/manifest.jsonl', '--group-by', 'accent', '--reference-group', 'none', '--test', 'welch', '--no-goodness', '--no-words', '--out', 'out', '--processes', '1']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Glass box on planted accents \(synthetic speech, ground truth known\):\n {2}phone loop: \d+ of \d+ planted sounds found/);
    for (const f of ['confusable.md', 'glass-planted.md', 'glass-planted.html', 'glass-planted.json']) expect(existsSync(join(dir, 'out', f)), f).toBe(true);
    const md = readFileSync(join(dir, 'out', 'glass-planted.md'), 'utf8');
    // The ground truth row counts the planted tokens of the corpus: DH and TH stopped in the `th` group.
    expect(md).toMatch(/\| th \| DH → D \(\d+\), TH → T \(\d+\) \| [^|]+ \| not run \| not run \|/);
    expect(md).toMatch(/\| none \| — \|/);
    const json = JSON.parse(readFileSync(join(dir, 'out', 'glass-planted.json'), 'utf8')) as { groundTruth: { group: string; from: string; to: string; tokens: number }[] };
    const truth = readFileSync(join(dir, 'corpus', 'planted.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { group: string; words: { applied: { from: string; to: string }[] }[] });
    const th = truth.filter((u) => u.group === 'th').flatMap((u) => u.words.flatMap((w) => w.applied)).filter((a) => a.from === 'TH').length;
    expect(json.groundTruth.find((p) => p.group === 'th' && p.from === 'TH')?.tokens).toBe(th);
  }, 300_000);

  it('refuses a malformed or foreign ground truth before decoding, with one line naming the file', () => {
    writeFileSync(join(dir, 'bad.jsonl'), '{"id": "x", "group": "th"}\n');
    const bad = run(['glass', 'corpus/manifest.jsonl', '--group-by', 'accent', '--reference-group', 'none', '--ground-truth', 'bad.jsonl', '--out', 'out2']);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^asrfair: bad\.jsonl:1: not a planted utterance: /)]);
    writeFileSync(join(dir, 'other.jsonl'), JSON.stringify({ id: 'elsewhere', group: 'th', speaker: 's', rules: [], words: [] }) + '\n');
    const other = run(['glass', 'corpus/manifest.jsonl', '--group-by', 'accent', '--reference-group', 'none', '--ground-truth', 'other.jsonl', '--out', 'out3']);
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(/other\.jsonl: none of its 1 utterances is in the manifest/);
    expect(existsSync(join(dir, 'out3', 'confusable.md'))).toBe(false);
    // A phone CMUdict does not have.
    const line = readFileSync(join(dir, 'corpus', 'planted.jsonl'), 'utf8').split('\n')[0].replace('"DH"', '"ZZ"');
    writeFileSync(join(dir, 'zz.jsonl'), line + '\n');
    const zz = run(['glass', 'corpus/manifest.jsonl', '--group-by', 'accent', '--ground-truth', 'zz.jsonl', '--out', 'out4']);
    expect(zz.status).toBe(2);
    expect(zz.stderr.trim()).toBe('asrfair: zz.jsonl:1: "ZZ" is not a CMUdict phone');
  });

  it('refuses the ground truth of another build of the corpus (same ids, other seed), naming the first difference', () => {
    const r = run(['synth', '--accent-rules', 'rules.yaml', '-o', 'corpus-seed2', '--speakers', '2', '--sentences', '2', '--prompts', 'prompts.txt', '--matched-speakers', '--seed', '2']);
    expect(r.status, r.stderr).toBe(0);
    const other = run(['glass', 'corpus/manifest.jsonl', '--group-by', 'accent', '--reference-group', 'none', '--ground-truth', 'corpus-seed2/planted.jsonl', '--out', 'out5']);
    expect(other.status).toBe(2);
    expect(other.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^asrfair: corpus-seed2\/planted\.jsonl: \d+ of its utterances do not match the manifest \(another build of the corpus\?\), e\.g\. \S+: audio audio\/\S+\.wav, the manifest's audio\/\S+\.wav$/)]);
  }, 300_000);
});
