/**
 * SCTK's own sclite test suite (tsclite.sh) against Debian's sclite: every case whose inputs and
 * options asrfair reads is scored both ways, and the totals and every speaker row must be equal.
 * The cases asrfair cannot run yet are listed with the reason, and that list is asserted too, so
 * it only shrinks on purpose.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scoreFiles, type IdFormat } from '../../src/score/score.ts';
import { scoreStmCtm } from '../../src/score/longform.ts';
import { scoreCtmCtm } from '../../src/score/ctm2ctm.ts';
import { scliteFixed, summarise, type SummaryLine } from '../../src/score/summary.ts';
import { errorCount } from '../../src/score/metrics.ts';
import { parseScliteOutput, SCLITE, scliteAvailable, type ScliteSpeakerRow } from './sclite-run.ts';
import { parseScliteArgs, readTsclite, TSCLITE_DIR, type ScliteArgs } from './tsclite.ts';
import { loadWordWeights } from '../../src/score/wwl.ts';
import { scoreSgml } from '../../src/score/sgml-input.ts';

const have = scliteAvailable && existsSync(join(TSCLITE_DIR, 'tsclite.sh'));

/** Why asrfair does not run a case (undefined: it does). */
function unsupported(a: ScliteArgs): string | undefined {
  // Debian's sclite is built without GNU diff: it refuses -d ("Alignments via diff have been disabled").
  if (a.flags.has('-d')) return 'GNU diff alignment (-d; Debian\'s sclite refuses it too)';
  if (a.flags.has('-L')) return 'language-model weighted alignment (-L; Debian\'s sclite has no SLM toolkit and refuses it)';
  if (a.flags.has('-S')) return 'inferred word segmentation (-S)';
  const fmt = `${a.refFormat}/${a.hypFormat}`;
  if (a.hypFormat === 'txt') return 'txt hypotheses (sclite aligns them only through GNU diff, which Debian\'s build refuses)';
  if (fmt !== 'trn/trn' && fmt !== 'stm/ctm' && fmt !== 'ctm/ctm') return `${fmt} input`;
  if (a.flags.has('-T') && fmt !== 'ctm/ctm') return '-T needs a ctm reference (sclite refuses it too)';
  if (a.flags.has('-m') && fmt !== 'stm/ctm') return '-m needs stm/ctm input';
  if (a.localisation === 'ukrainian') return 'sclite itself rejects the "ukrainian" localisation';
  if (a.flags.has('-P')) return undefined;
  const known = new Set(['-F', '-D', '-s', '-c', '-T', '-m', '-w']);
  const other = [...a.flags].filter((f) => !known.has(f));
  return other.length ? `options ${other.join(' ')}` : undefined;
}

const EXPECTED_UNSUPPORTED = [
  'test1b', 'test2', 'test4', 'test5', 'test6', 'test7_1', 'test7_2', 'test7_2a', 'test7_3',
  'test7_4', 'test11', 'test12', 'test15_d',
];

/** Cases sclite itself refuses; asrfair must refuse them too, naming the line. */
const REFUSED: Record<string, RegExp> = {
  test16_1: /stm2ctm_missing\.hyp-extra\.ctm:\d+: file\/channel "9999 \w" has no segment in the reference/,
};

