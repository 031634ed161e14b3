/** Service-card reports, run comparison and the CI gate: build on a run export (see src/score/RUN_EXPORT.md). */
export * from '../score/run-export.ts';
export * from './model.ts';
export * from './format.ts';
export { renderMarkdown, mdEscape } from './render-md.ts';
export { renderCsv, renderDegradationCsv, renderModelCsv, csvCell } from './render-csv.ts';
export { buildModelSection, buildDegradationSection, hasDegradationConditions } from './sections.ts';
export { renderJson } from './render-json.ts';
export { renderHtml, esc, contentSecurityPolicy, type HtmlOptions, type HtmlRun } from './render-html.ts';
export * from './write.ts';
export * from './check.ts';
export * from './compare.ts';
