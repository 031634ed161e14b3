/**
 * An import record (`<manifest>.import.json`) describes the manifest the import wrote; a manifest edited by hand
 * afterwards no longer matches it (closing note of stop 22). The record keeps the manifest's sha256; run and report
 * say once that the record describes an earlier version, run.json records it and the card says it in every format,
 * instead of presenting the stale counts as fact. Real data: the shipped Artie manifest and record with Google
 * en-US's real answers; the shipped Common Voice and speechocean762 samples' records.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliIn as cli } from '../helpers/cli.ts';
import { readImportRecord } from '../../src/manifest/import-record.ts';

const ROOT = join(import.meta.dirname, '../..');
const ARTIE = join(ROOT, 'corpora/artie-bias-corpus');
const GOOGLE = join(ARTIE, 'predictions/google/en-US/dec-4-2019.tsv');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-import-stale-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const STALE = 'the import record manifest.import.json describes an earlier version of the manifest manifest.jsonl';

function suite(): void {
  writeFileSync(
    join(dir, 'suite.yaml'),
    `name: stale\nmanifest: manifest.jsonl\ngroupBy: [accent]\nnormaliser: basic\nbootstrap: { B: 100 }\nmodel: none\n` +
      `backends:\n  - { name: google-en-US, type: hypotheses, options: { file: ${GOOGLE}, idFrom: basename-without-extension } }\n`,
  );
}

describe('shipped manifests and their import records', () => {
  it('Artie, the Common Voice sample and speechocean762 each have a record whose hash and counts match the manifest', () => {
    for (const name of ['artie-bias-corpus', 'cv-6.1-en-sample', 'speechocean762-sample']) {
      const manifest = join(ROOT, 'corpora', name, 'manifest.jsonl');
      const record = readImportRecord(manifest);
      expect(record, name).toBeDefined();
      expect(record!.manifestSha256, name).toBe(createHash('sha256').update(readFileSync(manifest)).digest('hex'));
      expect(record!.manifestChanged, name).toBe(false);
      const rows = readFileSync(manifest, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { speaker: string });
      expect(record!.utterances, name).toBe(rows.length);
      expect(record!.speakers, name).toBe(new Set(rows.map((r) => r.speaker)).size);
    }
  });

  it('asrfair import records the sha256 of the manifest it wrote (the real importer on the Common Voice sample)', async () => {
    const out = join(dir, 'cv', 'cv.jsonl');
    const r = await cli(['import', 'commonvoice', join(ROOT, 'corpora/cv-6.1-en-sample/en/validated.tsv'), '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    const record = JSON.parse(readFileSync(join(dir, 'cv', 'cv.import.json'), 'utf8')) as { manifestSha256: string };
    expect(record.manifestSha256).toBe(createHash('sha256').update(readFileSync(out)).digest('hex'));
  });
});

describe('a hand-edited manifest no longer matches its import record', () => {
  it('unchanged: run and report say nothing about the record, and the card states its counts', async () => {
    copyFileSync(join(ARTIE, 'manifest.jsonl'), join(dir, 'manifest.jsonl'));
    copyFileSync(join(ARTIE, 'manifest.import.json'), join(dir, 'manifest.import.json'));
    suite();
    const run = await cli(['run', 'suite.yaml', '--out', 'same', '--store', 'store.sqlite', '--no-progress'], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toContain('earlier version');
    expect(JSON.parse(readFileSync(join(dir, 'same', 'run.json'), 'utf8')).corpus.imports[0].manifestChanged).toBe(false);
    const rep = await cli(['report', 'same', '--format', 'md', '--out', 'same-card'], dir);
    expect(rep.stderr).not.toContain('earlier version');
    const md = readFileSync(join(dir, 'same-card', 'card.md'), 'utf8');
    expect(md).toContain('Import of artie-bias-corpus.tsv, format artie-manifest (artie-bias-corpus): 1712 utterances, 969 speakers');
    expect(md).not.toContain('earlier version');
  });

  it('edited (England dropped): run and report say it once, run.json records it, the card says it in md, html, json and csv', async () => {
    const kept = readFileSync(join(ARTIE, 'manifest.jsonl'), 'utf8').trim().split('\n').filter((l) => (JSON.parse(l) as { labels: Record<string, string> }).labels.accent !== 'england');
    writeFileSync(join(dir, 'manifest.jsonl'), kept.join('\n') + '\n');
    const run = await cli(['run', 'suite.yaml', '--out', 'edited', '--store', 'store.sqlite', '--no-progress'], dir);
    expect(run.code, run.stderr).toBe(0);
    const said = run.stderr.split('\n').filter((l) => l.includes('earlier version'));
    expect(said).toHaveLength(1);
    expect(said[0]).toBe(
      `asrfair: warning: ${STALE}: the manifest was changed after the import (its sha256 differs from the one recorded), so the record's counts (utterances, speakers, left out, mapped to undeclared) are not of this manifest; re-import it, or delete manifest.import.json`,
    );
    const meta = JSON.parse(readFileSync(join(dir, 'edited', 'run.json'), 'utf8'));
    expect(meta.corpus.imports[0]).toMatchObject({ manifest: 'manifest.jsonl', utterances: 1712, manifestChanged: true });
    const rep = await cli(['report', 'edited', '--out', 'edited-card'], dir);
    expect(rep.code, rep.stderr).toBe(0);
    expect(rep.stderr.split('\n').filter((l) => l.includes('earlier version'))).toHaveLength(1);
    const card = (f: string) => readFileSync(join(dir, 'edited-card', f), 'utf8');
    const sentence = `The import record manifest.import.json describes an earlier version of the manifest manifest.jsonl`;
    const md = card('card.md');
    const at = md.indexOf(`> **Warning:** ${sentence}: `);
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(md.indexOf('\n## ')); // at the top, before the first table
    // The record's counts are said to be of that earlier version, not stated as this run's.
    expect(md).toContain('Import of artie-bias-corpus.tsv (an earlier version of the manifest: it was changed since), format artie-manifest (artie-bias-corpus): 1712 utterances');
    expect(card('card.html')).toContain(`<p class="banner warning"><strong>Warning:</strong> ${sentence}`);
    expect((JSON.parse(card('card.json')) as { warnings: string[] }).warnings[0]).toMatch(new RegExp(`^${sentence.replace(/\./g, '\\.')}: `));
    expect(card('card-notes.csv').split('\r\n')[1]).toMatch(new RegExp(`^warnings,1,"${sentence.replace(/\./g, '\\.')}: `));
    // The run's own rows: England is gone, whatever the record says.
    expect(md).not.toMatch(/^\| england \|/m);
  });
});
