import { InputError } from '../manifest/errors.ts';
import { UtteranceScorer, type MissingHypPolicy, type ScoreResult, type ScorerOptions, type SpeakerlessIds, type UtteranceScore } from './scorer.ts';
import { StringTable } from './string-table.ts';
import {
  detectFormat,
  LineReader,
  parseJsonlTranscript,
  spanWords,
  speakerPrefixOf,
  trnSpan,
  type TranscriptFormat,
} from './trn.ts';

export type { MissingHypPolicy, ScoreResult, UtteranceScore };

export interface ScoreOptions extends ScorerOptions {
  refFormat?: TranscriptFormat;
  hypFormat?: TranscriptFormat;
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
}

export type IdFormat = 'rm' | 'spu_id' | 'wsj';
export const ID_FORMATS: readonly IdFormat[] = ['rm', 'spu_id', 'wsj'];

/** One side's transcript as read: its words are `src[start, end)` (a trn line's span, or JSONL text). */
interface Side {
  id: string;
  /** JSONL's speaker (trn derives it from the id). */
  speaker?: string;
  src: string;
  start: number;
  end: number;
  line: number;
  trn: boolean;
  /** JSONL manifest line: optionally deletable words its corpus's policy kept (Transcript.deletable). */
  deletable?: number;
}

function readSide(text: string, file: string, line: number, format: TranscriptFormat): Side | undefined {
  if (format === 'jsonl') {
    const t = parseJsonlTranscript(text, file, line);
    return t && { id: t.id, speaker: t.speaker, src: t.text, start: 0, end: t.text.length, line, trn: false, ...(t.deletable ? { deletable: t.deletable } : {}) };
  }
  const s = trnSpan(text, file, line);
  return s && { id: s.id, src: text, start: s.start, end: s.end, line, trn: true };
}

const sideText = (s: Side): string => (s.trn ? spanWords(s.src, s.start, s.end) : s.src);

/** First line of every id seen on one side (duplicate check) in typed arrays: no string kept per id. */
class IdLines {
  private readonly table = new StringTable();
  private lines = new Int32Array(1024);

  /** Records `key` at `line`; returns the line it was first seen at, or 0 when new. */
  see(key: string, line: number): number {
    const e = this.table.lookup(key, 0, key.length, true);
    if (!this.table.created()) return this.lines[e]!;
    if (e === this.lines.length) {
      const bigger = new Int32Array(this.lines.length * 2);
      bigger.set(this.lines);
      this.lines = bigger;
    }
    this.lines[e] = line;
    return 0;
  }
}

/**
 * Scores a hypothesis file against a reference file (trn or JSONL; UTF-8 or `encoding`). References
 * are scored in file order. The hypothesis file is read in step with them: while the two files list
 * the same ids in the same order nothing is kept but each id's line number (duplicate check); a
 * hypothesis read ahead of its reference waits in a map. A reference without hypothesis counts as
 * all deletions (or is skipped, `missingHyp: 'skip'`); a hypothesis without reference, or a
 * duplicate id on either side, is an InputError naming file and line. Ids match case-insensitively
 * unless `markup.caseSensitive` (sclite folds id case too). Speaker rows come in the order speakers
 * first appear in the hypothesis file, as sclite lists them (measured with Debian's sclite 2.4.10;
 * speakers with no hypothesis follow in reference order). Plain-word utterances take the
 * scorer's interning fast path (`UtteranceScorer.scorePlain`); the counts are the same.
 */
