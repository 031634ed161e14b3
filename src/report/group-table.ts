import { escapeControl, groupCellText } from '../manifest/escape.ts';
import type { ExportedUtterance } from '../score/run-export.ts';

interface Cell {
  backend: string;
  condition: string;
  group: string;
  utterances: number;
  failed: number;
  /** Ok utterances whose (normalised) hypothesis is empty: scored as all deletions. */
  empty: number;
  speakers: Set<string>;
  words: number;
  errors: number;
}

/**
 * A quick per-group WER tally for the end of `asrfair run` (pooled Σerrors/Σwords over ok rows; no
 * intervals: `asrfair report` gives those). Memory: one speaker set per cell.
 */
export class GroupWerTally {
  private readonly cells = new Map<string, Cell>();
  constructor(readonly groupBy: string) {}

  add(u: ExportedUtterance): void {
    const group = u.labels[this.groupBy] ?? 'undeclared';
    const k = `${u.backend}\u0000${u.condition}\u0000${group}`;
    let c = this.cells.get(k);
    if (!c) {
      c = { backend: u.backend, condition: u.condition, group, utterances: 0, failed: 0, empty: 0, speakers: new Set(), words: 0, errors: 0 };
      this.cells.set(k, c);
    }
    if (u.status === 'failed') {
      c.failed++;
      return;
    }
    c.utterances++;
    if (u.hyp.trim() === '') c.empty++;
    c.speakers.add(u.speaker);
    c.words += u.words.ref;
    c.errors += u.words.sub + u.words.del + u.words.ins;
  }

  /** A Markdown table: backend, condition, group, speakers, utterances, failed, words, WER. */
  markdown(): string {
    const rows = [...this.cells.values()].sort(
      (a, b) => a.backend.localeCompare(b.backend) || a.condition.localeCompare(b.condition) || a.group.localeCompare(b.group),
    );
    const esc = (s: string) => escapeControl(s).replace(/\|/g, '\\|');
    const lines = [
      `| backend | condition | ${esc(this.groupBy)} | speakers | utterances | failed | ref words | WER |`,
      '|---|---|---|---:|---:|---:|---:|---:|',
    ];
    for (const r of rows) {
      const wer = r.words > 0 ? `${((100 * r.errors) / r.words).toFixed(1)}%` : '—';
      lines.push(`| ${esc(r.backend)} | ${esc(r.condition)} | ${esc(groupCellText(r.group))} | ${r.speakers.size} | ${r.utterances} | ${r.failed} | ${r.words} | ${wer} |`);
    }
    return lines.join('\n');
  }

  /**
   * One line counting the empty hypotheses (ok results with no word: every reference word a deletion) per backend ×
   * condition and group, or undefined when there are none; the card counts them too (its `Empty hyp.` column).
   */
  emptyLine(): string | undefined {
    const cells = [...this.cells.values()].filter((c) => c.empty > 0).sort(
      (a, b) => a.backend.localeCompare(b.backend) || a.condition.localeCompare(b.condition) || a.group.localeCompare(b.group),
    );
    if (!cells.length) return undefined;
    const by = new Map<string, string[]>();
    for (const c of cells) {
      const k = `${c.backend} · ${c.condition}`;
      by.set(k, [...(by.get(k) ?? []), `${c.group} ${c.empty} of ${c.utterances}`]);
    }
    return escapeControl(`empty hypotheses (scored: every reference word a deletion), by ${this.groupBy}: ${[...by].map(([k, v]) => `${k}: ${v.join(', ')}`).join('; ')}`);
  }
}
