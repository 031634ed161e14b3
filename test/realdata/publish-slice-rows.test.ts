/**
 * `report --publish` and which suppressed slice combinations exist (trial 17, defect 4). The accent × gender table
 * listed every combination that occurs, suppressed ones marked †, so "accent=southatlandtic × gender=male †" alone told
 * that the one southatlandtic speaker is male. A published slice table now lists the shown combinations only and says
 * how many it leaves out; complementary suppression stays sound: no shown total minus its shown slice rows is one
 * small cell. Real Artie transcripts (Amazon en-US).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { ServiceCard } from '../../src/report/model.ts';
import { writeArtieAmazonSuite } from '../helpers/artie-suite.ts';
import { cli } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'asrfair-publish-slices-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('a published slice table does not list its suppressed combinations, and its totals give no small cell back', async () => {
  const suite = writeArtieAmazonSuite(dir, 'artie-slices');
  const run = join(dir, 'run');
  const r = await cli('run', suite, '--store', join(dir, 'store.sqlite'), '--out', run, '--no-progress');
  expect(r.code, r.stderr).toBe(0);
  const rep = await cli('report', run, '--publish', '--bootstrap', '100', '--model', 'none', '--out', join(dir, 'pub'));
  expect(rep.code, rep.stderr).toBe(0);
  const read = (f: string) => readFileSync(join(dir, 'pub', f), 'utf8');
  const card = JSON.parse(read('card.json')) as ServiceCard;
  const md = read('card.md');
  const slice = card.tables.find((t) => t.kind === 'slice')!;
  const accents = card.tables.find((t) => t.kind === 'group')!;
  expect(slice.rows.filter((x) => x.suppressed)).toEqual([]);
  expect(slice.notListed).toBeGreaterThan(5);
  for (const text of [md, read('card.csv'), read('card.html')]) expect(text).not.toContain('southatlandtic × gender');
  expect(md).toContain(`${slice.notListed} combinations below the minimum cell, or hidden beside one (complementary suppression), are not listed`);
  expect(read('card-notes.csv')).toContain('Published slice tables list the shown combinations only');
  // Sound: under every shown accent row, and under All groups, what the shown slice rows leave is 0 or a full cell.
  const min = card.settings.minCell;
  const left = (total: { speakers: number | null; refWords: number | null }, parts: typeof slice.rows) => ({
    speakers: (total.speakers ?? 0) - parts.reduce((n, x) => n + (x.speakers ?? 0), 0),
    words: (total.refWords ?? 0) - parts.reduce((n, x) => n + (x.refWords ?? 0), 0),
  });
  const checks = [
    left(slice.overall, slice.rows),
    ...accents.rows.filter((a) => !a.suppressed).map((a) => left(a, slice.rows.filter((x) => x.group.startsWith(`accent=${a.group} × `)))),
  ];
  for (const c of checks) expect(c.words === 0 || (c.speakers >= min.speakers && c.words >= min.words), JSON.stringify(c)).toBe(true);
  // The open card lists them all.
  const open = await cli('report', run, '--bootstrap', '100', '--model', 'none', '--out', join(dir, 'open'));
  expect(open.code, open.stderr).toBe(0);
  expect(readFileSync(join(dir, 'open', 'card.md'), 'utf8')).toContain('accent=southatlandtic × gender=');
}, 180_000);
