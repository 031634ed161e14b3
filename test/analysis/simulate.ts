import { createRng } from '../../src/stats/rng.ts';
import type { ScoredUtterance } from '../../src/analysis/types.ts';

export interface SimGroup {
  name: string;
  speakers: number;
  /** True expected WER of the group. */
  wer: number;
}

export interface SimOptions {
  groups: SimGroup[];
  utterancesPerSpeaker: number;
  seed: number;
  /** SD of the per-speaker log-rate random effect (0: no speaker heterogeneity). */
  speakerSd?: number;
  backend?: string;
  condition?: string;
  labelKey?: string;
  /** Extra labels per speaker index (e.g. gender). */
  extraLabels?: (speakerIndex: number) => Record<string, string>;
}

/**
 * Simulated scored utterances: words per utterance uniform 5..20, each word an error with probability
 * wer·exp(speaker effect), errors split 60/25/15 into S/D/I. Real per-utterance counts, no shortcuts.
 */
export function simulateUtterances(o: SimOptions): ScoredUtterance[] {
  const rng = createRng(o.seed);
  const out: ScoredUtterance[] = [];
  const sd = o.speakerSd ?? 0.3;
  let spkIndex = 0;
  for (const g of o.groups) {
    for (let s = 0; s < g.speakers; s++, spkIndex++) {
      const speaker = `${g.name}-spk${s}`;
      const effect = Math.exp(sd * rng.normal() - (sd * sd) / 2);
      const p = Math.min(0.95, g.wer * effect);
      for (let k = 0; k < o.utterancesPerSpeaker; k++) {
        const n = 5 + rng.int(16);
        let sub = 0;
        let del = 0;
        let ins = 0;
        for (let w = 0; w < n; w++) {
          if (rng.next() < p) {
            const r = rng.next();
            if (r < 0.6) sub++;
            else if (r < 0.85) del++;
            else ins++;
          }
        }
        const hits = n - sub - del;
        out.push({
          id: `${speaker}-u${k}`,
          speaker,
          labels: { [o.labelKey ?? 'accent']: g.name, ...(o.extraLabels?.(spkIndex) ?? {}) },
          backend: o.backend ?? 'sim',
          condition: o.condition ?? 'clean',
          status: 'ok',
          ref: '',
          hyp: '',
          durationSec: n * 0.4,
          words: { ref: n, hits, sub, del, ins },
          chars: { ref: n * 5, hits: n * 5 - 2 * (sub + del), sub: 2 * sub, del: 2 * del, ins: 2 * ins },
        });
      }
    }
  }
  return out;
}
