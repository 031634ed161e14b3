import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ServiceCard } from './model.ts';
import { renderCsv } from './render-csv.ts';
import { renderHtml, type HtmlOptions, type HtmlRun } from './render-html.ts';
import { renderJson } from './render-json.ts';
import { renderMarkdown } from './render-md.ts';

export const REPORT_FORMATS = ['md', 'html', 'csv', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export function isReportFormat(s: string): s is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(s);
}

/** File name of each format inside the output folder. */
export const REPORT_FILES: Record<ReportFormat, string> = { md: 'card.md', html: 'card.html', csv: 'card.csv', json: 'card.json' };

/** Renders the card in each format into `outDir`; returns the paths written. */
export function writeReport(
  card: ServiceCard,
  run: HtmlRun,
  outDir: string,
  formats: readonly ReportFormat[],
  html: Omit<HtmlOptions, 'outDir'> = {},
): string[] {
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const f of formats) {
    const text =
      f === 'md' ? renderMarkdown(card) : f === 'csv' ? renderCsv(card) : f === 'json' ? renderJson(card) : renderHtml(card, run, { ...html, outDir: dir });
    const path = join(dir, REPORT_FILES[f]);
    writeFileSync(path, text);
    written.push(path);
  }
  return written;
}
