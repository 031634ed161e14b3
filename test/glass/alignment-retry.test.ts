import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chosenLoose, looseFsg } from '../../src/backends/pocketsphinx-glass.ts';
import { failureCounts, runGlassboxOnManifest, type GlassReport } from '../../src/analysis/glass-suite.ts';
import { confusableMarkdown } from '../../src/report/confusable.ts';

describe('loose alignment grammar', () => {
  it('lets every phone be skipped and parses the path back to canonical positions', () => {
    const fsg = looseFsg('u0', [[['DH', 'AH'], ['DH', 'IY']], [['K', 'AE', 'T']]]);
    expect(fsg).toContain('TRANSITION 0 3 1.0 DH\nTRANSITION 0 4 0.5\nTRANSITION 4 3 1.0\n');
    expect(fsg).toMatch(/FINAL_STATE 2/);
    expect(chosenLoose([[['DH', 'AH'], ['DH', 'IY']], [['K', 'AE', 'T']]], ['DH', 'IY', 'K', 'T'])).toEqual({ chosen: [1, 0], canonicalIndex: [0, 1, 2, 4] });
    expect(chosenLoose([[['DH', 'AH']], [['K', 'AE', 'T']]], ['AE'])).toEqual({ chosen: [0, 0], canonicalIndex: [3] });
    expect(chosenLoose([[['DH', 'AH']]], ['K'])).toBeUndefined();
  });
});

/**
 * Smallest failing input: a one-word recording whose reference is a long sentence. The exact grammar
 * needs at least three frames per phone, more than the audio has, so forced alignment fails at any
 * beam; the loose grammar recovers it, and the report counts the retries and skipped phones.
 */
describe('forced alignment that fails is retried, and what stays failed is counted per group and stage', () => {
  let dir: string;
  let report: GlassReport;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'asrfair-glass-retry-'));
    const say = (id: string, text: string) => execFileSync('flite', ['-voice', 'slt', '-t', text, '-o', join(dir, `${id}.wav`)]);
    say('a-1', 'the birch canoe slid on the smooth planks');
    say('b-1', 'glue');
    const m = [
      { id: 'a-1', audio: 'a-1.wav', text: 'the birch canoe slid on the smooth planks', speaker: 'a', labels: { accent: 'x' } },
      { id: 'b-1', audio: 'b-1.wav', text: 'glue the sheet to the dark blue background it is easy to tell the depth of a well these days a chicken leg is a rare dish', speaker: 'b', labels: { accent: 'y' } },
    ];
    writeFileSync(join(dir, 'm.jsonl'), m.map((x) => JSON.stringify(x)).join('\n') + '\n');
    report = await runGlassboxOnManifest(join(dir, 'm.jsonl'), 'accent', { cacheDir: join(dir, 'cache'), processes: 1, decodeWords: false });
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('recovers the utterance with the loose grammar after the wider beams fail', () => {
    expect(report.alignmentRetries!.attempts.map((a) => [a.attempt, a.tried, a.recovered])).toEqual([
      ['wider-beams', 1, 0],
      ['loose-grammar', 1, 1],
    ]);
    expect(report.alignmentRetries!.attempts[1].byGroup).toEqual({ y: { tried: 1, recovered: 1 } });
    expect(report.alignmentRetries!.skippedPhones.y).toBeGreaterThan(40);
    expect(report.failures.filter((f) => f.stage === 'alignment')).toEqual([]);
    const md = confusableMarkdown(report);
    expect(md).toContain('Forced alignment retry (loose-grammar, beam 1e-250): 1 of 1 recovered (y 1/1).');
    expect(md).toMatch(/Canonical phones the loose grammar skipped \(no goodness score\): y \d+\./);
  });

  it('counts failures per group and stage', () => {
    expect(failureCounts([
      { id: '1', group: 'y', stage: 'alignment', error: 'e' },
      { id: '2', group: 'y', stage: 'alignment', error: 'e' },
      { id: '3', group: 'x', stage: 'words', error: 'e' },
    ])).toEqual([
      { group: 'x', stage: 'words', count: 1 },
      { group: 'y', stage: 'alignment', count: 2 },
    ]);
  });
});
