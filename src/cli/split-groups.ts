import { readFileSync } from 'node:fs';
import { readManifest } from '../manifest/jsonl.ts';
import { GroupSpellings, splitGroupWarning } from '../manifest/group-spellings.ts';
import { SpeakerGroups, speakerCrossingWarning } from '../manifest/speaker-groups.ts';
import { undeclaredSpellingWarning, type UndeclaredSpellings } from '../manifest/undeclared-spelling.ts';

/** `file:line` of utterance ids (those it can find); called only when there is something to say. */
type Locate = (ids: ReadonlySet<string>) => Promise<ReadonlyMap<string, string>> | ReadonlyMap<string, string>;

/** One line per found item, after looking up (once, only when something was found) the utterance ids the lines name. */
async function locatedLines<T>(found: readonly T[], idsOf: (t: T) => readonly string[], locate: Locate, line: (t: T, where: ReadonlyMap<string, string>) => string): Promise<string[]> {
  if (!found.length) return [];
  const where = await locate(new Set(found.flatMap(idsOf)));
  return found.map((t) => line(t, where));
}

/**
 * Warning lines (unescaped, without the `asrfair: warning: ` prefix) for group names under `keys` that differ only in
 * case or spacing among `rows` (each utterance id counted once). `locate` turns the first utterance id of
 * each spelling into `file:line`; it is called only when a split exists, so the common case reads nothing again.
 */
export async function splitGroupWarnings(
  rows: Iterable<{ id: string; labels?: Readonly<Record<string, string>> }>,
  keys: readonly string[],
  locate: Locate,
): Promise<string[]> {
  const spellings = new GroupSpellings([...new Set(keys)]);
  for (const r of rows) spellings.add(r.id, r.labels);
  return splitWarningsOf(spellings, locate);
}

/** The same warning lines from spellings already collected (e.g. while a run export streams). */
export async function splitWarningsOf(
  spellings: GroupSpellings,
  locate: Locate,
): Promise<string[]> {
  return locatedLines(spellings.splits(), (s) => s.spellings.map((g) => g.firstId), locate, (s, where) =>
    splitGroupWarning({ ...s, spellings: s.spellings.map((g) => (where.has(g.firstId) ? { ...g, firstAt: where.get(g.firstId) } : g)) }),
  );
}

/**
 * Warning lines (unescaped, without the prefix) for speakers whose utterances declare more than one group of a key of
 * `keys` (one line per key, with a count and one example located by `locate`, called only when there is one).
 */
export async function speakerGroupWarnings(
  rows: Iterable<{ id: string; speaker?: string; labels?: Readonly<Record<string, string>> }>,
  keys: readonly string[],
  locate: Locate,
): Promise<string[]> {
  const sg = new SpeakerGroups([...new Set(keys)]);
  for (const r of rows) sg.add(r.id, r.speaker, r.labels);
  return speakerWarningsOf(sg, locate);
}

/** The same warning lines from speakers already collected (e.g. while a run export streams). */
export async function speakerWarningsOf(
  sg: SpeakerGroups,
  locate: Locate,
): Promise<string[]> {
  return locatedLines(sg.crossings(), (c) => c.example.groups.map((g) => g.firstId), locate, speakerCrossingWarning);
}

/**
 * Warning lines (unescaped) for declared values spelled "undeclared" under `keys` (undeclared-spelling.ts), one per
 * key, each naming where its first such utterance is (`locate`, called only when there is one).
 */
export async function undeclaredSpellingWarnings(
  found: UndeclaredSpellings,
  locate: Locate,
): Promise<string[]> {
  return locatedLines(found.found(), (s) => [s.firstId], locate, (s, where) => undeclaredSpellingWarning(where.has(s.firstId) ? { ...s, firstAt: where.get(s.firstId) } : s));
}

/** `file:line` of each of `ids` in the manifests (the first line declaring it); ids not found are left out. */
export async function manifestLines(manifests: readonly string[], ids: ReadonlySet<string>): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const m of manifests) {
    for await (const e of readManifest(m, { onError: () => undefined })) {
      if (ids.has(e.id) && !out.has(e.id)) out.set(e.id, `${e.source.file}:${e.source.line}`);
      if (out.size === ids.size) return out;
    }
  }
  return out;
}

/** `file:line` of the first row of each of `ids` in a run export's results.jsonl; ids not found are left out. */
export function resultsLines(file: string, ids: ReadonlySet<string>): Map<string, string> {
  const out = new Map<string, string>();
  const lines = readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length && out.size < ids.size; i++) {
    if (!lines[i].trim()) continue;
    const id = (JSON.parse(lines[i]) as { id?: unknown }).id;
    if (typeof id === 'string' && ids.has(id) && !out.has(id)) out.set(id, `${file}:${i + 1}`);
  }
  return out;
}
