/**
 * `adapt` outputs and reruns on a small planted corpus (flite voices, test/glass/corpus.ts; 4 speakers per group,
 * MLLR only): a rerun reuses finished steps and decodes, a step cut short is redone, adapted.yaml carries the
 * suite's minCell and names its model files relative to itself, the glass step is reused like the others, a step or
 * decode made by other code (an upgrade) is made again and said, and a speaker in two groups is one input error.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as yamlStringify } from 'yaml';
import { adapt, type AdaptOptions, type AdaptResult } from '../../src/adapt/pipeline.ts';
import { loadSuite } from '../../src/run/suite.ts';
import { getBackendFactory } from '../../src/backends/index.ts';
import { speakersFor, synthesise, writeCorpusManifest } from '../glass/corpus.ts';
import { cli } from '../helpers/cli.ts';
import { codeChangedLine, type StepStamp } from '../../src/adapt/steps.ts';
import { sphinxtrainCode } from '../../src/adapt/sphinxtrain.ts';
import { glassStepCode } from '../../src/adapt/glass-step.ts';
import { codeVersion } from '../../src/backends/code-version.ts';

const dir = mkdtempSync(join(tmpdir(), 'asrfair-adapt-rerun-'));
const prevCache = process.env.ASRFAIR_HASH_CACHE;
process.env.ASRFAIR_HASH_CACHE = join(dir, 'hashes.json');
afterAll(() => {
  if (prevCache === undefined) delete process.env.ASRFAIR_HASH_CACHE;
  else process.env.ASRFAIR_HASH_CACHE = prevCache;
  rmSync(dir, { recursive: true, force: true });
});

let manifest: string;
let opts: AdaptOptions;
let first: AdaptResult;
const out = join(dir, 'out');
const work = join(out, 'work');
const lines = () => readFileSync(join(work, 'decodes.jsonl'), 'utf8').split('\n').filter(Boolean).length;
const mtime = (p: string) => statSync(p).mtimeMs;

beforeAll(async () => {
  const speakers = [...speakersFor('th-stopping', [0.95, 1.15], true).slice(0, 4), ...speakersFor('null', [0.95, 1.15], false).slice(0, 4)];
  manifest = writeCorpusManifest(join(dir, 'corpus'), synthesise(join(dir, 'corpus'), speakers, 2));
  opts = {
    manifest, groupBy: 'accent', out, cacheDir: join(dir, 'cache'), seed: 1, methods: ['mllr'], variantScope: [], weightings: ['unweighted'],
    acousticScope: ['global'], select: 'minimax', normaliser: 'basic', resamples: 200, processes: 2, minCell: { speakers: 2, words: 10 }, testAll: true,
  };
  first = await adapt(opts);
}, 300_000);

describe('adapt reruns and outputs', () => {
  it('a rerun reuses every finished step and decode: same results, nothing retrained or decoded again', async () => {
    const matrix = join(work, 'mllr-unweighted.matrix');
    const before = { matrix: mtime(matrix), counts: mtime(join(work, 'acc-unweighted', 'gauden_counts')), decodes: lines() };
    expect(before.decodes).toBeGreaterThan(0);
    const said: string[] = [];
    const again = await adapt({ ...opts, log: (m) => said.push(m) });
    expect(lines()).toBe(before.decodes);
    expect(mtime(matrix)).toBe(before.matrix);
    expect(mtime(join(work, 'acc-unweighted', 'gauden_counts'))).toBe(before.counts);
    expect(again.remedy.minimax).toEqual(first.remedy.minimax);
    expect(again.candidates.map((c) => c.dev)).toEqual(first.candidates.map((c) => c.dev));
    // The cost of each reused result is the cost of the run that made it (trial 12: "train s" read 0.0 and
    // decodeSeconds zeros on a rerun), and the rerun says what it reused.
    const mllr = (r: AdaptResult) => r.candidates.find((c) => c.name === 'mllr/unweighted')!;
    expect(mllr(first).trainSeconds).toBeGreaterThan(0);
    expect(mllr(first).trainReused).toBe(false);
    expect(mllr(again).trainSeconds).toBe(mllr(first).trainSeconds);
    expect(mllr(again).trainReused).toBe(true);
    for (const [name, d] of Object.entries(first.decodeSeconds)) {
      expect(d.wall).toBeGreaterThan(0);
      expect(again.decodeSeconds[name]).toEqual({ audio: d.audio, wall: d.wall, reusedAudio: d.audio });
    }
    expect(said).toContain(`adapt: features of 4 of 4 train utterances reused from an earlier run (${join(work, 'feat')})`);
    expect(said.some((l) => l.startsWith(`adapt: bw counts (unweighted) reused from an earlier run (${join(work, 'acc-unweighted')}; made in `))).toBe(true);
    expect(said.some((l) => l.startsWith(`adapt: MLLR transform (unweighted) reused from an earlier run (${matrix}; made in `))).toBe(true);
    expect(said.filter((l) => l.startsWith('adapt: decoding test with '))).toEqual([
      expect.stringMatching(/^adapt: decoding test with baseline \(8 utterances, [\d.]+ min of audio\)$/),
      expect.stringMatching(/^adapt: decoding test with mllr\/unweighted \(8 utterances, [\d.]+ min of audio\)$/),
    ]);
  }, 300_000);

  it('a step cut short (no stamp) is redone; decodes of unchanged models are still reused', async () => {
    const matrix = join(work, 'mllr-unweighted.matrix');
    writeFileSync(matrix, 'half-written');
    rmSync(`${matrix}.inputs`);
    const n = lines();
    const again = await adapt(opts);
    expect(readFileSync(matrix, 'utf8')).not.toBe('half-written');
    expect(existsSync(`${matrix}.inputs`)).toBe(true);
    // The solved transform is the same as before, so its key (model contents) and its decodes are too.
    expect(lines()).toBe(n);
    expect(again.remedy.minimax).toEqual(first.remedy.minimax);
  }, 300_000);

  it('a step whose stamp was made by other code (an upgrade) is made again and says so; so are decodes of other code', async () => {
    // What an earlier asrfair left on disk: the same inputs, stamped by other code (or, older still, by the inputs alone).
    const matrix = join(work, 'mllr-unweighted.matrix');
    const counts = join(work, 'acc-unweighted');
    const older = 'asrfair 0.0.9, source sha256 000000000000 (7 files)';
    const stamp = JSON.parse(readFileSync(`${matrix}.inputs`, 'utf8')) as StepStamp;
    expect(stamp.code).toBe(sphinxtrainCode());
    writeFileSync(`${matrix}.inputs`, JSON.stringify({ ...stamp, code: older }));
    const countsStamp = JSON.parse(readFileSync(`${counts}.inputs`, 'utf8')) as StepStamp;
    writeFileSync(`${counts}.inputs`, countsStamp.inputs);
    const decodeLines = readFileSync(join(work, 'decodes.jsonl'), 'utf8').split('\n').filter(Boolean);
    writeFileSync(join(work, 'decodes.jsonl'), decodeLines.map((l) => JSON.stringify({ ...JSON.parse(l), code: older })).join('\n'));
    const t = { matrix: mtime(matrix), counts: mtime(join(counts, 'gauden_counts')) };
    const logs: string[] = [];
    const again = await adapt({ ...opts, log: (m) => logs.push(m) });
    expect(logs).toContain(codeChangedLine(`the MLLR transform ${matrix}`, older, sphinxtrainCode()));
    expect(logs).toContain(codeChangedLine(`bw counts ${counts}`, 'an earlier asrfair (no code version in its stamps)', sphinxtrainCode()));
    expect(logs).toContain(`adapt: ${decodeLines.length} decodes in ${join(work, 'decodes.jsonl')} were made by other code than this (${codeVersion(['backends/pocketsphinx.ts'])}): decoded again`);
    expect(mtime(matrix)).toBeGreaterThan(t.matrix);
    expect(mtime(join(counts, 'gauden_counts'))).toBeGreaterThan(t.counts);
    expect((JSON.parse(readFileSync(`${matrix}.inputs`, 'utf8')) as StepStamp).code).toBe(sphinxtrainCode());
    // Every decode was made again (a line each, with this code), and the same code on the same inputs gives the same results.
    const now = readFileSync(join(work, 'decodes.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { code: string });
    expect(now.filter((r) => r.code === codeVersion(['backends/pocketsphinx.ts'])).length).toBe(decodeLines.length);
    expect(again.remedy.minimax).toEqual(first.remedy.minimax);
    // A third run finds everything stamped by this code: nothing made again, nothing said.
    logs.length = 0;
    await adapt({ ...opts, log: (m) => logs.push(m) });
    expect(logs.filter((l) => / made again: | made by other code /.test(l))).toEqual([]);
  }, 300_000);

  it('adapted.yaml keeps the suite\'s minCell and names model files relative to itself: a copied folder gives the same backends', async () => {
    const yaml = readFileSync(join(out, 'adapted.yaml'), 'utf8');
    const suite = loadSuite(join(out, 'adapted.yaml'));
    expect(suite.minCell).toEqual({ speakers: 2, words: 10 });
    expect(yaml).not.toContain(out);
    expect(yaml).toMatch(/mllr: work\/mllr-unweighted\.matrix/);
    const moved = join(dir, 'moved');
    cpSync(out, moved, { recursive: true });
    const keys = async (file: string) => {
      const s = loadSuite(file);
      const built = await Promise.all(s.backends.map((b) => getBackendFactory(b.type).create(b.options ?? {}, { baseDir: join(file, '..') })));
      const k = built.map((b) => b.key);
      await Promise.all(built.map((b) => b.close?.()));
      return k;
    };
    expect(await keys(join(moved, 'adapted.yaml'))).toEqual(await keys(join(out, 'adapted.yaml')));
    // The remedy report gives small cells no verdict, as the card does with the same minCell.
    expect(first.remedy.minimax.groups.every((g) => g.smallCell === (g.speakers < 2 || g.words < 10))).toBe(true);
  }, 120_000);

  it('the glass step on the train speakers is reused when its inputs are unchanged, and run again when they change', async () => {
    const logs: string[] = [];
    const o: AdaptOptions = { ...opts, out: join(dir, 'glass-out'), methods: ['variants'], variantScope: ['group'], testAll: false, log: (m) => logs.push(m) };
    const ran = () => logs.filter((l) => /^adapt: glass box on \d+ train utterances$/.test(l)).length;
    const reused = () => logs.filter((l) => /^adapt: glass box on \d+ train utterances reused from an earlier run/.test(l)).length;
    const a = await adapt(o);
    expect([ran(), reused()]).toEqual([1, 0]);
    const file = join(dir, 'glass-out', 'work', 'glass-flags.json');
    const t = mtime(file);
    logs.length = 0;
    const b = await adapt(o);
    expect([ran(), reused()]).toEqual([0, 1]);
    expect(mtime(file)).toBe(t);
    expect([b.rules, b.failures, b.remedy]).toEqual([a.rules, a.failures, a.remedy]);
    // What is reused is the stored step: its flags become the rules (the file is read, not the glass box rerun).
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { flags: Record<string, { ref: string; hyp: string }[]> };
    writeFileSync(file, JSON.stringify({ ...stored, flags: { 'th-stopping': [{ ref: 'TH', hyp: 'T' }] } }));
    logs.length = 0;
    const c = await adapt(o);
    expect(reused()).toBe(1);
    expect(c.rules).toEqual({ 'th-stopping': [{ ref: 'TH', hyp: 'T' }] });
    // Another seed deals other train speakers: new inputs, so the glass box runs again and restamps its output.
    const stamp = readFileSync(`${file}.inputs`, 'utf8');
    logs.length = 0;
    await adapt({ ...o, seed: 2 });
    expect([ran(), reused()]).toEqual([1, 0]);
    expect(readFileSync(`${file}.inputs`, 'utf8')).not.toBe(stamp);
    // The same inputs stamped by other code (an upgrade that changed the glass analysis): run again, and said.
    const older = 'asrfair 0.0.9, source sha256 000000000000 (52 files); pocketsphinx 0.8+5prealpha+1-15';
    const mine = JSON.parse(readFileSync(`${file}.inputs`, 'utf8')) as StepStamp;
    expect(mine.code).toBe(glassStepCode());
    writeFileSync(`${file}.inputs`, JSON.stringify({ ...mine, code: older }));
    logs.length = 0;
    await adapt({ ...o, seed: 2 });
    expect([ran(), reused()]).toEqual([1, 0]);
    expect(logs).toContain(codeChangedLine(`glass box on the train speakers (${file})`, older, glassStepCode()));
    expect(JSON.parse(readFileSync(`${file}.inputs`, 'utf8'))).toMatchObject({ inputs: mine.inputs, code: mine.code });
  }, 600_000);

  it('a speaker declared in two groups is one input error naming the manifest line, exit 2', async () => {
    const rows = readFileSync(manifest, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { speaker: string; labels: Record<string, string> });
    const n = rows.length - 1;
    rows[n] = { ...rows[n], speaker: rows[0].speaker };
    const bad = join(dir, 'corpus', 'two-groups.jsonl');
    writeFileSync(bad, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const g0 = rows[0].labels.accent;
    const g3 = rows[n].labels.accent;
    expect(g0).not.toBe(g3);
    writeFileSync(join(dir, 'corpus', 'two.yaml'), yamlStringify({ name: 'two', manifest: 'two-groups.jsonl', groupBy: ['accent'], backends: [{ name: 'ps', type: 'pocketsphinx' }] }));
    const r = await cli('adapt', join(dir, 'corpus', 'two.yaml'), '--out', join(dir, 'two-out'), '--methods', 'mllr');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n').at(-1)).toBe(`asrfair: ${bad}:${n + 1}: speaker "${rows[0].speaker}" is in accent "${g3}" here and in "${g0}" at line 1: adapt splits speakers per group, so each speaker needs one accent`);
  }, 60_000);
});
