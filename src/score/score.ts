import type { CostModel, ErrorCounts } from './types.ts';
import type { Normaliser } from '../text/normalise.ts';
import { none } from '../text/normalise.ts';
import { InputError } from '../manifest/errors.ts';
import { Aligner, tokenize } from './align.ts';
import { alignNetworks } from './network.ts';
import { glmFilter, type NistGlm } from '../text/nist-glm.ts';
import { caseFolder, parseMarkup, wordsToNetwork, type MarkupOptions, type ParsedText, type WordNetwork } from '../text/markup.ts';
import { ConfusionCounter } from './confusions.ts';
import { addCounts, emptyCounts, rates, toChars, wer, type Rates } from './metrics.ts';
import { SpeakerTable } from './summary.ts';
import { loadTranscripts, readTranscripts, type Transcript, type TranscriptFormat } from './trn.ts';

export interface ScoreOptions {
  refFormat?: TranscriptFormat;
  hypFormat?: TranscriptFormat;
  /** Applied to both sides' words after markup is read (default `none`). */
  normaliser?: Normaliser;
  /**
   * sclite markup (see `src/text/markup.ts`): case folding unless `caseSensitive` (sclite `-s`, which
   * also makes utterance ids case-sensitive), `optionalDeletable` (`-D`), `fragments` (`-F`).
   */
  markup?: MarkupOptions;
  /**
   * A reference with no hypothesis line: `delete` (default) scores all its words as deletions;
   * `skip` leaves it out of every count, as sclite does.
   */
  missingHyp?: MissingHypPolicy;
  /**
   * How a trn id names its speaker (sclite `-i`): `rm` / `spu_id` (default): the prefix before the
   * first `-` (else `_`); `wsj`: the first three characters. Speakers are case-folded with the ids.
   */
  idFormat?: IdFormat;
  /**
   * A NIST GLM applied to both sides' text before markup is read, as SCTK's csrfilt.sh does
   * (see `src/text/nist-glm.ts`); upper-casing follows `markup.caseSensitive` (csrfilt `-s`).
   */
  glm?: NistGlm;
  costs?: CostModel;
  /** Also align characters for CER (default true). */
  chars?: boolean;
  /** Collect word confusions (needs full alignments; default false). */
  confusions?: boolean;
  /** Called for every scored utterance, in reference-file order. */
  onUtterance?: (u: UtteranceScore) => void;
}

export type MissingHypPolicy = 'delete' | 'skip';
export type IdFormat = 'rm' | 'spu_id' | 'wsj';
export const ID_FORMATS: readonly IdFormat[] = ['rm', 'spu_id', 'wsj'];

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
  /** What was done with them. */
  missingHyp: MissingHypPolicy;
  markup: Required<MarkupOptions>;
  /** The GLM applied, if any: its name, rule count and content hash. */
  glm?: { name: string; rules: number; hash: string };
}

function normaliseParsed(p: ParsedText, f: (t: string) => string): ParsedText {
  if (p.kind === 'words') return { kind: 'words', words: tokenize(f(p.words.join(' '))) };
  const words = p.net.words.map((w) => {
    if (w === null || w.isNull) return w;
    const text = f(w.text);
    return { ...w, text, key: w.optDel ? f(w.key) : text };
  });
  return { kind: 'network', net: { ...p.net, words } };
}

const toNetwork = (p: ParsedText): WordNetwork => (p.kind === 'network' ? p.net : wordsToNetwork(p.words));

/**
 * Scores a hypothesis file against a reference file. Hypotheses are loaded (keyed by id) and the
 * references streamed, so memory is bounded by the hypothesis set, not by alignments.
 * A reference without hypothesis counts as all deletions (or is skipped, `missingHyp: 'skip'`);
 * a hypothesis without reference, or a duplicate id on either side, is an InputError naming file
 * and line. Ids match case-insensitively unless `markup.caseSensitive` (sclite folds id case too).
 */
