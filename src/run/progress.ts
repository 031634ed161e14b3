import cliProgress from 'cli-progress';
import { escapeControl } from '../manifest/escape.ts';

export type Outcome = 'cached' | 'ok' | 'failed' | 'skipped';

/**
 * Where the engine reports progress. `log` takes one line or a block of lines (split at LF); `warn` one warning,
 * printed as `asrfair: warning: <text>`. Every sink shows control characters of what it prints (ESC, CR, bidi
 * overrides: ids, paths and error texts come from the user's files and backends) as visible escapes (`\x1b`).
 */
export interface ProgressSink {
  start(total: number): void;
  tick(outcome: Outcome): void;
  log(line: string): void;
  warn(text: string): void;
  stop(): void;
}

export const silentProgress: ProgressSink = { start() {}, tick() {}, log() {}, warn() {}, stop() {} };

/** `text` split at LF (a trailing LF dropped), each line with every control character escaped (`escapeControl`). */
export function escapedLines(text: string): string[] {
  return text.replace(/\n$/, '').split('\n').map((l) => escapeControl(l));
}

/** The text of a warning line, as the CLI's `warnLine` prints it (before escaping). */
export function warningText(text: string): string {
  return `asrfair: warning: ${text}`;
}

interface Tally {
  done: number;
  cached: number;
  ok: number;
  failed: number;
  skipped: number;
}

function newTally(): Tally {
  return { done: 0, cached: 0, ok: 0, failed: 0, skipped: 0 };
}

function fmtEta(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return '?';
  const h = Math.floor(sec / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const s = Math.floor(sec % 60);
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
}

/** A cli-progress bar with ETA and throughput (for a TTY). */
export class BarProgress implements ProgressSink {
  private bar = new cliProgress.SingleBar(
    {
      format: ' {bar} {percentage}% | {value}/{total} results | {rate}/s | ETA {eta_formatted} | ok {ok} cached {cached} failed {failed} not stored {skipped}',
      hideCursor: true,
      etaBuffer: 200,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  private t = newTally();
  private t0 = 0;
  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  start(total: number): void {
    this.t0 = performance.now();
    this.bar.start(total, 0, { ...this.t, rate: '0.0' });
  }
  tick(outcome: Outcome): void {
    this.t.done++;
    this.t[outcome]++;
    const rate = (this.t.ok + this.t.failed) / Math.max(1e-3, (performance.now() - this.t0) / 1000);
    this.bar.update(this.t.done, { ...this.t, rate: rate.toFixed(1) });
  }
  log(line: string): void {
    // cli-progress redraws over the line; print above it (our own \r ESC [K, then the escaped text).
    for (const l of escapedLines(line)) this.stream.write(`\r\x1b[K${l}\n`);
  }
  warn(text: string): void {
    this.log(warningText(text));
  }
  stop(): void {
    this.bar.stop();
  }
}

/**
 * Plain periodic log lines (for CI logs and pipes): `progress: done/total results (…%) ok … cached … failed …
 * not stored …`, a result being one utterance × condition × backend; done = ok + cached + failed + not stored
 * (stopped in flight by an interrupt or the budget, or a dry run's item to do).
 */
export class LineProgress implements ProgressSink {
  private t = newTally();
  private total = 0;
  private t0 = 0;
  private last = 0;
  constructor(
    private readonly write: (s: string) => void = (s) => process.stderr.write(s),
    private readonly everyMs = 10_000,
  ) {}

  start(total: number): void {
    this.total = total;
    this.t0 = this.last = performance.now();
    this.write(`progress: 0/${total}\n`);
  }
  tick(outcome: Outcome): void {
    this.t.done++;
    this.t[outcome]++;
    const now = performance.now();
    if (now - this.last >= this.everyMs) {
      this.last = now;
      this.line(now);
    }
  }
  private line(now: number): void {
    const elapsed = (now - this.t0) / 1000;
    const rate = this.t.done / Math.max(1e-3, elapsed);
    const eta = this.total > this.t.done ? (this.total - this.t.done) / rate : 0;
    this.write(
      `progress: ${this.t.done}/${this.total} results (${((100 * this.t.done) / Math.max(1, this.total)).toFixed(1)}%) ` +
        `ok ${this.t.ok} cached ${this.t.cached} failed ${this.t.failed} not stored ${this.t.skipped} | ${rate.toFixed(1)}/s | ETA ${fmtEta(eta)}\n`,
    );
  }
  log(line: string): void {
    for (const l of escapedLines(line)) this.write(`${l}\n`);
  }
  warn(text: string): void {
    this.log(warningText(text));
  }
  stop(): void {
    this.line(performance.now());
  }
}
