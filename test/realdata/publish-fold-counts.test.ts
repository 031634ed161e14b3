/**
 * `--publish` and the per-group counts run.json carries besides the tables: how many utterances each group had
 * lower-cased by the Turkish I rules (`scoring.languageFold`) or by Unicode's default rules although declaring tr/az
 * (`scoring.defaultCaseFold`). A published card (its JSON copy of run.json, and the scoring note in every format)
 * gave those counts for the groups it suppresses, i.e. their sizes — s-ax had closed the same leak for the PER
 * letter-to-sound counts only. The real Artie transcripts (Amazon en-US), every utterance declaring `tr`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildServiceCard } from '../../src/report/model.ts';
import { loadRunForReport } from '../../src/score/run-export.ts';
import { cli } from '../helpers/cli.ts';

const ARTIE = join(import.meta.dirname, '../../corpora/artie-bias-corpus');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-publish-fold-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const manifest = join(dir, 'artie-tr.jsonl');
writeFileSync(
  manifest,
  readFileSync(join(ARTIE, 'manifest.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.stringify({ ...(JSON.parse(l) as object), language: 'tr' }))
    .join('\n') + '\n',
);

/** The group names a "by accent: a 1, b 2" sentence lists. */
const namedIn = (text: string): string[] =>
  [...text.matchAll(/by accent: ([^.;]*)/g)].flatMap((m) => m[1].split(', ').map((x) => x.replace(/ \d+$/, '')));

describe.each([
  ['languageFold', 'normaliser: basic'],
  ['defaultCaseFold', 'normaliser: english\nmarkup: none'],
] as const)('published card: %s counts of suppressed groups are left out', (field, lines) => {
  it('card.json keeps the visible groups only, and the scoring note names no suppressed group', async () => {
    const suite = join(dir, `${field}.yaml`);
    writeFileSync(
      suite,
      [
        `name: ${field}`,
        `manifest: ${manifest}`,
        lines,
        'qc: false',
        'groupBy: [accent]',
        'backends:',
        `  - { name: amazon-en-US, type: hypotheses, options: { file: ${join(ARTIE, 'predictions/amazon/en-US/dec-9-2019.tsv')}, idFrom: basename-without-extension } }`,
        '',
      ].join('\n'),
    );
    const r = await cli('run', suite, '--store', join(dir, `${field}.sqlite`), '--out', join(dir, field), '--no-progress');
    expect(r.code, r.stderr).toBe(0);
    const run = loadRunForReport(join(dir, field));
    const all = run.meta.scoring?.[field]?.groups.accent ?? {};
    const opts = { groupBy: 'accent', bootstrap: 50, seed: 1, minCell: { speakers: 10, words: 500 }, model: 'none' as const };
    const pub = buildServiceCard(run.meta, run.utterances, { ...opts, publish: true });
    const hidden = pub.tables[0].rows.filter((x) => x.suppressed).map((x) => x.group);
    const shown = pub.tables[0].rows.filter((x) => !x.suppressed).map((x) => x.group);
    // The run counts every group, suppressed or not (a real, non-trivial case: several of each).
    expect(hidden.filter((g) => g in all).length).toBeGreaterThan(2);
    expect(shown.filter((g) => g in all).length).toBeGreaterThan(1);
    const published = pub.meta.scoring?.[field]?.groups ?? {};
    expect(Object.keys(published)).toEqual(['accent']);
    expect(Object.keys(published.accent).sort()).toEqual(shown.filter((g) => g in all).sort());
    for (const g of shown.filter((x) => x in all)) expect(published.accent[g]).toBe(all[g]);
    const notes = pub.footnotes.join('\n');
    expect(namedIn(notes).length).toBeGreaterThan(1);
    expect(namedIn(notes).filter((g) => hidden.includes(g))).toEqual([]);
    // The open card still says everything.
    const open = buildServiceCard(run.meta, run.utterances, { ...opts, publish: false });
    expect(namedIn(open.footnotes.join('\n')).sort()).toEqual(Object.keys(all).sort());
  }, 180_000);
});
