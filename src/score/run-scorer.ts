import { alignCounts, tokenize } from './align.ts';
import { charCounts } from './metrics.ts';
import type { CostModel, ErrorCounts, ExportedUtterance } from './types.ts';
import { getNormaliser, type Normaliser } from '../text/normalise.ts';
import { createG2P } from '../text/g2p.ts';
import { phoneCounts } from './per.ts';
import type { RunItemResult } from '../run/store.ts';

export type Metric = 'wer' | 'cer' | 'per' | 'mer' | 'wil';

export interface ScorerOptions {
  normaliser: string;
  costModel: CostModel;
  metrics: readonly Metric[];
}

type PhoneCountsFn = (ref: string, hyp: string) => ErrorCounts;

async function loadPhoneCounts(costModel: CostModel): Promise<PhoneCountsFn> {
  const g2p = await createG2P();
  return (ref, hyp) => phoneCounts(ref, hyp, g2p, costModel).counts;
}

/** Turns stored run items into scored rows of the run export. */
export interface Scorer {
  normaliser: Normaliser;
  score(item: RunItemResult): ExportedUtterance;
}

function allDeleted(n: number): ErrorCounts {
  return { ref: n, hits: 0, sub: 0, del: n, ins: 0 };
}

export async function createScorer(opts: ScorerOptions): Promise<Scorer> {
  const normaliser = getNormaliser(opts.normaliser);
  let phones: PhoneCountsFn | undefined;
  if (opts.metrics.includes('per')) {
    phones = await loadPhoneCounts(opts.costModel);
  }
  return {
    normaliser,
    score(item: RunItemResult): ExportedUtterance {
      const r = item.result;
      const ref = normaliser.normalise(item.utt.text);
      const ok = r?.status === 'ok';
      const hyp = ok ? normaliser.normalise(r.hypothesis ?? '') : '';
      const refTokens = tokenize(ref);
      const error = ok ? undefined : (r?.error ?? item.error ?? 'no result (run stopped before this utterance)');
      // Failed rows carry "as if nothing was recognised" counts; reports exclude them from rates.
      const words = ok ? alignCounts(refTokens, tokenize(hyp), opts.costModel) : allDeleted(refTokens.length);
      const chars = ok ? charCounts(ref, hyp, opts.costModel) : allDeleted(charCounts(ref, '', opts.costModel).ref);
      const out: ExportedUtterance = {
        id: item.uttId,
        speaker: item.utt.speaker ?? `utt:${item.uttId}`,
        labels: item.utt.labels,
        backend: item.backendName,
        condition: item.conditionName,
        status: ok ? 'ok' : 'failed',
        ref,
        hyp,
        words,
        chars,
        audio: item.utt.audio,
      };
      if (error !== undefined) out.error = error;
      const dur = item.utt.durationSec ?? r?.durationSec ?? undefined;
      if (dur !== undefined && dur !== null) out.durationSec = dur;
      if (item.utt.snrDb !== undefined) out.snrDb = item.utt.snrDb;
      if (item.utt.audioFlags?.length) out.audioFlags = item.utt.audioFlags;
      if (item.utt.markup) out.markup = item.utt.markup;
      if (phones && ok) out.phones = phones(ref, hyp);
      return out;
    },
  };
}
