import type { Command } from 'commander';
import { createG2P, type G2PFallback, type WordPhones } from '../../text/g2p.ts';
import { accentPhones } from '../../score/accent-phones.ts';
import { UsageError } from '../../manifest/errors.ts';
import { sayFields, sayJson } from '../terminal.ts';

interface G2POptions {
  voice?: string;
  fallback: string;
  json?: boolean;
}

const FALLBACKS = ['auto', 'flite', 'espeak-ng', 'none'];

/** `asrfair g2p`: ARPAbet phones of words, from the CMU dictionary or an espeak-ng accent voice. */
export function registerG2P(program: Command): void {
  program
    .command('g2p')
    .description('Print ARPAbet phones of each word (CMU dictionary, letter-to-sound for unknown words, or an espeak-ng accent voice)')
    .argument('<text...>', 'words or a sentence')
    .option('--voice <espeak-voice>', 'accent-specific phones from this espeak-ng voice (e.g. en-029, en-gb-scotland)')
    .option('--fallback <engine>', `letter-to-sound for words not in the dictionary: ${FALLBACKS.join(', ')}`, 'auto')
    .option('--json', 'print JSON instead of one word a line')
    .action(async (text: string[], opts: G2POptions) => {
      if (!FALLBACKS.includes(opts.fallback)) throw new UsageError(`--fallback must be one of ${FALLBACKS.join(', ')}`);
      const sentence = text.join(' ');
      let words: (WordPhones & { source: string })[];
      if (opts.voice) {
        words = (await accentPhones(sentence, opts.voice)).map((w) => ({ ...w, source: `espeak-ng ${opts.voice}` }));
      } else {
        const g2p = await createG2P({ fallback: opts.fallback as G2PFallback | 'auto' });
        await g2p.prepare([sentence]);
        words = g2p.sentence(sentence).map((w) => ({ ...w, source: g2p.lookup(w.word).source }));
      }
      if (opts.json) {
        sayJson(words);
        return;
      }
      // The words are the user's: escaped (ESC, CR, a tab that would forge a column).
      for (const w of words) sayFields([w.word, w.phones.join(' '), w.source]);
    });
}
