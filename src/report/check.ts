import { fmtPct, fmtP, fmtPMc } from './format.ts';
import type { CardDegradation, CardDegradationRow, CardRow, CardTable, ServiceCard } from './model.ts';
import { degradationHeading, tableHeading } from './render-md.ts';

export interface CheckThresholds {
  /** Largest allowed WER(group) − WER(best group), as a fraction (0.03 = 3 points). */
  maxGap?: number;
  /** Largest allowed WER of any group. */
  maxWer?: number;
  /** Largest allowed WER(group) / WER(best group). */
  groupRatio?: number;
  /**
   * Largest allowed excess degradation of a group over the rest (WER rise under a condition minus the
   * rest's rise, as a fraction). With significantOnly, only rows flagged "degrades more" count.
   */
  maxDegradationGap?: number;
  /**
   * Fail only on evidence: a gap or ratio counts only when flagged significant (adjusted p < alpha,
   * group worse than the rest); a WER only when its 95% interval lies wholly above maxWer.
   */
  significantOnly?: boolean;
  /**
   * Whether cells below the minimum cell rule can fail the gate (default false: they are listed as
   * "not enough data" instead, since their estimates are too unstable to gate a release on). With
   * significantOnly a small cell's gap or ratio never counts even when included: small cells are not tested.
   */
  includeSmallCells?: boolean;
}

export interface CheckViolation {
  rule: 'max-wer' | 'max-gap' | 'group-ratio' | 'max-degradation-gap';
  table: string;
  backend: string;
  condition: string;
  group: string;
  value: number;
  limit: number;
  message: string;
}

export interface CheckResult {
  passed: boolean;
  violations: CheckViolation[];
  /** Group rows checked (over every table). */
  groupsChecked: number;
  tablesChecked: number;
  /** Rows below the minimum cell rule that were not checked, one line each ("table: group (n speakers, m words)"). */
  notEnoughData: string[];
  /** One line: the pass summary, or the count of failures. */
  summary: string;
}

function rowNote(r: CardRow): string {
  const bits = [`${r.speakers ?? '?'} speakers, ${r.refWords ?? '?'} ref words`];
  if (r.pAdjusted !== null && Number.isFinite(r.pAdjusted)) bits.push(`adj. p ${fmtPMc(r)}${r.flags.includes('undecided') ? ', undecided' : ''}`);
  if (r.flags.includes('small-cell')) bits.push('small cell');
  return bits.join(', ');
}

function checkRow(t: CardTable, r: CardRow, th: CheckThresholds): CheckViolation[] {
  const out: CheckViolation[] = [];
  if (r.suppressed || !r.wer) return out;
  const where = `${tableHeading(t)}: group "${r.group}"`;
  const base = { table: t.id, backend: t.backend, condition: t.condition, group: r.group };
  const sig = r.flags.includes('significant-gap');
  if (th.maxWer !== undefined) {
    const over = th.significantOnly ? r.wer.lo > th.maxWer : r.wer.estimate > th.maxWer;
    if (over) {
      out.push({
        ...base, rule: 'max-wer', value: r.wer.estimate, limit: th.maxWer,
        message: `${where} WER ${fmtPct(r.wer.estimate)} [${fmtPct(r.wer.lo)}, ${fmtPct(r.wer.hi)}] exceeds --max-wer ${fmtPct(th.maxWer)} (${rowNote(r)})`,
      });
    }
  }
  if (th.maxGap !== undefined && r.gapToBest && r.gapToBest.estimate > th.maxGap && (!th.significantOnly || sig)) {
    out.push({
      ...base, rule: 'max-gap', value: r.gapToBest.estimate, limit: th.maxGap,
      message: `${where} WER ${fmtPct(r.wer.estimate)} is ${(r.gapToBest.estimate * 100).toFixed(1)} points above best group "${t.bestGroup}" [95% CI ${(r.gapToBest.lo * 100).toFixed(1)}, ${(r.gapToBest.hi * 100).toFixed(1)}], over --max-gap ${(th.maxGap * 100).toFixed(1)} points (${rowNote(r)})`,
    });
  }
  if (th.groupRatio !== undefined && r.ratioToBest && r.ratioToBest.estimate > th.groupRatio && (!th.significantOnly || sig)) {
    out.push({
      ...base, rule: 'group-ratio', value: r.ratioToBest.estimate, limit: th.groupRatio,
      message: `${where} WER is ${Number.isFinite(r.ratioToBest.estimate) ? r.ratioToBest.estimate.toFixed(2) : '∞'}× that of best group "${t.bestGroup}", over --group-ratio ${th.groupRatio} (${rowNote(r)})`,
    });
  }
  return out;
}

