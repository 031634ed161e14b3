/**
 * Speaker-disjoint train/dev/test splits, stratified by group: within every group the speakers are
 * shuffled with a seeded PRNG and dealt to the three splits in proportion, so each group has
 * speakers in every split and no speaker is in two.
 */
import { createHash } from 'node:crypto';
import { createRng, subSeed } from '../stats/rng.ts';

export type SplitName = 'train' | 'dev' | 'test';
export const SPLITS: readonly SplitName[] = ['train', 'dev', 'test'];

export interface SplitOptions {
  seed: number;
  /** Share of each group's speakers per split (normalised; default 0.5 / 0.25 / 0.25). */
  fractions?: Record<SplitName, number>;
  /** Speakers a group needs in every split (default 1 for train and dev, 2 for test, so test has a bootstrap). */
  minPerSplit?: Record<SplitName, number>;
  /**
   * Matched speakers across groups (e.g. the same synthetic voice profile in every planted group):
   * speakers with the same key go to the same split in every group, so the held-out groups differ only
   * by group, not by which speakers they drew. Speakers without a key are dealt after the keyed ones.
   */
  matchKey?: (speaker: string) => string | undefined;
}

export interface GroupSplit {
  group: string;
  train: string[];
  dev: string[];
  test: string[];
}

/** The recorded split: enough to redo it (seed, fractions) and to check it (speaker lists, hash). */
export interface SplitPlan {
  seed: number;
  fractions: Record<SplitName, number>;
  groups: GroupSplit[];
  /** sha256 (12 hex) of the group → split → speakers lists: part of adapted backends' provenance. */
  hash: string;
}

/** A group too small to split: says how many speakers it has and needs. */
export class SplitError extends Error {
  constructor(
    readonly group: string,
    readonly have: number,
    readonly need: number,
  ) {
    super(`group "${group}" has ${have} speaker${have === 1 ? '' : 's'}; a speaker-disjoint train/dev/test split needs at least ${need}`);
    this.name = 'SplitError';
  }
}

export const DEFAULT_FRACTIONS: Record<SplitName, number> = { train: 0.5, dev: 0.25, test: 0.25 };
export const DEFAULT_MIN_PER_SPLIT: Record<SplitName, number> = { train: 1, dev: 1, test: 2 };

/**
 * Splits the speakers of each group. `speakersByGroup` maps a group to its speakers (a speaker in
 * two groups is an error: splits must stay disjoint). Deterministic for a given seed and input set
 * (speakers are sorted before shuffling). Throws SplitError for the first group that is too small.
 */
export function splitSpeakers(speakersByGroup: ReadonlyMap<string, Iterable<string>>, opts: SplitOptions): SplitPlan {
  const fr = opts.fractions ?? DEFAULT_FRACTIONS;
  const min = opts.minPerSplit ?? DEFAULT_MIN_PER_SPLIT;
  const total = fr.train + fr.dev + fr.test;
  const fractions = { train: fr.train / total, dev: fr.dev / total, test: fr.test / total };
  const need = min.train + min.dev + min.test;
  const owner = new Map<string, string>();
  const groups: GroupSplit[] = [];
  // Matched speakers: one shuffle of the match keys, shared by every group (stable sort keeps the rest shuffled).
  let keyRank: Map<string, number> | undefined;
  if (opts.matchKey) {
    const keys = [...new Set([...speakersByGroup.values()].flatMap((v) => [...v].map((s) => opts.matchKey!(s)).filter((k): k is string => k !== undefined)))].sort();
    const rng = createRng(subSeed(opts.seed, 'split:matched'));
    for (let i = keys.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [keys[i], keys[j]] = [keys[j], keys[i]];
    }
    keyRank = new Map(keys.map((k, i) => [k, i]));
  }
  for (const group of [...speakersByGroup.keys()].sort()) {
    const spk = [...new Set(speakersByGroup.get(group)!)].sort();
    for (const s of spk) {
      const o = owner.get(s);
      if (o !== undefined) throw new Error(`speaker "${s}" is in groups "${o}" and "${group}"; speaker-disjoint splits need one group per speaker`);
      owner.set(s, group);
    }
    if (spk.length < need) throw new SplitError(group, spk.length, need);
    const rng = createRng(subSeed(opts.seed, `split:${group}`));
    for (let i = spk.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [spk[i], spk[j]] = [spk[j], spk[i]];
    }
    if (keyRank) {
      const rank = (s: string) => keyRank.get(opts.matchKey!(s) ?? '') ?? Number.MAX_SAFE_INTEGER;
      spk.sort((a, b) => rank(a) - rank(b));
    }
    // Largest-remainder allocation, then lift each split to its minimum by taking from the largest.
    const n = spk.length;
    const raw = SPLITS.map((s) => fractions[s] * n);
    const count = raw.map(Math.floor);
    const order = raw.map((r, i) => ({ i, rem: r - Math.floor(r) })).sort((a, b) => b.rem - a.rem || a.i - b.i);
    for (let k = 0, left = n - count.reduce((a, b) => a + b, 0); k < left; k++) count[order[k].i]++;
    SPLITS.forEach((s, i) => {
      while (count[i] < min[s]) {
        const donor = count.map((c, j) => ({ j, spare: c - min[SPLITS[j]] })).sort((a, b) => b.spare - a.spare)[0];
        count[donor.j]--;
        count[i]++;
      }
    });
    const train = spk.slice(0, count[0]);
    const dev = spk.slice(count[0], count[0] + count[1]);
    const test = spk.slice(count[0] + count[1]);
    groups.push({ group, train: train.sort(), dev: dev.sort(), test: test.sort() });
  }
  const hash = createHash('sha256')
    .update(JSON.stringify(groups.map((g) => [g.group, g.train, g.dev, g.test])))
    .digest('hex')
    .slice(0, 12);
  return { seed: opts.seed, fractions, groups, hash };
}

/** speaker → split, for looking utterances up. */
export function splitOfSpeaker(plan: SplitPlan): Map<string, SplitName> {
  const m = new Map<string, SplitName>();
  for (const g of plan.groups) for (const s of SPLITS) for (const spk of g[s]) m.set(spk, s);
  return m;
}
