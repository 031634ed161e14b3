/**
 * sclite's report files, from a ScoreResult kept with `keepAlignments` (SCTK `sclite(1)` names):
 *
 * - `pra`  per-utterance alignment: id, labels, scores (#C #S #D #I), REF/HYP/Eval lines with
 *          errors in upper case and `*` for the missing side, as sclite prints them; case-sensitive
 *          (`-s`) words are printed as in the input and an `Attributes: Case_sensitve` line (sclite's
 *          spelling) follows the scores, as sclite does.
 * - `dtl`  detailed lists: confusion pairs, insertions, deletions, substitutions and falsely
 *          recognised words with counts (most frequent first, then alphabetical).
 * - `lur`  totals per stm label (sclite's "labelled utterance report"), with the label's title.
 * - `sgml` sclite's SGML alignment file (SYSTEM / SPEAKER / PATH; `C,"ref","hyp":S,...`), the
 *          input of sclite's own report tools; values are XML-escaped.
 *
 * Text reports escape terminal control characters (C0/C1, DEL) as `\xNN`, so a transcript cannot
 * move the cursor or recolour a terminal.
 */
import type { AlignOp } from './types.ts';
import type { ScoreResult, UtteranceScore } from './scorer.ts';
import type { StmLabel } from './stm.ts';
import { ConfusionCounter } from './confusions.ts';
import { errorCount } from './metrics.ts';
import { mean, median, sampleSd, scliteFixed, sclitePct, type SpeakerStats } from './summary.ts';
import { escapeControl } from '../manifest/escape.ts';
import { asciiUpper, caseFolder, caseUpper } from '../text/markup.ts';

export const REPORT_NAMES = ['sum', 'pra', 'dtl', 'lur', 'sgml'] as const;
export type ReportName = (typeof REPORT_NAMES)[number];

export function isReportName(s: string): s is ReportName {
  return (REPORT_NAMES as readonly string[]).includes(s);
}

