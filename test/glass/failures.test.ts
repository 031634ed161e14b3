/**
 * `asrfair glass` names each utterance that failed a decoder stage (last session's left-alone defect: they were
 * counted per group and stage, not named): on stderr as `run` names bad audio (manifest file:line, utterance, audio
 * file, stage, PocketSphinx's own reason; ten lines, then "… and N more"), and every one in the JSON, Markdown and
 * HTML. Real Common Voice clips, cut with sox to 80 ms (too short for PocketSphinx's front end: 0 frames), real
 * PocketSphinx.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from '../helpers/cli.ts';
import { PocketSphinxGlass, decoderReasons, defaultGlassOptions } from '../../src/backends/pocketsphinx-glass.ts';
import type { GlassReport } from '../../src/analysis/glass-suite.ts';
import { adjustPValues } from '../../src/stats/multiple.ts';

const CV = join(import.meta.dirname, '../../../shared/data/cv-6.1-en-sample/en');
const MODEL = '/usr/share/pocketsphinx/model/en-us';
let dir: string;

/** The first `n` validated clips with their sentences: 16 kHz WAV through ffmpeg, and an 80 ms cut of each through sox. */
function clips(n: number): { name: string; sentence: string }[] {
  const rows = readFileSync(join(CV, 'validated.tsv'), 'utf8').trim().split('\n').slice(1, n + 1).map((l) => l.split('\t'));
  return rows.map(([, path, sentence]) => {
    const name = path.replace(/\.mp3$/, '');
    execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-i', join(CV, 'clips', path), '-ac', '1', '-ar', '16000', join(dir, 'clips', `${name}.wav`)]);
    execFileSync('sox', [join(dir, 'clips', `${name}.wav`), join(dir, 'clips', `${name}-cut.wav`), 'trim', '0', '0.08']);
    return { name, sentence };
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-glass-failures-'));
  mkdirSync(join(dir, 'clips'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('glass names each utterance a decoder stage failed on', () => {
  it('ten stderr lines with manifest line, audio file, stage and the decoder\'s reason, then "… and N more"; all listed in JSON, Markdown and HTML', () => {
    const cs = clips(14);
    // Three whole clips (two groups, so there is something to compare), then eleven 80 ms cuts in group "us".
    const lines = [
      ...cs.slice(0, 3).map((c, i) => ({ id: `whole-${i}`, audio: `clips/${c.name}.wav`, text: c.sentence, speaker: `s${i}`, labels: { accent: i < 2 ? 'england' : 'us' } })),
      ...cs.slice(3).map((c, i) => ({ id: `cut-${i}`, audio: `clips/${c.name}-cut.wav`, text: c.sentence, speaker: `c${i}`, labels: { accent: 'us' } })),
    ];
    writeFileSync(join(dir, 'm.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const r = spawnSync(process.execPath, [BIN, 'glass', 'm.jsonl', '--no-words', '--processes', '1', '--out', 'out', '--cache-dir', 'cache'], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const named = r.stderr.split('\n').filter((l) => l.startsWith('asrfair: m.jsonl:'));
    expect(named).toHaveLength(10);
    for (const l of named) {
      const m = /^asrfair: m\.jsonl:(\d+): utterance (cut-\d+): audio (clips\/\S+-cut\.wav): (phone-loop|alignment): empty \S+ result for cut-\d+ \(pocketsphinx_batch: 0 frames decoded\)$/.exec(l);
      expect(m, l).not.toBeNull();
      // The line, the utterance and its audio are the manifest's own.
      const u = lines[Number(m![1]) - 1];
      expect([u.id, u.audio]).toEqual([m![2], m![3]]);
    }
    // Eleven cuts fail both the phone loop and forced alignment (after both retries): 22 failures, 12 not printed.
    expect(r.stderr).toContain(`asrfair: … and 12 more utterance failures (see ${join('out', 'confusable.json')})`);
    expect(r.stderr).toContain(`glass: 11 utterances failed at 22 stages in all (by group, stage and count: us alignment 11, us phone-loop 11; listed in ${join('out', 'confusable.json')})`);
    const report = JSON.parse(readFileSync(join(dir, 'out', 'confusable.json'), 'utf8')) as GlassReport;
    expect(report.failures).toHaveLength(22);
    expect(new Set(report.failures.map((f) => f.id))).toEqual(new Set(lines.slice(3).map((l) => l.id)));
    for (const f of report.failures) {
      const k = lines.findIndex((l) => l.id === f.id);
      expect(f).toMatchObject({ group: 'us', audio: lines[k].audio, source: { file: 'm.jsonl', line: k + 1 } });
      expect(f.error).toMatch(/\(pocketsphinx_batch: 0 frames decoded\)$/);
    }
    const md = readFileSync(join(dir, 'out', 'confusable.md'), 'utf8').split('\n');
    expect(md).toContain('| Utterance | Group | Stage | Manifest line | Audio | Reason |');
    const mdRows = md.filter((l) => /^\| cut-\d+ \| us \| (phone-loop|alignment) \| m\.jsonl:\d+ \| clips\/\S+-cut\.wav \| empty .* \(pocketsphinx\\_batch: 0 frames decoded\) \|$/.test(l));
    expect(mdRows).toHaveLength(22);
    const html = readFileSync(join(dir, 'out', 'confusable.html'), 'utf8');
    expect(html.match(/<tr><td>cut-\d+<\/td><td>us<\/td><td>(phone-loop|alignment)<\/td><td>m\.jsonl:\d+<\/td>/g)).toHaveLength(22);
    // Whole clips went through every stage.
    expect(r.stderr).not.toMatch(/utterance whole-/);
  }, 120_000);

  it('keeps a group whose every utterance failed, warns when groups differ in source sample rate, and gives each test\'s per-speaker input', () => {
    // The same 4 real clips twice: at 16 kHz (group "wide") and resampled to 8 kHz (group "narrow", other speaker
    // ids), plus group "ghost" whose audio is missing.
    const cs = clips(4);
    for (const c of cs) execFileSync('sox', [join(dir, 'clips', `${c.name}.wav`), '-r', '8000', join(dir, 'clips', `${c.name}-8k.wav`)]);
    const lines = [
      ...cs.map((c, i) => ({ id: `w${i}`, audio: `clips/${c.name}.wav`, text: c.sentence, speaker: `w${i % 2}`, labels: { band: 'wide' } })),
      ...cs.map((c, i) => ({ id: `n${i}`, audio: `clips/${c.name}-8k.wav`, text: c.sentence, speaker: `n${i % 2}`, labels: { band: 'narrow' } })),
      ...[0, 1].map((i) => ({ id: `g${i}`, audio: `clips/missing-${i}.wav`, text: 'hello there', speaker: `g${i}`, labels: { band: 'ghost' } })),
    ];
    writeFileSync(join(dir, 'b.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const r = spawnSync(process.execPath, [BIN, 'glass', 'b.jsonl', '--group-by', 'band', '--no-words', '--no-goodness', '--processes', '1', '--min-count', '1', '--out', 'bout', '--cache-dir', 'cache'], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/asrfair: warning: groups differ in source sample rate — share of utterances recorded below 16 kHz: narrow 100 % \(8000 Hz ×4\); wide 0 % \(16000 Hz ×4\)\. Audio below 16 kHz lacks the high band/);
    expect(r.stdout).toContain('ghost: not analysed: all 2 utterances failed (listed in the report)');
    const report = JSON.parse(readFileSync(join(dir, 'bout', 'confusable.json'), 'utf8')) as GlassReport;
    expect(report.groups).toEqual(['ghost', 'narrow', 'wide']);
    expect(report.speakers).toBe(6);
    expect(report.groupCounts).toEqual([
      { group: 'ghost', utterances: 2, speakers: 2, analysed: 0 },
      { group: 'narrow', utterances: 4, speakers: 2, analysed: 4 },
      { group: 'wide', utterances: 4, speakers: 2, analysed: 4 },
    ]);
    expect(report.sourceRates).toEqual({ narrow: { 8000: 4 }, wide: { 16000: 4 } });
    expect(report.settings.canonical).toBe('first-variant');
    const md = readFileSync(join(dir, 'bout', 'confusable.md'), 'utf8');
    expect(md).toContain('10 utterances (8 analysed, 2 failed at a stage), 6 speakers, groups by band: ghost, narrow, wide.');
    expect(md).toContain('| ghost | 2 | 2 | 0 | — |');
    expect(md).toContain('"ghost": no utterance analysed — every one failed');
    expect(md).toContain("each word's first CMUdict pronunciation (forced alignment did not choose among variants");
    expect(readFileSync(join(dir, 'bout', 'confusable.html'), 'utf8')).toContain('<p class="warning">Warning: groups differ in source sample rate');
    // Each sound test carries its input: per speaker, errors, tokens and the value tested; the sides' means are the excesses.
    const loop = report.phoneLoop!;
    expect(loop.phones.length).toBeGreaterThan(0);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    for (const t of loop.phones) {
      const side = (w: string) => t.speakerValues.filter((v) => v.side === w && v.value !== null && Number.isFinite(v.value)).map((v) => v.value);
      expect(mean(side('group'))).toBeCloseTo(t.excessGroup, 12);
      expect(t.speakerValues.filter((v) => v.side === 'group').reduce((a, v) => a + v.errors, 0)).toBe(t.errorsGroup);
    }
    // Every confusion test of the Benjamini–Hochberg family is listed, and the adjustment can be recomputed from it.
    expect(loop.confusionFamily).toHaveLength(loop.tested);
    const adj = adjustPValues(loop.confusionFamily.map((t) => t.p), 'bh');
    loop.confusionFamily.forEach((t, i) => expect(t.pAdjusted).toBeCloseTo(adj[i], 12));
  }, 120_000);

  it('goodness says why a group with no audio is not tested (trial 18: it said "needs at least 2 speakers")', () => {
    // b.jsonl of the test above: group "ghost" has only missing clips.
    const r = spawnSync(process.execPath, [BIN, 'glass', 'b.jsonl', '--group-by', 'band', '--no-words', '--processes', '1', '--min-count', '1', '--out', 'gout', '--cache-dir', 'cache'], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const md = readFileSync(join(dir, 'gout', 'confusable.md'), 'utf8');
    const goodness = md.slice(md.indexOf('Forced-alignment goodness'));
    expect(goodness).toContain('Not analysed: all 2 utterances failed (see "Utterances missing from a stage").');
    expect(goodness.slice(0, goodness.indexOf('Not analysed'))).not.toContain('needs at least 2 speakers');
    expect(readFileSync(join(dir, 'gout', 'confusable.html'), 'utf8')).toContain('<p>Not analysed: all 2 utterances failed (see &quot;Utterances missing from a stage&quot;).</p>');
  }, 120_000);

  it('every utterance failed: the report is written, exit 1 with the first cause; a cache folder it cannot write: one line, exit 2, before any decoding; the report says it has no ground truth', () => {
    // Four missing audio files and one that is not audio (a text file named .wav): two causes, counted as `run` counts them.
    writeFileSync(join(dir, 'clips', 'not-audio.wav'), 'this is not a wav file\n');
    const lines = [
      ...[0, 1, 2, 3].map((i) => ({ id: `x${i}`, audio: `clips/absent-${i}.wav`, text: 'hello there', speaker: `x${i}`, labels: { accent: i < 2 ? 'a' : 'b' } })),
      { id: 'x4', audio: 'clips/not-audio.wav', text: 'hello there', speaker: 'x4', labels: { accent: 'b' } },
    ];
    writeFileSync(join(dir, 'x.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const glass = (cache: string, out: string) => spawnSync(process.execPath, [BIN, 'glass', 'x.jsonl', '--no-words', '--processes', '1', '--out', out, '--cache-dir', cache], { cwd: dir, encoding: 'utf8' });
    const r = glass('cache', 'xout');
    expect(r.status, r.stderr).toBe(1);
    // The same kind of line as `run`'s (FailureCauses): the most frequent cause, its first example at its manifest line, then the others.
    const last = r.stderr.trim().split('\n').at(-1)!;
    expect(last).toMatch(
      new RegExp(`^asrfair: no utterance could be analysed: all 5 utterances failed: audio missing ×4 \\(first: x\\.jsonl:1: utterance x0: audio ${join(dir, 'clips', 'absent-0.wav').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: file not found\\); also audio unreadable ×1$`),
    );
    const report = JSON.parse(readFileSync(join(dir, 'xout', 'confusable.json'), 'utf8')) as GlassReport & { caveat: string };
    expect(report.groupCounts?.map((c) => c.analysed)).toEqual([0, 0]);
    expect(report.caveat).toMatch(/^No ground truth: a flagged sound says that this engine misrecognises it more/);
    expect(readFileSync(join(dir, 'xout', 'confusable.md'), 'utf8')).toContain('No ground truth: a flagged sound says');
    expect(readFileSync(join(dir, 'xout', 'confusable.html'), 'utf8')).toContain('<p class="caveat">No ground truth:');
    writeFileSync(join(dir, 'a-file'), 'x');
    for (const bad of [join('a-file', 'cache'), ...(existsSync('/proc/self') ? ['/proc/asrfair-x'] : [])]) {
      const b = glass(bad, 'bad-out');
      expect(b.status, b.stderr).toBe(2);
      expect(b.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^asrfair: ${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: cannot create the cache folder: `)) as string]);
      expect(existsSync(join(dir, 'bad-out', 'confusable.json'))).toBe(false);
    }
  }, 60_000);

  it('decoderReasons: a forced-alignment grammar that one second of silence cannot reach gives pocketsphinx\'s own error', () => {
    const wav = join(dir, 'silence.wav');
    execFileSync('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', wav, 'trim', '0', '1.0']);
    writeFileSync(join(dir, 'ctl'), `${wav.slice(1, -4)} 0 -1 u0\n`);
    writeFileSync(join(dir, 'phones.dict'), 'DH DH\nAH AH\nF F\nER ER\n');
    writeFileSync(join(dir, 'u0.fsg'), 'FSG_BEGIN u0\nNUM_STATES 5\nSTART_STATE 0\nFINAL_STATE 4\nTRANSITION 0 1 1.0 DH\nTRANSITION 1 2 1.0 AH\nTRANSITION 2 3 1.0 F\nTRANSITION 3 4 1.0 ER\nFSG_END\n');
    writeFileSync(join(dir, 'fsgctl'), 'u0\n');
    const log = join(dir, 'ps.log');
    execFileSync('pocketsphinx_batch', ['-adcin', 'yes', '-adchdr', '44', '-cepdir', '/', '-cepext', '.wav', '-hmm', `${MODEL}/en-us`, '-ctl', join(dir, 'ctl'), '-hypseg', join(dir, 'hyp'), '-logfn', log, '-dict', join(dir, 'phones.dict'), '-fsgctl', join(dir, 'fsgctl'), '-fsgdir', dir, '-fsgext', '.fsg', '-beam', '1e-40', '-pbeam', '1e-40', '-wbeam', '1e-40']);
    expect(decoderReasons(readFileSync(log, 'utf8'))).toEqual(new Map([['u0', { message: expect.stringMatching(/^Final result does not match the grammar in frame \d+$/) as string, noFrames: false }]]));
  }, 30_000);

  it('an 80 ms cut: the phone loop\'s failure carries the typed flag noFrames (the message stays for people)', async () => {
    const c = clips(1)[0];
    // The whole clip rewritten by sox: a plain 44-byte WAV header, as the batch decoder reads it (ffmpeg adds a LIST chunk).
    execFileSync('sox', [join(dir, 'clips', `${c.name}.wav`), join(dir, 'clips', `${c.name}-whole.wav`)]);
    const glass = new PocketSphinxGlass({ ...defaultGlassOptions(), processes: 1 });
    const got = await glass.decodePhonesBatch([
      { id: 'cut', wav: join(dir, 'clips', `${c.name}-cut.wav`) },
      { id: 'whole', wav: join(dir, 'clips', `${c.name}-whole.wav`) },
    ]);
    expect(got.get('cut')).toEqual({ ok: false, noFrames: true, error: 'empty phone-loop result for cut (pocketsphinx_batch: 0 frames decoded)' });
    expect(got.get('whole')).toMatchObject({ ok: true });
  }, 60_000);
});
