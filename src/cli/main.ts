import { Command, CommanderError } from 'commander';
import { registrarsFor } from './commands/index.ts';
import { InputError } from '../manifest/errors.ts';
import { VERSION } from './version.ts';

/** The CLI for `argv` (only the command it names is loaded; all of them for help). */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command();
  program
    .name('asrfair')
    .description('Measure whether speech recognisers work equally well for every self-declared group.')
    .version(VERSION)
    .showHelpAfterError();
  for (const register of await registrarsFor(argv)) register(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = await buildProgram(argv);
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode;
      return;
    }
    if (e instanceof InputError || (e as Error)?.name === 'UsageError') {
      process.stderr.write(`asrfair: ${(e as Error).message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`asrfair: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  }
}
