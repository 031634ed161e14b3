import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../..');
export const CLI = join(REPO, 'bin/asrfair.mjs');

export function tmp(prefix = 'asrfair-scale-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}

export interface RedisProcess {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** A throwaway redis-server on 127.0.0.1 (no persistence), ready when this resolves. */
export async function startRedis(): Promise<RedisProcess> {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((ready, fail) => {
    let out = '';
    const t = setTimeout(() => fail(new Error(`redis-server did not start: ${out}`)), 10_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) {
        clearTimeout(t);
        ready();
      }
    });
    proc.on('exit', (code) => fail(new Error(`redis-server exited ${code}: ${out}`)));
  });
  return {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    stop: () => stopChild(proc, 'SIGKILL'),
  };
}

export function stopChild(proc: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    proc.once('exit', () => done());
    proc.kill(signal);
  });
}

export interface WorkerProcess {
  proc: ChildProcess;
  pid: number;
  stderr(): string;
  stop(): Promise<void>;
}

/** `asrfair worker` as a child process; resolves once it is pulling jobs. */
export async function startWorker(url: string, args: string[] = [], cwd = REPO): Promise<WorkerProcess> {
  const proc = spawn(process.execPath, [CLI, 'worker', '--queue', url, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  await new Promise<void>((ready, fail) => {
    const t = setTimeout(() => fail(new Error(`worker did not start: ${err}`)), 30_000);
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('pulling from')) {
        clearTimeout(t);
        ready();
      }
    });
    proc.on('exit', (code) => fail(new Error(`worker exited ${code}: ${err}`)));
  });
  return { proc, pid: proc.pid!, stderr: () => err, stop: () => stopChild(proc, 'SIGTERM') };
}

/** Distinct short WAVs made with sox (a different tone each), one per id, 16 kHz mono 16-bit. */
export function soxWavs(dir: string, ids: string[], seconds = 0.2): void {
  mkdirSync(join(dir, 'audio'), { recursive: true });
  ids.forEach((id, i) => {
    const r = spawnSync('sox', ['-D', '-n', '-r', '16000', '-c', '1', '-b', '16', join(dir, 'audio', `${id}.wav`), 'synth', String(seconds), 'sine', String(200 + 17 * i)]);
    if (r.status !== 0) throw new Error(`sox failed: ${r.stderr.toString()}`);
  });
}

export function ids(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `utt-${String(i).padStart(3, '0')}`);
}

/** manifest.jsonl over soxWavs audio; reference "hello world <id>". */
export function writeManifest(dir: string, utts: string[]): string {
  const lines = utts.map((id, i) =>
    JSON.stringify({ id, audio: `audio/${id}.wav`, text: `hello world ${id}`, speaker: `spk${i % 5}`, labels: { accent: ['north', 'south', 'west'][i % 3] } }),
  );
  const file = join(dir, 'manifest.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/**
 * A latency-bound recogniser for the command backend: logs `start|end <id> <worker pid>` to LOG,
 * sleeps, prints a deterministic hypothesis (ids ending in an odd digit lose a word). Ids ending
 * in 7 fail for good (exit 3); ids ending in 8 fail once with a retryable exit 75 when FLAKY is set.
 */
export function writeRecogniser(dir: string): string {
  const file = join(dir, 'recognise.sh');
  writeFileSync(
    file,
    `#!/bin/sh
id="$1"; log="$2"; sleep_s="$3"; flaky="$4"
echo "start $id $PPID" >> "$log"
sleep "$sleep_s"
if [ -n "$flaky" ]; then
  case "$id" in
    *7) echo "bad audio for $id" >&2; exit 3 ;;
    *8) if [ ! -e "$log.$id" ]; then : > "$log.$id"; echo "busy" >&2; exit 75; fi ;;
  esac
fi
echo "end $id $PPID" >> "$log"
case "$id" in
  *[13579]) echo "hello $id" ;;
  *) echo "hello world $id" ;;
esac
`,
  );
  chmodSync(file, 0o755);
  return file;
}

export function expectedHyp(id: string): string {
  return /[13579]$/.test(id) ? `hello ${id}` : `hello world ${id}`;
}

/** A suite over the manifest with one command backend running the recogniser. */
export function writeSuite(dir: string, opts: { log: string; sleepSec: number; flaky?: boolean; retries?: number; name?: string }): string {
  const rec = writeRecogniser(dir);
  const cmd = JSON.stringify(['sh', rec, '{id}', opts.log, String(opts.sleepSec), ...(opts.flaky ? ['1'] : [])]);
  const file = join(dir, `${opts.name ?? 'suite'}.yaml`);
  writeFileSync(
    file,
    `name: ${opts.name ?? 'scale'}
manifest: manifest.jsonl
groupBy: [accent]
qc: false
concurrency: 4
timeoutSec: 20
retries: ${opts.retries ?? 2}
backends:
  - name: rec
    type: command
    options:
      command: ${cmd}
      retryOnExit: [75]
`,
  );
  return file;
}
