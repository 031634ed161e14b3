import { makeOutputDir } from '../../manifest/output.ts';
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { UsageError } from '../../manifest/errors.ts';
import { getNormaliser, type Normaliser } from '../../text/normalise.ts';
import { isCostModel } from '../../score/align.ts';
import { ID_FORMATS, scoreFiles, type IdFormat, type ScoreResult } from '../../score/score.ts';
import { loadNistGlm } from '../../text/nist-glm.ts';
import { scoreStmCtm } from '../../score/longform.ts';
import type { CharAlignOptions } from '../../score/scorer.ts';
import { isReportName, renderDtl, renderLur, renderPra, renderSgml, REPORT_NAMES } from '../../score/reports.ts';
import { summarise, renderSummary } from '../../score/summary.ts';
import { errorCount } from '../../score/metrics.ts';
import type { TranscriptFormat } from '../../score/trn.ts';
import type { CostModel } from '../../score/types.ts';
import type { Confusions } from '../../score/confusions.ts';
import { escapeControl } from '../../manifest/escape.ts';

interface ScoreFlags {
  ref: string;
  hyp: string;
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
}

const COST_TEXT: Record<CostModel, string> = {
  sclite: 'sclite (correct 0, insertion 3, deletion 3, substitution 4; sclite tie-breaking)',
  unit: 'unit (plain Levenshtein 1/1/1)',
};

function byExtension(path: string, side: 'ref' | 'hyp'): string {
  const ext = extname(path).toLowerCase();
  if (ext === '.stm' && side === 'ref') return 'stm';
  if (ext === '.ctm' && side === 'hyp') return 'ctm';
  return ext === '.jsonl' || ext === '.ndjson' || ext === '.json' ? 'jsonl' : 'trn';
}