export async function scoreFiles(refPath: string, hypPath: string, opts: ScoreOptions = {}): Promise<ScoreResult> {
  const costs = opts.costs ?? 'sclite';
  const norm = opts.normaliser ?? none;
  // `none` only folds whitespace, which tokenize and toChars already do.
  const normalise = norm === none ? undefined : (t: string): string => norm.normalise(t);
  const markup: Required<MarkupOptions> = {
    caseSensitive: opts.markup?.caseSensitive ?? false,
    optionalDeletable: opts.markup?.optionalDeletable ?? false,
    fragments: opts.markup?.fragments ?? false,
    caseFold: opts.markup?.caseFold ?? 'unicode',
  };
  const missingPolicy = opts.missingHyp ?? 'delete';
  const idKey = caseFolder(markup);
  // A trn speaker comes from the id and is folded with it; a JSONL "speaker" is kept as given.
  const speakerKey = (t: Transcript): string =>
    t.format !== 'trn' ? t.speaker : idKey(opts.idFormat === 'wsj' ? t.id.slice(0, 3) : t.speaker);
  const filter = opts.glm ? glmFilter(opts.glm, !markup.caseSensitive) : undefined;
  const parse = (text: string, file: string, line: number): ParsedText => {
    const p = parseMarkup(filter ? filter(text, file, line) : text, markup, file, line);
    return normalise ? normaliseParsed(p, normalise) : p;
  };
  const doChars = opts.chars ?? true;
  const wordAligner = new Aligner(costs);
  const charAligner = doChars ? new Aligner(costs) : undefined;
  const confusions = opts.confusions ? new ConfusionCounter() : undefined;

  const hyps = await loadTranscripts(hypPath, opts.hypFormat, idKey);
  const refLines = new Map<string, number>();
  const speakers = new SpeakerTable();
  const words = emptyCounts();
  const chars = doChars ? emptyCounts() : undefined;
  const missingHyps: string[] = [];

  let scored = 0;
  for await (const r of readTranscripts(refPath, opts.refFormat)) {
    const key = idKey(r.id);
    const first = refLines.get(key);
    if (first !== undefined) throw new InputError(refPath, r.line, `duplicate utterance id "${r.id}" (first at line ${first})`);
    refLines.set(key, r.line);
    const h = hyps.get(key);
    if (h) hyps.delete(key);
    else {
      missingHyps.push(r.id);
      if (missingPolicy === 'skip') continue;
    }
    scored++;
    const pr = parse(r.text, refPath, r.line);
    const ph: ParsedText = h ? parse(h.text, hypPath, h.line) : { kind: 'words', words: [] };
    let wc: ErrorCounts;
    let refChars: string;
    let hypChars: string;
    if (pr.kind === 'words' && ph.kind === 'words') {
      const rw = pr.words;
      const hw = ph.words;
      if (confusions) {
        const a = wordAligner.align(rw, hw);
        confusions.add(a);
        wc = a.counts;
      } else {
        wc = wordAligner.counts(rw, hw);
      }
      refChars = rw.join(' ');
      hypChars = hw.join(' ');
    } else {
      const a = alignNetworks(toNetwork(pr), toNetwork(ph));
      confusions?.add(a);
      wc = a.counts;
      // Characters of the words the alignment chose (an optionally deleted word is left out).
      const kept = a.ops.filter((o) => !(o.type === 'C' && (o.ref === '' || o.hyp === '')));
      refChars = kept.flatMap((o) => (o.ref ? [o.ref] : [])).join(' ');
      hypChars = kept.flatMap((o) => (o.hyp ? [o.hyp] : [])).join(' ');
    }
    addCounts(words, wc);
    speakers.add(speakerKey(r), wc);
    let cc: ErrorCounts | undefined;
    if (charAligner && chars) {
      cc = charAligner.counts(toChars(refChars), toChars(hypChars));
      addCounts(chars, cc);
    }
    opts.onUtterance?.({ id: r.id, speaker: speakerKey(r), words: wc, chars: cc, missingHyp: !h });
  }
  if (hyps.size > 0) {
    const orphan = [...hyps.values()].sort((a, b) => a.line - b.line)[0];
    const more = hyps.size > 1 ? ` (and ${hyps.size - 1} more)` : '';
    throw new InputError(hypPath, orphan.line, `hypothesis id "${orphan.id}" has no reference in ${refPath}${more}`);
  }
  return {
    costs,
    normaliser: { name: norm.name, version: norm.version },
    utterances: scored,
    words,
    wordRates: rates(words),
    chars,
    cer: chars ? wer(chars) : undefined,
    speakers,
    confusions,
    missingHyps,
    missingHyp: missingPolicy,
    markup,
    glm: opts.glm ? { name: opts.glm.name, rules: opts.glm.rules.length, hash: opts.glm.hash } : undefined,
  };
}
