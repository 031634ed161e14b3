import type { Command } from 'commander';
import { formatDoctor, runDoctor } from '../doctor.ts';
import { sayJson, sayOutBlock } from '../terminal.ts';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('Check the tools, models, run store and credentials asrfair needs, with a fix for each failure')
    .option('--store <path>', 'run store whose folder must be writable', '.asrfair/store.sqlite')
    .option('--suite <file>', "also check what this suite needs of the machine (the ffmpeg encoder of each codec condition)")
    .option('--json', 'print the checks as JSON')
    .action(async (opts: { store: string; json?: boolean; suite?: string }) => {
      const checks = await runDoctor({ storePath: opts.store, suite: opts.suite });
      // Paths (--store, --suite) and tools' version text: escaped.
      if (opts.json) sayJson(checks, 2);
      else sayOutBlock(formatDoctor(checks));
      if (checks.some((c) => c.required && !c.ok)) process.exitCode = 1;
    });
}
