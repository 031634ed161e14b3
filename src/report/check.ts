import { fmtPct, fmtPctInterval, fmtP, fmtPMc } from './format.ts';
import type { Interval } from '../stats/types.ts';
import type { CardDegradation, CardDegradationRow, CardRow, CardTable, ServiceCard } from './model.ts';
import { backendSubsetFlag, backendSubsetLines, backendsRan, isPartial, notInRunSentences, subsetFlags, subsetSentence, type RunSubset } from '../run/subset.ts';
import { degradationHeading, tableHeading } from './render-md.ts';
import { UsageError } from '../manifest/errors.ts';

export interface CheckThresholds {
  /**
   * Largest allowed WER(group) − WER(best group), as a fraction (0.03 = 3 points). With significantOnly,
   * WER(group) − WER(rest of the groups) instead: the comparison the permutation test makes.
   */
  maxGap?: number;
  /** Largest allowed WER of any group. */
  maxWer?: number;
  /** Largest allowed WER(group) / WER(best group) (with significantOnly: WER(group) / WER(rest)). */
  groupRatio?: number;
  /**
   * Largest allowed excess degradation of a group over the rest (WER rise under a condition minus the
   * rest's rise, as a fraction). With significantOnly, only rows flagged "degrades more" count.
   */
  maxDegradationGap?: number;
  /**
   * Largest allowed share of a group's utterances lost: (failed + missing) / (scored + failed + missing),
   * per group row of every table (small cells too: a count is not an estimate). Default 0 (DEFAULT_MAX_FAILED_SHARE):
   * any failed or missing utterance fails the gate, since a group's WER over its scored utterances alone is
   * flattered by what was lost. A group with no scored utterance fails whatever this is.
   */
  maxFailedShare?: number;
  /**
   * Fail only on evidence: a gap or ratio counts only when the group is significantly worse than the
   * rest (adjusted p of the group-vs-rest permutation test < alpha), and is then measured against the
   * rest too (the same comparison as the test); a WER only when its 95% interval lies wholly above maxWer.
   */
  significantOnly?: boolean;
  /**
   * Whether cells below the minimum cell rule can fail the WER/gap/ratio thresholds (default false: they
   * are listed as "not enough data" instead, since their estimates are too unstable to gate a release
   * on). With significantOnly a small cell's gap or ratio never counts even when included: small cells are
   * not tested. Lost utterances fail a small cell either way.
   */
  includeSmallCells?: boolean;
  /**
   * Accept a run that covers part of its manifests (`run --limit N`, `run --shard i/n`) although it left out declared
   * groups of the gated keys entirely (default false: each such group fails the gate as `not-in-run`, since a gate
   * that passes on a group it never measured claims more than it checked). Likewise a run of some of its suite's
   * backends (`run --backend NAME`): each backend left out fails the gate as `backend-not-in-run` unless this is set,
   * and with it the gate concerns the backends that ran only. The subset is said either way.
   */
  allowSubset?: boolean;
}

/** The default of CheckThresholds.maxFailedShare: no failed or missing utterance is allowed. */
export const DEFAULT_MAX_FAILED_SHARE = 0;

export interface CheckViolation {
  rule: 'max-wer' | 'max-gap' | 'group-ratio' | 'max-degradation-gap' | 'max-failed-share' | 'no-scored-utterances' | 'not-in-run' | 'backend-not-in-run';
  table: string;
  backend: string;
  condition: string;
  group: string;
  value: number;
  limit: number;
  message: string;
}

/** Utterances a group lost in one table (failed calls, and items an incomplete run never did). */
export interface GroupLoss {
  /** Table heading ("backend · condition c · by key"), or "every backend × condition" for missing items. */
  table: string;
  group: string;
  /** Utterances scored (status ok). */
  scored: number;
  /** Utterances whose call failed (status failed): counted, excluded from every rate. */
  failed: number;
  /** Items the run never exported (run.json `incomplete`), over every backend × condition. */
  missing: number;
  /** (failed + missing) / (scored + failed + missing); 1 when the group has nothing. */
  share: number;
}

/** A backend of the run with no scored utterance in any group (every result of it failed): counted, not listed per group. */
export interface NothingScored {
  /** Backend name (as the card names it) and key (as violations name it). */
  backend: string;
  key: string;
  /** How its groups were grouped (the card's grouping key), for the line that counts them. */
  groupBy: string;
  /** Its results (utterance × condition), all failed. */
  results: number;
  conditions: number;
  /** Distinct groups of its group tables (the grouping key) and of its slice tables. */
  groups: number;
  slices: number;
}

