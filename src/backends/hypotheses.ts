import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { InputError } from '../manifest/errors.ts';
import { registerBackend } from './registry.ts';
import { codeVersion as moduleCodeVersion } from './code-version.ts';
import { BackendError, type AudioRef, type Backend, type BackendInfo, type Transcript, type WordTiming } from './types.ts';
import { OptionReader } from './options.ts';

export type HypothesesFormat = 'jsonl' | 'tsv' | 'trn';

export interface HypothesisEntry {
  text: string;
  words?: WordTiming[];
  /** 1-based line in the file, for messages. */
  line: number;
}

/** Format from the file name: .jsonl/.json → jsonl, .trn → trn, anything else → tsv. */
export function guessHypothesesFormat(file: string): HypothesesFormat {
  const ext = extname(file).toLowerCase();
  return ext === '.jsonl' || ext === '.json' || ext === '.ndjson' ? 'jsonl' : ext === '.trn' ? 'trn' : 'tsv';
}

function parseWords(v: unknown, file: string, line: number): WordTiming[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new InputError(file, line, '"words" must be a list of {word, start, end, confidence?}');
  return v.map((w, i) => {
    const x = w as Record<string, unknown>;
    if (typeof x?.word !== 'string' || typeof x.start !== 'number' || typeof x.end !== 'number') {
      throw new InputError(file, line, `words[${i}] must have a string "word" and numeric "start" and "end"`);
    }
    return { word: x.word, start: x.start, end: x.end, ...(typeof x.confidence === 'number' ? { confidence: x.confidence } : {}) };
  });
}

/**
 * How a file's key column becomes an utterance id. Vendors publish their transcripts keyed by the clip they were
 * given (the Artie bias corpus: `common_voice_en_18421078.wav`), manifests by utterance id:
 * - `as-is` (default): the key is the id;
 * - `basename`: the key's last path component (`clips/a.wav` → `a.wav`);
 * - `basename-without-extension`: that without its extension (`clips/a.wav` → `a`).
 * `idPrefix` is then prepended (e.g. `cv-` for ids written by `asrfair import commonvoice`).
 */
export type HypothesesIdFrom = 'as-is' | 'basename' | 'basename-without-extension';

export const ID_FROM_VALUES = ['as-is', 'basename', 'basename-without-extension'] as const;

export interface IdMapping {
  idFrom: HypothesesIdFrom;
  idPrefix: string;
}

/** The utterance id a key column value stands for under `mapping` (see HypothesesIdFrom). */
export function mapHypothesisId(key: string, mapping: IdMapping): string {
  let id = key;
  if (mapping.idFrom !== 'as-is') id = id.slice(Math.max(id.lastIndexOf('/'), id.lastIndexOf('\\')) + 1);
  if (mapping.idFrom === 'basename-without-extension') id = id.replace(/(?<=.)\.[^.]*$/, '');
  return id ? mapping.idPrefix + id : '';
}

/** Header names of a TSV's key and text columns, as vendors and toolkits publish them (lower case). */
const TSV_ID_HEADERS = new Set(['id', 'utt', 'uttid', 'utt_id', 'utterance_id', 'path', 'clip', 'file', 'filename', 'audio', 'key']);
const TSV_TEXT_HEADERS = new Set(['text', 'hyp', 'hypothesis', 'prediction', 'transcript', 'transcription', 'sentence']);

/**
 * Parses hypotheses keyed by utterance id: JSONL `{id, text|hyp, words?}`, TSV `key<TAB>text` (an optional header
 * such as `id<TAB>text` or the Artie corpus's `path<TAB>prediction` is skipped), or sclite trn `text (id)`.
 * Keys become ids through `mapping` (default: as written). Errors (InputError) name file and line; two rows for one
 * id are an error.
 */
export function parseHypotheses(content: string, file: string, format: HypothesesFormat, mapping: IdMapping = { idFrom: 'as-is', idPrefix: '' }): Map<string, HypothesisEntry> {
  const out = new Map<string, HypothesisEntry>();
  const add = (key: string, entry: HypothesisEntry) => {
    if (!key) throw new InputError(file, entry.line, 'empty utterance id');
    const id = mapHypothesisId(key, mapping);
    if (!id) throw new InputError(file, entry.line, `"${key}" gives an empty utterance id (idFrom: ${mapping.idFrom})`);
    const prev = out.get(id);
    const shown = id === key ? `"${id}"` : `"${id}" (from "${key}")`;
    if (prev) throw new InputError(file, entry.line, `duplicate id ${shown} (first on line ${prev.line})`);
    out.set(id, entry);
  };
  const lines = content.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (!raw.trim()) return;
    if (format === 'jsonl') {
      let obj: unknown;
      try {
        obj = JSON.parse(raw);
      } catch (e) {
        throw new InputError(file, line, `not valid JSON: ${(e as Error).message}`);
      }
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new InputError(file, line, 'expected a JSON object {"id": …, "text": …}');
      const o = obj as Record<string, unknown>;
      const id = o.id;
      const text = o.text ?? o.hyp;
      if (typeof id !== 'string' && typeof id !== 'number') throw new InputError(file, line, 'missing "id" (string)');
      if (typeof text !== 'string') throw new InputError(file, line, 'missing "text" (or "hyp") string');
      add(String(id), { text, words: parseWords(o.words, file, line), line });
    } else if (format === 'tsv') {
      if (line === 1) {
        const [a, b] = raw.split('\t').map((c) => c.trim().toLowerCase());
        if (TSV_ID_HEADERS.has(a) && b !== undefined && TSV_TEXT_HEADERS.has(b)) return; // header
      }
      const tab = raw.indexOf('\t');
      if (tab < 0) throw new InputError(file, line, 'expected "id<TAB>text"');
      add(raw.slice(0, tab).trim(), { text: raw.slice(tab + 1).trim(), line });
    } else {
      if (raw.trimStart().startsWith(';;')) return; // sclite comment
      const m = /^(.*?)\s*\(([^()]+)\)\s*$/.exec(raw);
      if (!m) throw new InputError(file, line, 'expected trn "text (id)"');
      add(m[2].trim(), { text: m[1].trim(), line });
    }
  });
  return out;
}

