/**
 * The service-card model: what every renderer (Markdown, CSV, JSON, HTML) prints. Statistics come
 * from src/analysis/groups.ts; this module only chooses, labels, flags and (in publish mode) suppresses.
 */
import { analyseGroups, DEFAULT_MIN_CELL, type GroupRow, type GroupTable, type MinCell } from '../analysis/groups.ts';
import { analyseSlices, sliceOf } from '../analysis/slices.ts';
import type { ScoredUtterance } from '../analysis/types.ts';
import { groupOf } from '../manifest/schema.ts';
import type { Interval, PAdjustMethod } from '../stats/types.ts';
import type { RunMeta } from './run-export.ts';

export interface CardOptions {
  /** Label key of the main group table. */
  groupBy: string;
  /** Intersectional slice keys (e.g. ['accent', 'gender']): one extra table per backend × condition. */
  slices?: string[];
  bootstrap?: number;
  seed?: number;
  minCell?: MinCell;
  correction?: Exclude<PAdjustMethod, 'none'>;
  /** Significance level of the "significant gap" flag (default 0.05). */
  alpha?: number;
  /** Publish mode: small cells are suppressed (values removed), not just marked. */
  publish?: boolean;
  /** Time stamp printed on the card (default: now). */
  generatedAt?: string;
  /** Version of asrfair making the report. */
  toolVersion?: string;
}

export type CardFlag = 'small-cell' | 'significant-gap' | 'best';

/** One group of one table. In publish mode a small cell has `suppressed: true` and every value null. */
export interface CardRow {
  group: string;
  suppressed: boolean;
  flags: CardFlag[];
  speakers: number | null;
  utterances: number | null;
  failed: number | null;
  hours: number | null;
  refWords: number | null;
  wer: Interval | null;
  meanSpeakerWer: number | null;
  cer: number | null;
  per: number | null;
  gapToBest: Interval | null;
  ratioToBest: Interval | null;
  /** Raw and corrected p of the speaker-level permutation test, group vs rest. */
  p: number | null;
  pAdjusted: number | null;
  /** Pooled WER(group) − WER(rest) the permutation test is about. */
  diffToRest: number | null;
}

export interface CardTable {
  /** Stable id (for anchors and file names). */
  id: string;
  kind: 'group' | 'slice';
  /** Label key (group tables) or the slice keys joined with ×. */
  groupBy: string;
  /** Label keys the rows are grouped by (one for group tables, several for slices). */
  keys: string[];
  backend: string;
  backendName: string;
  condition: string;
  conditionName: string;
  bestGroup: string;
  overall: Omit<CardRow, 'group' | 'suppressed' | 'flags' | 'gapToBest' | 'ratioToBest' | 'p' | 'pAdjusted' | 'diffToRest'>;
  rows: CardRow[];
}

export interface ServiceCard {
  title: string;
  meta: RunMeta;
  settings: {
    groupBy: string;
    slices: string[];
    bootstrap: number;
    seed: number;
    minCell: MinCell;
    correction: Exclude<PAdjustMethod, 'none'>;
    alpha: number;
    publish: boolean;
  };
  generatedAt: string;
  toolVersion: string;
  tables: CardTable[];
  footnotes: string[];
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'x';
}

function toRow(r: GroupRow, best: string, alpha: number, publish: boolean): CardRow {
  const flags: CardFlag[] = [];
  if (r.smallCell) flags.push('small-cell');
  if (r.group === best) flags.push('best');
  const significant = r.permutation.pAdjusted < alpha && r.permutation.diff > 0;
  if (significant) flags.push('significant-gap');
  if (publish && r.smallCell) {
    return {
      group: r.group, suppressed: true, flags: ['small-cell'],
      speakers: null, utterances: null, failed: null, hours: null, refWords: null, wer: null, meanSpeakerWer: null,
      cer: null, per: null, gapToBest: null, ratioToBest: null, p: null, pAdjusted: null, diffToRest: null,
    };
  }
  return {
    group: r.group,
    suppressed: false,
    flags,
    speakers: r.speakers,
    utterances: r.utterances,
    failed: r.failed,
    hours: r.hours,
    refWords: r.refWords,
    wer: r.wer,
    meanSpeakerWer: r.meanSpeakerWer,
    cer: r.cer,
    per: r.per ?? null,
    gapToBest: r.gapToBest,
    ratioToBest: r.ratioToBest,
    p: r.permutation.p,
    pAdjusted: r.permutation.pAdjusted,
    diffToRest: r.permutation.diff,
  };
}

function toTable(t: GroupTable, kind: CardTable['kind'], keys: string[], meta: RunMeta, alpha: number, publish: boolean): CardTable {
  const backendName = meta.backends.find((b) => b.key === t.backend)?.name ?? t.backend;
  const conditionName = meta.conditions.find((c) => c.key === t.condition)?.name ?? t.condition;
  const o = t.overall;
  return {
    id: slug(`${kind}-${t.groupBy}-${backendName}-${t.backend}-${t.condition}`),
    kind,
    groupBy: t.groupBy,
    keys,
    backend: t.backend,
    backendName,
    condition: t.condition,
    conditionName,
    bestGroup: t.bestGroup,
    overall: {
      speakers: o.speakers, utterances: o.utterances, failed: o.failed, hours: o.hours, refWords: o.refWords,
      wer: o.wer, meanSpeakerWer: o.meanSpeakerWer, cer: o.cer, per: o.per ?? null,
    },
    // Worst-served first: the order a reader of a fairness card needs.
    rows: t.rows.map((r) => toRow(r, t.bestGroup, alpha, publish)).sort(
      (a, b) => Number(a.suppressed) - Number(b.suppressed) || (b.wer?.estimate ?? 0) - (a.wer?.estimate ?? 0) || a.group.localeCompare(b.group),
    ),
  };
}

