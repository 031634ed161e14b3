/**
 * Every command that reads a manifest, or a run made from one, says once when the manifest's import record
 * (`<manifest>.import.json`) describes an earlier version of it, and says once that a record without the manifest's
 * sha256 (an older asrfair's) cannot be checked; the reports these commands write carry the same sentence (stderr is
 * lost in CI logs). Closing note of stop 23: `compare`, `check`, `glass` and `adapt` said nothing, and a hashless
 * record was checked nowhere.
 *
 * Real data: the shipped Artie manifest and record with Amazon's and Google's real en-US answers (compare, check,
 * report); the shipped Common Voice sample (validate; glass on 4 real clips, phone loop and words); the shipped
 * speechocean762 sample (adapt, the full CLI: pronunciation variants from given rules on 2 utterances per speaker,
 * about 40 s — the cheapest real adapt path, that of test/adapt/run-groups.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliIn as cli } from '../helpers/cli.ts';

const ROOT = join(import.meta.dirname, '../..');
const CORPORA = join(ROOT, 'corpora');
const ARTIE = join(CORPORA, 'artie-bias-corpus');
const CV = join(CORPORA, 'cv-6.1-en-sample');
const SO = join(CORPORA, 'speechocean762-sample');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-import-commands-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const STALE = 'the import record manifest.import.json describes an earlier version of the manifest manifest.jsonl';
const STALE_LINE = `asrfair: warning: ${STALE}: the manifest was changed after the import (its sha256 differs from the one recorded), so the record's counts (utterances, speakers, left out, mapped to undeclared) are not of this manifest; re-import it, or delete manifest.import.json`;
const UNCHECKED = 'the import record manifest.import.json cannot be checked against the manifest manifest.jsonl';
const UNCHECKED_LINE = `asrfair: warning: ${UNCHECKED}: it records no sha256 of the manifest (written by an older asrfair), so if the manifest was changed after the import, the record's counts (utterances, speakers, left out, mapped to undeclared) are not of this manifest; re-import it to record one`;

type Row = { id: string; text: string; speaker: string; labels: Record<string, string> };
const rowsOf = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Row);
const jsonl = (rows: readonly Row[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
/** Lines of `text` that mention `what` (each warning must be said exactly once). */
const saying = (text: string, what: string) => text.split('\n').filter((l) => l.includes(what));

/** A folder with a copy of a shipped manifest's record, the manifest as `rows` (or copied), its audio folder linked. */
function corpusCopy(name: string, from: string, opts: { rows?: readonly Row[]; audio?: string; hashless?: boolean }): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  if (opts.rows) writeFileSync(join(d, 'manifest.jsonl'), jsonl(opts.rows));
  else copyFileSync(join(from, 'manifest.jsonl'), join(d, 'manifest.jsonl'));
  const record = JSON.parse(readFileSync(join(from, 'manifest.import.json'), 'utf8')) as Record<string, unknown>;
  if (opts.hashless) delete record.manifestSha256;
  writeFileSync(join(d, 'manifest.import.json'), JSON.stringify(record, null, 2) + '\n');
  if (opts.audio) symlinkSync(join(from, opts.audio), join(d, opts.audio));
  return join(d, 'manifest.jsonl');
}

/** Artie with both vendors' real en-US answers (text only: seconds). */
function artieSuite(d: string): void {
  writeFileSync(
    join(d, 'suite.yaml'),
    `name: artie\nmanifest: manifest.jsonl\ngroupBy: [accent]\nnormaliser: basic\nbootstrap: { B: 100 }\nmodel: none\n` +
      `backends:\n` +
      `  - { name: google, type: hypotheses, options: { file: ${join(ARTIE, 'predictions/google/en-US/dec-4-2019.tsv')}, idFrom: basename-without-extension } }\n` +
      `  - { name: amazon, type: hypotheses, options: { file: ${join(ARTIE, 'predictions/amazon/en-US/dec-9-2019.tsv')}, idFrom: basename-without-extension } }\n`,
  );
}

/** One hand-edited row: the first utterance's reference gets a word more. */
function editedArtie(): Row[] {
  const rows = rowsOf(join(ARTIE, 'manifest.jsonl'));
  rows[0] = { ...rows[0], text: `${rows[0].text} again` };
  return rows;
}

