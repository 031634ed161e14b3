/**
 * The run's own service card, written where `asrfair report <run>` writes it by default
 * (`<run>/report/`), with the settings run.json records: what the demo (and any command that
 * finishes a run) calls, so its card and `asrfair report <run>` are the same bytes.
 */
import { join } from 'node:path';
import { cardOptionsForRun } from './card-settings.ts';
import { buildServiceCard, type ServiceCard } from './model.ts';
import { loadRunForReport } from '../score/run-export.ts';
import { DEFAULT_DRILL_LIMIT, REPORT_FORMATS, writeReport, type ReportFormat } from './write.ts';

export interface RunCardResult {
  card: ServiceCard;
  /** Absolute paths of the files written. */
  files: string[];
}

/**
 * Builds the card of the run export in `runDir` with its recorded settings and writes it into
 * `<runDir>/report/` (or `outDir`). Errors: InputError when the export is missing or invalid.
 */
export function writeRunCard(runDir: string, o: { toolVersion: string; outDir?: string; formats?: readonly ReportFormat[] }): RunCardResult {
  const loaded = loadRunForReport(runDir);
  const card = buildServiceCard(loaded.meta, loaded.utterances, { ...cardOptionsForRun(loaded.meta), publish: false, toolVersion: o.toolVersion });
  const files = writeReport(card, loaded, o.outDir ?? join(loaded.dir, 'report'), o.formats ?? REPORT_FORMATS, { embedAudio: false, drillLimit: DEFAULT_DRILL_LIMIT });
  return { card, files };
}
