import { alignCounts, tokenize } from './align.ts';
import { charCounts } from './metrics.ts';
import type { CostModel, ErrorCounts, ExportedUtterance } from './types.ts';
import { getNormaliser, type Normaliser } from '../text/normalise.ts';
import { createG2P, g2pTokens, type G2P, type G2POptions, type G2PProvenance, type WordPhones } from '../text/g2p.ts';
import { phoneCountsOf } from './per.ts';
import type { RunItemResult } from '../run/store.ts';
import type { ScoringMarkup } from '../run/suite.ts';
import { caseFolder, foldLocale, parseMarkup, type MarkupOptions, type ParsedText, type WordNetwork } from '../text/markup.ts';
import { glmFilter, type NistGlm } from '../text/nist-glm.ts';
import { normaliseParsed } from './scorer.ts';
import { alignPathTexts } from './network-texts.ts';
import { networkText } from './network-text.ts';
import { deletableCount } from '../manifest/markup.ts';
import { languageCode } from '../manifest/language-tag.ts';

export type Metric = 'wer' | 'cer' | 'per' | 'mer' | 'wil';

/** sclite's reading of markup without flags (what a suite without `markup:` gets). */
export const DEFAULT_SCORING_MARKUP: ScoringMarkup = { convention: 'sclite', caseSensitive: false, caseFold: 'unicode', optionallyDeletable: false, fragments: false };

/**
 * How references that keep a corpus's optionally deletable markup (`markup.deletable`: CORAAL's word fragments as
 * `(like-)`) are read in every run, whatever the suite's `markup:`: sclite `-D -F`, the NIST Hub-5 convention for
 * fragments (a fragment may be omitted, or matched by a hypothesis word it begins). The card's data section says so.
 */
export const CORPUS_DELETABLE = { convention: 'sclite', optionallyDeletable: true, fragments: true } as const;

/** The words of a network that is a single chain (no alternation), as written; undefined otherwise. */
function chainText(net: WordNetwork): string | undefined {
  const out: string[] = [];
  for (let i = 1; i < net.words.length; i++) {
    if (net.preds[i].length !== 1 || net.preds[i][0] !== i - 1) return undefined;
    const w = net.words[i];
    if (w && !w.isNull) out.push(w.text);
  }
  return net.finals.length === 1 && net.finals[0] === net.words.length - 1 ? out.join(' ') : undefined;
}

export interface ScorerOptions {
  normaliser: string;
  costModel: CostModel;
  metrics: readonly Metric[];
  /**
   * How markup in references and hypotheses is read (default sclite's, as `asrfair score` reads trn):
   * `none` keeps the old reading, every token a word.
   */
  markup?: ScoringMarkup;
  /** A NIST GLM applied to both sides before markup is read, as `asrfair score --glm` (csrfilt.sh) does. */
  glm?: NistGlm;
  /** G2P of PER (default: pocketsphinx's CMUdict, flite's t2p if installed, else espeak-ng). */
  g2p?: G2POptions;
}

/** Word tokens of one row's reference and hypothesis that went to G2P, and those the dictionary lacks (letter-to-sound). */
export interface RowOov {
  refTokens: number;
  refOov: number;
  hypTokens: number;
  hypOov: number;
  /** The words the dictionary lacks (lower case), each once. */
  words: string[];
}

type PhoneCountsFn = (ref: string, hyp: string) => { counts: ErrorCounts; oov: RowOov };

function pronounce(g2p: G2P, text: string, oov: Set<string>): { words: WordPhones[]; tokens: number; oov: number } {
  let n = 0;
  // Without a letter-to-sound engine (neither flite nor espeak-ng installed) a word outside the dictionary has no
  // phones: it is left out of both phone strings and counted, and the card says so (src/report/per-note.ts).
  const none = g2p.fallback === 'none';
  const words = g2pTokens(text).map((word) => {
    const p = none && g2p.pronunciations(word).length === 0 && /[\p{L}\p{N}]/u.test(word) ? { phones: [], source: 'none' as const } : g2p.lookup(word);
    if (p.source !== 'cmudict') {
      n++;
      oov.add(word);
    }
    return { word, phones: p.phones };
  });
  return { words, tokens: words.length, oov: n };
}

