/**
 * Suite `glm:` (issue 11): a NIST GLM applied to references and hypotheses exactly as `asrfair score --glm`
 * (csrfilt.sh) does, on real data — Amazon Transcribe's published transcripts of the Artie bias corpus,
 * which say "Mr", "um", "Okay", "Ah" — with NIST's en20030506.glm (excerpt). run.json records the GLM's
 * name and sha256, the card names it, and `report` rewrites the card byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCommand } from '../../src/cli/commands/run.ts';
import { scoreFiles } from '../../src/score/score.ts';
import { getNormaliser } from '../../src/text/normalise.ts';
import { loadNistGlm } from '../../src/text/nist-glm.ts';
import { loadRunForReport } from '../../src/score/run-export.ts';
import { BIN } from '../helpers/cli.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const MANIFEST = join(ROOT, 'corpora/artie-bias-corpus/manifest.jsonl');
const AMAZON = join(ROOT, 'corpora/artie-bias-corpus/predictions/amazon/en-US/dec-9-2019.tsv');
const GLM = join(ROOT, 'test/text/fixtures/en20030506-excerpt.glm');
let dir: string;

function suite(name: string, extra: string[]): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      `name: ${name}`,
      `manifest: ${MANIFEST}`,
      'normaliser: basic',
      ...extra,
      'bootstrap: { B: 200 }',
      'backends:',
      `  - { type: hypotheses, name: amazon-en-US, options: { file: ${AMAZON}, idFrom: basename-without-extension } }`,
      'groupBy: [accent]',
      '',
    ].join('\n'),
  );
  return file;
}

async function run(name: string, extra: string[]): Promise<string> {
  const out = join(dir, `export-${name}`);
  await runCommand(suite(name, extra), { progress: false, drainSec: 5, store: join(dir, 'store.sqlite'), out, say: () => undefined, gate: false });
  return out;
}

const errorsOf = (exp: string) => loadRunForReport(exp).utterances.filter((u) => u.status === 'ok').reduce((n, u) => n + u.words.sub + u.words.del + u.words.ins, 0);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-run-glm-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('suite glm: on the Artie corpus with Amazon en-US', () => {
  let withGlm: string;
  let without: string;
  it('per-speaker counts of the run equal asrfair score --glm on the same texts, and the GLM changes them', async () => {
    withGlm = await run('artie-glm', ['glm: ' + GLM]);
    without = await run('artie-noglm', []);
    const rows = loadRunForReport(withGlm).utterances.filter((u) => u.status === 'ok');
    expect(rows.length).toBeGreaterThan(1600);
    // The same utterances through `score`: manifest JSONL as reference, the vendor's answers as JSONL hypotheses.
    const ok = new Set(rows.map((u) => u.id));
    const hyps = new Map(
      readFileSync(AMAZON, 'utf8')
        .split('\n')
        .slice(1)
        .filter(Boolean)
        .map((l) => [l.slice(0, l.indexOf('\t')).replace(/\.wav$/, ''), l.slice(l.indexOf('\t') + 1)] as const),
    );
    const refs = readFileSync(MANIFEST, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; text: string; speaker: string }).filter((u) => ok.has(u.id));
    writeFileSync(join(dir, 'ref.jsonl'), refs.map((u) => JSON.stringify({ id: u.id, text: u.text, speaker: u.speaker })).join('\n') + '\n');
    writeFileSync(join(dir, 'hyp.jsonl'), refs.map((u) => JSON.stringify({ id: u.id, text: hyps.get(u.id) ?? '', speaker: u.speaker })).join('\n') + '\n');
    const sc = await scoreFiles(join(dir, 'ref.jsonl'), join(dir, 'hyp.jsonl'), { glm: loadNistGlm(GLM), normaliser: getNormaliser('basic'), chars: false });
    const ours = new Map<string, number[]>();
    for (const u of rows) {
      const t = ours.get(u.speaker) ?? [0, 0, 0, 0, 0];
      ours.set(u.speaker, [t[0]! + u.words.ref, t[1]! + u.words.hits, t[2]! + u.words.sub, t[3]! + u.words.del, t[4]! + u.words.ins]);
    }
    const theirs = new Map(sc.speakers.rows().map((r) => [r.speaker, [r.counts.ref, r.counts.hits, r.counts.sub, r.counts.del, r.counts.ins]]));
    expect(ours).toEqual(theirs);
    // The GLM matters on these transcripts (Mr → mister; um and okay only where followed by a space: the rules have [ ] contexts).
    expect(errorsOf(without)).not.toBe(errorsOf(withGlm));
    expect(rows.some((u) => /\bmister\b/.test(u.hyp))).toBe(true);
  }, 120_000);

  it('run.json records the GLM by name and sha256; the card says so and report rewrites it byte for byte', () => {
    const meta = JSON.parse(readFileSync(join(withGlm, 'run.json'), 'utf8')) as { scoring: { glm: { name: string; sha256: string; file: string }; markup: { convention: string } } };
    const sha = createHash('sha256').update(readFileSync(GLM)).digest('hex');
    expect(meta.scoring.glm).toMatchObject({ name: 'en20030506.glm', file: 'en20030506-excerpt.glm', sha256: sha });
    expect(meta.scoring.markup.convention).toBe('sclite');
    const report = () => spawnSync(process.execPath, [BIN, 'report', withGlm, '--format', 'md,json'], { encoding: 'utf8' });
    const first = report();
    expect(first.status, first.stderr).toBe(0);
    const card = readFileSync(join(withGlm, 'report/card.md'), 'utf8');
    expect(card).toContain(`sha256 ${sha}`);
    expect(card).toMatch(/Transcript markup: read as NIST sclite reads trn text/);
    const again = report();
    expect(again.status).toBe(0);
    expect(readFileSync(join(withGlm, 'report/card.md'), 'utf8')).toBe(card);
  }, 60_000);

  it('a GLM that cannot be parsed stops the run with file:line before anything is sent', async () => {
    const bad = join(dir, 'bad.glm');
    writeFileSync(bad, '* name "bad"\nTHIS LINE HAS NO ARROW\n');
    await expect(run('artie-badglm', [`glm: ${bad}`])).rejects.toThrow(`${bad}:2: not a GLM rule`);
  });

  it('compare of the runs with and without the GLM says their scoring settings differ', () => {
    const r = spawnSync(process.execPath, [BIN, 'compare', without, withGlm, '--format', 'md', '--out', join(dir, 'cmp')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const md = readFileSync(join(dir, 'cmp', 'compare.md'), 'utf8');
    expect(md).toMatch(/Transcript markup or GLM settings differ \(A markup sclite, no GLM; B markup sclite, GLM en20030506\.glm sha256 [0-9a-f]{12}/);
  }, 60_000);
});
