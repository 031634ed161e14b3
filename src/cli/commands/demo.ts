import type { Command } from 'commander';
import { relative, resolve, join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { addSynthOptions, synthFromFlags, type SynthFlags } from './synth.ts';
import { runCommand } from './run.ts';
import { writeRunCard } from '../../report/run-card.ts';
import { renderTerminalSummary } from '../../report/render-terminal.ts';
import { plantedGlassDemo } from '../../report/planted-glass.ts';

export const DEMO_SUITE = new URL('../../../manifests/suites/demo.yaml', import.meta.url);

interface DemoFlags extends SynthFlags {
  store: string;
  progress: boolean;
}

export function registerDemo(program: Command): void {
  addSynthOptions(
    program
      .command('demo')
      .description(
        'Offline end-to-end demo: synthesise the multi-accent corpus (synthetic accents, TTS voices), run it through PocketSphinx, and write the service card (Markdown, JSON, HTML, CSV) under reports/demo/',
      )
      .option('--corpus <dir>', 'where the demo corpus is synthesised (kept and reused)', 'corpora/demo')
      .option('--store <path>', 'SQLite run store (results are reused on rerun)', '.asrfair/store.sqlite')
      .option('--no-progress', 'no progress output')
      .option('--no-planted', 'skip the glass-box section on planted accents (corpora/planted-demo, synthetic)'),
  ).action(async (flags: DemoFlags & { corpus: string; planted: boolean }) => {
    const log = (s: string) => process.stderr.write(`${s}\n`);
    const corpus = await synthFromFlags({ ...flags, out: flags.corpus }, log);
    // The shipped suite names the default corpus folder; point a copy at the corpus just built.
    const suite = parseYaml(readFileSync(new URL(DEMO_SUITE), 'utf8')) as Record<string, unknown>;
    suite.manifest = corpus.manifest;
    const suitePath = join(resolve(flags.corpus), 'demo-suite.yaml');
    writeFileSync(suitePath, `# Written by asrfair demo from manifests/suites/demo.yaml\n${stringifyYaml(suite)}`);
    const out = resolve('reports', 'demo', 'latest');
    const summary = await runCommand(suitePath, {
      store: flags.store,
      out,
      progress: flags.progress,
      drainSec: 30,
    });
    if (summary.status === 'interrupted') process.exit(130);
    // The card follows the run's recorded settings (the suite's), exactly as `asrfair report <run>` does.
    const { card, files } = writeRunCard(out, { toolVersion: program.version() ?? 'unknown' });
    const gate = summary.gate ? [`Suite gate: ${summary.gate.summary}`] : [];
    process.stdout.write(`\n${renderTerminalSummary(card, files, { extra: gate })}`);
    if (flags.planted) {
      const planted = await plantedGlassDemo({ corpusDir: resolve('corpora', 'planted-demo'), outDir: join(out, 'report'), sentences: Number(flags.sentences), log });
      for (const f of planted.files) process.stdout.write(`wrote ${relative(process.cwd(), f)} (glass box on planted accents, synthetic)\n`);
    }
  });
}
