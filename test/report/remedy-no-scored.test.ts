// A group with no utterance scored by both recognisers is named as what it is in the card's remedy section (publish
// mode or not), never dropped silently or listed as "below the minimum cell". Real data: the first 300 Artie clips
// with Amazon (baseline) and Google (remedy) en-US transcripts, plus three real Artie sentences declared "manx" under
// ids neither vendor answered (each call fails: "no hypothesis for id").
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';
import { parseCsv } from './parse-csv.ts';

const ARTIE = resolve(import.meta.dirname, '../../corpora/artie-bias-corpus');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-remedy-no-scored-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines = readFileSync(join(ARTIE, 'manifest.jsonl'), 'utf8').trimEnd().split('\n');
const first = lines.slice(0, 300);
const manx = lines.slice(300, 303).map((l, i) => {
  const u = JSON.parse(l) as { id: string; speaker?: string; labels: Record<string, string> };
  return JSON.stringify({ ...u, id: `manx-${i}`, speaker: `manx-spk-${i}`, labels: { ...u.labels, accent: 'manx' } });
});

interface Remedy { noScored: { group: string; utterances: number }[]; unpublished: string[]; report: { groups: { group: string }[] } | null }
let run: Awaited<ReturnType<typeof cli>>;
beforeAll(async () => {
  writeFileSync(join(dir, 'manifest.jsonl'), [...first, ...manx].join('\n') + '\n');
  writeFileSync(
    join(dir, 'suite.yaml'),
    `name: remedy-no-scored\nmanifest: ${join(dir, 'manifest.jsonl')}\ngroupBy: [accent]\nnormaliser: basic\nseed: 7\nbootstrap: 200\nmodel: none\n` +
      `backends:\n` +
      `  - { name: amazon, type: hypotheses, options: { file: ${join(ARTIE, 'predictions/amazon/en-US/dec-9-2019.tsv')}, idFrom: basename-without-extension } }\n` +
      `  - { name: google, type: hypotheses, options: { file: ${join(ARTIE, 'predictions/google/en-US/dec-4-2019.tsv')}, idFrom: basename-without-extension } }\n` +
      `remedy: { before: amazon, after: google, method: vendor-switch, scope: global }\n`,
  );
  run = await cli('run', join(dir, 'suite.yaml'), '--store', join(dir, 's.sqlite'), '--out', join(dir, 'run'), '--no-progress', '--no-gate');
  await cli('report', join(dir, 'run'), '--format', 'md,json,html,csv');
  await cli('report', join(dir, 'run'), '--publish', '--format', 'md,json,html,csv', '--out', join(dir, 'pub'));
}, 180_000);

describe('remedy section: a group with nothing scored by both recognisers', () => {
  it('the run failed every manx call on both backends', () => {
    expect(run.code, run.stderr).toBe(0);
    const res = readFileSync(join(dir, 'run', 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { labels: { accent?: string }; status: string });
    expect(res.filter((r) => r.labels.accent === 'manx').map((r) => r.status)).toEqual(['failed', 'failed', 'failed', 'failed', 'failed', 'failed']);
  });

  for (const [mode, folder] of [['card', 'run/report'], ['published card', 'pub']] as const) {
    it(`${mode}: names manx as having no scored utterance, in md, html and json; not as a small cell`, () => {
      const json = JSON.parse(readFileSync(join(dir, folder, 'card.json'), 'utf8')) as { remedy: Remedy };
      expect(json.remedy.noScored).toEqual([{ group: 'manx', utterances: 3 }]);
      expect(json.remedy.unpublished).not.toContain('manx');
      expect(json.remedy.report!.groups.map((g) => g.group)).not.toContain('manx');
      const line = 'No scored utterance (none scored by both amazon and google), so in no figure here: manx (3 utterances).';
      const md = readFileSync(join(dir, folder, 'card.md'), 'utf8');
      expect(md).toContain(`- ${line}`);
      expect(md).not.toMatch(/below the minimum cell left out of every figure here: [^\n]*manx/);
      expect(readFileSync(join(dir, folder, 'card.html'), 'utf8')).toContain(`<li>${line}</li>`);
      const csv = parseCsv(readFileSync(join(dir, folder, 'card-remedy.csv'), 'utf8'));
      expect(csv.filter((r) => r.group === 'manx').map((r) => [r.row_type, r.utterances, r.small_cell, r.note])).toEqual([['no-scored', '3', '', 'no utterance scored by both amazon and google']]);
    });
  }
});
