/**
 * Fresh-user trial 13: the `command` backend and the run store. A tiny python3 recogniser (prints the reference of the
 * real Common Voice clip it is given, or misbehaves on request) behind the real `command` backend, the real SQLite
 * store, the real CLI.
 *  1. a suite without `cwd:` ran the tool in the shell's current folder (`can't open file '/tmp/rec.py'`, stored as a
 *     permanent failure served to the rerun from the suite folder): the default cwd is the suite file's folder.
 *  2. a corrupt store row was served (`hypothesis` NULL → ok, 100 % deletions) or crashed every later run ("internal
 *     error: Expected property name…"): corrupt result rows are warned, counted and decoded again; a corrupt run row is
 *     one line naming the store and the row, exit 2.
 *  4. a credential printed by the tool became the scored word "redacted": such a result is a failure, stored without it.
 *  5. a read-only store refused `export --format jsonl`: export opens the store read-only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { BIN, cliIn } from '../helpers/cli.ts';
import { CREDENTIAL_IN_OUTPUT } from '../../src/backends/secrets.ts';

const CV = resolve(import.meta.dirname, '../../corpora/cv-6.1-en-sample');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-cmdstore-'));
const suiteDir = join(dir, 'cmd');
const elsewhere = join(dir, 'elsewhere');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Row {
  id: string;
  audio: string;
  text: string;
  speaker: string;
}
let rows: Row[];
const SECRET = 'sk-trial13-SECRET-0123456789';

/** The recogniser: the reference text of the id, or what behave.json asks for that id (empty, secret). */
const REC = `import sys, json, os
uid = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
refs = json.load(open(os.path.join(here, 'refs.json')))
behave = json.load(open(os.path.join(here, 'behave.json')))
with open(os.path.join(here, 'calls.log'), 'a') as f:
    f.write(uid + '\\n')
b = behave.get(uid, 'ok')
if b == 'empty':
    print('   ')
elif b == 'secret':
    print(refs[uid] + ' ' + os.environ.get('MY_API_KEY', 'nokey'))
else:
    print(refs[uid])
`;

const calls = (): string[] => readFileSync(join(suiteDir, 'calls.log'), 'utf8').trim().split('\n').filter(Boolean);
const behave = (b: Record<string, string>) => writeFileSync(join(suiteDir, 'behave.json'), JSON.stringify(b));
const env = { ...process.env, MY_API_KEY: SECRET };
const run = (args: string[], cwd: string) => cliIn(args, cwd, env);
const results = (out: string) =>
  readFileSync(join(out, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; status: string; hyp: string | null; error?: string | null });

beforeAll(() => {
  mkdirSync(suiteDir);
  mkdirSync(elsewhere);
  rows = readFileSync(join(CV, 'manifest.jsonl'), 'utf8').trim().split('\n').slice(0, 4).map((l) => JSON.parse(l) as Row);
  const lines = rows.map((r, i) => JSON.stringify({ id: r.id, audio: join(CV, r.audio), text: r.text, speaker: r.speaker, labels: { grp: i < 2 ? 'a' : 'b' } }));
  writeFileSync(join(suiteDir, 'm.jsonl'), lines.join('\n') + '\n');
  writeFileSync(join(suiteDir, 'refs.json'), JSON.stringify(Object.fromEntries(rows.map((r) => [r.id, r.text]))));
  writeFileSync(join(suiteDir, 'rec.py'), REC);
  writeFileSync(join(suiteDir, 'model.bin'), 'model v1');
  writeFileSync(join(suiteDir, 'calls.log'), '');
  behave({});
  // No cwd: the suite's relative paths (rec.py, model.bin, m.jsonl) are all the suite folder's.
  writeFileSync(
    join(suiteDir, 'suite.yaml'),
    `name: cmdtrial\nmanifest: m.jsonl\ngroupBy: [grp]\nnormaliser: basic\nmodel: none\nbootstrap: { B: 50 }\nbackends:\n  - name: myrec\n    type: command\n    options: { command: "python3 rec.py {id} {wav16k}", version: "1.0", modelFiles: [model.bin] }\n`,
  );
});

