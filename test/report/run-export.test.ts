import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/manifest/errors.ts';
import { audioPathOf, loadRunForReport, writeRunExport } from '../../src/score/run-export.ts';
import { makeMeta, makeUtterances, writeFixtureRun } from './fixture.ts';

const root = mkdtempSync(join(tmpdir(), 'asrfair-export-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function thrown(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError');
}

describe('run export', () => {
  it('round-trips metadata and rows, from the folder or either file', () => {
    const dir = join(root, 'ok');
    const utts = writeFixtureRun(dir);
    for (const p of [dir, join(dir, 'run.json'), join(dir, 'results.jsonl')]) {
      const run = loadRunForReport(p);
      expect(run.dir).toBe(dir);
      expect(run.utterances).toEqual(utts);
      expect(run.meta.corpus).toMatchObject({ name: 'fixture-corpus', hash: 'sha256:abc123', synthetic: true });
      expect(run.meta.normaliser).toEqual({ name: 'basic', version: '2' });
    }
    const run = loadRunForReport(dir);
    const withAudio = run.utterances.find((u) => u.audio)!;
    expect(audioPathOf(run, withAudio)).toBe(join(dir, withAudio.audio!));
  });

  it('adds backends and conditions seen only in the rows', () => {
    const dir = join(root, 'extra');
    writeRunExport(dir, makeMeta({ backends: [], conditions: [] }), makeUtterances({ condition: 'noise-10db' }));
    const run = loadRunForReport(dir);
    expect(run.meta.backends).toEqual([{ key: 'mock-asr', name: 'mock-asr' }]);
    expect(run.meta.conditions).toEqual([{ key: 'noise-10db', name: 'noise-10db' }]);
  });

  it('names file and line of a bad results row', () => {
    const dir = join(root, 'bad');
    writeFixtureRun(dir);
    const file = join(dir, 'results.jsonl');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const row = JSON.parse(lines[4]);
    delete row.words;
    lines[4] = JSON.stringify(row);
    writeFileSync(file, lines.join('\n') + '\n');
    const e = thrown(() => loadRunForReport(dir));
    expect(e.file).toBe(file);
    expect(e.line).toBe(5);
    expect(e.message).toMatch(/results\.jsonl:5: words/);

    lines[4] = '{not json';
    writeFileSync(file, lines.join('\n') + '\n');
    expect(thrown(() => loadRunForReport(dir)).message).toMatch(/:5: not valid JSON/);

    lines[4] = lines[3];
    writeFileSync(file, lines.join('\n') + '\n');
    expect(thrown(() => loadRunForReport(dir)).message).toMatch(/:5: duplicate row for id/);
  });

  it('validates every field: extra fields are dropped, bad counts and labels are rejected', () => {
    const dir = join(root, 'fields');
    writeFixtureRun(dir);
    // Rows edited by hand below: the export's record of its results.jsonl (rows, sha256) is dropped, as in an older export.
    const metaFile = join(dir, 'run.json');
    const { results: _recorded, ...meta } = JSON.parse(readFileSync(metaFile, 'utf8'));
    writeFileSync(metaFile, JSON.stringify(meta));
    const file = join(dir, 'results.jsonl');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const row = JSON.parse(lines[0]);
    lines[0] = JSON.stringify({ ...row, provenance: 'x', words: { ...row.words } });
    writeFileSync(file, lines.join('\n') + '\n');
    const first = loadRunForReport(dir).utterances[0];
    expect(first).toEqual(row);
    expect('provenance' in first).toBe(false);
    for (const [bad, msg] of [
      [{ ...row, words: { ...row.words, sub: -1 } }, /:1: words\.sub/],
      [{ ...row, words: { ...row.words, sub: 1.5 } }, /:1: words\.sub/],
      [{ ...row, labels: { accent: 3 } }, /:1: labels\.accent/],
      [{ ...row, status: 'done' }, /:1: status/],
      [{ ...row, speaker: '' }, /:1: speaker/],
    ] as const) {
      lines[0] = JSON.stringify(bad);
      writeFileSync(file, lines.join('\n') + '\n');
      expect(thrown(() => loadRunForReport(dir)).message).toMatch(msg);
    }
  });

  it('rejects missing or invalid metadata with the file named', () => {
    const dir = join(root, 'meta');
    writeFixtureRun(dir);
    const meta = join(dir, 'run.json');
    writeFileSync(meta, JSON.stringify({ ...makeMeta(), normaliser: { name: 'basic' } }));
    expect(thrown(() => loadRunForReport(dir)).message).toMatch(/run\.json: invalid run metadata: normaliser\.version/);
    rmSync(meta);
    expect(thrown(() => loadRunForReport(dir)).message).toMatch(/run\.json: run metadata missing/);
    expect(thrown(() => loadRunForReport(join(root, 'nope'))).message).toMatch(/nope: run export not found/);
  });
});
