import type { Interval } from '../stats/types.ts';
import type { CardRow, CardTable, ServiceCard } from './model.ts';

/** RFC 4180 quoting; text starting with = + - @ (or tab/CR) gets a leading ' so spreadsheets do not run it. */
export function csvCell(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  const s = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const HEADER = [
  'row_type', 'table_kind', 'group_by', 'backend', 'backend_name', 'condition', 'condition_name', 'group', 'suppressed',
  'speakers', 'utterances', 'failed', 'hours', 'ref_words', 'wer', 'wer_lo', 'wer_hi', 'mean_speaker_wer', 'cer', 'per',
  'gap_to_best', 'gap_lo', 'gap_hi', 'ratio_to_best', 'ratio_lo', 'ratio_hi', 'p', 'p_adjusted', 'correction', 'flags',
];

function iv(i: Interval | null): Array<number | null> {
  return i ? [i.estimate, i.lo, i.hi] : [null, null, null];
}

function line(cells: Array<string | number | boolean | null | undefined>): string {
  return cells.map(csvCell).join(',');
}

/** One CSV line per group (and one `overall` line) of every table. Rates are fractions, not percent. */
export function renderCsv(card: ServiceCard): string {
  const out = [HEADER.join(',')];
  const rowCells = (t: CardTable, type: string, r: Omit<CardRow, 'group' | 'suppressed' | 'flags'> & Partial<CardRow>, group: string) => [
    type, t.kind, t.groupBy, t.backend, t.backendName, t.condition, t.conditionName, group, r.suppressed ?? false,
    r.speakers, r.utterances, r.failed, r.hours, r.refWords, ...iv(r.wer), r.meanSpeakerWer, r.cer, r.per,
    ...iv(r.gapToBest ?? null), ...iv(r.ratioToBest ?? null), r.p ?? null, r.pAdjusted ?? null, card.settings.correction, (r.flags ?? []).join(';'),
  ];
  for (const t of card.tables) {
    for (const r of t.rows) out.push(line(rowCells(t, 'group', r, r.group)));
    out.push(line(rowCells(t, 'overall', { ...t.overall, gapToBest: null, ratioToBest: null, p: null, pAdjusted: null, diffToRest: null }, '')));
  }
  return out.join('\r\n') + '\r\n';
}
