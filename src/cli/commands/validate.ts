import type { Command } from 'commander';
import { cleanOnlyBackends } from '../../run/conditions.ts';
import { sayErr, sayOut, warnLine } from '../terminal.ts';
import { readManifest } from '../../manifest/jsonl.ts';
import { WarningSummary } from '../../manifest/warnings.ts';
import { groupOf, hasAudio } from '../../manifest/schema.ts';
import { GroupSpellings, splitGroupWarning } from '../../manifest/group-spellings.ts';
import { loadLabelMap } from '../../manifest/labelmap.ts';
import { manifestImportWarnings } from '../../manifest/import-record.ts';
import { InputError, UsageError } from '../../manifest/errors.ts';
import { GlassReferenceNotes, glassReference } from '../../analysis/glass-markup.ts';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { audioSignature } from '../../audio/signature.ts';
import { parseWavHeader } from '../../audio/wav.ts';
import { HypothesesBackend } from '../../backends/hypotheses.ts';
import { loadSuite } from '../../run/suite.ts';
import { assertSuiteEncoders } from '../../run/suite-encoders.ts';
import { prepareBackends, type RunBackend } from '../../run/engine.ts';
import { parseMarkup, type MarkupOptions } from '../../text/markup.ts';
// Backend type `ctm` (registered by the score-import stage).
import '../../scoreimport/ctm-backend.ts';

/**
 * With a suite: which of its backends answer by utterance id (and so can run text-only utterances), and, for
 * those that list their answers, the ids they answer.
 */
async function suiteBackends(suitePath: string): Promise<RunBackend[]> {
  const suite = loadSuite(suitePath);
  await assertSuiteEncoders(suite);
  const backends = await prepareBackends(suite, {});
  // A condition on a suite whose backends read no audio: refused as `run` refuses it (exit 2, suite file:line).
  cleanOnlyBackends(suite, backends.map((b) => ({ name: b.spec.name, type: b.spec.type, readsAudio: b.backend.needsAudio !== false })));
  return backends;
}

/**
 * What is wrong with an audio file's first bytes, if anything: no known audio signature (`audioSignature`), or a
 * WAV header that does not parse. A cheap check (4 KiB per file), so validate stays fast on large corpora;
 * decoding problems beyond the header show at run time.
 */
