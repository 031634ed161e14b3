import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { InputError } from '../manifest/errors.ts';
import { registerBackend } from './registry.ts';
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

/** Parses hypotheses keyed by utterance id. Errors name file and line; duplicate ids are an error. */
export function parseHypotheses(content: string, file: string, format: HypothesesFormat): Map<string, HypothesisEntry> {
  const out = new Map<string, HypothesisEntry>();
  const add = (id: string, entry: HypothesisEntry) => {
    if (!id) throw new InputError(file, entry.line, 'empty utterance id');
    const prev = out.get(id);
    if (prev) throw new InputError(file, entry.line, `duplicate id "${id}" (first on line ${prev.line})`);
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
      if (line === 1 && /^id\t(text|hyp|hypothesis)\s*$/i.test(raw)) return; // header
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
  /** Results depend on AudioRef.id, not on the audio bytes (see class comment). */
  readonly keyByUtteranceId = true;
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
    this.entries = parseHypotheses(content.toString('utf8'), options.file, options.format);
    this.key = `hypotheses:${options.name}:${this.contentSha256.slice(0, 12)}`;
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
  description: 'Transcripts produced elsewhere (JSONL {id,text|hyp}, TSV id<TAB>text, or sclite trn "text (id)"), looked up by utterance id',
  options: {
    file: 'hypotheses file (relative to the suite file)',
    format: 'jsonl, tsv or trn (default: from the extension; .trn → trn, .jsonl/.json → jsonl, else tsv)',
    name: 'model name shown in reports (default: file name)',
  },
  async create(options, ctx) {
    const r = new OptionReader('hypotheses', options);
    r.rejectUnknown(['file', 'format', 'name']);
    const rel = r.string('file');
    if (!rel) throw new Error('hypotheses backend: option "file" is required');
    const file = resolve(ctx.baseDir, rel);
    const format = r.oneOf('format', ['jsonl', 'tsv', 'trn'] as const, guessHypothesesFormat(file));
    return new HypothesesBackend({ file, format, name: r.string('name', basename(file)) });
  },
});