describe('compare and check on runs of a manifest whose import record is stale or has no hash', () => {
  const cases = [
    { name: 'unchanged', rows: undefined, hashless: false, says: undefined },
    { name: 'edited', rows: editedArtie, hashless: false, says: { short: STALE, line: STALE_LINE } },
    { name: 'hashless', rows: undefined, hashless: true, says: { short: UNCHECKED, line: UNCHECKED_LINE } },
  ] as const;
  const runs: Record<string, { stderr: string; dir: string }> = {};
  beforeAll(async () => {
    for (const c of cases) {
      const manifest = corpusCopy(`artie-${c.name}`, ARTIE, { rows: c.rows?.(), hashless: c.hashless });
      const d = join(manifest, '..');
      artieSuite(d);
      const r = await cli(['run', 'suite.yaml', '--out', 'run', '--store', 'store.sqlite', '--no-progress', '--no-gate'], d);
      expect(r.code, r.stderr).toBe(0);
      runs[c.name] = { stderr: r.stderr, dir: join(d, 'run') };
    }
  }, 180_000);

  for (const c of cases) {
    it(c.says ? `${c.name}: run, report, compare and check each say it once; the card and compare.md/json carry it` : 'unchanged: run, report, compare, check, the card and compare.md say nothing about the record', async () => {
      const { stderr, dir: run } = runs[c.name];
      const cmp = await cli(['compare', run, run, '--backend-a', 'google', '--backend-b', 'amazon', '--bootstrap', '100', '--format', 'md,json', '--out', join(run, 'cmp')]);
      expect(cmp.code, cmp.stderr).toBe(0);
      const chk = await cli(['check', run, '--max-wer', '1', '--max-failed-share', '1']);
      expect(chk.code, chk.stderr).toBe(0);
      const rep = await cli(['report', run, '--format', 'md,json', '--out', join(run, 'card')]);
      expect(rep.code, rep.stderr).toBe(0);
      const md = readFileSync(join(run, 'cmp', 'compare.md'), 'utf8');
      const json = JSON.parse(readFileSync(join(run, 'cmp', 'compare.json'), 'utf8')) as { warnings: string[] };
      const card = readFileSync(join(run, 'card', 'card.md'), 'utf8');
      const cardJson = JSON.parse(readFileSync(join(run, 'card', 'card.json'), 'utf8')) as { warnings: string[] };
      if (!c.says) {
        for (const text of [stderr, cmp.stderr, cmp.stdout, chk.stderr, rep.stderr, md, card]) {
          expect(text).not.toContain('earlier version of the manifest');
          expect(text).not.toContain('cannot be checked against the manifest');
        }
        return;
      }
      for (const [cmd, err] of [['run', stderr], ['compare', cmp.stderr], ['check', chk.stderr], ['report', rep.stderr]]) {
        expect(saying(err, c.says.short), cmd).toEqual([c.says.line]);
      }
      // compare: at the top of its terminal output, compare.md and compare.json (run A and B are one run: said once).
      expect(saying(cmp.stdout, c.says.short)).toHaveLength(1);
      expect(saying(md, c.says.short)).toHaveLength(1);
      expect(md.indexOf(c.says.short)).toBeLessThan(md.indexOf('## Condition'));
      expect(json.warnings.filter((w) => w.includes(c.says.short))).toHaveLength(1);
      // The card: at the top (before the first table) and in card.json's warnings.
      const sentence = `${c.says.short[0].toUpperCase()}${c.says.short.slice(1)}`;
      expect(saying(card, sentence)).toHaveLength(1);
      expect(card.indexOf(sentence)).toBeLessThan(card.indexOf('\n## '));
      expect(cardJson.warnings.filter((w) => w.startsWith(sentence))).toHaveLength(1);
    }, 120_000);
  }
});