export interface CheckResult {
  passed: boolean;
  /**
   * True when the gate could evaluate nothing (no group row was checked and nothing was lost): every group is below the
   * minimum cell rule, or nothing was scored. Not a verdict on a group: `check` and `run` exit 2 for it, not 1.
   */
  nothingToCheck: boolean;
  /**
   * Backends whose every result failed (nothing scored in any table of theirs). Their `no-scored-utterances` violations
   * stay in `violations`, but `checkReport` prints one line per such backend instead of one per group, and when every
   * backend is here (the whole run failed), the summary alone: there is nothing measured to list.
   */
  nothingScored: NothingScored[];
  /** True when every backend of the run is in `nothingScored` (and the run has at least one table). */
  allFailed: boolean;
  /**
   * A limited or sharded run's lines (src/run/subset.ts): "N of M utterances…", then "Not in this run …" for the left-out
   * groups that are not already violations (`not-in-run`), then "Backend subset: …" for a run of some of the suite's
   * backends (`run --backend`); empty for a whole run.
   */
  subsetLines: string[];
  violations: CheckViolation[];
  /** Group rows checked against the WER/gap/ratio thresholds (over every table). */
  groupsChecked: number;
  /** Group rows (table × group) with at least one violation. */
  groupsFailed: number;
  /** Every group row of every table (checked, small cells and empty ones). */
  groupsTotal: number;
  tablesChecked: number;
  /** Rows below the minimum cell rule that were not checked, one entry each ("table: group (n speakers, m words)"), sorted. */
  notEnoughData: string[];
  /** The same rows, one line per table ("not enough data … : table: k groups: a (…), b (…)"), for printing. */
  notEnoughDataLines: string[];
  /** Groups that lost utterances (any failed or missing), sorted by table and group: printed whether allowed or not. */
  losses: GroupLoss[];
  /** The failed-share limit applied (DEFAULT_MAX_FAILED_SHARE unless given). */
  maxFailedShare: number;
  /** One line: the pass summary, or the count of failures. */
  summary: string;
}

/**
 * ` (a; b)`: notes in one pair of parentheses after a clause, never nested: a note's own parenthetical
 * ("adj. p 0.031 (MC 0.029–0.033)") becomes a comma clause ("adj. p 0.031, MC 0.029–0.033"). Empty notes are dropped;
 * no notes give "". Every parenthetical of a gate line is built here.
 */
export function notes(...parts: (string | false | undefined)[]): string {
  const kept = parts.filter((p): p is string => Boolean(p)).map(flatten);
  return kept.length ? ` (${kept.join('; ')})` : '';
}

