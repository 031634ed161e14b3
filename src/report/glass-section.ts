import { checkOutputFiles, writeOutputFiles } from '../manifest/output.ts';
import { join } from 'node:path';
import { glassInputCheck, runGlassboxOnManifest } from '../analysis/glass-suite.ts';
import { loadManifest } from '../manifest/jsonl.ts';
import type { RunStore } from '../run/store.ts';
import type { Suite } from '../run/suite.ts';
import { writeGlassFailures } from './glass-failures.ts';
import { confusableHtmlPage, confusableJson, confusableMarkdown } from './confusable.ts';

/**
 * The glass-box part of a `kind: glassbox` suite, after the word-level run: phone-loop decoding, forced
 * alignment and confusable sounds per group (src/analysis/glass-suite.ts), with the first backend's
 * clean hypotheses as black-box evidence. Writes glass.{json,md,html} into the run export folder.
 */
export async function runGlassSection(store: RunStore, runId: string, suite: Suite, dir: string, opts: { cacheDir: string; log: (m: string) => void; signal?: AbortSignal }): Promise<string[]> {
  const first = suite.backends[0]?.name;
  const hypotheses = new Map<string, string>();
  const ids = new Set<string>();
  // Groups as the run (and its card) saw them: after the suite's label map and bins, not the manifest's raw labels.
  const labels = new Map<string, Record<string, string>>();
  for (const item of store.iterateRun(runId)) {
    ids.add(item.uttId);
    if (item.utt.labels) labels.set(item.uttId, item.utt.labels);
    if (item.backendName === first && item.conditionName === 'clean' && item.result?.status === 'ok') hypotheses.set(item.uttId, item.result.hypothesis ?? '');
  }
  const groupBy = suite.groupBy[0] ?? 'accent';
  // The glass box compares the groups of one key; the card's other keys are not analysed here, and that is said.
  if (suite.groupBy.length > 1) opts.log(`asrfair: warning: glass box: ${suite.file}: the suite groups by ${suite.groupBy.join(', ')}; the glass box compares the groups of the first key, ${groupBy} (\`asrfair glass --group-by ${suite.groupBy[1]}\` for another)`);
  const written: string[] = [];
  const baseOf = (i: number) => (suite.manifests.length > 1 ? `glass-${i + 1}` : 'glass');
  // Checked before the analysis: a folder or an unwritable file at a target is one line, not a lost computation.
  checkOutputFiles(suite.manifests.flatMap((_, i) => ['json', 'md', 'html'].map((x) => join(dir, `${baseOf(i)}.${x}`))), 'glass report');
  for (const [i, manifest] of suite.manifests.entries()) {
    // The suite's reference group (when declared) is what every other group's sounds are compared with.
    const confusable = suite.referenceGroup !== undefined ? { referenceGroup: suite.referenceGroup } : {};
    const entries = (await loadManifest(manifest)).filter((e) => ids.has(e.id)).map((e) => ({ ...e, labels: labels.get(e.id) ?? e.labels }));
    const check = glassInputCheck(entries, groupBy, { manifest, referenceGroup: suite.referenceGroup, matchBy: suite.matchSpeakersBy });
    for (const w of check.warnings) opts.log(`asrfair: warning: glass box: ${w}`);
    if (check.error) {
      opts.log(`asrfair: glass box not run: ${check.error}`);
      continue;
    }
    const report = await runGlassboxOnManifest(manifest, groupBy, {
      cacheDir: opts.cacheDir,
      hypotheses,
      hypothesesSource: `hypotheses of backend "${first}" (clean)`,
      ids,
      labels,
      confusable,
      ...(suite.matchSpeakersBy !== undefined ? { matchBy: suite.matchSpeakersBy } : {}),
      onProgress: opts.log,
      signal: opts.signal,
    });
    const base = baseOf(i);
    writeOutputFiles([
      { path: join(dir, `${base}.json`), data: confusableJson(report) },
      { path: join(dir, `${base}.md`), data: confusableMarkdown(report) },
      { path: join(dir, `${base}.html`), data: confusableHtmlPage(report, { title: `${suite.name}: confusable sounds by ${groupBy}` }) },
    ], 'glass report');
    written.push(join(dir, `${base}.md`));
    // The run has named each utterance whose audio failed already; the glass box names only what is new to it.
    writeGlassFailures(report.failures, entries, opts.log, join(dir, `${base}.json`), { stages: new Set(['g2p', 'phone-loop', 'alignment', 'words']) });
  }
  return written;
}
