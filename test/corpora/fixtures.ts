import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadManifest } from '../../src/manifest/jsonl.ts';
import { importToManifest, type ImportOptions } from '../../src/corpora/importers/index.ts';
import type { ManifestEntry } from '../../src/manifest/schema.ts';

export function tmp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `asrfair-${prefix}-`));
}

let tone: string | undefined;
/** A real 0.6 s WAV made with sox once, copied wherever a fixture needs audio. */
export function wav(path: string, seconds = 0.6): string {
  mkdirSync(dirname(path), { recursive: true });
  if (seconds !== 0.6) {
    execFileSync('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', path, 'synth', String(seconds), 'sine', '300', 'vol', '0.3']);
    return path;
  }
  if (!tone) {
    tone = join(mkdtempSync(join(tmpdir(), 'asrfair-tone-')), 'tone.wav');
    execFileSync('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', tone, 'synth', '0.6', 'sine', '300', 'vol', '0.3']);
  }
  copyFileSync(tone, path);
  return path;
}

export function write(path: string, text: string | Buffer): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

/** Imports and reads the manifest back through the project's own validating reader. */
export async function importAndLoad(format: string, input: string, opts: Omit<ImportOptions, 'out'> & { out?: string }, warnings: string[] = []) {
  const out = opts.out ?? join(tmp('out'), 'manifest.jsonl');
  const summary = await importToManifest(format, input, { ...opts, out, warn: (m) => warnings.push(m) });
  const entries: ManifestEntry[] = await loadManifest(out);
  return { out, summary, entries, byId: new Map(entries.map((e) => [e.id, e])) };
}
