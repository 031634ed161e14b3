/**
 * CORAAL word fragments and false starts (`like-`, `I-`, `the-`, `m-`) are scored as the field scores them (NIST Hub-5,
 * sclite `-D -F`): kept in the reference as `(like-)`, optionally deletable and matching a hypothesis word they begin.
 * Fresh-user trial 11: the old policy removed them, so a recogniser that output the started word (`like`) paid an
 * insertion for each — ATL 2.3 %, DCB 4.0 %, ROC 3.9 % WER from the policy alone. On the real CORAAL transcripts in
 * ../shared/data (CC BY-NC-SA: read there, imported into a temp dir, never shipped), imported as shipped (no metadata,
 * no .wav: text-only), a verbatim recogniser and one that drops the fragments both score 0 % on every site, whatever the
 * suite's `markup:` setting; a recogniser with real errors gets per-site counts equal to Debian's sclite -D -F.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmp } from './fixtures.ts';
import { cliIn as cli } from '../helpers/cli.ts';
import { parseScliteOutput, SCLITE, scliteAvailable } from '../score/sclite-run.ts';
import { loadRunForReport } from '../../src/score/run-export.ts';

const DATA = resolve(new URL('../../../shared/data', import.meta.url).pathname);
const SAMPLE = join(DATA, 'coraal-transcripts-sample');

interface Utt {
  id: string;
  text: string;
  audio?: string;
  start: number;
  end: number;
  labels: Record<string, string>;
  markup?: { removed: number; kinds: Record<string, number>; deletable?: Record<string, number> };
}

/** `(like-)` → `like`, `(-ing)` → `ing`: what a recogniser that outputs the started word says. */
const verbatim = (t: string) => t.replace(/\((-?[^()\s]*?)-?\)/g, (_m, w: string) => w.replace(/^-/, ''));
/** The fragments left out: what a recogniser that ignores false starts says. */
const dropped = (t: string) => t.replace(/\([^()\s]*\)/g, ' ').replace(/\s+/g, ' ').trim();

let dir: string;
let utts: Utt[];
let importOut: { code: number; stdout: string; stderr: string };

function writeHyps(name: string, f: (u: Utt, i: number) => string): string {
  writeFileSync(join(dir, `${name}.jsonl`), utts.map((u, i) => JSON.stringify({ id: u.id, text: f(u, i) })).join('\n') + '\n');
  return `${name}.jsonl`;
}

async function run(name: string, hyps: Record<string, string>, extra: string, normaliser = 'basic'): Promise<string> {
  const backends = Object.entries(hyps).map(([b, file]) => `  - name: ${b}\n    type: hypotheses\n    options: { file: ${file} }\n`);
  writeFileSync(
    join(dir, `${name}.yaml`),
    `name: ${name}\nmanifest: coraal.jsonl\ngroupBy: [site]\nnormaliser: ${normaliser}\nseed: 1\nbootstrap: { B: 100 }\nmodel: none\n${extra}\nbackends:\n${backends.join('')}`,
  );
  const r = await cli(['run', `${name}.yaml`, '--out', `ex-${name}`, '--store', `${name}.sqlite`, '--no-progress', '--no-gate'], dir);
  expect(r.code, r.stderr).toBe(0);
  return join(dir, `ex-${name}`);
}

/** Per site of one backend: [hits, sub, del, ins] summed over the run export's rows (every row must be scored). */
function perSite(exportDir: string, backend: string): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const u of loadRunForReport(exportDir).utterances) {
    if (u.backend !== backend) continue;
    expect(u.status, `${u.id}: ${u.error ?? ''}`).toBe('ok');
    const t = (out[u.labels.site] ??= [0, 0, 0, 0]);
    t[0] += u.words.hits;
    t[1] += u.words.sub;
    t[2] += u.words.del;
    t[3] += u.words.ins;
  }
  return out;
}

/** trn with the site as sclite's speaker (`-i spu_id`: the id's prefix before the first "-"). */
function trn(name: string, text: (u: Utt, i: number) => string): string {
  const f = join(dir, `${name}.trn`);
  writeFileSync(f, utts.map((u, i) => `${text(u, i)} (${u.labels.site}-${u.id})`).join('\n') + '\n');
  return f;
}

