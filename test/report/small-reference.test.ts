import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';

// Real vendors on real people (Artie, text-only, Amazon en-US): england (77 speakers) is adequate,
// singapore has 2 speakers and 23 words, below the default minimum cell (10 speakers / 500 words).
const ROOT = join(import.meta.dirname, '../..');
const ARTIE = join(ROOT, 'corpora/artie-bias-corpus');
const KEEP = new Set(['england', 'singapore', 'wales']);

let dir: string;
let run: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'small-reference-'));
  const lines = readFileSync(join(ARTIE, 'manifest.jsonl'), 'utf8').split('\n').filter((l) => l && KEEP.has(JSON.parse(l).labels.accent));
  writeFileSync(join(dir, 'm.jsonl'), lines.join('\n') + '\n');
  writeFileSync(
    join(dir, 's.yaml'),
    `name: smallref\nmanifest: m.jsonl\ngroupBy: [accent]\nnormaliser: basic\nbootstrap: { B: 200 }\nreferenceGroup: singapore\nbackends:\n` +
      `  - { name: amazon, type: hypotheses, options: { file: ${join(ARTIE, 'predictions/amazon/en-US/dec-9-2019.tsv')}, idFrom: basename-without-extension } }\n`,
  );
  run = join(dir, 'run');
  const r = await cli('run', join(dir, 's.yaml'), '--store', join(dir, 's.sqlite'), '--out', run, '--no-progress', '--no-gate');
  expect(r.code, r.stderr).toBe(0);
}, 120_000);

describe('model view: a declared reference group below the minimum cell is said (it was used silently)', () => {
  it('warns on the terminal and in every card format, naming the group and its size', async () => {
    const out = join(dir, 'rep');
    const r = await cli('report', run, '--out', out, '--format', 'md,html,json,csv');
    expect(r.code, r.stderr).toBe(0);
    const warn = r.stderr.split('\n').filter((l) => l.includes('Small reference group'));
    expect(warn).toHaveLength(1);
    expect(warn[0]).toMatch(
      /^asrfair: warning: model-based view \(amazon\): Small reference group: "singapore" \(the run's declared reference group\) has 2 speakers and \d+ reference words, below the card's minimum cell \(10 speakers and 500 reference words\)\. /,
    );
    expect(readFileSync(join(out, 'card.md'), 'utf8')).toMatch(/> Warning: Small reference group: "singapore" .*has 2 speakers/);
    expect(readFileSync(join(out, 'card.html'), 'utf8')).toMatch(/<p class="warn">Warning: Small reference group: &quot;singapore&quot;/);
    const json = JSON.parse(readFileSync(join(out, 'card.json'), 'utf8'));
    expect(JSON.stringify(json)).toContain('Small reference group: \\"singapore\\"');
  });

  it('is silent for an adequate reference group', async () => {
    const r = await cli('report', run, '--out', join(dir, 'rep2'), '--format', 'md', '--reference-group', 'england');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('Small reference group');
    expect(readFileSync(join(dir, 'rep2/card.md'), 'utf8')).not.toContain('Small reference group');
  });
});
