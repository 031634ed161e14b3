import { escapeControl } from '../../report/escape.ts';
import type { Command } from 'commander';
import { readManifest } from '../../manifest/jsonl.ts';
import { WarningSummary } from '../../manifest/warnings.ts';
import { existsSync, statSync } from 'node:fs';

/** Error kind for the summary: the message without its location and ids ("audio file not found", "duplicate id", …). */
function kindOf(detail: string): string {
  return detail.split(/[:(]/)[0].replace(/"[^"]*"/g, '').trim() || 'other';
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('Check a JSONL manifest: schema, duplicate ids, UTF-8, and that every audio file exists (errors name file:line; the first 20 are printed, then counts per kind)')
    .argument('<manifest>', 'JSONL manifest')
    .option('--no-audio-check', 'do not check that audio files exist')
    .action(async (manifest: string, opts: { audioCheck: boolean }) => {
      const errors = new WarningSummary();
      let ok = 0;
      for await (const u of readManifest(manifest, { onError: (e) => errors.add(kindOf(e.detail), e.message) })) {
        if (opts.audioCheck) {
          if (!existsSync(u.audioPath)) {
            errors.add('audio file not found', `${u.source.file}:${u.source.line}: audio file not found: ${u.audioPath} (id ${u.id})`);
            continue;
          }
          if (statSync(u.audioPath).size === 0) {
            errors.add('audio file is empty', `${u.source.file}:${u.source.line}: audio file is empty: ${u.audioPath} (id ${u.id})`);
            continue;
          }
        }
        ok++;
      }
      for (const l of errors.lines('', 'error')) process.stderr.write(`${escapeControl(l)}\n`);
      process.stdout.write(`${manifest}: ${ok} valid utterances, ${errors.count} errors\n`);
      if (errors.count) process.exitCode = 1;
    });
}
