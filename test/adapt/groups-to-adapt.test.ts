/**
 * Which groups adapt works on (user trial 15): 2 speakers without `accent` stopped adapt ("group undeclared has 2
 * speakers…"); the error for a small declared group named no file, only the first group, and no way out; and
 * `--group-by foo` (no utterance declares it) ran a whole adapt on the single group "undeclared".
 */
import { describe, expect, it } from 'vitest';
import { groupsToAdapt } from '../../src/adapt/pipeline.ts';
import type { ManifestEntry } from '../../src/manifest/schema.ts';

const rows = (group: string | undefined, speakers: number, prefix = group ?? 'u') =>
  Array.from({ length: speakers * 2 }, (_, i) => ({
    id: `${prefix}-${i}`, speaker: `${prefix}-s${i % speakers}`, text: 'a', audioPath: '/x.wav', labels: group ? { accent: group } : {},
    source: { file: 'm.jsonl', line: i + 1 },
  }) as unknown as ManifestEntry);

describe('adapt: the groups it adapts', () => {
  it('undeclared speakers too few for a split are left out, said and counted', () => {
    const said: string[] = [];
    const kept = groupsToAdapt([...rows('stops', 4), ...rows('none', 4), ...rows(undefined, 2)], 'accent', 'm.jsonl', [], (w) => said.push(w));
    expect(kept).toHaveLength(16);
    expect(said).toEqual(['"undeclared" (utterances that declare no accent: 2 speakers, 4 utterances) is too few for a speaker-disjoint split (4 speakers) and is not ranked anyway: left out of adapt']);
  });
  it('small declared groups: every one with its count, the manifest, and the way out; --exclude-group leaves one out, said', () => {
    const input = [...rows('stops', 4), ...rows('none', 3), ...rows('v-w', 2)];
    expect(() => groupsToAdapt(input, 'accent', 'm.jsonl', [], () => {})).toThrow(
      'm.jsonl: a speaker-disjoint train/dev/test split needs at least 4 speakers per group; too few in "none" (3), "v-w" (2): add speakers, or leave them out with --exclude-group none --exclude-group v-w',
    );
    const said: string[] = [];
    const more = [...input, ...rows('pin-pen', 5)];
    expect(groupsToAdapt(more, 'accent', 'm.jsonl', ['none', 'v-w'], (w) => said.push(w))).toHaveLength(18);
    expect(said).toEqual(['group "none" (3 speakers, 6 utterances) left out of adapt (--exclude-group)', 'group "v-w" (2 speakers, 4 utterances) left out of adapt (--exclude-group)']);
    expect(() => groupsToAdapt(more, 'accent', 'm.jsonl', ['nope'], () => {})).toThrow('--exclude-group nope: not a group of m.jsonl by "accent"');
  });
  it('one group only (a --group-by key nobody declares) is refused', () => {
    expect(() => groupsToAdapt([...rows('stops', 4), ...rows('none', 4)], 'foo', 'm.jsonl', [], () => {})).toThrow(
      'adapt compares groups, and m.jsonl has one group by "foo" ("undeclared") (no utterance declares foo): it needs at least two (choose another key with --group-by)',
    );
  });
});
