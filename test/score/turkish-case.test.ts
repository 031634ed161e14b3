/**
 * Turkish case folding (trial 14, item 1). sclite's `-e utf-8 babel_turkish` folds İ → i and I → ı (SCTK text.c
 * KCC_babel_turkish); JavaScript's toLowerCase maps İ → i̇ (i + U+0307) and I → i, so Turkish speakers were scored
 * with substitutions where sclite counts none. `asrfair score --case-fold babel_turkish` must equal Debian's sclite
 * on SCTK's Turkish test case and on texts built from it in every casing; a run folds each utterance by its declared
 * language (tr/az: the Turkish I rules) and the card says how many utterances of which group were folded so.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scoreFiles } from '../../src/score/score.ts';
import { errorCount } from '../../src/score/metrics.ts';
import { parseTrnLine } from '../../src/score/trn.ts';
import { runCommand } from '../../src/cli/commands/run.ts';
import { loadRunForReport } from '../../src/score/run-export.ts';
import { scoringNote } from '../../src/report/model.ts';
import { parseScliteOutput, SCLITE, scliteAvailable } from './sclite-run.ts';
import { TSCLITE_DIR } from './tsclite.ts';
import { cli } from '../helpers/cli.ts';

const have = scliteAvailable && existsSync(join(TSCLITE_DIR, 'test.turkish.ref'));
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-turkish-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `<dir>/<tag>.yaml` into `out` in this process; returns what it wrote to stderr. */
async function runCapturingStderr(tag: string, out: string): Promise<string[]> {
  const stderr: string[] = [];
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (stderr.push(String(s)), true));
  try {
    await runCommand(join(dir, `${tag}.yaml`), { progress: false, drainSec: 5, store: join(dir, `${tag}.sqlite`), out, say: () => undefined, gate: false });
  } finally {
    spy.mockRestore();
  }
  return stderr;
}

