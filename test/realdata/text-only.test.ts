import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { loadRunForReport } from '../../src/score/run-export.ts';
import { buildServiceCard } from '../../src/report/model.ts';

const ROOT = join(import.meta.dirname, '../..');
const MANIFEST = join(ROOT, 'corpora/artie-bias-corpus/manifest.jsonl');
const AMAZON = join(import.meta.dirname, '../../../shared/data/artie-bias-corpus/predictions/amazon/en-US/dec-9-2019.tsv');

let dir: string;
let manifest: string;
let lines: string[];
let ids: string[];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'text-only-'));
  // The first 20 utterances of the real Artie corpus (text-only: no audio field).
  lines = readFileSync(MANIFEST, 'utf8').split('\n').slice(0, 20);
  ids = lines.map((l) => (JSON.parse(l) as { id: string }).id);
  manifest = join(dir, 'm.jsonl');
  writeFileSync(manifest, lines.join('\n') + '\n');
});

function suite(name: string, backends: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `name: ${name}\nmanifest: m.jsonl\ngroupBy: [accent]\nnormaliser: basic\nbackends:\n${backends}`);
  return file;
}

describe('text-only manifests (no audio) with vendor transcripts', () => {
  it('validate accepts the shipped Artie manifest as text-only', async () => {
    const r = await cli('validate', MANIFEST);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1712 valid utterances \(1712 text-only: no audio; runnable only by backends that answer by utterance id/);
  });

  it('validate --suite and run reject a text-only utterance when a backend needs audio, naming file:line and the backend', async () => {
    const s = suite('mixed', `  - { name: vendor, type: hypotheses, options: { file: ${AMAZON}, idFrom: basename-without-extension } }\n  - { name: ps, type: pocketsphinx }\n`);
    const v = await cli('validate', manifest, '--suite', s);
    expect(v.code).toBe(1);
    expect(v.stderr.split('\n')[0]).toBe(`${manifest}:1: utterance "${ids[0]}" has no audio, but backend "ps" (pocketsphinx) of ${s} needs audio`);
    const r = await cli('run', s, '--store', join(dir, 'mixed.sqlite'), '--out', join(dir, 'mixed'), '--no-progress');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      `asrfair: ${manifest}:1: utterance "${ids[0]}" has no audio, but backend "ps" (pocketsphinx) needs audio: a text-only manifest runs only with backends that answer by utterance id (type hypotheses)`,
    ]);
  });

  it('run scores it; a row for a clip not in the manifest is a warning naming file:line (counted); an utterance without an answer is failed and counted in the card', async () => {
    // The vendor table as published, minus the answer for one manifest utterance, plus two clips the manifest lacks.
    const table = readFileSync(AMAZON, 'utf8').trimEnd().split('\n');
    const byId = new Map(table.slice(1).map((r) => [r.split('\t')[0].replace(/\.wav$/, ''), r]));
    const extra = table.slice(1).filter((r) => !ids.includes(r.split('\t')[0].replace(/\.wav$/, ''))).slice(0, 2);
    const rows = [table[0], ...ids.slice(1).map((id) => byId.get(id)!), ...extra];
    const tsv = join(dir, 'vendor.tsv');
    writeFileSync(tsv, rows.join('\n') + '\n');
    const s = suite('vendor', `  - { name: vendor, type: hypotheses, options: { file: vendor.tsv, idFrom: basename-without-extension } }\n`);
    const v = await cli('validate', manifest, '--suite', s);
    expect(v.code).toBe(0);
    expect(v.stderr).toContain(`${tsv}:21: warning: backend "vendor" answers "${extra[0].split('\t')[0].replace(/\.wav$/, '')}", which is not in ${manifest}`);
    expect(v.stderr).toContain('backend "vendor": 2 answer(s) for utterances not in the manifest (not scored)');
    expect(v.stderr).toContain('backend "vendor": no answer for 1 manifest utterance(s)');

    const out = join(dir, 'vendor-run');
    const r = await cli('run', s, '--store', join(dir, 'vendor.sqlite'), '--out', out, '--no-progress');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`warning: backend "vendor": 2 answer(s) for utterances not in the manifest, not scored: ${tsv}:21 (`);
    expect(r.stderr).toContain(`${tsv}:22 (`);
    expect(r.stdout).toMatch(/vendor\s+clean\s+20\s+0\s+20\s+19\s+1\s/); // 20 items, 19 ok, 1 failed
    const run = loadRunForReport(out);
    const failed = run.utterances.filter((u) => u.status === 'failed');
    expect(failed.map((u) => u.id)).toEqual([ids[0]]);
    expect(failed[0].error).toMatch(new RegExp(`no hypothesis for id ${ids[0]} in .*vendor\\.tsv`));
    expect(failed[0].words.del).toBe(failed[0].words.ref);
    const card = buildServiceCard(run.meta, run.utterances, { groupBy: 'accent', bootstrap: 100, seed: 1, model: 'none' });
    const table0 = card.tables.find((t) => t.kind === 'group')!;
    expect(table0.rows.reduce((a, x) => a + (x.failed ?? 0), 0)).toBe(1);
    // Text-only rows carry no audio path and no duration.
    expect(run.utterances.every((u) => u.audio === undefined && u.durationSec === undefined)).toBe(true);
  }, 120_000);
});
