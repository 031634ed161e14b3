/**
 * Closing note of stop 24 ("noticed and left alone", s-aa): a malformed import record (`<manifest>.import.json`)
 * stopped `asrfair run` only at export, after every utterance was decoded. Now it is one line naming the record file
 * and the line of the fault, exit 2, before anything is decoded (also on --dry-run). Real data: speechocean762 clips,
 * PocketSphinx as the suite's backend (never reached).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { cliIn } from '../helpers/cli.ts';

const SO = join(import.meta.dirname, '../../corpora/speechocean762-sample');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-record-early-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function results(store: string): number {
  if (!existsSync(store)) return 0;
  const db = new Database(store, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM results').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('a malformed import record stops run before any decoding', () => {
  const lines = readFileSync(join(SO, 'manifest.jsonl'), 'utf8').trim().split('\n').slice(0, 3);
  writeFileSync(join(dir, 'm.jsonl'), lines.map((l) => JSON.stringify({ ...JSON.parse(l), audio: join(SO, JSON.parse(l).audio) })).join('\n') + '\n');
  writeFileSync(join(dir, 'suite.yaml'), 'name: early\nmanifest: m.jsonl\ngroupBy: [gender]\nqc: false\nbackends:\n  - { name: ps, type: pocketsphinx, options: { processes: 1 } }\n');
  const record = join(dir, 'm.import.json');

  const cases: [string, string, RegExp][] = [
    ['not JSON (a trailing comma)', '{\n  "format": "speechocean762",\n  "source": "x",\n  "utterances": 3,\n  "speakers": 1,\n}\n', /^asrfair: .*m\.import\.json:6: import record is not valid JSON \(Expected double-quoted property name in JSON at position \d+\)$/],
    ['a field of the wrong type', '{\n  "format": "speechocean762",\n  "source": "x",\n  "utterances": -3,\n  "speakers": 1\n}\n', /^asrfair: .*m\.import\.json:4: invalid import record: utterances: /],
    ['a missing field', '{\n  "format": "speechocean762",\n  "utterances": 3,\n  "speakers": 1\n}\n', /^asrfair: .*m\.import\.json: invalid import record: source: /],
  ];
  for (const [what, text, line] of cases) {
    it(`${what}: one line naming the record file and line, exit 2, nothing decoded`, async () => {
      writeFileSync(record, text);
      const store = join(dir, `${what.replace(/\W+/g, '-')}.sqlite`);
      for (const extra of [['--dry-run'], []]) {
        const r = await cliIn(['run', 'suite.yaml', '--store', store, '--no-progress', ...extra], dir);
        expect(r.code, r.stderr).toBe(2);
        const err = r.stderr.trim().split('\n');
        expect(err, r.stderr).toHaveLength(1);
        expect(err[0]).toMatch(line);
        expect(r.stderr).not.toMatch(/\n\s+at /);
        expect(results(store)).toBe(0);
      }
    }, 60_000);
  }
});
