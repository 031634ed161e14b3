/**
 * One self-contained HTML page: inline SVG charts, sortable tables, per-group drill-down to utterances
 * with the coloured word alignment and an audio player. No external assets. Every piece of text from
 * the data goes through `esc`; the Content-Security-Policy allows only the page's own script and style
 * (by sha256 hash), so an injected tag could not run even if escaping failed.
 */
import { audioVerdict } from './audio-embed.ts';
import { escapeControl, groupCellText } from '../manifest/escape.ts';
import { incompleteBanner, incompleteGroupNote } from './incomplete.ts';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ScoredUtterance } from '../analysis/types.ts';
import { align, tokenize } from '../score/align.ts';
import type { AlignOp } from '../score/types.ts';
import { capitalise, DASH, fmtGap, fmtHours, fmtInt, fmtP, fmtPCell, fmtPct, fmtPctInterval, fmtPp, fmtRatio, NOT_ENOUGH_DATA, otherWerMetrics, UNDECIDED_TEXT } from './format.ts';
import { werMetricLabel } from '../analysis/groups.ts';
import { notListedText, suppressedNote, suppressionText } from './publish.ts';
import { groupLabelOf, noScoredText, suppressionOf, visibleGroups, type CardDegradation, type CardModel, type CardRow, type CardTable, type ServiceCard } from './model.ts';
import { degradationNoScoredText } from './sections.ts';
import {
  comparisonNote, GAP_TO_BEST_HEADER, RATIO_TO_BEST_HEADER, bestFlagText, bestGroupText, GAP_TO_REST_HEADER, noIntervalNote, covariateLabel, degradationFlagText, degradationHasUndefinedInterval, degradationHeading, degradationSuppressedNote, hasEmptyHyp, hasFailed, hasRawP, hasUndefinedInterval, SMALL_CELL_P_NOTE,
  modelSectionTitle, modelSummaryText, pHeader, settingsWarnings, tableHeading, withinBetweenText,
} from './render-md.ts';
import type { ExportedUtterance } from '../score/run-export.ts';
import { countsText, dataQualityNote, DATA_QUALITY_TITLE } from './data-quality.ts';
import { REMEDY_TITLE } from './remedy-section.ts';
import { REMEDY_HEAD, remedyHeading, remedyRows, remedySentences } from './render-remedy.ts';

export interface HtmlOptions {
  /** Folder the page is written to: audio links are made relative to it (else file:// URLs). */
  outDir?: string;
  /** Inline audio as data: URIs (for small runs; stops at `embedAudioMaxBytes`). */
  embedAudio?: boolean;
  embedAudioMaxBytes?: number;
  /** Folders audio may come from besides the run folder (run.json `audioRoots`: the manifests' folders). */
  audioRoots?: readonly string[];
  /** Use audio whose real path is outside those folders too (it is then listed on the card). */
  allowOutsideAudio?: boolean;
  /** Utterances listed per group in the drill-down, worst first (default 100). */
  drillLimit?: number;
}

export interface HtmlRun {
  /** Run export folder: relative audio paths are relative to it. */
  dir: string;
  utterances: readonly ExportedUtterance[];
}

