import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { SummaryLine } from '../../src/score/summary.ts';

export const SCLITE = '/usr/lib/sctk/bin/sclite';
export const scliteAvailable = existsSync(SCLITE);

export interface ScliteUtterance {
  id: string;
  hits: number;
  sub: number;
  del: number;
  ins: number;
}

/** A row of sclite's `sum` report, in the same shape as our summary lines (speaker instead of label). */
export type ScliteSpeakerRow = Omit<SummaryLine, 'label'> & { speaker: string };

export interface ScliteOutput {
  utterances: Map<string, ScliteUtterance>;
  /** `sum` report: percentages (1 decimal). */
  speakers: ScliteSpeakerRow[];
  sum: ScliteSpeakerRow;
  /** `rsum` report: raw counts (corr = hits, sentErr = sentences with an error). */
  rawSpeakers: ScliteSpeakerRow[];
  rawSum: ScliteSpeakerRow;
  /** Mean, S.D. and Median rows of the `sum` (percent) report. */
  pctStats: Map<string, ScliteSpeakerRow>;
  /** Aligned operations per utterance from the SGML report, e.g. `S:b:x`, `D:the:`, `I::uh`. */
  ops: Map<string, string[]>;
}

/** Runs Debian's sclite (case-sensitive, speaker ids as `-i rm`) and parses its `sum` and `pra` reports. */
export function runSclite(refTrn: string, hypTrn: string): ScliteOutput {
  const res = spawnSync(SCLITE, ['-s', '-r', refTrn, 'trn', '-h', hypTrn, 'trn', '-i', 'rm', '-o', 'sum', 'rsum', 'pra', 'sgml', 'stdout'], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (res.status !== 0) throw new Error(`sclite failed (${res.status}): ${res.stderr}`);
  return parseScliteOutput(res.stdout);
}

export function parseScliteOutput(out: string): ScliteOutput {
  const utterances = new Map<string, ScliteUtterance>();
  let id: string | undefined;
  let rows: ScliteSpeakerRow[] = [];
  let speakers: ScliteSpeakerRow[] = [];
  let rawSpeakers: ScliteSpeakerRow[] = [];
  let sum: ScliteSpeakerRow | undefined;
  let rawSum: ScliteSpeakerRow | undefined;
  const pctStats = new Map<string, ScliteSpeakerRow>();
  let lastTotal = '';
  const ops = new Map<string, string[]>();
  let pathId: string | undefined;
  for (const line of out.split('\n')) {
    const pm = /^<PATH id="\((.*)\)"/.exec(line);
    if (pm) {
      pathId = pm[1];
      ops.set(pathId, []);
      continue;
    }
    if (pathId !== undefined) {
      if (line !== '</PATH>' && line !== '') {
        // Tokens here never contain quotes, commas or colons (generated vocabulary).
        ops.set(pathId, line.split(':').map((op) => op.replace(/"/g, '').replace(/,/g, ':')));
      }
      if (line === '</PATH>') pathId = undefined;
      continue;
    }
    const idm = /^id: \((.*)\)$/.exec(line);
    if (idm) {
      id = idm[1];
      continue;
    }
    const sm = /^Scores: \(#C #S #D #I\) (\d+) (\d+) (\d+) (\d+)/.exec(line);
    if (sm && id !== undefined) {
      utterances.set(id, { id, hits: +sm[1], sub: +sm[2], del: +sm[3], ins: +sm[4] });
      id = undefined;
      continue;
    }
    const rm = /^\s*\|\s*(\S[^|]*?)\s*\|\s*([\d.]+)\s+([\d.]+)\s*\|\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\|(?:\s*-?[\d.]+\s*\|)?$/.exec(line);
    if (rm) {
      const row: ScliteSpeakerRow = {
        speaker: rm[1],
        sentences: +rm[2],
        words: +rm[3],
        corr: +rm[4],
        sub: +rm[5],
        del: +rm[6],
        ins: +rm[7],
        err: +rm[8],
        sentErr: +rm[9],
      };
      // Each table lists speakers, then its total row: "Sum/Avg" (percent) or "Sum" (raw counts).
      if (row.speaker === 'Sum/Avg' || row.speaker === 'Sum') lastTotal = row.speaker;
      if (row.speaker === 'Sum/Avg') {
        [sum, speakers, rows] = [row, rows, []];
      } else if (row.speaker === 'Sum') {
        [rawSum, rawSpeakers, rows] = [row, rows, []];
      } else if (['Mean', 'S.D.', 'Median'].includes(row.speaker)) {
        if (lastTotal === 'Sum/Avg') pctStats.set(row.speaker, row);
      } else if (!['Mean', 'S.D.', 'Median'].includes(row.speaker)) rows.push(row);
    }
  }
  if (!sum || !rawSum) throw new Error('no Sum/Avg or Sum row in sclite output');
  return { utterances, speakers, sum, rawSpeakers, rawSum, pctStats, ops };
}

/**
 * Runs Debian's sclite on two trn files with `flags` (e.g. `['-c', 'NOASCII', '-e', 'utf-8']`; `-i rm` is added)
 * and returns its exit status and the per-utterance C/S/D/I of its `pra` report, keyed by the id as sclite
 * prints it (folded to lower case unless `-s`).
 */
export function scliteUtterances(refTrn: string, hypTrn: string, flags: readonly string[] = []): { status: number | null; utterances: Map<string, ScliteUtterance> } {
  const res = spawnSync(SCLITE, ['-r', refTrn, 'trn', '-h', hypTrn, 'trn', '-i', 'rm', '-o', 'pra', 'stdout', ...flags], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const utterances = new Map<string, ScliteUtterance>();
  let id: string | undefined;
  for (const line of res.stdout.split('\n')) {
    const idm = /^id: \((.*)\)$/.exec(line);
    if (idm) id = idm[1];
    const sm = /^Scores: \(#C #S #D #I\) (\d+) (\d+) (\d+) (\d+)/.exec(line);
    if (sm && id !== undefined) utterances.set(id, { id, hits: +sm[1]!, sub: +sm[2]!, del: +sm[3]!, ins: +sm[4]! });
  }
  return { status: res.status, utterances };
}

/**
 * A `pra` report's alignment lines per utterance: id → its lines whose label is one of `labels` (e.g. REF, HYP,
 * Eval; pra-case also Attributes), trailing blanks trimmed (sclite pads with one).
 */
export function praAlignments(text: string, labels: readonly string[] = ['REF', 'HYP', 'Eval']): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const line = new RegExp(`^(${labels.join('|')}):`);
  let id = '';
  for (const l of text.split('\n')) {
    const m = /^id: \((.*)\)/.exec(l);
    if (m) out.set((id = m[1]!), []);
    else if (id && line.test(l)) out.get(id)!.push(l.trimEnd());
  }
  return out;
}
