import { createReadStream, createWriteStream, statSync, type WriteStream } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { once } from 'node:events';
import { TextDecoder } from 'node:util';
import { UtteranceSchema, type ManifestEntry, type Utterance } from './schema.ts';
import { InputError } from './errors.ts';

export interface ReadOptions {
  /** Stop at the first invalid line (default) or collect errors and keep going. */
  onError?: (err: InputError) => void;
}

/** Longest line (bytes, without its newline) the line reader accepts: 256 MiB. Longer lines are an error naming the line. */
export const MAX_LINE_BYTES = 256 * 1024 * 1024;

export interface LineOptions {
  /** Called for a bad line (invalid UTF-8, too long) and reading goes on; without it the error is thrown. */
  onError?: (err: InputError) => void;
  /** Default MAX_LINE_BYTES. */
  maxLineBytes?: number;
}

/**
 * Streams lines of a UTF-8 text file with 1-based line numbers, never holding the whole file. Linear in
 * the file size whatever the line lengths: each byte is scanned for a newline once and copied at most
 * twice (a 50 MB line takes well under a second). Invalid UTF-8 or a line over `maxLineBytes` is an
 * InputError naming the line; with `onError` it is reported and the following lines are still read.
 */
export async function* readLines(file: string, opts: LineOptions = {}): AsyncGenerator<{ line: number; text: string }> {
  const max = opts.maxLineBytes ?? MAX_LINE_BYTES;
  // A read error (EISDIR, EIO) from the stream carries no path: name the file ourselves.
  if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) throw new InputError(file, undefined, 'is a folder, not a file');
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  stream.on('error', (e: NodeJS.ErrnoException) => void (e.path ??= file));
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let parts: Buffer[] = [];
  let partsLen = 0;
  let tooLong = false;
  let lineNo = 0;
  const fail = (err: InputError): void => {
    if (!opts.onError) throw err;
    opts.onError(err);
  };
  const finish = (tail: Buffer): string | undefined => {
    const wasTooLong = tooLong || partsLen + tail.length > max;
    const bytes = wasTooLong ? undefined : parts.length ? Buffer.concat([...parts, tail], partsLen + tail.length) : tail;
    parts = [];
    partsLen = 0;
    tooLong = false;
    if (!bytes) {
      fail(new InputError(file, lineNo, `line is longer than the maximum of ${max} bytes`));
      return undefined;
    }
    try {
      return decoder.decode(bytes).replace(/\r$/, '');
    } catch {
      fail(new InputError(file, lineNo, 'line is not valid UTF-8'));
      return undefined;
    }
  };
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let start = 0;
    let nl: number;
    while ((nl = chunk.indexOf(0x0a, start)) !== -1) {
      lineNo++;
      const text = finish(chunk.subarray(start, nl));
      if (text !== undefined) yield { line: lineNo, text };
      start = nl + 1;
    }
    if (start < chunk.length && !tooLong) {
      parts.push(Buffer.from(chunk.subarray(start)));
      partsLen += chunk.length - start;
      if (partsLen > max) {
        tooLong = true;
        parts = [];
      }
    }
  }
  if (partsLen > 0 || tooLong) {
    lineNo++;
    const text = finish(Buffer.alloc(0));
    if (text !== undefined) yield { line: lineNo, text };
  }
}

/** One JSONL line's value; InputError naming the file and line when it is not valid JSON. */
export function parseJsonLine(text: string, file: string, line: number): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(file, line, `not valid JSON (${(e as Error).message})`);
  }
}

/** Parses and validates one manifest line. */
export function parseManifestLine(text: string, file: string, line: number): ManifestEntry {
  const json = parseJsonLine(text, file, line);
  const parsed = UtteranceSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `${i.path.length ? i.path.join('.') : '(line)'}: ${i.message}`)
      .join('; ');
    const id = typeof (json as { id?: unknown })?.id === 'string' ? ` (id ${(json as { id: string }).id})` : '';
    throw new InputError(file, line, `invalid utterance${id}: ${issues}`);
  }
  const u = parsed.data as Utterance;
  if (u.audio === undefined) return { ...u, audioPath: '', source: { file, line } };
  const audioPath = isAbsolute(u.audio) ? u.audio : resolve(dirname(resolve(file)), u.audio);
  return { ...u, audioPath, source: { file, line } };
}

/**
 * Streams validated entries of a JSONL manifest. Blank lines and lines starting with `#` are skipped.
 * Duplicate ids are an error naming both lines. Memory grows only with the id set, not the file.
 */
export async function* readManifest(file: string, opts: ReadOptions = {}): AsyncGenerator<ManifestEntry> {
  const seen = new Map<string, number>();
  for await (const { line, text } of readLinesSafe(file, opts)) {
    if (text.trim() === '' || text.trimStart().startsWith('#')) continue;
    let entry: ManifestEntry;
    try {
      entry = parseManifestLine(text, file, line);
    } catch (e) {
      if (e instanceof InputError && opts.onError) {
        opts.onError(e);
        continue;
      }
      throw e;
    }
    const prev = seen.get(entry.id);
    if (prev !== undefined) {
      const err = new InputError(file, line, `duplicate id "${entry.id}" (first seen on line ${prev})`);
      if (opts.onError) {
        opts.onError(err);
        continue;
      }
      throw err;
    }
    seen.set(entry.id, line);
    yield entry;
  }
}

async function* readLinesSafe(file: string, opts: ReadOptions) {
  const gen = readLines(file, { onError: opts.onError });
  while (true) {
    let r: IteratorResult<{ line: number; text: string }>;
    try {
      r = await gen.next();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new InputError(file, undefined, 'manifest file not found');
      throw e;
    }
    if (r.done) return;
    yield r.value;
  }
}

/** Reads a whole manifest into memory (for small corpora and tests). */
export async function loadManifest(file: string): Promise<ManifestEntry[]> {
  const out: ManifestEntry[] = [];
  for await (const e of readManifest(file)) out.push(e);
  return out;
}

/** Writes utterances as JSONL, one per line, dropping the runtime-only fields. */
export class ManifestWriter {
  private readonly stream: WriteStream;
  /** A write error (full disk, unwritable place): thrown by the next write/close, never unhandled. */
  private error: Error | undefined;
  constructor(readonly file: string) {
    this.stream = createWriteStream(file, { encoding: 'utf8' });
    // Node's write errors carry no path: name the file (a partial file's final name, see output.ts).
    this.stream.on('error', (e: NodeJS.ErrnoException) => void (this.error ??= Object.assign(e, { path: e.path ?? file.replace(/\.partial$/, '') })));
  }
  async write(u: Utterance | ManifestEntry): Promise<void> {
    if (this.error) throw this.error;
    const { audioPath: _a, source: _s, ...plain } = u as ManifestEntry;
    if (!this.stream.write(JSON.stringify(plain) + '\n')) await once(this.stream, 'drain');
  }
  async close(): Promise<void> {
    if (this.error || this.stream.destroyed) {
      this.stream.destroy();
      if (this.error) throw this.error;
      return;
    }
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

export async function writeManifest(file: string, utts: Iterable<Utterance>): Promise<void> {
  const w = new ManifestWriter(file);
  for (const u of utts) await w.write(u);
  await w.close();
}

