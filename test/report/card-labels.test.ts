import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { parseCsv } from './parse-csv.ts';
import { fmtP } from '../../src/report/format.ts';
import { SMALL_CELL_P_NOTE } from '../../src/report/render-md.ts';

// Real vendor transcripts on real people (Artie, Amazon en-US, text-only: no audio, so no durations).
// canada (23 speakers, 362 words: below the 500-word minimum cell) has a lower WER (9.1%) than us
// (18.2%), so the best group is us only because it is chosen among adequately sized groups.
const ROOT = join(import.meta.dirname, '../..');
const ARTIE = join(ROOT, 'corpora/artie-bias-corpus');
const KEEP = new Set(['us', 'canada', 'england']);

let dir: string;
let out: string;
let stdout: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'card-labels-'));
  const lines = readFileSync(join(ARTIE, 'manifest.jsonl'), 'utf8').split('\n').filter((l) => l && KEEP.has(JSON.parse(l).labels.accent));
  writeFileSync(join(dir, 'm.jsonl'), lines.join('\n') + '\n');
  writeFileSync(
    join(dir, 's.yaml'),
    `name: labels\nmanifest: m.jsonl\ngroupBy: [accent]\nnormaliser: basic\nbootstrap: { B: 200 }\nminCell: { speakers: 10, words: 500 }\nmetrics: [wer]\nbackends:\n` +
      `  - { name: amazon, type: hypotheses, options: { file: ${join(ARTIE, 'predictions/amazon/en-US/dec-9-2019.tsv')}, idFrom: basename-without-extension } }\n`,
  );
  const run = join(dir, 'run');
  const r = await cli('run', join(dir, 's.yaml'), '--store', join(dir, 's.sqlite'), '--out', run, '--no-progress', '--no-gate');
  expect(r.code, r.stderr).toBe(0);
  out = join(dir, 'card');
  const rep = await cli('report', run, '--format', 'md,html,csv,json', '--out', out, '--model', 'none');
  expect(rep.code, rep.stderr).toBe(0);
  stdout = r.stdout;
}, 120_000);

const mdRow = (md: string, group: string) => md.split('\n').find((l) => l.startsWith(`| ${group} |`))!.split(' | ');

describe('card labels: the best group and unmeasured hours', () => {
  it('says the best group is chosen among adequately sized groups (canada has a lower WER but is a small cell)', () => {
    const md = readFileSync(join(out, 'card.md'), 'utf8');
    const head = md.split('\n').find((l) => l.startsWith('| Group |'))!.split(' | ');
    expect(head).toContain('Gap to best adequate group, descriptive [95% CI]');
    expect(head).toContain('Ratio to best adequate group');
    const us = mdRow(md, 'us');
    const canada = mdRow(md, 'canada');
    expect(parseFloat(canada[head.indexOf('Pooled WER [95% CI]')])).toBeLessThan(parseFloat(us[head.indexOf('Pooled WER [95% CI]')]));
    expect(us[head.indexOf('Flags')]).toMatch(/^best adequate group/);
    expect(canada[head.indexOf('Flags')]).toMatch(/small cell/);
    expect(md).toContain('Best group (lowest WER among groups with at least 10 speakers and 500 reference words): us.');
    const html = readFileSync(join(out, 'card.html'), 'utf8');
    expect(html).toContain('<span class="flag best">best adequate group</span>');
    expect(html).toContain('Best group (lowest WER among groups with at least 10 speakers and 500 reference words): us.');
    expect(html).toContain('<th');
    expect(html).toContain('Ratio to best adequate group');
  });

  it('prints "—" for the hours of a text-only card, in every format, with a footnote (no "0.00")', () => {
    const md = readFileSync(join(out, 'card.md'), 'utf8');
    const head = md.split('\n').find((l) => l.startsWith('| Group |'))!.split(' | ');
    for (const g of ['us', 'canada', 'england', '**All groups**']) {
      const row = md.split('\n').find((l) => l.startsWith(`| ${g} |`));
      if (row) expect(row.split(' | ')[head.indexOf('Hours')]).toBe('—');
    }
    expect(md).not.toMatch(/\| 0\.00 \|/);
    expect(md).toContain('Hours — (empty in CSV, null in JSON): not measured');
    const html = readFileSync(join(out, 'card.html'), 'utf8');
    expect(html).not.toMatch(/>0\.00</);
    const csv = parseCsv(readFileSync(join(out, 'card.csv'), 'utf8'));
    expect(csv.filter((r) => r.group === 'us').every((r) => r.hours === '')).toBe(true);
    const json = JSON.parse(readFileSync(join(out, 'card.json'), 'utf8')) as { tables: Array<{ rows: Array<{ hours: number | null }>; overall: { hours: number | null } }> };
    expect(json.tables.every((t) => t.overall.hours === null && t.rows.every((r) => r.hours === null))).toBe(true);
    expect(stdout).not.toMatch(/0\.00 h/);
  });
});

// Fresh-user trial 10: README says a small cell's raw p is shown; md and html printed "—" (the raw p was only in
// CSV/JSON). Every format now shows canada's raw p, marked "raw", with a note; tested groups keep their adjusted p.
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
    const mdCells = (g: string) => md.split('\n').find((l) => l.startsWith(`| ${g} |`))!.split(' | ');
    expect(mdCells('canada')[pCol]).toBe(shown);
    expect(mdCells('us')[pCol].startsWith(fmtP(Number(row('us').p_adjusted)))).toBe(true);
    expect(mdCells('us')[pCol]).not.toMatch(/raw/);
    expect(md).toContain(SMALL_CELL_P_NOTE);

    const html = readFileSync(join(out, 'card.html'), 'utf8');
    expect(html).toContain(`>${shown}</td>`);
    expect(html).toContain(SMALL_CELL_P_NOTE);

  });
});
