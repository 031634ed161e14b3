import { beginOutputFile, discardOutputFile, makeOutputDir, writeOutputFile } from '../../manifest/output.ts';
import type { Command } from 'commander';
import { basename, extname, join } from 'node:path';
import { UsageError } from '../../manifest/errors.ts';
import { getNormaliser, type Normaliser } from '../../text/normalise.ts';
import { CASE_FOLDS, isCaseFold } from '../../text/markup.ts';
import { isCostModel } from '../../score/align.ts';
import { ID_FORMATS, scoreFiles, type IdFormat, type ScoreResult } from '../../score/score.ts';
import { loadNistGlm } from '../../text/nist-glm.ts';
import { scoreStmCtm, type LongformResult } from '../../score/longform.ts';
import { scoreCtmCtm, type CtmCtmResult } from '../../score/ctm2ctm.ts';
import type { TimeFaults } from '../../score/stm.ts';
import { loadWordWeights } from '../../score/wwl.ts';
import { scoreSgml, type SgmlResult } from '../../score/sgml-input.ts';
import type { CharAlignOptions, SpeakerlessIds } from '../../score/scorer.ts';
import { warnLine } from '../terminal.ts';
import { isReportName, renderDtl, renderLur, renderPra, renderSgml, REPORT_NAMES } from '../../score/reports.ts';
import { summarise, renderSummary, scliteFixed } from '../../score/summary.ts';

const fmtNce = (x: number): string => (Number.isFinite(x) ? scliteFixed(x, 3) : String(x));
import { errorCount } from '../../score/metrics.ts';
import type { TextEncoding, TranscriptFormat } from '../../score/trn.ts';
import type { CostModel } from '../../score/types.ts';
import type { Confusions } from '../../score/confusions.ts';
import { escapeControl } from '../../manifest/escape.ts';

interface ScoreFlags {
  ref?: string;
  hyp?: string;
  sgml?: string;
  format?: string;
  normaliser: string;
  costs: string;
  json?: string;
  confusions: string;
  caseSensitive?: boolean;
  caseFold: string;
  optionallyDeletable?: boolean;
  fragments?: boolean;
  missingHyp: string;
  glm?: string;
  idFormat?: string;
  refFormat?: string;
  hypFormat?: string;
  charAlign?: string | boolean;
  output: string;
  cer?: boolean;
  outDir?: string;
  encoding: string;
  timeMediated?: boolean;
  reduce?: string | boolean;
  keepTimeFaults?: boolean;
  wordWeights?: string;
}

const COST_TEXT: Record<CostModel, string> = {
  sclite: 'sclite (correct 0, insertion 3, deletion 3, substitution 4; sclite tie-breaking)',
  unit: 'unit (plain Levenshtein 1/1/1)',
};

/** Names accepted by `--encoding` (sclite's `-e utf-8` and `-e gb`, and the usual spellings). */
const ENCODING_NAMES: Record<string, TextEncoding | undefined> = { 'utf-8': 'utf-8', utf8: 'utf-8', gb2312: 'gb2312', gb: 'gb2312', 'euc-cn': 'gb2312' };

function byExtension(path: string, side: 'ref' | 'hyp'): string {
  const ext = extname(path).toLowerCase();
  if (ext === '.stm' && side === 'ref') return 'stm';
  if (ext === '.ctm') return 'ctm';
  return ext === '.jsonl' || ext === '.ndjson' || ext === '.json' ? 'jsonl' : 'trn';
}

/** `-c` alone, or `-c NOASCII`, `-c DH`, `-c NOASCII,DH` (sclite's sub-options). */
function charAlignFlag(v: string | boolean | undefined): CharAlignOptions | undefined {
  if (v === undefined || v === false) return undefined;
  const mods = v === true ? [] : v.split(/[\s,]+/).filter(Boolean).map((m) => m.toUpperCase());
  for (const m of mods) if (m !== 'NOASCII' && m !== 'DH') throw new UsageError(`-c/--char-align takes NOASCII and/or DH, not "${m}"`);
  return { noAscii: mods.includes('NOASCII'), deleteHyphens: mods.includes('DH') };
}