export async function scoreFiles(refPath: string, hypPath: string, opts: ScoreOptions = {}): Promise<ScoreResult> {
  const scorer = new UtteranceScorer(opts, opts.missingHyp ?? 'delete');
  const idKey = scorer.foldId;
  const encoding = opts.encoding ?? 'utf-8';
  const refFormat = opts.refFormat ?? detectFormat(refPath);
  const hypFormat = opts.hypFormat ?? detectFormat(hypPath);
  // A trn speaker comes from the id and is folded with it; a JSONL "speaker" is kept as given. An id with no `-` or
  // `_` (rm, spu_id) is counted under the speaker of the previous line of the hypothesis file, as sclite does (the
  // reference file's when it has no hypothesis), and listed in `speakerlessIds`.
  const idSpeaker = (id: string): string | undefined => (opts.idFormat === 'wsj' ? id.slice(0, 3) : speakerPrefixOf(id));
  const speakerless = new Map<string, SpeakerlessIds>();
  const noteSpeakerless = (file: string, line: number, id: string, speaker: string): void => {
    let e = speakerless.get(file);
    if (!e) speakerless.set(file, (e = { file, count: 0, first: [] }));
    e.count++;
    if (e.first.length < 3) e.first.push({ line, id, speaker });
  };
  /** Speakers of hypothesis ids that name none (only those: no string kept per ordinary id). */
  const inherited = new Map<string, string>();
  let lastRefSpeaker: string | undefined;
  const refSpeaker = (s: Side, key: string): string => {
    if (s.speaker !== undefined) return s.speaker;
    const p = idSpeaker(s.id);
    let sp: string;
    if (p !== undefined) sp = idKey(p);
    else {
      const h = inherited.get(key);
      if (h !== undefined) sp = h;
      else noteSpeakerless(refPath, s.line, s.id, (sp = lastRefSpeaker ?? ''));
    }
    return (lastRefSpeaker = sp);
  };

  const refSeen = new IdLines();
  const hypSeen = new IdLines();
  const waiting = new Map<string, Side>();
  // sclite lists speakers in the order they first appear in the hypothesis file: recorded here.
  const hypSpeakers = new Set<string>();
  let lastHypSpeaker: string | undefined;
  // Kept alignments (pra, sgml) follow the hypothesis file's order too, as sclite lists them.
  const hypOrder = opts.keepAlignments ? new Map<string, number>() : undefined;
  const hypReader = new LineReader(hypPath, encoding);
  const refReader = new LineReader(refPath, encoding);
  /** Reads hypotheses until the one keyed `want` (undefined: to the end), parking the others. */
  const readHypsUntil = (want: string | undefined): Side | undefined => {
    while (hypReader.next()) {
      const h = readSide(hypReader.text, hypPath, hypReader.line, hypFormat);
      if (!h) continue;
      const key = idKey(h.id);
      let sp: string;
      if (h.speaker !== undefined) sp = h.speaker;
      else {
        const p = idSpeaker(h.id);
        if (p !== undefined) sp = idKey(p);
        else {
          sp = lastHypSpeaker ?? '';
          inherited.set(key, sp);
          noteSpeakerless(hypPath, h.line, h.id, sp);
        }
      }
      if (sp !== lastHypSpeaker) hypSpeakers.add((lastHypSpeaker = sp));
      hypOrder?.set(key, hypOrder.size);
      const first = hypSeen.see(key, h.line);
      if (first) throw new InputError(hypPath, h.line, `duplicate utterance id "${h.id}" (first at line ${first})`);
      if (key === want) return h;
      waiting.set(key, h);
    }
    return undefined;
  };
  try {
    while (refReader.next()) {
      const r = readSide(refReader.text, refPath, refReader.line, refFormat);
      if (!r) continue;
      if (r.deletable && !(opts.markup?.optionalDeletable && opts.markup.fragments)) {
        throw new InputError(
          refPath,
          r.line,
          `reference ${r.id} keeps ${r.deletable} word fragment(s) as sclite's "(like-)" (markup.deletable: the corpus's policy); score with -D -F, or they count as words`,
        );
      }
      const key = idKey(r.id);
      const first = refSeen.see(key, r.line);
      if (first) throw new InputError(refPath, r.line, `duplicate utterance id "${r.id}" (first at line ${first})`);
      let h = waiting.get(key);
      if (h) waiting.delete(key);
      else h = readHypsUntil(key);
      const u = { id: r.id, speaker: refSpeaker(r, key) };
      if (h && scorer.scorePlain(u, r.src, r.start, r.end, h.src, h.start, h.end)) continue;
      scorer.score(u, scorer.parse(sideText(r), refPath, r.line), h ? scorer.parse(sideText(h), hypPath, h.line) : undefined);
    }
    readHypsUntil(undefined);
  } finally {
    refReader.close();
    hypReader.close();
  }
  const orphans = [...waiting.values()];
  if (orphans.length > 0) {
    const more = orphans.length > 1 ? ` (and ${orphans.length - 1} more)` : '';
    throw new InputError(hypPath, orphans[0]!.line, `hypothesis id "${orphans[0]!.id}" has no reference in ${refPath}${more}`);
  }
  scorer.speakers.reorder(hypSpeakers);
  const result = scorer.result();
  if (hypOrder && result.alignments) {
    const at = (u: UtteranceScore): number => hypOrder.get(idKey(u.id)) ?? Number.MAX_SAFE_INTEGER;
    result.alignments.sort((a, b) => at(a) - at(b)); // stable: references without hypothesis stay in reference order, last
  }
  const bomFiles = [refReader, hypReader].filter((r) => r.bom).map((r) => r.path);
  return { ...result, ...(bomFiles.length ? { bomFiles } : {}), ...(speakerless.size ? { speakerlessIds: [...speakerless.values()] } : {}) };
}
