/**
 * NIST GLM files (global mapping rules, e.g. SCTK's `en20030506.glm`) applied exactly as SCTK's
 * `csrfilt.sh` applies them to trn/stm text with `rfilter1` (SCTK src/rfilter1: grules2.c reads,
 * aprules2.c applies), so `score --glm` equals `csrfilt.sh -i trn G < ref`, the same on the hyp,
 * then sclite:
 *
 * - File: `* name "..."`, `* case_sensitive = 'F'`, `* copy_no_hit = 'T'`, `* format = 'NIST1'`
 *   header lines; `;;` comments; `;; INPUT_DEPENDENT_APPLICATION = "<regexp>"` starts a region that
 *   applies only when the regexp matches the input type (`trn`, `stm`, `ctm`) or purpose (`ref`, `hyp`).
 * - Rule: `FROM => TO / LEFT __ RIGHT` (context optional). `[...]` or `"..."` around a part are
 *   boundary marks and removed, so `[ ]` is one space. The context is the text after the last `/`
 *   unless that `/` is inside `[...]`. A rule with a `/` after `=>` but no `__` after the last one is
 *   refused (InputError naming the GLM's line): rfilter1 would take that `/` for the context separator
 *   and write the right side only up to it (`FOO => { BAR / BAZ }` writes `{ BAR`, `QUX => ONE / TWO`
 *   writes `ONE`); such a rule needs a context, e.g. `FOO => { BAR / BAZ } / [ ] __ [ ]`.
 * - Application: the text, upper-cased (a–z only; not with `caseSensitive`), with a space before
 *   and after and around every parenthesis, is scanned left to right; at each character the first
 *   rule in file order (among those starting with that character) whose FROM and contexts match
 *   (case-insensitively unless the file says `case_sensitive = 'T'`) fires: TO is written and the
 *   scan skips FROM; otherwise the character is copied. Matching is on characters, not words:
 *   a rule without `[ ]` contexts also rewrites inside words, as in NIST's tools.
 * - Afterwards `( a b )` becomes `(a) (b)` and white space is folded (csrfilt's propogateOptDel).
 *   Unbalanced optional-deletion parentheses are an error, as in csrfilt.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { InputError } from '../manifest/errors.ts';

export interface GlmRule {
  from: string;
  to: string;
  left: string;
  right: string;
  line: number;
}

export interface NistGlm {
  name: string;
  caseSensitive: boolean;
  copyNoHit: boolean;
  rules: readonly GlmRule[];
  /** sha256 (12 hex) of the rules that apply, for reports. */
  hash: string;
}

export interface GlmContext {
  /** csrfilt `-i`: which INPUT_DEPENDENT_APPLICATION regions apply (default trn). */
  inputType?: 'trn' | 'stm' | 'ctm' | 'txt';
  /** csrfilt `-t`: ref or hyp regions. */
  purpose?: 'ref' | 'hyp';
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';

function stripBoundary(s: string): string {
  if (s.length >= 2 && ((s[0] === '[' && s[s.length - 1] === ']') || (s[0] === '"' && s[s.length - 1] === '"'))) return s.slice(1, -1);
  return s;
}

/** Text after the first white-space-delimited token of `s` (rfilter1 skips "=>", "/" and "__" so). */
function afterToken(s: string): string {
  let i = 0;
  while (i < s.length && !isSpace(s[i])) i++;
  while (i < s.length && isSpace(s[i])) i++;
  return s.slice(i);
}

function quotedValue(line: string): string | undefined {
  const m = /["']([^"']*)["']/.exec(line);
  return m ? m[1] : undefined;
}

const truthy = (v: string | undefined): boolean => !!v && /^[tTyY1]/.test(v);

/**
 * Why a rule with a `/` on its right side and no `__` after it is refused: rfilter1 takes that `/` for the context
 * separator and writes the right side only up to it (`FOO => { BAR / BAZ }` writes `{ BAR`, whose unclosed `{` the
 * transcript would then be blamed for; sclite crashes on it), and how to write the rule so it does what it says.
 */
function noContextMessage(rule: string, written: string, dropped: string): string {
  const open = (written.match(/\{/g) ?? []).length - (written.match(/\}/g) ?? []).length;
  const harm = open > 0 ? `, an unclosed "{" (sclite crashes on it)` : `, dropping "${dropped}"`;
  return `the rule "${rule}" has no context ("__"), so rfilter1 (csrfilt.sh) reads its last "/" as the context separator and writes just "${written}"${harm}; give the rule a context: ${rule} / [ ] __ [ ]`;
}

/** Parses a GLM file's text (see the top of this file). Errors name file:line. */
export function parseNistGlm(text: string, file = '<glm>', ctx: GlmContext = {}): NistGlm {
  const type = (ctx.inputType ?? 'trn').toLowerCase();
  const purpose = (ctx.purpose ?? '').toLowerCase();
  let name = file;
  let caseSensitive = true;
  let copyNoHit = true;
  let applies = true;
  const rules: GlmRule[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const region = /^;;\s+INPUT_DEPENDENT_APPLICATION\s*=\s*"([^"]*)"/.exec(raw);
    if (region) {
      let re: RegExp;
      try {
        re = new RegExp(region[1]!.toLowerCase());
      } catch {
        throw new InputError(file, line, `INPUT_DEPENDENT_APPLICATION is not a valid regular expression: ${region[1]}`);
      }
      applies = re.test(type) || (purpose !== '' && re.test(purpose));
      return;
    }
    if (!applies) return;
    const s = raw.replace(/[ \t\r\f\v]+$/, '');
    if (s.trim() === '' || s.startsWith(';;')) return;
    if (s.startsWith('*')) {
      const u = s.toUpperCase();
      const v = quotedValue(s);
      if (v === undefined) throw new InputError(file, line, 'header line without a quoted value, e.g. * case_sensitive = \'F\'');
      if (u.includes('NAME')) name = v;
      if (u.includes('FORMAT') && v !== 'NIST1') throw new InputError(file, line, `only GLM format 'NIST1' is known, not '${v}'`);
      if (u.includes('COPY_NO_HIT')) copyNoHit = truthy(v);
      if (u.includes('CASE_SENSITIVE')) caseSensitive = truthy(v);
      return;
    }
    const c = s.indexOf(';;');
    const body = c >= 0 ? s.slice(0, c) : s;
    const arrow = body.indexOf('=>');
    if (arrow < 0) throw new InputError(file, line, `not a GLM rule "FROM => TO [/ LEFT __ RIGHT]": ${body.trim()}`);
    let slash = body.lastIndexOf('/');
    if (slash < arrow) slash = -1;
    if (slash >= 0) {
      const r = body.indexOf(']', slash);
      const l = body.indexOf('[', slash);
      if (r >= 0 && l >= 0 && r < l) slash = -1;
    }
    const from = stripBoundary(body.slice(0, arrow).trim());
    const rhsEnd = slash >= 0 ? slash : body.length;
    const to = stripBoundary(afterToken(body.slice(arrow, rhsEnd).replace(/\s+$/, '')).trim());
    let left = '';
    let right = '';
    const slot = slash >= 0 ? body.indexOf('_', slash) : -1;
    if (slash >= 0 && slot < 0) throw new InputError(file, line, noContextMessage(body.trim(), to, body.slice(slash + 1).trim()));
    if (slash >= 0 && slot >= 0) {
      const l = afterToken(body.slice(slash, slot).replace(/\s+$/, ''));
      if (l.length > 0) left = stripBoundary(l);
      const r = afterToken(body.slice(slot).replace(/\s+$/, ''));
      if (r.length > 0) right = stripBoundary(r);
    }
    if (from === '') throw new InputError(file, line, 'a GLM rule needs a left-hand side');
    rules.push({ from, to, left, right, line });
  });
  const hash = createHash('sha256').update(JSON.stringify([caseSensitive, copyNoHit, rules.map((r) => [r.from, r.to, r.left, r.right])])).digest('hex').slice(0, 12);
  return { name, caseSensitive, copyNoHit, rules, hash };
}

