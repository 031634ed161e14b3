import { Command, CommanderError } from 'commander';
import { registrarsFor } from './commands/index.ts';
import { InputError, InputErrors } from '../manifest/errors.ts';
import { scrubString } from '../backends/secrets.ts';
import { VERSION } from './version.ts';
import { escapeControl } from '../manifest/escape.ts';
import { FS_REASONS } from '../manifest/output.ts';
import { installInterruptHandler, stopDescendants } from './interrupt.ts';
import { removeCreatedEmptyDirs } from '../manifest/output.ts';
import { surviveClosedPipes } from './closed-pipe.ts';
import { refuseRepeatedOptions } from './repeated-flags.ts';

/** The CLI for `argv` (only the command it names is loaded; all of them for help). */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command();
  program
    .name('asrfair')
    .description('Measure whether speech recognisers work equally well for every self-declared group.')
    .version(VERSION)
    // One line and a pointer, not the whole help text (42 lines for `run`), after a usage error.
    .showHelpAfterError('(add --help for the options)')
    // Before the commands are added, so they inherit it: every usage error reaches main()'s exit codes.
    .exitOverride();
  for (const register of await registrarsFor(argv)) register(program);
  refuseRepeatedOptions(program);
  return program;
}


/** One line, with characters that would drive the terminal (ESC, CR, other controls) shown as escapes. */
function oneLine(s: string): string {
  return escapeControl(s.replace(/\r?\n\s*/g, ' '));
}

/** The run store's error helpers (src/run/store.ts), loaded only when SQLite failed: most commands never open a store. */
export type StoreErrorHelpers = Pick<typeof import('../run/store.ts'), 'openStorePaths' | 'storeErrorText'>;

/** Whether `e` came from SQLite (better-sqlite3's SqliteError or an SQLITE_* code). */
function isSqliteError(e: unknown): boolean {
  const err = e as { name?: string; code?: unknown } | null;
  return err?.name === 'SqliteError' || String(err?.code ?? '').startsWith('SQLITE_');
}

/**
 * The one line (and exit code) an error becomes: input, usage, store and file-system errors name the
 * file and exit 2; anything else is a bug and exits 1 (its stack only with ASRFAIR_DEBUG=1). A SQLite
 * error names the open stores and says what went wrong in words when `store` (the run store's helpers)
 * is given, else it is "run store: <SQLite's message>".
 */
export function describeFailure(e: unknown, store?: StoreErrorHelpers): { line: string; code: number } {
  const err = e as NodeJS.ErrnoException & { name?: string };
  if (e instanceof InputError || err?.name === 'UsageError' || err?.name === 'InputError') return { line: err.message, code: 2 };
  const code = String(err?.code ?? '');
  if (isSqliteError(e)) {
    const stores = store?.openStorePaths() ?? [];
    return { line: `${stores.length ? stores.join(', ') : 'run store'}: ${store ? store.storeErrorText(e) : (err?.message ?? String(e))}`, code: 2 };
  }
  if (FS_REASONS[code]) {
    const where = err.path ?? (err as { dest?: string }).dest ?? '';
    return { line: `${where ? `${where}: ` : ''}${FS_REASONS[code]}${err.syscall ? ` (${err.syscall})` : ''}`, code: 2 };
  }
  return { line: `internal error: ${err?.message ?? String(e)} (ASRFAIR_DEBUG=1 shows where)`, code: 1 };
}

/**
 * The CLI process's entry (bin/asrfair.mjs): it owns the process. SIGINT/SIGTERM stop every child process
 * (see interrupt.ts) unless the command handles them itself, and no child outlives the command.
 */
export async function main(argv: string[]): Promise<void> {
  // `asrfair run … 2>&1 | head -1`: the reader went away. Keep working (files are still written), say nothing more there.
  surviveClosedPipes();
  const disposeInterrupt = installInterruptHandler();
  const program = await buildProgram(argv);
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Usage errors (unknown option, missing argument) exit 2 like every other input error, so a CI gate's
      // exit 1 (a crossed threshold) is never confused with a typo; help and version exit 0.
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    const { line, code } = describeFailure(e, isSqliteError(e) ? await import('../run/store.ts') : undefined);
    // Ctrl-C reaches the children too: a child's death can surface here before the SIGINT handler has run.
    // Give the handler a moment, so an interrupt ends with its one line and 130, not with "internal error".
    if (code === 1) await new Promise((r) => setTimeout(r, 100));
    // Several input errors (every schema error of a suite): one line each, each naming file:line.
    const lines = e instanceof InputErrors ? e.errors.map((x) => x.message) : [line];
    for (const l of lines) process.stderr.write(`asrfair: ${oneLine(scrubString(l))}\n`);
    if (process.env.ASRFAIR_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? ''}\n`);
    process.exitCode = code;
  } finally {
    // A child left running by a failed or abandoned step does not outlive the command.
    stopDescendants();
    // A command that failed leaves no empty output folder it created (an interrupted one: see interrupt.ts).
    if (process.exitCode !== undefined && process.exitCode !== 0) removeCreatedEmptyDirs();
    disposeInterrupt();
  }
}
