// Trial 10, items 2 and 3, on real Common Voice clips decoded by PocketSphinx: group "a" is two real clips of one
// speaker; group "b" lost every utterance (1 missing, 1 truncated, 1 empty WAV). The card must label "b" as what it
// is (no scored utterance, 3 failed), not "small cell", warn at the top with its count and share, and give no
// interval to any row — the "All groups" rows included — whose speaker bootstrap has one speaker.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';
import { parseCsv } from './parse-csv.ts';
import { writeLostGroupManifest } from './lost-group-fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'asrfair-lost-group-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const out = join(dir, 'run');
let a: { id: string; speaker: string; audio: string }[] = [];
let run: Awaited<ReturnType<typeof cli>>;
let check: Awaited<ReturnType<typeof cli>>;
let published: Awaited<ReturnType<typeof cli>>;
beforeAll(async () => {
  ({ a } = writeLostGroupManifest(dir, (r) => ({ gender: r.labels.gender ?? 'undeclared' })));
  writeFileSync(
    join(dir, 'suite.yaml'),
    `name: lost\nmanifest: ${join(dir, 'manifest.jsonl')}\ngroupBy: [grp]\nslices: [[grp, gender]]\nnormaliser: basic\nseed: 1\nbootstrap: { B: 200 }\nminCell: { speakers: 2, words: 10 }\n` +
      `qc: false\nbackends:\n  - { name: pocketsphinx, type: pocketsphinx, options: {} }\n`,
  );
  run = await cli('run', join(dir, 'suite.yaml'), '--store', join(dir, 's.sqlite'), '--out', out, '--no-progress', '--no-gate');
  await cli('report', out);
  published = await cli('report', out, '--publish', '--out', join(dir, 'published'));
  check = await cli('check', out, '--max-wer', '0.99');
}, 240_000);

