import { BadInputLog } from '../manifest/bad-input.ts';
import { escapeControl } from '../manifest/escape.ts';
import type { ManifestEntry } from '../manifest/schema.ts';
import { failureCounts, type GlassFailure } from '../analysis/glass-suite.ts';
import { FailureCauses, audioFailureCause } from '../run/failure-cause.ts';

const ALL_STAGES: ReadonlySet<GlassFailure['stage']> = new Set(['audio', 'g2p', 'phone-loop', 'alignment', 'words']);

/**
 * What one failure says after its location: `utterance <id>: audio <file>: <stage>: <reason>` (the reason is the
 * decoder's or the audio stage's own message; an audio-stage message already names the utterance and its file).
 */
export function failureMessage(f: GlassFailure): string {
  if (f.stage === 'audio') return f.error;
  return `utterance ${f.id}: ${f.audio !== undefined ? `audio ${f.audio}: ` : ''}${f.stage}: ${f.error}`;
}

/** Where a failure's utterance is declared, `file:line`, when known. */
export function failureWhere(f: GlassFailure): string | undefined {
  return f.source ? `${f.source.file}:${f.source.line}` : undefined;
}

/**
 * Writes the glass box's failures to stderr lines, as `run` names bad audio: each utterance that missed a stage
 * (its audio could not be read, its reference had no pronounceable word, or PocketSphinx's phone loop, forced
 * alignment or word decoding failed on it), naming its manifest file:line, the utterance, its audio file, the stage
 * and the tool's own reason (`failureMessage`); at most `limit` lines (default 10), then `… and N more (see <see>)`;
 * then one line counting the utterances and their failed stages, by group and stage. `entries` are the manifest's utterances, for failures
 * without a `source`; `see` is the report that lists every failure. `stages` (default: all) picks the failures
 * named one by one: a glassbox run leaves out `audio`, since the run before it has named each utterance whose audio
 * failed.
 */
export function writeGlassFailures(
  failures: readonly GlassFailure[],
  entries: readonly ManifestEntry[],
  write: (line: string) => void,
  see: string,
  opts: { limit?: number; stages?: ReadonlySet<GlassFailure['stage']> } = {},
): void {
  if (!failures.length) return;
  const stages = opts.stages ?? ALL_STAGES;
  const byId = new Map(entries.map((e) => [e.id, e]));
  const log = new BadInputLog(write, opts.limit ?? 10, ['utterance failure', 'utterance failures']);
  for (const f of failures) {
    if (!stages.has(f.stage)) continue;
    const e = byId.get(f.id);
    const source = f.source ?? e?.source;
    const message = failureMessage(f.audio === undefined && e?.audio !== undefined ? { ...f, audio: e.audio } : f);
    log.add(source ? { file: source.file, line: source.line, message } : { file: see, message });
  }
  log.finish(see);
  const counts = failureCounts(failures).map((c) => `${c.group} ${c.stage} ${c.count}`).join(', ');
  const utterances = new Set(failures.map((f) => f.id)).size;
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  write(escapeControl(`glass: ${plural(utterances, 'utterance')} failed at ${utterances === failures.length ? (utterances === 1 ? 'one stage' : 'one stage each') : `${failures.length} stages in all`} (by group, stage and count: ${counts}; listed in ${see})`));
}

/** The cause of one glass-box failure, in `run`'s words for audio (`audio missing`, `audio unreadable`). */
export function glassFailureCause(f: Pick<GlassFailure, 'stage' | 'error'>): string {
  switch (f.stage) {
    case 'audio':
      return audioFailureCause(f.error);
    case 'g2p':
      return 'no pronounceable word in the reference';
    case 'phone-loop':
      return 'phone-loop decoding failed';
    case 'alignment':
      return 'forced alignment failed';
    case 'words':
      return 'word decoding failed';
  }
}

/**
 * The line `glass` ends with when no utterance could be analysed, as `run` says it (`FailureCauses`): `no utterance
 * could be analysed: all 4 utterances failed: audio missing ×3 (first: x.jsonl:1: utterance x0: …); also audio
 * unreadable ×1`. Causes count utterances (one that failed two stages is counted under each cause), most frequent
 * first; each cause's first example names its manifest file:line when known.
 */
export function glassAllFailedLine(failures: readonly GlassFailure[], utterances: number): string {
  const causes = new FailureCauses();
  const seen = new Set<string>();
  for (const f of failures) {
    const cause = glassFailureCause(f);
    const key = `${f.id}\u0000${cause}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const where = failureWhere(f);
    causes.add(cause, `${where ? `${where}: ` : ''}${failureMessage(f)}`);
  }
  return `no utterance could be analysed: ${causes.allFailedLine(utterances, 'utterances')}`;
}
