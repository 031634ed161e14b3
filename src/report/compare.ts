import { comparePaired, type PairedComparison, type PairedResult } from '../analysis/paired.ts';
import { adjustPValues } from '../stats/multiple.ts';
import { fmtGap, fmtInt, fmtP, fmtPct } from './format.ts';
import { mdEscape } from './render-md.ts';
import type { LoadedRun } from '../score/run-export.ts';

export interface CompareOptions {
  groupBy?: string;
  /** Backend key (or name) of run A / run B; may be left out when the run has one backend. */
  backendA?: string;
  backendB?: string;
  /** Conditions compared (default: every condition both sides have). */
  conditions?: string[];
  bootstrap?: number;
  seed?: number;
  correction?: 'holm' | 'bh';
}

export interface CompareSide {
  runId: string;
  backend: string;
  backendName: string;
  corpus: string;
  corpusHash: string;
}

export interface CompareGroupRow extends PairedResult {
  group: string;
  signPAdjusted: number;
  mapsswePAdjusted: number;
}

export interface CompareTable {
  condition: string;
  conditionName: string;
  overall: PairedComparison;
  groups: CompareGroupRow[];
}

export interface RunComparison {
  a: CompareSide;
  b: CompareSide;
  groupBy: string;
  settings: { bootstrap: number; seed: number; correction: 'holm' | 'bh' };
  tables: CompareTable[];
  notes: string[];
}

/** Error thrown for a selection the user must fix (unknown backend, nothing shared). */
export class CompareSelectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function pickBackend(run: LoadedRun, wanted: string | undefined, side: 'A' | 'B'): { key: string; name: string } {
  const present = [...new Set(run.utterances.map((u) => u.backend))];
  const described = (key: string) => ({ key, name: run.meta.backends.find((b) => b.key === key)?.name ?? key });
  if (wanted) {
    const hit = present.find((k) => k === wanted) ?? present.find((k) => described(k).name === wanted);
    if (!hit) throw new CompareSelectionError(`run ${side} (${run.dir}) has no backend "${wanted}"; it has: ${present.join(', ') || 'none'}`);
    return described(hit);
  }
  if (present.length !== 1) {
    throw new CompareSelectionError(`run ${side} (${run.dir}) has ${present.length} backends (${present.join(', ')}); choose one with --backend-${side.toLowerCase()}`);
  }
  return described(present[0]);
}

/** Paired comparison A − B on the utterances both runs scored, per condition, overall and per group. */
export function compareRuns(a: LoadedRun, b: LoadedRun, options: CompareOptions = {}): RunComparison {
  const groupBy = options.groupBy ?? 'accent';
  const settings = { bootstrap: options.bootstrap ?? 2000, seed: options.seed ?? 1, correction: options.correction ?? 'holm' };
  const ba = pickBackend(a, options.backendA, 'A');
  const bb = pickBackend(b, options.backendB, 'B');
  const condsA = new Set(a.utterances.filter((u) => u.backend === ba.key).map((u) => u.condition));
  const condsB = new Set(b.utterances.filter((u) => u.backend === bb.key).map((u) => u.condition));
  const shared = [...condsA].filter((c) => condsB.has(c)).sort();
  const conditions = options.conditions ?? shared;
  for (const c of conditions) {
    if (!shared.includes(c)) throw new CompareSelectionError(`condition "${c}" is not in both runs (shared: ${shared.join(', ') || 'none'})`);
  }
  if (!conditions.length) throw new CompareSelectionError('the two runs share no condition: nothing to compare');
  const notes: string[] = [];
  if (a.meta.corpus.hash !== b.meta.corpus.hash) notes.push(`Corpus hashes differ (A ${a.meta.corpus.hash}, B ${b.meta.corpus.hash}): only utterance ids present in both are compared.`);
  if (a.meta.normaliser.name !== b.meta.normaliser.name || a.meta.normaliser.version !== b.meta.normaliser.version) {
    notes.push(`Normalisers differ (A ${a.meta.normaliser.name} v${a.meta.normaliser.version}, B ${b.meta.normaliser.name} v${b.meta.normaliser.version}): differences may come from normalisation.`);
  }
  if (JSON.stringify(a.meta.scoring ?? null) !== JSON.stringify(b.meta.scoring ?? null)) {
    const how = (m: typeof a.meta): string =>
      m.scoring ? `markup ${m.scoring.markup.convention}${m.scoring.glm ? `, GLM ${m.scoring.glm.name} sha256 ${m.scoring.glm.sha256.slice(0, 12)}` : ', no GLM'}` : 'not recorded';
    notes.push(`Transcript markup or GLM settings differ (A ${how(a.meta)}; B ${how(b.meta)}; see each run.json "scoring"): differences may come from how texts were read.`);
  }
  const tables: CompareTable[] = conditions.map((condition) => {
    const ua = a.utterances.filter((u) => u.backend === ba.key && u.condition === condition);
    const ub = b.utterances.filter((u) => u.backend === bb.key && u.condition === condition);
    const overall = comparePaired(ua, ub, { resamples: settings.bootstrap, seed: settings.seed, groupBy });
    const gs = overall.groups ?? [];
    const signAdj = adjustPValues(gs.map((g) => g.sign.p), settings.correction);
    const mapAdj = adjustPValues(gs.map((g) => g.mapsswe.p), settings.correction);
    return {
      condition,
      conditionName: a.meta.conditions.find((c) => c.key === condition)?.name ?? condition,
      overall,
      groups: gs.map((g, i) => ({ ...g, signPAdjusted: signAdj[i], mapsswePAdjusted: mapAdj[i] })),
    };
  });
  const side = (r: LoadedRun, bk: { key: string; name: string }): CompareSide => ({
    runId: r.meta.runId, backend: bk.key, backendName: bk.name, corpus: r.meta.corpus.name, corpusHash: r.meta.corpus.hash,
  });
  notes.push(
    `Differences are A − B (negative: A makes fewer errors). CI: paired speaker bootstrap, ${settings.bootstrap} resamples, seed ${settings.seed}. ` +
      `Sign test on per-speaker WER differences; MAPSSWE (sclite sc_stats) with one segment per utterance. Adjusted p: ${settings.correction === 'holm' ? 'Holm' : 'Benjamini–Hochberg'} across the groups of a condition.`,
  );
  return { a: side(a, ba), b: side(b, bb), groupBy, settings, tables, notes };
}

