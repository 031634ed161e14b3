import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { SpeechFixture } from './fixtures.ts';

const BIN = resolve('bin/asrfair.mjs');

/** Writes dir/manifest.jsonl (the librivox fixtures, two speakers, two accent groups) and dir/suite.yaml with one backend. */
export function writeSuite(dir: string, fx: SpeechFixture[], backendLines: string[]): void {
  mkdirSync(join(dir, 'audio'), { recursive: true });
  const lines = fx.map((f, i) => {
    copyFileSync(f.audio.wav16k, join(dir, 'audio', `${f.audio.id}.wav`));
    return JSON.stringify({ id: `spk${i % 2}-${i}`, audio: `audio/${f.audio.id}.wav`, text: f.text, speaker: `spk${i % 2}`, labels: { accent: i % 2 ? 'north' : 'south' } });
  });
  writeFileSync(join(dir, 'manifest.jsonl'), lines.join('\n') + '\n');
  const suite = ['name: e2e', 'manifest: manifest.jsonl', 'groupBy: [accent]', 'qc: false', 'bootstrap: 20', 'concurrency: 1', 'timeoutSec: 20', 'retries: 2', 'backends:', ...backendLines, ''];
  writeFileSync(join(dir, 'suite.yaml'), suite.join('\n'));
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/asrfair.mjs …` in `cwd` with extra environment variables. */
export function cli(cwd: string, args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

export function filesUnder(d: string): string[] {
  return readdirSync(d).flatMap((n) => {
    const p = join(d, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** Names of outputs and files (UTF-8 or UTF-16 bytes) under `dir` that contain any of `needles`. */
export function findLeaks(dir: string, outputs: Record<string, string>, needles: string[]): string[] {
  const leaks: string[] = [];
  for (const [name, text] of Object.entries(outputs)) if (needles.some((n) => text.includes(n))) leaks.push(name);
  for (const p of filesUnder(dir)) {
    const bytes = readFileSync(p);
    if (needles.some((n) => bytes.includes(n) || bytes.includes(Buffer.from(n, 'utf16le')))) leaks.push(p);
  }
  return leaks;
}