/** `-m` alone (= `-m ref`, as sclite), `-m ref`, `-m hyp`, `-m ref,hyp`. */
function reduceFlag(v: string | boolean | undefined): { ref: boolean; hyp: boolean } | undefined {
  if (v === undefined || v === false) return undefined;
  const sides = v === true ? ['ref'] : v.split(/[\s,]+/).filter(Boolean).map((m) => m.toLowerCase());
  for (const m of sides) if (m !== 'ref' && m !== 'hyp') throw new UsageError(`-m/--reduce takes ref and/or hyp, not "${m}"`);
  return { ref: sides.includes('ref'), hyp: sides.includes('hyp') };
}

function timeFaultsText(t: TimeFaults): string | undefined {
  if (t.negativeDuration + t.outOfOrder === 0) return undefined;
  return `Kept ctm time faults (--keep-time-faults, as sclite): ${t.negativeDuration} negative duration(s), ${t.outOfOrder} word(s) out of time order; first: ${t.first.join('; ')}`;
}

function normaliserFlag(name: string): Normaliser {
  try {
    return getNormaliser(name);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function pct(x: number | undefined): string {
  if (x === undefined) return 'n/a';
  return Number.isFinite(x) ? `${(100 * x).toFixed(2)}%` : 'undefined (no reference words)';
}

/**
 * WER over zero reference words is undefined; the two conventions in use are stated instead of an
 * infinity: jiwer counts the k inserted words as WER = k, sclite prints the error count k marked `*`.
 */
export function emptyReferenceNote(refWords: number, errors: number): string | undefined {
  if (refWords > 0) return undefined;
  return `No reference words: WER is undefined. ${errors} hypothesis word(s) inserted: jiwer convention WER = ${errors}; sclite prints the count ${errors}* instead of a percentage.`;
}

function renderConfusions(c: Confusions): string {
  const lines: string[] = [];
  if (c.substitutions.length) {
    lines.push('Top substitutions (ref -> hyp):');
    for (const s of c.substitutions) lines.push(`  ${String(s.count).padStart(6)}  ${s.ref} -> ${s.hyp}`);
  }
  if (c.deletions.length) {
    lines.push('Top deletions:');
    for (const d of c.deletions) lines.push(`  ${String(d.count).padStart(6)}  ${d.token}`);
  }
  if (c.insertions.length) {
    lines.push('Top insertions:');
    for (const d of c.insertions) lines.push(`  ${String(d.count).padStart(6)}  ${d.token}`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/**
 * One line for the trn ids of one file that name no speaker (`-i rm`/`spu_id`: no `-` or `_`): the first, with its
 * line, the speaker it was counted under (the previous line's, as sclite counts it), and how many more.
 */
export function speakerlessWarning(f: SpeakerlessIds, idFormat: IdFormat): string {
  const under = (s: string): string => (s === '' ? 'none here: a blank speaker' : `"${s}"`);
  const [a, ...rest] = f.first;
  const head = `${f.file}:${a!.line}: utterance id "${a!.id}" has no "-" or "_" to name its speaker (-i ${idFormat}): counted under the previous line's speaker ${a!.speaker === '' ? '(none here: a blank speaker)' : `"${a!.speaker}"`}, as sclite does ("extract_speaker can't locate ${idFormat.toUpperCase()} id")`;
  if (f.count === 1) return head;
  const also = rest.map((x) => `line ${x.line} "${x.id}" (under ${under(x.speaker)})`).join(', ');
  const more = f.count > f.first.length ? `, and ${f.count - f.first.length} more` : '';
  return `${head}; ${f.count} such ids in ${f.file}, also ${also}${more}`;
}

/** JSON cannot hold Infinity; rates over zero reference words become null. */
function finiteOrNull(_k: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? null : v;
}

function markupText(res: ScoreResult): string {
  const m = res.markup;
  const parts = [m.caseSensitive ? 'case-sensitive (sclite -s)' : `case folded (${m.caseFold})`];
  parts.push(m.optionalDeletable ? '(word) optionally deletable (-D)' : '(word) is a plain word');
  parts.push(m.fragments ? 'fragments match (-F)' : 'fragments are plain words');
  return `${parts.join('; ')}; {a / b / @} alternations, ;tags dropped`;
}

export function scoreReport(res: ScoreResult, topK: number): object {
  const summary = summarise(res.speakers);
  return {
    costs: res.costs,
    normaliser: res.normaliser,
    utterances: res.utterances,
    words: res.words,
    errors: errorCount(res.words),
    wer: res.wordRates.wer,
    mer: res.wordRates.mer,
    wil: res.wordRates.wil,
    wip: res.wordRates.wip,
    chars: res.chars,
    cer: res.cer,
    markup: res.markup,
    glm: res.glm,
    charAlign: res.charAlign,
    wordWeights: res.wordWeights,
    labels: res.labels.rows(),
    speakerlessIds: res.speakerlessIds,
    missingHypothesisPolicy: res.missingHyp,
    missingHypotheses: res.missingHyps,
    emptyReference: res.words.ref === 0 ? { jiwerWer: errorCount(res.words), scliteErrors: errorCount(res.words) } : undefined,
    speakers: res.speakers.rows(),
    summary,
    confusions: res.confusions?.top(topK),
  };
}

export function registerScore(program: Command): void {
  program
    .command('score')
    .description('Score hypotheses against references like sclite: per-speaker table, WER/MER/WIL/CER, top confusions')
    .option('--ref <file>', 'reference: trn "words (spkr-id)", JSONL {id, text[, speaker]}, NIST stm or NIST ctm (required unless --sgml)')
    .option('--hyp <file>', 'hypothesis: trn, JSONL or NIST ctm (with an stm or ctm reference) (required unless --sgml)')
    .option('--sgml <file>', 'instead of --ref/--hyp: summarise the alignments of an sclite sgml file as recorded (= sclite -P < file)')
    .option('--format <fmt>', 'trn | jsonl for both files (default: by extension: .jsonl = jsonl, .stm = stm, .ctm = ctm, else trn)')
    .option('--ref-format <fmt>', 'trn | jsonl | stm | ctm (overrides --format for the reference)')
    .option('--hyp-format <fmt>', 'trn | jsonl | ctm (overrides --format for the hypothesis)')
    .option('-c, --char-align [mods]', 'score characters (code points), not words (= sclite -c -e utf-8; plain sclite -c splits UTF-8 bytes); mods: NOASCII (keep ASCII runs whole), DH (delete hyphens), comma-separated')
    .option('--cer', 'also align characters for CER (jiwer-style, spaces counted; costs about 5x the word alignment)')
    .option('-o, --output <reports>', `reports, comma-separated: ${REPORT_NAMES.join(', ')} (sclite names; default sum)`, 'sum')
    .option('-O, --out-dir <dir>', 'write each report but sum to <dir>/<hyp file name>.<report> instead of stdout (sum stays on stdout)')
    .option('--normaliser <name>', 'text normaliser applied to both sides: none | basic | english', 'none')
    .option('--costs <model>', 'alignment costs: sclite (3/3/4, agrees with sclite) | unit (1/1/1)', 'sclite')
    .option('--json <file>', 'also write the full result as JSON')
    .option('--confusions <n>', 'show the top N substitutions, deletions and insertions (0 = none)', '10')
    .option('-s, --case-sensitive', 'compare words and utterance ids case-sensitively (= sclite -s; default folds case like sclite)')
    .option('--case-fold <how>', 'case folding when not case-sensitive: ascii (A-Z only, = sclite and sclite -e utf-8) | unicode (full lower case; = sclite -e utf-8 babel_vietnamese on Vietnamese) | babel_turkish (= sclite -e utf-8 babel_turkish: İ -> i, I -> ı, Ç Ö Ü Ğ Ş, A-Z)', 'ascii')
    .option('-D, --optionally-deletable', 'words in parentheses "(uh)" may be deleted at no cost (= sclite -D)')
    .option('-F, --fragments', 'fragments "th-" / "-ing" match words they begin / end (= sclite -F)')
    .option('--glm <file>', 'NIST GLM mapping rules (e.g. en20030506.glm) applied to ref and hyp as SCTK csrfilt.sh does')
    .option('--id-format <fmt>', 'how a trn id names its speaker (sclite -i): rm | spu_id (text before the first "-" or "_") | wsj (first 3 characters)', 'rm')
    .option('-e, --encoding <enc>', 'text encoding of both files: utf-8 | gb2312 (alias gb; = sclite -e gb, EUC-CN bytes checked)', 'utf-8')
    .option('-T, --time-mediated', 'ctm reference and ctm hypothesis only: word distances from the words\' times (= sclite -T)')
    .option('-m, --reduce [sides]', 'stm/ctm only: ref = leave out segments outside the ctm\'s time range, hyp = ctm words outside the segments\' (= sclite -m; alone: ref; both: ref,hyp)')
    .option('-w, --word-weights <wwl>', 'align by word weights from a NIST word-weight list, or "unity" (= sclite -w); counts stay word counts')
    .option('--keep-time-faults', 'keep ctm lines with a negative duration or out-of-order times, as sclite does (counted in the output; default: error naming file:line)')
    .option('--missing-hyp <policy>', 'reference without a hypothesis line: delete (score its words as deletions) | skip (leave it out, as sclite)', 'delete')
    .action(async (flags: ScoreFlags) => {
      if (flags.sgml !== undefined) {
        if (flags.ref !== undefined || flags.hyp !== undefined) throw new UsageError('--sgml replaces --ref and --hyp: give either');
        const aligning: [string, boolean][] = [
          ['-T', !!flags.timeMediated],
          ['-w', flags.wordWeights !== undefined],
          ['-c', flags.charAlign !== undefined && flags.charAlign !== false],
          ['-D', !!flags.optionallyDeletable],
          ['-F', !!flags.fragments],
          ['--glm', flags.glm !== undefined],
          ['-m', flags.reduce !== undefined && flags.reduce !== false],
          ['--normaliser', flags.normaliser !== 'none'],
          ['--cer', !!flags.cer],
        ];
        const bad = aligning.filter(([, on]) => on).map(([f]) => f);
        if (bad.length) throw new UsageError(`${bad.join(', ')} change how words are aligned; --sgml reads the alignments as recorded`);
      } else if (flags.ref === undefined || flags.hyp === undefined) {
        throw new UsageError('--ref and --hyp are required (or --sgml FILE)');
      }
      const refPath = flags.ref ?? '';
      const hypPath = flags.hyp ?? '';
      if (flags.format !== undefined && !['trn', 'jsonl', 'stm', 'ctm'].includes(flags.format)) {
        throw new UsageError(`--format must be trn, jsonl, stm or ctm, not "${flags.format}"`);
      }
      if (!isCostModel(flags.costs)) throw new UsageError(`--costs must be sclite or unit, not "${flags.costs}"`);
      const topK = Number(flags.confusions);
      if (!Number.isInteger(topK) || topK < 0) throw new UsageError(`--confusions must be a whole number >= 0, not "${flags.confusions}"`);
      if (flags.missingHyp !== 'delete' && flags.missingHyp !== 'skip') {
        throw new UsageError(`--missing-hyp must be delete or skip, not "${flags.missingHyp}"`);
      }
      if (!isCaseFold(flags.caseFold)) {
        throw new UsageError(`--case-fold must be ${CASE_FOLDS.join(', ')}, not "${flags.caseFold}"`);
      }
      const normaliser = normaliserFlag(flags.normaliser);
      const encoding = ENCODING_NAMES[flags.encoding.toLowerCase()];
      if (!encoding) throw new UsageError(`--encoding must be utf-8 or gb2312 (gb), not "${flags.encoding}"`);

      if (flags.idFormat !== undefined && !(ID_FORMATS as readonly string[]).includes(flags.idFormat)) {
        throw new UsageError(`--id-format must be one of ${ID_FORMATS.join(', ')}, not "${flags.idFormat}"`);
      }
      const glm = flags.glm ? loadNistGlm(flags.glm) : undefined;
      const sgmlIn = flags.sgml !== undefined;
      const refFormat = sgmlIn ? 'trn' : (flags.refFormat ?? flags.format ?? byExtension(refPath, 'ref'));
      const hypFormat = sgmlIn ? 'trn' : (flags.hypFormat ?? flags.format ?? byExtension(hypPath, 'hyp'));
      if (!['trn', 'jsonl', 'stm', 'ctm'].includes(refFormat)) throw new UsageError(`--ref-format must be trn, jsonl, stm or ctm, not "${refFormat}"`);
      if (!['trn', 'jsonl', 'ctm'].includes(hypFormat)) throw new UsageError(`--hyp-format must be trn, jsonl or ctm, not "${hypFormat}"`);
      const ctmRef = refFormat === 'ctm';
      const longform = refFormat === 'stm' || hypFormat === 'ctm';
      if (longform && ((refFormat !== 'stm' && !ctmRef) || hypFormat !== 'ctm')) {
        throw new UsageError(`an stm or ctm reference is scored against a ctm hypothesis (got ${refFormat} and ${hypFormat})`);
      }
      if (flags.timeMediated && !(ctmRef && hypFormat === 'ctm')) {
        throw new UsageError(`-T/--time-mediated needs a ctm reference and a ctm hypothesis (got ${refFormat} and ${hypFormat}); sclite refuses -T without a ctm reference too`);
      }
      const reduce = reduceFlag(flags.reduce);
      if (reduce && refFormat !== 'stm') throw new UsageError(`-m/--reduce needs an stm reference and a ctm hypothesis (got ${refFormat} and ${hypFormat}), as in sclite`);
      if (ctmRef && flags.charAlign !== undefined && flags.charAlign !== false) {
        throw new UsageError('-c/--char-align does not apply to a ctm reference (sclite ignores -c there and counts words)');
      }
      const reports = flags.output.split(/[\s,]+/).filter(Boolean);
      for (const r of reports) if (!isReportName(r)) throw new UsageError(`-o/--output: unknown report "${r}" (known: ${REPORT_NAMES.join(', ')})`);
      const charAlign = charAlignFlag(flags.charAlign);
      // Output paths are checked before any scoring: a bad -O or --json is one line naming it (exit 2), no report first.
      if (flags.outDir && reports.some((r) => r !== 'sum')) makeOutputDir(flags.outDir);
      if (flags.json) discardOutputFile(beginOutputFile(flags.json, 'JSON file'));
      if (flags.wordWeights !== undefined && flags.timeMediated) throw new UsageError('-w/--word-weights and -T/--time-mediated each choose the word distance: use one');
      const wordWeights = flags.wordWeights === undefined ? undefined : loadWordWeights(flags.wordWeights);
      const common = {
        encoding,
        glm,
        normaliser,
        costs: flags.costs,
        confusions: topK > 0,
        chars: !!flags.cer,
        charAlign,
        wordWeights,
        keepAlignments: reports.some((r) => r !== 'sum'),
        markup: {
          caseSensitive: !!flags.caseSensitive,
          caseFold: flags.caseFold,
          optionalDeletable: !!flags.optionallyDeletable,
          fragments: !!flags.fragments,
        },
      };
      const sg: SgmlResult | undefined = sgmlIn ? await scoreSgml(flags.sgml!, { confusions: topK > 0, keepAlignments: common.keepAlignments, encoding }) : undefined;
      const timeFaults = flags.keepTimeFaults ? ('keep' as const) : ('error' as const);
      const cc: CtmCtmResult | undefined = ctmRef && !sg ? await scoreCtmCtm(refPath, hypPath, { ...common, timeFaults, timeMediated: !!flags.timeMediated }) : undefined;
      const lf: LongformResult | undefined = longform && !ctmRef && !sg ? await scoreStmCtm(refPath, hypPath, { ...common, timeFaults, reduce }) : undefined;
      const res: ScoreResult =
        sg ??
        cc ??
        lf ??
        (await scoreFiles(refPath, hypPath, {
          ...common,
          idFormat: flags.idFormat as IdFormat | undefined,
          refFormat: refFormat as TranscriptFormat,
          hypFormat: hypFormat as TranscriptFormat,
          missingHyp: flags.missingHyp,
        }));

      for (const f of res.speakerlessIds ?? []) warnLine(speakerlessWarning(f, (flags.idFormat ?? 'rm') as IdFormat));
      const out: string[] = [];
      const title = sg ? sg.system.title : basename(hypPath);
      const unit = res.charAlign ? 'characters (sclite -c)' : 'words';
      const nce = sg?.confidences && 'nce' in sg.confidences ? sg.confidences.nce : lf?.nce && 'system' in lf.nce ? lf.nce : undefined;
      if (reports.includes('sum')) out.push(renderSummary(summarise(res.speakers), title, nce));
      if (sg) out.push(`Alignment:   as recorded in ${flags.sgml} (sclite -P; system "${sg.system.title}", reference ${sg.system.refFile}, hypothesis ${sg.system.hypFile})`);
      if (nce) {
        const range =
          (nce.outOfRange ? `; ${nce.outOfRange} confidences outside [0, 1] clipped, as sclite does` : '') +
          (lf?.withoutConfidence ? `; ${lf.withoutConfidence} hypothesis words without a confidence read as 0, as sclite reads them` : '') +
          (sg?.confidences && 'nce' in sg.confidences && sg.confidences.withoutConfidence ? `; ${sg.confidences.withoutConfidence} empty h_conf read as 0, as sclite reads them` : '');
        const from = sg ? "the sgml's h_conf hypothesis confidences" : "the hypothesis ctm's confidences (column 6)";
        out.push(`NCE:         ${fmtNce(nce.system)} (normalised cross entropy of ${from}, as sclite's NCE column${range})`);
      } else if (lf?.nce && 'unmatchedSegments' in lf.nce) {
        const why = lf.nce.alternations
            ? `the hypothesis ctm holds ${lf.nce.alternations} alternations (<ALT_BEGIN>…), whose words asrfair does not match to confidences (sclite does: convert with sclite -o sgml, then asrfair score --sgml)`
            : `in ${lf.nce.unmatchedSegments} segments the scored hypothesis words do not map one to one onto ctm lines (markup, GLM or normaliser changed them)`;
        out.push(`NCE:         not computed: ${lf.hypConfidences} hypothesis ctm words carry a confidence (column 6), but ${why}`);
      } else if (cc?.hypConfidences) {
        out.push(`NCE:         not computed: ${cc.hypConfidences} hypothesis ctm words carry a confidence (column 6), which sclite turns into an NCE column; asrfair computes NCE for stm/ctm and sgml input, not ctm/ctm`);
      } else if (sg?.confidences && 'ignored' in sg.confidences) {
        const { withConf, without } = sg.confidences.ignored;
        out.push(`NCE:         not computed: ${withConf} alignments carry h_conf confidences and ${without} do not (sclite: "Ignoring confidence scores in output")`);
      }
      else if (!cc?.timeMediated && !res.wordWeights) out.push(`Cost model:  ${COST_TEXT[res.costs]}`);
      if (!sg) {
        out.push(`Normaliser:  ${res.normaliser.name} v${res.normaliser.version}`);
        out.push(`Markup:      ${markupText(res)}`);
      }
      if (cc) out.push(`Alignment:   ${cc.timeMediated ? 'time-mediated (sclite -T: |ΔT1| + |ΔT2| per pair, +0.001 if the words differ; a word\'s duration per insertion or deletion)' : 'words (ctm against ctm, chunked at shared silences as sclite)'}`);
      if (res.wordWeights) {
        const ww = res.wordWeights;
        out.push(`Alignment:   word weights from ${ww.name} (sclite -w: ${ww.words} words, ${ww.defaultWeight} for the rest; a pair costs 0 if equal, else both weights; an insertion or deletion the word's weight)`);
      }
      if (res.glm) out.push(`GLM:         ${res.glm.name} (${res.glm.rules} rules, sha256 ${res.glm.hash}; applied to ref and hyp like csrfilt.sh)`);
      const w = res.words;
      out.push(
        `${lf ? 'Segments:   ' : cc ? 'Chunks:     ' : 'Utterances: '} ${res.utterances}   reference ${unit}: ${w.ref}   hits ${w.hits}  sub ${w.sub}  del ${w.del}  ins ${w.ins}`,
      );
      if (lf?.ignored.segments) out.push(`Ignored:     ${lf.ignored.segments} IGNORE_TIME_SEGMENT_IN_SCORING segments and the ${lf.ignored.hypWords} hypothesis words in them`);
      if (lf && reduce) {
        const r = lf.reduced;
        out.push(`Reduced (-m ${[reduce.ref ? 'ref' : '', reduce.hyp ? 'hyp' : ''].filter(Boolean).join(',')}): ${r.segments} segments and ${r.hypWords} hypothesis words outside the other side's time range left out; ${r.unassignedHypWords} hypothesis words after the last scored segment not scored (as sclite)`);
      }
      const faults = timeFaultsText((cc ?? lf)?.timeFaults ?? { negativeDuration: 0, outOfOrder: 0, first: [] });
      if (faults) out.push(faults);
      if (lf?.channelsWithoutHyp.length) out.push(`No hypothesis words for: ${lf.channelsWithoutHyp.join(', ')} (their segments are all deletions, as in sclite)`);
      out.push(`WER ${pct(res.wordRates.wer)}   MER ${pct(res.wordRates.mer)}   WIL ${pct(res.wordRates.wil)}   CER ${res.cer === undefined ? 'not computed (--cer)' : pct(res.cer)}`);
      const note = emptyReferenceNote(w.ref, errorCount(w));
      if (note) out.push(note);
      if (res.missingHyps.length) {
        const shown = res.missingHyps.slice(0, 5).join(', ');
        const how = res.missingHyp === 'skip' ? 'skipped, as sclite does' : 'scored as deletions';
        out.push(`Missing hypotheses (${how}; --missing-hyp): ${res.missingHyps.length} (${shown}${res.missingHyps.length > 5 ? ', …' : ''})`);
      }
      for (const f of res.bomFiles ?? []) out.push(`${f} begins with a UTF-8 byte-order mark: dropped (sclite reads it as part of the first word)`);
      for (const f of res.crlfFiles ?? []) {
        out.push(`${f.path}:${f.first}: CRLF line endings read as LF; sclite would keep the \\r in the last word of each such line (${f.lines} line${f.lines === 1 ? '' : 's'}), so its counts differ`);
      }
      process.stdout.write(escapeControl(`${out.join('\n')}\n`, true));
      if (res.confusions) process.stdout.write(escapeControl(`\n${renderConfusions(res.confusions.top(topK))}`, true));
      for (const r of reports) {
        if (r === 'sum') continue;
        const text =
          r === 'pra'
            ? renderPra(res, title)
            : r === 'dtl'
              ? renderDtl(res, title)
              : r === 'lur'
                ? renderLur(res, title, lf?.labelInfo)
                : renderSgml(res, title, sg?.system.refFile ?? refPath, sg?.system.hypFile ?? hypPath);
        if (flags.outDir) {
          const path = join(flags.outDir, `${basename(title) || 'sgml'}.${r}`);
          writeOutputFile(path, text, 'report');
          process.stdout.write(escapeControl(`Wrote ${path}\n`, true));
        } else process.stdout.write(escapeControl(`\n${text}`, true));
      }
      if (flags.json) {
        const extra = lf
          ? { ignored: lf.ignored, channelsWithoutHyp: lf.channelsWithoutHyp, labelInfo: lf.labelInfo, reduced: reduce ? lf.reduced : undefined, timeFaults: lf.timeFaults }
          : cc
            ? { timeMediated: cc.timeMediated, timeFaults: cc.timeFaults }
            : {};
        const nceJson = nce ? { nce: { system: nce.system, speakers: Object.fromEntries(nce.speakers), outOfRange: nce.outOfRange } } : {};
        writeOutputFile(flags.json, `${JSON.stringify({ ...scoreReport(res, topK), ...extra, ...nceJson }, finiteOrNull, 2)}\n`, 'JSON file');
      }
    });
}
