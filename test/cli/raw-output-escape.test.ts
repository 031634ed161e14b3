// The last commands that printed lines with a bare process.stdout/stderr.write: `export` (--list, --scored, -o),
// `import` (the manifest written, its tallies), `demo` (its own lines and the run lines it has `run` print), `g2p` (the
// user's words), `backends` and `check` (the settings line). A path, label or word holding ESC [ 2 J (clears the
// screen) or a bare CR (rewrites the line) reached the terminal raw. Real inputs: the first 60 utterances of the Artie
// bias corpus scored with Google en-US's real answers (10 of them relabelled with an accent holding ESC and CR), the
// Artie corpus TSV imported as published, and demo part (a) on Artie's real vendor answers; every store, manifest and
// export lies in a folder whose name holds ESC [2J and CR. Nothing any of them prints may hold a raw control character.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, cliIn } from '../helpers/cli.ts';

const MANIFEST = join(import.meta.dirname, '../../corpora/artie-bias-corpus/manifest.jsonl');
const DATA = join(import.meta.dirname, '../../../shared/data/artie-bias-corpus');
const GOOGLE = join(DATA, 'predictions/google/en-US/dec-4-2019.tsv');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-raw-output-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const folder = join(dir, 'out-\x1b[2J-\rX');
const SHOWN = 'out-\\x1b[2J-\\x0dX';
const LABEL = 'evil\x1b[2J\rX';
// eslint-disable-next-line no-control-regex
const RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;
const rawLines = (text: string) => text.split('\n').filter((l) => RAW.test(l));
const clean = (r: { stdout: string; stderr: string }) => {
  expect(rawLines(r.stdout)).toEqual([]);
  expect(rawLines(r.stderr)).toEqual([]);
};

beforeAll(async () => {
  mkdirSync(folder);
  const lines = readFileSync(MANIFEST, 'utf8').split('\n').slice(0, 60);
  const relabelled = lines.map((l, i) => {
    const u = JSON.parse(l) as { labels: Record<string, string> };
    if (i < 10) u.labels.accent = LABEL;
    return JSON.stringify(u);
  });
  writeFileSync(join(folder, 'm.jsonl'), relabelled.join('\n') + '\n');
  writeFileSync(
    join(folder, 's.yaml'),
    `name: esc\nmanifest: m.jsonl\ngroupBy: [accent]\nnormaliser: basic\nseed: 1\nbootstrap: { B: 20 }\ngate: { maxWer: 0.9, includeSmallCells: true }\n` +
      `backends:\n  - { name: google-en-US, type: hypotheses, options: { file: ${GOOGLE}, idFrom: basename-without-extension } }\n`,
  );
  const r = await cli('run', join(folder, 's.yaml'), '--store', join(folder, 's.sqlite'), '--out', join(folder, 'exp'), '--no-progress');
  // Every cell is small: the gate checks them anyway (includeSmallCells), so its group lines print; pass or fail, the export is written.
  expect([0, 1], r.stderr).toContain(r.code);
}, 120_000);

describe('commands print no raw control character from paths, labels and words', () => {
  it('export --list, --scored and -o name the store folder as visible escapes', async () => {
    const list = await cli('export', join(folder, 's.sqlite'), '--list');
    expect(list.code, list.stderr).toBe(0);
    clean(list);
    expect(list.stdout).toContain(SHOWN);
    // Still one run a line, six tab-separated fields.
    expect(list.stdout.trimEnd().split('\n').map((l) => l.split('\t').length)).toEqual([6]);
    const scored = await cli('export', join(folder, 's.sqlite'), '--scored', join(folder, 'scored'));
    expect(scored.code, scored.stderr).toBe(0);
    clean(scored);
    expect(scored.stdout).toContain(`${SHOWN}/scored (60 rows, 0 failed)`);
    const rows = await cli('export', join(folder, 's.sqlite'), '-o', join(folder, 'rows.jsonl'));
    expect(rows.code, rows.stderr).toBe(0);
    clean(rows);
    expect(rows.stderr).toMatch(/out-\\x1b\[2J-\\x0dX\/rows\.jsonl: 60 rows of run /);
  }, 60_000);

  it('import: the Artie corpus TSV written into that folder', async () => {
    const r = await cli('import', 'commonvoice', join(DATA, 'data/artie-bias-corpus.tsv'), '-o', join(folder, 'imp.jsonl'));
    expect(r.code, r.stderr).toBe(0);
    clean(r);
    expect(r.stdout).toContain(`${SHOWN}/imp.jsonl: 1712 utterances, 969 speakers`);
  }, 60_000);

  it('check: its gate, settings and group lines', async () => {
    const r = await cli('check', join(folder, 'exp'), '--seed', '2');
    expect([0, 1]).toContain(r.code);
    clean(r);
    expect(r.stderr).toContain('--seed 2 (run: 1)');
  }, 60_000);

  it('g2p: the words given, one a line and as JSON', async () => {
    const r = await cli('g2p', `hello ${LABEL} world`);
    expect(r.code, r.stderr).toBe(0);
    clean(r);
    expect(r.stdout).toContain('evil\\x1b[2j');
    expect(r.stdout.split('\n')[0]).toBe('hello\tHH AH L OW\tcmudict');
    // JSON.stringify leaves C1 controls (U+009B is a one-character CSI) raw: \u009b, still JSON with the same words.
    const json = await cli('g2p', 'hello X\u009b2J world', '--json');
    expect(json.code, json.stderr).toBe(0);
    clean(json);
    expect(json.stdout).toContain('x\\u009b2j');
    expect((JSON.parse(json.stdout) as { word: string }[]).map((w) => w.word)).toContain('x\u009b2j');
  }, 60_000);

  it('backends: run from that folder', async () => {
    const r = await cliIn(['backends'], folder);
    expect(r.code, r.stderr).toBe(0);
    clean(r);
    const json = await cliIn(['backends', '--json', '--no-probe'], folder);
    clean(json);
    JSON.parse(json.stdout);
  }, 60_000);

  it('demo part (a) from that folder: its lines and the run lines it has run print', async () => {
    const r = await cliIn(['demo', '--parts', 'a', '--store', join(folder, 'demo.sqlite')], folder);
    expect(r.code, r.stderr).toBe(0);
    clean(r);
    expect(r.stderr).toContain(`${SHOWN}/reports/demo/latest/real-vendors`);
  }, 240_000);
});
