import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import { cliIn } from './cli.ts';

/**
 * Real CORAAL transcript lines (../shared/data, CC BY-NC-SA: imported into a temp folder by the real importer, never
 * shipped) for tests that pair them with synthetic audio: the rows as `asrfair import coraal` writes them, and what a
 * speaker says of a fragment.
 */
export const CORAAL_SAMPLE = resolve(import.meta.dirname, '../../../shared/data/coraal-transcripts-sample');

/** One imported CORAAL row (text-only as shipped: `start`/`end` into a recording that is not there). */
export interface CoraalRow {
  id: string;
  text: string;
  speaker: string;
  start?: number;
  end?: number;
  audio?: string;
  labels: Record<string, string>;
  markup?: { policy: string; removed: number; kinds: Record<string, number>; deletable?: Record<string, number> };
}

/** Imports the shipped transcripts into `dir/coraal.jsonl` (with `flags`, e.g. `--include-interviewers`) and returns its rows. */
export async function importCoraal(dir: string, flags: readonly string[] = []): Promise<CoraalRow[]> {
  const imp = await cliIn(['import', 'coraal', CORAAL_SAMPLE, '-o', 'coraal.jsonl', ...flags], dir);
  expect(imp.code, imp.stderr).toBe(0);
  return readFileSync(join(dir, 'coraal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as CoraalRow);
}

/** Fragments the importer kept in the row's reference as sclite's optionally deletable `(like-)`. */
export function deletable(u: CoraalRow): number {
  return Object.values(u.markup?.deletable ?? {}).reduce((a, b) => a + b, 0);
}

/** What the speaker said: each fragment `(in-)` as its letters, `in`. */
export function spoken(text: string): string {
  return text.replace(/\((-?[^()\s]*?)-?\)/g, (_m, w: string) => w.replace(/^-/, ''));
}

/**
 * Short lines (4+ words, under `maxChars` characters) of a site (or of the rows `where` picks), with or without a
 * fragment, in file order.
 */
export function shortLines(rows: readonly CoraalRow[], where: string | ((u: CoraalRow) => boolean), withFragment: boolean, maxChars = 60): CoraalRow[] {
  const picked = typeof where === 'string' ? (u: CoraalRow) => u.labels.site === where : where;
  return rows.filter((u) => picked(u) && u.text.split(' ').length >= 4 && u.text.length < maxChars && (deletable(u) > 0) === withFragment);
}

/** How espeak-ng reads one line: its voice (`en-us`, `en-us+f2`) and speed in words a minute (espeak-ng's default 175). */
export interface Reading {
  voice: string;
  speed?: number;
}

/**
 * Speaks each row's words (`spoken`: a fragment as its letters) with espeak-ng into `dir/audio/<id>.wav` and writes the
 * rows, each now a clip of its own (`audio` set, `start`/`end` into the absent recording dropped), to `dir/m.jsonl`.
 * `readings[i]` reads row i (default `en-us` at espeak-ng's speed). Returns the rows as written.
 */
export function speakManifest(dir: string, rows: readonly CoraalRow[], readings: readonly Reading[] = []): CoraalRow[] {
  mkdirSync(join(dir, 'audio'), { recursive: true });
  const out = rows.map((u, i) => {
    const { voice, speed } = readings[i] ?? { voice: 'en-us' };
    execFileSync('espeak-ng', ['-v', voice, ...(speed !== undefined ? ['-s', String(speed)] : []), '-w', join(dir, 'audio', `${u.id}.wav`), spoken(u.text)]);
    const { start: _s, end: _e, ...rest } = u;
    return { ...rest, audio: `audio/${u.id}.wav` };
  });
  writeFileSync(join(dir, 'm.jsonl'), out.map((u) => JSON.stringify(u)).join('\n') + '\n');
  return out;
}
