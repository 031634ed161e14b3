import type { Command } from 'commander';
import { importToManifest, IMPORT_FORMATS, parseColumnMap } from '../../corpora/importers/index.ts';
import { loadLabelMap } from '../../manifest/labelmap.ts';
import { WarningSummary } from '../../manifest/warnings.ts';

interface ImportFlags {
  output: string;
  labels?: string;
  map?: string;
  split?: string;
  allowPipes?: boolean;
  root?: string;
  language?: string;
  includeInterviewers?: boolean;
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description(
      'Import a corpus in its published layout into a JSONL manifest, keeping raw declared labels next to canonical groups. ' +
        'Corpus markup (pauses, non-speech, redactions, unintelligible spans) never becomes reference words: see README "Importing corpora"',
    )
    .argument('<format>', IMPORT_FORMATS.join(' | '))
    .argument('<path>', 'corpus folder or file')
    .requiredOption('-o, --output <manifest>', 'manifest to write (JSONL)')
    .option('--labels <map.yaml>', 'label map: raw declared values (or /regex/) → canonical groups')
    .option('--map <columns>', 'csv/tsv/jsonl column mapping, e.g. id=path,audio=path,text=sentence,speaker=client,label.accent=accent')
    .option('--split <name>', 'commonvoice: TSV to read (default test); edacc: dev or test (default test)')
    .option('--allow-pipes', 'kaldi: run piped wav.scp commands ("cmd |") and save their audio')
    .option('--root <dir>', 'kaldi: folder relative wav.scp paths are relative to (default: the recipe folder, i.e. the data dir\'s parent\'s parent, else the data dir\'s parent)')
    .option('--language <iso639-1>', 'language of the references (e.g. en) for kaldi, csv, tsv, jsonl; commonvoice takes it from the locale folder')
    .option('--include-interviewers', 'coraal: keep interviewer turns (labelled role: interviewer; excluded by default)')
    .action(async (format: string, path: string, flags: ImportFlags) => {
      const labels = flags.labels ? await loadLabelMap(flags.labels) : undefined;
      const columns = flags.map ? parseColumnMap(flags.map) : undefined;
      const warnings = new WarningSummary();
      const s = await importToManifest(format, path, {
        out: flags.output,
        labels,
        columns,
        split: flags.split,
        allowPipes: flags.allowPipes,
        root: flags.root,
        language: flags.language,
        includeInterviewers: flags.includeInterviewers,
        warnings,
      }).finally(() => {
        for (const l of warnings.lines('warning: ')) process.stderr.write(`${l}\n`);
      });
      process.stdout.write(`${flags.output}: ${s.utterances} utterances, ${s.speakers} speakers\n`);
      for (const [what, n] of s.tallies) process.stdout.write(`left out: ${n} ${what}\n`);
      for (const n of s.notes) process.stdout.write(`note: ${n}\n`);
      if (s.annotationsFile) process.stdout.write(`phone-error annotations: ${s.annotationsFile}\n`);
      process.stdout.write(s.mapper.formatReport());
    });
}