/** XML attribute / text escaping for the SGML report. */
export function escapeXml(s: string): string {
  return escapeControl(s, true).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A word's width in a pra column: its UTF-8 bytes, as sclite (a C program counting `char`s) pads and draws `***`. */
function praWidth(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

const praPad = (s: string, w: number): string => s + ' '.repeat(Math.max(0, w - praWidth(s)));

/**
 * REF / HYP / Eval lines of one alignment, columns padded to the longer side (sclite's pra): widths and `***` runs in
 * UTF-8 bytes, as sclite counts them (`café` is 5 wide), so the lines equal sclite's byte for byte. Errors are
 * upper-cased by `upper` (markup.ts `caseUpper`: identity with sclite -s, which keeps every word as written, as
 * upper-casing would print `Hello`/`hello` as the same word; A–Z only by default, as sclite; sclite's table with
 * babel_turkish).
 */
export function praLines(ops: readonly AlignOp[], upper: (s: string) => string = asciiUpper): { ref: string; hyp: string; eval: string } {
  const r: string[] = [];
  const h: string[] = [];
  const e: string[] = [];
  for (const op of ops) {
    let ref = op.ref ?? '';
    let hyp = op.hyp ?? '';
    if (op.type === 'S') {
      ref = upper(ref);
      hyp = upper(hyp);
    } else if (op.type === 'D') {
      ref = upper(ref);
      hyp = '*'.repeat(Math.max(1, praWidth(ref)));
    } else if (op.type === 'I') {
      hyp = upper(hyp);
      ref = '*'.repeat(Math.max(1, praWidth(hyp)));
    }
    const w = Math.max(praWidth(ref), praWidth(hyp));
    r.push(praPad(ref, w));
    h.push(praPad(hyp, w));
    e.push(praPad(op.type === 'C' ? '' : op.type, w));
  }
  return { ref: r.join(' '), hyp: h.join(' '), eval: e.join(' ') };
}

function requireAlignments(res: ScoreResult): UtteranceScore[] {
  if (!res.alignments) throw new Error('reports need a result scored with keepAlignments');
  return res.alignments;
}

/**
 * The alignments grouped by speaker, speakers in the summary's order (sclite's: first appearance in
 * the hypothesis file for trn), utterances in scoring order within each; speakers without alignments left out.
 */
function bySpeakerInSummaryOrder(res: ScoreResult): Map<string, UtteranceScore[]> {
  const by = new Map<string, UtteranceScore[]>(res.speakers.rows().map((s) => [s.speaker, []]));
  for (const u of requireAlignments(res)) {
    let l = by.get(u.speaker);
    if (!l) by.set(u.speaker, (l = []));
    l.push(u);
  }
  for (const [k, v] of by) if (!v.length) by.delete(k);
  return by;
}

/** sclite's `pra` report; scored with `-s` (res.markup.caseSensitive): words as written and sclite's Attributes line. */
export function renderPra(res: ScoreResult, title: string): string {
  const fold = caseFolder(res.markup);
  const upper = caseUpper(res.markup);
  const out: string[] = [`\t\tUTTERANCE ALIGNMENTS: ${escapeControl(title, true)}`, ''];
  // Grouped by speaker under sclite's "Speaker sentences" line, as sclite prints them.
  let k = 0;
  for (const [spk, utts] of bySpeakerInSummaryOrder(res)) {
    out.push(`Speaker sentences${String(k++).padStart(4)}:  ${spk}   #utts: ${utts.length}`);
    for (const u of utts) praUtterance(u, res.markup.caseSensitive, upper, fold, out);
  }
  return `${escapeControl(out.join('\n'), true)}\n`;
}

function praUtterance(u: UtteranceScore, caseSensitive: boolean, upper: (s: string) => string, fold: (s: string) => string, out: string[]): void {
  out.push(`id: (${fold(u.id)})`); // sclite prints the id as it matched it: folded unless -s
  if (u.labels?.length) out.push(`Labels: <${u.labels.join(',').toLowerCase()}>`);
  if (u.file !== undefined) out.push(`File: ${u.file}`, `Channel: ${u.channel ?? ''}`);
  const c = u.words;
  out.push(`Scores: (#C #S #D #I) ${c.hits} ${c.sub} ${c.del} ${c.ins}`);
  if (caseSensitive) out.push('Attributes: Case_sensitve');
  if (u.begin !== undefined) out.push(`Ref times: t1= ${u.begin.toFixed(2)} t2= ${(u.end ?? u.begin).toFixed(2)}`);
  const l = praLines(u.ops ?? [], upper);
  out.push(`REF:  ${l.ref}`, `HYP:  ${l.hyp}`, `Eval: ${l.eval}`, '');
}

/** sclite's `dtl` report (its lists; counts as sclite prints them). */
export function renderDtl(res: ScoreResult, title: string): string {
  const all = new ConfusionCounter();
  for (const u of requireAlignments(res)) all.add(u.ops ?? []);
  const c = all.top();
  const w = res.words;
  const pct = (x: number): string => (w.ref === 0 ? `${x}*` : `${scliteFixed(sclitePct(x, w.ref), 1)}%`);
  const out: string[] = [
    `DETAILED OVERALL REPORT FOR THE SYSTEM: ${title}`,
    '',
    'SENTENCE RECOGNITION PERFORMANCE',
    '',
    ` sentences                                    ${res.speakers.total().sentences}`,
    ` with errors                            ${res.speakers.total().sentenceErrors}`,
    '',
    'WORD RECOGNITION PERFORMANCE',
    '',
    `Percent Total Error       =  ${pct(errorCount(w))}   (${errorCount(w)})`,
    '',
    `Percent Correct           =  ${pct(w.hits)}   (${w.hits})`,
    '',
    `Percent Substitution      =  ${pct(w.sub)}   (${w.sub})`,
    `Percent Deletions         =  ${pct(w.del)}   (${w.del})`,
    `Percent Insertions        =  ${pct(w.ins)}   (${w.ins})`,
    '',
    `Ref. words                =           (${w.ref})`,
    `Hyp. words                =           (${w.hits + w.sub + w.ins})`,
    `Aligned words             =           (${w.hits + w.sub + w.del + w.ins})`,
    '',
  ];
  const section = (head: string, rows: string[], total: number): void => {
    out.push(`${head} Total                 (${rows.length})`, `                                 With >=  1 occurrences (${rows.length})`, '');
    rows.forEach((r, i) => out.push(`${String(i + 1).padStart(4)}: ${r}`));
    out.push('     -------', `     ${total}`, '');
  };
  section('CONFUSION PAIRS', c.substitutions.map((s) => `${String(s.count).padStart(4)}  ->  ${s.ref} ==> ${s.hyp}`), w.sub);
  section('INSERTIONS', c.insertions.map((s) => `${String(s.count).padStart(4)}  ->  ${s.token}`), w.ins);
  section('DELETIONS', c.deletions.map((s) => `${String(s.count).padStart(4)}  ->  ${s.token}`), w.del);
  const subRef = new Map<string, number>();
  const falsely = new Map<string, number>();
  for (const s of c.substitutions) {
    subRef.set(s.ref, (subRef.get(s.ref) ?? 0) + s.count);
    falsely.set(s.hyp, (falsely.get(s.hyp) ?? 0) + s.count);
  }
  for (const s of c.insertions) falsely.set(s.token, (falsely.get(s.token) ?? 0) + s.count);
  const sorted = (m: Map<string, number>): [string, number][] => [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  section('SUBSTITUTIONS', sorted(subRef).map(([t, n]) => `${String(n).padStart(4)}  ->  ${t}`), w.sub);
  section('* FALSELY RECOGNIZED', sorted(falsely).map(([t, n]) => `${String(n).padStart(4)}  ->  ${t}`), w.sub + w.ins);
  return `${escapeControl(out.join('\n'), true)}\n`;
}

/** One `lur` cell: reference words and word error in percent of them (sclite's `[#Wrd] %WE`). */
export interface LurCell {
  /** Segments of this speaker with this label (0: blank cell, as in sclite). */
  segments: number;
  words: number;
  errors: number;
  /** Percent; undefined with no reference words. */
  we?: number;
}

export interface LurTable {
  /** Column labels: `;; LABEL` order of the stm, then any other label in order of appearance. */
  labels: { id: string; title: string; description: string }[];
  rows: { speaker: string; overall: LurCell; cells: LurCell[] }[];
  sum: { overall: LurCell; cells: LurCell[] };
  /** Mean, S.D. (n − 1) and median over speakers of #Wrd and %WE (speakers without words left out of %WE). */
  stats: Record<'mean' | 'sd' | 'median', { overall: LurCell; cells: LurCell[] }>;
}

const cell = (s: SpeakerStats | undefined): LurCell => {
  const words = s?.counts.ref ?? 0;
  const errors = s ? errorCount(s.counts) : 0;
  return { segments: s?.sentences ?? 0, words, errors, we: words > 0 ? sclitePct(errors, words) : undefined };
};

/** Over speakers with reference words in the column (sclite: "Speakers with no reference words ignored"). */
function stat(cells: LurCell[], f: (xs: number[]) => number): LurCell {
  const rated = cells.filter((c) => c.words > 0);
  return { segments: rated.length, words: f(rated.map((c) => c.words)), errors: NaN, we: rated.length ? f(rated.map((c) => c.we!)) : undefined };
}

/** The numbers of sclite's `lur` report: speakers × stm labels. */
export function lurTable(res: ScoreResult, labelInfo: readonly StmLabel[] = []): LurTable {
  const seen = new Set<string>();
  const labels: LurTable['labels'] = [];
  for (const l of labelInfo) {
    const id = l.id.toLowerCase();
    if (!seen.has(id) && [...res.labelSpeakers.keys()].some((k) => k.toLowerCase() === id)) {
      seen.add(id);
      labels.push({ id: [...res.labelSpeakers.keys()].find((k) => k.toLowerCase() === id)!, title: l.title, description: l.description });
    }
  }
  for (const k of res.labelSpeakers.keys()) if (!seen.has(k.toLowerCase())) labels.push({ id: k, title: k, description: '' });
  const bySpk = labels.map((l) => new Map(res.labelSpeakers.get(l.id)!.rows().map((r) => [r.speaker, r])));
  const rows = res.speakers.rows().map((s) => ({ speaker: s.speaker, overall: cell(s), cells: bySpk.map((m) => cell(m.get(s.speaker))) }));
  const sum = { overall: cell(res.speakers.total()), cells: labels.map((l) => cell(res.labelSpeakers.get(l.id)!.total())) };
  const statsOf = (f: (xs: number[]) => number): { overall: LurCell; cells: LurCell[] } => ({
    overall: stat(rows.map((r) => r.overall), f),
    cells: labels.map((_, k) => stat(rows.map((r) => r.cells[k]!), f)),
  });
  return { labels, rows, sum, stats: { mean: statsOf(mean), sd: statsOf(sampleSd), median: statsOf(median) } };
}

/** sclite's `lur` report: per speaker, the overall and per-stm-label reference words and %WE. */
export function renderLur(res: ScoreResult, title: string, labelInfo: readonly StmLabel[] = []): string {
  const t = lurTable(res, labelInfo);
  // sclite prints the word counts of Mean/StdDev/Median truncated to integers.
  const fmt = (c: LurCell): string =>
    c.segments === 0 ? '' : c.words === 0 && !Number.isNaN(c.errors) ? `0 *${c.errors}*`.padStart(16) : `[${Math.trunc(c.words)}]`.padStart(7) + ` ${c.we === undefined ? '-' : scliteFixed(c.we, 1)}`.padStart(9);
  const w = 16;
  // Columns are the stm labels, as in sclite (an "Overall" label usually covers every segment).
  const cols = (r: { overall: LurCell; cells: LurCell[] }): LurCell[] => (t.labels.length ? r.cells : [r.overall]);
  const titles = t.labels.length ? t.labels.map((l) => l.title) : ['all segments'];
  const head = ['SPKR'.padEnd(w), ...titles.map((x) => x.slice(0, 16).padStart(16))];
  const out: string[] = [`LABELLED UTTERANCE REPORT (lur): ${title}`, ''];
  for (const l of t.labels) out.push(`  ${l.title.padEnd(16)} -> ${l.description}`);
  out.push('', `| ${head.join(' | ')} |`, `| ${' '.repeat(w)} | ${titles.map(() => '   #Wrd     %WE'.padStart(16)).join(' | ')} |`);
  const line = (label: string, r: { overall: LurCell; cells: LurCell[] }): string =>
    `| ${label.padEnd(w)} | ${cols(r).map((c) => fmt(c).padStart(16)).join(' | ')} |`;
  const rule = '-'.repeat(out[out.length - 1]!.length);
  out.push(rule);
  for (const r of t.rows) out.push(line(r.speaker, r));
  out.push(rule.replace(/-/g, '='), line('Set Sum/Avg', t.sum), line('Mean', t.stats.mean), line('StdDev', t.stats.sd), line('Median', t.stats.median));
  out.push('', '*N*: the speaker has no reference words here; N is the number of errors. Mean/StdDev/Median leave such speakers out.');
  if (t.labels.length === 0) out.push('(no stm labels: the reference is not an stm file or its segments have no <labels>)');
  return `${escapeControl(out.join('\n'), true)}\n`;
}

function sgmlOps(ops: readonly AlignOp[]): string {
  const q = (s: string | undefined): string => (s === undefined ? '' : `"${escapeXml(s)}"`);
  return ops.map((o) => `${o.type},${q(o.ref)},${q(o.hyp)}`).join(':');
}

/** sclite's `sgml` alignment file. */
export function renderSgml(res: ScoreResult, title: string, refFile: string, hypFile: string): string {
  const bySpeaker = bySpeakerInSummaryOrder(res);
  // sclite's `sequence` is the alignment's place in the whole file (hypothesis order for trn), not within its speaker.
  const sequence = new Map(requireAlignments(res).map((u, i) => [u, i]));
  const fold = caseFolder(res.markup);
  const out: string[] = [
    `<SYSTEM title="${escapeXml(title)}" ref_fname="${escapeXml(refFile)}" hyp_fname="${escapeXml(hypFile)}" creation_date="${new Date().toUTCString()}" format="2.4" frag_corr="${res.markup.fragments ? 'TRUE' : 'FALSE'}" opt_del="${res.markup.optionalDeletable ? 'TRUE' : 'FALSE'}" weight_ali="${res.wordWeights ? 'TRUE' : 'FALSE'}" weight_filename="${res.wordWeights ? escapeXml(res.wordWeights.name) : ''}">`,
  ];
  for (const [spk, utts] of bySpeaker) {
    out.push(`<SPEAKER id="${escapeXml(spk)}">`);
    for (const u of utts) {
      const attrs = [`id="(${escapeXml(fold(u.id))})"`, `word_cnt="${(u.ops ?? []).length}"`];
      if (u.labels?.length) attrs.push(`labels="&lt;${escapeXml(u.labels.join(',').toLowerCase())}&gt;"`);
      if (u.file !== undefined) attrs.push(`file="${escapeXml(u.file)}"`, `channel="${escapeXml(u.channel ?? '')}"`);
      attrs.push(`sequence="${sequence.get(u)}"`);
      if (res.markup.caseSensitive) attrs.push('case_sense="1"'); // as sclite -s writes it
      if (u.begin !== undefined) attrs.push(`R_T1="${u.begin.toFixed(3)}"`, `R_T2="${(u.end ?? u.begin).toFixed(3)}"`);
      out.push(`<PATH ${attrs.join(' ')}>`, sgmlOps(u.ops ?? []), '</PATH>');
    }
    out.push('</SPEAKER>');
  }
  out.push('</SYSTEM>');
  return `${out.join('\n')}\n`;
}
