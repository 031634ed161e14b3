/**
 * CORAAL word fragments in the glass box (src/analysis/fragments.ts). Real CORAAL transcript lines (../shared/data,
 * CC BY-NC-SA: imported into a temp dir, never shipped) that hold fragments (`in-` → `(in-)`), spoken by espeak-ng
 * (the fragment as its letters), two sites as groups. Before: `(in-)` reached G2P as the word "in" (the basic
 * normaliser strips the markup), so its made-up phones were canonical phones of every pass, and a recogniser that
 * left the false start out was charged their deletions. Now: left out of the canonical phones; in the black box, with
 * the hypothesis word it matched under sclite -D -F; counted per group in md, html, json and on stderr.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from '../helpers/cli.ts';
import { deletable, importCoraal, shortLines, speakManifest, spoken, type CoraalRow } from '../helpers/coraal-lines.ts';
import { createG2P } from '../../src/text/g2p.ts';
import { isArpabetPhone } from '../../src/backends/pocketsphinx-glass.ts';
import { words } from '../../src/analysis/glass.ts';
import type { GlassReport } from '../../src/analysis/glass-suite.ts';

const dir = mkdtempSync(join(tmpdir(), 'asrfair-glass-coraal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8' });
/** The reference without its fragments. */
const withoutFragments = (t: string) => t.split(' ').filter((w) => !/^\(.+\)$/.test(w)).join(' ');
let rows: CoraalRow[];

beforeAll(async () => {
  const all = await importCoraal(dir);
  // Per site (ATL, ROC): its first three short lines holding a fragment and one holding none.
  rows = speakManifest(dir, ['atl', 'roc'].flatMap((site) => [...shortLines(all, site, true).slice(0, 3), ...shortLines(all, site, false).slice(0, 1)]));
  // Black-box hypotheses: ATL's recogniser says the fragment (as the letters spoken), ROC's leaves it out.
  // One ROC hypothesis holds markup sclite cannot read (an unclosed "{"): a failure of that utterance, not of the run.
  const broken = rows.find((u) => u.labels.site === 'roc' && deletable(u) > 0)!.id;
  const hyp = (u: CoraalRow) => (u.labels.site === 'atl' ? spoken(u.text) : `${withoutFragments(u.text)}${u.id === broken ? ' {oops' : ''}`);
  writeFileSync(join(dir, 'hyp.jsonl'), rows.map((u) => JSON.stringify({ id: u.id, hyp: hyp(u) })).join('\n') + '\n');
}, 120_000);

describe('glass on CORAAL lines with word fragments', () => {
  it('leaves fragments out of the canonical phones and the black box, and counts them per group', async () => {
    expect(rows.filter((u) => deletable(u) > 0)).toHaveLength(6);
    expect(rows.some((u) => u.text.startsWith('(in-) where my daddy'))).toBe(true);
    const r = run('glass', 'm.jsonl', '--group-by', 'site', '--hyp', 'hyp.jsonl', '--no-goodness', '--processes', '2', '--out', 'out', '--cache-dir', 'cache', '--min-speakers', '1');
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'out', 'confusable.json'), 'utf8')) as GlassReport;
    const frag = (site: string) => rows.filter((u) => u.labels.site === site && deletable(u) > 0);
    const count = (site: string) => frag(site).reduce((a, u) => a + deletable(u), 0);
    const markup = report.failures.filter((f) => f.error.startsWith('markup: '));
    expect(markup).toEqual([expect.objectContaining({ group: 'roc', stage: 'words', error: expect.stringMatching(/^markup: .*unbalanced "\{"/) as string })]);
    // Black box: every hypothesis is the reference (fragments said or left out): no phone error in either group.
    for (const m of report.blackBox!.matrices) {
      const errors = Object.entries(m.counts).flatMap(([ref, row]) => Object.entries(row).filter(([hyp]) => hyp !== ref).map(([, n]) => n));
      expect(errors.reduce((a, b) => a + b, 0), m.group).toBe(0);
    }
    // Phone loop: the canonical phones are each word's first pronunciation (--no-goodness) of the words without fragments.
    const g2p = await createG2P();
    const phonesOf = async (texts: string[]) => {
      const ws = texts.flatMap((t) => words(t));
      await g2p.prepare(ws);
      return ws.reduce((a, w) => a + g2p.word(w).filter(isArpabetPhone).length, 0);
    };
    for (const site of ['atl', 'roc']) {
      const refs = rows.filter((u) => u.labels.site === site).map((u) => u.text);
      const m = report.phoneLoop!.matrices.find((x) => x.group === site)!;
      const total = Object.values(m.refCounts).reduce((a, b) => a + b, 0);
      expect(total).toBe(await phonesOf(refs.map(withoutFragments)));
      expect(total).toBeLessThan(await phonesOf(refs));
    }
    expect(report.fragments?.byGroup).toEqual({
      atl: { utterances: 3, fragments: count('atl'), hypothesisWordsMatched: count('atl') },
      roc: { utterances: 3, fragments: count('roc'), hypothesisWordsMatched: 0 },
    });
    const note = `Left out, per group: atl ${count('atl')} fragments in 3 utterances (black box: ${count('atl')} hypothesis words they matched); roc ${count('roc')} fragments in 3 utterances (black box: 0 hypothesis words they matched).`;
    expect(r.stderr).toContain(`glass: Word fragments: corpus word fragments kept in sclite's notation, (like-), are left out of the canonical phones of every pass`);
    expect(r.stderr).toContain(note);
    expect(readFileSync(join(dir, 'out', 'confusable.md'), 'utf8')).toContain(note);
    expect(readFileSync(join(dir, 'out', 'confusable.html'), 'utf8')).toContain(note);
  }, 240_000);
});