/** Reads a GLM file; unreadable files are an InputError naming the path. */
export function loadNistGlm(path: string, ctx: GlmContext = {}): NistGlm {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch (e) {
    throw new InputError(path, undefined, `cannot read GLM file: ${(e as Error).message}`);
  }
  return parseNistGlm(text, path, ctx);
}

const upperAscii = (s: string): string => s.replace(/[a-z]+/g, (m) => m.toUpperCase());

/** rfilter1's apply_rules2 on one padded line. */
function applyRules(glm: NistGlm, s: string, byKey: Map<string, GlmRule[]>): string {
  const eq = glm.caseSensitive ? (a: string, b: string): boolean => a === b : (a: string, b: string): boolean => upperAscii(a) === upperAscii(b);
  let out = '';
  let i = 0;
  while (i < s.length) {
    const key = glm.caseSensitive ? s[i]! : upperAscii(s[i]!);
    let hit: GlmRule | undefined;
    for (const r of byKey.get(key) ?? []) {
      if (!eq(s.substr(i, r.from.length), r.from)) continue;
      if (r.left && (i < r.left.length || !eq(s.substr(i - r.left.length, r.left.length), r.left))) continue;
      if (r.right && !eq(s.substr(i + r.from.length, r.right.length), r.right)) continue;
      hit = r;
      break;
    }
    if (hit) {
      out += hit.to;
      i += hit.from.length;
    } else {
      if (glm.copyNoHit) out += s[i];
      i++;
    }
  }
  return out;
}

/**
 * A filter applying `glm` to the words of one transcript as csrfilt.sh does (see the top of this
 * file). `upCase` (default true) is csrfilt's default; false = csrfilt `-s`. The filter throws an
 * InputError (file:line) on unbalanced optional-deletion parentheses.
 */
export function glmFilter(glm: NistGlm, upCase = true): (text: string, file: string, line: number | undefined) => string {
  const byKey = new Map<string, GlmRule[]>();
  for (const r of glm.rules) {
    const k = glm.caseSensitive ? r.from[0]! : upperAscii(r.from[0]!);
    let list = byKey.get(k);
    if (!list) byKey.set(k, (list = []));
    list.push(r);
  }
  return (text, file, line) => {
    let t = ` ${text.replace(/[ \t]+/g, ' ')} `;
    if (/[()]/.test(t)) {
      // csrfilt's validateOptDelTags: every "(" closes with ")" around plain words.
      const rest = t.replace(/\(/g, '( ').replace(/\)/g, ' )').replace(/\s\([^()]+\)/g, '');
      if (/[()]/.test(rest)) throw new InputError(file, line, 'unbalanced optional-deletion parentheses "( ... )"');
    }
    if (upCase) t = upperAscii(t);
    t = ` ${t.replace(/\(/g, '( ').replace(/\)/g, ' )')} `;
    t = applyRules(glm, t, byKey);
    for (let prev = ''; prev !== t; ) {
      prev = t;
      t = t.replace(/(\(\s+[^()\s]+\s+)([^()\s]+)/, '$1) ( $2');
    }
    return t.replace(/\(\s+/g, '(').replace(/\s+\)/g, ')').replace(/[ \t]+/g, ' ').trim();
  };
}
