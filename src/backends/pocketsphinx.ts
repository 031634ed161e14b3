import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { cpus } from 'node:os';
import { basename, resolve } from 'node:path';
import { registerBackend } from './registry.ts';
import { BackendError, type AudioRef, type Backend, type BackendInfo, type GlassBox, type Transcript } from './types.ts';
import { dictionaryPronouncer, loadPronunciationDictionary } from './pocketsphinx-dict.ts';
import { POCKETSPHINX_MODEL_DIR, checkBatchWav, parseHypseg } from './pocketsphinx-batch.ts';
import { contentHash } from './content-hash.ts';
import { codeVersion as moduleCodeVersion, debianVersion } from './code-version.ts';

/** pocketsphinx_batch flags that name a model file it reads (output files such as `-logfn` or `-hyp` are not model). */
const MODEL_FILE_FLAGS = new Set(['fdict', 'jsgf', 'fsg', 'kws', 'lda', 'mdef', 'mean', 'var', 'mixw', 'tmat', 'sendump', 'featparams', 'allphone', 'lmctl']);

/** Decoder flags for the key: a model-file flag naming an existing file is replaced by that file's content hash. */
function flagFileHashes(flags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(flags).map(([k, v]) => {
      let isFile = false;
      try {
        isFile = MODEL_FILE_FLAGS.has(k.replace(/^-/, '')) && statSync(v).isFile();
      } catch {
        // not a path
      }
      return [k, isFile ? `sha256:${contentHash(v)}` : v];
    }),
  );
}

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
   * `asrfair adapt`; shown in the key. (The key's hash is of the model files' contents, so a model rewritten in
   * place never shares cached results with its earlier version either.)
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
  /**
   * Ends the control stream so the decoder exits by itself (its CPU time is then accounted to this
   * process's children, which benches read); kills the group after `graceMs`.
   */
  end(graceMs = 5000): Promise<void> {
    if (this.dead || this.proc.exitCode !== null || this.proc.signalCode !== null) {
      this.kill();
      return Promise.resolve();
    }
    return new Promise((res) => {
      const timer = setTimeout(() => {
        this.kill();
        res();
      }, graceMs);
      this.proc.once('exit', () => {
        clearTimeout(timer);
        this.dead = true;
        res();
      });
      this.proc.stdin.end();
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

export class PocketSphinxBackend implements Backend {
  readonly key: string;
  /** This module's code version (Backend.codeVersion). */
  readonly codeVersion = moduleCodeVersion(['backends/pocketsphinx.ts']);
  private readonly pool: DecoderProcess[] = [];
  private readonly waiters: Array<() => void> = [];
  private readonly args: string[];
  private glassEngine: Promise<GlassBox> | undefined;

  /** Glass-box access (phone-loop decoding, forced alignment) on the same acoustic model. */
  readonly glass: GlassBox = {
    decodePhones: async (audio, signal) => (await this.openGlass()).decodePhones(audio, signal),
    forceAlign: async (audio, words, signal) => (await this.openGlass()).forceAlign(audio, words, signal),
  };

  /**
   * The glass engine on this backend's acoustic model, made on first use. Its module (pocketsphinx-glass.ts, the phone
   * loop and forced alignment) is loaded then, not by the word decoder: a run that only decodes words never loads it.
   */
  private openGlass(): Promise<GlassBox> {
    this.glassEngine ??= (async () => {
      // The decoder's own dictionary, read on first use; words it lacks need G2P (the glass-box suite
      // in src/analysis supplies it), which this stage cannot reach.
      const [{ PocketSphinxGlass, defaultGlassOptions }, dict] = await Promise.all([import('./pocketsphinx-glass.ts'), loadPronunciationDictionary(this.options.dict)]);
      return new PocketSphinxGlass({ ...defaultGlassOptions(), hmm: this.options.hmm, processes: this.options.processes }, dictionaryPronouncer(dict, this.options.dict));
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
    const isDefault = options.hmm === `${POCKETSPHINX_MODEL_DIR}/en-us`;
    const modelId = isDefault ? 'en-us' : basename(options.hmm);
    // Keyed on the model files' contents, not their paths: a model retrained or edited in place (asrfair adapt writing
    // the same folder, a hand-edited dictionary) is a new key; the same files moved elsewhere keep theirs.
    const optHash = createHash('sha256')
      .update(
        JSON.stringify({
          hmm: contentHash(options.hmm), lm: contentHash(options.lm), dict: contentHash(options.dict), flags: flagFileHashes(options.flags),
          v: debianVersion('pocketsphinx'), ...(options.mllr ? { mllr: contentHash(options.mllr) } : {}),
        }),
      )
      .digest('hex')
      .slice(0, 12);
    this.key = options.provenance ? `pocketsphinx:${modelId}+${options.provenance}:${optHash}` : `pocketsphinx:${modelId}:${optHash}`;
  }

  /** Its decoder processes: more calls at once wait in `acquire` (Backend.parallel). */
  get parallel(): number {
    return Math.max(1, this.options.processes);
  }

  async info(): Promise<BackendInfo> {
    return {
      name: 'pocketsphinx',
      version: debianVersion('pocketsphinx'),
      model: `${this.options.hmm} + ${basename(this.options.lm)} + ${basename(this.options.dict)} (pocketsphinx-en-us ${debianVersion('pocketsphinx-en-us')})`,
      capabilities: { wordTimes: true, confidences: true, phones: false, glassBox: true, remote: false },
      // Debian's model is US English; another acoustic model's language is not known here.
      ...(this.options.hmm.startsWith(POCKETSPHINX_MODEL_DIR) && basename(this.options.hmm) === 'en-us' ? { language: 'en' } : {}),
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

  /** Stops the decoder processes: idle ones finish by themselves (ended control stream), busy ones are killed. */
  async close(): Promise<void> {
    const pool = this.pool.splice(0);
    await Promise.all(pool.map((p) => (p.reserved ? (p.kill(), undefined) : p.end())));
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
