/**
 * What an import counted, on the real corpora in ../shared/data: documented "not declared" markers (the Artie bias
 * corpus's `NA`) become `undeclared` and are counted; audio the corpus names but lacks is warned and counted; the
 * import record beside the manifest (`<name>.import.json`, src/manifest/import-record.ts) keeps it for the run and card.
 */
import { describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmp, write } from './fixtures.ts';
import { loadManifest } from '../../src/manifest/jsonl.ts';
import { groupOf } from '../../src/manifest/schema.ts';
import { readImportRecord, importRecordNotes, importRecordPath } from '../../src/manifest/import-record.ts';
import { LabelMapper } from '../../src/manifest/labelmap.ts';
import { cliIn as cli } from '../helpers/cli.ts';

const DATA = resolve(new URL('../../../shared/data', import.meta.url).pathname);
const ARTIE = join(DATA, 'artie-bias-corpus', 'data', 'artie-bias-corpus.tsv');


function counts(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

/** Column `col` (0-based) of the Artie TSV counted with a plain split, independently of the importer. */
function artieColumn(col: number): Record<string, number> {
  return counts(readFileSync(ARTIE, 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t')[col]));
}

describe('Artie bias corpus through import commonvoice (its NA = not declared)', () => {
  it('NA becomes undeclared (562 accent, 14 age, 20 gender: its README), counted in the summary and the record', async () => {
    const dir = tmp('artie');
    const out = join(dir, 'a.jsonl');
    const r = await cli(['import', 'commonvoice', ARTIE, '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('undeclared: accent "NA" ×562');
    expect(r.stdout).toContain('undeclared: age "NA" ×14');
    expect(r.stdout).toContain('undeclared: gender "NA" ×20');
    const es = await loadManifest(out);
    const accent = counts(es.map((e) => groupOf(e, 'accent')));
    expect(accent.na).toBeUndefined();
    expect(accent.undeclared).toBe(artieColumn(7).NA);
    expect(accent.us).toBe(artieColumn(7).us);
    expect(counts(es.map((e) => groupOf(e, 'gender')))).toEqual({ male: 1431, female: 257, other: 4, undeclared: 20 });
    expect(counts(es.map((e) => groupOf(e, 'age'))).undeclared).toBe(14);
    expect(es.some((e) => Object.values(e.labels).includes('NA'))).toBe(false);
    const rec = readImportRecord(out)!;
    expect(rec).toMatchObject({ format: 'commonvoice', corpus: 'artie-bias-corpus', source: 'artie-bias-corpus.tsv', utterances: 1712, missingAudio: 1712 });
    expect(rec.undeclared).toEqual([
      { key: 'accent', raw: 'NA', count: 562 },
      { key: 'age', raw: 'NA', count: 14 },
      { key: 'gender', raw: 'NA', count: 20 },
    ]);
    // Beside the manifest (a.import.json), which stays plain JSONL: every line is one utterance.
    expect(importRecordPath(out)).toBe(join(dir, 'a.import.json'));
    expect(readFileSync(out, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id)).toHaveLength(1712);
    expect(importRecordNotes(rec)[0]).toContain('accent "NA" (the corpus\'s "not declared") → undeclared in 562 utterances');
  });

  it('none of the 1,712 clips exists beside the TSV: counted, the first 20 named by file:line', async () => {
    const r = await cli(['import', 'commonvoice', ARTIE, '-o', join(tmp('artie-miss'), 'a.jsonl')]);
    expect(r.code).toBe(0);
    const warned = r.stderr.split('\n').filter((l) => l.startsWith('warning: '));
    expect(warned).toHaveLength(20);
    expect(warned[0]).toBe(`warning: ${ARTIE}:2: clip ${join(DATA, 'artie-bias-corpus', 'data', 'clips', 'common_voice_en_17779714.mp3')} not found`);
    expect(r.stderr).toContain('1712 warnings (1692 not shown; see asrfair validate');
    expect(r.stdout).toContain('missing audio: 1712 files the corpus names do not exist');
  });

  it('the same TSV under another name, without its datasheet, is plain Common Voice: NA is then a declared value', async () => {
    const dir = tmp('artie-renamed');
    copyFileSync(ARTIE, join(dir, 'test.tsv'));
    const r = await cli(['import', 'commonvoice', join(dir, 'test.tsv'), '-o', join(dir, 'a.jsonl')]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('undeclared:');
    expect(counts((await loadManifest(join(dir, 'a.jsonl'))).map((e) => groupOf(e, 'gender'))).na).toBe(20);
  });

  it('the real Common Voice sample has its clips: no missing-audio warning; blank fields are undeclared and counted (trial 11)', async () => {
    const out = join(tmp('cv-rec'), 'cv.jsonl');
    const r = await cli(['import', 'commonvoice', join(DATA, 'cv-6.1-en-sample', 'en'), '--split', 'validated', '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    // Blank fields: awk -F'\t' 'NR>1 && $8==""' validated.tsv | wc -l → 50 (accent); $6 → 33 (age); $7 → 32 (gender).
    expect(readImportRecord(out)).toMatchObject({
      missingAudio: 0,
      undeclared: [
        { key: 'accent', raw: '', count: 50 },
        { key: 'age', raw: '', count: 33 },
        { key: 'gender', raw: '', count: 32 },
      ],
      utterances: 100,
      speakers: 95,
    });
  });
});

describe('LabelMapper undeclared markers', () => {
  it('only the markers set count; other values (and "N/A" when only NA is documented) stay declared', () => {
    const m = new LabelMapper();
    m.setUndeclaredMarkers(['NA']);
    const labels: Record<string, string> = {};
    m.assign(labels, 'accent', ' NA ');
    m.assign(labels, 'gender', 'N/A');
    expect(labels).toEqual({ gender_raw: 'N/A', gender: 'n/a' });
    expect(m.undeclaredValues()).toEqual([{ key: 'accent', raw: 'NA', count: 1 }]);
  });
});

describe('Kaldi spk2gender (speechocean762)', () => {
  it('gender_raw is verbatim (m, f) and the group male/female; "1 speaker" in the summary', async () => {
    const dir = tmp('so-raw');
    const so = join(DATA, 'speechocean762-sample', 'test');
    const r = await cli(['import', 'kaldi', so, '-o', join(dir, 'so.jsonl'), '--language', 'en']);
    expect(r.code).toBe(0);
    const es = await loadManifest(join(dir, 'so.jsonl'));
    // spk2gender holds "m" and "f" (awk '{print $2}' spk2gender | sort -u)
    const raw = [...new Set(readFileSync(join(so, 'spk2gender'), 'utf8').trim().split('\n').map((l) => l.split(/\s+/)[1]))].sort();
    expect(raw).toEqual(['f', 'm']);
    expect(counts(es.map((e) => `${e.labels.gender_raw}→${e.labels.gender}`))).toEqual({ 'm→male': 220, 'f→female': 20 });
    // The record (and so the card) names no local path: the note on where relative paths were resolved from stays in the terminal.
    expect(r.stdout).toContain(`relative paths resolved from ${join(DATA, 'speechocean762-sample')}`);
    expect(JSON.stringify(readImportRecord(join(dir, 'so.jsonl')))).not.toContain(DATA);
    // One speaker's utterances alone: "1 speaker", not "1 speakers".
    const one = join(dir, 'one');
    const spk = readFileSync(join(so, 'spk2gender'), 'utf8').split('\n')[0].split(/\s+/)[0];
    const utts = readFileSync(join(so, 'utt2spk'), 'utf8').split('\n').filter((l) => l.endsWith(` ${spk}`) || l.endsWith(`\t${spk}`));
    const ids = new Set(utts.map((l) => l.split(/\s+/)[0]));
    for (const f of ['wav.scp', 'text', 'utt2spk']) {
      write(join(one, f), readFileSync(join(so, f), 'utf8').split('\n').filter((l) => ids.has(l.split(/\s+/)[0])).join('\n') + '\n');
    }
    const r1 = await cli(['import', 'kaldi', one, '--root', join(DATA, 'speechocean762-sample'), '-o', join(dir, 'one.jsonl')]);
    expect(r1.code).toBe(0);
    expect(r1.stdout).toContain(`${ids.size} utterances, 1 speaker\n`);
  });
});