export interface HypothesesOptions {
  file: string;
  format: HypothesesFormat;
  name: string;
  /** Key column → utterance id (default as-is, no prefix). */
  mapping?: IdMapping;
}

/**
 * Transcripts produced elsewhere, looked up by utterance id (AudioRef.id), not by audio content.
 * The result store keys rows by (backend key, condition, audio sha256); the backend key carries the file's content hash,
 * so editing the file makes a new key. Two utterances with byte-identical audio but different hypotheses would share a
 * cache row, so `keyByUtteranceId` makes the run engine key its rows by utterance id as well.
 * Conditions (perturbations) do not change a precomputed hypothesis.
 */
export class HypothesesBackend implements Backend {
  readonly key: string;
  /** This module's code version (Backend.codeVersion). */
  readonly codeVersion = moduleCodeVersion(['backends/hypotheses.ts']);
  /** Results depend on AudioRef.id, not on the audio bytes (see class comment). */
  readonly keyByUtteranceId = true;
  /** Reading the file again costs nothing: no lease (Backend.readsStoredAnswers). */
  readonly readsStoredAnswers = true;
  /** Answers come from the file by id: the audio is never read. */
  readonly needsAudio = false;
  private readonly entries: Map<string, HypothesisEntry>;
  readonly contentSha256: string;

  constructor(readonly options: HypothesesOptions) {
    let content: Buffer;
    try {
      content = readFileSync(options.file);
    } catch (e) {
      throw new InputError(options.file, undefined, `cannot read hypotheses file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    this.contentSha256 = createHash('sha256').update(content).digest('hex');
    const mapping = options.mapping ?? { idFrom: 'as-is', idPrefix: '' };
    this.entries = parseHypotheses(content.toString('utf8'), options.file, options.format, mapping);
    // The id mapping changes which utterance gets which answer, so a non-default one is part of the key.
    const mapTag = mapping.idFrom === 'as-is' && !mapping.idPrefix ? '' : `:${createHash('sha256').update(`${mapping.idFrom}\0${mapping.idPrefix}`).digest('hex').slice(0, 8)}`;
    this.key = `hypotheses:${options.name}:${this.contentSha256.slice(0, 12)}${mapTag}`;
  }

  /** Rows whose (mapped) id is not in `seen`, in file order: answers for utterances the manifest lacks. */
  unmatchedEntries(seen: ReadonlySet<string>): { file: string; line: number; id: string }[] {
    const out: { file: string; line: number; id: string }[] = [];
    for (const [id, e] of this.entries) if (!seen.has(id)) out.push({ file: this.options.file, line: e.line, id });
    return out.sort((a, b) => a.line - b.line);
  }

  /** Whether the file answers utterance `id`. */
  has(id: string): boolean {
    return this.entries.has(id);
  }

  get size(): number {
    return this.entries.size;
  }

  async info(): Promise<BackendInfo> {
    return {
      name: 'hypotheses',
      version: `sha256:${this.contentSha256.slice(0, 12)}`,
      model: this.options.name,
      capabilities: { wordTimes: [...this.entries.values()].some((e) => e.words), confidences: false, phones: false, glassBox: false, remote: false },
    };
  }

  estimateCostUsd(): number {
    return 0;
  }

  async transcribe(audio: AudioRef): Promise<Transcript> {
    const e = this.entries.get(audio.id);
    if (!e) throw new BackendError(`no hypothesis for id ${audio.id} in ${this.options.file}`, false);
    return { text: e.text, ...(e.words ? { words: e.words } : {}), raw: { file: basename(this.options.file), line: e.line } };
  }
}

registerBackend({
  type: 'hypotheses',
  description:
    'Transcripts produced elsewhere (JSONL {id,text|hyp}, TSV key<TAB>text as vendors publish them, e.g. path<TAB>prediction, or sclite trn "text (id)"), looked up by utterance id; answers utterances without audio too',
  options: {
    file: 'hypotheses file (relative to the suite file)',
    format: 'jsonl, tsv or trn (default: from the extension; .trn → trn, .jsonl/.json → jsonl, else tsv)',
    name: 'model name shown in reports (default: file name)',
    idFrom: 'key column → utterance id: as-is (default), basename, or basename-without-extension (clips/a.wav → a)',
    idPrefix: 'prepended to every mapped id (e.g. cv- for ids written by asrfair import commonvoice)',
  },
  async create(options, ctx) {
    const r = new OptionReader('hypotheses', options);
    r.rejectUnknown(['file', 'format', 'name', 'idFrom', 'idPrefix']);
    const rel = r.string('file');
    if (!rel) throw new Error('hypotheses backend: option "file" is required');
    const file = resolve(ctx.baseDir, rel);
    const format = r.oneOf('format', ['jsonl', 'tsv', 'trn'] as const, guessHypothesesFormat(file));
    const mapping: IdMapping = { idFrom: r.oneOf('idFrom', ID_FROM_VALUES, 'as-is'), idPrefix: r.string('idPrefix', '') };
    return new HypothesesBackend({ file, format, name: r.string('name', basename(file)), mapping });
  },
});
