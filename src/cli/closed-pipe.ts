/**
 * A closed pipe is not a failure: `asrfair synth … 2>&1 | head -1` or `asrfair run … | head -1` close the
 * reader after one line. Node ignores SIGPIPE, so the next write to that stream fails with EPIPE, emitted as
 * an 'error' event; without a listener it is an uncaught exception and the command dies (exit 1, no message,
 * its files half written). This module keeps every command working when stdout or stderr goes away: the
 * stream's later writes are dropped, the command finishes its work and writes its files, and its exit code
 * is what the work decided.
 */

type Guarded = NodeJS.WriteStream & { asrfairClosed?: boolean };

/** The errors that mean "the reader has gone" (EPIPE; ERR_STREAM_DESTROYED for a write after it). */
const READER_GONE = new Set(['EPIPE', 'ERR_STREAM_DESTROYED']);

/**
 * Installs the guard on `streams` (default stdout and stderr) once per stream: on EPIPE the stream is marked
 * closed and its `write` becomes a no-op that reports success (calling the callback, so callers awaiting it
 * go on). Any other stream error is rethrown as before. Returns a function that removes the listeners and
 * restores `write` (for tests that install it in process).
 */
export function surviveClosedPipes(streams: readonly NodeJS.WriteStream[] = [process.stdout, process.stderr]): () => void {
  const undo: (() => void)[] = [];
  for (const s of streams as Guarded[]) {
    const original = s.write;
    const onError = (e: NodeJS.ErrnoException): void => {
      if (!READER_GONE.has(String(e.code))) throw e;
      if (s.asrfairClosed) return;
      s.asrfairClosed = true;
      s.write = function dropped(_chunk: unknown, encodingOrCb?: unknown, cb?: unknown): boolean {
        const done = typeof encodingOrCb === 'function' ? encodingOrCb : cb;
        if (typeof done === 'function') process.nextTick(done as () => void);
        return true;
      } as NodeJS.WriteStream['write'];
    };
    s.on('error', onError);
    undo.push(() => {
      s.off('error', onError);
      s.write = original;
      delete s.asrfairClosed;
    });
  }
  return () => undo.forEach((f) => f());
}
