import { escapeControl } from './escape.ts';

/** One input that could not be used: where it is declared (manifest file and line) and why. */
export interface BadInput {
  /** The file that declares it (a manifest, a wav.scp), as the user gave it. */
  file: string;
  /** 1-based line in `file`, when known. */
  line?: number;
  /** What is wrong, naming the input itself, e.g. `utterance u1: audio clips/a.wav: file not found`. */
  message: string;
}

/**
 * Reports bad inputs on stderr as they are found, one line each naming the file and line
 * (`asrfair: m.jsonl:12: utterance u1: audio clips/a.wav: file not found`), up to `limit` lines; the rest are
 * counted and `finish` closes with `asrfair: … and N more <noun>s (see FILE)`. The same input reported twice (same
 * location and message, e.g. once per backend) is one line. Lines are escaped (terminal control characters).
 */
export class BadInputLog {
  private readonly seen = new Set<string>();
  private shown = 0;
  private hidden = 0;

  constructor(
    private readonly write: (line: string) => void,
    readonly limit = 10,
    /** What bad inputs are called in the closing line: singular and plural, e.g. `['bad audio file', 'bad audio files']`. */
    readonly noun: readonly [string, string] = ['bad input', 'bad inputs'],
  ) {}

  /** Records one bad input; prints it while fewer than `limit` were printed. */
  add(b: BadInput): void {
    const where = b.line === undefined ? b.file : `${b.file}:${b.line}`;
    const key = `${where}\u0000${b.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (this.shown < this.limit) {
      this.shown++;
      this.write(escapeControl(`asrfair: ${where}: ${b.message}`));
    } else this.hidden++;
  }

  /** Distinct bad inputs recorded (printed or not). */
  get count(): number {
    return this.seen.size;
  }

  /** Prints `asrfair: … and N more <noun>s (see <see>)` when some were not printed; `see` says where all are listed. */
  finish(see: string): void {
    if (this.hidden) this.write(escapeControl(`asrfair: … and ${this.hidden} more ${this.noun[this.hidden === 1 ? 0 : 1]} (see ${see})`));
    this.hidden = 0;
  }
}