function audioHeaderProblem(path: string, size: number): { kind: string; detail: string } | undefined {
  const head = Buffer.alloc(Math.min(size, 4096));
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const format = audioSignature(head);
  if (!format) {
    const first = [...head.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    return { kind: 'not an audio file', detail: `no WAV, FLAC, MP3, Ogg, MP4, SPHERE, AIFF, WebM, ASF, AMR, CAF or AU header; first bytes ${first}` };
  }
  if (format !== 'WAV') return undefined;
  try {
    parseWavHeader(head, size);
  } catch (e) {
    return { kind: 'corrupt WAV header', detail: (e as Error).message };
  }
  return undefined;
}

/** Error kind for the summary: the message without its location and ids ("audio file not found", "duplicate id", …). */
function kindOf(detail: string): string {
  return detail.split(/[:(]/)[0].replace(/"[^"]*"/g, '').trim() || 'other';
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description(
      'Check a JSONL manifest: schema, duplicate ids, UTF-8, and that every audio file exists and starts as an audio file (a known container signature; a WAV header that parses); utterances without audio (text-only) are valid, ' +
        'and with --suite they are checked against its backends (only backends answering by utterance id, e.g. hypotheses, can run them), as are the hypotheses files\' ids',
    )
    .argument('<manifest>', 'JSONL manifest')
    .option('--no-audio-check', 'do not check audio files (existence and header)')
    .option('--all', 'print every error (default: the first 20, then the count of each kind)')
    .option('--for <stage>', 'also check the references for this stage: glass (markup tokens it leaves out, references with digits it does not analyse: named file:line, counted per group; implied by a --suite of kind glassbox)')
    .option('--group-by <key>', 'label key of the groups the --for glass counts are given by (default: the suite\'s first groupBy key, else accent, as glass)')
    .option('--suite <suite.yaml>', 'also check the manifest against this suite\'s backends (text-only utterances need id-keyed backends; hypotheses rows must name manifest utterances) and its markup convention (references with malformed sclite markup, e.g. an unclosed "{", are errors at their line)')
    .action(async (manifest: string, opts: { audioCheck: boolean; suite?: string; all?: boolean; for?: string; groupBy?: string }) => {
      if (opts.for !== undefined && opts.for !== 'glass') throw new UsageError(`--for must be glass (the only stage validate checks references for), got "${opts.for}"`);
      const errors = new WarningSummary(opts.all ? Number.POSITIVE_INFINITY : 20);
      const warnings: string[] = [];
      const backends = opts.suite ? await suiteBackends(opts.suite) : [];
      // References as the glass box will read them: for `--for glass` or a glassbox suite (its step runs glass).
      const suiteSpec = opts.suite ? loadSuite(opts.suite) : undefined;
      const glass = opts.for === 'glass' || suiteSpec?.kind === 'glassbox' ? new GlassReferenceNotes() : undefined;
      const glassGroupBy = opts.groupBy ?? suiteSpec?.groupBy[0] ?? 'accent';
      // With a suite reading sclite markup: a reference the run scorer would refuse is an error here, at its line.
      const sm = suiteSpec?.markup;
      const markup: MarkupOptions | undefined =
        sm?.convention === 'sclite' ? { caseSensitive: sm.caseSensitive, caseFold: sm.caseFold, optionalDeletable: sm.optionallyDeletable, fragments: sm.fragments } : undefined;
      const needAudio = backends.filter((b) => !b.backend.keyByUtteranceId);
      // A suite none of whose backends reads audio (hypotheses, ctm) never opens it, as `run` does not: not checked.
      const audioUnread = backends.length > 0 && backends.every((b) => b.backend.needsAudio === false);
      let unread = 0;
      const seen = new Set<string>();
      let ok = 0;
      let textOnly = 0;
      // Group names that differ only in case or spacing, on any declared key but raw declared text (`*_raw`) and the
      // keys the suite's label map covers (the map matches values case- and space-insensitively: no split there).
      const labelMap = suiteSpec?.labelMap;
      const mapped = new Set(labelMap ? (await loadLabelMap(labelMap)).mappedKeys() : []);
      const spellings = new GroupSpellings();
      for await (const u of readManifest(manifest, { onError: (e) => errors.add(kindOf(e.detail), e.message) })) {
        seen.add(u.id);
        glass?.add(glassReference(u.text), { id: u.id, group: groupOf(u, glassGroupBy), where: `${u.source.file}:${u.source.line}`, order: u.source.line });
        spellings.add(u.id, Object.fromEntries(Object.entries(u.labels ?? {}).filter(([k]) => !k.endsWith('_raw') && !mapped.has(k))), `${u.source.file}:${u.source.line}`);
        if (markup) {
          try {
            parseMarkup(u.text, markup, u.source.file, u.source.line);
          } catch (e) {
            errors.add('malformed markup', `${(e as Error).message} (id ${u.id}; the suite reads sclite markup)`);
            continue;
          }
        }
        if (!hasAudio(u)) {
          if (needAudio.length) {
            const names = needAudio.map((b) => `"${b.spec.name}" (${b.spec.type})`).join(', ');
            errors.add('no audio for a backend that needs it', `${u.source.file}:${u.source.line}: utterance "${u.id}" has no audio, but backend ${names} of ${opts.suite} needs audio`);
            continue;
          }
          textOnly++;
        } else if (audioUnread) {
          unread++;
        } else if (opts.audioCheck) {
          if (!existsSync(u.audioPath)) {
            errors.add('audio file not found', `${u.source.file}:${u.source.line}: audio file not found: ${u.audioPath} (id ${u.id})`);
            continue;
          }
          const size = statSync(u.audioPath).size;
          if (size === 0) {
            errors.add('audio file is empty', `${u.source.file}:${u.source.line}: audio file is empty: ${u.audioPath} (id ${u.id})`);
            continue;
          }
          const bad = audioHeaderProblem(u.audioPath, size);
          if (bad) {
            errors.add(bad.kind, `${u.source.file}:${u.source.line}: ${bad.kind}: ${u.audioPath} (${bad.detail}; id ${u.id})`);
            continue;
          }
        }
        ok++;
      }
      for (const split of spellings.splits()) warnings.push(`warning: ${splitGroupWarning(split)}`);
      for (const b of backends) {
        const extra = b.backend.unmatchedEntries?.(seen) ?? [];
        for (const x of extra.slice(0, 5)) warnings.push(`${x.file}:${x.line}: warning: backend "${b.spec.name}" answers "${x.id}", which is not in ${manifest}`);
        if (extra.length) warnings.push(`backend "${b.spec.name}": ${extra.length} answer(s) for utterances not in the manifest (not scored)${extra.length > 5 ? '; first 5 above' : ''}`);
        const be = b.backend;
        if (be instanceof HypothesesBackend) {
          const missing = [...seen].filter((id) => !be.has(id)).length;
          if (missing) warnings.push(`backend "${b.spec.name}": no answer for ${missing} manifest utterance(s); a run counts them as failed (all reference words deleted) and the card says how many`);
        }
      }
      const again = ['asrfair validate', manifest, ...(opts.suite ? ['--suite', opts.suite] : []), ...(opts.audioCheck ? [] : ['--no-audio-check']), '--all'].join(' ');
      // The manifest's import record: stale or uncheckable is said as run, glass and adapt say it; malformed is an error here.
      let records: string[] = [];
      try {
        records = manifestImportWarnings([manifest]);
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        errors.add('invalid import record', e.message);
      }
      for (const l of errors.lines('', 'error', again)) sayErr(l);
      for (const w of warnings) sayErr(w);
      for (const w of records) warnLine(w);
      // As glass says them at run time (ten named, then counts by group; --all: every one).
      const named = opts.all ? Number.POSITIVE_INFINITY : 10;
      for (const w of glass ? [...glass.markupWarnings(named), ...glass.digitWarnings(named)] : []) warnLine(w);
      const textNote = textOnly ? ` (${textOnly} text-only: no audio${opts.suite ? `; every backend of ${opts.suite} answers by utterance id` : '; runnable only by backends that answer by utterance id, e.g. hypotheses'})` : '';
      const unreadNote = unread ? ` (audio of ${unread} not checked: no backend of ${opts.suite} reads audio)` : '';
      const glassWarned = glass ? Object.keys(glass.markupByGroup).length + Object.keys(glass.digitsByGroup).length : 0;
      sayOut(`${manifest}: ${ok} valid utterances${textNote}${unreadNote}, ${errors.count} errors${warnings.length + records.length + glassWarned ? ', warnings above' : ''}`);
      if (errors.count) process.exitCode = 1;
      for (const b of backends) await b.backend.close?.().catch(() => undefined);
    });
}
