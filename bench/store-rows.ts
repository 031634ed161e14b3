/**
 * Cost of checking store rows when read (trial 13 item 2): checkResultRow against bare JSON.parse of the same JSON
 * columns, 20,000 results with 12 timed words each, same process (a ratio, so machine load cancels out).
 * `node --import tsx bench/store-rows.ts`
 */
import { RunStore, checkResultRow } from '../src/run/store.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const dir = mkdtempSync(join(tmpdir(), 'asrfair-bench-store-'));
const path = join(dir, 's.sqlite');
// Fresh store in a temp folder.
const s = new RunStore(path);
const N = 20000;
const words = Array.from({ length: 12 }, (_, i) => ({ word: `w${i}`, start: i * 0.3, end: i * 0.3 + 0.25, confidence: 0.9 }));
for (let i = 0; i < N; i++) s.queueResult({ backendKey: 'b', conditionKey: 'clean', audioSha256: `a${i}`, status: 'ok', hypothesis: 'the quick brown fox jumps over the lazy dog again and again', words, phones: null, raw: { x: i, text: 'abc' }, latencyMs: 1, costUsd: 0, durationSec: 2, error: null, retryable: false, attempts: 1 });
s.flush();
const rows = s.db.prepare('SELECT * FROM results').all() as Parameters<typeof checkResultRow>[0][];
const base = () => { let n = 0; for (const r of rows) { const w = r.words_json ? JSON.parse(r.words_json) : null; const raw = r.raw_json ? JSON.parse(r.raw_json) : null; n += (w?.length ?? 0) + (raw ? 1 : 0); } return n; };
const checked = () => { let n = 0; for (const r of rows) { const c = checkResultRow(r); if ('row' in c) n += (c.row.words?.length ?? 0) + (c.row.raw ? 1 : 0); } return n; };
const time = (f: () => number) => { const t = performance.now(); for (let k = 0; k < 5; k++) f(); return (performance.now() - t) / 5; };
time(base); time(checked);
const rb: number[] = [], rc: number[] = [];
for (let k = 0; k < 5; k++) { rb.push(time(base)); rc.push(time(checked)); }
const med = (a: number[]) => a.sort((x, y) => x - y)[2];
console.log(`rows ${N}: parse only ${med(rb).toFixed(1)} ms, checked ${med(rc).toFixed(1)} ms, ratio ${(med(rc) / med(rb)).toFixed(2)}`);
s.close();
rmSync(dir, { recursive: true, force: true });
