import type { Command } from 'commander';
import { createInterface } from 'node:readline';
import { getNormaliser, normaliserNames } from '../../text/normalise.ts';
import { loadEquivalences, type Equivalences } from '../../text/glm.ts';
import { UsageError } from '../../manifest/errors.ts';
import { sayOut } from '../terminal.ts';

interface NormaliseOptions {
  normaliser: string;
  glm?: string;
}

/** `asrfair normalise`: shows what a normaliser (and an equivalence list) makes of text. */
export function registerNormalise(program: Command): void {
  program
    .command('normalise')
    .description('Print text as a normaliser (and optional equivalence list) leaves it; reads stdin lines when no text is given')
    .argument('[text...]', 'text to normalise')
    .option('-n, --normaliser <name>', 'normaliser: none, basic, english', 'english')
    .option('--glm <file>', 'equivalence list applied after the normaliser (YAML or sclite GLM)')
    .action(async (text: string[], opts: NormaliseOptions) => {
      if (!normaliserNames().includes(opts.normaliser)) {
        throw new UsageError(`unknown normaliser "${opts.normaliser}" (known: ${normaliserNames().join(', ')})`);
      }
      const normaliser = getNormaliser(opts.normaliser);
      const glm: Equivalences | undefined = opts.glm ? await loadEquivalences(opts.glm) : undefined;
      const show = (line: string) => {
        const n = normaliser.normalise(line);
        sayOut(glm ? glm.apply(n) : n);
      };
      if (text.length > 0) {
        show(text.join(' '));
        return;
      }
      for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) show(line);
    });
}
