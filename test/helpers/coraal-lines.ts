import { readFileSync } from 'node:fs';
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

/** Imports the shipped transcripts into `dir/coraal.jsonl` and returns its rows. */
export async function importCoraal(dir: string): Promise<CoraalRow[]> {
  const imp = await cliIn(['import', 'coraal', CORAAL_SAMPLE, '-o', 'coraal.jsonl'], dir);
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

/** Short lines (4+ words, under 60 characters) of a site, with or without a fragment, in file order. */
export function shortLines(rows: readonly CoraalRow[], site: string, withFragment: boolean): CoraalRow[] {
  return rows.filter((u) => u.labels.site === site && u.text.split(' ').length >= 4 && u.text.length < 60 && (deletable(u) > 0) === withFragment);
}
