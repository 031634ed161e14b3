// A condition on a backend that reads no audio (trial 16, defect 1): a suite of Amazon's real Artie answers (a
// `hypotheses` backend) with `conditions: [telephone]` ran 48 "telephone" calls, gated each violation twice and printed
// "Degradation 0.0 pp [0.0, 0.0]" for every group, although the audio was never read. Now such a suite is refused when
// it is loaded (exit 2, one line naming the suite file:line of the condition and the backend); with a backend that
// reads audio too (PocketSphinx on real Common Voice clips), the text-only backend runs on the clean audio only, and
// the run, run.json and the card say so.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';

const ARTIE = join(import.meta.dirname, '../../corpora/artie-bias-corpus/manifest.jsonl');
const AMAZON = join(import.meta.dirname, '../../../shared/data/artie-bias-corpus/predictions/amazon/en-US/dec-9-2019.tsv');
const CV = join(import.meta.dirname, '../../../shared/data/cv-6.1-en-sample/en');

const dir = mkdtempSync(join(tmpdir(), 'asrfair-cond-text-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TELEPHONE = 'conditions:\n  - name: telephone\n    steps:\n      - { type: telephone }\n';

describe('conditions on a suite whose backends read no audio', () => {
  it("Amazon's Artie answers with conditions: [telephone]: exit 2, one line naming suite:line, the condition and the backend; nothing runs", async () => {
    writeFileSync(join(dir, 'artie.jsonl'), readFileSync(ARTIE, 'utf8').split('\n').slice(0, 48).join('\n') + '\n');
    const suite = join(dir, 'artie.yaml');
    writeFileSync(
      suite,
      `name: artie\nmanifest: artie.jsonl\ngroupBy: [accent]\nnormaliser: basic\nbackends:\n` +
        `  - { name: amazon, type: hypotheses, options: { file: ${AMAZON}, idFrom: basename-without-extension } }\ngate: { maxGap: 0.05 }\n${TELEPHONE}`,
    );
    const r = await cli('run', suite, '--store', join(dir, 'artie.sqlite'), '--out', join(dir, 'artie'), '--no-progress');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      `asrfair: ${suite}:9: conditions[0] (telephone): backend "amazon" (hypotheses) reads no audio (it answers by utterance id), so the condition cannot change what it answers: its results would be the clean ones relabelled; remove \`conditions:\`, or add a backend that reads audio (text-only backends then run on the clean audio only)`,
    ]);
    expect(r.stdout).not.toMatch(/telephone/);
    // validate --suite loads the suite the same way, and refuses it the same way.
    const v = await cli('validate', join(dir, 'artie.jsonl'), '--suite', suite);
    expect(v.code).toBe(2);
    expect(v.stderr.trim().split('\n')).toEqual(r.stderr.trim().split('\n'));
  }, 60_000);
});

describe('a text-only backend beside one that reads audio', () => {
  it('runs on the clean audio only; the run, run.json and the card say so; no degradation of it is made up', async () => {
    // Four real Common Voice clips (us) and a vendor table answering them by clip name.
    const rows = readFileSync(join(CV, 'validated.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
    const us = rows.filter((c) => c[7] === 'us').slice(0, 4);
    const manifest = us.map((c) => JSON.stringify({ id: c[1].replace(/\.mp3$/, ''), audio: join(CV, 'clips', c[1]), text: c[2], speaker: c[0], labels: { accent: 'us' } }));
    writeFileSync(join(dir, 'cv.jsonl'), manifest.join('\n') + '\n');
    writeFileSync(join(dir, 'vendor.tsv'), 'path\tprediction\n' + us.map((c) => `${c[1].replace(/\.mp3$/, '.wav')}\t${c[2].toLowerCase()}`).join('\n') + '\n');
    const suite = join(dir, 'mixed.yaml');
    writeFileSync(
      suite,
      `name: mixed\nmanifest: cv.jsonl\ngroupBy: [accent]\nnormaliser: basic\nbootstrap: { B: 200 }\nminCell: { speakers: 1, words: 1 }\nbackends:\n` +
        `  - { name: vendor, type: hypotheses, options: { file: vendor.tsv, idFrom: basename-without-extension } }\n  - { name: ps, type: pocketsphinx }\n${TELEPHONE}`,
    );
    const out = join(dir, 'mixed');
    const r = await cli('run', suite, '--store', join(dir, 'mixed.sqlite'), '--out', out, '--no-progress', '--no-gate');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'note: backend "vendor" reads no audio: run on the clean audio only, not under telephone (a condition cannot change an answer given by utterance id); the card\'s conditions and degradation concern the other backends',
    );
    // Cells: vendor × clean, ps × clean, ps × telephone; no vendor × telephone.
    expect(r.stdout).toMatch(/^vendor\s+clean\s+4\s/m);
    expect(r.stdout).not.toMatch(/^vendor\s+telephone/m);
    expect(r.stdout).toMatch(/^ps\s+telephone\s+4\s/m);
    const results = readFileSync(join(out, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { backend: string; condition: string });
    expect(results).toHaveLength(12);
    expect(results.filter((x) => x.backend === 'vendor').map((x) => x.condition)).toEqual(['clean', 'clean', 'clean', 'clean']);
    const meta = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { cleanOnly?: string[]; incomplete?: unknown };
    expect(meta.cleanOnly).toEqual(['vendor']);
    // Complete: 4 × (vendor clean + ps clean + ps telephone) items, as expected.
    expect(meta.incomplete).toBeUndefined();
    const rep = await cli('report', out, '--out', join(dir, 'mixed-report'), '--format', 'md,json', '--model', 'none');
    expect(rep.code, rep.stderr).toBe(0);
    const md = readFileSync(join(dir, 'mixed-report', 'card.md'), 'utf8');
    expect(md).toContain(
      'Backend "vendor" reads no audio (answers given by utterance id): run on the clean audio only, not under telephone, since a condition cannot change its answers; conditions and degradation concern "ps" only.',
    );
    const card = JSON.parse(readFileSync(join(dir, 'mixed-report', 'card.json'), 'utf8')) as { degradation: { backend: string }[] };
    expect(card.degradation.map((d) => d.backend)).not.toContain('vendor');
    // check: complete, nothing lost (no vendor × telephone item is expected).
    const c = await cli('check', out, '--max-wer', '1');
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/^PASS: 3 groups in 3 tables within WER ≤ 100\.0%; no failed or missing utterance/m);
  }, 300_000);
});