interface Line {
  group: string;
  r: PairedResult;
  signAdj?: number;
  mapAdj?: number;
}

function linesOf(t: CompareTable): Line[] {
  return [...t.groups.map((g) => ({ group: g.group, r: g, signAdj: g.signPAdjusted, mapAdj: g.mapsswePAdjusted })), { group: 'All groups', r: t.overall }];
}

const HEAD = ['Group', 'Speakers', 'Utts', 'WER A', 'WER B', 'A − B [95% CI]', 'Sign p', 'MAPSSWE p', 'Adj. sign p', 'Adj. MAPSSWE p'];

function cells(l: Line): string[] {
  return [
    l.group, fmtInt(l.r.speakers), fmtInt(l.r.utterances), fmtPct(l.r.werA), fmtPct(l.r.werB), fmtGap(l.r.diff),
    fmtP(l.r.sign.p), fmtP(l.r.mapsswe.p), l.signAdj === undefined ? '' : fmtP(l.signAdj), l.mapAdj === undefined ? '' : fmtP(l.mapAdj),
  ];
}

function title(c: RunComparison): string {
  return `A = ${c.a.backendName} (run ${c.a.runId}) vs B = ${c.b.backendName} (run ${c.b.runId}), by ${c.groupBy}`;
}

/** Plain-text table for the terminal (columns padded; control characters in labels removed). */
export function renderCompareText(c: RunComparison): string {
  const out = [title(c)];
  for (const t of c.tables) {
    const o = t.overall;
    out.push('', `Condition ${t.conditionName}: ${o.utterances} paired utterances (${o.onlyInA} only in A, ${o.onlyInB} only in B, ${o.failedPairs} with a failure left out)`);
    const rows = [HEAD, ...linesOf(t).map(cells)].map((r) => r.map((s) => s.replace(/[\u0000-\u001f\u007f]/g, ' ')));
    const widths = HEAD.map((_, i) => Math.max(...rows.map((r) => [...r[i]].length)));
    for (const r of rows) out.push(r.map((s, i) => (i === 0 ? s.padEnd(widths[i]) : s.padStart(widths[i]))).join('  ').trimEnd());
  }
  out.push('', ...c.notes);
  return out.join('\n') + '\n';
}

export function renderCompareMarkdown(c: RunComparison): string {
  const out = [`# Paired comparison`, '', mdEscape(title(c)), ''];
  for (const t of c.tables) {
    out.push(`## Condition ${mdEscape(t.conditionName)}`, '', `| ${HEAD.join(' | ')} |`, `|${HEAD.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`);
    for (const l of linesOf(t)) out.push(`| ${cells(l).map((s, i) => (i === 0 ? mdEscape(s) : s)).join(' | ')} |`);
    out.push('');
  }
  out.push('## Notes', '', ...c.notes.map((n, i) => `${i + 1}. ${mdEscape(n)}`), '');
  return out.join('\n');
}

export function renderCompareJson(c: RunComparison): string {
  return JSON.stringify({ format: 'asrfair-comparison', formatVersion: 1, ...c }, null, 2) + '\n';
}
