// The terminal card (demo's verdict tables) had no Failed and no Empty hyp. columns while card.md, html, csv and json
// count both per group: a reader of the terminal could not see that a group lost utterances. Real data: the Artie
// corpus and Google's real en-US answers (36 empty, the predictions' README), with Google's answers for the first 10
// "england" clips left out, so those calls fail. The terminal table now has both columns under card.md's rule, and
// their numbers are the ones counted here from the TSV and the manifest.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';
import { loadRunForReport } from '../../src/score/run-export.ts';
import { buildServiceCard, type ServiceCard } from '../../src/report/model.ts';
import { cardOptionsForRun } from '../../src/report/card-settings.ts';
import { renderTerminalSummary } from '../../src/report/render-terminal.ts';
import { renderMarkdown } from '../../src/report/render-md.ts';

const MANIFEST = join(import.meta.dirname, '../../corpora/artie-bias-corpus/manifest.jsonl');
const PRED = join(import.meta.dirname, '../../../shared/data/artie-bias-corpus/predictions');
const AMAZON = join(PRED, 'amazon/en-US/dec-9-2019.tsv');
const GOOGLE = join(PRED, 'google/en-US/dec-4-2019.tsv');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-terminal-counts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Utt = { id: string; labels: Record<string, string> };
const manifest = readFileSync(MANIFEST, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Utt);
const accentOf = new Map(manifest.map((u) => [u.id, u.labels.accent ?? 'undeclared']));
const lost = new Set(manifest.filter((u) => u.labels.accent === 'england').slice(0, 10).map((u) => u.id));
const googleRows = readFileSync(GOOGLE, 'utf8').trimEnd().split('\n');
const idOf = (row: string) => row.split('\t')[0].replace(/\.wav$/, '');

/** Empty Google answers per accent among the answers kept, from the TSV and the manifest (not from the card code). */
function expectedEmpty(): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of googleRows.slice(1)) {
    if ((r.split('\t')[1] ?? '').trim() !== '' || lost.has(idOf(r)) || !accentOf.has(idOf(r))) continue;
    const g = accentOf.get(idOf(r))!;
    out.set(g, (out.get(g) ?? 0) + 1);
  }
  return out;
}

let card: ServiceCard;
let text: string;
beforeAll(async () => {
  const g = join(dir, 'google-lost.tsv');
  writeFileSync(g, [googleRows[0], ...googleRows.slice(1).filter((r) => !lost.has(idOf(r)))].join('\n') + '\n');
  const suite = join(dir, 's.yaml');
  writeFileSync(
    suite,
    `name: s\nmanifest: ${MANIFEST}\ngroupBy: [accent]\nnormaliser: basic\nseed: 1\nbootstrap: { B: 100 }\nmodel: none\nminCell: { speakers: 10, words: 500 }\nbackends:\n` +
      `  - { name: amazon-en-US, type: hypotheses, options: { file: ${AMAZON}, idFrom: basename-without-extension } }\n` +
      `  - { name: google-en-US, type: hypotheses, options: { file: ${g}, idFrom: basename-without-extension } }\n`,
  );
  const out = join(dir, 'run');
  const r = await cli('run', suite, '--store', join(dir, 's.sqlite'), '--out', out, '--no-progress', '--no-gate');
  if (!r.stdout.includes('run export:')) throw new Error(r.stderr);
  const loaded = loadRunForReport(out);
  card = buildServiceCard(loaded.meta, loaded.utterances, cardOptionsForRun(loaded.meta));
  text = renderTerminalSummary(card, []);
}, 120_000);

/** The lines of one backend's terminal table: header first, "all groups" last. */
function tableOf(backend: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`${backend} · condition clean · by accent`));
  const end = lines.findIndex((l, i) => i > start && l.trim().startsWith('all groups'));
  return lines.slice(start + 1, end + 1);
}
const cellsOf = (line: string) => line.trim().split(/ {2,}/);

describe('the terminal card counts failed utterances and empty hypotheses per group, as card.md does', () => {
  it('Google (10 failed, 36 − lost empty): both columns, each group its counts, "all groups" the totals', () => {
    const t = tableOf('google-en-US');
    expect(cellsOf(t[0]).slice(0, 4)).toEqual(['group', 'spk', 'failed', 'empty hyp.']);
    const empty = expectedEmpty();
    const rows = new Map(t.slice(1, -1).map((l) => [cellsOf(l)[0], cellsOf(l)]));
    for (const [group, c] of rows) {
      expect(c[2], `${group} failed`).toBe(group === 'england' ? '10' : '0');
      expect(c[3], `${group} empty`).toBe(String(empty.get(group) ?? 0));
    }
    expect([...empty.keys()].every((g) => rows.has(g))).toBe(true);
    const total = [...empty.values()].reduce((a, b) => a + b, 0);
    expect(cellsOf(t.at(-1)!).slice(0, 4)).toEqual(['all groups', expect.any(String), '10', String(total)]);
  });

  it("the columns follow card.md's rule: Amazon (no failure, empty answers) has Empty hyp. but no Failed, in both", () => {
    const t = tableOf('amazon-en-US');
    const head = cellsOf(t[0]);
    expect(head).not.toContain('failed');
    const md = renderMarkdown(card);
    const mdHead = md.split('\n').filter((l) => l.startsWith('| Group |'));
    const amazonHasEmpty = card.tables.find((x) => x.kind === 'group' && x.backendName === 'amazon-en-US')!.overall.emptyHyp! > 0;
    expect(head.includes('empty hyp.')).toBe(amazonHasEmpty);
    expect(mdHead.some((l) => l.includes('Failed') && l.includes('Empty hyp.'))).toBe(true);
  });
});
