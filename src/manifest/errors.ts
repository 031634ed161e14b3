/** An input problem tied to a file (and line, when known). The message always names the location. */
export class InputError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly detail: string,
  ) {
    super(`${line === undefined ? file : `${file}:${line}`}: ${detail}`);
    this.name = 'InputError';
  }
}
/**
 * Several input problems found at once (e.g. every schema error of a suite): the message holds one
 * line per problem, each naming file:line; the CLI prints each on its own line.
 */
export class InputErrors extends InputError {
  constructor(readonly errors: readonly InputError[]) {
    super(errors[0].file, errors[0].line, errors[0].detail);
    this.message = errors.map((e) => e.message).join('\n');
  }
}

/** A wrong flag combination or argument: printed without a stack, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * A child process (ffmpeg, a decoder, a synthesiser) ended by SIGINT/SIGTERM/SIGKILL or by its own handling of
 * one: the user interrupted the command (a terminal's Ctrl-C reaches the whole process group), or asrfair
 * stopped its children. Not a fault of the input: whatever the child was working on must not be recorded as
 * a failure (the rerun does it).
 */
export class InterruptedError extends Error {
  constructor(
    /** The program that was stopped, e.g. `ffmpeg`. */
    readonly program: string,
    /** The signal's name, e.g. `SIGINT`. */
    readonly signal: string,
  ) {
    super(`${program} was stopped by ${signal}`);
    this.name = 'InterruptedError';
  }
}

const SIGNAL_NAMES: Record<number, string> = { 1: 'SIGHUP', 2: 'SIGINT', 9: 'SIGKILL', 15: 'SIGTERM' };

/**
 * The signal that ended a child process, from what Node or fluent-ffmpeg say about it: an error's `signal`
 * (child_process.execFile), fluent-ffmpeg's "was killed with signal SIGINT", or ffmpeg's own "Exiting normally,
 * received signal 2." (ffmpeg traps SIGINT/SIGTERM and exits 255, see ffmpeg's `sigterm_handler`). Undefined
 * when the error says nothing of a signal. Only the signals of an interruption count (HUP, INT, KILL, TERM).
 */
export function interruptingSignal(e: unknown): string | undefined {
  if (e instanceof InterruptedError) return e.signal;
  const err = e as { signal?: unknown; message?: unknown } | null;
  if (typeof err?.signal === 'string' && Object.values(SIGNAL_NAMES).includes(err.signal)) return err.signal;
  const msg = typeof err?.message === 'string' ? err.message : '';
  const named = /killed with signal (SIG[A-Z]+)/.exec(msg)?.[1];
  if (named && Object.values(SIGNAL_NAMES).includes(named)) return named;
  const num = /received signal (\d+)/.exec(msg)?.[1];
  return num ? SIGNAL_NAMES[Number(num)] : undefined;
}
