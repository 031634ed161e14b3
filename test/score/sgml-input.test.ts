/**
 * Reading sclite's sgml alignment file back (`score --sgml` = `sclite -P`): Debian sclite's own sgml
 * (stm/ctm with -D: tags, `\;`, times, labels) and asrfair's sgml writer both summarise to the rows
 * `sclite -P` prints; bad files name file:line; the CLI refuses alignment options with --sgml.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scoreSgml } from '../../src/score/sgml-input.ts';
import { scoreStmCtm } from '../../src/score/longform.ts';
import { renderSgml } from '../../src/score/reports.ts';
import { parseScliteOutput, SCLITE, scliteAvailable } from './sclite-run.ts';
import { TSCLITE_DIR } from './tsclite.ts';

const BIN = join(import.meta.dirname, '../../bin/asrfair.mjs');
const have = scliteAvailable && existsSync(join(TSCLITE_DIR, 'lvc_ref.stm'));
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-sgml-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `sclite -P` on a file: its raw speaker rows. */
function scliteP(file: string): (string | number)[][] {
  const r = spawnSync(SCLITE, ['-P', '-o', 'sum', 'rsum', 'stdout'], { encoding: 'utf8', input: readFileSync(file) });
  if (r.status !== 0) throw new Error(r.stderr);
  return parseScliteOutput(r.stdout).rawSpeakers.map((x) => [x.speaker, x.sentences, x.words, x.corr, x.sub, x.del, x.ins, x.sentErr]);
}

async function ours(file: string): Promise<(string | number)[][]> {
  const res = await scoreSgml(file);
  return res.speakers.rows().map((s) => [s.speaker, s.sentences, s.counts.ref, s.counts.hits, s.counts.sub, s.counts.del, s.counts.ins, s.sentenceErrors]);
}

describe.skipIf(!have)('sclite sgml read back against sclite -P', () => {
  it("Debian sclite's sgml of an stm/ctm run with -D (tags, escaped ;, word times, labels)", async () => {
    const r = spawnSync(SCLITE, ['-r', 'lvc_ref.stm', 'stm', '-h', 'lvc_hyp.ctm', 'ctm', '-D', '-o', 'sgml', 'stdout'], { cwd: TSCLITE_DIR, encoding: 'utf8' });
    const f = join(dir, 'lvc.sgml');
    writeFileSync(f, r.stdout);
    expect(await ours(f)).toEqual(scliteP(f));
    const res = await scoreSgml(f);
    expect(res.labelInfo.map((l) => l.title)).toEqual(['Overall', 'With Alt', 'NO Alt']);
    expect(res.labels.rows().map((l) => l.speaker).sort()).toEqual(['na', 'o', 'wa']);
  });

  it("asrfair's own sgml report is read by sclite -P and by --sgml to the rows of the direct scoring", async () => {
    const direct = await scoreStmCtm(join(TSCLITE_DIR, 'lvc_ref.stm'), join(TSCLITE_DIR, 'lvc_hyp.ctm'), { keepAlignments: true, chars: false, markup: { optionalDeletable: true } });
    const f = join(dir, 'ours.sgml');
    writeFileSync(f, renderSgml(direct, 'lvc_hyp.ctm', 'lvc_ref.stm', 'lvc_hyp.ctm'));
    const want = direct.speakers.rows().map((s) => [s.speaker, s.sentences, s.counts.ref, s.counts.hits, s.counts.sub, s.counts.del, s.counts.ins, s.sentenceErrors]);
    expect(await ours(f)).toEqual(want);
    expect(scliteP(f)).toEqual(want);
  });
});

