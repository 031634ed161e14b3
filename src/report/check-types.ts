/**
 * What `asrfair check` and the suite's gate take and give (src/report/check.ts checkCard): thresholds, violations,
 * lost utterances per group, and the result.
 */

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
  /**
   * The name each threshold goes by in the gate's lines: the flag (`--max-gap`, the default) or the suite's key
   * (`gate.maxGap`) it came from (src/report/gate.ts checkThresholds).
   */
  labels?: Partial<Record<'maxGap' | 'maxWer' | 'groupRatio' | 'maxDegradationGap' | 'maxFailedShare', string>>;
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