async function loadPhoneCounts(costModel: CostModel, opts: G2POptions | undefined): Promise<{ fn: PhoneCountsFn; provenance: () => G2PProvenance }> {
  const g2p = await createG2P(opts);
  const fn: PhoneCountsFn = (ref, hyp) => {
    const words = new Set<string>();
    const r = pronounce(g2p, ref, words);
    const h = pronounce(g2p, hyp, words);
    return { counts: phoneCountsOf(r.words, h.words, costModel).counts, oov: { refTokens: r.tokens, refOov: r.oov, hypTokens: h.tokens, hypOov: h.oov, words: [...words] } };
  };
  return { fn, provenance: () => g2p.provenance() };
}

/** Turns stored run items into scored rows of the run export. */
export interface Scorer {
  normaliser: Normaliser;
  score(item: RunItemResult): ExportedUtterance;
  /** `score`, plus the row's G2P tokens and out-of-dictionary words when PER was computed for it. */
  scoreWithOov(item: RunItemResult): { row: ExportedUtterance; oov?: RowOov };
  /** Dictionary and letter-to-sound engine of PER's phones (undefined without `per` among the metrics). */
  phoneProvenance(): G2PProvenance | undefined;
  /**
   * The declared language (ISO 639-1 code, `tr` or `az`) whose case rules folded this item's texts instead of plain
   * Unicode lower case (the markup folds case with `caseFold: unicode`); undefined when the item is folded as usual.
   */
  foldedBy(item: RunItemResult): string | undefined;
  /**
   * The declared language (ISO 639-1 code, `tr` or `az`) of an item whose texts were lower-cased by Unicode's default
   * rules (`I` → `i`, not `ı`) although it declares a dotted/dotless I language: the normaliser lower-cases without its
   * rules (`english`, Whisper's) and nothing before it folded case (markup `none`, or case-sensitive markup).
   * Undefined otherwise. Reported per group by the export (run.json `scoring.defaultCaseFold`).
   */
  defaultFoldedBy(item: RunItemResult): string | undefined;
}

function allDeleted(n: number): ErrorCounts {
  return { ref: n, hits: 0, sub: 0, del: n, ins: 0 };
}

/** Word counts of one utterance and the two texts as scored (words the alignment chose, space-separated). */
interface Scored {
  words: ErrorCounts;
  ref: string;
  hyp: string;
  /**
   * The reference words the alignment chose, when `ref` is not them: for a reference with corpus-kept optional words
   * `ref` is the reference as written (the same for every backend, so `compare` pairs it), CER and PER align this.
   */
  alignedRef?: string;
  /** The reference with its alternatives, when it has any (ExportedUtterance `refNetwork`). */
  refNetwork?: string;
}

/**
 * Reads one side's text the way `asrfair score` does (src/score/scorer.ts UtteranceScorer.parse): GLM
 * (csrfilt.sh), sclite markup, then the normaliser word by word. Markup errors are InputErrors naming `where`.
 */
function sideReader(markup: ScoringMarkup, normaliser: Normaliser, glm: NistGlm | undefined, language?: string, normaliserLanguage?: string): (text: string, where: string) => ParsedText {
  const opts: MarkupOptions = {
    caseSensitive: markup.caseSensitive,
    caseFold: markup.caseFold,
    optionalDeletable: markup.optionallyDeletable,
    fragments: markup.fragments,
    language,
  };
  const fold = caseFolder(opts);
  const filter = glm ? glmFilter(glm, !markup.caseSensitive) : undefined;
  const f = (t: string): string => normaliser.normalise(t, normaliserLanguage);
  return (text, where) => normaliseParsed(parseMarkup(filter ? filter(text, where, undefined) : text, opts, where, undefined, fold), f);
}