describe.skipIf(!have)('GB2312 sgml (sclite -e gb -o sgml) read back with -e gb', () => {
  it("mand: --sgml -e gb gives sclite -P -e gb's rows (was: 'line is not valid UTF-8', -e ignored)", async () => {
    const r = spawnSync(SCLITE, ['-e', 'gb', '-r', 'mand_ref.stm', 'stm', '-h', 'mand_hyp.ctm', 'ctm', '-o', 'sgml', 'stdout'], { cwd: TSCLITE_DIR });
    expect(r.status).toBe(0);
    const f = join(dir, 'mand.sgml');
    writeFileSync(f, r.stdout);
    const p = spawnSync(SCLITE, ['-P', '-e', 'gb', '-o', 'sum', 'rsum', 'stdout'], { encoding: 'utf8', input: readFileSync(f) });
    expect(p.status, p.stderr).toBe(0);
    const theirs = parseScliteOutput(p.stdout).rawSpeakers.map((x) => [x.speaker, x.sentences, x.words, x.corr, x.sub, x.del, x.ins, x.sentErr]);
    const res = await scoreSgml(f, { encoding: 'gb2312' });
    const mine = res.speakers.rows().map((s) => [s.speaker, s.sentences, s.counts.ref, s.counts.hits, s.counts.sub, s.counts.del, s.counts.ins, s.sentenceErrors]);
    expect(theirs.length).toBeGreaterThan(1);
    expect(mine).toEqual(theirs);
    const cli = spawnSync(process.execPath, [BIN, 'score', '--sgml', f, '-e', 'gb'], { encoding: 'utf8' });
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/reference words: 37 /);
    await expect(scoreSgml(f)).rejects.toThrow(/not valid UTF-8/);
  });
});

describe('sgml input: bad files and CLI usage', () => {
  it('names file:line for a bad word list, a PATH outside a SPEAKER, a second SYSTEM, a file that is not sgml', async () => {
    const f = join(dir, 'bad.sgml');
    const head = '<SYSTEM title="t" ref_fname="r" hyp_fname="h">\n<SPEAKER id="a">\n<PATH id="(a-1)" word_cnt="1">\n';
    writeFileSync(f, `${head}X,"a","b"\n</PATH>\n</SPEAKER>\n</SYSTEM>\n`);
    await expect(scoreSgml(f)).rejects.toThrow(/bad\.sgml:4: expected C, S, D or I at column 1/);
    writeFileSync(f, `${head}C,"a,"b"\n</PATH>\n`);
    await expect(scoreSgml(f)).rejects.toThrow(/bad\.sgml:4: /);
    writeFileSync(f, '<SYSTEM title="t">\n<PATH id="(a-1)">\n');
    await expect(scoreSgml(f)).rejects.toThrow(/bad\.sgml:2: PATH outside a SPEAKER/);
    writeFileSync(f, '<SYSTEM title="t">\n</SYSTEM>\n<SYSTEM title="u">\n');
    await expect(scoreSgml(f)).rejects.toThrow(/bad\.sgml:3: a second SYSTEM \(the first at line 1\)/);
    writeFileSync(f, 'hello world (a-1)\n');
    await expect(scoreSgml(f)).rejects.toThrow(/bad\.sgml:1: unexpected line "hello world \(a-1\)"/);
    writeFileSync(f, `${head}C,"x&#34;y","x&#34;y":I,,"b,c"\n</PATH>\n</SPEAKER>\n</SYSTEM>\n`);
    const ok = await scoreSgml(f, { keepAlignments: true });
    expect(ok.alignments![0]!.ops).toEqual([{ type: 'C', ref: 'x"y', hyp: 'x"y' }, { type: 'I', hyp: 'b,c' }]);
    expect(ok.words).toMatchObject({ ref: 1, hits: 1, ins: 1 });
  });

  it('the CLI: --sgml with an alignment option or with --ref is a usage error; without either, --ref/--hyp are required', () => {
    const f = join(dir, 'cli.sgml');
    writeFileSync(f, '<SYSTEM title="t" ref_fname="r" hyp_fname="h">\n<SPEAKER id="a">\n<PATH id="(a-1)" word_cnt="1">\nC,"a","a"\n</PATH>\n</SPEAKER>\n</SYSTEM>\n');
    const run = (args: string[]): { status: number | null; stderr: string; stdout: string } =>
      spawnSync(process.execPath, [BIN, 'score', '--confusions', '0', ...args], { encoding: 'utf8' });
    for (const [args, msg] of [
      [['--sgml', f, '-D', '--glm', 'x.glm'], /^asrfair: -D, --glm change how words are aligned; --sgml reads the alignments as recorded/],
      [['--sgml', f, '--ref', f], /^asrfair: --sgml replaces --ref and --hyp/],
      [['--ref', f], /^asrfair: --ref and --hyp are required \(or --sgml FILE\)/],
    ] as const) {
      const r = run([...args]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
    const ok = run(['--sgml', f]);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toContain('Alignment:   as recorded in');
    expect(ok.stdout).toContain('reference words: 1   hits 1  sub 0  del 0  ins 0');
  });
});
