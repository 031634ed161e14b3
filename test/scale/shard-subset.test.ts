// A shard is a subset (trial 10 left this alone): `run --shard i/n` on the real Artie bias corpus (1,712 clips) with
// Google en-US's real answers. Each shard's run.json, card and `check` carry the same `subset` record as `--limit`
// (how chosen, N of M, the declared groups it leaves out); the merge of every shard is whole and records none; shards
// of a `--limit 60` run merge into exactly the record a `--limit 60` run has. Expected groups are computed here from the
// manifest and sha1 of the ids (shardOf's documented rule), not taken from asrfair's output.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';
import { loadRunForReport } from '../../src/score/run-export.ts';

const MANIFEST = join(import.meta.dirname, '../../corpora/artie-bias-corpus/manifest.jsonl');
const GOOGLE = join(import.meta.dirname, '../../../shared/data/artie-bias-corpus/predictions/google/en-US/dec-4-2019.tsv');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-shard-subset-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const manifest = readFileSync(MANIFEST, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { id: string; labels: Record<string, string> });
const accentOf = (u: (typeof manifest)[number]) => u.labels.accent || 'undeclared';
/** sha1(id)'s first 4 bytes, big-endian, mod n, plus 1 (README, src/scaleout/shard.ts). */
const shardOf = (id: string, n: number) => (createHash('sha1').update(id, 'utf8').digest().readUInt32BE(0) % n) + 1;
const countBy = (utts: typeof manifest) => utts.reduce<Record<string, number>>((m, u) => ({ ...m, [accentOf(u)]: (m[accentOf(u)] ?? 0) + 1 }), {});
const whole = countBy(manifest);
/** The manifest's accents with no utterance in `part`, with their manifest counts, sorted. */
const leftOut = (part: typeof manifest) => {
  const inPart = countBy(part);
  return Object.fromEntries(Object.entries(whole).filter(([a]) => !inPart[a]).sort(([a], [b]) => a.localeCompare(b)));
};

const suite = join(dir, 'sharded.yaml');
writeFileSync(
  suite,
  `name: sharded\nmanifest: ${MANIFEST}\ngroupBy: [accent]\nnormaliser: basic\nseed: 1\nbootstrap: { B: 100 }\nminCell: { speakers: 10, words: 500 }\n` +
    `backends:\n  - { name: google-en-US, type: hypotheses, options: { file: ${GOOGLE}, idFrom: basename-without-extension } }\n`,
);
const N = 4;
const store = join(dir, 's.sqlite');
const shardStore = (i: number, n: number) => join(dir, `s.shard-${i}-of-${n}.sqlite`);
const shardRuns: Awaited<ReturnType<typeof cli>>[] = [];
let merge: Awaited<ReturnType<typeof cli>>;
beforeAll(async () => {
  for (let i = 1; i <= N; i++) shardRuns.push(await cli('run', suite, '--shard', `${i}/${N}`, '--store', store, '--out', join(dir, `shard-${i}`), '--no-progress'));
  merge = await cli('merge', join(dir, 'merged.sqlite'), ...Array.from({ length: N }, (_, i) => shardStore(i + 1, N)), '--out', join(dir, 'merged'));
}, 180_000);

