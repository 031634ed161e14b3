/**
 * Trial 18: SIGINT ~30 s into `synth --accent-rules` deleted `.work-<pid>` and kept no utterance: every speaker
 * variant waited for festival to finish every chunk, so the rerun spoke all 45 again. Each festival chunk's variants
 * are now made and put in place as soon as it is spoken: an interrupted synth keeps its finished chunks, the rerun
 * speaks only the rest. Real festival and sox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from '../helpers/cli.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-planted-resume-'));
  writeFileSync(join(dir, 'rules.yaml'), 'groups:\n  th-stopping: [{ rule: th-stopping, rate: 1 }]\n  none: []\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const wavs = (d: string) => (existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.wav')) : []);

describe('synth --accent-rules resumes after an interrupt', () => {
  it('keeps the utterances spoken before SIGINT; the rerun speaks only the rest', async () => {
    const args = [BIN, 'synth', '--accent-rules', 'rules.yaml', '-o', 'corpus', '--speakers', '3', '--sentences', '8', '--jobs', '2'];
    const child = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    const audio = join(dir, 'corpus', 'audio');
    const t0 = Date.now();
    // SIGINT once an utterance is in place while festival still speaks other chunks (before the fix none was in
    // place until festival had spoken them all: this never happened and the run ended).
    const speaking = () => /festival|text2wave/.test(spawnSync('ps', ['-o', 'comm=', '--ppid', String(child.pid)], { encoding: 'utf8' }).stdout);
    while (!(wavs(audio).length > 0 && speaking()) && child.exitCode === null && Date.now() - t0 < 200_000) await new Promise((r) => setTimeout(r, 50));
    expect(child.exitCode, stderr).toBeNull();
    child.kill('SIGINT');
    expect(await exited, stderr).toBe(130);
    const kept = wavs(audio).length;
    expect(kept).toBeGreaterThan(0);
    expect(readdirSync(join(dir, 'corpus')).filter((f) => f.startsWith('.work-'))).toEqual([]);
    const again = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8' });
    expect(again.status, again.stderr).toBe(0);
    const m = /synth: (\d+) utterances \((\d+) newly spoken;/.exec(again.stderr);
    expect(m, again.stderr).not.toBeNull();
    expect(Number(m![2])).toBe(Number(m![1]) - kept);
  }, 400_000);
});
