import { fmtPct, fmtPctInterval, fmtP, fmtPMc } from './format.ts';
import type { Interval } from '../stats/types.ts';
import type { CardDegradation, CardDegradationRow, CardRow, CardTable, ServiceCard } from './model.ts';
import { DEFAULT_MAX_FAILED_SHARE, type CheckResult, type CheckThresholds, type CheckViolation, type GroupLoss, type NothingScored } from './check-types.ts';
import { backendSubsetCheck, subsetCheck } from './check-subset.ts';
import { degradationHeading, tableHeading } from './render-md.ts';
import { UsageError } from '../manifest/errors.ts';

export { DEFAULT_MAX_FAILED_SHARE, type CheckResult, type CheckThresholds, type CheckViolation, type GroupLoss, type NothingScored } from './check-types.ts';

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

type Limit = keyof NonNullable<CheckThresholds['labels']>;

const FLAG_OF: Record<Limit, string> = { maxGap: '--max-gap', maxWer: '--max-wer', groupRatio: '--group-ratio', maxDegradationGap: '--max-degradation-gap', maxFailedShare: '--max-failed-share' };

/** A limit's value in points (100 × fraction) with as many digits as it needs: 15 → "15.0", 1e-9 → "1e-7", 0.125 → "12.5". */
export function pointsText(x: number): string {
  const p = x * 100;
  const short = p.toFixed(1);
  return Math.abs(Number(short) - p) <= 1e-9 * Math.max(1, Math.abs(p)) ? short : String(+p.toPrecision(6));
}

/** `--max-gap 0.15 = 15.0 points` or `gate.maxGap 0.15 = 15.0 points`: a limit as given, named by where it came from. */
function limitText(th: CheckThresholds, key: Limit, value: number, unit: 'points' | '%' | '' = 'points'): string {
  const name = th.labels?.[key] ?? FLAG_OF[key];
  const shown = unit === 'points' ? ` = ${pointsText(value)} points` : unit === '%' ? ` = ${pointsText(value)}%` : '';
  return `${name} ${value}${shown}`;
}