function sclite(ref: string, hyp: string, flags: string[]): Record<string, number[]> {
  const r = spawnSync(SCLITE, ['-r', ref, 'trn', '-h', hyp, 'trn', '-i', 'spu_id', ...flags, '-o', 'sum', 'rsum', 'stdout'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  expect(r.status, r.stderr).toBe(0);
  return Object.fromEntries(parseScliteOutput(r.stdout).rawSpeakers.map((s) => [s.speaker, [s.corr, s.sub, s.del, s.ins]]));
}

const errors = (c: Record<string, number[]>) => Object.fromEntries(Object.entries(c).map(([k, v]) => [k, v[1] + v[2] + v[3]]));

beforeAll(async () => {
  dir = tmp('coraal-frag');
  // The folder as shipped: transcripts only (no metadata, no recordings).
  importOut = await cli(['import', 'coraal', SAMPLE, '-o', join(dir, 'coraal.jsonl')]);
  utts = readFileSync(join(dir, 'coraal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Utt);
}, 60_000);

describe('CORAAL fragments: kept as sclite (like-), scored with -D -F in every run', () => {
  it('the shipped transcripts import without metadata or audio: text-only rows, site from the file name, what is missing said', () => {
    expect(importOut.code, importOut.stderr).toBe(0);
    expect(importOut.stdout).toContain('2141 utterances, 3 speakers');
    expect(importOut.stdout).toContain('missing audio: 3 files');
    expect(importOut.stdout).toMatch(/note: CORAAL: no metadata file \(\*metadata\*\.txt\): the site is taken from each file name .*gender and age group are undeclared; .*put it in the folder/);
    expect(importOut.stderr).toContain(`${join(SAMPLE, 'ROC_se0_ag1_m_02_1.txt')}: no ROC_se0_ag1_m_02_1.wav beside it: its rows are imported text-only`);
    expect(utts.every((u) => u.audio === undefined && u.end > u.start)).toBe(true);
    const sites: Record<string, number> = {};
    for (const u of utts) sites[u.labels.site] = (sites[u.labels.site] ?? 0) + 1;
    expect(sites).toEqual({ atl: 364, dcb: 668, roc: 1109 });
    expect(utts.every((u) => u.labels.role === 'interviewee' && u.labels.gender === undefined)).toBe(true);
    const rec = JSON.parse(readFileSync(join(dir, 'coraal.import.json'), 'utf8'));
    expect(rec.missingAudio).toBe(3);
  });

  it('fragments stay in the reference as (like-), counted as deletable, never as removed', () => {
    const frag: Record<string, number> = {};
    for (const u of utts) {
      const inText = (u.text.match(/\([^()\s]*-\)|\(-[^()\s]*\)/g) ?? []).length;
      expect(inText, u.id).toBe(u.markup?.deletable?.fragment ?? 0);
      expect(u.markup?.kinds.fragment ?? 0, u.id).toBe(inText);
      frag[u.labels.site] = (frag[u.labels.site] ?? 0) + inText;
    }
    expect(frag).toEqual({ atl: 49, dcb: 138, roc: 312 });
    const u = utts.find((x) => x.id === 'coraal-ROC_se0_ag1_m_02_1-2053')!;
    expect(u.text).toBe('that (like-) (like-) (like-) like the in-house.');
    expect(u.markup).toEqual({ policy: 'coraal', removed: 0, kinds: { fragment: 3 }, deletable: { fragment: 3 } });
  });

  it.skipIf(!scliteAvailable)('a verbatim recogniser (like- → like) and one that drops fragments score 0 % on every site, with any markup setting; sclite -D -F agrees', async () => {
    const verb = writeHyps('verbatim', (u) => verbatim(u.text));
    const drop = writeHyps('dropped', (u) => dropped(u.text));
    const zero = { atl: 0, dcb: 0, roc: 0 };
    // The trial's suite (no markup key), sclite markup without -D -F and markup: none all apply the corpus's policy.
    for (const [name, extra] of [['default', ''], ['plain', 'markup: { convention: sclite, optionallyDeletable: false, fragments: false }'], ['none', 'markup: none']]) {
      const ex = await run(name, { verbatim: verb, dropped: drop }, extra);
      expect(errors(perSite(ex, 'verbatim')), `verbatim, ${name}`).toEqual(zero);
      expect(errors(perSite(ex, 'dropped')), `dropped, ${name}`).toEqual(zero);
      // CER too: a fragment matched by the word it begins is no character error, nor are its parentheses.
      const rows = loadRunForReport(ex).utterances;
      expect(rows.reduce((a, u) => a + u.chars.sub + u.chars.del + u.chars.ins, 0), `CER, ${name}`).toBe(0);
      // The reference as written, (like-) and all, whatever each backend matched: compare pairs the two backends' rows.
      const refs = new Map(rows.filter((u) => u.backend === 'verbatim').map((u) => [u.id, u.ref]));
      expect(rows.filter((u) => u.backend === 'dropped').every((u) => refs.get(u.id) === u.ref)).toBe(true);
      expect(refs.get('coraal-ROC_se0_ag1_m_02_1-2053')).toBe('that (like-) (like-) (like-) like the in house');
    }
    const ref = trn('ref', (u) => u.text);
    expect(errors(sclite(ref, trn('verbatim', (u) => verbatim(u.text)), ['-D', '-F']))).toEqual(zero);
    expect(errors(sclite(ref, trn('dropped', (u) => dropped(u.text)), ['-D', '-F']))).toEqual(zero);
    // Without -D -F, sclite scores (like-) as a word: the convention is what makes these zero.
    expect(Object.values(errors(sclite(ref, join(dir, 'verbatim.trn'), []))).every((n) => n > 0)).toBe(true);
    // The card's data section: fragments kept, optionally deletable, per site; not among the removed.
    const card = await cli(['report', 'ex-none', '--out', 'card-none', '--format', 'md'], dir);
    expect(card.code, card.stderr).toBe(0);
    const md = readFileSync(join(dir, 'card-none', 'card.md'), 'utf8');
    const row = md.split('\n').find((l) => l.startsWith('| roc |') && l.includes('fragment'))!.split('|').map((c) => c.trim());
    expect(row[5]).not.toMatch(/fragment/);
    expect(row[7]).toBe('fragment 312');
    expect(md).toContain('whatever the suite\'s markup setting, so a recogniser may omit one or output a word it begins ("like") at no cost; they count as reference words, as in sclite. By group: atl 49, dcb 138, roc 312.');
  }, 120_000);

  it('asrfair score on the manifest: refuses to score (like-) as a word without -D -F (one line, file:line); with -D -F, 0 errors', async () => {
    const hyp = writeHyps('verbatim-score', (u) => verbatim(u.text));
    const plain = await cli(['score', '--ref', 'coraal.jsonl', '--hyp', hyp], dir);
    expect(plain.code).toBe(2);
    const first = utts.findIndex((u) => u.markup?.deletable);
    expect(plain.stderr.trim()).toBe(
      `asrfair: coraal.jsonl:${first + 1}: reference ${utts[first].id} keeps 1 word fragment(s) as sclite's "(like-)" (markup.deletable: the corpus's policy); score with -D -F, or they count as words`,
    );
    const df = await cli(['score', '--ref', 'coraal.jsonl', '--hyp', hyp, '-D', '-F'], dir);
    expect(df.code, df.stderr).toBe(0);
    expect(df.stdout).toMatch(/\| Sum\/Avg +\| +2141 +\d+ \| +100\.0 +0\.0 +0\.0 +0\.0 +0\.0 +0\.0 \|/);
  }, 60_000);

  it.skipIf(!scliteAvailable)('a recogniser with real errors: per-site hits, substitutions, deletions, insertions equal Debian sclite -D -F on the same trn', async () => {
    // Deterministic errors: every 11th word deleted, every 13th replaced, "uh" inserted after every 17th; fragments
    // output as a longer word they begin (stem + "ing", a -F match) or left out, alternately.
    let k = 0;
    let f = 0;
    const noisy = (u: Utt) =>
      u.text
        .split(' ')
        .flatMap((w) => {
          const m = /^\((-?)([^()\s]*?)(-?)\)$/.exec(w);
          if (m) return f++ % 2 ? [] : [m[1] ? `ing${m[2]}` : `${m[2]}ing`];
          k++;
          const out = k % 11 === 0 ? [] : [k % 13 === 0 ? 'zzz' : w];
          return k % 17 === 0 ? [...out, 'uh'] : out;
        })
        .join(' ');
    const texts = utts.map(noisy);
    const hyps = writeHyps('noisy', (_u, i) => texts[i]);
    // normaliser none and ASCII case folding: exactly what sclite reads (punctuation stays part of the word on both sides).
    const ours = perSite(await run('noisy', { noisy: hyps }, 'markup: { caseFold: ascii }', 'none'), 'noisy');
    const theirs = sclite(trn('ref', (u) => u.text), trn('noisy', (_u, i) => texts[i]), ['-D', '-F']);
    expect(ours).toEqual(theirs);
    expect(Object.values(errors(ours)).every((n) => n > 100)).toBe(true);
  }, 120_000);
});
