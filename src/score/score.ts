import type { CostModel, ErrorCounts } from './types.ts';
import type { Normaliser } from '../text/normalise.ts';
import { none } from '../text/normalise.ts';
import { InputError } from '../manifest/errors.ts';
import { Aligner, tokenize } from './align.ts';
import { ConfusionCounter } from './confusions.ts';
import { addCounts, emptyCounts, rates, toChars, wer, type Rates } from './metrics.ts';
import { SpeakerTable } from './summary.ts';
import { loadTranscripts, readTranscripts, type TranscriptFormat } from './trn.ts';

export interface ScoreOptions {
  refFormat?: TranscriptFormat;
  hypFormat?: TranscriptFormat;
  /** Applied to both sides before tokenising (default `none`: whitespace folding only, case-sensitive like `sclite -s`). */
  normaliser?: Normaliser;
  costs?: CostModel;
  /** Also align characters for CER (default true). */
  chars?: boolean;
  /** Collect word confusions (needs full alignments; default false). */
  confusions?: boolean;
  /** Called for every scored utterance, in reference-file order. */
  onUtterance?: (u: UtteranceScore) => void;
}

export interface UtteranceScore {
  id: string;
  speaker: string;
  words: ErrorCounts;
  chars?: ErrorCounts;
  /** True when the hypothesis file had no line for this id (scored as all deletions). */
  missingHyp: boolean;
}

export interface ScoreResult {
  costs: CostModel;
  normaliser: { name: string; version: string };
  utterances: number;
  words: ErrorCounts;
  wordRates: Rates;
  chars?: ErrorCounts;
  cer?: number;
  speakers: SpeakerTable;
  confusions?: ConfusionCounter;
  /** Reference ids that had no hypothesis. */
  missingHyps: string[];
}

/**
 * Scores a hypothesis file against a reference file. Hypotheses are loaded (keyed by id) and the
 * references streamed, so memory is bounded by the hypothesis set, not by alignments.
 * A reference without hypothesis counts as all deletions; a hypothesis without reference, or a
 * duplicate id on either side, is an InputError naming file and line.
 */
export async function scoreFiles(refPath: string, hypPath: string, opts: ScoreOptions = {}): Promise<ScoreResult> {
  const costs = opts.costs ?? 'sclite';
  const norm = opts.normaliser ?? none;
  // `none` only folds whitespace, which tokenize and toChars already do.
  const normalise = norm === none ? (t: string): string => t : (t: string): string => norm.normalise(t);
  const doChars = opts.chars ?? true;
  const wordAligner = new Aligner(costs);
  const charAligner = doChars ? new Aligner(costs) : undefined;
  const confusions = opts.confusions ? new ConfusionCounter() : undefined;

  const hyps = await loadTranscripts(hypPath, opts.hypFormat);
  const refLines = new Map<string, number>();
  const speakers = new SpeakerTable();
  const words = emptyCounts();
  const chars = doChars ? emptyCounts() : undefined;
  const missingHyps: string[] = [];

  for await (const r of readTranscripts(refPath, opts.refFormat)) {
    const first = refLines.get(r.id);
    if (first !== undefined) throw new InputError(refPath, r.line, `duplicate utterance id "${r.id}" (first at line ${first})`);
    refLines.set(r.id, r.line);
    const h = hyps.get(r.id);
    if (h) hyps.delete(r.id);
    else missingHyps.push(r.id);
    const refText = normalise(r.text);
    const hypText = h ? normalise(h.text) : '';
    const rw = tokenize(refText);
    const hw = tokenize(hypText);
    let wc: ErrorCounts;
    if (confusions) {
      const a = wordAligner.align(rw, hw);
      confusions.add(a);
      wc = a.counts;
    } else {
      wc = wordAligner.counts(rw, hw);
    }
    addCounts(words, wc);
    speakers.add(r.speaker, wc);
    let cc: ErrorCounts | undefined;
    if (charAligner && chars) {
      cc = charAligner.counts(toChars(refText), toChars(hypText));
      addCounts(chars, cc);
    }
    opts.onUtterance?.({ id: r.id, speaker: r.speaker, words: wc, chars: cc, missingHyp: !h });
  }
  if (hyps.size > 0) {
    const orphan = [...hyps.values()].sort((a, b) => a.line - b.line)[0];
    const more = hyps.size > 1 ? ` (and ${hyps.size - 1} more)` : '';
    throw new InputError(hypPath, orphan.line, `hypothesis id "${orphan.id}" has no reference in ${refPath}${more}`);
  }
  return {
    costs,
    normaliser: { name: norm.name, version: norm.version },
    utterances: refLines.size,
    words,
    wordRates: rates(words),
    chars,
    cer: chars ? wer(chars) : undefined,
    speakers,
    confusions,
    missingHyps,
  };
}
