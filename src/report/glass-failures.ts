import { BadInputLog } from '../manifest/bad-input.ts';
import { escapeControl } from '../manifest/escape.ts';
import type { ManifestEntry } from '../manifest/schema.ts';
import { failureCounts, type GlassFailure } from '../analysis/glass-suite.ts';

/** Stages whose failure is the input's fault (the audio file, the reference text), not a decoder's. */
const INPUT_STAGES: ReadonlySet<GlassFailure['stage']> = new Set(['audio', 'g2p']);

/**
 * Writes the glass box's failures to stderr lines: each utterance whose audio or reference text could not be used,
 * naming its manifest file:line and (for audio) the audio file, at most `limit` lines then `… and N more (see
 * <see>)`; then one line counting every failure by group and stage (decoder failures included), as before.
 * `entries` are the manifest's utterances (for the lines); `see` is the report that lists every failure. `stages`
 * (default audio and g2p) picks the failures named one by one: a glassbox run names only g2p ones, since the run
 * before it has named each utterance whose audio failed.
 */
export function writeGlassFailures(
  failures: readonly GlassFailure[],
  entries: readonly ManifestEntry[],
  write: (line: string) => void,
  see: string,
  opts: { limit?: number; stages?: ReadonlySet<GlassFailure['stage']> } = {},
): void {
  if (!failures.length) return;
  const limit = opts.limit ?? 10;
  const stages = opts.stages ?? INPUT_STAGES;
  const byId = new Map(entries.map((e) => [e.id, e]));
  const log = new BadInputLog(write, limit, ['utterance with bad input', 'utterances with bad input']);
  for (const f of failures) {
    if (!stages.has(f.stage)) continue;
    const e = byId.get(f.id);
    const message = f.stage === 'audio' ? f.error : `utterance ${f.id}: ${f.error}`;
    log.add(e ? { file: e.source.file, line: e.source.line, message } : { file: see, message });
  }
  log.finish(see);
  const counts = failureCounts(failures).map((c) => `${c.group} ${c.stage} ${c.count}`).join(', ');
  write(escapeControl(`glass: ${failures.length} utterances failed a stage (${counts}; listed in ${see})`));
}
