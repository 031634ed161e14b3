import { escapeControl } from '../../report/escape.ts';
import type { Command } from 'commander';
import { importToManifest, IMPORT_FORMATS, parseColumnMap } from '../../corpora/importers/index.ts';
import { loadLabelMap } from '../../manifest/labelmap.ts';

interface ImportFlags {
  output: string;
  labels?: string;
  map?: string;
  split?: string;
  allowPipes?: boolean;
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('Import a corpus in its published layout into a JSONL manifest, keeping raw declared labels next to canonical groups')
    .argument('<format>', IMPORT_FORMATS.join(' | '))
    .argument('<path>', 'corpus folder or file')
    .requiredOption('-o, --output <manifest>', 'manifest to write (JSONL)')
    .option('--labels <map.yaml>', 'label map: raw declared values (or /regex/) → canonical groups')
    .option('--map <columns>', 'csv/tsv/jsonl column mapping, e.g. id=path,audio=path,text=sentence,speaker=client,label.accent=accent')
    .option('--split <name>', 'commonvoice: TSV to read (default test); edacc: dev or test (default test)')
    .option('--allow-pipes', 'kaldi: run piped wav.scp commands ("cmd |") and save their audio')
    .action(async (format: string, path: string, flags: ImportFlags) => {
      const labels = flags.labels ? await loadLabelMap(flags.labels) : undefined;
      const columns = flags.map ? parseColumnMap(flags.map) : undefined;
      const s = await importToManifest(format, path, {
        out: flags.output,
        labels,
        columns,
        split: flags.split,
        allowPipes: flags.allowPipes,
      });
      process.stdout.write(`${flags.output}: ${s.utterances} utterances, ${s.speakers} speakers\n`);
      if (s.annotationsFile) process.stdout.write(`phone-error annotations: ${s.annotationsFile}\n`);
      process.stdout.write(escapeControl(s.mapper.formatReport(), true));
    });
}