describe('command backend without cwd (trial 13 item 1)', () => {
  it('runs the tool in the suite folder whatever the shell is in; the rerun from the suite folder reuses the results', async () => {
    const r = await run(['run', join(suiteDir, 'suite.yaml'), '--store', join(dir, 'a.sqlite'), '--out', join(dir, 'out1'), '--no-progress'], elsewhere);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/can't open file/);
    expect(results(join(dir, 'out1')).map((x) => x.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(calls()).toHaveLength(4);
    const again = await run(['run', 'suite.yaml', '--store', join(dir, 'a.sqlite'), '--out', join(dir, 'out2'), '--no-progress'], suiteDir);
    expect(again.code, again.stderr).toBe(0);
    expect(calls()).toHaveLength(4); // nothing decoded again: same key from either folder
    expect(results(join(dir, 'out2')).map((x) => x.hyp)).toEqual(results(join(dir, 'out1')).map((x) => x.hyp));
  }, 60_000);
});

describe('shards and the workspace store (trial 13 item 5)', () => {
  it('a shard reuses (read-only) what the workspace store holds, copies it into its own store, and says so', async () => {
    const before = calls().length;
    const store = join(dir, 'a.sqlite');
    let ok = 0;
    for (const i of [1, 2]) {
      const r = await run(['run', 'suite.yaml', '--store', store, '--shard', `${i}/2`, '--out', join(dir, `sh${i}`), '--no-progress'], suiteDir);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`asrfair: shard store ${join(dir, `a.shard-${i}-of-2.sqlite`)}; results already in ${store} are reused (read-only) and copied into it, not decoded again`);
      const res = results(join(dir, `sh${i}`));
      ok += res.filter((x) => x.status === 'ok').length;
      const db = new Database(join(dir, `a.shard-${i}-of-2.sqlite`), { readonly: true });
      expect(db.prepare('SELECT COUNT(*) AS n FROM results').get()).toEqual({ n: res.length });
      db.close();
    }
    expect(ok).toBe(4);
    expect(calls().length).toBe(before); // nothing decoded again
  }, 60_000);
});

describe('corrupt store rows (trial 13 item 2)', () => {
  it('a result row with NULL hypothesis or bad JSON is warned (store, table, backend), counted, decoded again; never scored as deletions', async () => {
    const store = join(dir, 'a.sqlite');
    const db = new Database(store);
    const keys = db.prepare<[], { audio_sha256: string; backend_key: string }>('SELECT audio_sha256, backend_key FROM results ORDER BY audio_sha256').all();
    expect(keys).toHaveLength(4);
    db.prepare('UPDATE results SET hypothesis = NULL WHERE audio_sha256 = ?').run(keys[0]!.audio_sha256);
    db.prepare(`UPDATE results SET raw_json = '{bad' WHERE audio_sha256 = ?`).run(keys[1]!.audio_sha256);
    db.prepare(`UPDATE results SET words_json = '[{"w":1}]' WHERE audio_sha256 = ?`).run(keys[2]!.audio_sha256);
    db.close();
    // Exporting the old run: the corrupt results are failures of it (named), not ok rows with an empty hypothesis.
    const ex = await run(['export', store, '--format', 'jsonl'], dir);
    expect(ex.code, ex.stderr).toBe(0);
    const warned = ex.stderr.split('\n').filter((l) => l.startsWith('asrfair: warning: '));
    expect(warned).toHaveLength(3);
    expect(warned[0]).toContain(`${store}: corrupt results row (backend ${keys[0]!.backend_key}, condition clean, audio ${keys[0]!.audio_sha256}): status is ok but hypothesis is NULL`);
    expect(ex.stderr).toContain('raw_json is not valid JSON');
    expect(ex.stderr).toContain('words_json item 0 is not a {word, start, end} record');
    const dumped = ex.stdout.trim().split('\n').map((l) => JSON.parse(l) as { status?: string; result?: unknown });
    expect(dumped.filter((d) => JSON.stringify(d).includes('its stored result is corrupt'))).toHaveLength(3);

    const before = calls().length;
    const r = await run(['run', 'suite.yaml', '--store', store, '--out', join(dir, 'out3'), '--no-progress'], suiteDir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.stderr.split('\n').filter((l) => l.includes('corrupt results row'))).toHaveLength(3);
    expect(r.stderr).toContain(`myrec: 3 corrupt stored results in ${store} not served (decoded again; the new results replaced the rows)`);
    expect(calls().length - before).toBe(3);
    const res = results(join(dir, 'out3'));
    expect(res.map((x) => x.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(res.map((x) => x.hyp)).toEqual(results(join(dir, 'out1')).map((x) => x.hyp));
    expect(res[0]!.hyp).toBe('what is the forecast in kentucky for temperate weather');
    // The new rows replaced the corrupt ones: the next run is silent and decodes nothing.
    const quiet = await run(['run', 'suite.yaml', '--store', store, '--out', join(dir, 'out4'), '--no-progress'], suiteDir);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).not.toContain('corrupt');
    expect(calls().length - before).toBe(3);
  }, 60_000);

  it('a run_items row with bad utt_json is one line naming the store and the row, exit 2, never an internal error', async () => {
    const store = join(dir, 'items.sqlite');
    copyFileSync(join(dir, 'a.sqlite'), store);
    const db = new Database(store);
    const last = db.prepare<[], { run_id: string }>('SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1').get()!.run_id;
    db.prepare(`UPDATE run_items SET utt_json = '{bad' WHERE run_id = ? AND seq = 1`).run(last);
    db.close();
    const ex = await run(['export', store, '--format', 'jsonl'], dir);
    expect(ex.code).toBe(2);
    const lines = ex.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^asrfair: ${store.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: corrupt run_items row \\(run ${last}, seq 1, utterance ${rows[1]!.id}, backend myrec\\): utt_json is not valid JSON`));
    // A run on the same store and backend key is not affected by the old run's row.
    const r = await run(['run', 'suite.yaml', '--store', store, '--out', join(dir, 'out5'), '--no-progress'], suiteDir);
    expect(r.code, r.stderr).toBe(0);
  }, 60_000);
});

describe('a credential in the output (trial 13 item 4); empty output (item 3)', () => {
  it('a credential is a failure of that utterance, stored without the secret, never the scored word "redacted"; whitespace-only output is an empty hypothesis, counted in the card', async () => {
    writeFileSync(join(suiteDir, 'model.bin'), 'model v2'); // new key: decoded again
    behave({ [rows[2]!.id]: 'secret', [rows[0]!.id]: 'empty' });
    const store = join(dir, 's.sqlite');
    const r = await run(['run', 'suite.yaml', '--store', store, '--out', join(dir, 'sec'), '--no-progress'], suiteDir);
    expect(r.code, r.stderr).toBe(0);
    const res = results(join(dir, 'sec'));
    expect(res.map((x) => x.status)).toEqual(['ok', 'ok', 'failed', 'ok']);
    expect(res[2]!.hyp ?? '').not.toContain('redacted');
    expect(res[2]!.error).toContain(CREDENTIAL_IN_OUTPUT);
    expect(r.stderr).toContain(`failed myrec ${rows[2]!.id} after 1 attempt: ${CREDENTIAL_IN_OUTPUT}`);
    for (const f of [store, `${store}-wal`]) {
      try {
        expect(readFileSync(f).includes(SECRET)).toBe(false);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    expect(readFileSync(join(dir, 'sec/results.jsonl'), 'utf8')).not.toContain(SECRET);
    // Exit 0 with whitespace only: ok with an empty hypothesis (as README says), and the card counts it for group a.
    expect(res[0]).toMatchObject({ status: 'ok', hyp: '' });
    const rep = await run(['report', join(dir, 'sec'), '--out', join(dir, 'sec-card'), '--format', 'json'], dir);
    expect(rep.code, rep.stderr).toBe(0);
    const card = JSON.parse(readFileSync(join(dir, 'sec-card/card.json'), 'utf8')) as { tables: { rows: { group: string; emptyHyp: number; failed: number }[] }[] };
    expect(card.tables[0]!.rows.map((r) => [r.group, r.emptyHyp, r.failed]).sort()).toEqual([['a', 1, 0], ['b', 0, 1]]);
  }, 60_000);
});

describe('a read-only store (trial 13 item 5)', () => {
  it('export --format jsonl reads a store whose file and folder the user cannot write', () => {
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    copyFileSync(join(dir, 'a.sqlite'), join(ro, 'store.sqlite'));
    chmodSync(join(ro, 'store.sqlite'), 0o444);
    chmodSync(ro, 0o555);
    chmodSync(dir, 0o755);
    // As root every file is writable: the reader is `nobody`, as on a shared read-only results folder.
    const asNobody = (args: string[]) =>
      spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, ...args], { encoding: 'utf8', env: { ...process.env, HOME: tmpdir() }, cwd: tmpdir(), timeout: 60_000 });
    const probe = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'sh', '-c', `touch ${join(ro, 'x')}`]);
    expect(probe.status).not.toBe(0); // the folder really is read-only for that user
    const r = asNobody(['export', join(ro, 'store.sqlite'), '--format', 'jsonl']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('cannot write');
    expect(r.stdout.trim().split('\n').length).toBeGreaterThanOrEqual(4);
    execFileSync('ls', [ro]); // nothing left behind beside the store
    expect(readFileSync(join(ro, 'store.sqlite')).equals(readFileSync(join(dir, 'a.sqlite')))).toBe(true);
  }, 60_000);
});
