/**
 * Schema problems of a YAML settings file (a suite) in the project's words, one `InputError` (file:line) per problem,
 * as the accent-rules file reports them (src/corpora/planted/config.ts): the line of the offending key (the `yaml`
 * package's node ranges), its path (`backends[0].concurrency`) and what was expected against what was found —
 * `seed: expected a whole number, found 1.5`; `backends[0]: unknown key concurency (did you mean concurrency?)`;
 * `` `backends:` is missing (required) `` — instead of zod's wording ("Invalid input: expected int, received number").
 * Messages a schema writes itself (refinements, custom messages) are kept as written.
 */
import { distance } from 'fastest-levenshtein';
import { isMap, isNode, isScalar, type Document, type LineCounter } from 'yaml';
import type { z } from 'zod';
import { InputError } from './errors.ts';

type Path = readonly PropertyKey[];

/** Line (1-based) of the YAML node at `path`, or of its nearest existing parent. */
export function lineOf(doc: Document, counter: LineCounter, path: Path): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as (string | number)[], true);
    if (isNode(node) && node.range) return counter.linePos(node.range[0]).line;
  }
  return undefined;
}

/** Line of the key `key` in the mapping at `path` (the key's own line, not its value's); else as `lineOf(path)`. */
export function keyLine(doc: Document, counter: LineCounter, path: Path, key: string): number | undefined {
  const node = path.length === 0 ? doc.contents : doc.getIn(path as (string | number)[], true);
  if (isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
    const r = isNode(pair?.key) ? pair.key.range : undefined;
    if (r) return counter.linePos(r[0]).line;
  }
  return lineOf(doc, counter, path);
}

/** `backends[0].type`; `(top level)` for the empty path. */
export function yamlPath(path: Path): string {
  return path.reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)), '') || '(top level)';
}

/** ` (did you mean concurrency?)` for the closest allowed key within 2 edits (case ignored), else ` (allowed here: …)`. */
export function suggestKey(key: string, allowed: readonly string[]): string {
  const best = closestKey(key, allowed);
  if (best) return ` (did you mean ${best}?)`;
  return allowed.length ? ` (allowed here: ${allowed.join(', ')})` : '';
}

function closestKey(key: string, allowed: readonly string[]): string | undefined {
  const best = allowed.map((k) => ({ k, d: distance(key.toLowerCase(), k.toLowerCase()) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= 2 ? best.k : undefined;
}

/** zod v4's definition of a schema node (the fields this module reads). */
interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  options?: readonly z.ZodType[];
  in?: z.ZodType;
  valueType?: z.ZodType;
}
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The object schemas a value at `path` of `schema` can be (through optional, default, pipe, union, array, record). */
function objectsAt(schema: z.ZodType, path: Path): Def[] {
  let nodes: z.ZodType[] = [schema];
  const expand = (s: z.ZodType): z.ZodType[] => {
    const d = defOf(s);
    if (d.innerType) return expand(d.innerType);
    if (d.type === 'pipe' && d.in) return expand(d.in);
    if (d.type === 'union' && d.options) return d.options.flatMap(expand);
    return [s];
  };
  for (const k of path) {
    nodes = nodes.flatMap(expand).flatMap((s) => {
      const d = defOf(s);
      if (typeof k === 'number') return d.type === 'array' && d.element ? [d.element] : [];
      if (d.type === 'object' && d.shape && Object.hasOwn(d.shape, String(k))) return [d.shape[String(k)]];
      if (d.type === 'record' && d.valueType) return [d.valueType];
      return [];
    });
  }
  return nodes.flatMap(expand).map(defOf).filter((d) => d.type === 'object' && d.shape);
}

/** The keys a mapping at `path` of `schema` may have, sorted (empty when the schema does not say). */
export function allowedKeys(schema: z.ZodType, path: Path): string[] {
  return [...new Set(objectsAt(schema, path).flatMap((d) => Object.keys(d.shape!)))].sort();
}

/** A YAML value as the messages name it: `the number 3`, `"one"`, `a list`, `a mapping`, `nothing`. */
export function describeValue(v: unknown): string {
  if (v === undefined || v === null) return 'nothing';
  if (Array.isArray(v)) return v.length ? `a list of ${v.length}` : 'an empty list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return `the ${typeof v} ${String(v)}`;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'text', number: 'a number', int: 'a whole number', boolean: 'true or false', array: 'a list', object: 'a mapping', record: 'a mapping',
};

/** zod v4 issue fields this module reads. */
interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  expected?: string;
  values?: readonly unknown[];
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  keys?: string[];
  errors?: Issue[][];
}

/** zod's own messages begin so; a schema's custom message does not, and is kept as written. */
const ZOD_WORDING = /^(Invalid input|Invalid option|Too small|Too big|Invalid string|Invalid number|Invalid element|Invalid key|Invalid value)/;

/** What an issue expected, in words (`a whole number`, `one of pooled, mean-speaker`, `a number > 0`), or undefined. */
function expectation(issue: Issue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected ? (TYPE_WORDS[issue.expected] ?? issue.expected) : undefined;
    case 'invalid_value':
      return issue.values ? (issue.values.length === 1 ? JSON.stringify(issue.values[0]) : `one of ${issue.values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ')}`) : undefined;
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const op = issue.code === 'too_small' ? (issue.inclusive ? '≥' : '>') : issue.inclusive ? '≤' : '<';
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') return `a number ${op} ${bound}`;
      const few = issue.code === 'too_small' ? 'at least' : 'at most';
      if (issue.origin === 'array') return `a list of ${few} ${bound} item${Number(bound) === 1 ? '' : 's'}`;
      if (issue.origin === 'string') return issue.code === 'too_small' && Number(bound) === 1 ? 'non-empty text' : `text of ${few} ${bound} characters`;
      return undefined;
    }
    case 'invalid_union': {
      const each = (issue.errors ?? []).map((branch) => (branch.length === 1 && branch[0].path.length === 0 ? expectation(branch[0]) : undefined));
      if (!each.length || each.some((e) => e === undefined)) return undefined;
      return [...new Set(each)].join(' or ');
    }
    default:
      return undefined;
  }
}

