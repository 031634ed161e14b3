/**
 * A reader that closes after one line (`… 2>&1 | head -1`, a real shell pipe and the real `head`): the command
 * finishes its work, writes its files and exits with the code its work decided. Before the fix, `synth
 * --accent-rules` died with exit 1 at its first progress line after the pipe closed (stderr had no listener for
 * EPIPE), leaving an output folder with no manifest.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadManifest } from '../../src/manifest/jsonl.ts';
import { corpus, tmp, writeCorpus } from '../run/helpers.ts';

const BIN = resolve('bin/asrfair.mjs');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** `asrfair ARGS 2>&1 | head -1` in `cwd`: the one line head printed and the CLI's own exit status. */
function throughHead(args: string[], cwd: string): { line: string; status: number } {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('bash', ['-c', `${quoted} 2>&1 | head -1; exit \${PIPESTATUS[0]}`], { cwd, encoding: 'utf8' });
  return { line: r.stdout, status: r.status ?? -1 };
}

describe('a reader that closes after one line (stdout and stderr into `head -1`)', () => {
  it('synth --accent-rules: finishes, writes the manifest and ground truth, exit 0', async () => {
    const dir = tmp('asrfair-pipe-synth-');
    dirs.push(dir);
    writeFileSync(join(dir, 'rules.yaml'), 'groups:\n  th: [{ rule: th-stopping, rate: 1 }]\n  none: []\n');
    // Two prompts, default --sentences 40: the first line is the "lowered to 2" warning, everything after it meets a closed pipe.
    writeFileSync(join(dir, 'two.txt'), 'The birch canoe slid on the smooth planks.\nGlue the sheet to the dark blue background.\n');
    const r = throughHead(['synth', '--accent-rules', 'rules.yaml', '--prompts', 'two.txt', '--speakers', '1', '-o', 'out'], dir);
    expect(r.line).toMatch(/^asrfair: warning: two\.txt has 2 sentences/);
    expect(r.status).toBe(0);
    const m = await loadManifest(join(dir, 'out', 'manifest.jsonl'));
    expect(m).toHaveLength(4);
    expect(readFileSync(join(dir, 'out', 'planted.jsonl'), 'utf8').trim().split('\n')).toHaveLength(4);
  }, 120_000);

  it('run (progress on stderr, summary on stdout): finishes the run and its export, exit 0', () => {
    const dir = tmp('asrfair-pipe-run-');
    dirs.push(dir);
    const utts = corpus(40, (i) => `the birch canoe slid on the smooth planks ${i}`);
    writeCorpus(dir, utts);
    writeFileSync(join(dir, 'hyp.jsonl'), utts.map((u) => JSON.stringify({ id: u.id, text: u.text })).join('\n') + '\n');
    writeFileSync(join(dir, 'suite.yaml'), 'name: pipe\nmanifest: manifest.jsonl\nqc: false\nbackends:\n  - type: hypotheses\n    options: { file: hyp.jsonl }\n');
    const r = throughHead(['run', 'suite.yaml', '--store', 'st.sqlite', '--out', 'out'], dir);
    expect(r.line).not.toBe('');
    expect(r.status).toBe(0);
    expect(readFileSync(join(dir, 'out', 'results.jsonl'), 'utf8').trim().split('\n')).toHaveLength(40);
    expect(existsSync(join(dir, 'out', 'run.json'))).toBe(true);
  }, 120_000);
});
