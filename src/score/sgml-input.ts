/**
 * sclite's SGML alignment file read back, as `sclite -P` reads it from a pipe (SCTK `sgml.c`): the
 * alignments are taken as recorded, not recomputed, and summarised into the usual tables (speakers,
 * stm labels). Layout:
 *
 *   <SYSTEM title=".." ref_fname=".." hyp_fname=".." ... opt_del="TRUE|FALSE" ...>
 *   <LABEL id="O" title="Overall" desc="..."> </LABEL>          (stm labels, optional)
 *   <SPEAKER id="4t0">
 *   <PATH id="(4t0c0201)" word_cnt="25" [labels="<o,wa>"] [file=".." channel=".."] sequence="0" ...>
 *   C,"as","as":S,"for","freed":I,,"this":D,"the",[:...]       (`,t1+t2` time fields may follow)
 *   </PATH>
 *   </SPEAKER>
 *   </SYSTEM>
 *
 * Words are double-quoted; sclite writes them raw, asrfair's own sgml writes XML character
 * references (`&#34;`), both are read. One SYSTEM per file (sclite -P reads one). A malformed line,
 * an unknown evaluation letter, or a PATH outside a SPEAKER is an InputError naming file:line.
 */
import { readLines } from '../manifest/jsonl.ts';
import { linesOf, type TextEncoding } from './trn.ts';
import { InputError } from '../manifest/errors.ts';
import type { AlignOp } from './types.ts';
import { UtteranceScorer, type ScoreResult, type ScorerOptions } from './scorer.ts';
import { NceTally, type NceResult } from './nce.ts';
import type { StmLabel } from './stm.ts';

export interface SgmlResult extends ScoreResult {
  /** The SYSTEM's title and file names, as recorded. */
  system: { title: string; refFile: string; hypFile: string };
  labelInfo: StmLabel[];
  /**
   * Hypothesis confidences (`word_aux` column `h_conf`): NCE per speaker and set when every PATH has
   * them (sclite's NCE column); `ignored` when only some do (sclite then warns "Ignoring confidence
   * scores" and prints no NCE); absent when none do.
   */
  confidences?: { nce: NceResult; withoutConfidence: number } | { ignored: { withConf: number; without: number } };
}

const ENTITY: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function unescape(s: string): string {
  return s.replace(/&(#\d+|#x[0-9a-f]+|lt|gt|amp|quot|apos);/gi, (_, e: string) =>
    e[0] === '#' ? String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1))) : ENTITY[e.toLowerCase()]!,
  );
}

/** `key="value"` attributes of a tag line (values unescaped). */
export function sgmlAttributes(tag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of tag.matchAll(/([A-Za-z_][\w.-]*)="([^"]*)"/g)) out.set(m[1]!, unescape(m[2]!));
  return out;
}

/**
 * The word-pair line of a PATH: `E,"ref","hyp"[,aux]` items separated by `:` outside quotes. When
 * `aux` is given, each item's auxiliary fields (the PATH's `word_aux` columns: times, confidences,
 * weights; undefined when empty) are pushed to it, one array per item.
 */
export function parsePathWords(line: string, file: string, lineNo: number, aux?: (string | undefined)[][]): AlignOp[] {
  const ops: AlignOp[] = [];
  let i = 0;
  const n = line.length;
  const field = (): string | undefined => {
    if (line[i] !== '"') {
      let j = i;
      while (j < n && line[j] !== ',' && line[j] !== ':') j++;
      const raw = line.slice(i, j);
      i = j;
      return raw === '' ? undefined : raw;
    }
    const close = line.indexOf('"', i + 1);
    if (close < 0) throw new InputError(file, lineNo, `unclosed quote in the word list at column ${i + 1}`);
    const v = unescape(line.slice(i + 1, close));
    i = close + 1;
    return v;
  };
  while (i < n) {
    const type = line[i];
    if (type !== 'C' && type !== 'S' && type !== 'D' && type !== 'I') {
      throw new InputError(file, lineNo, `expected C, S, D or I at column ${i + 1}, found "${line.slice(i, i + 10)}"`);
    }
    if (line[i + 1] !== ',') throw new InputError(file, lineNo, `expected "," after ${type} at column ${i + 2}`);
    i += 2;
    const ref = field();
    if (line[i] !== ',') throw new InputError(file, lineNo, `expected "," after the reference word at column ${i + 1}`);
    i++;
    const hyp = field();
    const extra: (string | undefined)[] = [];
    while (i < n && line[i] === ',') {
      i++;
      extra.push(field());
    }
    aux?.push(extra);
    if (i < n && line[i] !== ':') throw new InputError(file, lineNo, `expected ":" between words at column ${i + 1}`);
    i++;
    ops.push(type === 'I' ? { type, hyp: hyp ?? '' } : type === 'D' ? { type, ref: ref ?? '' } : { type, ref: ref ?? '', hyp: hyp ?? '' });
  }
  return ops;
}

