/**
 * `adapt` takes the entries its caller already read and labelled (`AdaptOptions.entries`; the CLI reads the manifest
 * once, for its warnings and for the pipeline): the manifest is not read again, and what is split and counted is the
 * same as when the pipeline reads and labels the file itself. Audio that does not exist keeps this to the split: every
 * utterance fails at the audio stage (named), and the run stops with "no dev utterance … decoded".
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { adapt, type AdaptOptions } from '../../src/adapt/pipeline.ts';
import { loadManifest } from '../../src/manifest/jsonl.ts';
import type { ManifestEntry } from '../../src/manifest/schema.ts';

const dir = mkdtempSync(join(tmpdir(), 'asrfair-adapt-entries-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Eight speakers, two utterances each; the declared accent is relabelled into two groups, as a suite's label map would.
const manifest = join(dir, 'm.jsonl');
writeFileSync(
  manifest,
  Array.from({ length: 16 }, (_, i) => JSON.stringify({ id: `u${i}`, audio: `missing-${i}.wav`, text: 'the birch canoe', speaker: `s${i >> 1}`, labels: { accent: `raw-${i >> 1}` } })).join('\n') + '\n',
);
const labels = (e: ManifestEntry) => ({ ...e.labels, accent: Number(e.labels?.accent?.slice(4)) < 4 ? 'north' : 'south' });
const base = (out: string): AdaptOptions => ({
  manifest, groupBy: 'accent', labels, out: join(dir, out), cacheDir: join(dir, 'cache'), seed: 3, methods: ['variants'], rules: {}, variantScope: ['group'],
  weightings: ['unweighted'], select: 'minimax', normaliser: 'basic', resamples: 10, processes: 1,
});

describe('adapt with the entries its caller read', () => {
  it('splits and counts as when it reads the manifest itself, and does not read the manifest again', async () => {
    const bad: string[] = [];
    await expect(adapt({ ...base('read'), onBadInput: (b) => bad.push(`${b.file}:${b.line}`) })).rejects.toThrow(/no dev utterance of groups "north", "south" decoded/);
    expect(bad).toHaveLength(16);
    const entries = (await loadManifest(manifest)).map((e) => ({ ...e, labels: labels(e) }));
    // Gone: a second read would fail with "manifest not found".
    rmSync(manifest);
    const badGiven: string[] = [];
    await expect(adapt({ ...base('given'), entries, onBadInput: (b) => badGiven.push(`${b.file}:${b.line}`) })).rejects.toThrow(/no dev utterance of groups "north", "south" decoded/);
    expect(badGiven).toEqual(bad);
    const split = (out: string) => JSON.parse(readFileSync(join(dir, out, 'splits.json'), 'utf8')) as { groups: { group: string; train: string[] }[] };
    expect(split('given')).toEqual(split('read'));
    expect(split('given').groups.map((g) => g.group)).toEqual(['north', 'south']);
    await expect(adapt(base('unread'))).rejects.toThrow(manifest);
  }, 60_000);
});
