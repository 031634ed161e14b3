/**
 * `report --publish` and the per-group counts in a card's notes and warnings (trial 17, defect 3). The real Artie
 * corpus (its import record: accent, age and gender "NA" mapped to undeclared) and Amazon en-US transcripts.
 * - Grouped by age, "undeclared" (8 speakers, 14 utterances) is suppressed, but the import note said
 *   'age "NA" … → undeclared in 14 utterances' (md, html, card.json, card-notes.csv).
 * - A run of the first 200 utterances: "Not in this run" gave "southatlandtic" (3 utterances in the manifest) and the
 *   other small groups' manifest counts, sizes the card withholds.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ServiceCard } from '../../src/report/model.ts';
import { writeArtieAmazonSuite } from '../helpers/artie-suite.ts';
import { cli } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'asrfair-publish-notes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function runArtie(name: string, ...flags: string[]): Promise<string> {
  const suite = writeArtieAmazonSuite(dir, name);
  const out = join(dir, name);
  const r = await cli('run', suite, '--store', join(dir, `${name}.sqlite`), '--out', out, '--no-progress', ...flags);
  expect(r.code, r.stderr).toBe(0);
  return out;
}

async function publish(run: string, out: string, ...flags: string[]): Promise<{ card: ServiceCard; md: string; html: string; notes: string; json: string }> {
  const r = await cli('report', run, '--publish', '--bootstrap', '100', '--model', 'none', '--out', join(dir, out), ...flags);
  expect(r.code, r.stderr).toBe(0);
  const read = (f: string) => readFileSync(join(dir, out, f), 'utf8');
  const json = read('card.json');
  return { card: JSON.parse(json) as ServiceCard, json, md: read('card.md'), html: read('card.html'), notes: read('card-notes.csv').replaceAll('""', '"') };
}

describe('published card: notes and warnings carry no count of a suppressed group', () => {
  it('the import note withholds "age NA → undeclared in N utterances" when undeclared is suppressed', async () => {
    const run = await runArtie('whole');
    const { card, md, html, notes, json } = await publish(run, 'age', '--group-by', 'age', '--slices', 'none');
    expect(card.tables[0].rows.find((r) => r.group === 'undeclared')?.suppressed).toBe(true);
    const ageNa = /age "NA"[^.]*→ undeclared in \d+ utterance/;
    for (const text of [md, html.replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&#x27;', "'"), notes]) {
      expect(text).not.toMatch(ageNa);
      expect(text).toMatch(/age "NA" \(the corpus's "not declared"\) → undeclared \(count not published/);
    }
    expect(card.meta.corpus.imports?.flatMap((r) => r.undeclared).filter((u) => u.key === 'age')).toEqual([]);
    expect(json).not.toMatch(/"key": ?"age"/);
    // The open card still counts them.
    const open = await cli('report', run, '--bootstrap', '100', '--model', 'none', '--group-by', 'age', '--slices', 'none', '--out', join(dir, 'age-open'));
    expect(open.code, open.stderr).toBe(0);
    expect(readFileSync(join(dir, 'age-open', 'card.md'), 'utf8')).toMatch(ageNa);
  }, 180_000);

  it('"Not in this run" names the groups a limited run left out without their manifest counts', async () => {
    const run = await runArtie('limited', '--limit', '200');
    const { card, md, notes } = await publish(run, 'lim');
    const lines = md.split('\n').filter((l) => l.includes('Not in this run'));
    expect(lines.join('\n')).toContain('"southatlandtic"');
    expect(lines.filter((l) => /utterances? in the manifest/.test(l))).toEqual([]);
    expect(notes).not.toMatch(/utterances? in the manifest/);
    expect(card.meta.subset?.notInRun).toEqual({});
    expect(card.meta.subset?.notInRunNamesOnly?.accent).toContain('southatlandtic');
  }, 180_000);
});
