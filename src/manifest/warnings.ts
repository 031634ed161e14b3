/**
 * Collects warnings or errors by kind and prints them summarised: the first `limit` messages as they came, then how
 * many of each kind there were in all (so 2,170 skipped rows print as 20 lines and one count, not 2,170 lines).
 */
export class WarningSummary {
  private readonly shown: string[] = [];
  private readonly byKind = new Map<string, number>();
  private total = 0;
  constructor(readonly limit = 20) {}

  /** Records one message under `kind` (e.g. "audio file not found"); only the first `limit` messages are kept. */
  add(kind: string, message: string): void {
    this.total++;
    this.byKind.set(kind, (this.byKind.get(kind) ?? 0) + 1);
    if (this.shown.length < this.limit) this.shown.push(message);
  }

  /** Every message added, shown or not. */
  get count(): number {
    return this.total;
  }

  /** kind → count, most frequent first (ties by name). */
  counts(): Array<[string, number]> {
    return [...this.byKind].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  }

  /**
   * Lines to print: each shown message prefixed by `prefix`, then (when anything was left out, or several kinds
   * occurred) one line `<noun>s by kind: kind ×n, …` with the totals; `see` (when given) says where all are listed.
   */
  lines(prefix = 'warning: ', noun = 'warning', see?: string): string[] {
    const out = this.shown.map((m) => `${prefix}${m}`);
    if (this.total > this.shown.length || this.byKind.size > 1) {
      const left = this.total - this.shown.length;
      out.push(
        `${this.total} ${noun}${this.total === 1 ? '' : 's'}${left > 0 ? ` (${left} not shown${see ? `; see ${see}` : ''})` : ''} by kind: ` +
          this.counts().map(([k, n]) => `${k} ×${n}`).join(', '),
      );
    }
    return out;
  }
}
