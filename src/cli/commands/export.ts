import { beginOutputFile, commitOutputFile, discardOutputFile } from '../../manifest/output.ts';
import type { Command } from 'commander';
import { createWriteStream, existsSync } from 'node:fs';
import { once } from 'node:events';
import { RunStore } from '../../run/store.ts';
import { LIVE_MS } from '../../run/budget.ts';
import { dumpRun, exportRun } from '../../report/export-run.ts';
import { InputError, UsageError } from '../../manifest/errors.ts';
import { sayErr, sayFields, sayOut, warnLine } from '../terminal.ts';

interface ExportFlags {
  run?: string;
  format: string;
  output?: string;
  scored?: string;
  list?: boolean;
  allowIncomplete?: boolean;
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('Export a run from the run store: raw rows as JSONL or CSV, or the scored run export (run.json + results.jsonl)')
    .argument('<store>', 'SQLite run store (e.g. .asrfair/store.sqlite)')
    .option('--run <id>', 'run id (default: the latest run)')
    .option('--format <fmt>', 'jsonl or csv', 'jsonl')
    .option('-o, --output <file>', 'write here instead of stdout')
    .option('--scored <dir>', 'write the scored run export (what `asrfair report` reads) into this folder instead')
    .option('--list', 'list the runs in the store')
    .option('--allow-incomplete', 'export a run that did not finish (killed, interrupted, budget); run.json then records "incomplete: n of N"')
    .action(async (storePath: string, flags: ExportFlags) => {
      if (!existsSync(storePath)) throw new InputError(storePath, undefined, 'run store not found');
      if (flags.format !== 'jsonl' && flags.format !== 'csv') throw new UsageError(`--format must be jsonl or csv, not "${flags.format}"`);
      // A reading command: the store is opened read-only (a store on a read-only disk or someone else's folder exports).
      const store = new RunStore(storePath, { readOnly: true });
      try {
        store.markDeadRunsInterrupted(LIVE_MS);
        const runs = store.listRuns();
        if (flags.list) {
          // Suite names and folders are the user's: each field escaped (a tab in one would forge a column).
          for (const r of runs) sayFields([r.runId, r.suiteName, r.status, r.startedAt, `${store.countItems(r.runId)} items`, r.outDir ?? '']);
          return;
        }
        const runId = flags.run ?? runs.at(-1)?.runId;
        if (!runId) throw new InputError(storePath, undefined, 'the store has no runs');
        if (flags.scored) {
          const r = await exportRun(store, runId, flags.scored, { warn: warnLine, allowIncomplete: flags.allowIncomplete });
          sayOut(`run export: ${r.dir} (${r.rows} rows, ${r.failed} failed)`);
          return;
        }
        // `asrfair export … | head` closes the pipe early: that is not an error.
        if (!flags.output) process.stdout.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' ? process.exit(0) : undefined));
        if (!flags.output) {
          await dumpRun(store, runId, flags.format, process.stdout, { allowIncomplete: flags.allowIncomplete });
          return;
        }
        // Written to <file>.partial and renamed when complete: a failure names the file and leaves nothing.
        const tmp = beginOutputFile(flags.output, 'export file');
        const out = createWriteStream(tmp);
        let failure: Error | undefined;
        out.on('error', (e: NodeJS.ErrnoException) => void (failure ??= Object.assign(e, { path: flags.output })));
        try {
          const n = await dumpRun(store, runId, flags.format, out, { allowIncomplete: flags.allowIncomplete });
          if (failure) throw failure;
          out.end();
          await once(out, 'finish');
          commitOutputFile(tmp, flags.output, 'export file');
          sayErr(`${flags.output}: ${n} rows of run ${runId}`);
        } catch (e) {
          out.destroy();
          discardOutputFile(tmp);
          throw e;
        }
      } finally {
        store.close();
      }
    });
}
