/**
 * A NIST STM reference file as a run input (issue 11): one manifest utterance per STM segment, and the
 * hypotheses of a CTM file cut into the same segments the way sclite cuts them, so `asrfair run` and `report`
 * give sclite's `lur` numbers as a grouped fairness table with intervals.
 *
 * STM: `file channel speaker begin end [<label,label>] transcript` (SCTK `sclite(1)`, src/score/stm.ts).
 * - Utterance id: `<file>_<channel>_<nnnn>`, nnnn the segment's index within its file and channel in file
 *   order (counting ignored segments, so ids stay put when a segment is marked ignored). File/channel pairs
 *   whose `<file>_<channel>` collide (`x_A 1`, `x A_1`) percent-encode `%` and `_` in both names (stmIdOf).
 * - Speaker: the STM speaker, lower-cased as sclite folds it (`-s` aside). Segment times → `start`/`end`.
 * - Labels `<O,F0,M>` become declared attributes, by position: the i-th label goes to the i-th key of
 *   `labelKeys` (`--label-keys overall,focus,sex`; more labels than keys is an error), else to the i-th
 *   `;; CATEGORY "id" "title" ""` header line's title in snake case (NIST Hub-4 STMs: "0" "" → `category_0`
 *   for the Overall label, "Hub4 Focus Conditions", "Speaker Sex"; SCTK's lvc_ref.stm: "Alternations"),
 *   else `label<i>`. The value is the label id as written, passed through the label map (`--labels`) like
 *   any declared value (the raw id kept as `<key>_raw`).
 * - `IGNORE_TIME_SEGMENT_IN_SCORING` segments are left out and counted (sclite scores neither them nor the
 *   hypothesis words that fall in them).
 * - A segment without words is kept with the reference `@`, sclite's empty word (a manifest reference cannot
 *   be empty; hypothesis words there are insertions, as sclite counts them), and counted.
 * Every error names file:line (the STM reader's, a label without a key, two labels for one key).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { InputError } from '../manifest/errors.ts';
import { checked, type Imported, type ImportContext } from '../corpora/importers/common.ts';
import { readStm, type Stm, type StmSegment } from '../score/stm.ts';
import { isIgnoredSegment } from '../score/longform.ts';

/** sclite folds file, channel and speaker names to lower case unless `-s`. */
export const stmFold = (s: string): string => s.toLowerCase();

/** `%` and `_` percent-encoded (`%25`, `%5F`): a name that cannot hold the id's separator. */
const encodeIdPart = (s: string): string => s.replace(/%/g, '%25').replace(/_/g, '%5F');

/**
 * Manifest id of the `index`-th segment (file order) of its file and channel: `<file>_<channel>_<nnnn>`,
 * or, when `encoded`, with `%` and `_` inside the file and channel names percent-encoded
 * (`x_A 1` → `x%5FA_1_0000`), which no two file/channel pairs share. See {@link stmIdOf}.
 */
export function stmSegmentId(seg: Pick<StmSegment, 'file' | 'channel'>, index: number, encoded = false): string {
  const [file, channel] = encoded ? [encodeIdPart(seg.file), encodeIdPart(seg.channel)] : [seg.file, seg.channel];
  return `${file}_${channel}_${String(index).padStart(4, '0')}`;
}

/**
 * The id of every segment of an STM, collision-free and predictable: `<file>_<channel>_<nnnn>` as
 * before, except for file/channel pairs whose `<file>_<channel>` another pair also gives (`x_A 1` and
 * `x A_1` both give `x_A_1`): those pairs, and only those, get the percent-encoded form
 * (`x%5FA_1_0000`, `x_A%5F1_0000`); a pair whose plain id would equal an encoded one is encoded too.
 * The digits after the last `_` never hold `_`, so two pairs with different prefixes never share an id.
 * Both `import stm` and the `ctm` backend take ids from here, so they agree. Returns (channel key,
 * index within it) → id.
 */
export function stmIdOf(stm: Stm): (key: string, seg: StmSegment, index: number) => string {
  const encoded = new Set<string>();
  for (;;) {
    const owners = new Map<string, Set<string>>();
    for (const [key, segs] of stm.channels) {
      for (const seg of segs) {
        const prefix = stmSegmentId(seg, 0, encoded.has(key));
        let o = owners.get(prefix);
        if (!o) owners.set(prefix, (o = new Set()));
        o.add(key);
      }
    }
    let changed = false;
    for (const keys of owners.values()) {
      if (keys.size < 2) continue;
      for (const k of keys) if (!encoded.has(k)) changed = (encoded.add(k), true);
    }
    if (!changed) break;
  }
  return (key, seg, index) => stmSegmentId(seg, index, encoded.has(key));
}

/**
 * Keys of the label positions from the `;; CATEGORY "id" "title" "desc"` header lines, in file order: the
 * title in snake case, or `category_<id>` when the title is empty (the Overall label's category).
 */
export function stmCategoryKeys(path: string): string[] {
  const keys: string[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const c = /^\s*;;\s*CATEGORY\s+"([^"]*)"\s+"([^"]*)"/.exec(line);
    if (!c) continue;
    const slug = c[2]!.trim().toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '_').replace(/^_+|_+$/g, '');
    keys.push(slug || `category_${c[1]!.trim().replace(/[^\p{L}\p{N}]+/gu, '_') || keys.length}`);
  }
  return keys;
}

export interface StmImportOptions {
  /** Keys for the segment labels by position (`--label-keys`); default: from the header lines. */
  labelKeys?: string[];
  /** `corpus` of every utterance (default: the STM file name without extension). */
  corpus?: string;
}

/** The segments of a read STM with their ids, in file order per file and channel. */
export function stmSegmentsWithIds(stm: Stm): { id: string; seg: StmSegment }[] {
  const out: { id: string; seg: StmSegment }[] = [];
  const idOf = stmIdOf(stm);
  for (const [key, segs] of stm.channels) segs.forEach((seg, i) => out.push({ id: idOf(key, seg, i), seg }));
  return out;
}

/** An importer (src/corpora/importers) of an STM file: see the top of this file. */
export function stmImporter(opts: StmImportOptions = {}): (input: string, ctx: ImportContext) => AsyncIterable<Imported> {
  return async function* (input: string, ctx: ImportContext): AsyncIterable<Imported> {
    const stm = await readStm(input, stmFold);
    const keys = opts.labelKeys ?? stmCategoryKeys(input);
    const corpus = opts.corpus ?? basename(input).replace(/\.[^.]*$/, '');
    let empty = 0;
    for (const { id, seg } of stmSegmentsWithIds(stm)) {
      if (isIgnoredSegment(seg.text)) {
        ctx.tally?.('IGNORE_TIME_SEGMENT_IN_SCORING segments (not scored, as in sclite)');
        continue;
      }
      const labels: Record<string, string> = {};
      seg.labels.forEach((label, i) => {
        if (opts.labelKeys && i >= opts.labelKeys.length) {
          throw new InputError(input, seg.line, `segment has ${seg.labels.length} labels <${seg.labels.join(',')}> but --label-keys names ${opts.labelKeys.length}`);
        }
        ctx.labels.assign(labels, keys[i] ?? `label${i + 1}`, label);
      });
      let text = seg.text.trim();
      if (text === '') {
        text = '@';
        empty++;
      }
      yield checked({ id, text, speaker: seg.speaker, start: seg.begin, end: seg.end, labels, corpus }, input, seg.line);
    }
    if (empty) ctx.note?.(`${empty} segment(s) without reference words kept with the reference "@" (sclite's empty word): their hypothesis words are insertions, as in sclite`);
  };
}
