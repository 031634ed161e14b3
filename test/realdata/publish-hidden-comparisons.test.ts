/**
 * `report --publish` and comparisons against a suppressed group (trial 17, defects 1 and 2). A gap or ratio to a group,
 * printed beside a shown group's own WER, gives that group's WER back: WER(ref) = WER(g) − gap. Real Artie transcripts
 * (Amazon and Google en-US, December 2019), scored text-only.
 * 1. The reference group (`--reference-group wales`, 2 speakers) was suppressed but every row kept its "Gap to wales"
 *    (indian 34.7%, +16.2 pp → wales 18.5%), and the model table printed "wales (reference) | 3" utterances.
 * 2. With no declared group meeting the minimum cell, the best group was a suppressed one, named in "Best group", and
 *    the visible undeclared row's gap and ratio to it gave its WER back; the model's automatic reference (the largest
 *    declared group) was a suppressed one, with its utterances printed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceCard } from '../../src/report/model.ts';
import { cli } from '../helpers/cli.ts';

const ARTIE = join(import.meta.dirname, '../../corpora/artie-bias-corpus');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-publish-cmp-'));
const run = join(dir, 'run');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs Amazon and Google en-US on `manifest` (text-only) into the run export folder `name`. */
async function runOn(manifest: string, name: string): Promise<string> {
  const suite = join(dir, `${name}.yaml`);
  writeFileSync(
    suite,
    [
      `name: ${name}`,
      `manifest: ${manifest}`,
      'normaliser: basic',
      'qc: false',
      'groupBy: [accent]',
      'minCell: { speakers: 10, words: 500 }',
      'backends:',
      `  - { name: amazon-en-US, type: hypotheses, options: { file: ${join(ARTIE, 'predictions/amazon/en-US/dec-9-2019.tsv')}, idFrom: basename-without-extension } }`,
      `  - { name: google-en-US, type: hypotheses, options: { file: ${join(ARTIE, 'predictions/google/en-US/dec-4-2019.tsv')}, idFrom: basename-without-extension } }`,
      '',
    ].join('\n'),
  );
  const out = join(dir, name);
  const r = await cli('run', suite, '--store', join(dir, `${name}.sqlite`), '--out', out, '--no-progress');
  expect(r.code, r.stderr).toBe(0);
  return out;
}

beforeAll(async () => {
  await runOn(join(ARTIE, 'manifest.jsonl'), 'run');
}, 300_000);

/** Runs the Artie utterances `keep` accepts (by accent and how many of that accent came before, in file order). */
async function subsetRun(name: string, keep: (accent: string | undefined, seen: number) => boolean): Promise<string> {
  const seen = new Map<string | undefined, number>();
  const lines = readFileSync(join(ARTIE, 'manifest.jsonl'), 'utf8').trim().split('\n').filter((l) => {
    const a = (JSON.parse(l) as { labels: Record<string, string | undefined> }).labels.accent;
    const n = seen.get(a) ?? 0;
    seen.set(a, n + 1);
    return keep(a, n);
  });
  const manifest = join(dir, `${name}.jsonl`);
  writeFileSync(manifest, lines.join('\n') + '\n');
  return runOn(manifest, name);
}

async function publish(runDir: string, out: string, ...flags: string[]): Promise<{ card: ServiceCard; md: string; html: string; csv: string; notes: string; model: string }> {
  const r = await cli('report', runDir, '--publish', '--bootstrap', '200', '--out', join(dir, out), ...flags);
  expect(r.code, r.stderr).toBe(0);
  const read = (f: string) => readFileSync(join(dir, out, f), 'utf8');
  return { card: JSON.parse(read('card.json')) as ServiceCard, md: read('card.md'), html: read('card.html'), csv: read('card.csv'), notes: read('card-notes.csv'), model: read('card-model.csv') };
}

