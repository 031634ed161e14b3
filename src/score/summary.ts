import type { ErrorCounts } from './types.ts';
import { addCounts, emptyCounts, errorCount } from './metrics.ts';

/** Totals of one speaker (or of the whole set). */
export interface SpeakerStats {
  speaker: string;
  sentences: number;
  /** Sentences with at least one error (sclite's S.Err numerator). */
  sentenceErrors: number;
  counts: ErrorCounts;
}

/** Accumulates per-speaker totals while utterances stream past. */
export class SpeakerTable {
  private readonly bySpeaker = new Map<string, SpeakerStats>();

  add(speaker: string, c: ErrorCounts): void {
    let s = this.bySpeaker.get(speaker);
    if (!s) {
      s = { speaker, sentences: 0, sentenceErrors: 0, counts: emptyCounts() };
      this.bySpeaker.set(speaker, s);
    }
    s.sentences++;
    if (errorCount(c) > 0) s.sentenceErrors++;
    addCounts(s.counts, c);
  }

  /**
   * Puts the speakers in `order` first, in that order, the others after them as they were: sclite
   * lists speakers in the order they first appear in the hypothesis file (measured, trn input).
   */
  reorder(order: Iterable<string>): void {
    const before = new Map(this.bySpeaker);
    this.bySpeaker.clear();
    for (const k of order) {
      const s = before.get(k);
      if (s) {
        this.bySpeaker.set(k, s);
        before.delete(k);
      }
    }
    for (const [k, s] of before) this.bySpeaker.set(k, s);
  }

  /** Speakers in order of first appearance while scoring, unless reordered (see `reorder`). */
  rows(): SpeakerStats[] {
    return [...this.bySpeaker.values()];
  }

  total(): SpeakerStats {
    const t: SpeakerStats = { speaker: 'Sum/Avg', sentences: 0, sentenceErrors: 0, counts: emptyCounts() };
    for (const s of this.bySpeaker.values()) {
      t.sentences += s.sentences;
      t.sentenceErrors += s.sentenceErrors;
      addCounts(t.counts, s.counts);
    }
    return t;
  }
}

/** One line of the sclite-style table: counts of sentences and words, the rest in percent. */
export interface SummaryLine {
  label: string;
  sentences: number;
  words: number;
  corr: number;
  sub: number;
  del: number;
  ins: number;
  err: number;
  sentErr: number;
  /**
   * The speaker has no reference words: corr/sub/del/ins/err are then word counts, not percents
   * (sclite prints them with `*`), and the Mean/S.D./Median of those columns leave the speaker out.
   */
  noRef?: boolean;
}

export interface Summary {
  speakers: SummaryLine[];
  sum: SummaryLine;
  mean: SummaryLine;
  sd: SummaryLine;
  median: SummaryLine;
}

/**
 * Percent of N as sclite computes it (SCTK sctk.h `pct`: `(double)num / (double)dem * 100.0`, divide
 * first). Multiplying first can land on the other side of a printed tie: 2300/80 is 28.75 exactly
 * (printed 28.8), 23/80*100 is 28.749999999999996, which sclite prints 28.7. 0 over 0 is 0.0.
 */
export function sclitePct(x: number, n: number): number {
  if (n === 0) return x === 0 ? 0 : Infinity;
  return (x / n) * 100;
}
const pct = sclitePct;

/**
 * sclite's rounding before printing (SCTK sctk.h `F_ROUND(n, p)`): `(int)(n * 10^p ± 0.5) / 10^p`,
 * half away from zero on the double as computed, then printed with `%.{p}f`. A mean that should be
 * 43.75 but is 43.749999999999993 in double prints 43.7, as sclite prints it.
 */
export function scliteRound(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.trunc(x * f + (x > 0 ? 0.5 : -0.5)) / f;
}

/** A number as sclite prints it: `F_ROUND` then `%.{digits}f`; `inf` when not finite. */
export function scliteFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return 'inf';
  const s = scliteRound(x, digits).toFixed(digits);
  return s.startsWith('-') && Number(s) === 0 ? s.slice(1) : s;
}

export function summaryLine(s: SpeakerStats): SummaryLine {
  const c = s.counts;
  if (c.ref === 0) {
    return {
      label: s.speaker,
      sentences: s.sentences,
      words: 0,
      corr: c.hits,
      sub: c.sub,
      del: c.del,
      ins: c.ins,
      err: errorCount(c),
      sentErr: pct(s.sentenceErrors, s.sentences),
      noRef: true,
    };
  }
  return {
    label: s.speaker,
    sentences: s.sentences,
    words: c.ref,
    corr: pct(c.hits, c.ref),
    sub: pct(c.sub, c.ref),
    del: pct(c.del, c.ref),
    ins: pct(c.ins, c.ref),
    err: pct(errorCount(c), c.ref),
    sentErr: pct(s.sentenceErrors, s.sentences),
  };
}

/** Columns over every speaker, and the rate columns only over speakers with reference words (sclite). */
const ALL_FIELDS = ['sentences', 'words', 'sentErr'] as const;
const RATE_FIELDS = ['corr', 'sub', 'del', 'ins', 'err'] as const;

function across(label: string, lines: SummaryLine[], f: (xs: number[]) => number): SummaryLine {
  const out = { label } as SummaryLine;
  for (const k of ALL_FIELDS) out[k] = f(lines.map((l) => l[k]));
  const rated = lines.filter((l) => !l.noRef);
  for (const k of RATE_FIELDS) out[k] = f(rated.map((l) => l[k]));
  return out;
}

