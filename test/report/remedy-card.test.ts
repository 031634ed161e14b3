/**
 * Issue 16: the remedy is a section of the run's card. A suite's `remedy:` (what `asrfair adapt`
 * writes into adapted.yaml) is recorded in run.json; `asrfair report` builds the section from the
 * run alone (md, html, csv, json) byte for byte; `asrfair compare` of the two backends gives the
 * same per-group numbers. Real data, real tools: the Artie corpus's Amazon and Google transcripts
 * (text-only, the vendors' own tables), as if Google were the remedy of Amazon.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.ts';
import { parseCsv } from './parse-csv.ts';

const ARTIE = resolve(import.meta.dirname, '../../corpora/artie-bias-corpus');
const cwd = mkdtempSync(join(tmpdir(), 'asrfair-remedy-card-'));
const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const runDir = join(cwd, 'run');
const files = ['card.md', 'card.json', 'card.csv', 'card.html', 'card-remedy.csv'];
const hashes = (dir: string) => Object.fromEntries(files.map((f) => [f, createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')]));

interface CardGroup { group: string; speakers: number; words: number; before: number; after: number; change: { estimate: number; lo: number; hi: number }; significantlyWorse: boolean; significantlyBetter: boolean; smallCell: boolean }
interface CardJson {
  remedy: { before: { name: string }; after: { name: string }; caveat: string | null; report: { groups: CardGroup[]; pair: { target: string; gapBefore: number; gapAfter: number }; gapBefore: number; noGroupSignificantlyWorse: boolean; worstAmong: string; worstBefore: { group: string }; worstAfter: { group: string } } };
  tables: { kind: string; backendName: string; condition: string; rows: { group: string; werMetrics: { pooled: { estimate: number } } | null }[] }[];
}
let card: CardJson;

beforeAll(() => {
  const suite = `name: remedy-card
manifest: ${join(ARTIE, 'manifest.jsonl')}
groupBy: [accent]
normaliser: basic
seed: 7
bootstrap: 400
model: none
backends:
  - { name: amazon, type: hypotheses, options: { file: ${join(ARTIE, 'predictions/amazon/en-US/dec-9-2019.tsv')}, idFrom: basename-without-extension } }
  - { name: google, type: hypotheses, options: { file: ${join(ARTIE, 'predictions/google/en-US/dec-4-2019.tsv')}, idFrom: basename-without-extension } }
remedy:
  before: amazon
  after: google
  pair: { target: indian, reference: us }
  method: vendor-switch
  scope: group
  provenance: ["Not an adaptation: two vendors' 2019 transcripts stand in for baseline and remedy."]
`;
  writeFileSync(join(cwd, 'suite.yaml'), suite);
  const r = run('run', 'suite.yaml', '--store', join(cwd, 'store.sqlite'), '--out', runDir, '--no-progress', '--no-gate');
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const rep = run('report', runDir);
  expect(rep.code).toBe(0);
  card = JSON.parse(readFileSync(join(runDir, 'report/card.json'), 'utf8'));
}, 300_000);
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe('the remedy section of the card', () => {
  it('run.json records the remedy as the suite declared it', () => {
    const meta = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
    expect(meta.analysis.remedy).toEqual({
      before: 'amazon', after: 'google', pair: { target: 'indian', reference: 'us' }, method: 'vendor-switch', scope: 'group',
      provenance: ["Not an adaptation: two vendors' 2019 transcripts stand in for baseline and remedy."],
    });
  });

  it("per-group WER before and after equal each backend's own card table (pooled WER)", () => {
    const table = (name: string) => card.tables.find((t) => t.kind === 'group' && t.backendName === name)!;
    const groups = card.remedy.report.groups;
    expect(groups.length).toBeGreaterThan(10);
    for (const g of groups) {
      expect(g.before).toBeCloseTo(table('amazon').rows.find((r) => r.group === g.group)!.werMetrics!.pooled.estimate, 12);
      expect(g.after).toBeCloseTo(table('google').rows.find((r) => r.group === g.group)!.werMetrics!.pooled.estimate, 12);
      if (g.speakers < 2) {
        // Speakers are the resampled unit: one speaker gives no interval.
        expect(Number.isNaN(g.change.lo) || g.change.lo === null).toBe(true);
      }
      if (g.smallCell) {
        // Below the card's minimum cell: no verdict, as `compare` says "not enough data".
        expect([g.significantlyWorse, g.significantlyBetter]).toEqual([false, false]);
        continue;
      }
      expect(g.change.lo).toBeLessThanOrEqual(g.change.estimate + 1e-12);
      expect(g.change.hi).toBeGreaterThanOrEqual(g.change.estimate - 1e-12);
    }
    expect(groups.some((g) => g.speakers < 2)).toBe(true);
    // The worst group and the gap range over adequate cells only (singapore, 2 speakers, was "significantly worse").
    const small = new Set(groups.filter((g) => g.smallCell).map((g) => g.group));
    expect(small.has('singapore')).toBe(true);
    expect(card.remedy.report.worstAmong).toBe('adequate');
    expect(small.has(card.remedy.report.worstBefore.group) || small.has(card.remedy.report.worstAfter.group)).toBe(false);
    // README (demo part a): Amazon us 18.2 %, indian 34.7 %; Google us 18.7 %, indian 29.3 %.
    const ind = groups.find((g) => g.group === 'indian')!;
    expect([ind.before, ind.after].map((x) => Math.round(x * 1000) / 10)).toEqual([34.7, 29.3]);
    expect(card.remedy.report.pair.gapBefore).toBeCloseTo(0.347 - 0.182, 2);
    expect(card.remedy.report.pair.gapAfter).toBeCloseTo(0.293 - 0.187, 2);
  });

  it('`asrfair compare` of the two backends gives the same per-group numbers and intervals', () => {
    const r = run('compare', runDir, runDir, '--backend-a', 'google', '--backend-b', 'amazon', '--group-by', 'accent', '--bootstrap', '400', '--seed', '7', '--format', 'json', '--out', join(cwd, 'cmp'));
    expect(r.code).toBe(0);
    const cmp = JSON.parse(readFileSync(join(cwd, 'cmp', 'compare.json'), 'utf8')) as { tables: { groups: { group: string; werA: number; werB: number; diff: { estimate: number; lo: number; hi: number } }[] }[] };
    const byGroup = new Map(cmp.tables[0].groups.map((g) => [g.group, g]));
    for (const g of card.remedy.report.groups) {
      const c = byGroup.get(g.group)!;
      expect([c.werA, c.werB, c.diff.estimate, c.diff.lo, c.diff.hi]).toEqual([g.after, g.before, g.change.estimate, g.change.lo, g.change.hi]);
    }
  });

  it('is shown in Markdown, HTML and CSV with the verdict and the per-group caveat, and rebuilt byte for byte', () => {
    const md = readFileSync(join(runDir, 'report/card.md'), 'utf8');
    expect(md).toContain('## Remedy: adapted recogniser against the baseline');
    expect(md).toMatch(/\| indian \| \d+ \| \d+ \| \d+ \| 34\.7% \| 29\.3% \| -5\.\d pp \\\[-\d+\.\d, -\d+\.\d\\\] \| (significantly better|no significant change) \|/);
    expect(md).toContain(card.remedy.report.noGroupSignificantlyWorse ? 'No group got significantly worse' : 'Significantly worse:');
    expect(md).toMatch(/\| not enough data \(small cell\) \|/);
    expect(md).toContain('Worst group (among groups that are not small cells)');
    expect(md).not.toMatch(/singapore[^\n]*significantly worse/);
    expect(md).toContain('needs each speaker\'s group at decoding time');
    expect(card.remedy.caveat).toMatch(/self-declared group/);
    const html = readFileSync(join(runDir, 'report/card.html'), 'utf8');
    expect(html).toContain('<section id="s-remedy">');
    expect(html).toContain('href="#s-remedy"');
    // Its table scrolls in its own box on a phone instead of widening the page (as every card table does).
    const remedySection = html.slice(html.indexOf('<section id="s-remedy">'), html.indexOf('</section>', html.indexOf('<section id="s-remedy">')));
    expect(remedySection).toContain('<div class="tablewrap"><table>');
    const csv = parseCsv(readFileSync(join(runDir, 'report/card-remedy.csv'), 'utf8'));
    const ind = csv.find((row) => row.group === 'indian')!;
    expect(Number(ind.wer_before)).toBeCloseTo(card.remedy.report.groups.find((g) => g.group === 'indian')!.before, 12);
    expect(csv.find((row) => row.row_type === 'pair')!.group).toBe('indian − us');
    const before = hashes(join(runDir, 'report'));
    expect(run('report', runDir).code).toBe(0);
    expect(hashes(join(runDir, 'report'))).toEqual(before);
  });

  it('published card: groups below the minimum cell are left out of every remedy figure, and named', () => {
    const r = run('report', runDir, '--publish', '--out', join(cwd, 'pub'));
    expect(r.code).toBe(0);
    const pub = JSON.parse(readFileSync(join(cwd, 'pub', 'card.json'), 'utf8')) as { remedy: { unpublished: string[]; report: { groups: CardGroup[]; worstBefore: { group: string } } } };
    const shown = pub.remedy.report.groups.map((g) => g.group);
    expect(pub.remedy.unpublished.length).toBeGreaterThan(5);
    for (const g of pub.remedy.unpublished) expect(shown).not.toContain(g);
    expect(pub.remedy.report.groups.every((g) => g.speakers >= 10 && g.words >= 500)).toBe(true);
    expect(shown).toContain(pub.remedy.report.worstBefore.group);
    // The unpublished run's card has the small groups, marked.
    expect(card.remedy.report.groups.filter((g) => g.smallCell).map((g) => g.group).sort()).toEqual(pub.remedy.unpublished);
    expect(readFileSync(join(cwd, 'pub', 'card.md'), 'utf8')).toContain(`group(s) below the minimum cell left out of every figure here: ${pub.remedy.unpublished.join(', ')}`);
  });

  it('a remedy naming a backend the suite lacks is one line naming file, line and the backends', () => {
    writeFileSync(join(cwd, 'bad.yaml'), readFileSync(join(cwd, 'suite.yaml'), 'utf8').replace('after: google', 'after: gogle'));
    const r = run('run', 'bad.yaml', '--store', join(cwd, 'store.sqlite'), '--out', join(cwd, 'bad'), '--no-progress');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/bad\.yaml:\d+: remedy\.after: no backend named "gogle" \(backends: amazon, google\)/);
    expect(existsSync(join(cwd, 'bad'))).toBe(false);
  });
});