/** Debian's sclite `-e utf-8 babel_turkish -i rm`: raw speaker rows (speaker, #snt, #wrd, C, S, D, I, Err, S.Err). */
function scliteTurkish(ref: string, hyp: string): (string | number)[][] {
  const r = spawnSync(SCLITE, ['-r', ref, 'trn', '-h', hyp, 'trn', '-i', 'rm', '-e', 'utf-8', 'babel_turkish', '-o', 'sum', 'rsum', 'stdout'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sclite failed: ${r.stderr}`);
  const out = parseScliteOutput(r.stdout);
  return [...out.rawSpeakers, { ...out.rawSum, speaker: 'Sum' }].map((x) => [x.speaker, x.sentences, x.words, x.corr, x.sub, x.del, x.ins, x.err, x.sentErr]);
}

async function oursTurkish(ref: string, hyp: string): Promise<(string | number)[][]> {
  const res = await scoreFiles(ref, hyp, { chars: false, missingHyp: 'skip', refFormat: 'trn', hypFormat: 'trn', markup: { caseFold: 'babel_turkish' } });
  const row = (name: string, s: { sentences: number; counts: { ref: number; hits: number; sub: number; del: number; ins: number }; sentenceErrors: number }) => [
    name, s.sentences, s.counts.ref, s.counts.hits, s.counts.sub, s.counts.del, s.counts.ins, errorCount(s.counts), s.sentenceErrors,
  ];
  return [...res.speakers.rows().map((s) => row(s.speaker, s)), row('Sum', res.speakers.total())];
}

describe.skipIf(!have)("babel_turkish case folding against Debian's sclite", () => {
  it('the reviewer\'s example: IŞIK İSTANBUL KAPI / ışık istanbul kapı is 3 correct words (CLI --case-fold babel_turkish)', async () => {
    const ref = join(dir, 'ex.ref.trn');
    const hyp = join(dir, 'ex.hyp.trn');
    writeFileSync(ref, 'IŞIK İSTANBUL KAPI (spk-1)\n');
    writeFileSync(hyp, 'ışık istanbul kapı (spk-1)\n');
    expect(scliteTurkish(ref, hyp)).toEqual([['spk', 1, 3, 3, 0, 0, 0, 0, 0], ['Sum', 1, 3, 3, 0, 0, 0, 0, 0]]);
    expect(await oursTurkish(ref, hyp)).toEqual(scliteTurkish(ref, hyp));
    const r = await cli('score', '--ref', ref, '--hyp', hyp, '--case-fold', 'babel_turkish', '--confusions', '0');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/reference words: 3\s+hits 3\s+sub 0\s+del 0\s+ins 0/);
    expect(r.stdout).toContain('case folded (babel_turkish)');
  });

  it('pra prints errors upper-cased by the same table (i → İ, ı → I), as sclite does', async () => {
    const ref = join(dir, 'pra.ref.trn');
    const hyp = join(dir, 'pra.hyp.trn');
    writeFileSync(ref, 'IŞIK İSTANBUL KAPI İNDİR ışık (spk-1)\n');
    writeFileSync(hyp, 'ışık istanbul kapi indır işik (spk-1)\n');
    const words = (out: string) => out.split('\n').filter((l) => /^(REF|HYP|Eval):/.test(l)).map((l) => l.trim().split(/\s+/).join(' '));
    const sc = spawnSync(SCLITE, ['-r', ref, 'trn', '-h', hyp, 'trn', '-i', 'rm', '-e', 'utf-8', 'babel_turkish', '-o', 'pra', 'stdout'], { encoding: 'utf8' });
    const ours = await cli('score', '--ref', ref, '--hyp', hyp, '--case-fold', 'babel_turkish', '-o', 'pra', '--confusions', '0');
    expect(words(sc.stdout)).toEqual(['REF: ışık istanbul KAPI İNDİR IŞIK', 'HYP: ışık istanbul KAPİ İNDIR İŞİK', 'Eval: S S S']);
    expect(words(ours.stdout)).toEqual(words(sc.stdout));
  });

  it("SCTK's test15_c files and texts built from them in every casing: every speaker row equals sclite's", async () => {
    // test.turkish.ref's words, cased five ways on each side: Turkish upper/lower, JavaScript upper/lower, as written.
    const lines = readFileSync(join(TSCLITE_DIR, 'test.turkish.ref'), 'utf8')
      .split('\n')
      .map((l, i) => parseTrnLine(l, 'test.turkish.ref', i + 1))
      .filter((t) => t !== undefined && t.text.trim() !== '')
      .map((t) => t!.text.trim());
    // Letters babel_turkish leaves alone (Â Î Û, Greek, a decomposed İ = I + U+0307) and plain English words.
    lines.push('KÂĞIT ÎMAN I\u0307STANBUL ΣΟΦΙΑ INDIA Işıl', 'kâğıt îman istanbul σοφια india IŞIL');
    const casings: [string, (s: string) => string][] = [
      ['as', (s) => s],
      ['tu', (s) => s.toLocaleUpperCase('tr')],
      ['tl', (s) => s.toLocaleLowerCase('tr')],
      ['ju', (s) => s.toUpperCase()],
      ['jl', (s) => s.toLowerCase()],
    ];
    const refLines: string[] = [];
    const hypLines: string[] = [];
    for (const [rn, rf] of casings) {
      for (const [hn, hf] of casings) {
        lines.forEach((l, k) => {
          refLines.push(`${rf(l)} (${rn}${hn}-${k})`);
          hypLines.push(`${hf(l)} (${rn}${hn}-${k})`);
        });
      }
    }
    const ref = join(dir, 'cased.ref.trn');
    const hyp = join(dir, 'cased.hyp.trn');
    writeFileSync(ref, refLines.join('\n') + '\n');
    writeFileSync(hyp, hypLines.join('\n') + '\n');
    const theirs = scliteTurkish(ref, hyp);
    expect(await oursTurkish(ref, hyp)).toEqual(theirs);
    // The casings do differ under sclite's folding: not every speaker is error-free.
    expect(theirs.filter((r) => r[7] !== 0).length).toBeGreaterThan(5);
    // SCTK's own files, as tsclite.sh runs them.
    const [r15, h15] = [join(TSCLITE_DIR, 'test.turkish.ref'), join(TSCLITE_DIR, 'test.turkish.hyp')];
    expect(await oursTurkish(r15, h15)).toEqual(scliteTurkish(r15, h15));
  });
});

describe.skipIf(!existsSync(join(TSCLITE_DIR, 'test.turkish.ref')))('runs fold each utterance by its declared language', () => {
  it('tr and az utterances by the Turkish I rules, others by Unicode rules; the card counts them per group', async () => {
    const utts = [
      { id: 'tr-1', text: 'IŞIK İSTANBUL KAPI', hyp: 'ışık istanbul kapı', language: 'tr', accent: 'turkish' },
      { id: 'tr-2', text: 'Işıl KÂĞIT', hyp: 'ışıl kâğıt', language: 'tr-TR', accent: 'turkish' },
      { id: 'az-1', text: 'İLHAM ƏLİYEV', hyp: 'ilham əliyev', language: 'az', accent: 'azerbaijani' },
      { id: 'en-1', text: 'INDIA IS BIG', hyp: 'india is big', language: 'en', accent: 'english' },
      { id: 'xx-1', text: 'INDIA IS BIG', hyp: 'india is big', accent: 'english' },
    ];
    writeFileSync(join(dir, 'lang.jsonl'), utts.map((u) => JSON.stringify({ id: u.id, text: u.text, speaker: u.id, language: u.language, labels: { accent: u.accent } })).join('\n') + '\n');
    writeFileSync(join(dir, 'lang.hyp.trn'), utts.map((u) => `${u.hyp} (${u.id})`).join('\n') + '\n');
    writeFileSync(
      join(dir, 'lang.yaml'),
      [
        'name: lang',
        'manifest: lang.jsonl',
        'normaliser: none',
        'qc: false',
        'backends:',
        `  - { type: hypotheses, name: h, options: { file: ${join(dir, 'lang.hyp.trn')}, format: trn } }`,
        'groupBy: [accent]',
        '',
      ].join('\n'),
    );
    const out = join(dir, 'export-lang');
    await runCommand(join(dir, 'lang.yaml'), { progress: false, drainSec: 5, store: join(dir, 'lang.sqlite'), out, say: () => undefined, gate: false });
    const run = loadRunForReport(out);
    const errs = Object.fromEntries(run.utterances.map((u) => [u.id, errorCount(u.words)]));
    expect(errs).toEqual({ 'tr-1': 0, 'tr-2': 0, 'az-1': 0, 'en-1': 0, 'xx-1': 0 });
    expect(run.meta.scoring?.languageFold).toEqual({ languages: { tr: 2, az: 1 }, groups: { accent: { turkish: 2, azerbaijani: 1 } } });
    const note = scoringNote(run.meta);
    expect(note).toContain("2 utterance(s) declaring tr and 1 utterance(s) declaring az were lower-cased by the Turkish/Azerbaijani dotted and dotless I rules");
    expect(note).toContain('by accent: turkish 2, azerbaijani 1');
  });

  // s-as left these two paths on plain Unicode lower case: the `basic` normaliser lower-cased Turkish text itself
  // (markup none, or case-sensitive markup), so IŞIK became `işik` (i + U+0307 for İ) and never matched ışık.
  it.each([
    ['markup: none', 'markup: none'],
    ['case-sensitive sclite markup', 'markup: { convention: sclite, caseSensitive: true }'],
    ['the default markup', ''],
  ])('the basic normaliser lower-cases tr/az utterances by the Turkish I rules too (%s)', async (name, markupLine) => {
    const utts = [
      { id: 'tr-1', text: 'IŞIK İSTANBUL KAPI', hyp: 'ışık istanbul kapı', language: 'tr', accent: 'turkish' },
      { id: 'az-1', text: 'İLHAM ƏLİYEV', hyp: 'ilham əliyev', language: 'az', accent: 'azerbaijani' },
      { id: 'en-1', text: 'INDIA IS BIG', hyp: 'india is big', language: 'en', accent: 'english' },
    ];
    const tag = name.replace(/\W+/g, '-');
    writeFileSync(join(dir, `b-${tag}.jsonl`), utts.map((u) => JSON.stringify({ id: u.id, text: u.text, speaker: u.id, language: u.language, labels: { accent: u.accent } })).join('\n') + '\n');
    writeFileSync(join(dir, `b-${tag}.hyp.trn`), utts.map((u) => `${u.hyp} (${u.id})`).join('\n') + '\n');
    writeFileSync(
      join(dir, `b-${tag}.yaml`),
      [`name: b-${tag}`, `manifest: b-${tag}.jsonl`, 'normaliser: basic', ...(markupLine ? [markupLine] : []), 'qc: false', 'backends:', `  - { type: hypotheses, name: h, options: { file: ${join(dir, `b-${tag}.hyp.trn`)}, format: trn } }`, 'groupBy: [accent]', ''].join('\n'),
    );
    const out = join(dir, `export-b-${tag}`);
    await runCommand(join(dir, `b-${tag}.yaml`), { progress: false, drainSec: 5, store: join(dir, `b-${tag}.sqlite`), out, say: () => undefined, gate: false });
    const run = loadRunForReport(out);
    expect(Object.fromEntries(run.utterances.map((u) => [u.id, [u.ref, errorCount(u.words)]]))).toEqual({
      'tr-1': ['ışık istanbul kapı', 0],
      'az-1': ['ilham əliyev', 0],
      'en-1': ['india is big', 0],
    });
    expect(run.meta.normaliser).toEqual({ name: 'basic', version: '2' });
    expect(run.meta.scoring?.languageFold).toEqual({ languages: { tr: 1, az: 1 }, groups: { accent: { turkish: 1, azerbaijani: 1 } } });
  });
  // The english normaliser is Whisper's EnglishTextNormalizer: it lower-cases by Unicode's default rules whatever the
  // declared language (I → i, never ı), so where nothing before it folds case (markup none, or case-sensitive markup)
  // a Turkish IŞIK becomes `isik` and never matches the recogniser's ışık (`ısık` once Whisper's rules drop ş's
  // cedilla). It stays Whisper's (its numbers must equal Whisper's and jiwer's), and the run says so, per group.
  it.each([
    ['markup: none', 'markup: none'],
    ['case-sensitive sclite markup', 'markup: { convention: sclite, caseSensitive: true }'],
  ])('the english normaliser on tr/az utterances: warned once per run, counted per group, said on the card (%s)', async (name, markupLine) => {
    const utts = [
      { id: 'tr-1', text: 'IŞIK İSTANBUL KAPI', hyp: 'ışık istanbul kapı', language: 'tr', accent: 'turkish' },
      { id: 'tr-2', text: 'KIRMIZI IŞIK', hyp: 'kırmızı ışık', language: 'tr-TR', accent: 'turkish' },
      { id: 'az-1', text: 'İLHAM ƏLİYEV', hyp: 'ilham əliyev', language: 'az', accent: 'azerbaijani' },
      { id: 'en-1', text: 'INDIA IS BIG', hyp: 'india is big', language: 'en', accent: 'english' },
    ];
    const tag = `e-${name.replace(/\W+/g, '-')}`;
    writeFileSync(join(dir, `${tag}.jsonl`), utts.map((u) => JSON.stringify({ id: u.id, text: u.text, speaker: u.id, language: u.language, labels: { accent: u.accent } })).join('\n') + '\n');
    writeFileSync(join(dir, `${tag}.hyp.trn`), utts.map((u) => `${u.hyp} (${u.id})`).join('\n') + '\n');
    writeFileSync(
      join(dir, `${tag}.yaml`),
      [`name: ${tag}`, `manifest: ${tag}.jsonl`, 'normaliser: english', markupLine, 'qc: false', 'backends:', `  - { type: hypotheses, name: h, options: { file: ${join(dir, `${tag}.hyp.trn`)}, format: trn } }`, 'groupBy: [accent]', ''].join('\n'),
    );
    const out = join(dir, `export-${tag}`);
    const stderr = await runCapturingStderr(tag, out);
    const run = loadRunForReport(out);
    // Whisper's rules, unchanged: the Turkish lines carry the errors the default lower case makes.
    expect(Object.fromEntries(run.utterances.map((u) => [u.id, [u.ref, u.hyp, errorCount(u.words)]]))).toEqual({
      'tr-1': ['isik istanbul kapi', 'ısık istanbul kapı', 2],
      'tr-2': ['kirmizi isik', 'kırmızı ısık', 2],
      'az-1': ['ilham əliyev', 'ilham əliyev', 0],
      'en-1': ['india is big', 'india is big', 0],
    });
    const warned = stderr.join('').split('\n').filter((l) => /declaring (tr|az)/.test(l));
    expect(warned, stderr.join('')).toHaveLength(1);
    expect(warned[0]).toMatch(/^asrfair: warning: normaliser english \(Whisper's English rules\) lower-cased 2 utterance\(s\) declaring tr and 1 utterance\(s\) declaring az by Unicode's default rules \(I → i, not ı\), not by the Turkish\/Azerbaijani I rules; by accent: turkish 2, azerbaijani 1\./);
    expect(warned[0]).toMatch(/normaliser basic/);
    expect(run.meta.scoring?.defaultCaseFold).toEqual({ normaliser: 'english', languages: { tr: 2, az: 1 }, groups: { accent: { turkish: 2, azerbaijani: 1 } } });
    expect(run.meta.scoring?.languageFold).toBeUndefined();
    expect(scoringNote(run.meta)).toContain("normaliser english (Whisper's English rules) lower-cased 2 utterance(s) declaring tr and 1 utterance(s) declaring az by Unicode's default rules (I → i, not ı)");
  });

  it('the english normaliser after the default markup, which folds tr/az first by the Turkish I rules: no warning', async () => {
    const tag = 'e-default';
    writeFileSync(join(dir, `${tag}.jsonl`), JSON.stringify({ id: 'tr-1', text: 'IŞIK İSTANBUL KAPI', speaker: 's', language: 'tr', labels: { accent: 'turkish' } }) + '\n');
    writeFileSync(join(dir, `${tag}.hyp.trn`), 'ışık istanbul kapı (tr-1)\n');
    writeFileSync(join(dir, `${tag}.yaml`), [`name: ${tag}`, `manifest: ${tag}.jsonl`, 'normaliser: english', 'qc: false', 'backends:', `  - { type: hypotheses, name: h, options: { file: ${join(dir, `${tag}.hyp.trn`)}, format: trn } }`, 'groupBy: [accent]', ''].join('\n'));
    const out = join(dir, `export-${tag}`);
    const stderr = await runCapturingStderr(tag, out);
    const run = loadRunForReport(out);
    expect(run.utterances.map((u) => [u.ref, errorCount(u.words)])).toEqual([['ısık istanbul kapı', 0]]);
    expect(stderr.join('')).not.toMatch(/declaring tr/);
    expect(run.meta.scoring?.defaultCaseFold).toBeUndefined();
    expect(run.meta.scoring?.languageFold).toEqual({ languages: { tr: 1 }, groups: { accent: { turkish: 1 } } });
  });
});