/** "x (y) z" → "x, y z": parentheses of a note that goes inside parentheses (quoted group names left as they are). */
function flatten(note: string): string {
  return note.split(/("[^"]*")/).map((piece, i) => (i % 2 ? piece : piece.replace(/\s*\(([^()]*)\)/g, ', $1'))).join('');
}

/** "[95% CI 1.2, 3.4]" in points, or "[—]" when the cell has too few speakers for an interval (intervalMinSpeakers). */
function ciText(g: Interval): string {
  return Number.isFinite(g.lo) && Number.isFinite(g.hi) ? `[95% CI ${(g.lo * 100).toFixed(1)}, ${(g.hi * 100).toFixed(1)}]` : '[—]';
}

function rowNote(r: CardRow): string {
  const bits = [`${speakersText(r.speakers)}, ${r.refWords ?? '?'} ref words`];
  if (r.pAdjusted !== null && Number.isFinite(r.pAdjusted)) bits.push(`adj. p ${fmtPMc(r)}${r.flags.includes('undecided') ? ', undecided' : ''}`);
  if (r.flags.includes('small-cell')) bits.push('small cell');
  return notes(bits.join(', '));
}

function checkRow(t: CardTable, r: CardRow, th: CheckThresholds): CheckViolation[] {
  const out: CheckViolation[] = [];
  if (r.suppressed || !r.wer || !Number.isFinite(r.wer.estimate)) return out;
  const where = `${tableHeading(t)}: group "${r.group}"`;
  const base = { table: t.id, backend: t.backend, condition: t.condition, group: r.group };
  const sig = r.flags.includes('significant-gap');
  if (th.maxWer !== undefined) {
    const over = th.significantOnly ? r.wer.lo > th.maxWer : r.wer.estimate > th.maxWer;
    if (over) {
      out.push({
        ...base, rule: 'max-wer', value: r.wer.estimate, limit: th.maxWer,
        message: `${where} WER ${fmtPctInterval(r.wer)} exceeds --max-wer ${fmtPct(th.maxWer)}${rowNote(r)}`,
      });
    }
  }
  if (th.significantOnly) {
    // The limit is on the comparison the permutation test makes: this group against the rest pooled.
    const g = r.gapToRest;
    if (!sig || !g || !Number.isFinite(g.estimate)) return out;
    const rest = r.wer.estimate - g.estimate;
    if (th.maxGap !== undefined && g.estimate > th.maxGap) {
      out.push({
        ...base, rule: 'max-gap', value: g.estimate, limit: th.maxGap,
        message: `${where} WER ${fmtPct(r.wer.estimate)} is ${(g.estimate * 100).toFixed(1)} points above the rest of the groups (${fmtPct(rest)}) ${ciText(g)}, significantly worse than the rest, over --max-gap ${(th.maxGap * 100).toFixed(1)} points${rowNote(r)}`,
      });
    }
    const ratio = rest > 0 ? r.wer.estimate / rest : Infinity;
    if (th.groupRatio !== undefined && ratio > th.groupRatio) {
      out.push({
        ...base, rule: 'group-ratio', value: ratio, limit: th.groupRatio,
        message: `${where} WER is ${Number.isFinite(ratio) ? ratio.toFixed(2) : '∞'}× that of the rest of the groups (${fmtPct(rest)}), significantly worse than the rest, over --group-ratio ${th.groupRatio}${rowNote(r)}`,
      });
    }
    return out;
  }
  if (th.maxGap !== undefined && r.gapToBest && r.gapToBest.estimate > th.maxGap) {
    out.push({
      ...base, rule: 'max-gap', value: r.gapToBest.estimate, limit: th.maxGap,
      message: `${where} WER ${fmtPct(r.wer.estimate)} is ${(r.gapToBest.estimate * 100).toFixed(1)} points above best group "${t.bestGroup}" ${ciText(r.gapToBest)}, over --max-gap ${(th.maxGap * 100).toFixed(1)} points${rowNote(r)}`,
    });
  }
  if (th.groupRatio !== undefined && r.ratioToBest && r.ratioToBest.estimate > th.groupRatio) {
    out.push({
      ...base, rule: 'group-ratio', value: r.ratioToBest.estimate, limit: th.groupRatio,
      message: `${where} WER is ${Number.isFinite(r.ratioToBest.estimate) ? r.ratioToBest.estimate.toFixed(2) : '∞'}× that of best group "${t.bestGroup}", over --group-ratio ${th.groupRatio}${rowNote(r)}`,
    });
  }
  return out;
}

const pct1 = (x: number): string => `${(x * 100).toFixed(1)}%`;

function lossText(l: GroupLoss): string {
  const n = l.scored + l.failed + l.missing;
  const parts = [l.failed ? `${l.failed} failed` : '', l.missing ? `${l.missing} missing (never run)` : ''].filter(Boolean).join(', ');
  return `lost ${l.failed + l.missing} of ${n} utterances${notes(`${pct1(l.share)}: ${parts}`)}`;
}

/**
 * Lost utterances of one group row: a violation when the group has no scored utterance (whatever the limit:
 * a declared group the gate cannot see must not pass), or when its lost share is over the limit.
 */
function checkLoss(t: CardTable, r: CardRow, loss: GroupLoss, limit: number, limitGiven: boolean): CheckViolation | undefined {
  const base = { table: t.id, backend: t.backend, condition: t.condition, group: r.group };
  const where = `${tableHeading(t)}: group "${r.group}"`;
  if (loss.scored === 0) {
    return {
      ...base, rule: 'no-scored-utterances', value: loss.share, limit,
      message: `${where} has no scored utterance (${loss.failed + loss.missing} of ${loss.failed + loss.missing} lost: ${loss.failed} failed${loss.missing ? `, ${loss.missing} missing` : ''}): a declared group with nothing scored fails the gate`,
    };
  }
  if (loss.share <= limit) return undefined;
  const flag = limitGiven ? `--max-failed-share ${limit}` : `--max-failed-share ${limit} (the default: any lost utterance fails the gate)`;
  return {
    ...base, rule: 'max-failed-share', value: loss.share, limit,
    message: `${where} ${lossText(loss)}, over ${flag}; its WER ${r.wer ? fmtPct(r.wer.estimate) : '—'} covers the ${loss.scored} scored only`,
  };
}

function checkDegradationRow(d: CardDegradation, r: CardDegradationRow, limit: number, significantOnly: boolean): CheckViolation | undefined {
  const x = r.excessOverRest;
  if (r.suppressed || !x || !Number.isFinite(x.estimate) || x.estimate <= limit || (significantOnly && !r.degradesMore)) return undefined;
  const pp = (v: number) => (v * 100).toFixed(1);
  const note = notes([speakersText(r.speakers), `adj. p ${fmtP(r.pAdjusted)}`, ...(r.smallCell ? ['small cell'] : [])].join(', '));
  return {
    rule: 'max-degradation-gap', table: d.id, backend: d.backend, condition: d.condition, group: r.group, value: x.estimate, limit,
    message: `${degradationHeading(d)}: group "${r.group}" WER rises ${r.degradation ? pp(r.degradation.estimate) : '?'} points (${fmtPct(r.werClean)} → ${fmtPct(r.werCondition)}), ${pp(x.estimate)} points more than the rest [95% CI ${pp(x.lo)}, ${pp(x.hi)}], over --max-degradation-gap ${pp(limit)} points${note}`,
  };
}

/** A declared group of a gated key that a subset run left out entirely (run.json `subset.notInRun`). */
interface LeftOut {
  key: string;
  group: string;
  /** Its utterances in the whole manifest. */
  utterances: number;
}

/** The groups of the keys the card gates (grouping key and slice keys) that the subset left out, by key then name. */
function leftOutGroups(sub: RunSubset, keys: ReadonlySet<string>): LeftOut[] {
  return Object.entries(sub.notInRun)
    .filter(([key]) => keys.has(key))
    .flatMap(([key, groups]) => Object.entries(groups).map(([group, utterances]) => ({ key, group, utterances })));
}

function notInRunViolation(sub: RunSubset, g: LeftOut): CheckViolation {
  return {
    rule: 'not-in-run', table: 'subset', backend: '', condition: '', group: g.group, value: g.utterances, limit: 0,
    message: `group "${g.group}" (by ${g.key}, ${g.utterances.toLocaleString('en-US')} utterance${g.utterances === 1 ? '' : 's'} in the manifest) is not in this run: ${subsetFlags(sub)} left it out, so the gate never measured it (--allow-subset to accept the subset knowingly)`,
  };
}

/**
 * The gate on a subset run (run.json `subset`: `--limit`, `--shard`; src/run/subset.ts): a `not-in-run` violation per
 * declared group of a gated key (grouping and slice keys) the subset left out, unless `allow` (--allow-subset); the
 * lines to print ("Subset: …", then "Not in this run …" for left-out groups not already violations, and a line when a
 * gated key is one the run did not record left-out groups for); the summary's note. Nothing for a whole run.
 */
function subsetCheck(card: ServiceCard, allow: boolean): { violations: CheckViolation[]; leftOut: number; lines: string[]; note: string } {
  const sub = isPartial(card.meta.subset) ? card.meta.subset : undefined;
  if (!sub) return { violations: [], leftOut: 0, lines: [], note: '' };
  const gatedKeys = new Set([card.settings.groupBy, ...card.settings.slices.flat()]);
  const leftOut = leftOutGroups(sub, gatedKeys);
  const violations = allow ? [] : leftOut.map((g) => notInRunViolation(sub, g));
  // The groups left out are said once: as violations, or (accepted, or of keys not gated) as "Not in this run" lines.
  const said = new Set(allow ? [] : leftOut.map((g) => `${g.key}\u0000${g.group}`));
  const unsaid = Object.fromEntries(
    Object.entries(sub.notInRun)
      .map(([key, groups]) => [key, Object.fromEntries(Object.entries(groups).filter(([g]) => !said.has(`${key}\u0000${g}`)))] as const)
      .filter(([, groups]) => Object.keys(groups).length > 0),
  );
  // The run recorded left-out groups of its suite's keys only: of another gated key (check --group-by) they are unknown.
  const an = card.meta.analysis;
  const recordedKeys = new Set(an ? [...an.groupBy, ...an.slices.flat()] : []);
  const unknownKeys = [...gatedKeys].filter((k) => !recordedKeys.has(k));
  const quoted = (keys: Iterable<string>) => [...keys].map((k) => `"${k}"`).join(', ');
  const unknownLine = unknownKeys.length
    ? [`Subset: the run recorded the groups it left out by ${quoted(recordedKeys) || 'no key'} only; which groups of ${quoted(unknownKeys)} it left out is not known, so this gate cannot say every declared group of ${unknownKeys.length === 1 ? 'that key' : 'those keys'} was measured.`]
    : [];
  const n = Object.values(sub.notInRun).reduce((k, g) => k + Object.keys(g).length, 0);
  const note =
    `; subset: ${sub.utterances} of ${sub.manifestUtterances} utterances of the manifest (${subsetFlags(sub)})` +
    (n ? `, ${n} declared group(s) not in this run${allow && leftOut.length ? ', accepted with --allow-subset' : ''}` : '');
  return { violations, leftOut: leftOut.length, lines: [subsetSentence(sub), ...notInRunSentences({ ...sub, notInRun: unsaid }), ...unknownLine], note };
}

/**
 * The gate on a run of some of its suite's backends (run.json `backendSubset`, `run --backend NAME`): a
 * `backend-not-in-run` violation per suite backend left out, unless `allow` (--allow-subset: the gate then concerns the
 * backends that ran only, and says so); the lines to print and the summary's note. Nothing when every backend ran.
 */
function backendSubsetCheck(card: ServiceCard, allow: boolean): { violations: CheckViolation[]; lines: string[]; note: string } {
  const b = card.meta.backendSubset;
  if (!b) return { violations: [], lines: [], note: '' };
  const flag = backendSubsetFlag(b);
  const violations: CheckViolation[] = allow
    ? []
    : b.notInRun.map((name) => ({
        rule: 'backend-not-in-run' as const, table: 'backend-subset', backend: name, condition: '', group: '', value: 1, limit: 0,
        message: `backend "${name}" of the suite is not in this run: ${flag} left it out, so the gate never measured it (--allow-subset to gate the backends that ran only, knowingly)`,
      }));
  const ran = backendsRan(b).map((n) => `"${n}"`).join(', ');
  const note = `; backend subset: ${b.suiteBackends.length - b.notInRun.length} of the suite's ${b.suiteBackends.length} backends (${flag})${allow ? `, accepted with --allow-subset: this gate concerns ${ran} only` : ''}`;
  return { violations, lines: backendSubsetLines(b), note };
}

/** The backends of a card with no scored utterance in any of their tables (every result failed). */
function nothingScoredOf(card: ServiceCard): NothingScored[] {
  const byBackend = new Map<string, CardTable[]>();
  for (const t of card.tables) byBackend.set(t.backendName, [...(byBackend.get(t.backendName) ?? []), t]);
  return [...byBackend]
    .filter(([, ts]) => ts.every((t) => t.rows.every((r) => !r.suppressed && (r.utterances ?? 0) === 0)))
    .map(([backend, ts]) => {
      const groupTables = ts.filter((t) => t.kind === 'group' && t.groupBy === card.settings.groupBy);
      const distinct = (kind: CardTable['kind']) => new Set(ts.filter((t) => t.kind === kind).flatMap((t) => t.rows.map((r) => r.group))).size;
      return {
        backend,
        key: ts[0].backend,
        groupBy: card.settings.groupBy,
        // Each group table of the grouping key covers every result of its backend × condition once.
        results: groupTables.reduce((n, t) => n + t.rows.reduce((k, r) => k + (r.failed ?? 0), 0), 0),
        conditions: new Set(ts.map((t) => t.condition)).size,
        groups: distinct('group'),
        slices: distinct('slice'),
      };
    });
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** "58 groups (18 by accent, 40 slices)": the groups of a backend (or of the run) that have nothing scored. */
function groupsText(groups: number, slices: number, key: string): string {
  return `${plural(groups + slices, 'group')} (${groups} by ${key}${slices ? `, ${plural(slices, 'slice')}` : ''})`;
}

/** Label keys no utterance declares (every table's only group is `undeclared`). */
export function undeclaredKeys(card: ServiceCard): string[] {
  const keys = new Set<string>();
  for (const t of card.tables) if (t.rows.length === 1 && t.rows[0].group.split(' × ').every((g) => g.endsWith('undeclared'))) keys.add(t.groupBy);
  return [...keys];
}

/** Names at most this many groups per table on a "not enough data" line (the result keeps them all; report lists them). */
const NOT_ENOUGH_DATA_LISTED = 6;

/** One short line per table: `not enough data, not checked (below 10 speakers or 500 ref words): <table>: 14 groups: "a", "b", … and 8 more`. */
function notEnoughDataLine(heading: string, rows: CardRow[], card: ServiceCard): string {
  const sorted = [...rows].sort((a, b) => a.group.localeCompare(b.group));
  const listed = sorted.slice(0, NOT_ENOUGH_DATA_LISTED).map((r) => `"${r.group}"`);
  const more = sorted.length > listed.length ? ` and ${sorted.length - listed.length} more (asrfair report lists them)` : '';
  const m = card.settings.minCell;
  return `not enough data, not checked (below ${m.speakers} speakers or ${m.words} ref words): ${heading}: ${sorted.length} group${sorted.length === 1 ? '' : 's'}: ${listed.join(', ')}${more}`;
}

/**
 * Applies CI-gate thresholds to every group row of every table of a card (group and slice tables), and
 * the lost-data rule to every row (small cells too). Missing items come from run.json's `incomplete`
 * (per group of the first grouping key, over every backend × condition). Throws UsageError when
 * maxDegradationGap is set and the card has no degradation table (the run has no condition besides
 * the clean one): a gate that asks for what the run cannot give is a usage error, not a failure.
 */
export function checkCard(card: ServiceCard, th: CheckThresholds): CheckResult {
  if (th.maxDegradationGap !== undefined && card.degradation.length === 0) {
    throw new UsageError(
      `--max-degradation-gap (maxDegradationGap) needs a run with the clean condition "${card.settings.cleanCondition}" and at least one other condition; run ${card.meta.runId} has ${card.meta.conditions.map((c) => c.name).join(', ') || 'none'}`,
    );
  }
  const limit = th.maxFailedShare ?? DEFAULT_MAX_FAILED_SHARE;
  const violations: CheckViolation[] = [];
  let groupsChecked = 0;
  let groupsTotal = 0;
  const small = new Map<string, CardRow[]>();
  const losses: GroupLoss[] = [];
  // The summary counts each lost result once: in its group table (a slice table holds the same utterances again).
  const counted: GroupLoss[] = [];
  for (const t of card.tables) {
    const heading = tableHeading(t);
    for (const r of t.rows) {
      groupsTotal++;
      if (!r.suppressed) {
        const scored = r.utterances ?? 0;
        const failed = r.failed ?? 0;
        const loss: GroupLoss = { table: heading, group: r.group, scored, failed, missing: 0, share: scored + failed > 0 ? failed / (scored + failed) : 1 };
        if (failed > 0 || scored === 0) {
          losses.push(loss);
          if (t.kind === 'group') counted.push(loss);
        }
        const v = checkLoss(t, r, loss, limit, th.maxFailedShare !== undefined);
        if (v) violations.push(v);
        // Nothing scored: failed above, neither "not enough data" nor checked against the thresholds.
        if (scored === 0) continue;
      }
      if (r.suppressed || (r.flags.includes('small-cell') && !th.includeSmallCells)) {
        small.set(heading, [...(small.get(heading) ?? []), r]);
        continue;
      }
      groupsChecked++;
      violations.push(...checkRow(t, r, th));
    }
  }
  // Items an incomplete run never exported: per group of the first key, over every backend × condition.
  const inc = card.meta.incomplete;
  const key = card.settings.groupBy;
  for (const [group, g] of Object.entries(inc?.groups[key] ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    if (g.items >= g.expected) continue;
    const loss: GroupLoss = { table: 'every backend × condition', group, scored: g.items, failed: 0, missing: g.expected - g.items, share: (g.expected - g.items) / g.expected };
    losses.push(loss);
    counted.push(loss);
    if (loss.share > limit || g.items === 0) {
      violations.push({
        table: 'incomplete', backend: '', condition: '', group, rule: g.items === 0 ? 'no-scored-utterances' : 'max-failed-share', value: loss.share, limit,
        message: `run ${inc?.status ?? 'incomplete'}: group "${group}" (by ${key}) has ${g.items} of ${g.expected} items exported (${pct1(loss.share)} missing, over every backend × condition), over --max-failed-share ${limit}`,
      });
    }
  }
  // A subset run (--limit, --shard) that left out declared groups of the gated keys: each fails unless accepted.
  const subset = subsetCheck(card, Boolean(th.allowSubset));
  groupsTotal += subset.leftOut;
  violations.push(...subset.violations);
  // A run of some of the suite's backends (--backend): each left out fails unless accepted (then this gate is theirs only).
  const backendSub = backendSubsetCheck(card, Boolean(th.allowSubset));
  violations.push(...backendSub.violations);
  let degradationChecked = 0;
  if (th.maxDegradationGap !== undefined) {
    for (const d of card.degradation) {
      for (const r of d.rows) {
        if (r.suppressed || (r.smallCell && !th.includeSmallCells)) continue;
        degradationChecked++;
        const v = checkDegradationRow(d, r, th.maxDegradationGap, Boolean(th.significantOnly));
        if (v) violations.push(v);
      }
    }
  }
  const notEnoughData = [...small].flatMap(([h, rows]) =>
    [...rows].sort((a, b) => a.group.localeCompare(b.group)).map((r) => `${h}: group "${r.group}" (${speakersText(r.speakers)}, ${r.refWords ?? '?'} ref words; minimum ${card.settings.minCell.speakers} and ${card.settings.minCell.words})`),
  );
  const notEnoughDataLines = [...small].map(([h, rows]) => notEnoughDataLine(h, rows, card));
  const rest = th.significantOnly ? 'the rest' : 'the best group';
  const rules = [
    th.maxWer !== undefined ? `WER ≤ ${fmtPct(th.maxWer)}${th.significantOnly ? ' (95% CI wholly above to fail)' : ''}` : '',
    th.maxGap !== undefined ? `gap to ${rest} ≤ ${(th.maxGap * 100).toFixed(1)} points` : '',
    th.groupRatio !== undefined ? `ratio to ${rest} ≤ ${th.groupRatio}` : '',
    th.maxDegradationGap !== undefined ? `excess degradation ≤ ${(th.maxDegradationGap * 100).toFixed(1)} points (${degradationChecked} group × condition rows)` : '',
  ].filter(Boolean);
  const sigNote = th.significantOnly ? ` (significant only: a gap or ratio counts when the group-vs-rest permutation test, ${card.settings.correction === 'bh' ? 'BH' : 'Holm'}-adjusted, is below α ${card.settings.alpha})` : '';
  const smallNote = notEnoughData.length ? `; ${notEnoughData.length} small cell${notEnoughData.length === 1 ? '' : 's'} not checked against the thresholds (not enough data)` : '';
  const lostGroups = counted.length;
  const lostCount = counted.reduce((a, l) => a + l.failed + l.missing, 0);
  let lossNote = lostGroups
    ? `; ${lostCount} utterance${lostCount === 1 ? '' : 's'} lost (failed or missing) in ${lostGroups} group${lostGroups === 1 ? '' : 's'}, limit ${pct1(limit)} per group`
    : '; no failed or missing utterance';
  // Group rows that crossed a threshold (a backend left out is no group row).
  const failedKeys = new Set(violations.filter((v) => v.rule !== 'backend-not-in-run').map((v) => `${v.table}\u0000${v.group}`));
  // A limited or sharded run: the gate saw part of the manifest, and the summary line (what CI logs keep) says so.
  lossNote += subset.note + backendSub.note;
  const nothingScored = nothingScoredOf(card);
  const allFailed = card.tables.length > 0 && nothingScored.length === new Set(card.tables.map((t) => t.backendName)).size;
  const base = { nothingScored, allFailed, violations, subsetLines: [...subset.lines, ...backendSub.lines], groupsChecked, groupsFailed: failedKeys.size, groupsTotal, tablesChecked: card.tables.length, notEnoughData, notEnoughDataLines, losses, maxFailedShare: limit };
  if (allFailed) {
    // Nothing measured: the cause leads (the caller's), then these counts; no line per group as if it had been measured.
    const results = nothingScored.reduce((n, b) => n + b.results, 0);
    const conditions = Math.max(...nothingScored.map((b) => b.conditions));
    const groups = new Set(card.tables.filter((t) => t.kind === 'group').flatMap((t) => t.rows.map((r) => r.group))).size;
    const slices = new Set(card.tables.filter((t) => t.kind === 'slice').flatMap((t) => t.rows.map((r) => r.group))).size;
    return {
      ...base, passed: false, nothingToCheck: false,
      summary: `FAIL: nothing was measured: all ${results} results failed (${plural(nothingScored.length, 'backend')} × ${plural(conditions, 'condition')}); none of the ${groupsText(groups, slices, card.settings.groupBy)} has a scored utterance (asrfair report lists them)${subset.note}${backendSub.note}`,
    };
  }
  if (groupsChecked === 0 && !violations.length) {
    // A gate must not pass on nothing: an empty run, or one whose every group is too small, fails.
    const why = notEnoughData.length
      ? `every group is below the minimum cell rule${notes(`${notEnoughData.length} not enough data`, cellSizes(small, card), '--include-small-cells to check them, or --min-speakers/--min-words to lower the minimum')}`
      : 'the run has no scored utterances';
    return { ...base, passed: false, nothingToCheck: true, summary: `FAIL: no group to check: ${why}${subset.note}${backendSub.note}` };
  }
  const tables = `${card.tables.length} table${card.tables.length === 1 ? '' : 's'}`;
  if (violations.length) {
    const byRule = new Map<string, number>();
    for (const v of violations) byRule.set(v.rule, (byRule.get(v.rule) ?? 0) + 1);
    const what = [...byRule].map(([rule, n]) => `${n} ${rule}`).join(', ');
    return {
      ...base, passed: false, nothingToCheck: false,
      summary: `FAIL: ${violations.length} threshold${violations.length === 1 ? '' : 's'} crossed (${what}) in ${failedKeys.size} of ${groupsTotal} groups (${groupsChecked} checked against the thresholds) of ${tables}${sigNote}${lossNote}${smallNote}`,
    };
  }
  return { ...base, passed: true, nothingToCheck: false, summary: `PASS: ${groupsChecked} groups in ${tables} within ${rules.join(', ') || 'no thresholds'}${sigNote}${lossNote}${smallNote}` };
}

/**
 * The lines to print for a gate result: violations, the groups that lost utterances within the limit (a gate
 * never passes silently on lost data), the "not enough data" lines (one per table, sorted), then the summary.
 */
export function checkReport(result: CheckResult): string[] {
  // Every result failed: the summary counts what was lost; a line per group would read as if each had been measured.
  if (result.allFailed) return [...result.subsetLines, result.summary];
  const flagged = new Set(result.violations.filter((v) => v.rule === 'max-failed-share' || v.rule === 'no-scored-utterances').map((v) => v.group + '\u0000' + v.table));
  const allowed = result.losses.filter((l) => l.scored > 0 && l.share <= result.maxFailedShare && !flagged.has(l.group + '\u0000' + l.table));
  // A backend whose every result failed: one line counting its groups, where its per-group lines would have been.
  const dead = new Map(result.nothingScored.map((b) => [b.key, b]));
  const said = new Set<string>();
  const violationLines = result.violations.flatMap((v) => {
    const b = v.rule === 'no-scored-utterances' ? dead.get(v.backend) : undefined;
    if (!b) return [v.message];
    if (said.has(b.key)) return [];
    said.add(b.key);
    return [
      `backend "${b.backend}": nothing was measured: all ${b.results} results failed (${plural(b.conditions, 'condition')}), so none of its ${groupsText(b.groups, b.slices, b.groupBy)} has a scored utterance (cause above)`,
    ];
  });
  return [
    ...result.subsetLines,
    ...violationLines,
    ...allowed.map((l) => `lost data within --max-failed-share ${result.maxFailedShare}: ${l.table}: group "${l.group}" ${lossText(l)}; its rates cover the ${l.scored} scored only`),
    ...result.notEnoughDataLines,
    result.summary,
  ];
}

/**
 * Why every cell is too small, in numbers: `groups have 1–7 speakers and 12–480 ref words; the minimum is 20 speakers
 * and 50 ref words` (over the unchecked rows of every table; one number when smallest and largest agree).
 */
function cellSizes(small: ReadonlyMap<string, CardRow[]>, card: ServiceCard): string {
  const rows = [...small.values()].flat().filter((r) => !r.suppressed);
  const m = card.settings.minCell;
  const range = (xs: number[]): string => {
    const lo = Math.min(...xs);
    const hi = Math.max(...xs);
    return lo === hi ? `${lo}` : `${lo}–${hi}`;
  };
  const sp = rows.map((r) => r.speakers).filter((n): n is number => n !== null);
  const w = rows.map((r) => r.refWords).filter((n): n is number => n !== null);
  const have = sp.length && w.length ? `groups have ${range(sp)} speakers and ${range(w)} ref words; ` : '';
  return `${have}the minimum is ${m.speakers} speakers and ${m.words} ref words`;
}

/** True when a gate sets at least one threshold. */
export function hasThreshold(th: CheckThresholds): boolean {
  return th.maxGap !== undefined || th.maxWer !== undefined || th.groupRatio !== undefined || th.maxDegradationGap !== undefined || th.maxFailedShare !== undefined;
}

/** `1 speaker`, `6 speakers`, `? speakers` (unknown). */
function speakersText(n: number | null | undefined): string {
  return n === 1 ? '1 speaker' : `${n ?? '?'} speakers`;
}
