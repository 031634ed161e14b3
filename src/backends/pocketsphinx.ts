import { spawn, execFileSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, openSync, readSync, closeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { cpus } from 'node:os';
import { basename, dirname, extname, isAbsolute, resolve } from 'node:path';
import { registerBackend } from './registry.ts';
import { BackendError, type AudioRef, type Backend, type BackendInfo, type GlassBox, type Transcript, type WordTiming } from './types.ts';
import { PocketSphinxGlass, defaultGlassOptions } from './pocketsphinx-glass.ts';

export const POCKETSPHINX_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
const FRAMES_PER_SEC = 100;

export interface PocketSphinxOptions {
  /** Acoustic model folder (default: Debian's en-us). */
  hmm: string;
  lm: string;
  dict: string;
  /** Persistent decoder processes (default: number of cores). */
  processes: number;
  /** Extra decoder flags, e.g. { beam: '1e-60' } → `-beam 1e-60`. */
  flags: Record<string, string>;
  /** MLLR mean transform (`mllr_solve` output) applied by the decoder's `-mllr`. */
  mllr?: string;
  /**
   * Where an adapted model came from (method, adaptation data hash, split hash), as written by
   * `asrfair adapt`; goes into the key so two adaptations never share cached results.
   */
  provenance?: string;
}

export function defaultPocketSphinxOptions(): PocketSphinxOptions {
  return {
    hmm: `${POCKETSPHINX_MODEL_DIR}/en-us`,
    lm: `${POCKETSPHINX_MODEL_DIR}/en-us.lm.bin`,
    dict: `${POCKETSPHINX_MODEL_DIR}/cmudict-en-us.dict`,
    processes: Math.max(1, cpus().length),
    flags: {},
  };
}

/** Words the decoder emits that are not speech: sentence marks, silence, fillers. */
export function isNonSpeechToken(w: string): boolean {
  return w === '<s>' || w === '</s>' || w === '<sil>' || /^\[.*\]$/.test(w) || /^\+\+.*\+\+$/.test(w) || w === '(NULL)';
}

/** One unit of a `-hypseg` line (word or phone; `use(2)` alternates stripped), frames at 100 per second. */
export interface HypsegSegment {
  unit: string;
  startFrame: number;
  /** The next unit's start frame (the utterance's end frame for the last one). */
  endFrame: number;
  /** Acoustic score of the unit. */
  ascr: number;
}

/**
 * Splits one `-hypseg` line: `uttid S scale T total A ascr L lscr {startFrame ascr lscr unit}* endFrame`.
 * Shared by word decoding and the glass box's phone decoding and alignment.
 */
export function hypsegSegments(line: string): { id: string; totalScore: number; segments: HypsegSegment[] } {
  const t = line.trim().split(/\s+/);
  if (t.length < 9 || t[1] !== 'S' || t[3] !== 'T' || t[5] !== 'A' || t[7] !== 'L') {
    throw new Error(`unexpected hypseg line: ${line.slice(0, 120)}`);
  }
  const endFrame = Number(t[t.length - 1]);
  const segments: HypsegSegment[] = [];
  for (let i = 9; i + 3 < t.length; i += 4) {
    segments.push({ unit: t[i + 3].replace(/\(\d+\)$/, ''), startFrame: Number(t[i]), endFrame, ascr: Number(t[i + 1]) });
  }
  for (let k = 0; k + 1 < segments.length; k++) segments[k].endFrame = segments[k + 1].startFrame;
  return { id: t[0], totalScore: Number(t[4]), segments };
}

/** Parses one `-hypseg` line into the recognised words (no sentence marks, silences or fillers); times in seconds. */
export function parseHypseg(line: string): { id: string; words: (WordTiming & { acousticScore: number })[]; totalScore: number } {
  const { id, totalScore, segments } = hypsegSegments(line);
  const words = segments
    .filter((s) => !isNonSpeechToken(s.unit))
    .map((s) => ({ word: s.unit, start: s.startFrame / FRAMES_PER_SEC, end: s.endFrame / FRAMES_PER_SEC, acousticScore: s.ascr }));
  return { id, words, totalScore };
}

/** Byte offset of the PCM data in a RIFF/WAVE file (pocketsphinx_batch only skips a fixed header). */
export function wavDataOffset(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new BackendError(`${path}: cannot open audio (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, false);
  }
  try {
    const head = Buffer.alloc(4096);
    const n = readSync(fd, head, 0, head.length, 0);
    if (n < 12 || head.toString('ascii', 0, 4) !== 'RIFF' || head.toString('ascii', 8, 12) !== 'WAVE') {
      throw new BackendError(`${path}: not a RIFF/WAVE file`, false);
    }
    let off = 12;
    while (off + 8 <= n) {
      const id = head.toString('ascii', off, off + 4);
      const size = head.readUInt32LE(off + 4);
      if (id === 'fmt ') {
        const format = head.readUInt16LE(off + 8);
        const channels = head.readUInt16LE(off + 10);
        const rate = head.readUInt32LE(off + 12);
        const bits = head.readUInt16LE(off + 22);
        if (format !== 1 || channels !== 1 || rate !== 16000 || bits !== 16) {
          throw new BackendError(`${path}: PocketSphinx needs 16 kHz mono 16-bit PCM, got ${rate} Hz, ${channels} ch, ${bits}-bit, format ${format}`, false);
        }
      }
      if (id === 'data') return off + 8;
      off += 8 + size + (size % 2);
    }
    throw new BackendError(`${path}: WAV data chunk not found in the first 4 KiB`, false);
  } finally {
    closeSync(fd);
  }
}

/** Checks a WAV is usable by pocketsphinx_batch (`-adcin yes -adchdr 44`) and returns its absolute path. */
export function checkBatchWav(path: string): string {
  const wav = isAbsolute(path) ? path : resolve(path);
  if (extname(wav) !== '.wav') throw new BackendError(`${wav}: pocketsphinx_batch expects a .wav file`, false);
  if (/\s/.test(wav)) throw new BackendError(`${wav}: path contains white space, which pocketsphinx control files cannot carry`, false);
  const off = wavDataOffset(wav);
  if (off !== 44) throw new BackendError(`${wav}: WAV header is ${off} bytes; pocketsphinx_batch needs a canonical 44-byte header`, false);
  return wav;
}

/** One decoded utterance: its `-hypseg` line and one `-ctm` line per recognised word. */
export interface DecodeOutput {
  hypseg: string;
  ctm: string[];
}

interface Pending {
  resolve: (out: DecodeOutput) => void;
  reject: (e: Error) => void;
  hypseg?: string;
  expectCtm: number;
  ctm: string[];
}

/**
 * Parses `-ctm` lines (`uttid channel start duration word posterior`) into word confidences.
 * pocketsphinx writes them after the utterance's hypseg line, one per real word (no silences or fillers).
 */
export function parseCtmConfidences(lines: string[]): number[] {
  return lines.map((l) => {
    const conf = Number(l.trim().split(/\s+/)[5]);
    if (!Number.isFinite(conf)) throw new Error(`unexpected ctm line: ${l.slice(0, 120)}`);
    return conf;
  });
}

/**
 * One long-lived `pocketsphinx_batch` reading its control file from stdin and writing `-hypseg`
 * to stdout: the model loads once, and each utterance's result arrives as soon as it is decoded.
 */
class DecoderProcess {
  private proc: ChildProcessWithoutNullStreams;
  private pending: Pending | undefined;
  private stderrTail = '';
  private dead = false;
  constructor(args: string[]) {
    // Node's stdio are sockets, which pocketsphinx cannot fopen() as /dev/stdin: `cat` gives it real pipes.
    const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    this.proc = spawn(
      '/bin/sh',
      ['-c', `cat | pocketsphinx_batch ${quoted} -ctl /dev/stdin -hypseg /dev/stdout -ctm /dev/stdout -logfn /dev/null | cat`],
      { stdio: ['pipe', 'pipe', 'pipe'], detached: true },
    );
    createInterface({ input: this.proc.stdout }).on('line', (line) => {
      const p = this.pending;
      if (!p) return;
      if (p.hypseg === undefined) {
        p.hypseg = line;
        try {
          p.expectCtm = parseHypseg(line).words.length;
        } catch (e) {
          this.pending = undefined;
          p.reject(e as Error);
          return;
        }
      } else {
        p.ctm.push(line);
      }
      if (p.ctm.length >= p.expectCtm) {
        this.pending = undefined;
        p.resolve({ hypseg: p.hypseg, ctm: p.ctm });
      }
    });
    this.proc.stderr.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString()).slice(-2000);
    });
    this.proc.on('error', (e) => this.fail(new BackendError(`cannot start pocketsphinx_batch: ${e.message} (install the Debian package pocketsphinx)`, false)));
    this.proc.on('exit', (code, sig) => this.fail(new BackendError(`pocketsphinx_batch exited (${sig ?? code}): ${this.stderrTail.trim().split('\n').slice(-3).join(' | ')}`, true)));
  }
  /** Reserved by a caller between acquire() and the end of its decode. */
  reserved = false;
  get alive(): boolean {
    return !this.dead;
  }
  private fail(e: Error) {
    this.dead = true;
    const p = this.pending;
    this.pending = undefined;
    p?.reject(e);
  }
  /** Decodes one WAV (path given without `.wav`, relative to `/`): its hypseg line and ctm lines. */
  decode(ctlEntry: string): Promise<DecodeOutput> {
    if (this.dead) return Promise.reject(new BackendError('pocketsphinx_batch is not running', true));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject, expectCtm: 0, ctm: [] };
      this.proc.stdin.write(`${ctlEntry}\n`);
    });
  }
  kill() {
    this.dead = true;
    try {
      if (this.proc.pid) process.kill(-this.proc.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/** Debian package version of pocketsphinx, e.g. `0.8+5prealpha+1-15`. */
function debianVersion(pkg: string): string {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8' }).trim() || 'unknown';
  } catch {
    return 'unknown';
  }
}

export class PocketSphinxBackend implements Backend {
  readonly key: string;
  private readonly pool: DecoderProcess[] = [];
  private readonly waiters: Array<() => void> = [];
  private readonly args: string[];
  private glassEngine: Promise<PocketSphinxGlass> | undefined;

  /** Glass-box access (phone-loop decoding, forced alignment) on the same acoustic model. */
  readonly glass: GlassBox = {
    decodePhones: async (audio, signal) => (await this.openGlass()).decodePhones(audio, signal),
    forceAlign: async (audio, words, signal) => (await this.openGlass()).forceAlign(audio, words, signal),
  };

  private openGlass(): Promise<PocketSphinxGlass> {
    this.glassEngine ??= (async () => {
      // Loaded on first use: word decoding needs no G2P.
      const { createG2P } = await import('../text/g2p.ts');
      const g2p = await createG2P();
      return new PocketSphinxGlass({ ...defaultGlassOptions(), hmm: this.options.hmm, processes: this.options.processes }, (w) => g2p.word(w));
    })();
    return this.glassEngine;
  }

  constructor(readonly options: PocketSphinxOptions) {
    for (const f of [options.hmm, options.lm, options.dict, ...(options.mllr ? [options.mllr] : [])]) {
      if (!existsSync(f)) throw new Error(`PocketSphinx model file not found: ${f} (apt-get install pocketsphinx-en-us)`);
    }
    this.args = [
      '-adcin', 'yes', '-adchdr', '44', '-cepdir', '/', '-cepext', '.wav',
      '-hmm', options.hmm, '-lm', options.lm, '-dict', options.dict,
      ...(options.mllr ? ['-mllr', options.mllr] : []),
      ...Object.entries(options.flags).flatMap(([k, v]) => [`-${k.replace(/^-/, '')}`, String(v)]),
    ];
    const modelId = basename(dirname(options.hmm)) === 'en-us' && options.hmm.startsWith(POCKETSPHINX_MODEL_DIR) ? 'en-us' : options.hmm;
    const optHash = createHash('sha256')
      .update(
        JSON.stringify({
          hmm: options.hmm, lm: options.lm, dict: options.dict, flags: options.flags, v: debianVersion('pocketsphinx'),
          ...(options.mllr ? { mllr: options.mllr } : {}), ...(options.provenance ? { provenance: options.provenance } : {}),
        }),
      )
      .digest('hex')
      .slice(0, 12);
    this.key = options.provenance ? `pocketsphinx:${modelId}+${options.provenance}:${optHash}` : `pocketsphinx:${modelId}:${optHash}`;
  }

  async info(): Promise<BackendInfo> {
    return {
      name: 'pocketsphinx',
      version: debianVersion('pocketsphinx'),
      model: `${this.options.hmm} + ${basename(this.options.lm)} + ${basename(this.options.dict)} (pocketsphinx-en-us ${debianVersion('pocketsphinx-en-us')})`,
      capabilities: { wordTimes: true, confidences: true, phones: false, glassBox: true, remote: false },
    };
  }

  estimateCostUsd(): number {
    return 0;
  }

  private async acquire(): Promise<DecoderProcess> {
    for (;;) {
      for (let i = 0; i < this.pool.length; i++) if (!this.pool[i].alive) this.pool.splice(i--, 1);
      const idle = this.pool.find((p) => !p.reserved);
      if (idle) {
        idle.reserved = true;
        return idle;
      }
      if (this.pool.length < this.options.processes) {
        const p = new DecoderProcess(this.args);
        p.reserved = true;
        this.pool.push(p);
        return p;
      }
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  private release(proc: DecoderProcess) {
    proc.reserved = false;
    this.waiters.shift()?.();
  }

  async transcribe(audio: AudioRef, signal: AbortSignal): Promise<Transcript> {
    const wav = checkBatchWav(audio.wav16k);
    signal.throwIfAborted();
    const proc = await this.acquire();
    const onAbort = () => proc.kill();
    signal.addEventListener('abort', onAbort, { once: true });
    const started = Date.now();
    try {
      const out = await proc.decode(wav.slice(1, -4));
      const seg = parseHypseg(out.hypseg);
      const confidences = parseCtmConfidences(out.ctm);
      return {
        text: seg.words.map((w) => w.word).join(' '),
        words: seg.words.map(({ word, start, end }, i) => ({ word, start, end, confidence: confidences[i] })),
        raw: { hypseg: out.hypseg.replace(/^\S+/, audio.id), decodeMs: Date.now() - started },
        costUsd: 0,
      };
    } catch (e) {
      if (signal.aborted) throw new BackendError(`decode of ${audio.id} aborted (${String(signal.reason ?? 'timeout')})`, true);
      throw e;
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.release(proc);
    }
  }

  async close(): Promise<void> {
    for (const p of this.pool) p.kill();
    this.pool.length = 0;
  }
}

registerBackend({
  type: 'pocketsphinx',
  description: 'CMU PocketSphinx from Debian (offline, embedded default; open engine for glass-box suites)',
  options: {
    hmm: `acoustic model folder (default ${POCKETSPHINX_MODEL_DIR}/en-us)`,
    lm: 'language model (default en-us.lm.bin)',
    dict: 'pronunciation dictionary (default cmudict-en-us.dict)',
    processes: 'parallel decoder processes (default: number of cores)',
    flags: 'extra decoder flags as a map, e.g. { beam: "1e-60" }',
    mllr: 'MLLR transform file (mllr_solve output; as asrfair adapt writes)',
    provenance: 'adapted-model provenance (method, data hash, split) that asrfair adapt writes; part of the key',
  },
  async create(options, ctx) {
    const d = defaultPocketSphinxOptions();
    const path = (v: unknown, def: string) => (typeof v === 'string' ? resolve(ctx.baseDir, v) : def);
    const flags = (options.flags ?? {}) as Record<string, unknown>;
    if (typeof flags !== 'object' || Array.isArray(flags)) throw new Error('pocketsphinx option "flags" must be a map of flag → value');
    return new PocketSphinxBackend({
      hmm: path(options.hmm, d.hmm),
      lm: path(options.lm, d.lm),
      dict: path(options.dict, d.dict),
      processes: typeof options.processes === 'number' ? options.processes : d.processes,
      flags: Object.fromEntries(Object.entries(flags).map(([k, v]) => [k, String(v)])),
      ...(typeof options.mllr === 'string' ? { mllr: resolve(ctx.baseDir, options.mllr) } : {}),
      ...(typeof options.provenance === 'string' ? { provenance: options.provenance } : {}),
    });
  },
});
