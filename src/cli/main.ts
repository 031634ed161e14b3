import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { commands } from './commands/index.ts';
import { InputError } from '../manifest/errors.ts';

export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('asrfair')
    .description('Measure whether speech recognisers work equally well for every self-declared group.')
    .version(VERSION)
    .showHelpAfterError();
  for (const register of commands) register(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
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