function checkDegradationRow(d: CardDegradation, r: CardDegradationRow, limit: number, significantOnly: boolean): CheckViolation | undefined {
  const x = r.excessOverRest;
  if (r.suppressed || !x || !Number.isFinite(x.estimate) || x.estimate <= limit || (significantOnly && !r.degradesMore)) return undefined;
  const pp = (v: number) => (v * 100).toFixed(1);
  const note = [`${r.speakers ?? '?'} speakers`, `adj. p ${fmtP(r.pAdjusted)}`, ...(r.smallCell ? ['small cell'] : [])].join(', ');
  return {
    rule: 'max-degradation-gap', table: d.id, backend: d.backend, condition: d.condition, group: r.group, value: x.estimate, limit,
    message: `${degradationHeading(d)}: group "${r.group}" WER rises ${r.degradation ? pp(r.degradation.estimate) : '?'} points (${fmtPct(r.werClean)} → ${fmtPct(r.werCondition)}), ${pp(x.estimate)} points more than the rest [95% CI ${pp(x.lo)}, ${pp(x.hi)}], over --max-degradation-gap ${pp(limit)} points (${note})`,
  };
}

/** Label keys no utterance declares (every table's only group is `undeclared`). */
export function undeclaredKeys(card: ServiceCard): string[] {
  const keys = new Set<string>();
  for (const t of card.tables) if (t.rows.length === 1 && t.rows[0].group.split(' × ').every((g) => g.endsWith('undeclared'))) keys.add(t.groupBy);
  return [...keys];
}

/** Applies CI-gate thresholds to every group row of every table of a card. */
export function checkCard(card: ServiceCard, th: CheckThresholds): CheckResult {
  const violations: CheckViolation[] = [];
  let groupsChecked = 0;
  const notEnoughData: string[] = [];
  for (const t of card.tables) {
    for (const r of t.rows) {
      if (r.suppressed || (r.flags.includes('small-cell') && !th.includeSmallCells)) {
        notEnoughData.push(`${tableHeading(t)}: group "${r.group}" (${r.speakers ?? '?'} speakers, ${r.refWords ?? '?'} ref words; minimum ${card.settings.minCell.speakers} and ${card.settings.minCell.words})`);
        continue;
      }
      groupsChecked++;
      violations.push(...checkRow(t, r, th));
    }
  }
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
  const rules = [
    th.maxWer !== undefined ? `WER ≤ ${fmtPct(th.maxWer)}` : '',
    th.maxGap !== undefined ? `gap ≤ ${(th.maxGap * 100).toFixed(1)} points` : '',
    th.groupRatio !== undefined ? `ratio ≤ ${th.groupRatio}` : '',
    th.maxDegradationGap !== undefined ? `excess degradation ≤ ${(th.maxDegradationGap * 100).toFixed(1)} points (${degradationChecked} group × condition rows)` : '',
  ].filter(Boolean);
  const mode = (th.significantOnly ? ' (significant only)' : '') + (notEnoughData.length ? `; ${notEnoughData.length} small cell${notEnoughData.length === 1 ? '' : 's'} not checked (not enough data)` : '');
  if (groupsChecked === 0) {
    // A gate must not pass on nothing: an empty or fully failed run is a failure of its own.
    const why = notEnoughData.length ? `every group is below the minimum cell rule (${notEnoughData.length} not enough data; --include-small-cells to check them)` : 'the run has no scored utterances';
    return { passed: false, violations, groupsChecked, tablesChecked: card.tables.length, notEnoughData, summary: `FAIL: no group to check (${why})` };
  }
  if (th.maxDegradationGap !== undefined && card.degradation.length === 0) {
    return {
      passed: false, violations, groupsChecked, tablesChecked: card.tables.length, notEnoughData,
      summary: 'FAIL: --max-degradation-gap needs a run with the clean condition and at least one other condition; this run has none to compare',
    };
  }
  const summary = violations.length
    ? `FAIL: ${violations.length} threshold${violations.length === 1 ? '' : 's'} crossed in ${groupsChecked} groups of ${card.tables.length} tables${mode}`
    : `PASS: ${groupsChecked} groups in ${card.tables.length} tables within ${rules.join(', ') || 'no thresholds'}${mode}`;
  return { passed: violations.length === 0, violations, groupsChecked, tablesChecked: card.tables.length, notEnoughData, summary };
}

/** True when a gate sets at least one threshold. */
export function hasThreshold(th: CheckThresholds): boolean {
  return th.maxGap !== undefined || th.maxWer !== undefined || th.groupRatio !== undefined || th.maxDegradationGap !== undefined;
}
