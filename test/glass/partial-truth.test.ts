/**
 * Trial 18: with `--ground-truth` holding the first 60 of 120 planted utterances, black-box "planted or caused" fell
 * from 15/15 to 14/15 (non-rhotic AO) with the same flags: `attributionOf` read the uncovered utterances' words as
 * untouched by the rules, so their rewritten words' errors counted as excess in untouched words. Attribution now
 * counts over the utterances the ground truth covers only (as README says a partial match is counted).
 * Evidence shaped as the black box keeps it (phone events per reference word), for a group whose rewritten word
 * "car" (AA heard as AO) carries all the excess.
 */
import { describe, expect, it } from 'vitest';
import { attributionOf } from '../../src/analysis/glass-validation.ts';
import type { EvidenceUtterance } from '../../src/analysis/confusable.ts';
import type { PlantedUtterance } from '../../src/corpora/planted/index.ts';

const ev = (id: string, group: string, events: [string, string, string][]): EvidenceUtterance => ({
  id,
  speaker: `${id}-spk`,
  group,
  events: events.map(([ref, hyp, word]) => ({ ref, hyp, word })),
  words: [],
});
const truthOf = (id: string, group: string, rewritten: boolean) =>
  ({ id, group, words: [{ word: 'car', applied: rewritten ? [{ rule: 'non-rhotic', from: 'AA R', to: 'AO' }] : [] }, { word: 'father', applied: [] }] }) as unknown as PlantedUtterance;

describe('attribution with a partial ground truth', () => {
  // Covered: two group utterances (car rewritten, AA → AO; father heard right) and two of the comparison group.
  const covered = [ev('g1', 'nr', [['AA', 'AO', 'car'], ['AA', 'AA', 'father']]), ev('g2', 'nr', [['AA', 'AO', 'car'], ['AA', 'AA', 'father']]), ev('c1', 'none', [['AA', 'AA', 'car']]), ev('c2', 'none', [['AA', 'AA', 'car']])];
  // Not covered by the partial truth: four more group utterances whose (rewritten) car is heard as AO.
  const uncovered = ['g3', 'g4', 'g5', 'g6'].map((id) => ev(id, 'nr', [['AA', 'AO', 'car']]));
  const evidence = { phoneLoop: [], goodness: [], blackBox: [...covered, ...uncovered] };
  const flag = { group: 'nr', ref: 'AA', hyp: 'AO' };

  it('is the same with the full and the half ground truth', () => {
    const full = [...['g1', 'g2', 'g3', 'g4', 'g5', 'g6'].map((id) => truthOf(id, 'nr', true)), truthOf('c1', 'none', false), truthOf('c2', 'none', false)];
    const half = full.filter((u) => !uncovered.some((e) => e.id === u.id));
    expect(attributionOf(full, evidence, 'none')('blackBox', flag)).toBe(true);
    expect(attributionOf(half, evidence, 'none')('blackBox', flag)).toBe(true);
  });
});
