/**
 * Decodes under a wall-clock limit that counts decoding only: at most `parallel` items are worked on at once (one per
 * decoder process), and each item's timer starts when its decode starts, not when it is queued. (Trial 19: 80 test
 * decodes started at once on 2 decoders, each with a 600 s timer from issue; on a loaded machine the last two in the
 * queue, one child speaker's, timed out while waiting and that group's row lost them.)
 */

/** What `decodeEach` hands each item: its 0-based index and a signal that fires `timeoutMs` after its own start. */
export type TimedWork<T, R> = (item: T, index: number, signal: AbortSignal) => Promise<R>;

/**
 * Runs `work` on every item, at most `parallel` (≥ 1) at a time, in order of `items`; each call gets
 * `AbortSignal.timeout(timeoutMs)` made when that call starts. Resolves with the results in the order of `items`;
 * a call that rejects rejects the whole (callers catch per item). `timeoutMs` in milliseconds.
 */
export async function decodeEach<T, R>(items: readonly T[], parallel: number, timeoutMs: number, work: TimedWork<T, R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await work(items[i], i, AbortSignal.timeout(timeoutMs));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(Math.floor(parallel) || 1, items.length)) }, lane));
  return out;
}

/** Wall-clock limit of one dev/test decode in `adapt` (from its start), in ms. */
export const ADAPT_DECODE_TIMEOUT_MS = 600_000;
