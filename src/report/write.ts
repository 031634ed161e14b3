import { makeOutputDir, writeOutputFiles } from '../manifest/output.ts';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ServiceCard } from './model.ts';
import { renderCsv, renderDegradationCsv, renderModelCsv, renderNotesCsv } from './render-csv.ts';
import { renderHtml, type HtmlOptions, type HtmlRun } from './render-html.ts';
import { renderJson } from './render-json.ts';
import { renderMarkdown } from './render-md.ts';
import { renderRemedyCsv } from './render-remedy.ts';

export const REPORT_FORMATS = ['md', 'html', 'csv', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export function isReportFormat(s: string): s is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(s);
}

/** Utterances listed per group in the HTML drill-down unless asked otherwise (report and demo alike). */
export const DEFAULT_DRILL_LIMIT = 50;

/** File name of each format inside the output folder. */
export const REPORT_FILES: Record<ReportFormat, string> = { md: 'card.md', html: 'card.html', csv: 'card.csv', json: 'card.json' };
/** Extra CSV files, written with the csv format when the card has the section. */
export const DEGRADATION_CSV = 'card-degradation.csv';
export const MODEL_CSV = 'card-model.csv';
export const REMEDY_CSV = 'card-remedy.csv';
/** The card's notes (always written with csv): what the groups are, what the import counted, the markup policy. */
export const NOTES_CSV = 'card-notes.csv';

/**
 * Renders the card in each format into `outDir`; returns the paths written. All files are written together
 * (writeOutputFiles): a write error (full disk) is one InputError naming the file, and no file is committed.
 */
export function writeReport(
  card: ServiceCard,
  run: HtmlRun,
  outDir: string,
  formats: readonly ReportFormat[],
  html: Omit<HtmlOptions, 'outDir'> = {},
): string[] {
  const dir = resolve(outDir);
  makeOutputDir(dir);
  const written: { path: string; data: string }[] = [];
  // Extra section files go last, so written[i] stays the file of formats[i].
  const extras: { path: string; data: string }[] = [];
  const stale: string[] = [];
  for (const f of formats) {
    const text =
      f === 'md' ? renderMarkdown(card) : f === 'csv' ? renderCsv(card) : f === 'json' ? renderJson(card) : renderHtml(card, run, { ...html, outDir: dir });
    const path = join(dir, REPORT_FILES[f]);
    written.push({ path, data: text });
    if (f === 'csv') {
      for (const [name, has, render] of [
        [DEGRADATION_CSV, card.degradation.length > 0, renderDegradationCsv],
        [MODEL_CSV, card.models.length > 0, renderModelCsv],
        [REMEDY_CSV, card.remedy !== null, (c: ServiceCard) => (c.remedy ? renderRemedyCsv(c.remedy, c.settings.groupBy) : '')],
        [NOTES_CSV, true, renderNotesCsv],
      ] as const) {
        const extra = join(dir, name);
        // A section the run no longer has must not leave an earlier run's file behind.
        if (!has) {
          stale.push(extra);
          continue;
        }
        extras.push({ path: extra, data: render(card) });
      }
    }
  }
  const files = [...written, ...extras];
  writeOutputFiles(files, 'card file');
  for (const f of stale) rmSync(f, { force: true });
  return files.map((f) => f.path);
}
