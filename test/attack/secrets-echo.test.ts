/**
 * Issue 13, item 4: a recogniser that echoes a credential into its transcript (a command printing
 * `$…_API_KEY`, a server answering "… Bearer <key>") must not carry it into the store, results.jsonl,
 * the card or either raw export. Trial 13 item 4: scrubbing it to "[redacted]" scored the word "redacted" as an
 * insertion, so such a transcript is a failed result (not scored, counted), stored without the secret.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { corpus, tmp, writeCorpus } from '../run/helpers.ts';
import { RunStore } from '../../src/run/store.ts';
import { CREDENTIAL_FAILURE_ERROR, CREDENTIAL_IN_OUTPUT } from '../../src/backends/secrets.ts';
import { cli } from './helpers.ts';

const SECRET = 'sk-echo-0123456789abcdefSECRET';

describe('secrets echoed into transcripts', () => {
  it('smallest input: an ok result whose hypothesis contains a secret env value is stored as a failure, without it', () => {
    const dir = tmp('asrfair-attack-');
    process.env.ASRFAIR_ATTACK_API_KEY = SECRET;
    try {
      const store = new RunStore(join(dir, 's.sqlite'));
      const row = store.putResult({
        backendKey: 'b', conditionKey: 'clean', audioSha256: 'a', status: 'ok', hypothesis: `hello ${SECRET} world`,
        words: [{ word: SECRET, start: 0, end: 1 }], phones: null, raw: null, latencyMs: 1, costUsd: 0, durationSec: 1, error: null, retryable: false, attempts: 1,
      });
      expect(row).toMatchObject({ status: 'failed', hypothesis: null, words: null, error: CREDENTIAL_FAILURE_ERROR, retryable: false });
      // A failure's own error text is still scrubbed, as before.
      const failed = store.putResult({
        backendKey: 'b', conditionKey: 'clean', audioSha256: 'c', status: 'failed', hypothesis: null,
        words: null, phones: null, raw: { said: SECRET }, latencyMs: 1, costUsd: 0, durationSec: 1, error: `bad key ${SECRET}`, retryable: false, attempts: 1,
      });
      expect(failed.error).toBe('bad key [redacted]');
      // Speech that looks like a token pattern is words, kept and scored as they are.
      const speech = store.putResult({ ...failed, audioSha256: 'd', status: 'ok', hypothesis: 'Bearer instruments Signature=0123456789abcdef0123', error: null, raw: null });
      expect(speech).toMatchObject({ status: 'ok', hypothesis: 'Bearer instruments Signature=0123456789abcdef0123' });
      expect(JSON.stringify(failed.raw)).not.toContain(SECRET);
      store.close();
    } finally {
      delete process.env.ASRFAIR_ATTACK_API_KEY;
    }
  });

  it('a command printing $…_API_KEY: the secret reaches no file the run, export and report write', async () => {
    const dir = tmp('asrfair-attack-');
    writeCorpus(dir, corpus(6));
    writeFileSync(
      join(dir, 'suite.yaml'),
      'name: echo\nmanifest: manifest.jsonl\nqc: false\nbackends:\n  - name: echo\n    type: command\n    options: { command: "case {id} in u0000|u0003) printf \'hello world %s\' \\"$ECHO_TEST_API_KEY\\";; *) printf \'hello world\';; esac", shell: true, version: "1" }\n',
    );
    const env = { ECHO_TEST_API_KEY: SECRET };
    const run = await cli(['run', 'suite.yaml', '--store', 'st.sqlite', '--out', 'out', '--no-progress'], dir, env).done;
    expect(run.code, run.err).toBe(0);
    const rawJ = await cli(['export', 'st.sqlite', '--format', 'jsonl'], dir, env).done;
    const rawC = await cli(['export', 'st.sqlite', '--format', 'csv'], dir, env).done;
    const rep = await cli(['report', 'out', '--bootstrap', '200'], dir, env).done;
    expect(rep.code, rep.err).toBe(0);
    expect(rawJ.out).not.toContain('[redacted]');
    expect(rawJ.out.split('\n').filter((l) => l.includes(CREDENTIAL_IN_OUTPUT))).toHaveLength(2);
    expect(run.err).toContain(`failed echo u0000 after 1 attempt: ${CREDENTIAL_IN_OUTPUT}`);
    const db = new Database(join(dir, 'st.sqlite'));
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => join(dir, f)).filter((f) => statSync(f).isFile());
    for (const f of files) expect(readFileSync(f).includes(SECRET), f).toBe(false);
    expect(run.out + run.err + rawJ.out + rawC.out + rep.out + rep.err).not.toContain(SECRET);
  });
});
