/**
 * `--publish` on the real Artie vendor suite (reviewer, trial 14): suppression hid small cells within each table, and
 * complementary suppression protected them against the table's own "All groups" row, but the published accent × gender
 * slice rows of an accent summed to the published accent row, so the hidden slices of that accent were recovered by
 * subtraction (amazon-en-US: england 1,046 words − england × male 930 = 116 words, 25 errors for england ×
 * {female, other}, other being one one-utterance speaker). Every margin of the card (a slice table's rows under one
 * published row of a coarser table, and every table's rows under "All groups") must leave its hidden cells neither
 * alone nor, summed, a small cell (Hundepool et al., *Statistical Disclosure Control*, 2012, ch. 5).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServiceCard, type CardRow, type CardTable, type ServiceCard } from '../../src/report/model.ts';
import { loadRunForReport, type LoadedRun } from '../../src/score/run-export.ts';
import { cli } from '../helpers/cli.ts';

const SUITE = join(import.meta.dirname, '../../manifests/suites/artie-vendors.yaml');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-publish-margins-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let run: LoadedRun;
let pub: ServiceCard;
let open: ServiceCard;
const MIN = { speakers: 10, words: 500 };

beforeAll(async () => {
  const r = await cli('run', SUITE, '--backend', 'amazon-en-US,google-en-US', '--store', join(dir, 'store.sqlite'), '--out', join(dir, 'run'), '--no-progress');
  expect(r.code, r.stderr).toBe(0);
  run = loadRunForReport(join(dir, 'run'));
  const opts = { groupBy: 'accent', slices: [['accent', 'gender']], bootstrap: 200, seed: 1, minCell: MIN, model: 'none' as const };
  pub = buildServiceCard(run.meta, run.utterances, { ...opts, publish: true });
  open = buildServiceCard(run.meta, run.utterances, { ...opts, publish: false });
}, 300_000);

/** What a reader derives for the hidden rows of one margin: total − Σ visible rows, per published count. */
interface Derived { hidden: string[]; speakers: number; utterances: number; words: number; errors: number }
const errorsOf = (r: Pick<CardRow, 'wer' | 'refWords'>) => Math.round((r.wer?.estimate ?? 0) * (r.refWords ?? 0));
function derive(total: Pick<CardRow, 'speakers' | 'utterances' | 'refWords' | 'wer'>, rows: readonly CardRow[]): Derived {
  const vis = rows.filter((r) => !r.suppressed);
  const sum = (f: (r: CardRow) => number) => vis.reduce((a, r) => a + f(r), 0);
  return {
    hidden: rows.filter((r) => r.suppressed).map((r) => r.group),
    speakers: (total.speakers ?? 0) - sum((r) => r.speakers ?? 0),
    utterances: (total.utterances ?? 0) - sum((r) => r.utterances ?? 0),
    words: (total.refWords ?? 0) - sum((r) => r.refWords ?? 0),
    errors: errorsOf(total) - sum(errorsOf),
  };
}
const accentOf = (slice: string) => /^accent=(.*) × gender=/.exec(slice)![1];
const tablesOf = (card: ServiceCard, backendName: string) => ({
  group: card.tables.find((t) => t.kind === 'group' && t.backendName === backendName)!,
  slice: card.tables.find((t) => t.kind === 'slice' && t.backendName === backendName)!,
});

describe('publish mode on the real Artie card: no suppressed cell derivable across tables', () => {
  it('the reviewer\'s attack: england row − visible england × gender rows no longer gives england × {female, other}', () => {
    const { group, slice } = tablesOf(pub, 'amazon-en-US');
    const england = group.rows.find((r) => r.group === 'england')!;
    expect(england).toMatchObject({ suppressed: false, speakers: 77, utterances: 131, refWords: 1046 });
    const d = derive(england, slice.rows.filter((r) => accentOf(r.group) === 'england'));
    // Before the fix: hidden = female, other; derived 13 speakers, 18 utterances, 116 words, 25 errors — a small cell.
    expect(d.hidden.length).not.toBe(1);
    if (d.hidden.length) expect(d.speakers >= MIN.speakers && d.words >= MIN.words).toBe(true);
  });

  for (const backend of ['amazon-en-US', 'google-en-US']) {
    it(`${backend}: in every margin the hidden cells are none, or several whose sum is no small cell`, () => {
      const { group, slice } = tablesOf(pub, backend);
      const margins: { name: string; total: CardTable['overall'] | CardRow; rows: CardRow[]; totalHidden: boolean }[] = [
        { name: 'accent table under All groups', total: group.overall, rows: group.rows, totalHidden: false },
        { name: 'slice table under All groups', total: slice.overall, rows: slice.rows, totalHidden: false },
        ...group.rows.map((g) => ({ name: `accent=${g.group} × *`, total: g, rows: slice.rows.filter((r) => accentOf(r.group) === g.group), totalHidden: g.suppressed })),
      ];
      for (const m of margins) {
        const hidden = m.rows.filter((r) => r.suppressed);
        if (m.totalHidden) {
          // A hidden row whose slices are all shown is their sum.
          if (m.rows.length) expect(hidden.length, m.name).toBeGreaterThan(0);
          continue;
        }
        if (!hidden.length) continue;
        const d = derive(m.total as CardRow, m.rows);
        expect(d.hidden.length, `${m.name}: one hidden cell is exposed`).toBeGreaterThan(1);
        expect(d.speakers >= MIN.speakers && d.words >= MIN.words, `${m.name}: hidden ${d.hidden.join(', ')} sum to a small cell (${d.speakers} speakers, ${d.words} words)`).toBe(true);
      }
    });
  }

  it('nothing published changed besides added suppression; added ones are labelled complementary', () => {
    for (const t of pub.tables) {
      const o = open.tables.find((x) => x.id === t.id)!;
      expect(t.overall, t.id).toEqual(o.overall);
      for (const r of t.rows) {
        const or = o.rows.find((x) => x.group === r.group)!;
        if (!r.suppressed) expect(r, `${t.id} ${r.group}`).toEqual(or);
        // A suppressed row publishes nothing but its name and why (no interval, metric or p left behind).
        else expect(Object.entries(r).filter(([k, v]) => !['group', 'suppressed', 'suppression', 'flags'].includes(k) && v !== null), `${t.id} ${r.group}`).toEqual([]);
        if (!r.suppressed) continue;
        else if (!or.flags.includes('small-cell')) expect(r.suppression, `${t.id} ${r.group}`).toBe('complementary');
        else expect(r.suppression).toBe('small-cell');
      }
    }
  });
});