/** Escapes text for HTML element content and quoted attribute values. */
export function esc(s: string | number): string {
  return escapeControl(String(s), true).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** An HTML table of plain-text cells (each escaped): the opening with the header, one line per row, the closing. */
export function htmlTextTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return [
    `<table><thead><tr>${head.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>`,
    ...rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`),
    '</tbody></table>',
  ].join('\n');
}

/**
 * The card's stylesheet: every asrfair HTML page (card, glass box) uses it, so they share one visual language.
 * On screen, charts scale to their box (viewBox, max-width 100%), hashes wrap, and wide tables scroll inside their
 * own `.tablewrap`, so a 375 px phone never scrolls the page sideways. In print (landscape, 10 mm margins: 16+
 * columns do not fit a portrait page at a legible size) tables wrap instead of scrolling, every column is printed
 * (the secondary-column toggle is a screen control), charts shrink to fit one page, and drill-downs print as the
 * reader left them: open ones in full, closed ones as their summary line (all open, the Artie Amazon + Google card
 * is 221 A4 pages instead of 25).
 */
export const CARD_STYLE = `
:root{--fg:#1d2330;--muted:#5b6475;--line:#d9dde5;--bg:#fff;--best:#2f7d4f;--bad:#b3261e;--bar:#4b6cb7;--small:#a9b4c8}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;max-width:1280px;padding:16px 24px 48px}
h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:15px;margin:20px 0 6px}
.banner{background:#fff4d6;border:1px solid #e6c35c;padding:8px 12px;border-radius:6px}
.meta{color:var(--muted)}
nav ul{margin:4px 0;padding-left:18px}
.charts{display:flex;flex-wrap:wrap;gap:16px}
figure{margin:0}.tablewrap{overflow-x:auto}figcaption{color:var(--muted);font-size:12px}
svg text{font:11px system-ui,sans-serif;fill:var(--fg)}
svg .axis{stroke:#999;stroke-width:1}svg .grid{stroke:#eee;stroke-width:1}
svg .bar{fill:var(--bar)}svg .bar.best{fill:var(--best)}svg .bar.sig{fill:var(--bad)}svg .bar.small{fill:var(--small)}
svg .ci{stroke:#222;stroke-width:1.3}svg .zero{stroke:#555;stroke-dasharray:3 3}
svg .pt{fill:var(--bar)}svg .pt.sig{fill:var(--bad)}svg .pt.best{fill:var(--best)}svg .pt.small{fill:var(--small)}
table{border-collapse:collapse;margin:8px 0;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
th[data-sort]{cursor:pointer;user-select:none}th[data-sort]:hover{background:#f3f5f9}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
tfoot td{font-weight:600}
tr.suppressed td{color:var(--muted)}
.flag{display:inline-block;border-radius:4px;padding:0 5px;font-size:12px;margin-left:2px}
.flag.sig{background:#fbe3e1;color:var(--bad)}.warn{background:#fff4d6;border-left:3px solid #e6c35c;padding:4px 8px}.flag.small{background:#eceff5;color:var(--muted)}.flag.better{background:#e3ecfa;color:#2b4c8c}.flag.best{background:#e1f3e8;color:var(--best)}
details{border:1px solid var(--line);border-radius:6px;margin:6px 0;padding:4px 10px}
summary{cursor:pointer;font-weight:600}
.utt{border-top:1px solid var(--line);padding:8px 0}
.utt .hd{color:var(--muted);font-size:12px;display:flex;gap:12px;flex-wrap:wrap;align-items:center}
.align{display:flex;flex-wrap:wrap;gap:2px 4px;margin:6px 0;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px}
.op{display:inline-flex;flex-direction:column;padding:1px 3px;border-radius:3px}
.op .h{color:var(--muted)}
.op.S{background:#fdecc8}.op.D{background:#fbe3e1}.op.I{background:#dcecfb}
.op.S .r,.op.D .r{text-decoration:line-through;text-decoration-color:#b3261e}
.legend .op{display:inline-flex;flex-direction:row;gap:4px;margin-right:6px}
.err{color:var(--bad)}
audio{height:28px;vertical-align:middle}
footer ol{padding-left:20px}footer li{margin:3px 0}
th.v,td.v{background:#fbfcfe}td.grp{white-space:normal;min-width:9em;max-width:22em;overflow-wrap:anywhere}
td.flags{text-align:left;white-space:normal;min-width:8em}
.showsec{margin:8px 4px 0 0}.seclabel{color:var(--muted);font-size:12px;cursor:pointer}
.showsec:not(:checked)~.tablewrap .sec{display:none}
.chart-legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px;color:var(--muted);margin:6px 0}
.key{display:inline-flex;align-items:center;gap:5px}.sw{display:inline-block;width:14px;height:10px;border-radius:2px}
.sw.plain{background:var(--bar)}.sw.sig{background:var(--bad)}.sw.best{background:var(--best)}.sw.small{background:var(--small)}
svg.chart{max-width:100%;height:auto}figure{min-width:0;max-width:100%}
body{overflow-wrap:break-word}code,.utt .hd span{overflow-wrap:anywhere;min-width:0}
@page{size:landscape;margin:10mm}
@media print{
body{max-width:none;padding:0}
.tablewrap{overflow:visible}
table{font-size:10px}th,td{white-space:normal;padding:2px 3px}
td .flag{font-size:inherit}
.showsec,.seclabel{display:none}.showsec:not(:checked)~.tablewrap .sec{display:table-cell}
svg.chart{width:auto;height:auto;max-height:170mm}
tr,figure,.utt{break-inside:avoid}
}
`;

// Sorts tables on header click (numbers by data-v, missing values last) and opens a drill-down from its link.
const SCRIPT = `(function(){
function val(c,num){var v=c.getAttribute('data-v');if(v===null)v=c.textContent||'';if(!num)return v;return v===''?NaN:Number(v);}
function sortBy(t,ci,th){var num=th.getAttribute('data-sort')==='num';var asc=th.getAttribute('aria-sort')!=='ascending';
var hs=t.tHead.rows[0].cells;for(var i=0;i<hs.length;i++)hs[i].removeAttribute('aria-sort');
th.setAttribute('aria-sort',asc?'ascending':'descending');var b=t.tBodies[0];var rows=Array.prototype.slice.call(b.rows);
rows.sort(function(x,y){var a=val(x.cells[ci],num),c=val(y.cells[ci],num);
if(num){var na=isNaN(a),nc=isNaN(c);if(na||nc)return na===nc?0:(na?1:-1);return asc?a-c:c-a;}
return asc?String(a).localeCompare(String(c)):String(c).localeCompare(String(a));});
for(var k=0;k<rows.length;k++)b.appendChild(rows[k]);}
var ts=document.querySelectorAll('table.sortable');
for(var i=0;i<ts.length;i++)(function(t){var hs=t.tHead.rows[0].cells;for(var j=0;j<hs.length;j++)(function(th,ci){
if(!th.hasAttribute('data-sort'))return;th.tabIndex=0;th.addEventListener('click',function(){sortBy(t,ci,th);});
th.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){e.preventDefault();sortBy(t,ci,th);}});})(hs[j],j);})(ts[i]);
function openHash(h){if(!h||h.length<2)return;var d=document.getElementById(h.slice(1));if(d&&d.tagName==='DETAILS')d.open=true;}
var ls=document.querySelectorAll('a.drill');for(var n=0;n<ls.length;n++)ls[n].addEventListener('click',function(e){openHash(this.getAttribute('href'));});
openHash(location.hash);window.addEventListener('hashchange',function(){openHash(location.hash);});
})();`;

export function sha256b64(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('base64');
}

/** The page's Content-Security-Policy: nothing external, only this script and style (by hash). */
export function contentSecurityPolicy(): string {
  return [
    "default-src 'none'",
    `script-src 'sha256-${sha256b64(SCRIPT)}'`,
    `style-src 'sha256-${sha256b64(CARD_STYLE)}'`,
    'img-src data:',
    "media-src 'self' file: data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

function isSig(r: CardRow): boolean {
  return r.flags.includes('significant-gap');
}

function barClass(r: CardRow): string {
  return r.flags.includes('best') ? 'best' : isSig(r) || r.flags.includes('no-scored-utterances') ? 'sig' : r.flags.includes('small-cell') ? 'small' : '';
}

function shortLabel(s: string, n = 30): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function niceMax(x: number): number {
  if (!(x > 0)) return 0.01;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

const CHART_W = 580;
const ROW_H = 22;

/** Label column width from the longest label (about 6.2 px a character at 11 px), within bounds. */
function labelWidth(groups: readonly string[]): number {
  return Math.min(270, Math.max(90, Math.ceil(Math.max(0, ...groups.map((g) => g.length)) * 6.2) + 10));
}

function labelFits(s: string, width: number): string {
  return shortLabel(s, Math.max(6, Math.floor((width - 10) / 6.2)));
}

/** Round tick positions covering [lo, hi] (about four intervals). */
function ticks(lo: number, hi: number): number[] {
  const raw = (hi - lo) / 4;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((st) => st >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** Horizontal bars of WER per group with 95% CI whiskers. */
export function werChart(t: CardTable): string {
  const rows = t.rows.filter((r) => r.wer);
  const LABEL_W = labelWidth(rows.map((r) => r.group));
  const top = 8;
  const h = top + rows.length * ROW_H + 28;
  const max = niceMax(Math.max(...rows.map((r) => (Number.isFinite(r.wer!.hi) ? r.wer!.hi : r.wer!.estimate)), 0));
  const x = (v: number) => LABEL_W + (Math.max(0, Math.min(v, max)) / max) * (CHART_W - LABEL_W - 20);
  const parts: string[] = [];
  for (const v of ticks(0, max)) {
    parts.push(`<line class="grid" x1="${x(v).toFixed(1)}" x2="${x(v).toFixed(1)}" y1="${top}" y2="${h - 24}"/>`);
    parts.push(`<text x="${x(v).toFixed(1)}" y="${h - 10}" text-anchor="middle">${esc(fmtPct(v, max < 0.05 ? 1 : 0))}</text>`);
  }
  rows.forEach((r, i) => {
    const y = top + i * ROW_H;
    const w = r.wer!;
    parts.push(`<text x="${LABEL_W - 6}" y="${y + 15}" text-anchor="end"><title>${esc(r.group)}</title>${esc(labelFits(r.group, LABEL_W))}</text>`);
    parts.push(`<rect class="bar ${barClass(r)}" x="${LABEL_W}" y="${y + 4}" width="${Math.max(0, x(w.estimate) - LABEL_W).toFixed(1)}" height="${ROW_H - 8}"><title>${esc(`${r.group}: WER ${fmtPctInterval(w)}`)}</title></rect>`);
    if (Number.isFinite(w.lo) && Number.isFinite(w.hi)) {
      const cy = y + ROW_H / 2;
      parts.push(`<line class="ci" x1="${x(w.lo).toFixed(1)}" x2="${x(w.hi).toFixed(1)}" y1="${cy}" y2="${cy}"/>`);
      parts.push(`<line class="ci" x1="${x(w.lo).toFixed(1)}" x2="${x(w.lo).toFixed(1)}" y1="${cy - 4}" y2="${cy + 4}"/>`);
      parts.push(`<line class="ci" x1="${x(w.hi).toFixed(1)}" x2="${x(w.hi).toFixed(1)}" y1="${cy - 4}" y2="${cy + 4}"/>`);
    }
  });
  parts.push(`<line class="axis" x1="${LABEL_W}" x2="${LABEL_W}" y1="${top}" y2="${h - 24}"/>`);
  return `<svg class="chart wer" role="img" aria-label="WER by group with 95% intervals" width="${CHART_W}" height="${h}" viewBox="0 0 ${CHART_W} ${h}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

/** Forest plot of the gap to the rest (percentage points, the comparison p tests) with 95% CIs and a zero line. */
export function gapChart(t: CardTable): string {
  const rows = t.rows.filter((r) => r.gapToRest);
  const LABEL_W = labelWidth(rows.map((r) => r.group));
  const top = 8;
  const h = top + rows.length * ROW_H + 28;
  const fin = (v: number) => (Number.isFinite(v) ? v : 0);
  let lo = Math.min(0, ...rows.map((r) => fin(r.gapToRest!.lo)), ...rows.map((r) => fin(r.gapToRest!.estimate)));
  let hi = Math.max(0, ...rows.map((r) => fin(r.gapToRest!.hi)), ...rows.map((r) => fin(r.gapToRest!.estimate)));
  if (hi - lo < 0.01) hi = lo + 0.01;
  const pad = (hi - lo) * 0.05;
  lo -= pad;
  hi += pad;
  const x = (v: number) => LABEL_W + ((Math.max(lo, Math.min(hi, v)) - lo) / (hi - lo)) * (CHART_W - LABEL_W - 20);
  const parts: string[] = [];
  for (const v of ticks(lo, hi)) {
    parts.push(`<line class="grid" x1="${x(v).toFixed(1)}" x2="${x(v).toFixed(1)}" y1="${top}" y2="${h - 24}"/>`);
    parts.push(`<text x="${x(v).toFixed(1)}" y="${h - 10}" text-anchor="middle">${esc(`${(v * 100).toFixed(1)} pp`)}</text>`);
  }
  parts.push(`<line class="zero" x1="${x(0).toFixed(1)}" x2="${x(0).toFixed(1)}" y1="${top}" y2="${h - 24}"/>`);
  rows.forEach((r, i) => {
    const y = top + i * ROW_H;
    const cy = y + ROW_H / 2;
    const g = r.gapToRest!;
    parts.push(`<text x="${LABEL_W - 6}" y="${y + 15}" text-anchor="end"><title>${esc(r.group)}</title>${esc(labelFits(r.group, LABEL_W))}</text>`);
    if (Number.isFinite(g.lo) && Number.isFinite(g.hi)) {
      parts.push(`<line class="ci" x1="${x(g.lo).toFixed(1)}" x2="${x(g.hi).toFixed(1)}" y1="${cy}" y2="${cy}"/>`);
    }
    parts.push(`<circle class="pt ${barClass(r)}" cx="${x(g.estimate).toFixed(1)}" cy="${cy}" r="4"><title>${esc(`${r.group}: gap to rest ${fmtGap(g)}`)}</title></circle>`);
  });
  return `<svg class="chart gap" role="img" aria-label="Gap to the rest with 95% intervals" width="${CHART_W}" height="${h}" viewBox="0 0 ${CHART_W} ${h}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

function num(v: number | null | undefined): string {
  return typeof v === 'number' && Number.isFinite(v) ? String(v) : '';
}

function flagsHtml(r: CardRow): string {
  if (r.suppressed) return `<span class="flag small">suppressed</span>`;
  return r.flags
    .map((f) =>
      f === 'best'
        ? `<span class="flag best">${esc(bestFlagText(r))}</span>`
        : f === 'small-cell'
          ? '<span class="flag small">small cell</span>'
          : f === 'no-scored-utterances'
            ? `<span class="flag sig">${esc(noScoredText(r))}</span>`
          : f === 'better-than-rest'
            ? '<span class="flag better">better than rest</span>'
            : f === 'undecided'
              ? `<span class="flag small">${esc(UNDECIDED_TEXT)}</span>`
              : '<span class="flag sig">significant gap</span>',
    )
    .join('');
}

type Col = {
  head: string;
  sort: 'num' | 'text' | null;
  /** Verdict columns are always shown, first; secondary ones can be hidden with the table's toggle. */
  kind: 'verdict' | 'sec';
  cell: (r: CardRow) => string;
  foot: string;
};

function incompleteFlagHtml(card: ServiceCard, t: CardTable, group: string): string {
  const note = t.kind === 'group' ? incompleteGroupNote(card.meta, t.groupBy, group) : undefined;
  return note ? `<span class="flag small">${esc(note)}</span>` : '';
}

function cardTable(t: CardTable, card: ServiceCard, drillIds: Map<string, string>): string {
  const per = t.overall.per !== null || t.rows.some((r) => r.per !== null);
  const failed = hasFailed(t);
  const empty = hasEmptyHyp(t);
  const ref = t.referenceGroup !== null;
  const alpha = card.settings.alpha;
  const td = (text: string, v: number | null | undefined, cls = '') => `<td${cls ? ` class="${cls}"` : ''} data-v="${num(v)}">${esc(text)}</td>`;
  const o = t.overall;
  const ft = (s: string, cls = '') => `<td${cls ? ` class="${cls}"` : ''}>${esc(s)}</td>`;
  const V = 'verdict';
  const cols: Col[] = [
    { head: 'Speakers', sort: 'num', kind: V, cell: (r) => td(fmtInt(r.speakers), r.speakers), foot: ft(fmtInt(o.speakers)) },
    { head: `${capitalise(werMetricLabel(card.settings.headline))} [95% CI]`, sort: 'num', kind: V, cell: (r) => td(fmtPctInterval(r.wer), r.wer?.estimate, 'v'), foot: ft(fmtPctInterval(o.wer), 'v') },
    { head: GAP_TO_REST_HEADER, sort: 'num', kind: V, cell: (r) => td(fmtGap(r.gapToRest), r.gapToRest?.estimate, 'v'), foot: ft(DASH, 'v') },
    { head: pHeader(card), sort: 'num', kind: V, cell: (r) => td(fmtPCell(r, alpha), r.pAdjusted, 'v'), foot: ft(DASH, 'v') },
    { head: 'Flags', sort: null, kind: V, cell: (r) => `<td class="v flags">${flagsHtml(r)}${incompleteFlagHtml(card, t, r.group)}</td>`, foot: '<td class="v flags"></td>' },
    { head: 'Utterances', sort: 'num', kind: 'sec', cell: (r) => td(fmtInt(r.utterances), r.utterances, 'sec'), foot: ft(fmtInt(o.utterances), 'sec') },
    ...(failed ? [{ head: 'Failed', sort: 'num', kind: 'sec', cell: (r: CardRow) => td(fmtInt(r.failed), r.failed, 'sec'), foot: ft(fmtInt(o.failed), 'sec') } as Col] : []),
    ...(empty ? [{ head: 'Empty hyp.', sort: 'num', kind: 'sec', cell: (r: CardRow) => td(fmtInt(r.emptyHyp), r.emptyHyp, 'sec'), foot: ft(fmtInt(o.emptyHyp), 'sec') } as Col] : []),
    { head: 'Hours', sort: 'num', kind: 'sec', cell: (r) => td(fmtHours(r.hours), r.hours, 'sec'), foot: ft(fmtHours(o.hours), 'sec') },
    { head: 'Ref words', sort: 'num', kind: 'sec', cell: (r) => td(fmtInt(r.refWords), r.refWords, 'sec'), foot: ft(fmtInt(o.refWords), 'sec') },
    ...otherWerMetrics(card.settings.headline).map((m): Col => ({
      head: `${capitalise(werMetricLabel(m))} [95% CI]`, sort: 'num', kind: 'sec',
      cell: (r) => td(fmtPctInterval(r.werMetrics?.[m]), r.werMetrics?.[m].estimate, 'sec'), foot: ft(fmtPctInterval(o.werMetrics?.[m]), 'sec'),
    })),
    { head: 'CER', sort: 'num', kind: 'sec', cell: (r) => td(fmtPct(r.cer), r.cer, 'sec'), foot: ft(fmtPct(o.cer), 'sec') },
    ...(per ? [{ head: 'PER', sort: 'num', kind: 'sec', cell: (r: CardRow) => td(fmtPct(r.per), r.per, 'sec'), foot: ft(fmtPct(o.per), 'sec') } as Col] : []),
    { head: GAP_TO_BEST_HEADER, sort: 'num', kind: 'sec', cell: (r) => td(fmtGap(r.gapToBest), r.gapToBest?.estimate, 'sec'), foot: ft(DASH, 'sec') },
    { head: RATIO_TO_BEST_HEADER, sort: 'num', kind: 'sec', cell: (r) => td(fmtRatio(r.ratioToBest), r.ratioToBest?.estimate, 'sec'), foot: ft(DASH, 'sec') },
    ...(ref ? [{ head: `Gap to ${t.referenceGroup} [95% CI]`, sort: 'num', kind: 'sec', cell: (r: CardRow) => td(fmtGap(r.gapToReference), r.gapToReference?.estimate, 'sec'), foot: ft(DASH, 'sec') } as Col] : []),
    { head: 'Detectable gap', sort: 'num', kind: 'sec', cell: (r) => td(fmtPp(r.minDetectableGap), r.minDetectableGap, 'sec'), foot: ft(DASH, 'sec') },
  ];
  const th =
    '<th scope="col" data-sort="text">Group</th>' +
    cols.map((c) => `<th scope="col"${c.sort ? ` data-sort="${c.sort}"` : ''}${c.kind === 'sec' ? ' class="sec"' : ' class="v"'}>${esc(c.head)}</th>`).join('');
  const body = t.rows
    .map((r) => {
      const id = drillIds.get(r.group);
      const name = id ? `<a class="drill" href="#${id}">${esc(groupCellText(r.group))}</a>` : esc(groupCellText(r.group));
      return (
        `<tr${r.suppressed ? ' class="suppressed"' : ''} data-group="${esc(r.group)}"><td class="v grp" data-v="${esc(r.group)}">${name}${r.suppressed ? ' †' : ''}</td>` +
        cols.map((c) => c.cell(r)).join('') +
        '</tr>'
      );
    })
    .join('\n');
  const foot = `<tr><td class="v grp">All groups</td>${cols.map((c) => c.foot).join('')}</tr>`;
  const toggle = `<input type="checkbox" class="showsec" id="sec-${esc(t.id)}" checked><label class="seclabel" for="sec-${esc(t.id)}">Secondary columns (sizes, CER, PER, gap and ratio to best, detectable gap)</label>`;
  return `${toggle}<div class="tablewrap"><table class="sortable card" id="tbl-${esc(t.id)}"><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody><tfoot>${foot}</tfoot></table></div>`;
}

/** Colour key of the charts: every colour a bar or point can take. */
export function chartLegend(): string {
  const item = (cls: string, text: string) => `<span class="key"><span class="sw ${cls}"></span>${esc(text)}</span>`;
  return (
    `<p class="legend chart-legend">` +
    item('plain', 'no significant gap') +
    item('sig', 'significant gap (worse than the rest, adjusted p < α)') +
    item('best', 'best group (lowest WER among declared groups meeting the minimum cell)') +
    item('small', 'not enough data (below the minimum cell)') +
    `<span class="key">— whisker: 95% interval; [—]: none (too few speakers)</span></p>`
  );
}

function modelHtml(m: CardModel): string {
  const head = `<h3>${esc(m.backendName)}</h3>`;
  if (m.error) return `<div class="model" data-backend="${esc(m.backend)}">${head}<p class="warn">Model not fitted: ${esc(m.error)}</p></div>`;
  const td = (text: string, v: number | null | undefined) => `<td data-v="${num(v)}">${esc(text)}</td>`;
  const groups = m.groups
    .map(
      (g) =>
        `<tr data-group="${esc(g.group)}"${g.suppressed ? ' class="suppressed"' : ''}><td data-v="${esc(g.group)}">${esc(g.group)}${g.reference ? ' (reference)' : ''}${g.suppressed ? ' †' : ''}</td>` +
        td(fmtInt(g.utterances), g.utterances) + (g.reference && !g.suppressed ? td('1 (reference)', 1) : g.suppression ? td(suppressionText(g.suppression), null) : g.smallCell ? td(NOT_ENOUGH_DATA, null) : td(fmtRatio(g.rateRatio), g.rateRatio?.estimate)) + td(fmtP(g.p), g.p) +
        (g.reference && !g.suppressed ? td('1 (reference)', 1) : td(fmtRatio(g.unadjusted), g.unadjusted?.estimate)) + '</tr>',
    )
    .join('');
  const covs = m.covariates
    .map((c) => `<tr><td>${esc(covariateLabel(c.name))}</td>${td(fmtRatio(c.rateRatio), c.rateRatio.estimate)}${td(fmtP(c.p), c.p)}</tr>`)
    .join('');
  return (
    `<div class="model" data-backend="${esc(m.backend)}">${head}<p class="meta">${esc(modelSummaryText(m))}</p>` +
    m.collinearityWarnings.map((w) => `<p class="warn collinearity"><strong>Collinearity warning:</strong> ${esc(w)}</p>`).join('') +
    `<div class="tablewrap"><table class="sortable model-groups"><thead><tr><th scope="col" data-sort="text">Group (${esc(m.groupBy)})</th><th scope="col" data-sort="num">Utterances</th><th scope="col" data-sort="num">Rate ratio [95% CI]</th><th scope="col" data-sort="num">p</th><th scope="col" data-sort="num">Rate ratio without covariates [95% CI]</th></tr></thead><tbody>${groups}</tbody></table></div>` +
    (covs ? `<div class="tablewrap"><table class="model-covariates"><thead><tr><th scope="col">Covariate</th><th scope="col">Rate ratio [95% CI]</th><th scope="col">p</th></tr></thead><tbody>${covs}</tbody></table></div>` : '') +
    m.warnings.map((w) => `<p class="warn">Warning: ${esc(w)}</p>`).join('') +
    `</div>`
  );
}

function degradationHtml(d: CardDegradation, card: ServiceCard): string {
  const td = (text: string, v: number | null | undefined) => `<td data-v="${num(v)}">${esc(text)}</td>`;
  const head: Array<[string, 'num' | 'text' | null]> = [
    ['Group', 'text'], ['Speakers', 'num'], ['Utterances', 'num'], [`WER ${d.cleanCondition}`, 'num'], [`WER ${d.conditionName}`, 'num'],
    ['Degradation [95% CI]', 'num'], ['Excess over rest [95% CI]', 'num'], [`Adj. p (${card.settings.correction})`, 'num'], ['Flags', null],
  ];
  const th = head.map(([h, s]) => `<th scope="col"${s ? ` data-sort="${s}"` : ''}>${esc(h)}</th>`).join('');
  const body = d.rows
    .map((r) => {
      const flags = r.suppressed
        ? `<span class="flag small">${esc(degradationFlagText(r))}</span>`
        : (r.smallCell ? '<span class="flag small">small cell</span>' : '') + (r.degradesMore ? '<span class="flag sig">degrades more</span>' : '');
      return (
        `<tr data-group="${esc(r.group)}"${r.suppressed ? ' class="suppressed"' : ''}><td data-v="${esc(r.group)}">${esc(r.group)}${r.suppressed ? ' †' : ''}</td>` +
        td(fmtInt(r.speakers), r.speakers) + td(fmtInt(r.utterances), r.utterances) + td(fmtPct(r.werClean), r.werClean) + td(fmtPct(r.werCondition), r.werCondition) +
        td(fmtGap(r.degradation), r.degradation?.estimate) + td(fmtGap(r.excessOverRest), r.excessOverRest?.estimate) + td(fmtP(r.pAdjusted, card.settings.alpha), r.pAdjusted) +
        `<td>${flags}</td></tr>`
      );
    })
    .join('\n');
  const foot = `<tr><td>All groups</td><td>${DASH}</td><td>${DASH}</td><td>${DASH}</td><td>${DASH}</td><td>${esc(fmtGap(d.overall))}</td><td>${DASH}</td><td>${DASH}</td><td></td></tr>`;
  return (
    `<section class="degradation" id="s-${esc(d.id)}"><h3>${esc(degradationHeading(d))}</h3>` +
    `<div class="tablewrap"><table class="sortable" id="tbl-${esc(d.id)}"><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody><tfoot>${foot}</tfoot></table></div>` +
    (d.rows.some((r) => r.suppressed) || d.overall === null ? `<p class="meta">${esc(degradationSuppressedNote(d))}</p>` : '') +
    (degradationNoScoredText(d) ? `<p class="meta">${esc(degradationNoScoredText(d)!)}</p>` : '') +
    (degradationHasUndefinedInterval(d) ? `<p class="meta">${esc(noIntervalNote(card.settings.minCell))}</p>` : '') +
    `</section>`
  );
}

/** Word alignment as stacked ref/hyp tokens coloured by operation (C, S, D, I). */
export function alignmentHtml(ops: readonly AlignOp[]): string {
  return `<div class="align">${ops
    .map((o) => `<span class="op ${o.type}" title="${o.type === 'C' ? 'correct' : o.type === 'S' ? 'substitution' : o.type === 'D' ? 'deletion' : 'insertion'}"><span class="r">${esc(o.ref ?? '***')}</span><span class="h">${esc(o.hyp ?? '***')}</span></span>`)
    .join('')}</div>`;
}

const MIME: Record<string, string> = {
  '.wav': 'audio/wav', '.mp3': 'audio/mpeg', '.ogg': 'audio/ogg', '.opus': 'audio/ogg', '.flac': 'audio/flac',
  '.m4a': 'audio/mp4', '.webm': 'audio/webm', '.aac': 'audio/aac',
};

class AudioLinker {
  private embedded = 0;
  overBudget = false;
  /** Audio files used from outside the audio roots (only with allowOutsideAudio). */
  readonly outside = new Set<string>();
  constructor(
    private readonly runDir: string,
    private readonly opts: HtmlOptions,
  ) {}

  src(u: ExportedUtterance): string | undefined {
    if (!u.audio) return undefined;
    const abs = isAbsolute(u.audio) ? u.audio : resolve(this.runDir, u.audio);
    const verdict = audioVerdict(abs, u.status === 'ok', [this.runDir, ...(this.opts.audioRoots ?? [])], Boolean(this.opts.allowOutsideAudio));
    if (verdict.outside && verdict.real && (verdict.link || verdict.embed)) this.outside.add(verdict.real);
    if (!verdict.link && !verdict.embed) return undefined;
    if (this.opts.embedAudio && verdict.embed) {
      const max = this.opts.embedAudioMaxBytes ?? 50 * 1024 * 1024;
      try {
        const size = statSync(abs).size;
        if (this.embedded + size <= max) {
          this.embedded += size;
          return `data:${MIME[extname(abs).toLowerCase()] ?? 'application/octet-stream'};base64,${readFileSync(abs).toString('base64')}`;
        }
        this.overBudget = true;
      } catch {
        // Missing audio: fall through to a link, which the player shows as unavailable.
      }
    }
    if (this.opts.outDir) {
      return relative(resolve(this.opts.outDir), abs).split(sep).map(encodeURIComponent).join('/');
    }
    return pathToFileURL(abs).href;
  }
}

function uttWer(u: ScoredUtterance): number {
  const w = u.words;
  return w.ref > 0 ? (w.sub + w.del + w.ins) / w.ref : w.ins > 0 ? Infinity : 0;
}

/**
 * What a condition table's players play: the run export records one `audio` path per utterance (the source
 * recording), not the condition's prepared audio (that lives in the run's audio cache), so a player under
 * "telephone" plays the clean clip, and says so. Undefined for the clean condition.
 */
export function sourceAudioCaption(t: Pick<CardTable, 'condition' | 'conditionName'>): string | undefined {
  return t.condition === 'clean' ? undefined : `The players play the source recording, not the ${t.conditionName} version.`;
}

function utteranceHtml(u: ExportedUtterance, card: ServiceCard, audio: AudioLinker, caption?: string): string {
  const src = audio.src(u);
  const head =
    `<div class="hd"><span class="uid">${esc(u.id)}</span><span>speaker ${esc(u.speaker)}</span>` +
    (u.status === 'ok' ? `<span>WER ${esc(fmtPct(uttWer(u)))} (S ${u.words.sub}, D ${u.words.del}, I ${u.words.ins} / ${u.words.ref})</span>` : '<span class="err">failed</span>') +
    (src ? `<audio controls preload="none" src="${esc(src)}"${caption ? ` title="${esc(caption)}"` : ''}></audio>` : '') +
    `</div>`;
  if (u.status !== 'ok') return `<div class="utt">${head}<div class="err">${esc(u.error ?? 'recognition failed')}</div><div>ref: ${esc(u.ref)}</div></div>`;
  const ops = align(tokenize(u.ref), tokenize(u.hyp), card.meta.costModel === 'unit' ? 'unit' : 'sclite').ops;
  return `<div class="utt">${head}${alignmentHtml(ops)}</div>`;
}

function drillDown(t: CardTable, card: ServiceCard, run: HtmlRun, audio: AudioLinker, ids: Map<string, string>, limit: number): string {
  const visible = visibleGroups(t);
  const byGroup = new Map<string, ExportedUtterance[]>();
  for (const u of run.utterances) {
    if (u.backend !== t.backend || u.condition !== t.condition) continue;
    const g = groupLabelOf(u, t);
    if (!visible.has(g)) continue;
    let list = byGroup.get(g);
    if (!list) byGroup.set(g, (list = []));
    list.push(u);
  }
  const parts: string[] = [];
  const caption = sourceAudioCaption(t);
  for (const r of t.rows) {
    const id = ids.get(r.group);
    const list = byGroup.get(r.group);
    if (!id || !list) continue;
    // Failed first, then worst WER, then id; each utterance's WER computed once, not at every comparison.
    const keyed = list.map((u) => ({ u, ok: Number(u.status === 'ok'), wer: uttWer(u) }));
    keyed.sort((a, b) => a.ok - b.ok || b.wer - a.wer || a.u.id.localeCompare(b.u.id));
    const shown = keyed.slice(0, limit).map((k) => k.u);
    parts.push(
      `<details id="${id}" class="drill"><summary>${esc(r.group)} — ${list.length} utterances${list.length > shown.length ? `, worst ${shown.length} shown` : ''}</summary>` +
        shown.map((u) => utteranceHtml(u, card, audio, caption)).join('') +
        `</details>`,
    );
  }
  const players = parts.some((p) => p.includes('<audio '));
  return (caption && players ? `<p class="meta audio-note">${esc(caption)}</p>\n` : '') + parts.join('\n');
}

/** Renders the whole card as one HTML page. */
export function renderHtml(card: ServiceCard, run: HtmlRun, opts: HtmlOptions = {}): string {
  const audio = new AudioLinker(run.dir, { ...opts, audioRoots: opts.audioRoots ?? card.meta.audioRoots ?? [] });
  const limit = opts.drillLimit ?? 50;
  const m = card.meta;
  const sections = card.tables.map((t, ti) => {
    const ids = new Map<string, string>();
    // Drill-downs for the first grouping key's tables only: slice tables and a further key's tables hold the same utterances again.
    const drills = t.kind === 'group' && t.groupBy === card.settings.groupBy;
    if (drills) {
      t.rows.forEach((r, ri) => {
        if (!r.suppressed) ids.set(r.group, `d${ti}-${ri}`);
      });
    }
    const drill = drills ? drillDown(t, card, run, audio, ids, limit) : '';
    return (
      `<section class="card-table" id="s-${esc(t.id)}"><h2>${esc(tableHeading(t))}</h2>` +
      `<p class="meta">${esc(bestGroupText(t, card.settings.minCell))} Overall WER ${esc(fmtPctInterval(t.overall.wer))} on ${esc(fmtInt(t.overall.refWords))} reference words, ${esc(fmtInt(t.overall.speakers))} speaker${t.overall.speakers === 1 ? '' : 's'}.</p>` +
      `<p class="meta">${esc(comparisonNote(card.settings.groupKeys))}</p>` +
      cardTable(t, card, ids) +
      (hasUndefinedInterval(t) ? `<p class="meta">${esc(noIntervalNote(card.settings.minCell))}</p>` : '') +
      (hasRawP(t) ? `<p class="meta">${esc(SMALL_CELL_P_NOTE)}</p>` : '') +
      chartLegend() +
      `<div class="charts"><figure>${werChart(t)}<figcaption>WER by group, 95% speaker-bootstrap interval.</figcaption></figure>` +
      `<figure>${gapChart(t)}<figcaption>Gap to the rest (percentage points), 95% interval: the comparison the p-value tests.</figcaption></figure></div>` +
      `<p class="meta within-between">${esc(withinBetweenText(t))}</p>` +
      (t.rows.some((r) => r.suppressed) ? `<p class="meta">${esc(suppressedNote(t.rows.some((r) => r.suppressed && suppressionOf(r) === 'complementary')))}</p>` : '') +
      (t.notListed ? `<p class="meta">${esc(notListedText(t.notListed))}</p>` : '') +
      (drill
        ? `<h3>Utterances by group</h3><p class="legend meta">Alignment (reference above, recognised below): <span class="op C">correct</span><span class="op S">substitution</span><span class="op D">deletion</span><span class="op I">insertion</span></p>${drill}`
        : '') +
      `</section>`
    );
  });
  if (card.models.length) {
    sections.push(`<section id="s-model"><h2>${esc(modelSectionTitle(card))}</h2>${card.models.map(modelHtml).join('\n')}</section>`);
  }
  if (card.degradation.length) {
    sections.push(`<section id="s-degradation"><h2>Degradation under conditions</h2>${card.degradation.map((d) => degradationHtml(d, card)).join('\n')}</section>`);
  }
  if (card.dataQuality) {
    const d = card.dataQuality;
    const rows = d.rows
      .map((r) => `<tr><td>${esc(r.group)}</td><td>${esc(fmtInt(r.utterances))}</td><td>${esc(fmtInt(r.markupTouched))}</td><td>${esc(fmtInt(r.markupRemoved))}</td><td>${esc(countsText(r.markupRemovedKinds))}</td><td>${esc(countsText(r.markupKeptKinds))}</td><td>${esc(countsText(r.markupDeletableKinds ?? {}))}</td><td>${esc(fmtInt(r.audioFlagged))}</td><td>${esc(countsText(r.audioFlags))}</td></tr>`)
      .join('');
    sections.push(
      `<section id="s-data-quality"><h2>${esc(DATA_QUALITY_TITLE)}</h2><div class="tablewrap"><table><thead><tr><th scope="col">${esc(d.groupBy)}</th><th scope="col">Utterances</th><th scope="col">References changed by markup</th><th scope="col">Markup tokens removed</th><th scope="col">Removed, by kind</th><th scope="col">Kept as words, by kind</th><th scope="col">Kept, optionally deletable (sclite -D -F), by kind</th><th scope="col">Utterances with audio faults</th><th scope="col">Audio flags</th></tr></thead><tbody>${rows}</tbody></table></div><p>${esc(dataQualityNote(d))}</p></section>`,
    );
  }
  if (card.remedy) {
    const r = card.remedy;
    const rows = remedyRows(r).map((row) => `<tr>${row.map((c, i) => (i === 0 ? `<th scope="row">${esc(c)}</th>` : `<td>${esc(c)}</td>`)).join('')}</tr>`).join('');
    sections.push(
      `<section id="s-remedy"><h2>${esc(REMEDY_TITLE)}</h2><p>${esc(remedyHeading(r))}</p>` +
        (rows ? `<div class="tablewrap"><table><thead><tr>${REMEDY_HEAD.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table></div>` : '') +
        `<ul>${remedySentences(r).map((l) => `<li>${esc(l)}</li>`).join('')}</ul></section>`,
    );
  }
  const nav =
    card.tables.map((t) => `<li><a href="#s-${esc(t.id)}">${esc(tableHeading(t))}</a></li>`).join('') +
    (card.models.length ? `<li><a href="#s-model">${esc(modelSectionTitle(card))}</a></li>` : '') +
    (card.degradation.length ? '<li><a href="#s-degradation">Degradation under conditions</a></li>' : '') +
    (card.dataQuality ? `<li><a href="#s-data-quality">${esc(DATA_QUALITY_TITLE)}</a></li>` : '') +
    (card.remedy ? `<li><a href="#s-remedy">${esc(REMEDY_TITLE)}</a></li>` : '');
  const incomplete = incompleteBanner(m);
  const banner =
    (incomplete ? `<p class="banner" id="incomplete"><strong>${esc(incomplete)}</strong></p>` : '') +
    (m.corpus.synthetic
      ? '<p class="banner" id="synthetic"><strong>Synthetic accents.</strong> Every voice in this corpus is a text-to-speech voice. These numbers describe the recogniser on synthetic speech and are no claim about people.</p>'
      : '');
  const budget =
    (audio.overBudget ? '<p class="meta">Some audio was too large to embed and is linked instead.</p>' : '') +
    (audio.outside.size
      ? `<p class="warn" id="outside-audio">Audio from outside the manifest folders (allowed with --allow-outside-audio): ${esc([...audio.outside].sort().join(', '))}</p>`
      : '');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(contentSecurityPolicy())}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(card.title)}</title>
<style>${CARD_STYLE}</style>
</head><body>
<header><h1>${esc(card.title)}</h1>${banner}
<p class="meta">Corpus ${esc(m.corpus.name)}${m.corpus.version ? ` v${esc(m.corpus.version)}` : ''} (hash <code>${esc(m.corpus.hash)}</code>) · normaliser ${esc(m.normaliser.name)} v${esc(m.normaliser.version)} · cost model ${esc(m.costModel)} · run ${esc(m.runId)} (${esc(m.createdAt)}) · card by asrfair ${esc(card.toolVersion)}${card.generatedAt ? ` generated ${esc(card.generatedAt)}` : ''}${card.settings.publish ? ' · <strong>publish mode</strong>' : ''}</p>
${settingsWarnings(card).map((w) => `<p class="banner override">${esc(w)}</p>`).join('')}${card.warnings.map((w) => `<p class="banner warning"><strong>Warning:</strong> ${esc(w)}</p>`).join('')}${budget}<nav><ul>${nav}</ul></nav></header>
<main>
${sections.join('\n')}
</main>
<footer><h2>Notes</h2><ol>${card.footnotes.map((n) => `<li>${esc(n)}</li>`).join('')}</ol></footer>
<script>${SCRIPT}</script>
</body></html>
`;
}