/** Runs sclite as the suite does, but with the raw-count and percent summaries on stdout. */
function sclite(a: ScliteArgs, stdin?: string): string {
  if (a.flags.has('-P')) {
    const r = spawnSync(SCLITE, ['-P', '-o', 'sum', 'rsum', 'stdout'], { cwd: TSCLITE_DIR, encoding: 'utf8', input: readFileSync(join(TSCLITE_DIR, stdin!)) });
    if (r.status !== 0) throw new Error(`sclite -P failed: ${r.stderr}`);
    return r.stdout;
  }
  const args = ['-r', a.ref, a.refFormat, '-h', a.hyp, a.hypFormat];
  if (a.idFormat) args.push('-i', a.idFormat);
  for (const f of a.flags) args.push(f, ...(f === '-c' ? a.charOptions : f === '-m' ? a.reduce : f === '-w' ? [a.weights!] : []));
  if (a.encoding) args.push('-e', a.encoding, ...(a.localisation ? [a.localisation] : []));
  args.push('-o', 'sum', 'rsum', 'stdout');
  const r = spawnSync(SCLITE, args, { cwd: TSCLITE_DIR, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sclite ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** The Mean / S.D. / Median rows of sclite's percent table as printed, markers (`+`, `*`) dropped. */
function statRows(out: string): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  const pctPart = out.slice(0, out.indexOf('SYSTEM SUMMARY') >= 0 ? out.lastIndexOf('Sum/Avg') + 400 : 0);
  for (const line of pctPart.split('\n')) {
    const m = /^\s*\|\s*(Mean|S\.D\.|Median)\s*\|([^|]*)\|([^|]*)\|/.exec(line);
    if (m && !rows.has(m[1]!)) rows.set(m[1]!, `${m[2]} ${m[3]}`.replace(/[+*]/g, '').trim().split(/\s+/));
  }
  return rows;
}

describe.skipIf(!have)("SCTK's tsclite.sh cases against Debian's sclite", () => {
  const cases = have ? readTsclite() : [];

  it('reads every case of the suite and lists exactly the ones asrfair does not run yet', () => {
    expect(cases.length).toBe(57);
    const skipped = cases.filter((c) => unsupported(parseScliteArgs(c.args))).map((c) => c.name);
    expect(skipped.sort()).toEqual([...EXPECTED_UNSUPPORTED].sort());
  });

  for (const c of cases) {
    const a = parseScliteArgs(c.args);
    if (unsupported(a)) continue;
    if (REFUSED[c.name]) {
      it(`${c.name}: refused by sclite and by asrfair`, async () => {
        expect(() => sclite(a)).toThrow(/Hyp file has more data than ref file/);
        await expect(scoreStmCtm(join(TSCLITE_DIR, a.ref), join(TSCLITE_DIR, a.hyp))).rejects.toThrow(REFUSED[c.name]!);
      });
      continue;
    }
    it(`${c.name}: sclite ${c.args.filter((x) => !['-O', 'out', '-n', c.name, '-f', '0'].includes(x)).join(' ')}`, async () => {
      const sc = parseScliteOutput(sclite(a, c.stdin));
      const common = {
        encoding: a.encoding === 'gb' ? ('gb2312' as const) : undefined,
        chars: false,
        missingHyp: 'skip' as const,
        charAlign: a.flags.has('-c')
          ? { noAscii: a.charOptions.includes('NOASCII'), deleteHyphens: a.charOptions.includes('DH') }
          : undefined,
        idFormat: a.idFormat as IdFormat | undefined,
        wordWeights: a.weights ? loadWordWeights(a.weights === 'unity' ? 'unity' : join(TSCLITE_DIR, a.weights)) : undefined,
        markup: {
          caseSensitive: a.flags.has('-s'),
          // sclite folds only A-Z unless a localisation (babel_*) is named; babel_turkish has its own table.
          caseFold: a.localisation === 'babel_turkish' ? ('babel_turkish' as const) : a.localisation ? ('unicode' as const) : ('ascii' as const),
          optionalDeletable: a.flags.has('-D'),
          fragments: a.flags.has('-F'),
        },
      };
      // sclite keeps ctm lines with negative durations or out-of-order times (SCTK's tima_*.ctm have
      // both); asrfair stops at them unless told to keep them.
      const timeFaults = 'keep' as const;
      // `-m` alone means `-m ref` (sclite(1)).
      const reduce = a.flags.has('-m') ? { ref: a.reduce.length === 0 || a.reduce.includes('ref'), hyp: a.reduce.includes('hyp') } : undefined;
      const [ref, hyp] = [join(TSCLITE_DIR, a.ref), join(TSCLITE_DIR, a.hyp)];
      const res = a.flags.has('-P')
        ? await scoreSgml(join(TSCLITE_DIR, c.stdin!))
        : a.refFormat === 'stm'
          ? await scoreStmCtm(ref, hyp, { ...common, timeFaults, reduce })
          : a.refFormat === 'ctm'
            ? await scoreCtmCtm(ref, hyp, { ...common, timeFaults, timeMediated: a.flags.has('-T') })
            : await scoreFiles(ref, hyp, { ...common, refFormat: 'trn', hypFormat: 'trn' });
      const ours = res.speakers.rows().map((s) => [
        s.speaker, s.sentences, s.counts.ref, s.counts.hits, s.counts.sub, s.counts.del, s.counts.ins, errorCount(s.counts), s.sentenceErrors,
      ]);
      const theirs = sc.rawSpeakers.map((r) => [r.speaker, r.sentences, r.words, r.corr, r.sub, r.del, r.ins, r.err, r.sentErr]);
      expect(ours).toEqual(theirs);
      const t = res.speakers.total();
      expect([t.sentences, t.counts.ref, t.counts.hits, t.counts.sub, t.counts.del, t.counts.ins, t.sentenceErrors]).toEqual([
        sc.rawSum.sentences, sc.rawSum.words, sc.rawSum.corr, sc.rawSum.sub, sc.rawSum.del, sc.rawSum.ins, sc.rawSum.sentErr,
      ]);
      // Mean / S.D. / Median rows as sclite prints them (speakers without reference words left out of the rates).
      const summary = summarise(res.speakers);
      const stats = statRows(sclite(a, c.stdin));
      // Printed digit for digit: sclite's pct (divide first) and F_ROUND before %.1f (SCTK sctk.h).
      for (const [label, line] of [['Mean', summary.mean], ['S.D.', summary.sd], ['Median', summary.median]] as const) {
        const got = [line.sentences, line.words, line.corr, line.sub, line.del, line.ins, line.err, line.sentErr].map((x) => scliteFixed(x, 1));
        expect(got, label).toEqual(stats.get(label)!);
      }
      // Speakers without reference words print counts with `*` (not parsed as percent rows).
      const pctRow = (l: SummaryLine): string[] => [l.label, ...[l.corr, l.sub, l.del, l.ins, l.err, l.sentErr].map((x) => scliteFixed(x, 1))];
      const theirRow = (r: ScliteSpeakerRow): string[] => [r.speaker, ...[r.corr, r.sub, r.del, r.ins, r.err, r.sentErr].map((x) => x.toFixed(1))];
      expect(summary.speakers.filter((l) => !l.noRef).map(pctRow)).toEqual(sc.speakers.map(theirRow));
      expect(pctRow(summary.sum).slice(1)).toEqual(theirRow(sc.sum).slice(1));
    });
  }
});
