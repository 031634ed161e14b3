import { escapeControl } from '../../report/escape.ts';
import type { Command } from 'commander';
import { readManifest } from '../../manifest/jsonl.ts';
import { InputError } from '../../manifest/errors.ts';
import { existsSync, statSync } from 'node:fs';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('Check a JSONL manifest: schema, duplicate ids, UTF-8, and that every audio file exists')
    .argument('<manifest>', 'JSONL manifest')
    .option('--no-audio-check', 'do not check that audio files exist')
    .action(async (manifest: string, opts: { audioCheck: boolean }) => {
      const errors: InputError[] = [];
      let ok = 0;
      for await (const u of readManifest(manifest, { onError: (e) => errors.push(e) })) {
        if (opts.audioCheck) {
          if (!existsSync(u.audioPath)) {
            errors.push(new InputError(u.source.file, u.source.line, `audio file not found: ${u.audioPath} (id ${u.id})`));
            continue;
          }
          if (statSync(u.audioPath).size === 0) {
            errors.push(new InputError(u.source.file, u.source.line, `audio file is empty: ${u.audioPath} (id ${u.id})`));
            continue;
          }
        }
        ok++;
      }
      for (const e of errors) process.stderr.write(`${escapeControl(e.message)}\n`);
      process.stdout.write(`${manifest}: ${ok} valid utterances, ${errors.length} errors\n`);
      if (errors.length) process.exitCode = 1;
    });
}
