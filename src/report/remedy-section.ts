/**
 * The card's remedy section (issue 16): the run's adapted backend (`remedy.after`) against its
 * baseline (`remedy.before`) on the same utterances of the clean condition, per group — WER before
 * and after with a paired speaker-cluster bootstrap interval of the change (src/adapt/remedy.ts, the
 * same draws `asrfair compare` makes with the card's B and seed), the change in worst-group WER and
 * in the gap (worst − best), and whether any group got significantly worse (interval wholly above 0).
 * Everything comes from run.json (`analysis.remedy`) and the stored results, so `asrfair report`
 * rebuilds it byte for byte.
 */
import { remedyReport, type RemedyGroup, type RemedyReport } from '../adapt/remedy.ts';
import type { MinCell } from '../analysis/groups.ts';
import type { ScoredUtterance } from '../analysis/types.ts';
import type { RemedySettings } from '../run/suite.ts';
import type { RunMeta } from '../score/run-export.ts';
import { groupOf } from '../manifest/schema.ts';
import type { CardSuppression } from './publish.ts';

export interface CardRemedyGroup extends Omit<RemedyGroup, 'paired'> {
  /** Below the card's minimum cell (speakers or reference words): the interval is shown but fragile. */
  smallCell: boolean;
}

export interface CardRemedy {
  settings: RemedySettings;
  before: { name: string; key: string };
  after: { name: string; key: string };
  condition: string;
  conditionName: string;
  /** Null when the run lacks one of the backends or shares no scored utterance between them (see `error`). */
  report: (Omit<RemedyReport, 'groups'> & { groups: CardRemedyGroup[] }) | null;
  /** Utterances left out because either side failed (counted, not hidden). */
  failedPairs: number;
  error: string | null;
  /** Said on the card for a per-group remedy: it needs the group at decoding time. */
  caveat: string | null;
  /** Publish mode: groups below the minimum cell, left out of every figure of the section (named, not hidden). */
  unpublished: string[];
  /**
   * Publish mode: groups the card's group tables hide by complementary suppression (not small cells), left out of every
   * figure of the section too, so that the All groups row of a group table minus the groups shown minus one of these
   * gives no small cell back. Absent in older card.json files.
   */
  complementary?: string[];
  /**
   * Groups with baseline utterances of which none is scored by both recognisers (every pair failed on one side), with
   * their baseline utterance count: no figure of the section covers them. Named in either mode, never as small cells.
   */
  noScored: { group: string; utterances: number }[];
}

/** Groups of `ub` with no utterance scored ok by both sides (`okAfter`: ids the adapted recogniser scored), by name. */
function noScoredGroups(ub: readonly ScoredUtterance[], okAfter: ReadonlySet<string>, groupBy: string): { group: string; utterances: number }[] {
  const n = new Map<string, number>();
  const scored = new Set<string>();
  for (const u of ub) {
    const g = groupOf(u, groupBy);
    n.set(g, (n.get(g) ?? 0) + 1);
    if (u.status === 'ok' && okAfter.has(u.id)) scored.add(g);
  }
  return [...n].filter(([g]) => !scored.has(g)).map(([group, utterances]) => ({ group, utterances })).sort((a, b) => a.group.localeCompare(b.group));
}

export const REMEDY_TITLE = 'Remedy: adapted recogniser against the baseline';

export const PER_GROUP_CAVEAT =
  'This remedy uses one model per group, so it needs each speaker\'s group at decoding time: a deployed system must ask for the self-declared group (and serve people who decline it), never infer it from the voice.';