describe('validate and glass read the manifest itself', () => {
  it('validate: silent on the shipped copy, once on a hand-edited row, once on a record without a hash', async () => {
    const same = corpusCopy('cv-same', CV, { audio: 'en' });
    const rows = rowsOf(join(CV, 'manifest.jsonl'));
    rows[3] = { ...rows[3], labels: { ...rows[3].labels, accent: 'us' } };
    const edited = corpusCopy('cv-edited', CV, { rows, audio: 'en' });
    const hashless = corpusCopy('cv-hashless', CV, { audio: 'en', hashless: true });
    const r0 = await cli(['validate', same]);
    expect(r0.code, r0.stderr).toBe(0);
    expect(r0.stderr).not.toContain('import record');
    for (const [file, line, short] of [[edited, STALE_LINE, STALE], [hashless, UNCHECKED_LINE, UNCHECKED]]) {
      const r = await cli(['validate', file]);
      expect(r.code, r.stderr).toBe(0);
      expect(saying(r.stderr, short)).toEqual([line]);
    }
    // A record that is not a record is an error naming it (the manifest's rows are still checked and counted).
    writeFileSync(join(hashless, '..', 'manifest.import.json'), '{"format": "commonvoice"}\n');
    const bad = await cli(['validate', hashless]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/manifest\.import\.json: invalid import record: source: /);
    expect(bad.stdout).toContain('100 valid utterances');
  }, 60_000);

  // Four real clips (2 england, 2 indian speakers): a subset of the shipped manifest, so its record is stale.
  const four = () => rowsOf(join(CV, 'manifest.jsonl')).filter((r) => /_en_(221948|19523180|23537385|664162)$/.test(r.id));

  for (const [name, hashless, short, line] of [['stale', false, STALE, STALE_LINE], ['hashless', true, UNCHECKED, UNCHECKED_LINE]] as const) {
    it(`glass (${name} record): said once on stderr, and in confusable.md, .html and .json`, async () => {
      const rows = four();
      expect(rows).toHaveLength(4);
      const manifest = corpusCopy(`cv-glass-${name}`, CV, { rows, audio: 'en', hashless });
      const out = join(dir, `glass-${name}`);
      const g = await cli(['glass', manifest, '--out', out, '--cache-dir', join(dir, 'audio-cache'), '--processes', '2', '--no-goodness', '--permutations', '99']);
      expect(g.code, g.stderr).toBe(0);
      expect(saying(g.stderr, short)).toEqual([line]);
      const sentence = `Warning: ${short}`;
      expect(saying(readFileSync(join(out, 'confusable.md'), 'utf8'), sentence)).toHaveLength(1);
      expect(saying(readFileSync(join(out, 'confusable.html'), 'utf8'), sentence)).toHaveLength(1);
      const json = JSON.parse(readFileSync(join(out, 'confusable.json'), 'utf8')) as { warnings: string[] };
      expect(json.warnings.filter((w) => w.startsWith(short))).toHaveLength(1);
    }, 240_000);
  }
});

describe('adapt reads the suite\'s manifest', () => {
  // Two utterances per speaker of the shipped speechocean762 sample (12 speakers): a hand-made subset, so stale.
  const two = () => {
    const seen = new Map<string, number>();
    return rowsOf(join(SO, 'manifest.jsonl')).filter((r) => {
      seen.set(r.speaker, (seen.get(r.speaker) ?? 0) + 1);
      return seen.get(r.speaker)! <= 2;
    });
  };
  const suite = `name: so-small\nmanifest: manifest.jsonl\ngroupBy: [age]\nbins: { age: [0, 13, 18] }\nnormaliser: basic\nseed: 1\nbootstrap: 200\nmodel: none\nminCell: { speakers: 2, words: 10 }\nbackends:\n  - { name: ps, type: pocketsphinx }\n`;

  it('stale, then hashless: said once on stderr, and in remedy.md, .html and .json, adapt.json and splits.json', async () => {
    const manifest = corpusCopy('so-adapt', SO, { rows: two(), audio: 'WAVE' });
    const d = join(manifest, '..');
    writeFileSync(join(d, 'suite.yaml'), suite);
    const out = join(d, 'adapt');
    const args = ['adapt', 'suite.yaml', '--out', out, '--cache-dir', join(dir, 'audio-cache'), '--methods', 'variants', '--variant-scope', 'group', '--rules', '0–12:TH>T,DH>D', '--processes', '2'];
    for (const [short, line] of [[STALE, STALE_LINE], [UNCHECKED, UNCHECKED_LINE]]) {
      if (short === UNCHECKED) {
        // The same corpus, its record now without a hash (the rerun reuses every decode).
        const record = JSON.parse(readFileSync(join(d, 'manifest.import.json'), 'utf8')) as Record<string, unknown>;
        delete record.manifestSha256;
        writeFileSync(join(d, 'manifest.import.json'), JSON.stringify(record, null, 2) + '\n');
      }
      const r = await cli(args, d);
      expect(r.code, r.stderr).toBe(0);
      expect(saying(r.stderr, short)).toEqual([line]);
      expect(saying(readFileSync(join(out, 'remedy.md'), 'utf8'), short)).toHaveLength(1);
      expect(saying(readFileSync(join(out, 'remedy.html'), 'utf8'), short)).toHaveLength(1);
      const json = JSON.parse(readFileSync(join(out, 'remedy.json'), 'utf8')) as { warnings?: string[] };
      expect((json.warnings ?? []).filter((w) => w.startsWith(short))).toHaveLength(1);
      // adapt's own records carry it too (stop 24's note: they did not), for a later reader of those files alone.
      for (const f of ['adapt.json', 'splits.json']) {
        const rec = JSON.parse(readFileSync(join(out, f), 'utf8')) as { warnings?: string[] };
        expect(rec.warnings, f).toEqual(json.warnings);
      }
      // The other sentence is not said.
      expect(r.stderr).not.toContain(short === STALE ? UNCHECKED : STALE);
    }
  }, 240_000);
});
