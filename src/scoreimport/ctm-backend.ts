/**
 * Backend type `ctm`: hypotheses a recogniser wrote as a NIST CTM file (`file channel begin duration word
 * [confidence]`, alternations `<ALT_BEGIN>` … `<ALT>` … `<ALT_END>`), answered per segment of the STM reference
 * a manifest was imported from (`asrfair import stm`, src/scoreimport/stm-import.ts): the words go to the
 * segments exactly as sclite assigns them (src/score/longform.ts `assignUnitsToSegments`: by word midpoint,
 * the channel's last segment taking the rest), so a run scores what `asrfair score --ref x.stm --hyp y.ctm`
 * and sclite score. A CTM alternation is answered as sclite markup `{ a b / c }` (the run reads it with the
 * suite's sclite markup convention). Words falling into IGNORE_TIME_SEGMENT_IN_SCORING segments are dropped,
 * as sclite drops them; a CTM file/channel that the STM lacks is an error naming the CTM line.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { InputError } from '../manifest/errors.ts';
import { registerBackend } from '../backends/registry.ts';
import { codeVersion as moduleCodeVersion } from '../backends/code-version.ts';
import { OptionReader } from '../backends/options.ts';
import { BackendConfigError, BackendError, type AudioRef, type Backend, type BackendInfo, type Transcript } from '../backends/types.ts';
import { readCtm, readStm, unitsToText } from '../score/stm.ts';
import { assignUnitsToSegments, isIgnoredSegment } from '../score/longform.ts';
import { stmFold, stmIdOf } from './stm-import.ts';

export interface CtmBackendOptions {
  /** CTM hypothesis file. */
  file: string;
  /** The STM reference the manifest was imported from (its segments cut the CTM). */
  stm: string;
  name: string;
}

function sha256Of(path: string, what: string): string {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch (e) {
    throw new InputError(path, undefined, `cannot read ${what}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Answers each STM segment id with the CTM words sclite would give that segment. */
export class CtmBackend implements Backend {
  readonly keyByUtteranceId = true;
  /** Reading the CTM again costs nothing: no lease (Backend.readsStoredAnswers). */
  readonly readsStoredAnswers = true;
  /** Answers come from the CTM by segment id and times: the audio is never read. */
  readonly needsAudio = false;
  readonly key: string;
  /** This module's code version (Backend.codeVersion): how the CTM is cut into segments is our code's. */
  readonly codeVersion = moduleCodeVersion(['scoreimport/ctm-backend.ts']);
  private readonly sha: string;
  private answers = new Map<string, { text: string; begin: number; end: number; line?: number }>();
  private ignoredWords = 0;

  private constructor(readonly options: CtmBackendOptions) {
    this.sha = createHash('sha256').update(sha256Of(options.file, 'ctm file')).update(sha256Of(options.stm, 'stm file')).digest('hex');
    this.key = `ctm:${options.name}:${this.sha.slice(0, 12)}`;
  }

  /** Reads and cuts the CTM (errors name file:line). */
  static async create(options: CtmBackendOptions): Promise<CtmBackend> {
    const b = new CtmBackend(options);
    const stm = await readStm(options.stm, stmFold);
    const ctm = await readCtm(options.file, stmFold);
    for (const [key, units] of ctm) {
      if (!stm.channels.has(key) && units.length > 0) {
        throw new InputError(options.file, units[0]!.line, `file/channel "${key}" has no segment in the reference ${options.stm}`);
      }
    }
    const idOf = stmIdOf(stm);
    for (const [key, segs] of stm.channels) {
      const taken = assignUnitsToSegments(segs, ctm.get(key) ?? []);
      segs.forEach((seg, i) => {
        const units = taken[i]!;
        if (isIgnoredSegment(seg.text)) {
          b.ignoredWords += units.length;
          return;
        }
        b.answers.set(idOf(key, seg, i), { text: unitsToText(units), begin: seg.begin, end: seg.end, ...(units[0] ? { line: units[0].line } : {}) });
      });
    }
    return b;
  }

  /** CTM units that fell into IGNORE_TIME_SEGMENT_IN_SCORING segments (dropped, as sclite drops them). */
  get ignoredUnits(): number {
    return this.ignoredWords;
  }

  async info(): Promise<BackendInfo> {
    return {
      name: 'ctm',
      version: `sha256:${this.sha.slice(0, 12)}`,
      model: this.options.name,
      capabilities: { wordTimes: false, confidences: false, phones: false, glassBox: false, remote: false },
    };
  }

  estimateCostUsd(): number {
    return 0;
  }

  async transcribe(audio: AudioRef): Promise<Transcript> {
    const a = this.answers.get(audio.id);
    if (!a) throw new BackendError(`no segment ${audio.id} in ${this.options.stm} (ids come from asrfair import stm of that file)`, false);
    // Ids are segment indexes, so a manifest imported from another stm (segments added or removed) would pair its
    // references with other segments' words: the utterance's times must be the segment's (else a configuration
    // error: the run stops, storing nothing).
    const off = (x: number | undefined, y: number) => x !== undefined && Math.abs(x - y) > 1e-6;
    if (off(audio.start, a.begin) || off(audio.end, a.end)) {
      throw new BackendConfigError(
        `segment ${audio.id} of ${this.options.stm} is ${a.begin}-${a.end}, but the manifest has ${audio.start ?? '?'}-${audio.end ?? '?'}: the manifest was not imported from this stm`,
      );
    }
    return { text: a.text, raw: { file: basename(this.options.file), ...(a.line ? { line: a.line } : {}) } };
  }
}

registerBackend({
  type: 'ctm',
  description:
    'Hypotheses from a NIST CTM file, cut into the segments of the STM reference the manifest was imported from (asrfair import stm) by word midpoint, as sclite does',
  options: {
    file: 'ctm hypothesis file (relative to the suite file)',
    stm: 'the stm reference file the manifest was imported from (relative to the suite file)',
    name: 'model name shown in reports (default: ctm file name)',
  },
  async create(options, ctx) {
    const r = new OptionReader('ctm', options);
    r.rejectUnknown(['file', 'stm', 'name']);
    const file = r.string('file');
    const stm = r.string('stm');
    if (!file) throw new Error('ctm backend: option "file" is required');
    if (!stm) throw new Error('ctm backend: option "stm" is required (the reference the manifest was imported from)');
    return CtmBackend.create({ file: resolve(ctx.baseDir, file), stm: resolve(ctx.baseDir, stm), name: r.string('name', basename(file)) });
  },
});
