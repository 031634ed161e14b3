// User trial 22: service cards grouped by several keys, on the real Artie bias corpus with Amazon's real en-US answers.
// A derived manifest (built here from the shipped one) holds the trial's odd labels: the 12 "scotland" utterances
// declared as "undeclared" (s7), the 4 gender "other" ones as "Undeclared", and 20 "england" spelled "england " (s4).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';
import { ARTIE, ARTIE_EN_US } from '../helpers/artie-suite.ts';

const dir = mkdtempSync(join(tmpdir(), 'asrfair-t22-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const exp = join(dir, 'run');
const rep = join(dir, 'report');
let run: Awaited<ReturnType<typeof cli>>;
let report: Awaited<ReturnType<typeof cli>>;
let md: string;
let html: string;
let csv: string;
let card: {
  settings: { grouping: Record<string, unknown> };
  warnings: string[];
  footnotes: string[];
  models: { groupBy: string }[];
  splitGroups: { key: string }[];
  tables: { groupBy: string; rows: { group: string; utterances: number }[] }[];
};
let scotlandLine = 0;

beforeAll(async () => {
  let england = 0;
  const lines = readFileSync(join(ARTIE, 'manifest.jsonl'), 'utf8').trim().split('\n').map((l, i) => {
    const o = JSON.parse(l) as { labels: Record<string, string> };
    if (o.labels.accent === 'scotland') {
      o.labels.accent = o.labels.accent_raw = 'undeclared';
      scotlandLine ||= i + 1;
    }
    if (o.labels.gender === 'other') o.labels.gender = o.labels.gender_raw = 'Undeclared';
    if (o.labels.accent === 'england' && england++ < 20) o.labels.accent = o.labels.accent_raw = 'england ';
    return JSON.stringify(o);
  });
  writeFileSync(join(dir, 'odd.jsonl'), lines.join('\n') + '\n');
  writeFileSync(join(dir, 'agemap.yaml'), 'age:\n  teens: "15"\n  twenties: "25"\n  thirties: "35"\n  fourties: "45"\n  fifties: "55"\n  sixties: "65"\n  seventies: "75"\n  eighties: "85"\n  nineties: "95"\n');
  const suite = join(dir, 's.yaml');
  writeFileSync(
    suite,
    [
      'name: t22', 'manifest: odd.jsonl', 'groupBy: [accent, gender, age]', 'labelMap: agemap.yaml', 'bins: { age: [0, 30, 50] }', 'qc: false',
      'backends:', `  - { name: amazon, type: hypotheses, options: { file: ${ARTIE_EN_US.amazon.file}, idFrom: basename-without-extension } }`,
      'normaliser: basic', 'seed: 1', 'bootstrap: { B: 200 }', 'minCell: { speakers: 10, words: 500 }', '',
    ].join('\n'),
  );
  run = await cli('run', suite, '--store', join(dir, 's.sqlite'), '--out', exp, '--no-progress');
  report = await cli('report', exp, '--out', rep);
  md = readFileSync(join(rep, 'card.md'), 'utf8');
  html = readFileSync(join(rep, 'card.html'), 'utf8');
  csv = readFileSync(join(rep, 'card.csv'), 'utf8');
  card = JSON.parse(readFileSync(join(rep, 'card.json'), 'utf8'));
}, 300_000);

describe('trial 22: a card grouped by accent, gender and binned age', () => {
  it('says the p-values are adjusted within each key, not over the whole card', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(report.code, report.stderr).toBe(0);
    for (const text of [md, html.replaceAll('&#39;', "'")]) {
      expect(text).not.toContain('every test in the card');
      expect(text).toContain("adjusted within each grouping key's tables (by accent; by gender; by age");
    }
  });

  it('warns about declared values spelled "undeclared", in run, report and on the card', () => {
    const accent = `label "accent": 12 utterances declare the value "undeclared" (first at ${join(dir, 'odd.jsonl')}:${scotlandLine}), the name of the group of utterances that declare nothing: all 12 are counted in that group`;
    expect(run.stderr).toContain(accent);
    expect(report.stderr).toMatch(/label "accent": 12 utterances declare the value "undeclared" \(first at .*results\.jsonl:\d+\)/);
    expect(report.stderr).toContain('label "gender": 4 utterances declare the value "Undeclared"');
    expect(report.stderr).toContain('all 4 are a separate group that reads as that one');
    expect(card.warnings.join('\n')).toContain('Declared values spelled as "undeclared": label "accent": 12 utterances');
    expect(md).toContain('label "gender": 4 utterances declare the value "Undeclared"');
    // Not advised to merge "Undeclared" into the non-declarers as a case split.
    expect(card.splitGroups.map((s) => s.key)).toEqual(['accent']);
    expect(report.stderr).not.toMatch(/"Undeclared".*differ only in case/);
  });

  it('keeps "england " apart from "england" in csv, md and the terminal', () => {
    expect(csv).toMatch(/^group,group,accent,[^\n]*,"england ",/m);
    expect(csv).toMatch(/^group,group,accent,[^\n]*,england,/m);
    expect(md).toMatch(/^\| "england " \|/m);
    expect(run.stdout).toContain('| "england " |');
  });

  it('names the key of the model-based view', () => {
    expect(card.models.map((m) => m.groupBy)).toEqual(['accent']);
    expect(md).toContain('## Model-based view by accent (Poisson regression');
    expect(md).toContain('| Group (accent) | Utterances |');
    expect(html).toContain('Group (accent)</th>');
  });

  it('bins the mapped ages and says how each key was grouped', () => {
    const ages = card.tables.filter((t) => t.groupBy === 'age')[0].rows.map((r) => r.group).sort();
    expect(ages).toEqual(['0–29', '30–49', '50+', 'undeclared']);
    const grouping = { age: { labelMap: 'agemap.yaml', bins: { edges: [0, 30, 50] } } };
    expect(JSON.parse(readFileSync(join(exp, 'run.json'), 'utf8')).analysis.grouping).toEqual(grouping);
    expect(card.settings.grouping).toEqual(grouping);
    expect(md).toContain('Grouping: age by label map agemap.yaml, then bins at 0, 30, 50');
    expect(html).toContain('Grouping: age by label map agemap.yaml, then bins at 0, 30, 50');
  });

  it('says the reference group is a group of the first key', async () => {
    const r = await cli('report', exp, '--reference-group', 'female', '--format', 'json', '--out', join(dir, 'ref'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--reference-group: no group "female" on "accent", the first of the grouping keys accent, gender, age: the reference group applies to it only');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(card.footnotes.join('\n')).toContain('the reference group (suite referenceGroup, --reference-group: a group of accent');
    expect((await cli('report', '--help')).stdout.replace(/\s+/g, ' ')).toContain('--reference-group <name> group the gap-to-reference column and the model rate ratios are measured against, a group of the first grouping key');
  });
});
