import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGlassboxOnManifest, type GlassReport } from '../../src/analysis/glass-suite.ts';
import { balancedChunks } from '../../src/backends/pocketsphinx-glass.ts';

/**
 * The glass-box stages run at once under one limiter, each split into chunks balanced by audio
 * length. Every utterance is decoded on its own, so the schedule must not change any evidence: the
 * same real utterances (speechocean762: Mandarin-L1 children and adults) through one process and
 * through three give identical per-utterance phone-loop, goodness and black-box evidence.
 */

const MANIFEST = new URL('../../corpora/speechocean762-sample/manifest.jsonl', import.meta.url).pathname;
// Two adults (1030, 1037) and two children (1046, 1050), three utterances each of varied length.
const IDS = new Set(['010300003', '010300105', '010300106', '010370025', '010370070', '010460017', '010460020', '010460030', '010500012', '010500018']);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function glassWith(processes: number): Promise<GlassReport> {
  const dir = mkdtempSync(join(tmpdir(), 'asrfair-glass-schedule-'));
  dirs.push(dir);
  return runGlassboxOnManifest(MANIFEST, 'gender', { cacheDir: dir, ids: IDS, processes, keepEvidence: true });
}

describe('balancedChunks', () => {
  it('spreads items over chunks of about equal size, each item once, input order kept inside a chunk', () => {
    const sizes = [9, 1, 1, 1, 8, 2, 2, 3, 7, 1];
    const chunks = balancedChunks(sizes.map((s, i) => ({ i, s })), 3, (x) => x.s);
    expect(chunks.flat().map((x) => x.i).sort((a, b) => a - b)).toEqual(sizes.map((_, i) => i));
    const loads = chunks.map((c) => c.reduce((a, x) => a + x.s, 0));
    expect(loads).toEqual([...loads].sort((a, b) => b - a));
    expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
    for (const c of chunks) expect(c.map((x) => x.i)).toEqual([...c.map((x) => x.i)].sort((a, b) => a - b));
    // Round-robin would have made chunks of 13, 12 and 10.
    expect(balancedChunks([5, 5], 4, (x) => x)).toEqual([[5], [5]]);
    expect(balancedChunks([], 2, (x: number) => x)).toEqual([]);
  });
});

describe('glass-box schedule (real speech, real PocketSphinx)', () => {
  it('one process and three overlapping ones give identical per-utterance evidence', async () => {
    const one = await glassWith(1);
    const three = await glassWith(3);
    expect(one.failures).toEqual([]);
    expect(one.evidence!.phoneLoop).toHaveLength(IDS.size);
    expect(one.evidence!.blackBox).toHaveLength(IDS.size);
    expect(one.evidence!.goodness).toHaveLength(IDS.size);
    // Evidence that says something: phones were decoded and scored, words were recognised.
    expect(one.evidence!.goodness.flatMap((u) => u.phones).length).toBeGreaterThan(100);
    expect(three.evidence).toEqual(one.evidence);
    expect(three.failures).toEqual(one.failures);
    expect(three.alignmentRetries).toEqual(one.alignmentRetries);
    expect(three.blackBox?.hypothesisSource).toBe(one.blackBox?.hypothesisSource);
  }, 300_000);

  it('keeps each utterance\'s decoder results as its chunk finishes: an interrupted run resumes from them, with the same evidence', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asrfair-glass-resume-'));
    dirs.push(dir);
    const kept = () => {
      try {
        return readdirSync(join(dir, 'glass-results'), { recursive: true }).filter((f) => String(f).endsWith('.json')).length;
      } catch {
        return 0;
      }
    };
    // Interrupt as soon as the first results are on disk (the phone loop's chunk, or a first decoded word).
    const ctl = new AbortController();
    const poll = setInterval(() => kept() > 0 && ctl.abort(), 20);
    await expect(runGlassboxOnManifest(MANIFEST, 'gender', { cacheDir: dir, ids: IDS, processes: 1, keepEvidence: true, signal: ctl.signal })).rejects.toThrow();
    clearInterval(poll);
    const before = kept();
    expect(before).toBeGreaterThan(0);
    const messages: string[] = [];
    const resumed = await runGlassboxOnManifest(MANIFEST, 'gender', { cacheDir: dir, ids: IDS, processes: 1, keepEvidence: true, onProgress: (m) => messages.push(m) });
    const reused = messages.find((m) => m.startsWith('reused from '));
    expect(reused).toBeDefined();
    const counts = [...reused!.matchAll(/(\d+)(?=[,]| utterance results)/g)].reduce((a, m) => a + Number(m[1]), 0);
    expect(counts).toBe(before);
    // The same evidence as a run that decodes everything.
    const fresh = mkdtempSync(join(tmpdir(), 'asrfair-glass-resume-ref-'));
    dirs.push(fresh);
    const ref = await runGlassboxOnManifest(MANIFEST, 'gender', { cacheDir: fresh, ids: IDS, processes: 1, keepEvidence: true, resultCache: false });
    expect(resumed.evidence).toEqual(ref.evidence);
    expect(resumed.failures).toEqual(ref.failures);
    // A third run decodes nothing: every phone-loop, alignment and word result is reused.
    const again: string[] = [];
    await runGlassboxOnManifest(MANIFEST, 'gender', { cacheDir: dir, ids: IDS, processes: 1, onProgress: (m) => again.push(m) });
    const all = again.find((m) => m.startsWith('reused from ')) ?? '';
    for (const pass of ['phone-loop 10', 'alignment 10', 'words 10']) expect(all).toContain(pass);
  }, 300_000);
});
