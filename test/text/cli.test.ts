import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = new URL('../../bin/asrfair.mjs', import.meta.url).pathname;

describe('text commands', () => {
  it('normalise: english by default, stdin lines, and an equivalence list', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asrfair-text-cli-'));
    const glm = join(dir, 'eq.yaml');
    writeFileSync(glm, '- [okay, ok]\n- [going to, gonna]\n');
    const arg = await run('node', [BIN, 'normalise', 'The colour cost twenty five dollars, uh, OK?']);
    expect(arg.stdout).toBe('the color cost $25 ok\n');
    const child = run('node', [BIN, 'normalise', '--glm', glm]);
    child.child.stdin!.end('ok gonna\n[noise] the Centre\n');
    expect((await child).stdout).toBe('okay going to\nthe center\n');
  });

  it('g2p: dictionary, letter-to-sound and an accent voice', async () => {
    const plain = await run('node', [BIN, 'g2p', 'the thing zorbliff']);
    const lines = plain.stdout.trim().split('\n').map((l) => l.split('\t'));
    expect(lines[0]).toEqual(['the', 'DH AH', 'cmudict']);
    expect(lines[1]).toEqual(['thing', 'TH IH NG', 'cmudict']);
    expect(lines[2]![2]).toBe('flite');
    const accent = await run('node', [BIN, 'g2p', '--voice', 'en-029', '--json', 'the thing']);
    expect(JSON.parse(accent.stdout)).toEqual([
      { word: 'the', phones: ['D', 'AH'], source: 'espeak-ng en-029' },
      { word: 'thing', phones: ['T', 'IH', 'NG'], source: 'espeak-ng en-029' },
    ]);
  });

  it('bad flags exit 2 with a message', async () => {
    await expect(run('node', [BIN, 'normalise', '-n', 'nope', 'x'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown normaliser "nope"'),
    });
  });

  it('g2p --fallback none on a word the dictionary lacks: one line naming the word and the way out, exit 2 (not an internal error)', async () => {
    const e = await run('node', [BIN, 'g2p', 'barmulloch', '--fallback', 'none']).then(
      () => undefined,
      (x: { code: number; stderr: string }) => x,
    );
    expect(e?.code).toBe(2);
    expect(e?.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^asrfair: g2p: "barmulloch" is not in the pronunciation dictionary .*--fallback/)]);
  });
});
