/**
 * The model `adapt` starts from: the suite's own pocketsphinx backend and its options (hmm, lm, dict, flags, mllr), so
 * the "before" of the remedy is the user's recogniser, not Debian's default en-us.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { InputError } from '../manifest/errors.ts';
import { keyLine, lineOf } from '../manifest/yaml-errors.ts';
import type { Suite } from '../run/suite.ts';
import type { PocketSphinxOptions } from '../backends/pocketsphinx.ts';

/** The chosen backend: its name and the options adapt starts from (absolute paths; unset options are the decoder's defaults). */
export interface AdaptBase {
  backend: string;
  options: Partial<PocketSphinxOptions>;
}

const PATH_OPTIONS = ['hmm', 'lm', 'dict', 'mllr'] as const;

/**
 * Picks the suite's pocketsphinx backend (`name` chooses one when there are several) and resolves its model options
 * against the suite's folder, as `run` builds it.
 * Errors (`InputError`, naming `suite.file` and a line): no pocketsphinx backend (the `backends:` line); several without
 * `name` (each one's line); `name` not a pocketsphinx backend of the suite; a model option naming a path that does not
 * exist (the option's line, its name and the path).
 */
export function adaptBase(suite: Suite, name?: string): AdaptBase {
  const counter = new LineCounter();
  const doc = parseDocument(readFileSync(suite.file, 'utf8'), { lineCounter: counter });
  const at = (i: number) => lineOf(doc, counter, ['backends', i]);
  const ps = suite.backends.map((b, i) => ({ b, i })).filter(({ b }) => b.type === 'pocketsphinx');
  const list = suite.backends.map((b) => `${b.name} (${b.type})`).join(', ');
  let pick: { b: Suite['backends'][number]; i: number } | undefined;
  if (name !== undefined) {
    pick = ps.find(({ b }) => b.name === name);
    if (!pick) {
      const i = suite.backends.findIndex((b) => b.name === name);
      throw new InputError(suite.file, i >= 0 ? at(i) : keyLine(doc, counter, [], 'backends'), `--backend ${name}: ${i >= 0 ? `backend "${name}" is of type ${suite.backends[i].type}; adapt adapts a pocketsphinx backend` : `no backend named "${name}"`} (backends: ${list})`);
    }
  } else if (ps.length === 0) {
    throw new InputError(suite.file, keyLine(doc, counter, [], 'backends'), `adapt adapts a pocketsphinx backend and this suite has none (backends: ${list}); add one, e.g. \`- { type: pocketsphinx, options: { hmm: …, lm: …, dict: … } }\``);
  } else if (ps.length > 1) {
    throw new InputError(suite.file, at(ps[1].i), `several pocketsphinx backends (${ps.map(({ b, i }) => `${b.name} at line ${at(i)}`).join(', ')}): choose the one to adapt with --backend NAME`);
  } else pick = ps[0];
  const { b, i } = pick!;
  const base = dirname(suite.file);
  const o = b.options;
  const options: Partial<PocketSphinxOptions> = {};
  for (const k of PATH_OPTIONS) {
    const v = o[k];
    if (v === undefined) continue;
    const line = keyLine(doc, counter, ['backends', i, 'options'], k);
    if (typeof v !== 'string') throw new InputError(suite.file, line, `backends[${i}].options.${k}: expected a path`);
    const p = resolve(base, v);
    if (!existsSync(p)) throw new InputError(suite.file, line, `backends[${i}].options.${k}: ${p} does not exist (backend "${b.name}", the model adapt starts from)`);
    options[k] = p;
  }
  if (o.flags !== undefined) {
    if (typeof o.flags !== 'object' || o.flags === null || Array.isArray(o.flags)) {
      throw new InputError(suite.file, keyLine(doc, counter, ['backends', i, 'options'], 'flags'), `backends[${i}].options.flags: expected a map of flag → value`);
    }
    options.flags = Object.fromEntries(Object.entries(o.flags).map(([k, v]) => [k, String(v)]));
  }
  return { backend: b.name, options };
}

/** What `adapt` splits, adapts and tests: one manifest, grouped by one label key. */
export interface AdaptCorpus {
  manifest: string;
  groupBy: string;
  /** Said when the key was chosen for the user: the suite groups by several keys and no `--group-by` picked one. */
  warning?: string;
}

/**
 * The suite's manifest and the label key adapt groups by (`groupBy` flag, else the suite's first `groupBy` key).
 * Errors (`InputError` at the suite's `manifests:` line): a suite listing several manifests — adapt splits one corpus
 * into train and test speakers per group, and reading only the first would leave the others' groups out unsaid.
 */
export function adaptCorpus(suite: Suite, groupBy?: string): AdaptCorpus {
  if (suite.manifests.length > 1) {
    const counter = new LineCounter();
    const doc = parseDocument(readFileSync(suite.file, 'utf8'), { lineCounter: counter });
    throw new InputError(
      suite.file,
      keyLine(doc, counter, [], 'manifests'),
      `adapt splits and adapts one corpus and this suite lists ${suite.manifests.length} manifests; give it a suite with one \`manifest:\` (the manifests joined into one file, e.g. \`cat a.jsonl b.jsonl > all.jsonl\`; ids must stay unique)`,
    );
  }
  const key = groupBy ?? suite.groupBy[0];
  const warning =
    groupBy === undefined && suite.groupBy.length > 1
      ? `${suite.file}: the suite groups by ${suite.groupBy.join(', ')}; adapt adapts and reports the groups of the first key, ${key} (--group-by ${suite.groupBy[1]} for another)`
      : undefined;
  return { manifest: suite.manifests[0], groupBy: key, ...(warning ? { warning } : {}) };
}
