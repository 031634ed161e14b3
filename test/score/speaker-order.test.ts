/**
 * Speaker rows in sclite's order: the order speakers first appear in the hypothesis file (measured
 * with Debian's sclite 2.4.10: it is not the reference's order). asrfair listed them in reference
 * order. Real data: SCTK's tests.ref/tests.hyp with the hypothesis lines reversed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scoreFiles } from '../../src/score/score.ts';
import { renderPra, renderSgml } from '../../src/score/reports.ts';
import { spawnSync } from 'node:child_process';
import { SCLITE } from './sclite-run.ts';
import { runSclite, scliteAvailable } from './sclite-run.ts';
import { TSCLITE_DIR } from './tsclite.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-spk-order-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!scliteAvailable)('speaker rows in the order of the hypothesis file, as sclite', () => {
  it('smallest case: hypothesis lists spkC, spkA, spkB; the reference spkA, spkB, spkC', async () => {
    const ref = join(dir, 'o.ref');
    const hyp = join(dir, 'o.hyp');
    writeFileSync(ref, 'a b (spkA-1)\nc d (spkB-1)\ne f (spkC-1)\nz (spkA-2)\n');
    writeFileSync(hyp, 'e f (spkC-1)\na x (spkA-1)\nc d (spkB-1)\nz (spkA-2)\n');
    const res = await scoreFiles(ref, hyp, { markup: { caseSensitive: true }, keepAlignments: true });
    expect(res.speakers.rows().map((s) => s.speaker)).toEqual(runSclite(ref, hyp).rawSpeakers.map((r) => r.speaker));
    expect(res.speakers.rows().map((s) => s.speaker)).toEqual(['spkC', 'spkA', 'spkB']);
    // The sgml report lists its SPEAKER blocks in the same order, as sclite's does.
    const sgml = renderSgml(res, 'o', ref, hyp);
    expect([...sgml.matchAll(/<SPEAKER id="([^"]*)">/g)].map((m) => m[1])).toEqual(['spkC', 'spkA', 'spkB']);
    // Folded scoring (no -s): sclite prints the ids folded, as it matched them; so does asrfair (it printed spkC-1).
    const folded = await scoreFiles(ref, hyp, { keepAlignments: true });
    const heads = (t: string) => t.split('\n').filter((l) => /^Speaker sentences|^id: /.test(l)).map((l) => l.trimEnd());
    const scl = spawnSync(SCLITE, ['-r', ref, 'trn', '-h', hyp, 'trn', '-i', 'rm', '-o', 'pra', 'sgml', 'stdout'], { encoding: 'utf8' });
    expect(heads(renderPra(folded, 'o'))).toEqual(heads(scl.stdout));
    const pathIds = (t: string) => [...t.matchAll(/<PATH id="([^"]*)"/g)].map((m) => m[1]);
    expect(pathIds(renderSgml(folded, 'o', ref, hyp))).toEqual(pathIds(scl.stdout));
    // sequence: the alignment's place in the hypothesis file, as sclite writes it.
    expect([...sgml.matchAll(/<PATH id="\(([^)]*)\)".* sequence="(\d+)"/g)].map((m) => `${m[1]} ${m[2]}`)).toEqual(['spkC-1 0', 'spkA-1 1', 'spkA-2 3', 'spkB-1 2']);
  });

  it("SCTK's tests.ref with tests.hyp reversed: every speaker row equal, in sclite's order", async () => {
    const ref = join(TSCLITE_DIR, 'tests.ref');
    const hyp = join(dir, 'tests.rev.hyp');
    writeFileSync(hyp, readFileSync(join(TSCLITE_DIR, 'tests.hyp'), 'utf8').trimEnd().split('\n').reverse().join('\n') + '\n');
    const res = await scoreFiles(ref, hyp, { markup: { caseSensitive: true }, keepAlignments: true });
    // pra: utterances grouped by speaker under sclite's "Speaker sentences" lines, in the same order.
    const heads = (t: string) => t.split('\n').filter((l) => /^Speaker sentences|^id: /.test(l)).map((l) => l.trimEnd());
    const pra = spawnSync(SCLITE, ['-s', '-r', ref, 'trn', '-h', hyp, 'trn', '-i', 'rm', '-o', 'pra', 'stdout'], { encoding: 'utf8' });
    expect(heads(renderPra(res, 'x'))).toEqual(heads(pra.stdout));
    const ours = res.speakers.rows().map((s) => [s.speaker, s.sentences, s.counts.ref, s.counts.hits, s.counts.sub, s.counts.del, s.counts.ins]);
    const theirs = runSclite(ref, hyp).rawSpeakers.map((r) => [r.speaker, r.sentences, r.words, r.corr, r.sub, r.del, r.ins]);
    expect(theirs.length).toBeGreaterThan(2);
    expect(ours).toEqual(theirs);
  });
});
