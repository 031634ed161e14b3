import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { parseCsv } from './parse-csv.ts';

// Real vendor transcripts (Amazon en-US, Artie corpus, text-only). The cut keeps undeclared speakers the
// largest group (200 utterances) ahead of us (150) and england (131), plus two tiny accents:
// southatlandtic (1 speaker, 3 utterances) and wales (2 speakers).
const ROOT = join(import.meta.dirname, '../..');
const ARTIE = join(ROOT, 'corpora/artie-bias-corpus');
const QUOTA: Record<string, number> = { undeclared: 200, us: 150, england: 1000, southatlandtic: 1000, wales: 1000 };

interface ModelGroup { group: string; reference: boolean; smallCell: boolean; rateRatio: { estimate: number } | null; p: number | null }
interface Model { referenceGroup: string; referenceSource: string; groups: ModelGroup[] }

let dir: string;
let run: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'model-small-'));
  const taken: Record<string, number> = {};
  const lines = readFileSync(join(ARTIE, 'manifest.jsonl'), 'utf8').split('\n').filter((l) => {
    if (!l) return false;
    const g: string = JSON.parse(l).labels.accent ?? 'undeclared';
    taken[g] = (taken[g] ?? 0) + 1;
    return taken[g] <= (QUOTA[g] ?? 0);
  });
  writeFileSync(join(dir, 'm.jsonl'), lines.join('\n') + '\n');
  writeFileSync(
    join(dir, 's.yaml'),
    `name: model\nmanifest: m.jsonl\ngroupBy: [accent]\nnormaliser: basic\nbootstrap: { B: 200 }\nminCell: { speakers: 10, words: 500 }\nbackends:\n` +
      `  - { name: amazon, type: hypotheses, options: { file: ${join(ARTIE, 'predictions/amazon/en-US/dec-9-2019.tsv')}, idFrom: basename-without-extension } }\n`,
  );
  run = join(dir, 'run');
  const r = await cli('run', join(dir, 's.yaml'), '--store', join(dir, 's.sqlite'), '--out', run, '--no-progress', '--no-gate');
  expect(r.code, r.stderr).toBe(0);
}, 120_000);

describe('model-based view: small cells and the reference group', () => {
  it('a 1-speaker group gets "not enough data", not a rate ratio with p < 0.001; the reference is the largest declared group, never undeclared', async () => {
    const out = join(dir, 'card');
    const r = await cli('report', run, '--format', 'md,csv,json', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const card = JSON.parse(readFileSync(join(out, 'card.json'), 'utf8')) as { models: Model[] };
    const m = card.models[0];
    // undeclared has the most utterances (200) but is no baseline: us (150) is the largest declared group.
    expect(m.referenceGroup).toBe('us');
    expect(m.referenceSource).toBe('largest-declared');
    const by = new Map(m.groups.map((g) => [g.group, g]));
    for (const small of ['southatlandtic', 'wales']) {
      expect(by.get(small)).toMatchObject({ smallCell: true, rateRatio: null, p: null });
    }
    expect(by.get('england')!.smallCell).toBe(false);
    expect(by.get('england')!.rateRatio!.estimate).toBeGreaterThan(0);
    expect(by.get('undeclared')!.smallCell).toBe(false);
    const md = readFileSync(join(out, 'card.md'), 'utf8');
    expect(md).toContain('Reference group: us (the largest declared group by utterances, since the run declares none');
    expect(md).toMatch(/\| southatlandtic \| 3 \| not enough data \| — \| — \|/);
    const sa = parseCsv(readFileSync(join(out, 'card-model.csv'), 'utf8')).find((x) => x.term === 'southatlandtic')!;
    expect(sa).toMatchObject({ row_type: 'group', note: 'not enough data', rate_ratio: '', p: '' });
  });

  it('a declared reference group is used and the card says so', async () => {
    const out = join(dir, 'card-ref');
    const r = await cli('report', run, '--format', 'md,json', '--out', out, '--reference-group', 'england');
    expect(r.code, r.stderr).toBe(0);
    const m = (JSON.parse(readFileSync(join(out, 'card.json'), 'utf8')) as { models: Model[] }).models[0];
    expect(m).toMatchObject({ referenceGroup: 'england', referenceSource: 'given' });
    expect(readFileSync(join(out, 'card.md'), 'utf8')).toContain("Reference group: england (the run's declared reference group)");
  });
});
