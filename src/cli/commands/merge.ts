import type { Command } from 'commander';
import { join, relative, resolve } from 'node:path';
import { mergeShards } from '../../scaleout/merge.ts';
import { RunStore } from '../../run/store.ts';
import { exportRun } from '../../report/export-run.ts';
import { formatShard } from '../../scaleout/shard.ts';
import { subsetLines } from '../../run/subset.ts';
import { sayErr, sayOut, warnLine } from '../terminal.ts';

interface MergeFlags {
  out?: string;
  export: boolean;
}

export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description('Merge the stores of a sharded run (asrfair run --shard i/n) into one run, checking the shards are complete and do not overlap, then export it')
    .argument('<out>', 'SQLite store to write the merged run into')
    .argument('<shards...>', 'the n shard stores')
    .option('--out <dir>', 'folder for the run export (default reports/<suite>/<merged run id>)')
    .option('--no-export', 'only merge the stores')
    .action(async (outStore: string, shards: string[], flags: MergeFlags) => {
      // Every line goes through the escaping writers: shard paths, the merged store and the export folder are the
      // user's (a folder name may hold ESC or CR), and so are the group names of the corrupt-row counts.
      const say = sayOut;
      const warn = (s: string) => sayErr(`asrfair: ${s}`);
      const m = await mergeShards({ out: outStore, shards, warn });
      for (const s of m.shards) say(`shard ${formatShard(s.shard)}: run ${s.runId}, ${s.utterances} utterances (${relative(process.cwd(), s.path) || s.path})`);
      const where = relative(process.cwd(), m.out) || m.out;
      const checked = m.manifestChecked ? ' (coverage checked against the manifest)' : ' (coverage checked against the shards\' recorded counts; the manifest was not readable here)';
      if (m.alreadyMerged) say(`merged run ${m.runId}: already merged into ${where} (${m.utterances} utterances, ${m.items} items): nothing new to merge`);
      else say(`merged run ${m.runId}: ${m.utterances} utterances, ${m.items} items, ${m.results} results${m.corrupt.length ? `, ${m.corrupt.length} corrupt result row(s) not copied` : ''} → ${where}${checked}`);
      if (m.corrupt.length) {
        const items = m.corrupt.reduce((n, c) => n + c.items.length, 0);
        const groups = Object.entries(m.corruptByGroup).map(([k, gs]) => `by ${k}: ${Object.entries(gs).map(([g, n]) => `${JSON.stringify(g)} ${n}`).join(', ')}`);
        warn(
          `${m.corrupt.length} corrupt result row(s) of the shard stores not copied (warned above): ${items} item(s) count as failed in the merged run${groups.length ? ` (${groups.join('; ')})` : ''}; \`asrfair run <suite> --store ${where}\` decodes them again`,
        );
      }
      const store = new RunStore(m.out);
      // Shards of a --limit run merge into that limited run: a subset, said as `run --limit` says it.
      for (const l of subsetLines(store.getRun(m.runId)?.meta.subset)) warn(l);
      if (!flags.export) return store.close();
      try {
        const run = store.getRun(m.runId)!;
        const suiteOut = (run.suite as { out?: string }).out;
        const dir = resolve(flags.out ?? suiteOut ?? join('reports', run.suiteName, m.runId));
        const exp = await exportRun(store, m.runId, dir, { warn: warnLine });
        store.endRun(m.runId, 'done', dir);
        say(`run export: ${dir} (${exp.rows} rows, ${exp.failed} failed); report: asrfair report ${relative(process.cwd(), dir) || '.'}`);
      } finally {
        store.close();
      }
    });
}
