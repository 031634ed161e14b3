/**
 * Fresh-user trial 10, item 2: README says a small cell's "raw p is shown"; md and html printed "—" (the raw p was
 * only in CSV/JSON). Real data: Artie, Amazon en-US; canada (23 speakers, 362 words) is below the 500-word
 * minimum cell, us and england are tested. Every format now shows the same raw p for canada, marked "raw", with a
 * note; the tested groups keep their adjusted p.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { fmtP } from '../../src/report/format.ts';
import { SMALL_CELL_P_NOTE } from '../../src/report/render-md.ts';
import { parseCsv } from './parse-csv.ts';

const ROOT = join(import.meta.dirname, '../..');
const ARTIE = join(ROOT, 'corpora/artie-bias-corpus');
const KEEP = new Set(['us', 'canada', 'england']);

let out: string;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'small-p-'));
  const lines = readFileSync(join(ARTIE, 'manifest.jsonl'), 'utf8').split('\n').filter((l) => l && KEEP.has(JSON.parse(l).labels.accent));
  writeFileSync(join(dir, 'm.jsonl'), lines.join('\n') + '\n');
  writeFileSync(
    join(dir, 's.yaml'),
    `name: smallp\nmanifest: m.jsonl\ngroupBy: [accent]\nnormaliser: basic\nbootstrap: { B: 200 }\nminCell: { speakers: 10, words: 500 }\nmetrics: [wer]\nbackends:\n` +
      `  - { name: amazon, type: hypotheses, options: { file: ${join(ARTIE, 'predictions/amazon/en-US/dec-9-2019.tsv')}, idFrom: basename-without-extension } }\n`,
  );
  const run = join(dir, 'run');
  const r = await cli('run', join(dir, 's.yaml'), '--store', join(dir, 's.sqlite'), '--out', run, '--no-progress', '--no-gate');
  expect(r.code, r.stderr).toBe(0);
  out = join(dir, 'card');
  const rep = await cli('report', run, '--format', 'md,html,csv,json', '--out', out, '--model', 'none');
  expect(rep.code, rep.stderr).toBe(0);
}, 120_000);

describe('a small cell shows its raw p in every format', () => {
  it('md, html, csv and json give the same raw p for canada; tested groups keep the adjusted p', () => {
    const csv = parseCsv(readFileSync(join(out, 'card.csv'), 'utf8'));
    const row = (g: string) => csv.find((r) => r.group === g)!;
    expect(row('canada').flags).toContain('small-cell');
    expect(row('canada').p_adjusted).toBe('');
    const raw = Number(row('canada').p);
    expect(raw).toBeGreaterThan(0);
    const json = JSON.parse(readFileSync(join(out, 'card.json'), 'utf8'));
    const jrow = json.tables[0].rows.find((r: { group: string }) => r.group === 'canada');
    expect(jrow.p).toBeCloseTo(raw, 6);
    const shown = `raw ${fmtP(raw)}`;

    const md = readFileSync(join(out, 'card.md'), 'utf8');
    const head = md.split('\n').find((l) => l.startsWith('| Group |'))!.split(' | ');
    const pCol = head.findIndex((h) => h.startsWith('Adj. p vs rest'));
    const mdRow = (g: string) => md.split('\n').find((l) => l.startsWith(`| ${g} |`))!.split(' | ');
    expect(mdRow('canada')[pCol]).toBe(shown);
    expect(mdRow('us')[pCol].startsWith(fmtP(Number(row('us').p_adjusted)))).toBe(true);
    expect(mdRow('us')[pCol]).not.toMatch(/raw/);
    expect(md).toContain(SMALL_CELL_P_NOTE);

    const html = readFileSync(join(out, 'card.html'), 'utf8');
    expect(html).toContain(`>${shown}</td>`);
    expect(html).toContain(SMALL_CELL_P_NOTE);

  });
});
