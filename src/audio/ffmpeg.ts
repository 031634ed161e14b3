import type FluentFfmpeg from 'fluent-ffmpeg';
import { createRequire } from 'node:module';
import { Readable, Writable } from 'node:stream';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { InterruptedError, interruptingSignal } from '../manifest/errors.ts';

let fluent: typeof FluentFfmpeg | undefined;
/**
 * fluent-ffmpeg, loaded on first use (a CommonJS package, so synchronously): commands that only read run
 * exports (report, check, compare) import this stage through the suite's condition schemas and never run ffmpeg.
 */
function fluentFfmpeg(): typeof FluentFfmpeg {
  return (fluent ??= createRequire(import.meta.url)('fluent-ffmpeg') as typeof FluentFfmpeg);
}

/** Flags that keep ffmpeg output byte-identical run to run (no encoder/version tags, no metadata). */
export const BITEXACT = ['-fflags', '+bitexact', '-flags', '+bitexact', '-map_metadata', '-1'];
/** Resampling to `rate` with SoX's resampler and no dither. */
export function soxr(rate: number): string {
  return `aresample=${rate}:resampler=soxr:dither_method=none`;
}

export interface FfmpegJob {
  /** A file path, or raw mono s16le PCM bytes at `rawRate` Hz. */
  input: string | Buffer;
  rawRate?: number;
  /** Input format for raw Buffers other than s16le (e.g. 'mulaw'), or to force a demuxer. */
  inputFormat?: string;
  inputOptions?: string[];
  outputOptions: string[];
  /** Output muxer (e.g. 's16le', 'ogg'). */
  format: string;
  /** File to write; when absent the output bytes are returned. */
  output?: string;
  /** Kills ffmpeg and rejects when aborted (e.g. a backend call's timeout). */
  signal?: AbortSignal;
}

/**
 * Runs one ffmpeg job through fluent-ffmpeg; rejects with ffmpeg's own stderr message, or with an InterruptedError
 * when ffmpeg was stopped by SIGINT/SIGTERM/SIGKILL (it was interrupted: the audio is not at fault).
 */
export function runFfmpeg(job: FfmpegJob): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    const isBuf = Buffer.isBuffer(job.input);
    const cmd = fluentFfmpeg()(isBuf ? Readable.from([job.input as Buffer]) : (job.input as string));
    const inOpts = ['-nostdin', '-hide_banner', ...(job.inputOptions ?? [])];
    if (isBuf) inOpts.push('-f', job.inputFormat ?? 's16le', '-ar', String(job.rawRate ?? 16000), '-ac', '1');
    else if (job.inputFormat) inOpts.push('-f', job.inputFormat);
    cmd.inputOptions(inOpts).outputOptions([...job.outputOptions, ...BITEXACT]).format(job.format);
    let stderr = '';
    if (job.signal) {
      if (job.signal.aborted) return reject(new Error('ffmpeg: aborted before start'));
      const onAbort = () => {
        cmd.kill('SIGKILL');
        reject(new Error('ffmpeg: aborted'));
      };
      job.signal.addEventListener('abort', onAbort, { once: true });
      cmd.on('end', () => job.signal!.removeEventListener('abort', onAbort)).on('error', () => job.signal!.removeEventListener('abort', onAbort));
    }
    cmd.on('stderr', (line: string) => {
      if (stderr.length < 4000) stderr += line + '\n';
    });
    const fail = (err: Error) => {
      // Stopped by a signal (a terminal's Ctrl-C reaches ffmpeg too): an interruption, not a fault of the audio.
      const sig = interruptingSignal(err) ?? interruptingSignal({ message: stderr });
      if (sig) return reject(new InterruptedError('ffmpeg', sig));
      // One line: fluent-ffmpeg's message ends with ffmpeg's last stderr line (and a newline); the log's tail adds the
      // lines before it, without repeating that one.
      const head = err.message.replace(/\s*[\r\n]+\s*/g, ' ').trim();
      const lines = stderr.trim().split('\n').map((l) => l.trim()).filter((l) => l && !/^(Input|Output|Stream|Duration|Metadata|encoder|Press)/.test(l));
      const tail = lines.filter((l) => !head.endsWith(l)).slice(-3).join(' | ');
      reject(new Error(tail ? `${head} (ffmpeg: ${tail})` : head));
    };
    if (job.output) {
      cmd.on('error', fail).on('end', () => resolvePromise(Buffer.alloc(0))).save(job.output);
      return;
    }
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        cb();
      },
    });
    // The sink is never ended (end: false): fluent-ffmpeg reports a spurious "Output stream closed" when the sink
    // closes before the process exit is seen. Resolve once the process has ended and stdout is fully drained.
    let exited = false;
    let drained = false;
    const done = () => exited && drained && resolvePromise(Buffer.concat(chunks));
    sink.on('pipe', (src: NodeJS.ReadableStream) => src.once('end', () => ((drained = true), done())));
    cmd.on('error', fail).on('end', () => ((exited = true), done()));
    cmd.pipe(sink, { end: false });
  });
}

let encoderList: Promise<Set<string>> | undefined;

/** Names of the audio encoders this machine's ffmpeg has (`ffmpeg -encoders`), cached. */
export function ffmpegEncoders(): Promise<Set<string>> {
  encoderList ??= promisify(execFile)('ffmpeg', ['-hide_banner', '-encoders'], { maxBuffer: 4 << 20 }).then(({ stdout }) => {
    const set = new Set<string>();
    for (const line of stdout.split('\n')) {
      const m = /^\s*A[A-Z.]{5}\s+(\S+)/.exec(line);
      if (m) set.add(m[1]);
    }
    return set;
  });
  return encoderList;
}
