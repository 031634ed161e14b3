/**
 * The glass box of a `kind: glassbox` run groups utterances as the run's card does: after the suite's label map and
 * bins (left alone last session: it grouped by the manifest's raw labels, so binned ages came out as one group per
 * age, and the glass report's groups were not the card's). Real speechocean762 speech (children 7–8, adults 25–43),
 * real PocketSphinx.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import type { GlassReport } from '../../src/analysis/glass-suite.ts';

const SO = join(import.meta.dirname, '../../corpora/speechocean762-sample');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-glass-labels-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('glassbox run: the glass report groups as the card does', () => {
  it('binned ages: the glass report has the card\'s age bands, not one group per raw age', async () => {
    type U = { id: string; audio: string; speaker: string; labels: Record<string, string> };
    const all = readFileSync(join(SO, 'manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as U);
    // Two utterances of each of two children and two adults (four distinct raw ages).
    const speakers = [...new Set(all.filter((u) => Number(u.labels.age) < 13).map((u) => u.speaker))].slice(0, 2).concat([...new Set(all.filter((u) => Number(u.labels.age) >= 18).map((u) => u.speaker))].slice(0, 2));
    const utts = speakers.flatMap((s) => all.filter((u) => u.speaker === s).slice(0, 2)).map((u) => ({ ...u, audio: join(SO, u.audio) }));
    expect(new Set(utts.map((u) => u.labels.age)).size).toBe(4);
    writeFileSync(join(dir, 'm.jsonl'), utts.map((u) => JSON.stringify(u)).join('\n') + '\n');
    writeFileSync(join(dir, 's.yaml'), 'name: bins\nkind: glassbox\nmanifest: m.jsonl\nbins: { age: [0, 13, 18, 200] }\ngroupBy: [age]\nbackends:\n  - name: ps\n    type: pocketsphinx\n    options: { processes: 1 }\nqc: false\n');
    const r = await cli('run', join(dir, 's.yaml'), '--store', join(dir, 's.sqlite'), '--out', join(dir, 'out'), '--no-gate', '--no-progress');
    expect(r.code, r.stderr).toBe(0);
    const card = readFileSync(join(dir, 'out', 'results.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { labels: Record<string, string> }).labels.age);
    const bands = [...new Set(card)].sort();
    expect(bands).toHaveLength(2);
    const glass = JSON.parse(readFileSync(join(dir, 'out', 'glass.json'), 'utf8')) as GlassReport;
    expect(glass.groups).toEqual(bands);
  }, 300_000);

  it('a suite grouping by two keys: the glass box compares the first key\'s groups and says so', async () => {
    // The first test's manifest (4 speakers: 2 children, 2 adults), grouped by age band and gender.
    writeFileSync(join(dir, 's2.yaml'), 'name: keys\nkind: glassbox\nmanifest: m.jsonl\nbins: { age: [0, 13, 18, 200] }\ngroupBy: [age, gender]\nbackends:\n  - name: ps\n    type: pocketsphinx\n    options: { processes: 1 }\nqc: false\n');
    const r = await cli('run', join(dir, 's2.yaml'), '--store', join(dir, 's2.sqlite'), '--out', join(dir, 'out2'), '--no-gate', '--no-progress');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`asrfair: warning: glass box: ${join(dir, 's2.yaml')}: the suite groups by age, gender; the glass box compares the groups of the first key, age (\`asrfair glass --group-by gender\` for another)`);
    const glass = JSON.parse(readFileSync(join(dir, 'out2', 'glass.json'), 'utf8')) as GlassReport;
    expect(glass.groupBy).toBe('age');
    const bands = [...new Set(readFileSync(join(dir, 'out2', 'results.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { labels: Record<string, string> }).labels.age))].sort();
    expect(bands).toHaveLength(2);
    expect(glass.groups).toEqual(bands);
  }, 300_000);
});