/**
 * Builds the run scorer: per stored item, the reference and hypothesis read with the suite's markup
 * convention and GLM, normalised, aligned (sclite's costs or unit costs; networks as sclite's net_dp.c when
 * the markup needs them), and the row of the run export. An utterance whose reference keeps a corpus's optionally
 * deletable markup (`markup.deletable`) is read with sclite -D -F instead (CORPUS_DELETABLE). A row whose reference or hypothesis has malformed
 * markup (an unclosed `{`) is a failed row whose error names the utterance and the fault; the run goes on.
 */
export async function createScorer(opts: ScorerOptions): Promise<Scorer> {
  const normaliser = getNormaliser(opts.normaliser);
  const markup = opts.markup ?? DEFAULT_SCORING_MARKUP;
  const per = opts.metrics.includes('per') ? await loadPhoneCounts(opts.costModel, opts.g2p) : undefined;
  const phones = per?.fn;
  const sclite = markup.convention === 'sclite';
  // The corpus's own policy for references that keep optionally deletable markup (CORAAL fragments `(like-)`):
  // sclite -D -F on both sides, whatever the suite's setting, which would score `(like-)` as a plain word.
  const corpusMarkup: ScoringMarkup = { ...(sclite ? markup : DEFAULT_SCORING_MARKUP), ...CORPUS_DELETABLE };
  // Readers per case locale: Turkish and Azerbaijani utterances are folded by their I rules (src/text/markup.ts).
  const readers = new Map<string, (text: string, where: string) => ParsedText>();
  // `locale`: the markup's case fold (case-insensitive unicode only); `language`: what the normaliser lower-cases by
  // (basic v2 folds tr/az text by the Turkish rules even where the markup keeps case).
  const readerFor = (m: ScoringMarkup, corpus: boolean, locale: string | undefined, language: string | undefined) => {
    const normLocale = foldLocale(language);
    const key = `${corpus ? 'corpus' : 'suite'}:${locale ?? ''}:${normLocale ?? ''}`;
    let r = readers.get(key);
    if (!r) readers.set(key, (r = sideReader(m, normaliser, opts.glm, locale, normLocale)));
    return r;
  };
  const localeOf = (m: ScoringMarkup, language: string | undefined): string | undefined =>
    !m.caseSensitive && m.caseFold === 'unicode' ? foldLocale(language) : undefined;
  // The markup an item is read with, when any (sclite's, or the corpus's for kept deletable words).
  const markupOf = (item: RunItemResult): ScoringMarkup | undefined => (deletableCount(item.utt.markup) > 0 ? corpusMarkup : sclite ? markup : undefined);
  const foldedBy = (item: RunItemResult): string | undefined => {
    if (!foldLocale(item.utt.language)) return undefined;
    const m = markupOf(item);
    const byMarkup = m !== undefined && localeOf(m, item.utt.language) !== undefined;
    // Whether the normaliser itself lower-cases by the declared language (basic v2), whatever the markup does.
    const lang = languageCode(item.utt.language);
    return byMarkup || (lang !== undefined && normaliser.foldsByLanguage.includes(lang)) ? lang : undefined;
  };
  const defaultFoldedBy = (item: RunItemResult): string | undefined => {
    if (!normaliser.lowerCases || !foldLocale(item.utt.language) || foldedBy(item) !== undefined) return undefined;
    // Markup that folds case by other rules (babel_turkish's table, or ASCII A–Z as asked) folded it before the normaliser.
    const m = markupOf(item);
    return m !== undefined && !m.caseSensitive ? undefined : languageCode(item.utt.language);
  };

  const scoreTexts = (refText: string, hypText: string | undefined, uttId: string, deletable: boolean, language: string | undefined): Scored => {
    const read = deletable
      ? readerFor(corpusMarkup, true, localeOf(corpusMarkup, language), language)
      : sclite
        ? readerFor(markup, false, localeOf(markup, language), language)
        : undefined;
    if (!read) {
      const ref = normaliser.normalise(refText, language);
      const hyp = hypText === undefined ? '' : normaliser.normalise(hypText, language);
      const r = tokenize(ref);
      return { ref, hyp, words: hypText === undefined ? allDeleted(r.length) : alignCounts(r, tokenize(hyp), opts.costModel) };
    }
    const rp = read(refText, `reference of ${uttId}`);
    const hp: ParsedText = hypText === undefined ? { kind: 'words', words: [] } : read(hypText, `hypothesis of ${uttId}`);
    if (rp.kind === 'words' && hp.kind === 'words') {
      const words = hypText === undefined ? allDeleted(rp.words.length) : alignCounts(rp.words, hp.words, opts.costModel);
      return { ref: rp.words.join(' '), hyp: hp.words.join(' '), words };
    }
    // sclite's network alignment (its own 3/3/4 costs); the texts are the words of the chosen path.
    const { counts, ref, hyp } = alignPathTexts(rp, hp);
    const words = hypText === undefined ? allDeleted(counts.ref) : counts;
    const chain = rp.kind === 'network' ? chainText(rp.net) : undefined;
    // A reference with alternatives: `ref` is the path this alignment chose, so the network is kept for pairing.
    const alts = rp.kind === 'network' && chain === undefined ? { refNetwork: networkText(rp.net) } : {};
    const written = deletable ? chain : undefined;
    return written === undefined ? { ref, hyp, words, ...alts } : { ref: written, hyp, words, alignedRef: ref, ...alts };
  };

  const scoreWithOov = (item: RunItemResult): { row: ExportedUtterance; oov?: RowOov } => {
    const r = item.result;
    const ok = r?.status === 'ok';
    let error = ok ? undefined : (r?.error ?? item.error ?? 'no result (run stopped before this utterance)');
    let s: Scored;
    let scored = ok;
    try {
      // Failed rows carry "as if nothing was recognised" counts; reports exclude them from rates.
      s = scoreTexts(item.utt.text, ok ? (r.hypothesis ?? '') : undefined, item.uttId, deletableCount(item.utt.markup) > 0, item.utt.language);
    } catch (e) {
      error = `markup: ${(e as Error).message}`;
      scored = false;
      s = { ref: normaliser.normalise(item.utt.text, item.utt.language), hyp: '', words: allDeleted(0) };
      s.words = allDeleted(tokenize(s.ref).length);
    }
    const chars = scored ? charCounts(s.alignedRef ?? s.ref, s.hyp, opts.costModel) : allDeleted(charCounts(s.alignedRef ?? s.ref, '', opts.costModel).ref);
    const out: ExportedUtterance = {
      id: item.uttId,
      speaker: item.utt.speaker ?? `utt:${item.uttId}`,
      labels: item.utt.labels,
      backend: item.backendName,
      condition: item.conditionName,
      status: scored ? 'ok' : 'failed',
      ref: s.ref,
      ...(s.refNetwork !== undefined ? { refNetwork: s.refNetwork } : {}),
      hyp: scored ? s.hyp : '',
      words: s.words,
      chars,
      audio: item.utt.audio,
    };
    if (error !== undefined) out.error = error;
    // A text-only segment (stm import) has no audio to measure: its segment times give the duration.
    const span = item.utt.start !== undefined && item.utt.end !== undefined && !item.utt.audio ? item.utt.end - item.utt.start : undefined;
    const dur = item.utt.durationSec ?? r?.durationSec ?? span;
    if (dur !== undefined && dur !== null) out.durationSec = dur;
    if (item.utt.snrDb !== undefined) out.snrDb = item.utt.snrDb;
    if (item.utt.audioFlags?.length) out.audioFlags = item.utt.audioFlags;
    if (item.utt.sourceRate !== undefined) out.sourceRate = item.utt.sourceRate;
    if (item.utt.markup) out.markup = item.utt.markup;
    if (!(phones && scored)) return { row: out };
    const p = phones(s.alignedRef ?? s.ref, s.hyp);
    out.phones = p.counts;
    return { row: out, oov: p.oov };
  };

  return {
    normaliser,
    foldedBy,
    defaultFoldedBy,
    scoreWithOov,
    score: (item) => scoreWithOov(item).row,
    phoneProvenance: () => per?.provenance(),
  };
}
