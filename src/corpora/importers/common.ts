import { readFile, stat } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { InputError } from '../../manifest/errors.ts';
import { LabelMapper } from '../../manifest/labelmap.ts';
import { UtteranceSchema, type Utterance } from '../../manifest/schema.ts';

export interface ImportContext {
  /** Manifest being written: audio paths are made relative to its folder. */
  out: string;
  labels: LabelMapper;
  /** Kaldi: run piped wav.scp commands (off by default: they execute arbitrary shell). */
  allowPipes?: boolean;
  /** Common Voice / EdAcc: which split (TSV name / sub-folder) to import. */
  split?: string;
  /** Generic CSV/TSV/JSONL: manifest field → source column. */
  columns?: Record<string, string>;
  /** Kaldi: folder relative wav.scp paths are resolved against (default: found the Kaldi way, see kaldi.ts). */
  root?: string;
  /** Language of the references (ISO 639-1) for formats whose layout does not say it (kaldi, csv, tsv, jsonl). */
  language?: string;
  /** CORAAL: also import interviewer turns (labelled `role: interviewer`); excluded by default. */
  includeInterviewers?: boolean;
  /** Non-fatal notes (skipped rows, files without audio); `kind` groups them in the summary. */
  warn(message: string, kind?: string): void;
  /** Counts something the import did on purpose (rows that are only markup, excluded interviewer turns): said once, with its total. */
  tally?(what: string, n?: number): void;
  /**
   * A fact about the import worth saying once (e.g. which folder relative paths were resolved from). It also goes
   * into the import record, and so into cards, unless `local` (it names local paths, which a card must not carry).
   */
  note?(message: string, local?: boolean): void;
  /** An audio file the corpus names that does not exist (`message` names file:line and the path): warned and counted. */
  missingAudio?(message: string, kind?: string): void;
  /** The corpus recognised within the format (e.g. `artie-bias-corpus` in Common Voice layout), for the import record. */
  corpus?(name: string): void;
  /** What the groups are when they are not self-declared labels (e.g. CORAAL's community/site), for the card. */
  groupsNote?(message: string): void;
}

/** One imported utterance plus where it came from (for error messages). */
export interface Imported {
  utt: Utterance;
  file: string;
  line?: number;
}

export type Importer = (input: string, ctx: ImportContext) => AsyncIterable<Imported>;

/** Audio path as stored in the manifest: relative to the manifest's folder, with forward slashes. */
export function manifestAudioPath(ctx: ImportContext, absAudio: string): string {
  return relative(dirname(resolve(ctx.out)), resolve(absAudio)).split(sep).join('/');
}

/** Validates an utterance built by an importer; a failure names the source file and line. */
export function checked(utt: Record<string, unknown>, file: string, line?: number): Imported {
  const r = UtteranceSchema.safeParse(utt);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(row)'}: ${i.message}`).join('; ');
    throw new InputError(file, line, `cannot make an utterance${typeof utt.id === 'string' ? ` (id ${utt.id})` : ''}: ${issues}`);
  }
  return { utt: r.data as Utterance, file, line };
}

export async function readText(file: string, what: string): Promise<string> {
  try {
    const buf = await readFile(file);
    const text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(file, undefined, `${what} not found`);
    if (e instanceof TypeError) throw new InputError(file, undefined, `${what} is not valid UTF-8`);
    throw new InputError(file, undefined, `cannot read ${what} (${code ?? (e as Error).message})`);
  }
}

export async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

export async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

export interface Row {
  /** 1-based line where the row starts. */
  line: number;
  fields: string[];
}

/**
 * Parses delimited text. TSV: one row per line, no quoting (Common Voice, CORAAL, Kaldi style).
 * CSV: RFC 4180 quoting, fields may span lines. Blank lines are skipped.
 */
export function parseDelimited(text: string, delimiter: '\t' | ','): Row[] {
  const rows: Row[] = [];
  if (delimiter === '\t') {
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i].replace(/\r$/, '');
      if (l.trim() === '') continue;
      rows.push({ line: i + 1, fields: l.split('\t') });
    }
    return rows;
  }
  let line = 1;
  let rowLine = 1;
  let field = '';
  let fields: string[] = [];
  let quoted = false;
  let i = 0;
  const endRow = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0].trim() === '')) rows.push({ line: rowLine, fields });
    fields = [];
    field = '';
  };
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
      i++;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n') {
      endRow();
      line++;
      rowLine = line;
    } else if (c !== '\r') field += c;
    i++;
  }
  if (quoted) throw new Error(`unterminated quoted field starting on line ${rowLine}`);
  if (field !== '' || fields.length) endRow();
  return rows;
}

/** A header-indexed table; `get` names the file and line when a required column is missing. */
export class Table {
  readonly columns: string[];
  readonly rows: Row[];
  private readonly index: Map<string, number>;
  constructor(
    readonly file: string,
    text: string,
    delimiter: '\t' | ',',
    opts: { strictWidth?: boolean } = {},
  ) {
    let all: Row[];
    try {
      all = parseDelimited(text, delimiter);
    } catch (e) {
      throw new InputError(file, undefined, (e as Error).message);
    }
    if (all.length === 0) throw new InputError(file, 1, 'file has no header row');
    this.columns = all[0].fields.map((c) => c.trim());
    this.index = new Map(this.columns.map((c, i) => [c, i] as [string, number]));
    this.rows = all.slice(1);
    if (opts.strictWidth) {
      for (const r of this.rows) {
        if (r.fields.length !== this.columns.length) {
          throw new InputError(file, r.line, `expected ${this.columns.length} ${delimiter === '\t' ? 'tab' : 'comma'}-separated fields (as in the header), found ${r.fields.length}`);
        }
      }
    }
  }
  has(col: string): boolean {
    return this.index.has(col);
  }
  /** First column whose name matches. */
  find(re: RegExp, except?: RegExp): string | undefined {
    return this.columns.find((c) => re.test(c) && !(except && except.test(c)));
  }
  require(...cols: string[]): void {
    const missing = cols.filter((c) => !this.index.has(c));
    if (missing.length) throw new InputError(this.file, 1, `missing column(s) ${missing.join(', ')} (header has: ${this.columns.join(', ')})`);
  }
  get(row: Row, col: string): string | undefined {
    const i = this.index.get(col);
    return i === undefined ? undefined : row.fields[i];
  }
}

/** Kaldi-style "key rest-of-line" files; returns key → {value, line}. Duplicate keys are an error. */
export async function readKeyed(file: string, what: string): Promise<Map<string, { value: string; line: number }>> {
  const text = await readText(file, what);
  const out = new Map<string, { value: string; line: number }>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].replace(/\r$/, '').trim();
    if (!l) continue;
    const m = /^(\S+)(?:\s+(.*))?$/.exec(l)!;
    if (out.has(m[1])) throw new InputError(file, i + 1, `duplicate key "${m[1]}" (first on line ${out.get(m[1])!.line})`);
    out.set(m[1], { value: (m[2] ?? '').trim(), line: i + 1 });
  }
  return out;
}