describe('a group that lost every utterance, and one-speaker tables', () => {
  it('the run scored group a and failed all of group b', () => {
    expect(a).toHaveLength(2);
    expect(run.stdout).toContain('run export:');
    const res = readFileSync(join(out, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { labels: { grp: string }; status: string });
    expect(res.filter((r) => r.labels.grp === 'b').map((r) => r.status)).toEqual(['failed', 'failed', 'failed']);
    expect(res.filter((r) => r.labels.grp === 'a').every((r) => r.status === 'ok')).toBe(true);
  });

  it('labels b "no scored utterance (3 failed)" in md, html, csv and json — never "small cell"', () => {
    const md = readFileSync(join(out, 'report', 'card.md'), 'utf8');
    const rowB = md.split('\n').find((l) => l.startsWith('| b |'))!;
    expect(rowB).toContain('no scored utterance (3 failed)');
    expect(rowB).not.toContain('small cell');
    const html = readFileSync(join(out, 'report', 'card.html'), 'utf8');
    expect(html).toContain('no scored utterance (3 failed)');
    const json = JSON.parse(readFileSync(join(out, 'report', 'card.json'), 'utf8')) as { warnings: string[]; tables: { kind: string; overall: { wer: { lo: number | null } }; rows: { group: string; flags: string[]; failed: number }[] }[] };
    const jb = json.tables[0].rows.find((r) => r.group === 'b')!;
    expect(jb.flags).toEqual(['no-scored-utterances']);
    expect(jb.failed).toBe(3);
    const csv = parseCsv(readFileSync(join(out, 'report', 'card.csv'), 'utf8'));
    const cb = csv.find((r) => r.group === 'b' && r.table_kind === 'group' && r.row_type === 'group')!;
    expect(cb.flags).toBe('no-scored-utterances');
    expect(cb.failed).toBe('3');
  });

  it('warns at the top of every format with b\'s failed count and share', () => {
    const top = 'Failed utterances (pocketsphinx · condition clean, by grp): group "b" 3 of 3 utterances (100.0%): no scored utterance';
    const md = readFileSync(join(out, 'report', 'card.md'), 'utf8');
    expect(md.indexOf(top)).toBeGreaterThan(0);
    expect(md.indexOf(top)).toBeLessThan(md.indexOf('| a |'));
    const json = JSON.parse(readFileSync(join(out, 'report', 'card.json'), 'utf8')) as { warnings: string[] };
    expect(json.warnings.some((w) => w.startsWith(top))).toBe(true);
    expect(parseCsv(readFileSync(join(out, 'report', 'card-notes.csv'), 'utf8')).some((r) => r.section === 'warnings' && r.note.startsWith(top))).toBe(true);
    expect(readFileSync(join(out, 'report', 'card.html'), 'utf8')).toContain(top.replace(/"/g, '&quot;'));
  });

  it('one speaker in a whole table: no interval on the All groups rows (group and slice tables), in md, csv and json', () => {
    const json = JSON.parse(readFileSync(join(out, 'report', 'card.json'), 'utf8')) as { tables: { kind: string; overall: { speakers: number; wer: { estimate: number; lo: number | null; hi: number | null } } }[] };
    expect(json.tables.map((t) => t.kind).sort()).toEqual(['group', 'slice']);
    for (const t of json.tables) {
      expect(t.overall.speakers).toBe(1);
      expect(t.overall.wer.estimate).toBeGreaterThan(0);
      expect([t.overall.wer.lo, t.overall.wer.hi]).toEqual([null, null]);
    }
    const md = readFileSync(join(out, 'report', 'card.md'), 'utf8');
    for (const l of md.split('\n').filter((x) => x.startsWith('| **All groups**'))) expect(l).toMatch(/\d% \[—\]/);
    const overall = parseCsv(readFileSync(join(out, 'report', 'card.csv'), 'utf8')).filter((r) => r.row_type === 'overall');
    expect(overall).toHaveLength(2);
    for (const r of overall) expect([r.wer_lo, r.wer_hi]).toEqual(['', '']);
  });

  it('publish mode: a is suppressed as a small cell, b is shown as "no scored utterance (3 failed)" in every format', () => {
    const pub = join(dir, 'published');
    const md = readFileSync(join(pub, 'card.md'), 'utf8');
    const rowsOf = (g: string) => md.split('\n').filter((l) => l.startsWith(`| ${g} `));
    // The group table and the grp × gender slice table.
    expect(rowsOf('b').length).toBeGreaterThan(0);
    for (const l of rowsOf('b')) {
      expect(l).toContain('no scored utterance (3 failed)');
      expect(l).not.toContain('suppressed');
    }
    expect(rowsOf('a').some((l) => l.includes('suppressed (small cell)'))).toBe(true);
    const top = 'Failed utterances (pocketsphinx · condition clean, by grp): group "b" 3 of 3 utterances (100.0%): no scored utterance';
    expect(md.indexOf(top)).toBeGreaterThan(0);
    const json = JSON.parse(readFileSync(join(pub, 'card.json'), 'utf8')) as { warnings: string[]; tables: { kind: string; overall: { wer: unknown }; rows: { group: string; suppressed: boolean; flags: string[]; failed: number | null; utterances: number | null }[] }[] };
    const jb = json.tables[0].rows.find((r) => r.group === 'b')!;
    expect(jb).toMatchObject({ suppressed: false, flags: ['no-scored-utterances'], failed: 3, utterances: 0 });
    expect(json.tables[0].rows.find((r) => r.group === 'a')!.suppressed).toBe(true);
    expect(json.warnings.some((w) => w.startsWith(top))).toBe(true);
    // b adds nothing to the total, so hiding it would not protect a: the All groups row is withheld instead.
    expect(json.tables[0].overall.wer).toBeNull();
    const html = readFileSync(join(pub, 'card.html'), 'utf8');
    expect(html).toContain('no scored utterance (3 failed)');
    expect(html).toContain(top.replace(/"/g, '&quot;'));
    const csv = parseCsv(readFileSync(join(pub, 'card.csv'), 'utf8'));
    const cb = csv.find((r) => r.group === 'b' && r.table_kind === 'group' && r.row_type === 'group')!;
    expect([cb.suppressed, cb.flags, cb.failed]).toEqual(['false', 'no-scored-utterances', '3']);
    expect(parseCsv(readFileSync(join(pub, 'card-notes.csv'), 'utf8')).some((r) => r.section === 'warnings' && r.note.startsWith(top))).toBe(true);
    expect(published.code, published.stderr).toBe(0);
    expect(published.stdout).toContain('(publish mode)');
  });

  it('check fails b as having no scored utterance', () => {
    expect(check.code).toBe(1);
    expect(check.stdout + check.stderr).toContain('"b"');
    expect(check.stdout + check.stderr).toMatch(/no scored utterance/);
  });
});