/** Reads an sclite SGML alignment file and summarises it (see the top of this file). */
export async function scoreSgml(
  path: string,
  opts: Pick<ScorerOptions, 'confusions' | 'keepAlignments'> & { encoding?: TextEncoding } = {},
): Promise<SgmlResult> {
  const { encoding, ...scorerOpts } = opts;
  const scorer = new UtteranceScorer({ ...scorerOpts, chars: false }, 'delete');
  const labelInfo: StmLabel[] = [];
  let system: SgmlResult['system'] | undefined;
  let systemLine = 0;
  let speaker: string | undefined;
  let path_: { attrs: Map<string, string>; line: number; words?: AlignOp[]; wordsLine?: number; aux: (string | undefined)[][] } | undefined;
  const nce = new NceTally();
  const confPaths = { withConf: 0, without: 0 };
  let emptyConf = 0;
  // sclite -P -e gb reads the GB2312 sgml sclite -e gb writes; UTF-8 otherwise.
  for await (const { line, text } of encoding === 'gb2312' ? linesOf(path, 'gb2312') : readLines(path)) {
    const t = text.trim();
    if (t === '') continue;
    if (path_ && !t.startsWith('</PATH')) {
      if (path_.words) throw new InputError(path, line, 'a PATH holds one line of words');
      path_.words = parsePathWords(t, path, line, path_.aux);
      path_.wordsLine = line;
      continue;
    }
    if (t.startsWith('<SYSTEM')) {
      if (system) throw new InputError(path, line, `a second SYSTEM (the first at line ${systemLine}); sclite -P reads one`);
      const a = sgmlAttributes(t);
      system = { title: a.get('title') ?? '', refFile: a.get('ref_fname') ?? '', hypFile: a.get('hyp_fname') ?? '' };
      systemLine = line;
    } else if (t.startsWith('<LABEL')) {
      const a = sgmlAttributes(t);
      labelInfo.push({ id: a.get('id') ?? '', title: a.get('title') ?? '', description: a.get('desc') ?? '' });
    } else if (t.startsWith('<SPEAKER')) {
      if (!system) throw new InputError(path, line, 'SPEAKER before SYSTEM');
      speaker = sgmlAttributes(t).get('id');
      if (speaker === undefined) throw new InputError(path, line, 'SPEAKER without id');
    } else if (t.startsWith('</SPEAKER')) speaker = undefined;
    else if (t.startsWith('<PATH')) {
      if (speaker === undefined) throw new InputError(path, line, 'PATH outside a SPEAKER');
      path_ = { attrs: sgmlAttributes(t), line, aux: [] };
    } else if (t.startsWith('</PATH')) {
      if (!path_) throw new InputError(path, line, '</PATH> without <PATH>');
      const a = path_.attrs;
      const id = (a.get('id') ?? '').replace(/^\((.*)\)$/, '$1');
      const labels = a.get('labels')?.replace(/^<|>$/g, '').split(',').map((l) => l.trim()).filter(Boolean);
      const t1 = a.get('R_T1');
      const t2 = a.get('R_T2');
      scorer.addAligned(
        {
          id,
          speaker: speaker!,
          labels: labels?.length ? labels : undefined,
          file: a.get('file'),
          channel: a.get('channel'),
          begin: t1 === undefined ? undefined : Number(t1),
          end: t2 === undefined ? undefined : Number(t2),
        },
        path_.words ?? [],
      );
      // Hypothesis confidences for sclite's NCE: the `h_conf` column of `word_aux`.
      const confAt = (a.get('word_aux') ?? '').split(',').map((x) => x.trim()).indexOf('h_conf');
      if (confAt < 0) confPaths.without++;
      else {
        confPaths.withConf++;
        (path_.words ?? []).forEach((op, k) => {
          if (op.type === 'D' || !op.hyp) return;
          const v = path_!.aux[k]?.[confAt];
          // An empty h_conf reads as 0, as sclite reads it (counted and said); text that is no number is an error.
          if (v === undefined) emptyConf++;
          const conf = v === undefined ? 0 : Number(v);
          if (!Number.isFinite(conf)) throw new InputError(path, path_!.wordsLine, `hypothesis word "${op.hyp}" has h_conf "${v}", not a number`);
          nce.add(speaker!, op.type === 'C', conf);
        });
      }
      path_ = undefined;
    } else if (!t.startsWith('</') && !t.startsWith('<CATEGORY')) {
      throw new InputError(path, line, `unexpected line "${t.slice(0, 40)}" in an sclite sgml file`);
    }
  }
  if (path_) throw new InputError(path, path_.line, '<PATH> is never closed');
  if (!system) throw new InputError(path, undefined, 'no <SYSTEM> element: not an sclite sgml alignment file');
  const res = scorer.result();
  const confidences: SgmlResult['confidences'] =
    confPaths.withConf === 0 ? undefined : confPaths.without > 0 ? { ignored: confPaths } : { nce: nce.result(res.speakers.rows()), withoutConfidence: emptyConf };
  return { ...res, system, labelInfo, ...(confidences ? { confidences } : {}) };
}
