/**
 * An stm reference and ctm hypotheses as a run input (issue 11): `asrfair import stm` → manifest (one
 * utterance per segment, stm labels as declared attributes, IGNORE_TIME_SEGMENT_IN_SCORING segments left out
 * and counted), a suite with the `ctm` backend, `asrfair run` and `report`. Every cell of sclite's `lur`
 * report (speaker × label, and the Set Sum/Avg row) equals the run's per-label WER, on SCTK's own lvc case.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../src/cli/commands/run.ts';
import { parseSuite } from '../../src/run/suite.ts';
import { loadRunForReport } from '../../src/score/run-export.ts';
import { BIN } from '../helpers/cli.ts';
import { SCLITE, scliteAvailable } from '../score/sclite-run.ts';
import { TSCLITE_DIR } from '../score/tsclite.ts';

const have = scliteAvailable && existsSync(join(TSCLITE_DIR, 'lvc_ref.stm'));
let dir: string;
const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8' });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-stm-run-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** sclite's lur table: row (speaker or Set Sum/Avg) → [#Wrd, %WE] per label column. */
function scliteLur(stm: string, ctm: string): Map<string, ([number, number] | null)[]> {
  const r = spawnSync(SCLITE, ['-r', stm, 'stm', '-h', ctm, 'ctm', '-o', 'lur', 'stdout'], { cwd: TSCLITE_DIR, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  const rows = new Map<string, ([number, number] | null)[]>();
  for (const line of r.stdout.split('\n')) {
    const m = /^\s*\|\s*([^|]+?)\s*\|(.*)\|\s*$/.exec(line);
    if (!m || !/\[/.test(m[2]!)) continue;
    rows.set(
      m[1]!,
      m[2]!.split(/\|\|?/).map((c) => {
        const x = /\[\s*(\d+)\]\s+([\d.]+)/.exec(c);
        return x ? [Number(x[1]), Number(x[2])] : null;
      }),
    );
  }
  return rows;
}

describe.skipIf(!have)('asrfair import stm + ctm backend: run and report give sclite\'s lur', () => {
  for (const stm of ['lvc_ref.stm', 'lvc_refe.stm']) {
    it(`${stm} × lvc_hyp.ctm: every lur cell equals the run's per-label WER`, async () => {
      const manifest = join(dir, `${stm}.jsonl`);
      const imp = cli('import', 'stm', join(TSCLITE_DIR, stm), '-o', manifest);
      expect(imp.status, imp.stderr).toBe(0);
      const ignored = stm === 'lvc_refe.stm' ? 3 : 0;
      if (ignored) expect(imp.stdout).toContain(`left out: ${ignored} IGNORE_TIME_SEGMENT_IN_SCORING segments`);
      expect(imp.stdout).toContain(`${61 - ignored} utterances, 4 speakers`);
      const suite = join(dir, `${stm}.yaml`);
      writeFileSync(
        suite,
        [
          `name: lvc`,
          `manifest: ${manifest}`,
          'normaliser: none',
          'groupBy: [alternations, category_0]',
          'bootstrap: { B: 200 }',
          'backends:',
          `  - { type: ctm, options: { file: ${join(TSCLITE_DIR, 'lvc_hyp.ctm')}, stm: ${join(TSCLITE_DIR, stm)} } }`,
          '',
        ].join('\n'),
      );
      const out = join(dir, `export-${stm}`);
      await runCommand(suite, { progress: false, drainSec: 5, store: join(dir, 'store.sqlite'), out, say: () => undefined, gate: false });
      const rows = loadRunForReport(out).utterances;
      expect(rows.every((u) => u.status === 'ok')).toBe(true);
      // No audio: the segment times give the duration (the card's Hours).
      expect(rows.find((u) => u.id === '2347_a_0000')!.durationSec).toBeCloseTo(3.47 - 1.06, 9);

      // Label columns of lvc: O (category_0), WA and NA (alternations).
      const cols: [string, string][] = [['category_0', 'o'], ['alternations', 'wa'], ['alternations', 'na']];
      const cell = (keep: (u: (typeof rows)[number]) => boolean): [number, number] | null => {
        let words = 0;
        let errors = 0;
        for (const u of rows.filter(keep)) {
          words += u.words.ref;
          errors += u.words.sub + u.words.del + u.words.ins;
        }
        return words === 0 ? null : [words, Math.round((1000 * errors) / words) / 10];
      };
      const theirs = scliteLur(stm, 'lvc_hyp.ctm');
      const speakers = [...new Set(rows.map((u) => u.speaker))];
      expect(speakers.sort()).toEqual(['2347-a', '2347-b', '3129-a', '3129-b']);
      for (const spk of [...speakers, 'Set Sum/Avg']) {
        const ours = cols.map(([k, v]) => cell((u) => (spk === 'Set Sum/Avg' || u.speaker === spk) && u.labels[k] === v));
        expect(ours, spk).toEqual(theirs.get(spk)!.slice(0, 3));
      }

      // report: the grouped fairness table with speaker-cluster bootstrap intervals.
      const rep = cli('report', out, '--format', 'md');
      expect(rep.status, rep.stderr).toBe(0);
      const card = readFileSync(join(out, 'report/card.md'), 'utf8');
      const na = theirs.get('Set Sum/Avg')![2]!;
      // Segments the CTM has no word for are scored as empty hypotheses (all deletions, as sclite scores them): counted.
      expect(card).toMatch(/\| Group \| Speakers \| Utterances \| Empty hyp\. \| Hours \|/);
      expect(card).toMatch(new RegExp(`\\| na \\| 4 \\| \\d+ \\| \\d+ \\| [\\d.]+ \\| ${na[0]} \\| ${na[1].toFixed(1)}% \\[—\\]`));
    }, 60_000);
  }

  it('malformed input: one file:line error, no stack', () => {
    const bad = join(dir, 'bad.stm');
    writeFileSync(bad, ';; CATEGORY "0" "" ""\nf1 A spk 0.0 1.0 <O> hello world\nf1 A spk 0.5 2.0 <O> overlapping segment\n');
    const r = cli('import', 'stm', bad, '-o', join(dir, 'bad.jsonl'));
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(new RegExp(`^asrfair: ${bad}:3: segment 0.5-2 of speaker spk overlaps the one at line 2`));
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const keys = cli('import', 'stm', join(TSCLITE_DIR, 'lvc_ref.stm'), '-o', join(dir, 'k.jsonl'), '--label-keys', 'overall');
    expect(keys.status).toBe(2);
    expect(keys.stderr).toMatch(/lvc_ref\.stm:6: segment has 2 labels <O,WA> but --label-keys names 1/);
  });

  it('a manifest imported from another stm is not paired with the wrong segments (ids are segment indexes)', async () => {
    // lvc_refr.stm lacks lvc_ref.stm's first segments: its 2347_a_0000 is another segment of lvc_ref.stm.
    const manifest = join(dir, 'refr.jsonl');
    expect(cli('import', 'stm', join(TSCLITE_DIR, 'lvc_refr.stm'), '-o', manifest).status).toBe(0);
    const suite = join(dir, 'mismatch.yaml');
    writeFileSync(
      suite,
      `name: mm\nmanifest: ${manifest}\nnormaliser: none\nbootstrap: { B: 200 }\nbackends:\n  - { type: ctm, options: { file: ${join(TSCLITE_DIR, 'lvc_hyp.ctm')}, stm: ${join(TSCLITE_DIR, 'lvc_ref.stm')} } }\n`,
    );
    // A configuration error: one line naming the segment and both times, exit 2, nothing stored.
    const r = cli('run', suite, '--store', join(dir, 'store-mm.sqlite'), '--out', join(dir, 'export-mismatch'), '--no-gate');
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/segment 2347_a_0000 of .*lvc_ref\.stm is 1\.06-3\.47, but the manifest has 103\.55-109\.17: the manifest was not imported from this stm/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('a ctm backend under markup: none is refused (its alternations would be scored as brace words)', () => {
    const yaml = (markup: string) => `name: s\nmanifest: m.jsonl\nmarkup: ${markup}\nbackends:\n  - { type: ctm, options: { file: h.ctm, stm: r.stm } }\n`;
    expect(() => parseSuite(yaml('none'), join(dir, 's.yaml'))).toThrow(/backends\.0\.type|backends\[0\]/);
    expect(() => parseSuite(yaml('none'), join(dir, 's.yaml'))).toThrow(/needs `markup` convention sclite/);
    expect(() => parseSuite(yaml('sclite'), join(dir, 's.yaml'))).not.toThrow();
  });

  it('file/channel pairs whose ids join to the same string (x_A 1, x A_1) get percent-encoded ids; others keep theirs; the run equals sclite', async () => {
    // Smallest failing input: before, import stopped with `duplicate utterance id "x_A_1_0000"`.
    const stm = join(dir, 'collide.stm');
    writeFileSync(stm, 'x_A 1 s1 0.0 2.0 hello world\nx A_1 s2 0.0 2.0 good bye\nx%5FA 1 s3 0.0 2.0 plain one\ny 1 s4 0.0 2.0 plain two\n');
    const ctm = join(dir, 'collide.ctm');
    writeFileSync(ctm, 'x_A 1 0.1 0.5 hello\nx_A 1 0.6 0.5 word\nx A_1 0.1 0.5 good\nx%5FA 1 0.1 0.5 plain\nx%5FA 1 0.6 0.5 one\ny 1 0.1 0.5 plain\n');
    const manifest = join(dir, 'collide.jsonl');
    const imp = cli('import', 'stm', stm, '-o', manifest);
    expect(imp.status, imp.stderr).toBe(0);
    const ids = readFileSync(manifest, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id);
    // x%5FA 1's plain id would equal x_A 1's encoded one, so it is encoded too; y 1 keeps today's id.
    expect(ids).toEqual(['x%5FA_1_0000', 'x_A%5F1_0000', 'x%255FA_1_0000', 'y_1_0000']);
    const suite = join(dir, 'collide.yaml');
    writeFileSync(suite, `name: c\nmanifest: ${manifest}\nnormaliser: none\nbootstrap: { B: 200 }\nbackends:\n  - { type: ctm, options: { file: ${ctm}, stm: ${stm} } }\n`);
    const out = join(dir, 'export-collide');
    await runCommand(suite, { progress: false, drainSec: 5, store: join(dir, 'store-c.sqlite'), out, say: () => undefined, gate: false });
    const rows = loadRunForReport(out).utterances;
    const errs = (id: string) => { const u = rows.find((r) => r.id === id)!; return [u.words.ref, u.words.sub, u.words.del, u.words.ins]; };
    expect(errs('x%5FA_1_0000')).toEqual([2, 1, 0, 0]);
    expect(errs('x_A%5F1_0000')).toEqual([2, 0, 1, 0]);
    expect(errs('x%255FA_1_0000')).toEqual([2, 0, 0, 0]);
    expect(errs('y_1_0000')).toEqual([2, 0, 1, 0]);
    if (scliteAvailable) {
      // sclite keeps the pairs apart too: its totals (per speaker) equal the run's.
      const r = spawnSync(SCLITE, ['-r', stm, 'stm', '-h', ctm, 'ctm', '-o', 'sum', 'stdout'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      for (const [spk, id] of [['s1', 'x%5FA_1_0000'], ['s2', 'x_A%5F1_0000'], ['s3', 'x%255FA_1_0000'], ['s4', 'y_1_0000']] as const) {
        const line = r.stdout.split('\n').find((l) => new RegExp(`^\\s*\\|\\s*${spk}\\s*\\|`).test(l))!;
        const n = line.split('|')[2]!.trim().split(/\s+/).map(Number); // # Snt # Wrd
        const pct = line.split('|')[3]!.trim().split(/\s+/).map(Number); // Corr Sub Del Ins Err S.Err (percent)
        const [ref, sub, del, ins] = errs(id);
        expect([n[1], pct[1], pct[2], pct[3]], spk).toEqual([ref, (100 * sub) / ref, (100 * del) / ref, (100 * ins) / ref]);
      }
    }
  }, 60_000);
});
