/**
 * The real samples in ../shared/data imported through the CLI, with counts checked independently (awk/grep over the
 * same files; see each comment). The CORAAL transcripts are CC BY-NC-SA: read here, copied only to a temp dir.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmp, write } from './fixtures.ts';
import { loadManifest } from '../../src/manifest/jsonl.ts';
import { groupOf } from '../../src/manifest/schema.ts';
import { summariseMarkup } from '../../src/manifest/markup.ts';

const DATA = resolve(new URL('../../../shared/data', import.meta.url).pathname);
const BIN = new URL('../../bin/asrfair.mjs', import.meta.url).pathname;
const T = '\t';

async function cli(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await promisify(execFile)(process.execPath, [BIN, ...args], { cwd });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

function counts(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

describe('Common Voice 6.1 English sample (real validated.tsv and MP3s)', () => {
  const cv = join(DATA, 'cv-6.1-en-sample', 'en');
  it('imports 100 clips with the old accent codes as declared, language from the locale', async () => {
    const out = join(tmp('cvreal'), 'cv.jsonl');
    const r = await cli(['import', 'commonvoice', cv, '--split', 'validated', '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('100 utterances, 95 speakers'); // cut -f1 | sort -u | wc -l = 95
    expect(r.stderr).toBe('');
    const es = await loadManifest(out);
    // data/README.md: us 35, indian 5, england 4, australia 3, newzealand 2, ireland 1, blank 50
    expect(counts(es.map((e) => groupOf(e, 'accent')))).toEqual({ us: 35, indian: 5, england: 4, australia: 3, newzealand: 2, ireland: 1, undeclared: 50 });
    expect(es.every((e) => e.language === 'en' && existsSync(e.audioPath) && e.split === 'validated')).toBe(true);
    expect((await cli(['validate', out])).stdout).toContain('100 valid utterances, 0 errors');
  });
  it('--split names the TSVs that exist', async () => {
    const r = await cli(['import', 'commonvoice', cv, '-o', join(tmp('cvsplit'), 'x.jsonl')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/test\.tsv: Common Voice split "test" not found; TSVs here: validated\.tsv/);
  });
});

describe('speechocean762 sample (a real Kaldi data dir)', () => {
  const so = join(DATA, 'speechocean762-sample', 'test');
  it('imports from any working directory: relative wav.scp paths resolved the Kaldi way; spk2age kept as declared', async () => {
    const dir = tmp('soreal');
    const r = await cli(['import', 'kaldi', so, '-o', join(dir, 'so.jsonl'), '--language', 'en'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('240 utterances, 12 speakers');
    expect(r.stdout).toContain(`relative paths resolved from ${join(DATA, 'speechocean762-sample')}`);
    const es = await loadManifest(join(dir, 'so.jsonl'));
    expect(es.every((e) => existsSync(e.audioPath) && e.language === 'en')).toBe(true);
    // spk2age: 6 children aged 7-8, 6 adults aged 25-43 (numbers, kept raw for another stage to bin)
    const ages = [...new Set(es.map((e) => `${e.speaker}:${e.labels.age_raw}`))].map((s) => Number(s.split(':')[1])).sort((a, b) => a - b);
    expect(ages).toHaveLength(12);
    expect(ages.filter((a) => a <= 8)).toHaveLength(6);
    expect([Math.min(...ages.filter((a) => a > 8)), Math.max(...ages)]).toEqual([25, 43]);
    expect(es.every((e) => e.labels.age === e.labels.age_raw)).toBe(true);
    // spk2gender: 11 m, 1 f; 20 utterances per speaker
    expect(counts(es.map((e) => e.labels.gender ?? 'undeclared'))).toEqual({ male: 220, female: 20 });
    expect(es.find((e) => e.id === '010300003')!.text).toBe('THE RESULT WAS AN UPSET');
  });
  it('imported, run and scored with the right counts (hypotheses: the prompts, one word dropped for the female speaker)', async () => {
    const dir = tmp('sorun');
    expect((await cli(['import', 'kaldi', so, '-o', join(dir, 'so.jsonl'), '--language', 'en'])).code).toBe(0);
    const female = readFileSync(join(so, 'spk2gender'), 'utf8').split('\n').find((l) => /\sf$/.test(l))!.split(/\s+/)[0];
    const utt2spk = new Map(readFileSync(join(so, 'utt2spk'), 'utf8').trim().split('\n').map((l) => l.split(/\s+/) as [string, string]));
    const hyps = readFileSync(join(so, 'text'), 'utf8').trim().split('\n').map((l) => {
      const [id, ref] = l.split('\t');
      return `${id}\t${utt2spk.get(id) === female ? ref.split(' ').slice(1).join(' ') : ref}`;
    });
    write(join(dir, 'hyps.tsv'), hyps.join('\n') + '\n');
    write(join(dir, 'suite.yaml'), 'name: so\nkind: blackbox\nmanifest: so.jsonl\ngroupBy: [gender]\nbackends:\n  - name: pre\n    type: hypotheses\n    options: { file: hyps.tsv }\nnormaliser: basic\n');
    const r = await cli(['run', 'suite.yaml'], dir);
    expect(r.code).toBe(0);
    // text: 1394 words (awk '{$1=""; print}' text | wc -w); the female speaker (spk2gender f) reads 93 of them in 20 prompts.
    expect(r.stdout).toContain('| pre | clean | female | 1 | 20 | 0 | 93 | 21.5% |'); // 20 deletions / 93
    expect(r.stdout).toContain('| pre | clean | male | 11 | 220 | 0 | 1301 | 0.0% |');
  });
  it('an explicit --root that holds none of the paths is an error asking for the right one', async () => {
    const dir = tmp('soroot');
    const r = await cli(['import', 'kaldi', so, '-o', join(dir, 'so.jsonl'), '--root', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/wav\.scp: none of the 240 audio files exist .*--root/);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('warning:'))).toHaveLength(20); // first 20, then counts
    expect(r.stderr).toContain('240 warnings (220 not shown) by kind: Kaldi audio file not found ×240');
  });
});

describe('CORAAL transcripts (real DCB, ATL, ROC interviews)', () => {
  function layout(): string {
    const dir = tmp('coraalreal');
    const src = join(DATA, 'coraal-transcripts-sample');
    const names = readdirSync(src).filter((n) => n.endsWith('_1.txt')).map((n) => n.replace(/\.txt$/, ''));
    // No .wav: the recordings are not shipped; the rows are imported for text-only runs (and said).
    for (const n of names) copyFileSync(join(src, `${n}.txt`), join(dir, `${n}.txt`));
    // Metadata as CORAAL ships it (one row per interviewee); gender and age group as the file names say.
    write(
      join(dir, 'CORAAL_metadata_test.txt'),
      `CORAAL.File${T}CORAAL.Spkr${T}CORAAL.Sub${T}Gender${T}Age.Group\n` +
        names.map((n) => `${n}${T}${n.replace(/_1$/, '')}${T}${n.slice(0, 3)}${T}${n.includes('_f_') ? 'Female' : 'Male'}${T}1`).join('\n') +
        '\n',
    );
    return dir;
  }

  it('markup never reaches the reference; markup-only rows and interviewer turns are left out and counted', async () => {
    const dir = layout();
    const out = join(dir, 'out', 'coraal.jsonl');
    const r = await cli(['import', 'coraal', dir, '-o', out]);
    expect(r.code).toBe(0);
    // Rows per file (awk 'NR>1'): ATL 1233, DCB 1708, ROC 2460; interviewer rows (Spkr ~ _int_): 646 + 695 + 340.
    // Interviewee rows with a word left once pauses, <…>, (…), redactions, /?/-spans and fragments are removed (fragments
    // stay in the reference as optionally deletable (like-), but a row of fragments alone is not an utterance)
    // (an awk script independent of the importer): ATL 364, DCB 668, ROC 1109.
    expect(r.stdout).toContain('2141 utterances, 3 speakers');
    expect(r.stdout).toContain('left out: 1681 CORAAL interviewer rows excluded');
    expect(r.stdout).toContain(`left out: ${587 + 1013 + 2120 - 2141} CORAAL rows with only markup`);
    const es = await loadManifest(out);
    expect(counts(es.map((e) => groupOf(e, 'site')))).toEqual({ atl: 364, dcb: 668, roc: 1109 });
    for (const e of es) {
      expect(e.text).not.toMatch(/RD-|\(pause|[<>[\]/]|\bpause\b/);
      expect(e.language).toBe('en');
    }
    const sum = summariseMarkup(es, 'site');
    // RD- tokens in interviewee rows that keep a word (grep -o 'RD-[A-Z]+' over those rows): 23, 16, 76.
    expect(sum.map((s) => [s.group, s.kinds.redaction])).toEqual([['atl', 23], ['dcb', 16], ['roc', 76]]);
    expect(sum.every((s) => s.touched > 0 && s.policies.join() === 'coraal')).toBe(true);
  });

  it('--include-interviewers keeps them as role interviewer, their own group', async () => {
    const dir = layout();
    const out = join(dir, 'out', 'all.jsonl');
    const r = await cli(['import', 'coraal', dir, '-o', out, '--include-interviewers']);
    expect(r.code).toBe(0);
    const es = await loadManifest(out);
    const byGroup = counts(es.map((e) => groupOf(e, 'site')));
    expect(byGroup.undeclared).toBeUndefined();
    expect(byGroup.interviewer).toBeGreaterThan(1000);
    expect(es.filter((e) => e.labels.role === 'interviewer').every((e) => /_int_/.test(e.speaker!))).toBe(true);
  });
});
