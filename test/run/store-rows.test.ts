/**
 * Trial 13 item 2, every column the code reads from the real SQLite store: a row edited by hand (sqlite3) is checked
 * when read. Smallest inputs, one per kind of damage: a corrupt `results` row is not served (undefined, one warning
 * naming store, table and key, counted) and the next write of its key replaces it; a corrupt `runs`, `run_items` or
 * `run_live` row is an InputError naming the store and the row; a corrupt `audio_qc` row is measured again (warned).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunStore, type NewResult, type RunItem } from '../../src/run/store.ts';
import { InputError } from '../../src/manifest/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'asrfair-store-rows-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ok = (audioSha256: string): NewResult => ({
  backendKey: 'cmd:x', conditionKey: 'clean', audioSha256, status: 'ok', hypothesis: 'hello world',
  words: [{ word: 'hello', start: 0, end: 0.4 }], phones: [{ phone: 'HH', start: 0, end: 0.1 }], raw: { a: 1 },
  latencyMs: 1, costUsd: 0, durationSec: 1, error: null, retryable: false, attempts: 1,
});

const DAMAGE: [string, string, RegExp][] = [
  ['hypothesis NULL with status ok', 'hypothesis = NULL', /status is ok but hypothesis is NULL/],
  ['words_json not JSON', `words_json = '{bad'`, /words_json is not valid JSON/],
  ['words_json not a word list', `words_json = '{"word":"a"}'`, /words_json is not a list/],
  ['phones_json item without times', `phones_json = '[{"phone":"HH"}]'`, /phones_json item 0 is not a \{phone, start, end\} record/],
  ['raw_json not JSON', `raw_json = 'nope'`, /raw_json is not valid JSON/],
  ['attempts as text', `attempts = 'two'`, /attempts is not a count/],
  ['retryable 7', 'retryable = 7', /retryable is not 0 or 1/],
  ['latency as text', `latency_ms = 'fast'`, /latency_ms is not a number/],
];

describe('store rows are checked when read', () => {
  it.each(DAMAGE)('results: %s → not served, one warning naming store/table/key, counted; the next write replaces it', (_name, set, problem) => {
    const path = join(dir, `r-${_name.replace(/\W+/g, '-')}.sqlite`);
    const warnings: string[] = [];
    const store = new RunStore(path, { onWarning: (l) => warnings.push(l) });
    store.putResult(ok('a1'));
    store.putResult(ok('a2'));
    store.db.exec(`UPDATE results SET ${set} WHERE audio_sha256 = 'a1'`);
    const key = { backendKey: 'cmd:x', conditionKey: 'clean', audioSha256: 'a1' };
    expect(store.getResult(key)).toBeUndefined();
    expect(store.getResult(key)).toBeUndefined();
    expect(store.getResult({ ...key, audioSha256: 'a2' })?.hypothesis).toBe('hello world');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: corrupt results row \\(backend cmd:x, condition clean, audio a1\\): `));
    expect(warnings[0]).toMatch(problem);
    expect(store.corruptRows()).toHaveLength(1);
    // The decode's result takes the corrupt row's place (an ok row is otherwise never replaced).
    const row = store.putResult({ ...ok('a1'), hypothesis: 'decoded again' });
    expect(row.hypothesis).toBe('decoded again');
    expect(store.getResult(key)?.hypothesis).toBe('decoded again');
    store.close();
  });

  it('runs, run_items and run_live rows: an InputError naming the store and the row; audio_qc: measured again', () => {
    const path = join(dir, 'runs.sqlite');
    const warnings: string[] = [];
    const store = new RunStore(path, { onWarning: (l) => warnings.push(l) });
    const meta = { backends: [{ name: 'b', key: 'cmd:x', type: 'command', version: '1', model: 'm' }], conditions: [] };
    store.startRun(
      { runId: 'r1', suiteName: 's', suitePath: '/s.yaml', suite: { name: 's' }, corpusHash: 'h', toolVersion: 't', normaliser: 'basic', normaliserVersion: '1', seed: 1, startedAt: '2026-01-01', outDir: null, meta },
      { owner: 'me', expected: { items: 1, utterances: 1, groups: {} } },
    );
    const item: RunItem = { runId: 'r1', seq: 0, uttId: 'u1', backendName: 'b', backendKey: 'cmd:x', conditionName: 'clean', conditionKey: 'clean', audioSha256: 'a1', error: null, utt: { id: 'u1', text: 'hello', labels: { accent: 'x' } } };
    store.putItem(item);
    store.putResult(ok('a1'));
    store.putQc('a1', { snrDb: 20 });
    expect([...store.iterateRun('r1')]).toHaveLength(1);

    const thrown = (f: () => unknown): InputError => {
      try {
        f();
      } catch (e) {
        return e as InputError;
      }
      throw new Error('did not throw');
    };
    store.db.exec(`UPDATE run_items SET utt_json = '{"id":"u1"}'`);
    let e = thrown(() => [...store.iterateRun('r1')]);
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toBe(`${path}: corrupt run_items row (run r1, seq 0, utterance u1, backend b): utt_json has no text "text"; the run cannot be read (rerun its suite into a new run)`);

    store.db.exec(`UPDATE runs SET meta_json = '[1'`);
    e = thrown(() => store.getRun('r1'));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: corrupt runs row \\(run r1\\): meta_json is not valid JSON`));

    store.db.exec(`UPDATE run_live SET expected_json = '{"items":"x"}'`);
    e = thrown(() => store.expectedOf('r1'));
    expect(e.message).toBe(`${path}: corrupt run_live row (run r1): expected_json has no "items" count`);

    store.db.exec(`UPDATE audio_qc SET qc_json = '{'`);
    expect(store.getQc('a1')).toBeUndefined();
    expect(warnings.at(-1)).toMatch(/corrupt audio_qc row \(audio a1\): qc_json is not valid JSON.*not used \(measured again\)$/);
    store.close();
  });

  it('a read-only store is never written, and reads a dead run as interrupted without marking it', () => {
    const path = join(dir, 'ro.sqlite');
    const w = new RunStore(path);
    w.startRun(
      { runId: 'r9', suiteName: 's', suitePath: '/s.yaml', suite: {}, corpusHash: 'h', toolVersion: 't', normaliser: 'basic', normaliserVersion: '1', seed: 1, startedAt: '2026-01-01', outDir: null, meta: { backends: [], conditions: [] } },
      { owner: 'nohost:999999999:x' },
    );
    w.db.exec('UPDATE run_live SET heartbeat_ms = 0');
    w.close();
    const ro = new RunStore(path, { readOnly: true });
    expect(ro.markDeadRunsInterrupted(1000)).toEqual(['r9']);
    expect(ro.getRun('r9')?.status).toBe('interrupted');
    expect(() => ro.putResult(ok('z'))).toThrow(/readonly/i);
    ro.close();
    const again = new RunStore(path, { readOnly: true });
    expect(again.db.prepare(`SELECT status FROM runs`).get()).toEqual({ status: 'running' });
    again.close();
  });
});
