/**
 * Group names that differ only in case or spacing are split groups (a silent bias): validate, run, report
 * (and glass) warn, naming each spelling, its first file:line and its utterance count, and do not merge them.
 * Real vendor transcripts on real people (Artie, Amazon en-US, text-only), a few accents respelled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { GroupSpellings, splitGroupWarning } from '../../src/manifest/group-spellings.ts';

const ARTIE = join(import.meta.dirname, '../../corpora/artie-bias-corpus');
let dir: string;
let m: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-split-groups-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('GroupSpellings', () => {
  it('the smallest split: "Spanish" and "spanish" (and " spanish ") on one key, counted per distinct utterance', () => {
    const s = new GroupSpellings();
    s.add('u1', { accent: 'Spanish', gender: 'female' }, 'm.jsonl:1');
    s.add('u2', { accent: 'spanish', gender: 'Female' }, 'm.jsonl:2');
    s.add('u2', { accent: 'spanish' }, 'm.jsonl:9'); // the same utterance again (a run export repeats it per backend)
    s.add('u3', { accent: ' spanish ' }, 'm.jsonl:3');
    s.add('u4', { accent: 'spanish', gender: ' ' }, 'm.jsonl:4');
    const splits = s.splits();
    expect(splits.map((x) => x.key)).toEqual(['accent', 'gender']);
    expect(splitGroupWarning(splits[0])).toBe(
      'label "accent": "Spanish" (m.jsonl:1, 1 utterance), "spanish" (m.jsonl:2, 2 utterances) and " spanish " (m.jsonl:3, 1 utterance) differ only in case or spacing, and are counted as 3 separate groups; use one spelling (or a label map) to count them as one',
    );
    const one = new GroupSpellings(['accent']);
    one.add('u1', { accent: 'us', gender: 'male' });
    one.add('u2', { accent: 'us', gender: 'Male' });
    expect(one.splits()).toEqual([]);
  });
});

describe('validate, run and report warn about a split group and keep both spellings', () => {
  it('validate: one line per split key, naming both spellings with the first manifest line and count of each; exit 0', async () => {
    // Artie's indian and england utterances; the 3rd and 5th indian lines respelled "Indian", the 7th " indian".
    const lines = readFileSync(join(ARTIE, 'manifest.jsonl'), 'utf8').split('\n').filter((l) => l && ['indian', 'england'].includes(JSON.parse(l).labels.accent));
    let k = 0;
    const edited = lines.map((l) => {
      const u = JSON.parse(l) as { labels: Record<string, string> };
      if (u.labels.accent === 'indian' && ++k <= 7 && [3, 5, 7].includes(k)) u.labels.accent = k === 7 ? ' indian ' : 'Indian';
      return JSON.stringify(u);
    });
    m = join(dir, 'm.jsonl');
    writeFileSync(m, edited.join('\n') + '\n');
    const at = (v: string) => edited.findIndex((l) => JSON.parse(l).labels.accent === v) + 1;
    const indian = edited.filter((l) => JSON.parse(l).labels.accent === 'indian').length;
    const expected = `label "accent": "indian" (${m}:${at('indian')}, ${indian} utterances), "Indian" (${m}:${at('Indian')}, 2 utterances) and " indian " (${m}:${at(' indian ')}, 1 utterance) differ only in case or spacing, and are counted as 3 separate groups; use one spelling (or a label map) to count them as one`;
    const v = await cli('validate', m, '--no-audio-check');
    expect(v.code, v.stderr).toBe(0);
    expect(v.stderr.split('\n').filter((l) => l.includes('differ only in case'))).toEqual([`warning: ${expected}`]);
    // A suite whose label map covers the key groups the spellings as one (maps match case- and space-insensitively).
    writeFileSync(join(dir, 'map.yaml'), 'accent:\n  indian: indian\n');
    writeFileSync(join(dir, 'mapped.yaml'), `name: mapped\nmanifest: m.jsonl\nlabelMap: map.yaml\ngroupBy: [accent]\nbackends:\n  - { name: amazon, type: hypotheses, options: { file: ${join(ARTIE, 'predictions/amazon/en-US/dec-9-2019.tsv')}, idFrom: basename-without-extension } }\n`);
    const mapped = await cli('validate', m, '--no-audio-check', '--suite', join(dir, 'mapped.yaml'));
    expect(mapped.code, mapped.stderr).toBe(0);
    expect(mapped.stderr).not.toContain('differ only in case');
    // The real Artie manifest (Common Voice's accent codes) has no such split.
    const real = await cli('validate', join(ARTIE, 'manifest.jsonl'), '--no-audio-check');
    expect(real.stderr).not.toContain('differ only in case');
  }, 60_000);

  it('run warns with the manifest lines, the card keeps the spellings apart, report warns with results.jsonl lines', async () => {
    writeFileSync(
      join(dir, 's.yaml'),
      `name: split\nmanifest: m.jsonl\ngroupBy: [accent]\nnormaliser: basic\nbootstrap: { B: 50 }\nmetrics: [wer]\nbackends:\n` +
        `  - { name: amazon, type: hypotheses, options: { file: ${join(ARTIE, 'predictions/amazon/en-US/dec-9-2019.tsv')}, idFrom: basename-without-extension } }\n`,
    );
    const run = join(dir, 'run');
    const r = await cli('run', join(dir, 's.yaml'), '--store', join(dir, 's.sqlite'), '--out', run, '--no-progress', '--no-gate');
    expect(r.code, r.stderr).toBe(0);
    const warned = r.stderr.split('\n').filter((l) => l.includes('differ only in case'));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(new RegExp(`^asrfair: warning: label "accent": "indian" \\(${m}:\\d+, \\d+ utterances\\), "Indian" \\(${m}:\\d+, 2 utterances\\) and " indian " \\(${m}:\\d+, 1 utterance\\) differ only`));
    const rep = await cli('report', run, '--format', 'md', '--out', join(dir, 'card'), '--model', 'none');
    expect(rep.code, rep.stderr).toBe(0);
    const results = join(run, 'results.jsonl');
    const rows = readFileSync(results, 'utf8').split('\n');
    const line = (v: string) => rows.findIndex((l) => l && JSON.parse(l).labels.accent === v) + 1;
    expect(rep.stderr.split('\n').filter((l) => l.includes('differ only in case'))).toEqual([
      expect.stringContaining(`"Indian" (${results}:${line('Indian')}, 2 utterances) and " indian " (${results}:${line(' indian ')}, 1 utterance)`) as string,
    ]);
    // check and compare group the same run: they say it too (compare also in its report's notes).
    const check = await cli('check', run, '--max-wer', '0.99');
    expect(check.stderr.split('\n').filter((l) => l.includes('differ only in case'))).toHaveLength(1);
    const cmp = await cli('compare', run, run, '--out', join(dir, 'cmp'), '--format', 'md');
    expect(cmp.code, cmp.stderr).toBe(0);
    expect(cmp.stderr.split('\n').filter((l) => l.includes('differ only in case'))).toHaveLength(2);
    expect(readFileSync(join(dir, 'cmp', 'compare.md'), 'utf8')).toContain('differ only in case or spacing');
    // Not merged silently: the card has a row per spelling.
    const md = readFileSync(join(dir, 'card', 'card.md'), 'utf8').split('\n');
    // The spaced spelling is quoted, so a renderer that trims the cell still shows it apart (trial 22).
    for (const g of ['indian', 'Indian', '" indian "']) expect(md.filter((l) => l.startsWith(`| ${g} | `))).toHaveLength(1);
  }, 120_000);

  it('the card says it in every format (stderr is lost in CI logs): md and html banners, card.json, card-notes.csv', async () => {
    const run = join(dir, 'run');
    const rep = await cli('report', run, '--out', join(dir, 'card-all'), '--model', 'none');
    expect(rep.code, rep.stderr).toBe(0);
    const ids = (v: string) => readFileSync(m, 'utf8').split('\n').filter((l) => l && JSON.parse(l).labels.accent === v).map((l) => JSON.parse(l).id as string);
    const sentence = `Group names split by case or spacing: label "accent": "indian" (first utterance ${ids('indian')[0]}, ${ids('indian').length} utterances), "Indian" (first utterance ${ids('Indian')[0]}, 2 utterances) and " indian " (first utterance ${ids(' indian ')[0]}, 1 utterance) differ only in case or spacing, and are counted as 3 separate groups; use one spelling (or a label map) to count them as one.`;
    const card = (f: string) => readFileSync(join(dir, 'card-all', f), 'utf8');
    const md = card('card.md').split('\n');
    // At the top, before the first table.
    const at = md.indexOf(`> **Warning:** ${sentence.replace(/_/g, '\\_')}`); // Markdown-escaped ids
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(md.findIndex((l) => l.startsWith('## ')));
    expect(card('card.html')).toContain(`<p class="banner warning"><strong>Warning:</strong> ${sentence.replace(/"/g, '&quot;')}</p>`);
    const json = JSON.parse(card('card.json')) as { warnings: string[]; splitGroups: { key: string; spellings: { value: string; utterances: number }[] }[] };
    // Amazon's real answers include empty ones: the card also warns of those (trial 13).
    const split = (w: readonly string[]) => w.filter((x) => x.startsWith('Group names split'));
    expect(split(json.warnings)).toEqual([sentence]);
    expect(json.splitGroups).toEqual([{ key: 'accent', spellings: [expect.objectContaining({ value: 'indian' }), expect.objectContaining({ value: 'Indian', utterances: 2 }), expect.objectContaining({ value: ' indian ', utterances: 1 })] }]);
    expect(card('card-notes.csv').split('\r\n')[json.warnings.indexOf(sentence) + 1]).toBe(`warnings,${json.warnings.indexOf(sentence) + 1},"${sentence.replace(/"/g, '""')}"`);
    // The real Artie manifest has no split: no warning in its card.
    const real = join(dir, 'real.yaml');
    writeFileSync(real, readFileSync(join(dir, 's.yaml'), 'utf8').replace('manifest: m.jsonl', `manifest: ${join(ARTIE, 'manifest.jsonl')}`));
    const r = await cli('run', real, '--store', join(dir, 's.sqlite'), '--out', join(dir, 'real-run'), '--no-progress', '--no-gate');
    expect(r.code, r.stderr).toBe(0);
    const clean = await cli('report', join(dir, 'real-run'), '--format', 'json', '--out', join(dir, 'real-card'), '--model', 'none');
    expect(clean.code, clean.stderr).toBe(0);
    expect(split((JSON.parse(readFileSync(join(dir, 'real-card', 'card.json'), 'utf8')) as { warnings: string[] }).warnings)).toEqual([]);
  }, 120_000);
});
