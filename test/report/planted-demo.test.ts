import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { plantedGlassDemo, plantedSummary } from '../../src/report/planted-glass.ts';

/**
 * The demo's glass-box section on planted accents at its default size (6 matched speakers per group, 8 sentences
 * of corpora/prompts/th-r-dense.txt, TH-stopping and non-rhotic against a null group), with real festival and
 * PocketSphinx: what `asrfair demo` promises is that the planted rules are recovered, not only printed.
 */
let dir: string;
let demo: Awaited<ReturnType<typeof plantedGlassDemo>>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-planted-demo-'));
  demo = await plantedGlassDemo({ corpusDir: join(dir, 'corpus'), outDir: join(dir, 'report') });
}, 600_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('asrfair demo: glass box on planted accents', () => {
  it('recovers the planted sounds from goodness and the black box, and every flag is planted or caused by the rules', () => {
    const by = Object.fromEntries(demo.validation.map((v) => [v.kind, v]));
    for (const kind of ['goodness', 'blackBox'] as const) {
      const v = by[kind];
      const found = v.rules.reduce((a, r) => a + r.foundByPhone.length, 0);
      const visible = v.rules.reduce((a, r) => a + r.visible.length, 0);
      expect(visible, kind).toBe(4);
      expect(found, kind).toBeGreaterThanOrEqual(3);
      // Both planted groups are found, not one group twice.
      expect(v.rules.filter((r) => r.foundByPhone.length).map((r) => r.group).sort(), kind).toEqual(['non-rhotic', 'th-stopping']);
    }
    for (const v of demo.validation) expect(v.unattributed, v.kind).toEqual([]);
    // The null group is never flagged (it is the reference; nothing of it is tested against itself).
    expect(demo.report.phoneLoop!.phones.some((t) => t.group === 'none')).toBe(false);
  });

  it('writes the ground truth beside the findings, says what it missed, and prints one line per evidence', () => {
    const md = readFileSync(join(dir, 'report', 'glass-planted.md'), 'utf8');
    expect(md).toMatch(/Synthetic speech, not people/);
    expect(md).toMatch(/\| th-stopping \| DH → D \(\d+\), TH → T \(\d+\) \|/);
    const missed = demo.validation.reduce((a, v) => a + v.rules.reduce((b, r) => b + r.visible.length - r.foundByPhone.length, 0), 0);
    if (missed) expect(md).toMatch(/Planted sounds not flagged, with their closest test/);
    // The HTML page carries the same ground truth and the same evidence table as the Markdown.
    const html = readFileSync(join(dir, 'report', 'glass-planted.html'), 'utf8');
    expect(html).toContain('Synthetic speech, not people');
    expect(html).toMatch(/<tr><td>th-stopping<\/td><td>DH → D \(\d+\), TH → T \(\d+\)<\/td>/);
    for (const v of demo.validation) {
      const found = v.rules.reduce((a, r) => a + r.foundByPhone.length, 0);
      expect(html).toContain(`<td>${found} of 4</td>`);
    }
    const json = JSON.parse(readFileSync(join(dir, 'report', 'glass-planted.json'), 'utf8')) as {
      synthetic: boolean;
      groundTruth: unknown[];
      validation: { kind: string; soundsFound: number; visible: number; rules: { recall: number; strictRecall: number; found: string[] }[] }[];
    };
    expect(json.synthetic).toBe(true);
    expect(json.groundTruth.length).toBe(4);
    // The JSON names recall as the report does: `recall` is of sounds (what the tables show), `strictRecall` of confusions.
    for (const v of demo.validation) {
      const j = json.validation.find((x) => x.kind === v.kind)!;
      expect(j.soundsFound).toBe(v.rules.reduce((a, r) => a + r.foundByPhone.length, 0));
      const orNull = (x: number) => (Number.isFinite(x) ? x : null);
      expect(j.rules.map((r) => r.recall)).toEqual(v.rules.map((r) => orNull(r.recallByPhone)));
      expect(j.rules.map((r) => r.strictRecall)).toEqual(v.rules.map((r) => orNull(r.recall)));
    }
    const summary = plantedSummary(demo.validation, demo.report);
    expect(summary.split('\n')).toHaveLength(4);
    expect(summary).toMatch(/forced-alignment goodness: [34] of 4 planted sounds found at FDR q = 0\.05 \(\d+ flags on [34] sounds, all planted or caused by the rules\)/);
  });
});
