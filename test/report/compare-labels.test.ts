// `asrfair compare` groups by run A's labels: when the runs label shared utterances differently it must say so
// (trial 21, finding 5: the tables of A-vs-B and B-vs-A came out completely different, with no word why).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';

const MANIFEST = join(import.meta.dirname, '../../corpora/artie-bias-corpus/manifest.jsonl');
const GOOGLE = join(import.meta.dirname, '../../../shared/data/artie-bias-corpus/predictions/google/en-US/dec-4-2019.tsv');

const dir = mkdtempSync(join(tmpdir(), 'asrfair-compare-labels-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Utt = { id: string; text: string; labels: Record<string, string> };
const manifest = readFileSync(MANIFEST, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Utt);
/** 30 England utterances declared scottish in run B's manifest. */
const moved = manifest.filter((u) => u.labels.accent === 'england').slice(0, 30).map((u) => u.id);

async function run(name: string, manifestFile: string): Promise<string> {
  const s = join(dir, `${name}.yaml`);
  writeFileSync(
    s,
    `name: ${name}\nmanifest: ${manifestFile}\ngroupBy: [accent]\nnormaliser: basic\nseed: 1\nbootstrap: { B: 200 }\nbackends:\n` +
      `  - { name: google, type: hypotheses, options: { file: ${GOOGLE}, idFrom: basename-without-extension } }\n`,
  );
  const out = join(dir, name);
  const r = await cli('run', s, '--store', join(dir, `${name}.sqlite`), '--out', out, '--no-progress', '--no-gate');
  if (r.code !== 0) throw new Error(r.stderr);
  return out;
}

let runA: string;
let runB: string;
beforeAll(async () => {
  const m = join(dir, 'relabelled.jsonl');
  const ids = new Set(moved);
  writeFileSync(m, manifest.map((u) => JSON.stringify(ids.has(u.id) ? { ...u, labels: { ...u.labels, accent: 'scottish' } } : u)).join('\n') + '\n');
  runA = await run('a', MANIFEST);
  runB = await run('b', m);
}, 120_000);

describe('compare says when the runs label shared utterances differently', () => {
  for (const [order, first, second, ga, gb] of [['A vs B', () => runA, () => runB, 'england', 'scottish'], ['B vs A', () => runB, () => runA, 'scottish', 'england']] as const) {
    it(`${order}: one warning line (how many, the key, that A's labels are used, an example), in md and json notes too`, async () => {
      const out = join(dir, `cmp-${order.replace(/ /g, '')}`);
      const r = await cli('compare', first(), second(), '--format', 'md,json', '--out', out);
      expect(r.code, r.stderr).toBe(0);
      const line = r.stderr.split('\n').filter((l) => l.includes('Group labels differ'));
      expect(line).toHaveLength(1);
      expect(line[0]).toMatch(
        new RegExp(`^asrfair: warning: Group labels differ between the runs for 30 utterances both hold \\(key accent; e\\.g\\. (\\S+): A ${ga}, B ${gb}\\): run A's labels are used for every group\\.$`),
      );
      const example = /e\.g\. (\S+):/.exec(line[0])![1];
      expect(moved).toContain(example);
      const json = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8'));
      expect(json.labelsDiffer).toMatchObject({ key: 'accent', count: 30, example: { id: example, a: ga, b: gb } });
      expect(json.notes.some((n: string) => n.includes('Group labels differ between the runs for 30 utterances'))).toBe(true);
      expect(readFileSync(join(out, 'compare.md'), 'utf8')).toContain('Group labels differ between the runs for 30 utterances both hold (key accent;');
    });
  }

  it('runs that label alike: no such warning', async () => {
    const r = await cli('compare', runA, runA, '--format', 'json', '--out', join(dir, 'same'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr + r.stdout).not.toContain('Group labels differ');
    expect(JSON.parse(readFileSync(join(dir, 'same', 'compare.json'), 'utf8')).labelsDiffer).toBeUndefined();
  });
});
