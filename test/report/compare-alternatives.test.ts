// `asrfair compare` pairs on the reference before an alternative is chosen (trial 21, finding 1): a reference with
// sclite alternations or GLM alternatives was exported as the alternative each backend's alignment chose, so the same
// manifest sentence counted as "a different reference" between backends and was dropped — exactly where they differ.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';
import { loadRunForReport } from '../../src/score/run-export.ts';

const SCTK = join(import.meta.dirname, '../../../shared/data/sctk-sclite-testdata');
const SCLITE = '/usr/lib/sctk/bin/sclite';
const MANIFEST = join(import.meta.dirname, '../../corpora/artie-bias-corpus/manifest.jsonl');
const PRED = join(import.meta.dirname, '../../../shared/data/artie-bias-corpus/predictions');

const dir = mkdtempSync(join(tmpdir(), 'asrfair-compare-alts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

/** trn lines `text (id)` as [id, text]. */
const trn = (file: string): Array<[string, string]> =>
  readFileSync(file, 'latin1').split('\n').filter((l) => l.trim()).map((l) => {
    const m = /^(.*)\(([^()]+)\)\s*$/.exec(l)!;
    return [m[2], m[1].trim()];
  });

async function run(name: string, yaml: string): Promise<string> {
  const out = join(dir, name);
  const r = await cli('run', write(`${name}.yaml`, yaml), '--store', join(dir, `${name}.sqlite`), '--out', out, '--no-progress', '--no-gate');
  if (r.code !== 0) throw new Error(r.stderr);
  return out;
}

type Row = ReturnType<typeof loadRunForReport>['utterances'][number];
const wer = (rows: readonly Row[]) => (100 * rows.reduce((s, u) => s + u.words.sub + u.words.del + u.words.ins, 0)) / rows.reduce((s, u) => s + u.words.ref, 0);

async function compareJson(out: string, ...args: string[]) {
  const r = await cli('compare', ...args, '--bootstrap', '200', '--format', 'json', '--out', join(dir, out));
  expect(r.code, r.stderr).toBe(0);
  return { ...r, json: JSON.parse(readFileSync(join(dir, out, 'compare.json'), 'utf8')) };
}

describe('NIST csrnab (alternations in the reference): compare pairs every utterance', () => {
  let both: string;
  let onlyB: string;
  beforeAll(async () => {
    const ref = trn(join(SCTK, 'csrnab.ref'));
    const hyp = new Map(trn(join(SCTK, 'csrnab.hyp')).map(([id, t]) => [id.toLowerCase(), t]));
    const m = write('nab-m.jsonl', ref.map(([id, text]) => JSON.stringify({ id, text, speaker: id.slice(0, 3).toLowerCase(), labels: { set: 'nab' } })).join('\n') + '\n');
    const a = write('nab-a.jsonl', ref.map(([id]) => JSON.stringify({ id, text: hyp.get(id.toLowerCase()) })).join('\n') + '\n');
    // B reads the reference as written, the last of each alternation: its alignment chooses other alternatives than A's.
    const b = write('nab-b.jsonl', ref.map(([id, text]) => JSON.stringify({ id, text: text.replace(/\{[^}]*\/ ([^/}]*?) \}/g, '$1') })).join('\n') + '\n');
    const suite = (backends: string) => `name: nab\nmanifest: ${m}\ngroupBy: [set]\nnormaliser: none\nbackends:\n${backends}`;
    const A = `  - { name: A, type: hypotheses, options: { file: ${a} } }\n`;
    const B = `  - { name: B, type: hypotheses, options: { file: ${b} } }\n`;
    both = await run('nab', suite(A + B));
    onlyB = await run('nab-b', suite(B));
  }, 120_000);

  it("the run's WER of A is sclite's (12.0 %), and 4T0C0207's chosen alternatives differ between A and B", () => {
    const rows = loadRunForReport(both).utterances;
    const sum = execFileSync(SCLITE, ['-r', join(SCTK, 'csrnab.ref'), 'trn', '-h', join(SCTK, 'csrnab.hyp'), 'trn', '-i', 'wsj', '-o', 'sum', 'stdout'], { encoding: 'latin1' });
    const err = Number(/Sum\/Avg\|.*\|(?:\s+[\d.]+){4}\s+([\d.]+)/.exec(sum)![1]);
    expect(wer(rows.filter((u) => u.backend === 'A')).toFixed(1)).toBe(err.toFixed(1));
    const [ra, rb] = ['A', 'B'].map((k) => rows.find((u) => u.id === '4T0C0207' && u.backend === k)!);
    expect(ra.ref).not.toBe(rb.ref);
    expect(ra.refNetwork).toBe(rb.refNetwork);
    expect(ra.refNetwork).toContain("{ fidelity's / fidelity }");
  });

  for (const [what, other] of [['one run, A vs B', () => both], ['two runs, A vs B of another run', () => onlyB]] as const) {
    it(`${what}: all 51 paired, none left out as "different reference"; WER A equals the run's`, async () => {
      const rows = loadRunForReport(both).utterances.filter((u) => u.backend === 'A');
      const { json, stdout, stderr } = await compareJson(`nab-${what.length}`, both, other(), '--backend-a', 'A', '--backend-b', 'B');
      const t = json.tables[0];
      expect(t.refDiffers).toBe(0);
      expect(t.overall.utterances).toBe(51);
      expect(t.overall.werA).toBeCloseTo(wer(rows) / 100, 12);
      expect(t.overall.werB).toBe(0);
      expect(stdout + stderr).not.toMatch(/different reference \(|References differ/);
    });
  }
});

describe('Artie with a contractions GLM: compare pairs every utterance', () => {
  let both: string;
  let google: string;
  beforeAll(async () => {
    const glm = write(
      'c.glm',
      ["* name \"c.glm\"", "* format = 'NIST1'", "* max_nrules = '2500'", "* copy_no_hit = 'T'", "* case_sensitive = 'F'",
        "IT'S => { IT'S / IT IS } / [ ] __ [ ]", "DON'T => { DON'T / DO NOT } / [ ] __ [ ]", "I'M => { I'M / I AM } / [ ] __ [ ]",
        "THAT'S => { THAT'S / THAT IS } / [ ] __ [ ]", "CAN'T => { CAN'T / CANNOT / CAN NOT } / [ ] __ [ ]", ''].join('\n'),
    );
    const be = (n: string, f: string) => `  - { name: ${n}, type: hypotheses, options: { file: ${join(PRED, f)}, idFrom: basename-without-extension } }\n`;
    const suite = (backends: string) => `name: glm\nmanifest: ${MANIFEST}\ngroupBy: [accent]\nnormaliser: basic\nglm: ${glm}\nseed: 1\nbootstrap: { B: 200 }\nbackends:\n${backends}`;
    both = await run('glm', suite(be('amazon', 'amazon/en-US/dec-9-2019.tsv') + be('google', 'google/en-US/dec-4-2019.tsv')));
    google = await run('glm-g', suite(be('google', 'google/en-US/dec-4-2019.tsv')));
  }, 180_000);

  for (const [what, other] of [['one run', () => both], ['two runs', () => google]] as const) {
    it(`${what}: amazon vs google pairs all scored utterances, WER A equals the run's`, async () => {
      const rows = loadRunForReport(both).utterances;
      const alts = rows.filter((u) => u.refNetwork !== undefined);
      // The GLM gave some references alternatives, and the two backends' alignments chose differently for some.
      const chosen = new Map(alts.filter((u) => u.backend === 'amazon').map((u) => [u.id, u.ref]));
      expect(alts.filter((u) => u.backend === 'google' && chosen.get(u.id) !== u.ref).length).toBeGreaterThan(0);
      const { json } = await compareJson(`glm-${what.length}`, both, other(), '--backend-a', 'amazon', '--backend-b', 'google');
      const t = json.tables[0];
      expect(t.refDiffers).toBe(0);
      const scored = (k: string) => new Set(rows.filter((u) => u.backend === k && u.status === 'ok').map((u) => u.id));
      const [sa, sb] = [scored('amazon'), scored('google')];
      const pairedA = rows.filter((u) => u.backend === 'amazon' && sa.has(u.id) && sb.has(u.id));
      expect(t.overall.utterances).toBe(pairedA.length);
      expect(t.overall.werA).toBeCloseTo(wer(pairedA) / 100, 12);
    });
  }
});

describe('all references `{ ok / okay } …`', () => {
  it('compare pairs all 40 (it said "nothing to compare", exit 2)', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `u${i}`);
    const line = (f: (i: number) => object) => ids.map((_, i) => JSON.stringify(f(i))).join('\n') + '\n';
    const m = write('alt-m.jsonl', line((i) => ({ id: `u${i}`, text: '{ ok / okay } let us go now', speaker: `s${i}`, labels: { accent: i % 2 ? 'x' : 'y' } })));
    const a = write('alt-a.jsonl', line((i) => ({ id: `u${i}`, text: 'ok let us go now' })));
    const b = write('alt-b.jsonl', line((i) => ({ id: `u${i}`, text: i % 4 ? 'okay let us go now' : 'okay let us go' })));
    const out = await run('alt', `name: alt\nmanifest: ${m}\ngroupBy: [accent]\nminCell: { speakers: 5, words: 20 }\nbackends:\n  - { name: A, type: hypotheses, options: { file: ${a} } }\n  - { name: B, type: hypotheses, options: { file: ${b} } }\n`);
    const { json } = await compareJson('alt', out, out, '--backend-a', 'A', '--backend-b', 'B');
    expect(json.tables[0].overall.utterances).toBe(40);
    expect(json.tables[0].overall.werA).toBe(0);
    expect(json.tables[0].overall.werB).toBeCloseTo(10 / 200, 12);
  });
});