function rowNote(r: CardRow): string {
  const bits = [`${speakersText(r.speakers)}, ${r.refWords ?? '?'} ref words`];
  // The p is the group-vs-rest permutation test's, whichever comparison the line's gap is.
  if (r.pAdjusted !== null && Number.isFinite(r.pAdjusted)) bits.push(`adj. p vs the rest ${fmtPMc(r)}${r.flags.includes('undecided') ? ', undecided' : ''}`);
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
        message: `${where} WER ${fmtPctInterval(r.wer)} exceeds ${limitText(th, 'maxWer', th.maxWer, '%')}${rowNote(r)}`,
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
        message: `${where} WER ${fmtPct(r.wer.estimate)} is ${(g.estimate * 100).toFixed(1)} points above the rest of the groups (${fmtPct(rest)}) ${ciText(g)}, significantly worse than the rest, over ${limitText(th, 'maxGap', th.maxGap)}${rowNote(r)}`,
      });
    }
    const ratio = rest > 0 ? r.wer.estimate / rest : Infinity;
    if (th.groupRatio !== undefined && ratio > th.groupRatio) {
      out.push({
        ...base, rule: 'group-ratio', value: ratio, limit: th.groupRatio,
        message: `${where} WER is ${Number.isFinite(ratio) ? ratio.toFixed(2) : '∞'}× that of the rest of the groups (${fmtPct(rest)}), significantly worse than the rest, over ${limitText(th, 'groupRatio', th.groupRatio, '')}${rowNote(r)}`,
      });
    }
    return out;
  }
  if (th.maxGap !== undefined && r.gapToBest && r.gapToBest.estimate > th.maxGap) {
    out.push({
      ...base, rule: 'max-gap', value: r.gapToBest.estimate, limit: th.maxGap,
      message: `${where} WER ${fmtPct(r.wer.estimate)} is ${(r.gapToBest.estimate * 100).toFixed(1)} points above best group "${t.bestGroup}" ${ciText(r.gapToBest)}, over ${limitText(th, 'maxGap', th.maxGap)}${rowNote(r)}`,
    });
  }
  if (th.groupRatio !== undefined && r.ratioToBest && r.ratioToBest.estimate > th.groupRatio) {
    out.push({
      ...base, rule: 'group-ratio', value: r.ratioToBest.estimate, limit: th.groupRatio,
      message: `${where} WER is ${Number.isFinite(r.ratioToBest.estimate) ? r.ratioToBest.estimate.toFixed(2) : '∞'}× that of best group "${t.bestGroup}", over ${limitText(th, 'groupRatio', th.groupRatio, '')}${rowNote(r)}`,
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
function checkLoss(t: CardTable, r: CardRow, loss: GroupLoss, limit: number, limitGiven: boolean, name: string): CheckViolation | undefined {
  const base = { table: t.id, backend: t.backend, condition: t.condition, group: r.group };
  const where = `${tableHeading(t)}: group "${r.group}"`;
  if (loss.scored === 0) {
    return {
      ...base, rule: 'no-scored-utterances', value: loss.share, limit,
      message: `${where} has no scored utterance (${loss.failed + loss.missing} of ${loss.failed + loss.missing} lost: ${loss.failed} failed${loss.missing ? `, ${loss.missing} missing` : ''}): a declared group with nothing scored fails the gate`,
    };
  }
  if (loss.share <= limit) return undefined;
  const flag = limitGiven ? `${name} ${limit}` : `${name} ${limit} (${name.startsWith('gate.') ? 'not set in the suite, so ' : ''}the default: any lost utterance fails the gate)`;
  return {
    ...base, rule: 'max-failed-share', value: loss.share, limit,
    message: `${where} ${lossText(loss)}, over ${flag}; its WER ${r.wer ? fmtPct(r.wer.estimate) : '—'} covers the ${loss.scored} scored only`,
  };
}

function checkDegradationRow(d: CardDegradation, r: CardDegradationRow, th: CheckThresholds & { maxDegradationGap: number }): CheckViolation | undefined {
  const limit = th.maxDegradationGap;
  const significantOnly = Boolean(th.significantOnly);
  const x = r.excessOverRest;
  if (r.suppressed || !x || !Number.isFinite(x.estimate) || x.estimate <= limit || (significantOnly && !r.degradesMore)) return undefined;
  const pp = (v: number) => (v * 100).toFixed(1);
  const note = notes([speakersText(r.speakers), `adj. p vs the rest ${fmtP(r.pAdjusted)}`, ...(r.smallCell ? ['small cell'] : [])].join(', '));
  return {
    rule: 'max-degradation-gap', table: d.id, backend: d.backend, condition: d.condition, group: r.group, value: x.estimate, limit,
    message: `${degradationHeading(d)}: group "${r.group}" WER rises ${r.degradation ? pp(r.degradation.estimate) : '?'} points (${fmtPct(r.werClean)} → ${fmtPct(r.werCondition)}), ${pp(x.estimate)} points more than the rest [95% CI ${pp(x.lo)}, ${pp(x.hi)}], over ${limitText(th, 'maxDegradationGap', limit)}${note}`,
  };
}

/** The backends of a card with no scored utterance in any of their tables (every result failed). */
function nothingScoredOf(card: ServiceCard): NothingScored[] {
  const byBackend = new Map<string, CardTable[]>();
  for (const t of card.tables) byBackend.set(t.backendName, [...(byBackend.get(t.backendName) ?? []), t]);
  return [...byBackend]
    .filter(([, ts]) => ts.every((t) => t.rows.every((r) => !r.suppressed && (r.utterances ?? 0) === 0)))
    .map(([backend, ts]) => {
      const groupTables = ts.filter((t) => t.kind === 'group' && t.groupBy === card.settings.groupBy);
      // Groups of the first grouping key and slices (a further key's groups hold the same utterances again).
      const distinct = (kind: CardTable['kind']) => new Set(ts.filter((t) => t.kind === kind && (kind === 'slice' || t.groupBy === card.settings.groupBy)).flatMap((t) => t.rows.map((r) => r.group))).size;
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
      `${th.labels?.maxDegradationGap && th.labels.maxDegradationGap !== FLAG_OF.maxDegradationGap ? th.labels.maxDegradationGap : '--max-degradation-gap (maxDegradationGap)'} needs a run with the clean condition "${card.settings.cleanCondition}" and at least one other condition; run ${card.meta.runId} has ${card.meta.conditions.map((c) => c.name).join(', ') || 'none'}`,
    );
  }
  const limit = th.maxFailedShare ?? DEFAULT_MAX_FAILED_SHARE;
  const lossName = th.labels?.maxFailedShare ?? FLAG_OF.maxFailedShare;
  const violations: CheckViolation[] = [];
  let groupsChecked = 0;
  let groupsTotal = 0;
  // Per grouping key (group tables): rows checked against the thresholds; a key with none is a key the gate cannot judge.
  const checkedByKey = new Map<string, number>();
  for (const t of card.tables) if (t.kind === 'group') checkedByKey.set(t.groupBy, 0);
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
          if (t.kind === 'group' && t.groupBy === card.settings.groupBy) counted.push(loss);
        }
        const v = checkLoss(t, r, loss, limit, th.maxFailedShare !== undefined, lossName);
        if (v) violations.push(v);
        // Nothing scored: failed above, neither "not enough data" nor checked against the thresholds.
        if (scored === 0) continue;
      }
      if (r.suppressed || (r.flags.includes('small-cell') && !th.includeSmallCells)) {
        small.set(heading, [...(small.get(heading) ?? []), r]);
        continue;
      }
      groupsChecked++;
      if (t.kind === 'group') checkedByKey.set(t.groupBy, (checkedByKey.get(t.groupBy) ?? 0) + 1);
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
        message: `run ${inc?.status ?? 'incomplete'}: group "${group}" (by ${key}) has ${g.items} of ${g.expected} items exported (${pct1(loss.share)} missing, over every backend × condition), over ${lossName} ${limit}`,
      });
    }
  }
  // A subset run (--limit, --shard) that left out declared groups of the gated keys: each fails unless accepted.
  const subset = subsetCheck(card, Boolean(th.allowSubset));
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
        const v = checkDegradationRow(d, r, { ...th, maxDegradationGap: th.maxDegradationGap });
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
    th.maxWer !== undefined ? `WER ≤ ${pointsText(th.maxWer)}%${th.significantOnly ? ' (95% CI wholly above to fail)' : ''}` : '',
    th.maxGap !== undefined ? `gap to ${rest} ≤ ${pointsText(th.maxGap)} points` : '',
    th.groupRatio !== undefined ? `ratio to ${rest} ≤ ${th.groupRatio}` : '',
    th.maxDegradationGap !== undefined ? `excess degradation ≤ ${pointsText(th.maxDegradationGap)} points (${degradationChecked} group × condition rows)` : '',
  ].filter(Boolean);
  const sigNote = th.significantOnly ? ` (significant only: a gap or ratio counts when the group-vs-rest permutation test, ${card.settings.correction === 'bh' ? 'BH' : 'Holm'}-adjusted, is below α ${card.settings.alpha})` : '';
  const smallNote = notEnoughData.length ? `; ${notEnoughData.length} small cell${notEnoughData.length === 1 ? '' : 's'} not checked against the thresholds (not enough data)` : '';
  const lostGroups = counted.length;
  const lostCount = counted.reduce((a, l) => a + l.failed + l.missing, 0);
  let lossNote = lostGroups
    ? `; ${lostCount} utterance${lostCount === 1 ? '' : 's'} lost (failed or missing) in ${lostGroups} group${lostGroups === 1 ? '' : 's'}, limit ${pct1(limit)} per group`
    : '; no failed or missing utterance';
  // Group rows that crossed a threshold: groups and backends left out of the run are no rows of the tables, counted apart.
  const leftOutRules = new Set<CheckViolation['rule']>(['not-in-run', 'backend-not-in-run']);
  const failedKeys = new Set(violations.filter((v) => !leftOutRules.has(v.rule)).map((v) => `${v.table}\u0000${v.group}`));
  // A limited or sharded run: the gate saw part of the manifest, and the summary line (what CI logs keep) says so.
  lossNote += subset.note + backendSub.note;
  const nothingScored = nothingScoredOf(card);
  const allFailed = card.tables.length > 0 && nothingScored.length === new Set(card.tables.map((t) => t.backendName)).size;
  const base = { nothingScored, allFailed, violations, subsetLines: [...subset.lines, ...backendSub.lines], groupsChecked, groupsFailed: failedKeys.size, groupsTotal, tablesChecked: card.tables.length, notEnoughData, notEnoughDataLines, losses, maxFailedShare: limit };
  if (allFailed) {
    // Nothing measured: the cause leads (the caller's), then these counts; no line per group as if it had been measured.
    const results = nothingScored.reduce((n, b) => n + b.results, 0);
    const conditions = Math.max(...nothingScored.map((b) => b.conditions));
    const groups = new Set(card.tables.filter((t) => t.kind === 'group' && t.groupBy === card.settings.groupBy).flatMap((t) => t.rows.map((r) => r.group))).size;
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
  // Several keys, one with no group large enough: the gate passed only on the others' tables, which must not read as a pass.
  const unjudged = [...checkedByKey].filter(([, n]) => n === 0).map(([k]) => k);
  if (unjudged.length && !violations.length) {
    const judged = [...checkedByKey].filter(([, n]) => n > 0).map(([k, n]) => `by ${k}: ${plural(n, 'group')} checked, no threshold crossed`);
    return {
      ...base,
      passed: false,
      nothingToCheck: true,
      summary: `FAIL: no group to check by ${unjudged.join(', ')}: every group of ${unjudged.length === 1 ? 'that key' : 'those keys'} is below the minimum cell rule (--include-small-cells to check them, or --min-speakers/--min-words to lower the minimum); ${judged.join('; ')}${subset.note}${backendSub.note}`,
    };
  }
  const tables = `${card.tables.length} table${card.tables.length === 1 ? '' : 's'}`;
  if (violations.length) {
    const crossed = violations.filter((v) => !leftOutRules.has(v.rule));
    const byRule = new Map<string, number>();
    for (const v of crossed) byRule.set(v.rule, (byRule.get(v.rule) ?? 0) + 1);
    const what = [...byRule].map(([rule, n]) => `${n} ${rule}`).join(', ');
    const groupsOut = violations.filter((v) => v.rule === 'not-in-run').length;
    const backendsOut = violations.filter((v) => v.rule === 'backend-not-in-run').length;
    const parts = [
      groupsOut ? `${plural(groupsOut, 'declared group')} not in this run (not-in-run)` : '',
      backendsOut ? `${plural(backendsOut, "backend of the suite", "backends of the suite")} not in this run (backend-not-in-run)` : '',
      crossed.length
        ? `${plural(crossed.length, 'threshold')} crossed (${what}) in ${failedKeys.size} of ${groupsTotal} groups (${groupsChecked} checked against the thresholds) of ${tables}`
        : `no threshold crossed in the ${groupsTotal} groups of ${tables} in the run (${groupsChecked} checked against the thresholds)`,
    ].filter(Boolean);
    return { ...base, passed: false, nothingToCheck: false, summary: `FAIL: ${parts.join('; ')}${sigNote}${lossNote}${smallNote}` };
  }
  return { ...base, passed: true, nothingToCheck: false, summary: `PASS: ${plural(groupsChecked, 'group')} in ${tables} ${rules.length ? `within ${rules.join(', ')}` : 'on the default checks only (no threshold set)'}${sigNote}${lossNote}${smallNote}` };
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