function footnotesFor(meta: RunMeta, s: ServiceCard['settings'], generatedAt: string, toolVersion: string): string[] {
  const c = meta.corpus;
  const notes: string[] = [];
  if (c.synthetic) {
    notes.push(
      'Synthetic accents: the voices in this corpus are text-to-speech voices, not people. Differences measure the recogniser on synthetic speech and are no claim about any human group.',
    );
  }
  notes.push(`Corpus: ${c.name}${c.version ? ` version ${c.version}` : ''}, hash ${c.hash}${c.description ? ` (${c.description})` : ''}.`);
  notes.push(`Run ${meta.runId} of ${meta.createdAt} (asrfair ${meta.toolVersion}); card generated ${generatedAt} by asrfair ${toolVersion}.`);
  notes.push(`Normaliser: ${meta.normaliser.name} version ${meta.normaliser.version}. Alignment cost model: ${meta.costModel === 'sclite' ? 'sclite (sub 4, ins 3, del 3; counts equal NIST sclite)' : 'unit (plain Levenshtein 1/1/1)'}.`);
  for (const b of meta.backends) notes.push(`Backend ${b.name}${b.model ? ` model ${b.model}` : ''}${b.version ? ` version ${b.version}` : ''} (key ${b.key}).`);
  const conds = meta.conditions.map((x) => (x.description ? `${x.name} (${x.description})` : x.name));
  if (conds.length) notes.push(`Conditions: ${conds.join('; ')}.`);
  notes.push(
    `WER = Σ(S+D+I)/Σ reference words over the cell. 95% intervals: speaker-cluster bootstrap, ${s.bootstrap} resamples, seed ${s.seed}. Gap and ratio are to the best group meeting the minimum cell rule.`,
  );
  notes.push(
    `p: speaker-level permutation test of the group against all other groups, adjusted with ${s.correction === 'holm' ? 'Holm' : 'Benjamini–Hochberg'} across every group of every backend and condition (slices: across the slices meeting the minimum cell in their table); "significant gap" = adjusted p < ${s.alpha} and the group is worse than the rest.`,
  );
  notes.push(`Minimum cell: ${s.minCell.speakers} speakers and ${s.minCell.words} reference words; smaller cells are marked "small cell".`);
  if (s.publish) notes.push('— = suppressed: the cell is below the minimum cell rule, so its values are not published.');
  const seeds = Object.entries(meta.seeds);
  if (seeds.length) notes.push(`Run seeds: ${seeds.map(([k, v]) => `${k}=${v}`).join(', ')}.`);
  notes.push(`Groups are self-declared labels; undeclared speakers form the group "undeclared". Failed utterances are counted and excluded from rates.`);
  if (meta.intendedUse) notes.push(`Intended use: ${meta.intendedUse}`);
  for (const l of meta.limits) notes.push(`Limit: ${l}`);
  for (const cf of meta.confounders) notes.push(`Possible confounder: ${cf}`);
  return notes;
}

/** Builds the service card of a run: one table per backend × condition for `groupBy` and for the slice. */
export function buildServiceCard(meta: RunMeta, utts: readonly ScoredUtterance[], options: CardOptions): ServiceCard {
  const settings: ServiceCard['settings'] = {
    groupBy: options.groupBy,
    slices: options.slices ?? [],
    bootstrap: options.bootstrap ?? 2000,
    seed: options.seed ?? 1,
    minCell: options.minCell ?? DEFAULT_MIN_CELL,
    correction: options.correction ?? 'holm',
    alpha: options.alpha ?? 0.05,
    publish: options.publish ?? false,
  };
  const common = {
    resamples: settings.bootstrap,
    permutations: settings.bootstrap,
    seed: settings.seed,
    minCell: settings.minCell,
    alpha: settings.alpha,
  };
  const groupTables = analyseGroups(utts, { ...common, adjust: settings.correction, groupBy: settings.groupBy });
  // Slices are corrected for the number of slices tried within their own table (analyseSlices).
  const sliceTables = settings.slices.length ? analyseSlices(utts, { ...common, keys: settings.slices, correction: settings.correction }) : [];
  const generatedAt = options.generatedAt ?? new Date().toISOString();
  const toolVersion = options.toolVersion ?? meta.toolVersion;
  const tables = [
    ...groupTables.map((t) => toTable(t, 'group', [settings.groupBy], meta, settings.alpha, settings.publish)),
    ...sliceTables.map((t) => toTable(t, 'slice', [...settings.slices], meta, settings.alpha, settings.publish)),
  ];
  const synthetic = meta.corpus.synthetic ? ' (synthetic accents)' : '';
  return {
    title: `Accuracy by ${settings.groupBy} — ${meta.corpus.name}${synthetic}`,
    meta,
    settings,
    generatedAt,
    toolVersion,
    tables,
    footnotes: footnotesFor(meta, settings, generatedAt, toolVersion),
  };
}

/** Groups whose rows are not suppressed (the only ones a published page may show utterances of). */
export function visibleGroups(t: CardTable): Set<string> {
  return new Set(t.rows.filter((r) => !r.suppressed).map((r) => r.group));
}

/** Row label of an utterance in a table (the slice name for slice tables). */
export function groupLabelOf(u: ScoredUtterance, t: Pick<CardTable, 'kind' | 'keys'>): string {
  return t.kind === 'slice' ? sliceOf(u, t.keys) : groupOf(u, t.keys[0]);
}