export function mean(xs: number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (n − 1), as sclite prints. */
export function sampleSd(xs: number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

export function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * True when sclite's Mean/S.D./Median rate columns are not over the speakers with reference words.
 * SCTK 2.4.10 print_system_summary removes a speaker without reference words by shifting the later
 * rows up, but tests `word_num_arr[spkr]` on the unshifted array and moves on to `spkr + 1`: the
 * second such speaker removes the row after it and stays. Simulated on row indices here.
 */
export function scliteDropsOthers(noRef: readonly boolean[]): boolean {
  const rows = noRef.map((_, k) => k);
  for (let spkr = 0; spkr < noRef.length; spkr++) {
    if (noRef[spkr]) {
      rows.splice(spkr, 1);
      rows.push(-1);
    }
  }
  const kept = rows.slice(0, noRef.length - noRef.filter(Boolean).length);
  return kept.some((k) => k < 0 || noRef[k]) || kept.length !== new Set(kept).size;
}

export function summarise(table: SpeakerTable): Summary {
  const speakers = table.rows().map(summaryLine);
  return {
    speakers,
    sum: summaryLine(table.total()),
    mean: across('Mean', speakers, mean),
    sd: across('S.D.', speakers, sampleSd),
    median: across('Median', speakers, median),
  };
}

const fmt = scliteFixed;

/**
 * Renders the table like sclite's `sum` report (plain text, fixed width). With `nce` (NCE per speaker
 * and set, src/score/nce.ts) an NCE column follows, as sclite adds one when the hypotheses carry
 * confidences: 3 decimals, `#` for a speaker without reference words; Mean/S.D./Median over every
 * speaker's value (sclite's).
 */
export function renderSummary(s: Summary, title: string, nce?: { system: number; speakers: Map<string, number> }): string {
  const labelW = Math.max(8, ...s.speakers.map((l) => l.label.length));
  const nceValues = nce ? s.speakers.map((l) => nce.speakers.get(l.label) ?? 0) : [];
  const nceOf = new Map<SummaryLine, string>();
  if (nce) {
    s.speakers.forEach((l, k) => nceOf.set(l, l.noRef ? '#' : fmt(nceValues[k]!, 3)));
    nceOf.set(s.sum, fmt(nce.system, 3));
    nceOf.set(s.mean, fmt(mean(nceValues), 3));
    nceOf.set(s.sd, fmt(sampleSd(nceValues), 3));
    nceOf.set(s.median, fmt(median(nceValues), 3));
  }
  // sclite marks the Mean/S.D./Median rate columns `+` (and NCE `#`) when speakers were left out.
  const zero = s.speakers.some((l) => l.noRef);
  const statRows = new Set([s.mean, s.sd, s.median]);
  const mark = (l: SummaryLine, m: string): string => (zero && statRows.has(l) ? m : '');
  const nceCell = (l: SummaryLine): string => (nce ? ` ${((nceOf.get(l) ?? '') + mark(l, '#')).padStart(7)} |` : '');
  const row = (l: SummaryLine, intDigits: number): string =>
    `| ${l.label.padEnd(labelW)} | ${fmt(l.sentences, intDigits).padStart(5)} ${fmt(l.words, intDigits).padStart(7)} | ` +
    [l.corr, l.sub, l.del, l.ins, l.err].map((x) => (l.noRef ? `${x}*` : fmt(x, 1) + mark(l, '+')).padStart(6)).join(' ') +
    ` ${fmt(l.sentErr, 1).padStart(6)} |` + nceCell(l);
  const head =
    `| ${'SPKR'.padEnd(labelW)} | ${'# Snt'.padStart(5)} ${'# Wrd'.padStart(7)} | ` +
    ['Corr', 'Sub', 'Del', 'Ins', 'Err', 'S.Err'].map((x) => x.padStart(6)).join(' ') +
    ' |' + (nce ? `${'NCE'.padStart(8)} |` : '');
  const width = head.length;
  const rule = (ch: string): string => `|${ch.repeat(width - 2)}|`;
  const lines: string[] = [];
  lines.push(`,${'-'.repeat(width - 2)}.`);
  const t = title.length > width - 4 ? `…${title.slice(-(width - 5))}` : title;
  const padL = Math.floor((width - 2 - t.length) / 2);
  lines.push(`|${' '.repeat(padL)}${t}${' '.repeat(width - 2 - padL - t.length)}|`);
  lines.push(rule('-'));
  lines.push(head);
  lines.push(rule('-'));
  s.speakers.forEach((l, i) => {
    if (i > 0) lines.push(rule('-'));
    lines.push(row(l, 0));
  });
  lines.push(rule('='));
  lines.push(row(s.sum, 0));
  lines.push(rule('='));
  lines.push(row(s.mean, 1));
  lines.push(row(s.sd, 1));
  lines.push(row(s.median, 1));
  lines.push(`\`${'-'.repeat(width - 2)}'`);
  if (zero) {
    lines.push('* No reference words for this speaker: word counts rather than percents;');
    lines.push('+ Mean/S.D./Median of Corr..Err leave such speakers out (as sclite does).');
    if (scliteDropsOthers(s.speakers.map((l) => !!l.noRef))) {
      lines.push('  sclite 2.4.10 prints other values in these + columns here: with two or more such speakers its');
      lines.push('  removal loop drops the wrong rows (print_system_summary indexes the unshifted word counts).');
    }
  }
  return `${lines.join('\n')}\n`;
}