describe('published card: no comparison against a suppressed group', () => {
  it.each(['wales', 'bermuda'])('reference group %s, suppressed: no gap or rate ratio against it, in any format', async (ref) => {
    const { card, md, html, csv, notes, model } = await publish(run, `ref-${ref}`, '--reference-group', ref);
    const groups = card.tables.filter((t) => t.kind === 'group');
    for (const t of groups) expect(t.rows.find((r) => r.group === ref)?.suppressed).toBe(true);
    expect(card.tables.flatMap((t) => t.rows).filter((r) => r.gapToReference !== null && r.gapToReference !== undefined)).toEqual([]);
    expect(card.tables.map((t) => t.referenceGroup).filter((g) => g !== null)).toEqual([]);
    for (const text of [md, html]) expect(text).not.toContain(`Gap to ${ref}`);
    expect(csv.split('\n').slice(1).filter((l) => l.split(',').includes(ref) && /,0\.\d/.test(l.split(ref)[1] ?? ''))).toEqual([]);
    for (const text of [md, notes.replaceAll('""', '"')]) expect(text).toContain(`the reference group "${ref}" is suppressed on this published card`);
    // The model: the reference row is suppressed (no utterances) and no group has a rate ratio against it.
    for (const m of card.models) {
      expect(m.referenceGroup).toBe(ref);
      const row = m.groups.find((g) => g.reference);
      expect(row).toMatchObject({ group: ref, suppressed: true, utterances: null });
      expect(m.groups.filter((g) => g.rateRatio !== null || g.unadjusted !== null || g.p !== null)).toEqual([]);
      expect(m.warnings.join(' ')).toContain('Rate ratios withheld');
    }
    expect(md).not.toMatch(new RegExp(`\\| ${ref} \\(reference\\) \\| \\d`));
    expect(model.split('\n').filter((l) => l.includes(`,${ref},false,`))).toEqual([]);
  }, 120_000);

  it('no declared group meets the minimum cell: no suppressed best group, no gap or ratio to it', async () => {
    // Undeclared (281 speakers) and six accents of fewer than 10 speakers each.
    const small = new Set(['ireland', 'scotland', 'wales', 'hongkong', 'bermuda', 'newzealand']);
    const sub = await subsetRun('best', (a) => a === undefined || a === 'undeclared' || small.has(a));
    const { card, md, html, notes } = await publish(sub, 'best-out');
    for (const t of card.tables.filter((x) => x.kind === 'group')) {
      expect(t.rows.find((r) => r.group === 'undeclared')?.suppressed).toBe(false);
      expect(t.rows.filter((r) => small.has(r.group)).every((r) => r.suppressed)).toBe(true);
      expect(t.bestGroup).toBe('');
      expect(t.withheld?.best).toBe(true);
      expect(t.rows.filter((r) => r.gapToBest !== null || r.ratioToBest !== null)).toEqual([]);
    }
    for (const text of [md, html]) {
      expect(text).not.toMatch(/Best group \(lowest WER/);
      expect(text).toContain('Best group: not published');
    }
    expect(notes).toContain('Best group: not published');
    // The model's automatic reference is a declared group: all are suppressed, so no rate ratio is published.
    for (const m of card.models) {
      expect(small.has(m.referenceGroup)).toBe(true);
      expect(m.groups.find((g) => g.reference)).toMatchObject({ suppressed: true, utterances: null });
      expect(m.groups.filter((g) => g.rateRatio !== null)).toEqual([]);
    }
  }, 120_000);

  it("the model's automatic reference is the largest declared group the card shows", async () => {
    // england (131 utterances, 77 speakers) is below --min-speakers 80 but has more utterances than the shown us (120).
    const sub = await subsetRun('largest', (a, n) => a === 'england' || (a === 'us' && n < 120) || (a === 'indian' && n < 100));
    const { card, md } = await publish(sub, 'largest-out', '--min-speakers', '80');
    for (const m of card.models) {
      const shown = card.tables.find((t) => t.kind === 'group' && t.backend === m.backend)!.rows.filter((r) => !r.suppressed).map((r) => r.group);
      expect(shown).toContain('us');
      expect(shown).not.toContain('england');
      expect(m.referenceGroup).toBe('us');
      expect(m.referenceSource).toBe('largest-shown');
      expect(m.groups.find((g) => g.group === 'england')).toMatchObject({ suppressed: true, utterances: null, rateRatio: null });
    }
    expect(md).toContain('Reference group: us (the largest declared group by utterances that this published card shows');
  }, 120_000);
});
