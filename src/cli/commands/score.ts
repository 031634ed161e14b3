import { escapeControl } from '../../report/escape.ts';
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { UsageError } from '../../manifest/errors.ts';
import { getNormaliser, type Normaliser } from '../../text/normalise.ts';
import { isCostModel } from '../../score/align.ts';
import { scoreFiles, type ScoreResult } from '../../score/score.ts';
import { summarise, renderSummary } from '../../score/summary.ts';
import { errorCount } from '../../score/metrics.ts';
import type { TranscriptFormat } from '../../score/trn.ts';
import type { CostModel } from '../../score/types.ts';
import type { Confusions } from '../../score/confusions.ts';

interface ScoreFlags {
  ref: string;
  hyp: string;
  format?: string;
  normaliser: string;
  costs: string;
  json?: string;
  confusions: string;
}

const COST_TEXT: Record<CostModel, string> = {
  sclite: 'sclite (correct 0, insertion 3, deletion 3, substitution 4; sclite tie-breaking)',
  unit: 'unit (plain Levenshtein 1/1/1)',
};

function normaliserFlag(name: string): Normaliser {
  try {
    return getNormaliser(name);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function pct(x: number | undefined): string {
  if (x === undefined) return 'n/a';
  return Number.isFinite(x) ? `${(100 * x).toFixed(2)}%` : 'inf (no reference words)';
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
    missingHypotheses: res.missingHyps,
    speakers: res.speakers.rows(),
    summary,
    confusions: res.confusions?.top(topK),
  };
}

export function registerScore(program: Command): void {
  program
    .command('score')
    .description('Score hypotheses against references like sclite: per-speaker table, WER/MER/WIL/CER, top confusions')
    .requiredOption('--ref <file>', 'reference transcripts (trn "words (spkr-id)" or JSONL {id, text[, speaker]})')
    .requiredOption('--hyp <file>', 'hypothesis transcripts (trn or JSONL)')
    .option('--format <fmt>', 'trn | jsonl (default: by file extension, .jsonl = jsonl)')
    .option('--normaliser <name>', 'text normaliser applied to both sides: none | basic | english', 'none')
    .option('--costs <model>', 'alignment costs: sclite (3/3/4, agrees with sclite) | unit (1/1/1)', 'sclite')
    .option('--json <file>', 'also write the full result as JSON')
    .option('--confusions <n>', 'show the top N substitutions, deletions and insertions (0 = none)', '10')
    .action(async (flags: ScoreFlags) => {
      if (flags.format !== undefined && flags.format !== 'trn' && flags.format !== 'jsonl') {
        throw new UsageError(`--format must be trn or jsonl, not "${flags.format}"`);
      }
      if (!isCostModel(flags.costs)) throw new UsageError(`--costs must be sclite or unit, not "${flags.costs}"`);
      const topK = Number(flags.confusions);
      if (!Number.isInteger(topK) || topK < 0) throw new UsageError(`--confusions must be a whole number >= 0, not "${flags.confusions}"`);
      const format = flags.format as TranscriptFormat | undefined;
      const normaliser = normaliserFlag(flags.normaliser);

      const res = await scoreFiles(flags.ref, flags.hyp, {
        refFormat: format,
        hypFormat: format,
        normaliser,
        costs: flags.costs,
        confusions: topK > 0,
      });

      const out: string[] = [];
      out.push(renderSummary(summarise(res.speakers), basename(flags.hyp)));
      out.push(`Cost model:  ${COST_TEXT[res.costs]}`);
      out.push(`Normaliser:  ${res.normaliser.name} v${res.normaliser.version}`);
      const w = res.words;
      out.push(
        `Utterances:  ${res.utterances}   reference words: ${w.ref}   hits ${w.hits}  sub ${w.sub}  del ${w.del}  ins ${w.ins}`,
      );
      out.push(`WER ${pct(res.wordRates.wer)}   MER ${pct(res.wordRates.mer)}   WIL ${pct(res.wordRates.wil)}   CER ${pct(res.cer)}`);
      if (res.missingHyps.length) {
        const shown = res.missingHyps.slice(0, 5).join(', ');
        out.push(`Missing hypotheses (scored as deletions): ${res.missingHyps.length} (${shown}${res.missingHyps.length > 5 ? ', …' : ''})`);
      }
      process.stdout.write(`${out.map((l) => escapeControl(l)).join('\n')}\n`);
      if (res.confusions) process.stdout.write(`\n${escapeControl(renderConfusions(res.confusions.top(topK)), true)}`);
      if (flags.json) writeFileSync(flags.json, `${JSON.stringify(scoreReport(res, topK), finiteOrNull, 2)}\n`);
    });
}
