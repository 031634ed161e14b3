import type { ErrorCounts } from '../analysis/types.ts';
import type { ExportedUtterance } from '../report/run-export.ts';
import { alignCounts, tokenize } from '../score/align.ts';
import { charCounts } from '../score/metrics.ts';
import type { CostModel } from '../score/types.ts';
import { getNormaliser, type Normaliser } from '../text/normalise.ts';
import type { RunItemResult } from './store.ts';

export type Metric = 'wer' | 'cer' | 'per' | 'mer' | 'wil';

export interface ScorerOptions {
  normaliser: string;
  costModel: CostModel;
  metrics: readonly Metric[];
  /** Called once when a metric cannot be computed here (e.g. PER without the G2P module). */
  warn?: (msg: string) => void;
}

type PhoneCountsFn = (ref: string, hyp: string) => ErrorCounts;

/** Optional modules other parts of asrfair provide; imported by variable name so a missing one is a warning, not a crash. */
async function optionalImport<T>(spec: string): Promise<T | undefined> {
  try {
    return (await import(spec)) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw e;
  }
}

/** Loads the normaliser registry's optional members (the `english` normaliser registers itself on import). */
export async function loadNormaliser(name: string): Promise<Normaliser> {
  await optionalImport('../text/english.ts');
  return getNormaliser(name);
}

async function loadPhoneCounts(costModel: CostModel): Promise<PhoneCountsFn | undefined> {
  type PerModule = { phoneCounts(ref: string, hyp: string, g2p: unknown, costs?: CostModel): { counts: ErrorCounts } };
  type G2pModule = { createG2P(): Promise<unknown> };
  const per = await optionalImport<PerModule>('../text/per.ts');
  const g2pMod = await optionalImport<G2pModule>('../text/g2p.ts');
  if (!per || !g2pMod) return undefined;
  const g2p = await g2pMod.createG2P();
  return (ref, hyp) => per.phoneCounts(ref, hyp, g2p, costModel).counts;
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
  const normaliser = await loadNormaliser(opts.normaliser);
  let phones: PhoneCountsFn | undefined;
  if (opts.metrics.includes('per')) {
    phones = await loadPhoneCounts(opts.costModel);
    if (!phones) opts.warn?.('metric "per" skipped: the G2P / PER modules (src/text/g2p.ts, src/text/per.ts) are not available');
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
      if (phones && ok) out.phones = phones(ref, hyp);
      return out;
    },
  };
}