describe('a shard is recorded as a subset; the merge of every shard is whole', () => {
  it("each shard's run.json records how it was chosen, N of M and the groups it leaves out", () => {
    let someLeftOut = false;
    for (let i = 1; i <= N; i++) {
      expect(shardRuns[i - 1].code, shardRuns[i - 1].stderr).toBe(0);
      const mine = manifest.filter((u) => shardOf(u.id, N) === i);
      const notInRun = leftOut(mine);
      someLeftOut ||= Object.keys(notInRun).length > 0;
      expect(loadRunForReport(join(dir, `shard-${i}`)).meta.subset).toEqual({
        how: 'shard', shard: { index: i, count: N }, utterances: mine.length, manifestUtterances: manifest.length,
        notInRun: Object.keys(notInRun).length ? { accent: notInRun } : {},
      });
      expect(shardRuns[i - 1].stderr).toContain(`asrfair: Subset: this run covers ${mine.length} of 1,712 utterances of the manifest (--shard ${i}/${N}: the utterances whose id hashes to shard ${i} of ${N}`);
    }
    // Artie's rarest accents (2–3 clips) cannot be in every one of 4 shards: the test exercises the left-out lines.
    expect(someLeftOut).toBe(true);
  });

  it("a shard's card says so at the top, and check fails on the groups it leaves out (--allow-subset accepts them)", async () => {
    const i = [1, 2, 3, 4].find((k) => Object.keys(leftOut(manifest.filter((u) => shardOf(u.id, N) === k))).length > 0)!;
    const groups = leftOut(manifest.filter((u) => shardOf(u.id, N) === i));
    const out = join(dir, `shard-${i}`);
    const rep = await cli('report', out, '--format', 'md,json');
    expect(rep.code, rep.stderr).toBe(0);
    const md = readFileSync(join(out, 'report', 'card.md'), 'utf8');
    expect(md.indexOf(`(--shard ${i}/${N}: the utterances whose id hashes to shard ${i} of ${N}`)).toBeGreaterThan(0);
    expect(md.indexOf('Not in this run (by accent): ')).toBeLessThan(md.indexOf('| '));
    for (const g of Object.keys(groups)) expect(md).toContain(`"${g}" (${groups[g]} utterance`);
    const check = await cli('check', out, '--max-wer', '1', '--max-failed-share', '1', '--include-small-cells');
    expect(check.code, check.stdout + check.stderr).toBe(1);
    for (const [g, n] of Object.entries(groups)) {
      expect(check.stderr).toContain(`group "${g}" (by accent, ${n} utterance${n === 1 ? '' : 's'} in the manifest) is not in this run: --shard ${i}/${N} left it out`);
    }
    const ok = await cli('check', out, '--max-wer', '1', '--max-failed-share', '1', '--include-small-cells', '--allow-subset');
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`^PASS: .*; subset: ${manifest.filter((u) => shardOf(u.id, N) === i).length} of 1712 utterances of the manifest \\(--shard ${i}/${N}\\)`, 'm'));
  });

  it('the merge of every shard records no subset: its card and check say nothing of one', async () => {
    expect(merge.code, merge.stderr).toBe(0);
    expect(merge.stderr).not.toContain('Subset');
    const meta = loadRunForReport(join(dir, 'merged')).meta;
    expect(meta.subset).toBeUndefined();
    const check = await cli('check', join(dir, 'merged'), '--max-wer', '1', '--max-failed-share', '1');
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout + check.stderr).not.toMatch(/subset|not in this run/i);
  });

  it('shards of a --limit 60 run merge into the subset record a --limit 60 run has', async () => {
    for (let i = 1; i <= 2; i++) {
      const r = await cli('run', suite, '--shard', `${i}/2`, '--limit', '60', '--store', join(dir, 'l.sqlite'), '--out', join(dir, `lim-shard-${i}`), '--no-progress');
      expect(r.code, r.stderr).toBe(0);
      const mine = manifest.slice(0, 60).filter((u) => shardOf(u.id, 2) === i);
      expect(loadRunForReport(join(dir, `lim-shard-${i}`)).meta.subset).toMatchObject({ how: 'shard', limit: 60, shard: { index: i, count: 2 }, utterances: mine.length, manifestUtterances: manifest.length });
      expect(r.stderr).toContain(`(--shard ${i}/2 --limit 60: the utterances whose id hashes to shard ${i} of 2, of the first 60 in manifest order;`);
    }
    const m = await cli('merge', join(dir, 'l-merged.sqlite'), join(dir, 'l.shard-1-of-2.sqlite'), join(dir, 'l.shard-2-of-2.sqlite'), '--out', join(dir, 'l-merged'));
    expect(m.code, m.stderr).toBe(0);
    expect(m.stderr).toContain('asrfair: Subset: this run covers 60 of 1,712 utterances of the manifest (--limit 60: the first 60 in manifest order)');
    const direct = await cli('run', suite, '--limit', '60', '--store', join(dir, 'd.sqlite'), '--out', join(dir, 'direct'), '--no-progress');
    expect(direct.code, direct.stderr).toBe(0);
    const expected = { how: 'first-n', limit: 60, utterances: 60, manifestUtterances: manifest.length, notInRun: { accent: leftOut(manifest.slice(0, 60)) } };
    expect(loadRunForReport(join(dir, 'direct')).meta.subset).toEqual(expected);
    expect(loadRunForReport(join(dir, 'l-merged')).meta.subset).toEqual(expected);
  });
});