function valueAt(root: unknown, path: Path): unknown {
  let v = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k as string];
  }
  return v;
}

/**
 * Every problem zod found in `value` (parsed from `doc`) against `schema`, as one InputError each (ordered by line).
 * `prefix` is where `value` sits in the file (its issues' paths are relative to it), `what` names the file's kind in
 * messages (`suite`). An unknown key that is a near miss of a missing required key (`backend:` for `backends:`) is
 * reported alone, with the suggestion: the missing key is its consequence.
 */
export function schemaErrors(
  file: string,
  doc: Document,
  counter: LineCounter,
  schema: z.ZodType,
  value: unknown,
  issues: readonly Issue[],
  prefix: Path = [],
  /**
   * What to say a missing required key holds, by its path (`backends`, or `backends[].type` for every item); default:
   * the type the schema expects.
   */
  required: Readonly<Record<string, string>> = {},
): InputError[] {
  const out: { line: number | undefined; e: InputError }[] = [];
  const push = (line: number | undefined, detail: string) => out.push({ line, e: new InputError(file, line, detail) });
  // Keys a misspelling stands for, per mapping: their "missing" issues are left out.
  const meant = new Set<string>();
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    for (const key of issue.keys ?? []) {
      const near = closestKey(key, allowedKeys(schema, issue.path));
      if (near) meant.add(JSON.stringify([...issue.path, near]));
    }
  }
  for (const issue of issues) {
    const rel = issue.path;
    const path = [...prefix, ...rel];
    const at = (p: Path, msg: string) => (p.length ? `${yamlPath(p)}: ${msg}` : msg);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys ?? []) push(keyLine(doc, counter, path, key), at(path, `unknown key ${key}${suggestKey(key, allowedKeys(schema, rel))}`));
      continue;
    }
    const found = valueAt(value, rel);
    const last = rel.at(-1);
    if (!ZOD_WORDING.test(issue.message)) {
      push(typeof last === 'string' ? keyLine(doc, counter, path.slice(0, -1), last) : lineOf(doc, counter, path), at(path, issue.message));
      continue;
    }
    if (issue.code === 'invalid_type' && found === undefined && typeof last === 'string' && rel.length > 0) {
      if (meant.has(JSON.stringify(rel))) continue;
      const parent = path.slice(0, -1);
      push(lineOf(doc, counter, parent), at(parent, `\`${last}:\` is missing (required: ${required[yamlPath(path)] ?? required[yamlPath(path).replace(/\[\d+\]/g, '[]')] ?? expectation(issue) ?? 'a value'})`));
      continue;
    }
    const expected = expectation(issue);
    // The line of the offending key (a block value starts on the next line), or of the list item.
    const line = typeof last === 'string' ? keyLine(doc, counter, path.slice(0, -1), last) : lineOf(doc, counter, path);
    push(line, at(path, expected ? `expected ${expected}, found ${describeValue(found)}` : issue.message));
  }
  return out.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)).map((x) => x.e);
}