/** `-c` alone, or `-c NOASCII`, `-c DH`, `-c NOASCII,DH` (sclite's sub-options). */
function charAlignFlag(v: string | boolean | undefined): CharAlignOptions | undefined {
  if (v === undefined || v === false) return undefined;
  const mods = v === true ? [] : v.split(/[\s,]+/).filter(Boolean).map((m) => m.toUpperCase());
  for (const m of mods) if (m !== 'NOASCII' && m !== 'DH') throw new UsageError(`-c/--char-align takes NOASCII and/or DH, not "${m}"`);
  return { noAscii: mods.includes('NOASCII'), deleteHyphens: mods.includes('DH') };
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
    labels: res.labels.rows(),
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
    .requiredOption('--ref <file>', 'reference: trn "words (spkr-id)", JSONL {id, text[, speaker]} or NIST stm')
    .requiredOption('--hyp <file>', 'hypothesis: trn, JSONL or NIST ctm (with an stm reference)')
    .option('--format <fmt>', 'trn | jsonl for both files (default: by extension: .jsonl = jsonl, .stm = stm, .ctm = ctm, else trn)')
    .option('--ref-format <fmt>', 'trn | jsonl | stm (overrides --format for the reference)')
    .option('--hyp-format <fmt>', 'trn | jsonl | ctm (overrides --format for the hypothesis)')
    .option('-c, --char-align [mods]', 'score characters, not words (= sclite -c); mods: NOASCII (keep ASCII words whole), DH (delete hyphens), comma-separated')
    .option('--cer', 'also align characters for CER (jiwer-style, spaces counted; costs about 5x the word alignment)')
    .option('-o, --output <reports>', `reports, comma-separated: ${REPORT_NAMES.join(', ')} (sclite names; default sum)`, 'sum')
    .option('-O, --out-dir <dir>', 'write each report to <dir>/<hyp file name>.<report> instead of stdout')
    .option('--normaliser <name>', 'text normaliser applied to both sides: none | basic | english', 'none')
    .option('--costs <model>', 'alignment costs: sclite (3/3/4, agrees with sclite) | unit (1/1/1)', 'sclite')
    .option('--json <file>', 'also write the full result as JSON')
    .option('--confusions <n>', 'show the top N substitutions, deletions and insertions (0 = none)', '10')
    .option('-s, --case-sensitive', 'compare words and utterance ids case-sensitively (= sclite -s; default folds case like sclite)')
    .option('--case-fold <how>', 'case folding when not case-sensitive: unicode | ascii (ascii = sclite without a -e localisation)', 'unicode')
    .option('-D, --optionally-deletable', 'words in parentheses "(uh)" may be deleted at no cost (= sclite -D)')
    .option('-F, --fragments', 'fragments "th-" / "-ing" match words they begin / end (= sclite -F)')
    .option('--glm <file>', 'NIST GLM mapping rules (e.g. en20030506.glm) applied to ref and hyp as SCTK csrfilt.sh does')
    .option('--id-format <fmt>', 'how a trn id names its speaker (sclite -i): rm | spu_id (text before the first "-" or "_") | wsj (first 3 characters)', 'rm')
    .option('--missing-hyp <policy>', 'reference without a hypothesis line: delete (score its words as deletions) | skip (leave it out, as sclite)', 'delete')
    .action(async (flags: ScoreFlags) => {
      if (flags.format !== undefined && !['trn', 'jsonl', 'stm', 'ctm'].includes(flags.format)) {
        throw new UsageError(`--format must be trn, jsonl, stm or ctm, not "${flags.format}"`);
      }
      if (!isCostModel(flags.costs)) throw new UsageError(`--costs must be sclite or unit, not "${flags.costs}"`);
      const topK = Number(flags.confusions);
      if (!Number.isInteger(topK) || topK < 0) throw new UsageError(`--confusions must be a whole number >= 0, not "${flags.confusions}"`);
      if (flags.missingHyp !== 'delete' && flags.missingHyp !== 'skip') {
        throw new UsageError(`--missing-hyp must be delete or skip, not "${flags.missingHyp}"`);
      }
      if (flags.caseFold !== 'unicode' && flags.caseFold !== 'ascii') {
        throw new UsageError(`--case-fold must be unicode or ascii, not "${flags.caseFold}"`);
      }
      const normaliser = normaliserFlag(flags.normaliser);

      if (flags.idFormat !== undefined && !(ID_FORMATS as readonly string[]).includes(flags.idFormat)) {
        throw new UsageError(`--id-format must be one of ${ID_FORMATS.join(', ')}, not "${flags.idFormat}"`);
      }
      const glm = flags.glm ? loadNistGlm(flags.glm) : undefined;
      const refFormat = flags.refFormat ?? flags.format ?? byExtension(flags.ref, 'ref');
      const hypFormat = flags.hypFormat ?? flags.format ?? byExtension(flags.hyp, 'hyp');
      if (!['trn', 'jsonl', 'stm'].includes(refFormat)) throw new UsageError(`--ref-format must be trn, jsonl or stm, not "${refFormat}"`);
      if (!['trn', 'jsonl', 'ctm'].includes(hypFormat)) throw new UsageError(`--hyp-format must be trn, jsonl or ctm, not "${hypFormat}"`);
      const longform = refFormat === 'stm' || hypFormat === 'ctm';
      if (longform && (refFormat !== 'stm' || hypFormat !== 'ctm')) {
        throw new UsageError(`an stm reference is scored against a ctm hypothesis (got ${refFormat} and ${hypFormat})`);
      }
      const reports = flags.output.split(/[\s,]+/).filter(Boolean);
      for (const r of reports) if (!isReportName(r)) throw new UsageError(`-o/--output: unknown report "${r}" (known: ${REPORT_NAMES.join(', ')})`);
      const charAlign = charAlignFlag(flags.charAlign);
      const common = {
        glm,
        normaliser,
        costs: flags.costs,
        confusions: topK > 0,
        chars: !!flags.cer,
        charAlign,
        keepAlignments: reports.some((r) => r !== 'sum'),
        markup: {
          caseSensitive: !!flags.caseSensitive,
          caseFold: flags.caseFold as 'unicode' | 'ascii',
          optionalDeletable: !!flags.optionallyDeletable,
          fragments: !!flags.fragments,
        },
      };
      const lf = longform ? await scoreStmCtm(flags.ref, flags.hyp, common) : undefined;
      const res: ScoreResult =
        lf ??
        (await scoreFiles(flags.ref, flags.hyp, {
          ...common,
          idFormat: flags.idFormat as IdFormat | undefined,
          refFormat: refFormat as TranscriptFormat,
          hypFormat: hypFormat as TranscriptFormat,
          missingHyp: flags.missingHyp,
        }));

      const out: string[] = [];
      const title = basename(flags.hyp);
      const unit = res.charAlign ? 'characters (sclite -c)' : 'words';
      if (reports.includes('sum')) out.push(renderSummary(summarise(res.speakers), title));
      out.push(`Cost model:  ${COST_TEXT[res.costs]}`);
      out.push(`Normaliser:  ${res.normaliser.name} v${res.normaliser.version}`);
      out.push(`Markup:      ${markupText(res)}`);
      if (res.glm) out.push(`GLM:         ${res.glm.name} (${res.glm.rules} rules, sha256 ${res.glm.hash}; applied to ref and hyp like csrfilt.sh)`);
      const w = res.words;
      out.push(
        `${lf ? 'Segments:   ' : 'Utterances: '} ${res.utterances}   reference ${unit}: ${w.ref}   hits ${w.hits}  sub ${w.sub}  del ${w.del}  ins ${w.ins}`,
      );
      if (lf?.ignored.segments) out.push(`Ignored:     ${lf.ignored.segments} IGNORE_TIME_SEGMENT_IN_SCORING segments and the ${lf.ignored.hypWords} hypothesis words in them`);
      if (lf?.channelsWithoutHyp.length) out.push(`No hypothesis words for: ${lf.channelsWithoutHyp.join(', ')} (their segments are all deletions, as in sclite)`);
      out.push(`WER ${pct(res.wordRates.wer)}   MER ${pct(res.wordRates.mer)}   WIL ${pct(res.wordRates.wil)}   CER ${res.cer === undefined ? 'not computed (--cer)' : pct(res.cer)}`);
      const note = emptyReferenceNote(w.ref, errorCount(w));
      if (note) out.push(note);
      if (res.missingHyps.length) {
        const shown = res.missingHyps.slice(0, 5).join(', ');
        const how = res.missingHyp === 'skip' ? 'skipped, as sclite does' : 'scored as deletions';
        out.push(`Missing hypotheses (${how}; --missing-hyp): ${res.missingHyps.length} (${shown}${res.missingHyps.length > 5 ? ', …' : ''})`);
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
                : renderSgml(res, title, flags.ref, flags.hyp);
        if (flags.outDir) {
          makeOutputDir(flags.outDir);
          const path = join(flags.outDir, `${title}.${r}`);
          writeFileSync(path, text);
          process.stdout.write(escapeControl(`Wrote ${path}\n`, true));
        } else process.stdout.write(`\n${text}`);
      }
      if (flags.json) {
        const extra = lf ? { ignored: lf.ignored, channelsWithoutHyp: lf.channelsWithoutHyp, labelInfo: lf.labelInfo } : {};
        writeFileSync(flags.json, `${JSON.stringify({ ...scoreReport(res, topK), ...extra }, finiteOrNull, 2)}\n`);
      }
    });
}
