import type { Command } from 'commander';
import { importToManifest, IMPORT_FORMATS, MARKUP_POLICIES, parseColumnMap } from '../../corpora/importers/index.ts';
import { loadLabelMap } from '../../manifest/labelmap.ts';
import { WarningSummary } from '../../manifest/warnings.ts';
import { UsageError } from '../../manifest/errors.ts';
import { plural } from '../../manifest/import-record.ts';
import { importScores, parseBackendColumns, parseScoreColumns } from '../../scoreimport/import-scores.ts';
import { VERSION } from '../version.ts';
import { stmImporter } from '../../scoreimport/stm-import.ts';
import { sayErr, sayOut, sayOutBlock } from '../terminal.ts';

interface ImportFlags {
  output: string;
  backend?: string[];
  corpusName?: string;
  labels?: string;
  map?: string;
  split?: string;
  allowPipes?: boolean;
  root?: string;
  language?: string;
  includeInterviewers?: boolean;
  labelKeys?: string;
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description(
      'Import a corpus in its published layout into a JSONL manifest, keeping raw declared labels next to canonical groups. ' +
        'Corpus markup (pauses, non-speech, redactions, unintelligible spans) never becomes reference words: see README "Importing corpora". ' +
        'A value the corpus documents as "not declared" (the Artie bias corpus\'s NA) is undeclared, and counted. ' +
        'Beside the manifest, <name>.import.json records what the import left out, mapped and missed; run and the card carry it',
    )
    .argument('<format>', [...IMPORT_FORMATS, 'stm', 'scores'].join(' | '))
    .argument('<path>', 'corpus folder or file')
    .requiredOption('-o, --output <manifest>', 'manifest to write (JSONL); for `scores`, the run export folder to write')
    .option('--labels <map.yaml>', 'label map: raw declared values (or /regex/) → canonical groups')
    .option('--map <columns>', 'csv/tsv/jsonl column mapping, e.g. id=path,audio=path,text=sentence,speaker=client,label.accent=accent')
    .option('--split <name>', 'commonvoice: TSV to read (default test); edacc: dev or test (default test)')
    .option('--allow-pipes', 'kaldi: run piped wav.scp commands ("cmd |") and save their audio')
    .option('--root <dir>', 'kaldi: folder relative wav.scp paths are relative to (default: the recipe folder, i.e. the data dir\'s parent\'s parent, else the data dir\'s parent)')
    .option('--language <iso639-1>', 'language of the references (e.g. en) for kaldi, csv, tsv, jsonl; commonvoice takes it from the locale folder')
    .option('--include-interviewers', 'coraal: keep interviewer turns (labelled role: interviewer; excluded by default)')
    .option(
      '--backend <NAME:columns>',
      'scores: one backend\'s columns, repeatable: NAME:wer=col,words=col | NAME:errors=col,words=col | NAME:sub=col,del=col,ins=col,words=col',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--corpus-name <name>', 'scores: corpus name in run.json; stm: the utterances\' corpus (default: the file name)')
    .option('--label-keys <keys>', 'stm: attribute names for the segment labels <a,b,…> by position, e.g. overall,focus,sex (default: the ;; CATEGORY titles of the stm header)')
    .addHelpText('after', `
Score tables (import scores): per-utterance results from another pipeline become a run export that report,
compare and check read. --map names id=, speaker=, label.<key>= (and optional duration=, ref=, hyp=) columns;
each --backend names one backend's columns. Example:
  asrfair import scores results.csv -o reports/imported --map id=utt,speaker=spk,label.accent=accent \\
    --backend amazon:wer=amazon_wer,words=n_words --backend google:errors=google_err,words=n_words`)
    .addHelpText('after', `
CORAAL (import coraal DIR): word fragments and false starts ("like-") are kept as sclite's "(like-)" and every run
scores them with -D -F (NIST Hub-5: optionally deletable, matching a word they begin). Without the metadata file the
site comes from the file names (gender, age undeclared); without a .wav the rows are imported text-only (for
hypotheses backends). Both are said after the import.`)
    .addHelpText('after', `
NIST stm (import stm): one utterance per segment (id <file>_<channel>_<nnnn>, stm speaker, start/end, no
audio); labels <O,F0,M> → attributes by position: --label-keys names, else the ;; CATEGORY titles; a segment
with IGNORE_TIME_SEGMENT_IN_SCORING is left out and counted, an empty one kept as "@". Hypotheses: a suite
backend { type: ctm, options: { file: hyp.ctm, stm: ref.stm } } (words cut by time as sclite does).`)
    .addHelpText(
      'after',
      '\nMarkup policies (never reference words; each utterance records what was removed in "markup"):\n' +
        Object.entries(MARKUP_POLICIES)
          .map(([k, v]) => `  ${k}: ${v}`)
          .join('\n'),
    )
    .action(async (format: string, path: string, flags: ImportFlags) => {
      if (format === 'scores') {
        if (!flags.map) throw new UsageError('import scores needs --map id=<col>,speaker=<col>[,label.<key>=<col>…]');
        const s = await importScores(path, flags.output, {
          columns: parseScoreColumns(flags.map),
          backends: (flags.backend ?? []).map(parseBackendColumns),
          ...(flags.corpusName ? { corpusName: flags.corpusName } : {}),
          toolVersion: VERSION,
        });
        sayOut(`${flags.output}: ${s.utterances} utterances, ${s.speakers} speakers, backends ${s.backends.join(', ')}`);
        if (s.missing) sayOut(`${s.missing} utterance × backend cells were empty: stored as failed (counted in the card, excluded from rates)`);
        return;
      }
      if (flags.labelKeys !== undefined && format !== 'stm') throw new UsageError('--label-keys is for import stm');
      const labelKeys = flags.labelKeys?.split(',').map((k) => k.trim());
      if (labelKeys?.some((k) => !/^[A-Za-z][A-Za-z0-9_]*$/.test(k))) {
        throw new UsageError(`--label-keys takes comma-separated names (letters, digits, _), not "${flags.labelKeys}"`);
      }
      const labels = flags.labels ? await loadLabelMap(flags.labels) : undefined;
      const columns = flags.map ? parseColumnMap(flags.map) : undefined;
      const warnings = new WarningSummary();
      let written = false;
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
        ...(format === 'stm' ? { importer: stmImporter({ labelKeys, ...(flags.corpusName ? { corpus: flags.corpusName } : {}) }) } : {}),
      })
        .then((r) => ((written = true), r))
        .finally(() => {
          // Audio named in the corpus but missing is listed in full by `validate` on the written manifest (when written).
          const see = written && warnings.counts().every(([kind]) => /audio file not found/i.test(kind)) ? `asrfair validate ${flags.output} --all` : undefined;
          for (const l of warnings.lines('warning: ', 'warning', see)) sayErr(l);
        });
      // Every line through the escaping writer: the output path, label keys and values, notes are the user's or the corpus's.
      sayOut(`${flags.output}: ${plural(s.utterances, 'utterance')}, ${plural(s.speakers, 'speaker')}`);
      for (const [what, n] of s.tallies) sayOut(`left out: ${n} ${what}`);
      for (const u of s.record.undeclared) {
        const what = u.raw === '' ? `${u.key} left blank` : `${u.key} ${JSON.stringify(u.raw)}`;
        sayOut(`undeclared: ${what} ×${u.count}${u.raw === '' ? '' : ` (the corpus's "not declared" marker)`} → group undeclared`);
      }
      if (s.missingAudio) sayOut(`missing audio: ${plural(s.missingAudio, 'file')} the corpus names ${s.missingAudio === 1 ? 'does' : 'do'} not exist (warnings above); the utterances were written`);
      if (s.record.groupsNote) sayOut(`groups: ${s.record.groupsNote}`);
      for (const n of s.notes) sayOut(`note: ${n}`);
      if (s.annotationsFile) sayOut(`phone-error annotations: ${s.annotationsFile}`);
      const report = s.mapper.formatReport();
      if (report) sayOutBlock(report);
    });
}
