import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { glassInputCheck } from '../../src/analysis/glass-suite.ts';
import { findConfusableSounds, type EvidenceUtterance } from '../../src/analysis/confusable.ts';
import type { GlassReport } from '../../src/analysis/glass-suite.ts';
import { defaultGlassOptions } from '../../src/backends/pocketsphinx-glass.ts';
import { confusableMarkdown } from '../../src/report/confusable.ts';

/** Glass inputs that would silently change or void what is compared are refused or said, before any decoding. */

const dir = mkdtempSync(join(tmpdir(), 'asrfair-glass-inputs-'));
const row = (id: string, speaker: string, labels: Record<string, string>) => JSON.stringify({ id, text: 'the cat', audio: `${id}.wav`, speaker, labels });
function manifest(name: string, rows: string[]): string {
  const f = join(dir, name);
  writeFileSync(f, rows.join('\n') + (rows.length ? '\n' : ''));
  return f;
}
const two = manifest('two.jsonl', [
  row('a1', 'sa', { accent: 'a', speaker_profile: 'p1' }),
  row('a2', 'sb', { accent: 'a', speaker_profile: 'p2' }),
  row('b1', 'sc', { accent: 'b', speaker_profile: 'p1' }),
  row('b2', 'sd', { accent: 'b' }),
]);
const glass = (...args: string[]) =>
  spawnSync(process.execPath, ['bin/asrfair.mjs', 'glass', ...args, '--out', join(dir, 'out'), '--cache-dir', join(dir, 'cache')], { encoding: 'utf8', cwd: join(import.meta.dirname, '../..') });

describe('glass: inputs checked before decoding', () => {
  it('refuses an unknown reference group, an absent matching label, an empty manifest and a single group (exit 2, one line)', () => {
    const cases: [string[], RegExp][] = [
      [[two, '--reference-group', 'nosuch'], /reference group "nosuch" is not a group of .*two\.jsonl by "accent" \(groups: a, b\)/],
      [[two, '--match-speakers-by', 'nolabel'], /no utterance of .*two\.jsonl has the label "nolabel"/],
      [[manifest('empty.jsonl', [])], /empty\.jsonl: no utterances to analyse/],
      [[manifest('one.jsonl', [row('x1', 's1', { accent: 'a' }), row('x2', 's2', { accent: 'a' })])], /nothing to compare — every utterance is in group "a" by "accent"/],
      // A speaker on both sides of the test (Common Voice clients declare different accents on different clips).
      [[manifest('both.jsonl', [row('a1', 'sa', { accent: 'a' }), row('a2', 'sb', { accent: 'a' }), row('b1', 'sc', { accent: 'b' }), row('b2', 'sa', { accent: 'b' })])], /^asrfair: .*both\.jsonl:4: speaker "sa" is in group "b" by "accent" here and in group "a" at .*both\.jsonl:1: the glass box compares speakers, so each speaker must be in one group/],
      // A reference of one speaker: nothing can be compared with it.
      [[manifest('solo.jsonl', [row('a1', 'sa', { accent: 'a' }), row('a2', 'sb', { accent: 'a' }), row('s1', 'sc', { accent: 'solo' })]), '--reference-group', 'solo'], /reference group "solo" has 1 speaker in .*solo\.jsonl: a speaker-level test cannot compare any group with it/],
    ];
    for (const [args, message] of cases) {
      const r = glass(...args);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/phone-loop decoding|at .*\.ts:\d+/);
    }
  });

  it('says when a matching label is missing for some utterances, and when a group has one speaker', () => {
    const c = glassInputCheck(
      [
        { id: 'a1', speaker: 'sa', labels: { accent: 'a', p: '1' } },
        { id: 'b1', speaker: 'sb', labels: { accent: 'b', p: '1' } },
        { id: 'b2', speaker: 'sc', labels: { accent: 'b' } },
      ],
      'accent',
      { manifest: 'm.jsonl', matchBy: 'p' },
    );
    expect(c.error).toBeUndefined();
    expect(c.warnings).toEqual([
      '1 of 3 utterances lack the label "p": a comparison is matched only when every speaker in it has the label; the others use independent speakers (each test\'s design is in the report)',
      '"a" has fewer than 2 speakers: a speaker-level test cannot test it (reported as not tested)',
    ]);
  });
});

describe('glass report: nothing flagged is never read as nothing there', () => {
  const evidence = (group: string, speaker: string, th: number): EvidenceUtterance => ({
    id: speaker,
    speaker,
    group,
    events: [...Array.from({ length: 8 }, (_, i) => ({ ref: 'TH', hyp: i < th ? 'T' : 'TH', word: 'think' })), ...Array.from({ length: 8 }, () => ({ ref: 'S', hyp: 'S', word: 'sun' }))],
    words: [],
  });
  const report = (utts: EvidenceUtterance[]): GlassReport => {
    const r = findConfusableSounds(utts, { referenceGroup: 'ref', test: 'welch' });
    return { groupBy: 'accent', groups: r.groups, utterances: utts.length, speakers: utts.length, phoneLoop: r, failures: [], settings: { glass: defaultGlassOptions(), engine: 'pocketsphinx' } };
  };

  it('says when the speakers are too few for any sound to pass the correction, with the closest tests', () => {
    // 3 vs 2 speakers: 10 splits, so no p below 1/10 — TH stopped 8 of 8 times by every speaker cannot be flagged.
    const utts = [...[1, 2, 3].map((k) => evidence('th', `t${k}`, 8)), ...[1, 2].map((k) => evidence('ref', `r${k}`, 0))];
    const md = confusableMarkdown(report(utts));
    expect(md).toContain("No sound flagged, and none could be on its own at this size: the smallest p 3 speakers against the comparison's can give is 0.10 (exact permutation floor), and Benjamini–Hochberg over 2 tests needs p ≤ 0.025 for a lone finding");
    expect(md).toContain("Closest: TH (24/24 vs 0/16, p 0.100, adj. 0.100)");
  });

  it('says that a group with one speaker could not be tested', () => {
    const md = confusableMarkdown(report([evidence('ref', 'r1', 0), evidence('ref', 'r2', 0), evidence('th', 't1', 8)]));
    expect(md).toContain('No sound could be tested: a speaker-level test needs at least 2 speakers');
  });
});
