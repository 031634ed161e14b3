/**
 * CORAAL word fragments in `adapt` (src/analysis/fragments.ts, src/adapt/pipeline.ts). Real CORAAL transcript lines
 * (../shared/data, CC BY-NC-SA: imported into a temp dir, never shipped), with fragments (`(in-)`) and without, read by
 * four espeak-ng voice variants per site (synthetic speakers), two sites as groups. Before: `(in-)` became the word
 * "in" in the glass step's canonical phones, in the training transcripts and in the dev/test scoring. Now: counted
 * per group and split in splits.json and on stderr, left out of the glass step's canonical phones, utterances holding
 * one left out of acoustic training (named in adapt.json), and dev/test decodes scored as `run` scores them (sclite
 * -D -F, the run's own scorer is the reference here).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliIn } from '../helpers/cli.ts';
import { deletable, importCoraal, shortLines, speakManifest, spoken, type CoraalRow, type Reading } from '../helpers/coraal-lines.ts';
import { createScorer } from '../../src/score/run-scorer.ts';
import type { ManifestEntry } from '../../src/manifest/schema.ts';
import { prepareAudio } from '../../src/audio/prepare.ts';

const VOICES = ['en-us+m1', 'en-us+m3', 'en-us+f2', 'en-us+f4'];

const dir = mkdtempSync(join(tmpdir(), 'asrfair-adapt-coraal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fragments = (t: string) => t.split(' ').filter((w) => /^\(.+\)$/.test(w)).length;
let rows: CoraalRow[];
let r: { code: number; stdout: string; stderr: string };

beforeAll(async () => {
  const all = await importCoraal(dir);
  const lines: CoraalRow[] = [];
  const readings: Reading[] = [];
  for (const site of ['atl', 'roc']) {
    const withFragment = shortLines(all, site, true).slice(0, 4);
    const plain = shortLines(all, site, false).slice(0, 4);
    // Voice k reads one line with a fragment and one without: four synthetic speakers per site.
    VOICES.forEach((voice, k) => {
      for (const u of [withFragment[k], plain[k]]) {
        lines.push({ ...u, id: `${u.id}-v${k}`, speaker: `${site}-v${k}` });
        readings.push({ voice, speed: 150 + 10 * k });
      }
    });
  }
  rows = speakManifest(dir, lines, readings);
  writeFileSync(join(dir, 'suite.yaml'), 'name: frag\nkind: glassbox\nmanifest: m.jsonl\ngroupBy: [site]\nnormaliser: basic\nseed: 1\nbootstrap: 200\nbackends:\n  - { name: pocketsphinx, type: pocketsphinx }\n');
  // The glass step runs on the train speakers (no --rules): its canonical phones are read with the fragment policy.
  r = await cliIn(['adapt', 'suite.yaml', '--out', 'out', '--cache-dir', 'cache', '--methods', 'variants', '--processes', '2'], dir);
}, 400_000);

describe('adapt on CORAAL lines with word fragments', () => {
  it('splits.json and stderr count the fragments per group and split', () => {
    expect(r.code, r.stderr).toBe(0);
    const splits = JSON.parse(readFileSync(join(dir, 'out', 'splits.json'), 'utf8')) as {
      fragments: { policy: string; byGroup: Record<string, Record<string, number>> };
      groups: { group: string; train: string[]; dev: string[]; test: string[] }[];
    };
    const expected: Record<string, Record<string, number>> = {};
    for (const g of splits.groups) {
      const of = (s: 'train' | 'dev' | 'test') => rows.filter((u) => g[s].includes(u.speaker) && deletable(u) > 0).length;
      const mine = rows.filter((u) => u.labels.site === g.group && deletable(u) > 0);
      expected[g.group] = { utterances: mine.length, fragments: mine.reduce((a, u) => a + fragments(u.text), 0), train: of('train'), dev: of('dev'), test: of('test') };
    }
    expect(expected.atl.utterances).toBe(4);
    expect(splits.fragments.byGroup).toEqual(expected);
    expect(splits.fragments.policy).toMatch(/^Corpus word fragments kept in sclite's notation, \(like-\), are left out of the glass step's canonical phones/);
    expect(r.stderr).toMatch(new RegExp(`^adapt: word fragments, per group: atl ${expected.atl.fragments} in 4 \\(train/dev/test utterances ${expected.atl.train}/${expected.atl.dev}/${expected.atl.test}\\); roc `, 'm'));
  });

  it('utterances with fragments are left out of acoustic training, named in adapt.json', () => {
    const a = JSON.parse(readFileSync(join(dir, 'out', 'adapt.json'), 'utf8')) as { failures: { id: string; stage: string; error: string }[]; split: { groups: { train: string[] }[] } };
    const train = new Set(a.split.groups.flatMap((g) => g.train));
    const expected = rows.filter((u) => train.has(u.speaker) && deletable(u) > 0).map((u) => u.id).sort();
    expect(expected.length).toBeGreaterThan(0);
    const left = a.failures.filter((f) => f.stage === 'train-fragments');
    expect(left.map((f) => f.id).sort()).toEqual(expected);
    for (const f of left) expect(f.error).toMatch(/^reference keeps 1 word fragment \(\(\S+-\)\) whose phones are unknown; left out of adaptation$/);
  });

  it('test decodes are scored as run scores them: sclite -D -F for a reference with fragments', async () => {
    const scorer = await createScorer({ normaliser: 'basic', costModel: 'sclite', metrics: ['wer', 'cer'] });
    const scored = readFileSync(join(dir, 'out', 'test-baseline.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; hyp: string; words: unknown; status: string });
    const byId = new Map(rows.map((u) => [u.id, u]));
    let withFragment = 0;
    for (const s of scored) {
      const u = byId.get(s.id)!;
      expect(s.status).toBe('ok');
      // The run's scorer on the same reference (with its markup) and the same hypothesis.
      const utt = { id: u.id, text: u.text, speaker: u.speaker, labels: u.labels, ...(u.markup ? { markup: u.markup } : {}) } as unknown as ManifestEntry;
      const ran = scorer.score({ uttId: u.id, utt, backendName: 'b', conditionName: 'clean', result: { status: 'ok', hypothesis: s.hyp } } as unknown as Parameters<typeof scorer.score>[0]);
      expect(s.words, s.id).toEqual(ran.words);
      if (deletable(u) > 0) withFragment++;
    }
    expect(withFragment).toBeGreaterThan(0);
  });

  it('a test decode whose hypothesis has markup sclite cannot read is a failed row in adapt.json failures, with its cause, counted per group', async () => {
    // A decode (here: the decode cache of the run above, as another program or a disk fault could leave it) that is the
    // utterance's own real CORAAL line with an unclosed alternation: sclite -D -F cannot read it, so the row is failed.
    const scored = readFileSync(join(dir, 'out', 'test-baseline.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string });
    const byId = new Map(rows.map((u) => [u.id, u]));
    const target = byId.get(scored.find((s) => deletable(byId.get(s.id)!) > 0)!.id)!;
    const { sha256 } = await prepareAudio({ id: target.id, audioPath: join(dir, target.audio!) }, { cacheDir: join(dir, 'cache') });
    const file = join(dir, 'out', 'work', 'decodes.jsonl');
    let edited = 0;
    const lines = readFileSync(file, 'utf8').split('\n').map((l) => {
      if (!l.trim()) return l;
      const d = JSON.parse(l) as { audio: string; text: string };
      if (d.audio !== sha256) return l;
      edited++;
      return JSON.stringify({ ...d, text: `{ ${spoken(target.text)}` });
    });
    expect(edited).toBeGreaterThan(0);
    writeFileSync(file, lines.join('\n'));
    const again = await cliIn(['adapt', 'suite.yaml', '--out', 'out', '--cache-dir', 'cache', '--methods', 'variants', '--processes', '2'], dir);
    expect(again.code, again.stderr).toBe(0);
    const a = JSON.parse(readFileSync(join(dir, 'out', 'adapt.json'), 'utf8')) as { failures: { id: string; group?: string; stage: string; error: string }[]; failuresByGroup: Record<string, Record<string, number>> };
    const mine = a.failures.filter((f) => f.stage.startsWith('score '));
    expect(mine.length).toBeGreaterThan(0);
    for (const f of mine) {
      expect(f.id).toBe(target.id);
      expect(f.group).toBe(target.labels.site);
      expect(f.stage).toMatch(/^score \S+ test$/);
      expect(f.error).toMatch(new RegExp(`^markup: .*hypothesis for reference of ${target.id}.*unbalanced "\\{"`));
    }
    expect(mine.map((f) => f.stage)).toContain('score baseline test');
    const counted = Object.fromEntries(Object.entries(a.failuresByGroup[target.labels.site]!).filter(([k]) => k.startsWith('score ')));
    expect(Object.values(counted).reduce((x, y) => x + y, 0)).toBe(mine.length);
    const row = readFileSync(join(dir, 'out', 'test-baseline.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; status: string; error?: string }).find((r) => r.id === target.id)!;
    expect(row.status).toBe('failed');
    expect(again.stderr).toMatch(new RegExp(`^adapt: ${mine.length} dev/test decodes? not scored \\(hypothesis markup sclite cannot read; failed rows, per group: ${target.labels.site} ${mine.length}\\)`, 'm'));
  }, 400_000);
});
