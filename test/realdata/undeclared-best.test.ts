/**
 * `undeclared` is never the best group (last session's left-alone defect): on the real Artie manifest (1,712
 * utterances, 562 of them declaring no accent), a run whose hypotheses are Amazon en-US's real transcripts except for
 * the undeclared utterances, whose hypothesis is their own reference (so `undeclared` has the lowest WER, 0 %), goes
 * through the real run → score → report → check path. The best group is the best *declared* one (us); undeclared keeps
 * its own gap to it (negative) in every format, the slices' best is declared on both keys, and the card says why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { loadRunForReport } from '../../src/score/run-export.ts';
import { buildServiceCard } from '../../src/report/model.ts';
import { renderMarkdown } from '../../src/report/render-md.ts';

const ROOT = join(import.meta.dirname, '../..');
const ARTIE = join(ROOT, 'corpora/artie-bias-corpus');

interface JsonRow { group: string; flags: string[]; wer: { estimate: number }; gapToBest: { estimate: number; lo: number; hi: number }; ratioToBest: { estimate: number } }
interface JsonTable { kind: string; groupBy: string; bestGroup: string; rows: JsonRow[] }

let dir: string;
let run: string;
let card: string;
let undeclaredIds: Set<string>;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-undeclared-best-'));
  const manifest = readFileSync(join(ARTIE, 'manifest.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; text: string; labels: Record<string, string> });
  const refOf = new Map(manifest.filter((u) => !u.labels.accent?.trim()).map((u) => [u.id, u.text]));
  undeclaredIds = new Set(refOf.keys());
  // The vendor's table as published, with each undeclared utterance's prediction replaced by its reference.
  const tsv = readFileSync(join(ARTIE, 'predictions/amazon/en-US/dec-9-2019.tsv'), 'utf8').split('\n');
  let replaced = 0;
  const out = tsv.map((l, i) => {
    if (i === 0 || !l) return l;
    const [path] = l.split('\t');
    const ref = refOf.get(path.replace(/\.wav$/, ''));
    if (ref === undefined) return l;
    replaced++;
    return `${path}\t${ref}`;
  });
  expect(replaced).toBe(562);
  writeFileSync(join(dir, 'hyp.tsv'), out.join('\n'));
  writeFileSync(
    join(dir, 's.yaml'),
    `name: undeclared-best\nmanifest: ${join(ARTIE, 'manifest.jsonl')}\ngroupBy: [accent]\nslices:\n  - [accent, gender]\nnormaliser: basic\nbootstrap: { B: 200 }\nminCell: { speakers: 10, words: 500 }\nmetrics: [wer]\nbackends:\n` +
      `  - { name: amazon, type: hypotheses, options: { file: ${join(dir, 'hyp.tsv')}, idFrom: basename-without-extension } }\n`,
  );
  run = join(dir, 'run');
  const r = await cli('run', join(dir, 's.yaml'), '--store', join(dir, 's.sqlite'), '--out', run, '--no-progress', '--no-gate');
  expect(r.code, r.stderr).toBe(0);
  card = join(dir, 'card');
  const rep = await cli('report', run, '--format', 'md,html,csv,json', '--out', card);
  expect(rep.code, rep.stderr).toBe(0);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tables = () => (JSON.parse(readFileSync(join(card, 'card.json'), 'utf8')) as { tables: JsonTable[] }).tables;

describe('undeclared is never the best group (Artie, Amazon en-US, undeclared given its references)', () => {
  it('the best group is the best declared one; undeclared keeps its (negative) gap and ratio to it', () => {
    const t = tables().find((x) => x.kind === 'group' && x.groupBy === 'accent')!;
    const undeclared = t.rows.find((r) => r.group === 'undeclared')!;
    const declared = t.rows.filter((r) => r.group !== 'undeclared' && !r.flags.includes('small-cell'));
    // The run really makes undeclared the lowest WER: 0 errors on its 562 utterances.
    expect(undeclared.wer.estimate).toBe(0);
    expect(Math.min(...t.rows.map((r) => r.wer.estimate))).toBe(0);
    const lowestDeclared = declared.reduce((a, b) => (b.wer.estimate < a.wer.estimate ? b : a));
    expect(t.bestGroup).toBe(lowestDeclared.group);
    expect(t.bestGroup).toBe('us');
    expect(undeclared.flags).not.toContain('best');
    expect(t.rows.find((r) => r.group === 'us')!.flags).toContain('best');
    const us = lowestDeclared.wer.estimate;
    expect(undeclared.gapToBest.estimate).toBeCloseTo(0 - us, 12);
    expect(undeclared.gapToBest.hi).toBeLessThan(0);
    expect(undeclared.ratioToBest.estimate).toBe(0);
    // Every declared group's gap is measured against us, not against undeclared's 0 %.
    for (const r of declared) expect(r.gapToBest.estimate).toBeCloseTo(r.wer.estimate - us, 12);
  });

  it('slices: the best slice declares both keys; a slice with an undeclared part is never the best', () => {
    const s = tables().find((x) => x.kind === 'slice')!;
    expect(s.rows.some((r) => r.group.includes('undeclared') && r.wer.estimate === 0 && !r.flags.includes('small-cell'))).toBe(true);
    expect(s.bestGroup).not.toMatch(/undeclared/);
    expect(s.bestGroup).toMatch(/^accent=\w+ × gender=\w+$/);
    for (const r of s.rows.filter((x) => x.group.includes('undeclared'))) expect(r.flags).not.toContain('best');
  });

  it('the card says why, in every format; check measures gaps from the best declared group', async () => {
    const md = readFileSync(join(card, 'card.md'), 'utf8');
    expect(md).toContain('Best group (lowest WER among groups with at least 10 speakers and 500 reference words): us. Never a candidate: undeclared (no declared value; its gap to the best group is shown).');
    expect(md).toMatch(/\d+\. .*"undeclared" \(utterances that declare no value of the grouping key; in slices, any undeclared part\) is never the best group nor an automatically chosen reference: nobody declared it; its own gap and ratio to the best declared group are shown\./);
    const head = md.split('\n').find((l) => l.startsWith('| Group |'))!.split(' | ');
    const row = md.split('\n').find((l) => l.startsWith('| undeclared |'))!.split(' | ');
    expect(row[head.indexOf('Flags')]).not.toMatch(/best/);
    expect(row[head.indexOf('Gap to best adequate group, descriptive [95% CI]')]).toMatch(/^[−-]/);
    const html = readFileSync(join(card, 'card.html'), 'utf8');
    expect(html).toContain('Never a candidate: undeclared (no declared value; its gap to the best group is shown).');
    expect(readFileSync(join(card, 'card-notes.csv'), 'utf8')).toMatch(/^notes,\d+,".*""undeclared"" \(utterances that declare no value of the grouping key; .*is never the best group/m);
    // The gate: india's gap is measured from us (undeclared's 0 % would add about 18 points).
    const chk = await cli('check', run, '--max-gap', '0.10');
    expect(chk.code, chk.stderr).toBe(1);
    expect(chk.stdout + chk.stderr).toMatch(/points above best group "us"/);
    expect(chk.stdout + chk.stderr).not.toMatch(/best group "undeclared"/);
  }, 60_000);

  it('no adequate declared group: the best is among the small declared ones; no declared group at all: no best', () => {
    const loaded = loadRunForReport(run);
    // undeclared (281 speakers) meets the minimum cell; canada and ireland (23 and 9 speakers, < 500 words) do not.
    const few = loaded.utterances.filter((u) => undeclaredIds.has(u.id) || ['canada', 'ireland'].includes(u.labels.accent ?? ''));
    const c = buildServiceCard(loaded.meta, few, { groupBy: 'accent', bootstrap: 200, seed: 1, model: 'none' });
    const t = c.tables.find((x) => x.kind === 'group')!;
    expect(t.rows.find((r) => r.group === 'undeclared')!.flags).not.toContain('small-cell');
    expect(t.bestGroup).toBe('canada');
    const md = renderMarkdown(c);
    expect(md).toMatch(/^\| canada \|.*\| small cell, best \(no declared group meets the minimum cell\) \|/m);
    expect(md).toContain('Best group (lowest WER among all declared groups: none meets the minimum cell): canada. Never a candidate: undeclared');
    const none = buildServiceCard(loaded.meta, loaded.utterances.filter((u) => undeclaredIds.has(u.id)), { groupBy: 'accent', bootstrap: 200, seed: 1, model: 'none' });
    const u = none.tables.find((x) => x.kind === 'group')!;
    expect(u.bestGroup).toBe('');
    expect(u.rows[0].gapToBest?.estimate).toBeNaN();
    expect(renderMarkdown(none)).toContain('Best group: none (no declared group has a WER). Never a candidate: undeclared');
  });

  it('undeclared utterances are those with no accent in the real manifest (562, as the importer reports)', () => {
    expect(undeclaredIds.size).toBe(562);
  });
});
