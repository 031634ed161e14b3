/**
 * Why results failed, as one line a user can act on: failures are counted per cause (audio missing, audio
 * unreadable, no hypothesis for the utterance id, backend call failed), each with its first example (`file:line:
 * error` or `backend id: error`). A run where every result failed says its most frequent cause instead of ending as
 * if it had measured something (trial 11: 3,424 of 3,424 "audio failed", exit 0).
 */

/** The cause of a failed audio preparation: `no audio (text-only utterance)`, `audio missing` (the file does not exist) or `audio unreadable`. */
export function audioFailureCause(error: string): string {
  if (/has no audio \(text-only/.test(error)) return 'no audio (text-only utterance)';
  return /file not found|ENOENT|no such file/i.test(error) ? 'audio missing' : 'audio unreadable';
}

/** The cause of a failed backend call (after its retries): an id-keyed backend's missing answer, or the call itself. */
export function callFailureCause(error: string): string {
  if (/no hypothesis for id|no segment \S+ in/i.test(error)) return 'no answer for the utterance id in the hypotheses file (check idFrom/idPrefix)';
  return 'backend call failed';
}

/** Failures counted by cause, with the first example of each (in the order they happened). */
export class FailureCauses {
  private readonly byCause = new Map<string, { count: number; first: string }>();

  add(cause: string, example: string): void {
    const c = this.byCause.get(cause);
    if (c) c.count++;
    else this.byCause.set(cause, { count: 1, first: example });
  }

  /** Causes, most frequent first (ties: first seen first). */
  list(): Array<{ cause: string; count: number; first: string }> {
    return [...this.byCause].map(([cause, c]) => ({ cause, ...c })).sort((a, b) => b.count - a.count);
  }

  /**
   * One line for a run where all `results` (utterance × backend × condition items) failed: `all 3424 results failed:
   * audio missing (first: a.jsonl:1: …)`; other causes, when any, are counted after it. `noun` names what failed
   * (`glass` counts utterances: `all 4 utterances failed: …`).
   */
  allFailedLine(results: number, noun = 'results'): string {
    const [top, ...rest] = this.list();
    if (!top) return `all ${results} ${noun} failed`;
    const others = rest.length ? `; also ${rest.map((r) => `${r.cause} ×${r.count}`).join(', ')}` : '';
    return `all ${results} ${noun} failed: ${top.cause}${rest.length ? ` ×${top.count}` : ''} (first: ${top.first})${others}`;
  }
}

/** The cause of a stored failed result's error (`AudioError: …` from audio preparation, else a call's error). */
export function failureCause(error: string): string {
  return /^AudioError\b/.test(error) ? audioFailureCause(error) : callFailureCause(error);
}

/**
 * Root-cause lines for exported results (`check` leads with them): one `all N results failed: …` line when no
 * result is ok, else one `backend "b": all N results failed: …` line per backend with no ok result; [] otherwise.
 */
export function allFailedLines(rows: ReadonlyArray<{ id: string; backend: string; status: string; error?: string }>): string[] {
  const failedOf = (rs: typeof rows) => {
    const c = new FailureCauses();
    for (const r of rs) c.add(failureCause(r.error ?? ''), `${r.backend} ${r.id}: ${r.error ?? 'failed'}`);
    return c;
  };
  if (rows.length && rows.every((r) => r.status !== 'ok')) return [failedOf(rows).allFailedLine(rows.length)];
  const byBackend = new Map<string, Array<(typeof rows)[number]>>();
  for (const r of rows) byBackend.set(r.backend, [...(byBackend.get(r.backend) ?? []), r]);
  return [...byBackend]
    .filter(([, rs]) => rs.every((r) => r.status !== 'ok'))
    .map(([b, rs]) => `backend "${b}": ${failedOf(rs).allFailedLine(rs.length)}`);
}