/** Builds the section from the run's results; `options` are the card's bootstrap settings. */
export function buildRemedySection(
  meta: RunMeta,
  utts: readonly ScoredUtterance[],
  settings: RemedySettings,
  options: {
    groupBy: string; resamples: number; seed: number; minCell: MinCell; cleanCondition: string; publish?: boolean;
    /** Publish mode: the groups the card's group tables suppress, with why (model.ts `cardHiddenGroups`). */
    hidden?: ReadonlyMap<string, CardSuppression>;
  },
): CardRemedy {
  const key = (name: string) => meta.backends.find((b) => b.name === name)?.key ?? '';
  const before = { name: settings.before, key: key(settings.before) };
  const after = { name: settings.after, key: key(settings.after) };
  const cond = meta.conditions.find((c) => c.name === options.cleanCondition) ?? meta.conditions[0];
  const condition = cond?.key ?? 'clean';
  const base = {
    settings, before, after, condition, conditionName: cond?.name ?? condition,
    // Said whenever the remedy picks a model by group: declared so, or a by-group backend (src/backends/by-group.ts).
    caveat: settings.scope === 'group' || after.key.startsWith('by-group:') ? PER_GROUP_CAVEAT : null,
    unpublished: [] as string[],
    complementary: [] as string[],
    noScored: [] as { group: string; utterances: number }[],
  };
  const missing = [before, after].filter((b) => !b.key).map((b) => `"${b.name}"`);
  if (missing.length) return { ...base, report: null, failedPairs: 0, error: `the run has no backend ${missing.join(' or ')}` };
  let ub = utts.filter((u) => u.backend === before.key && u.condition === condition);
  let ua = utts.filter((u) => u.backend === after.key && u.condition === condition);
  base.noScored = noScoredGroups(ub, new Set(ua.filter((u) => u.status === 'ok').map((u) => u.id)), options.groupBy);
  const none = new Set(base.noScored.map((g) => g.group));
  if (options.publish) {
    // Publish mode: a group below the minimum cell (speakers or words of the baseline's scored rows) is left
    // out before any statistic, so neither its row nor the worst-group and gap figures reveal it.
    const spk = new Map<string, Set<string>>();
    const words = new Map<string, number>();
    for (const u of ub) {
      const g = groupOf(u, options.groupBy);
      if (!spk.has(g)) spk.set(g, new Set());
      spk.get(g)!.add(u.speaker);
      if (u.status === 'ok') words.set(g, (words.get(g) ?? 0) + u.words.ref);
    }
    const small = new Set([...spk].filter(([g, s]) => s.size < options.minCell.speakers || (words.get(g) ?? 0) < options.minCell.words).map(([g]) => g));
    // The card's group tables hide these groups (small cells and their complements): so does every figure here.
    const hidden = options.hidden ?? new Map<string, CardSuppression>();
    for (const [g, why] of hidden) if (why === 'small-cell' && spk.has(g)) small.add(g);
    const complement = new Set([...hidden].filter(([g, why]) => why === 'complementary' && spk.has(g) && !small.has(g)).map(([g]) => g));
    // A group with nothing scored is not a small cell: it is named as what it is (noScored), not as unpublished.
    base.unpublished = [...small].filter((g) => !none.has(g)).sort();
    base.complementary = [...complement].filter((g) => !none.has(g)).sort();
    const out = (u: ScoredUtterance) => small.has(groupOf(u, options.groupBy)) || complement.has(groupOf(u, options.groupBy));
    ub = ub.filter((u) => !out(u));
    ua = ua.filter((u) => !out(u));
  }
  const okA = new Set(ua.filter((u) => u.status === 'ok').map((u) => u.id));
  const idsA = new Set(ua.map((u) => u.id));
  const failedPairs = ub.filter((u) => idsA.has(u.id) && (u.status !== 'ok' || !okA.has(u.id))).length;
  if (!ub.some((u) => u.status === 'ok' && okA.has(u.id))) {
    return { ...base, report: null, failedPairs, error: `no utterance scored by both ${before.name} and ${after.name}` };
  }
  const r = remedyReport(ub, ua, {
    groupBy: options.groupBy, beforeName: before.name, afterName: after.name, resamples: options.resamples, seed: options.seed,
    minCell: options.minCell,
    ...(settings.pair ? { pair: settings.pair } : {}),
  });
  const groups = r.groups.map(({ paired: _p, ...g }) => g);
  return { ...base, report: { ...r, groups }, failedPairs, error: null };
}
