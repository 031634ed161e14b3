import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { makeTempDir, removeTempDir } from '../manifest/tempdir.ts';
import { join, resolve } from 'node:path';
import { FRAMES_PER_SEC, POCKETSPHINX_MODEL_DIR, checkBatchWav, hypsegSegments } from './pocketsphinx-batch.ts';
import { contentHash } from './content-hash.ts';
import type { GlassResultCache } from './glass-cache.ts';
import { BackendError, type AudioRef, type GlassBox, type PhoneSegment, type WordTiming } from './types.ts';

/**
 * Glass-box PocketSphinx: free phone-loop decoding and phone-level forced alignment, run through
 * `pocketsphinx_batch` with many utterances per process (model load dominates short files).
 */


/** The 39 ARPAbet phones of the CMU en-us acoustic model (stress removed). */
export const ARPABET_PHONES: readonly string[] = [
  'AA', 'AE', 'AH', 'AO', 'AW', 'AY', 'B', 'CH', 'D', 'DH', 'EH', 'ER', 'EY', 'F', 'G', 'HH', 'IH', 'IY', 'JH',
  'K', 'L', 'M', 'N', 'NG', 'OW', 'OY', 'P', 'R', 'S', 'SH', 'T', 'TH', 'UH', 'UW', 'V', 'W', 'Y', 'Z', 'ZH',
];
const PHONE_SET = new Set(ARPABET_PHONES);

export interface GlassOptions {
  hmm: string;
  /** Phone language model for the free phone loop. */
  phoneLm: string;
  /** Parallel pocketsphinx_batch processes (default: number of cores). */
  processes: number;
  /**
   * Context-independent phone loop (`-allphone_ci yes`). Measured here: ~0.05 × real time versus ~0.9
   * for the context-dependent loop at the same beams, with comparable phone accuracy on TTS speech.
   */
  allphoneCi: boolean;
  /** Phone-loop beams (DESIGN: 1e-20) and language weight. */
  loopBeam: string;
  loopLw: string;
  /** Forced-alignment beams (wide, so the exact sequence always survives). */
  alignBeam: string;
}

export function defaultGlassOptions(): GlassOptions {
  return {
    hmm: `${POCKETSPHINX_MODEL_DIR}/en-us`,
    phoneLm: `${POCKETSPHINX_MODEL_DIR}/en-us-phone.lm.bin`,
    processes: Math.max(1, cpus().length),
    allphoneCi: true,
    loopBeam: '1e-20',
    loopLw: '2.0',
    alignBeam: '1e-120',
  };
}

/** One decoded or aligned phone; frames are 10 ms; `score` is pocketsphinx's (frame-normalised) acoustic score. */
export interface TimedPhone extends PhoneSegment {
  startFrame: number;
  /** Exclusive end frame. */
  endFrame: number;
  score: number;
}

export interface GlassItem {
  id: string;
  /** 16 kHz mono 16-bit PCM WAV with a 44-byte header, absolute path without white space. */
  wav: string;
  /** sha256 of the WAV's bytes when known (the audio stage's `AudioRef.sha256`): the result cache keys on it. */
  sha256?: string;
}

export interface AlignItem extends GlassItem {
  /** Canonical phones to align, in order (non-ARPAbet symbols are rejected). */
  phones: string[];
}

export interface WordAlignItem extends GlassItem {
  /** Per word, its allowed pronunciations (ARPAbet phones each). */
  prons: string[][][];
}

export interface WordAlignment {
  phones: TimedPhone[];
  /** Index of the pronunciation chosen for each word. */
  chosen: number[];
  /**
   * Loose-grammar alignments only: for each aligned phone, its index in the concatenated chosen
   * pronunciations (phones the aligner skipped have none). Absent: every canonical phone aligned, in order.
   */
  canonicalIndex?: number[];
}

/** How a forced alignment is attempted: beam width and whether phones may be skipped. */
export interface AlignAttempt {
  /** Beam, phone beam and word beam (default: the options' `alignBeam`). */
  beam?: string;
  /** Looser grammar: every phone may be skipped (a null transition beside it), so a path always reaches the end. */
  loose?: boolean;
}

/**
 * Per utterance id, a pass's result or its failure. `noFrames`: the decoder's search saw no frame of the audio (a clip
 * shorter than the front end's window; its log says `0 frames`): no recognition at all, which callers tell apart from
 * other failures by this flag, never by the message (`error` is for people).
 */
export type BatchResult<T> = Map<string, { ok: true; value: T } | { ok: false; error: string; noFrames?: true }>;

/** The decoder's own reason for one utterance (`decoderReasons`): `message` for people; `noFrames` when its search saw no frame. */
export interface DecoderReason {
  message: string;
  noFrames: boolean;
}

/** Parses one `-hypseg` line into phones (silence and fillers dropped unless `keepSilence`). */
export function parsePhoneHypseg(line: string, keepSilence = false): { id: string; phones: TimedPhone[] } {
  const { id, segments } = hypsegSegments(line);
  const phones = segments
    .filter((s) => keepSilence || PHONE_SET.has(s.unit))
    .map((s) => ({
      phone: s.unit,
      startFrame: s.startFrame,
      endFrame: s.endFrame,
      start: s.startFrame / FRAMES_PER_SEC,
      end: s.endFrame / FRAMES_PER_SEC,
      score: s.ascr,
    }));
  return { id, phones };
}

/** Drops silence and filler units, keeping the ARPAbet phones. */
export function speechPhones<T extends PhoneSegment>(units: readonly T[]): T[] {
  return units.filter((u) => PHONE_SET.has(u.phone));
}

export function isArpabetPhone(p: string): boolean {
  return PHONE_SET.has(p);
}

/** Linear finite-state grammar (Sphinx FSG format) accepting exactly `units`. */
export function linearFsg(name: string, units: readonly string[]): string {
  const lines = [`FSG_BEGIN ${name}`, `NUM_STATES ${units.length + 1}`, 'START_STATE 0', `FINAL_STATE ${units.length}`];
  units.forEach((u, i) => lines.push(`TRANSITION ${i} ${i + 1} 1.0 ${u}`));
  lines.push('FSG_END', '');
  return lines.join('\n');
}

/**
 * Finite-state grammar accepting any sequence that takes, for each word in order, one of its
 * pronunciations (`prons[word][variant]` = phones): the decoder picks the variant that fits the audio.
 * With `skipProb`, every phone may also be skipped (a null transition of that probability beside it).
 */
export function pronunciationFsg(name: string, prons: readonly (readonly (readonly string[])[])[], skipProb?: number): string {
  const trans: string[] = [];
  const n = prons.length;
  // States 0..n are word boundaries; variant-internal (and skip) states are numbered after them.
  let next = n + 1;
  prons.forEach((variants, i) => {
    for (const v of variants) {
      let from = i;
      v.forEach((ph, k) => {
        const to = k === v.length - 1 ? i + 1 : next++;
        trans.push(`TRANSITION ${from} ${to} 1.0 ${ph}`);
        if (skipProb !== undefined) {
          // The skip goes through a state of its own: pocketsphinx 0.8 keeps only one transition per
          // (from, to) pair, so a null transition beside the phone's would replace it.
          const via = next++;
          trans.push(`TRANSITION ${from} ${via} ${skipProb}`, `TRANSITION ${via} ${to} 1.0`);
        }
        from = to;
      });
    }
  });
  return [`FSG_BEGIN ${name}`, `NUM_STATES ${next}`, 'START_STATE 0', `FINAL_STATE ${n}`, ...trans, 'FSG_END', ''].join('\n');
}

/** `pronunciationFsg` in which every phone may be skipped: a last resort when the exact grammar finds no path. */
export function looseFsg(name: string, prons: readonly (readonly (readonly string[])[])[], skipProb = 0.5): string {
  return pronunciationFsg(name, prons, skipProb);
}

/**
 * Parses a loose-grammar path: for each word a variant of which the aligned phones are an in-order
 * subsequence (leftmost match). Returns the chosen variants and, per aligned phone, its index in the
 * concatenated chosen pronunciations; undefined when no parse exists.
 */
export function chosenLoose(prons: readonly (readonly (readonly string[])[])[], phones: readonly string[]): { chosen: number[]; canonicalIndex: number[] } | undefined {
  const fail = new Set<string>();
  const walk = (i: number, j: number, offset: number): { chosen: number[]; canonicalIndex: number[] } | undefined => {
    if (i === prons.length) return j === phones.length ? { chosen: [], canonicalIndex: [] } : undefined;
    const key = `${i},${j}`;
    if (fail.has(key)) return undefined;
    for (let v = 0; v < prons[i].length; v++) {
      const p = prons[i][v];
      // Take the longest block phones[j..j+m) that is a subsequence of p first.
      for (let m = Math.min(p.length, phones.length - j); m >= 0; m--) {
        const idx: number[] = [];
        let k = 0;
        for (let t = 0; t < m && k <= p.length; t++) {
          while (k < p.length && p[k] !== phones[j + t]) k++;
          if (k === p.length) break;
          idx.push(offset + k++);
        }
        if (idx.length !== m) continue;
        const rest = walk(i + 1, j + m, offset + p.length);
        if (rest) return { chosen: [v, ...rest.chosen], canonicalIndex: [...idx, ...rest.canonicalIndex] };
      }
    }
    fail.add(key);
    return undefined;
  };
  return walk(0, 0, 0);
}

/** Which pronunciation of each word a phone sequence took (undefined when it matches none). */
export function chosenVariants(prons: readonly (readonly (readonly string[])[])[], phones: readonly string[]): number[] | undefined {
  const fail = new Set<string>();
  const walk = (i: number, j: number): number[] | undefined => {
    if (i === prons.length) return j === phones.length ? [] : undefined;
    const key = `${i},${j}`;
    if (fail.has(key)) return undefined;
    for (let v = 0; v < prons[i].length; v++) {
      const p = prons[i][v];
      if (p.every((ph, k) => phones[j + k] === ph)) {
        const rest = walk(i + 1, j + p.length);
        if (rest) return [v, ...rest];
      }
    }
    fail.add(key);
    return undefined;
  };
  return walk(0, 0);
}

function runProcess(cmd: string, args: string[], signal?: AbortSignal): Promise<void> {
  return new Promise((res, rej) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-2000);
    });
    const onAbort = () => p.kill('SIGKILL');
    signal?.addEventListener('abort', onAbort, { once: true });
    p.on('error', (e) => rej(new BackendError(`cannot start ${cmd}: ${e.message} (install the Debian package pocketsphinx)`, false)));
    p.on('close', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) rej(new BackendError(`${cmd} aborted`, true));
      else if (code === 0) res();
      else rej(new BackendError(`${cmd} exited (${sig ?? code}): ${err.trim().split('\n').slice(-3).join(' | ')}`, true));
    });
  });
}

/**
 * How batch calls share the machine. Without one, a call splits its utterances over `processes`
 * processes of its own; with one, several calls (phone loop, alignment, word decoding) can run at once
 * under one limiter, so no core idles while the slowest process of a stage finishes.
 */
export interface BatchSchedule {
  /** Runs one pocketsphinx process when a slot is free (e.g. one p-limit shared by every stage). */
  limit: <R>(job: () => Promise<R>) => Promise<R>;
  /** Processes per call: the utterances are split into this many chunks of about equal audio. */
  chunks: number;
  /** Where each utterance's result is kept as its chunk finishes, and looked up before decoding (`GlassResultCache`). */
  cache?: GlassResultCache;
}

/**
 * Splits items into at most `n` chunks of about equal total `size` (longest-processing-time first:
 * each item, largest first, goes to the lightest chunk); chunks are returned heaviest first and keep
 * their items in input order. Every utterance is decoded on its own, so the split changes no result.
 */
export function balancedChunks<T>(items: readonly T[], n: number, size: (item: T) => number): T[][] {
  const k = Math.max(1, Math.min(n, items.length));
  const load = new Array<number>(k).fill(0);
  const members: number[][] = Array.from({ length: k }, () => []);
  const order = items.map((it, i) => ({ i, s: size(it) })).sort((a, b) => b.s - a.s || a.i - b.i);
  for (const { i, s } of order) {
    let best = 0;
    for (let c = 1; c < k; c++) if (load[c] < load[best]) best = c;
    load[best] += s;
    members[best].push(i);
  }
  return members
    .map((m, c) => ({ c, m: m.sort((a, b) => a - b) }))
    .filter((x) => x.m.length > 0)
    .sort((a, b) => load[b.c] - load[a.c] || a.c - b.c)
    .map((x) => x.m.map((i) => items[i]));
}

/** Audio bytes of a WAV (0 when unreadable: the batch reports it). */
function wavBytes(it: GlassItem): number {
  try {
    return statSync(it.wav).size;
  } catch {
    return 0;
  }
}

/**
 * The decoder's own reason per utterance, from a `pocketsphinx_batch -logfn` log: within each
 * `Decoding '<key>'` … `<key> done` block, its distinct ERROR messages (source location dropped, e.g.
 * `Final result does not match the grammar in frame 92`), else `0 frames decoded` when the search saw no
 * frame (audio shorter than the front end's window); `noFrames` says the latter (the log's `0 frames,` line),
 * whatever the message. Keys are the control file's utterance keys; an utterance with neither has no entry.
 */
export function decoderReasons(log: string): Map<string, DecoderReason> {
  const out = new Map<string, DecoderReason>();
  let key: string | undefined;
  let errors: string[] = [];
  let noFrames = false;
  const close = () => {
    if (key !== undefined && (errors.length || noFrames)) out.set(key, { message: errors.length ? errors.join('; ') : '0 frames decoded', noFrames });
    key = undefined;
  };
  for (const line of log.split('\n')) {
    const start = /^INFO: batch\.c\(\d+\): Decoding '(.*)'$/.exec(line);
    if (start) {
      close();
      key = start[1];
      errors = [];
      noFrames = false;
      continue;
    }
    if (key === undefined) continue;
    const err = /^(?:ERROR|FATAL_ERROR): (?:"[^"]*", line \d+: )?(.*)$/.exec(line);
    if (err && !errors.includes(err[1].trim())) errors.push(err[1].trim());
    else if (/^INFO: \w+_search\.c\(\d+\): 0 frames,/.test(line)) noFrames = true;
    else if (line.startsWith(`${key} done -`)) close();
  }
  close();
  return out;
}

export class PocketSphinxGlass implements GlassBox {
  constructor(
    readonly options: GlassOptions = defaultGlassOptions(),
    /** Canonical pronunciation of a word (ARPAbet, no stress); needed only by `forceAlign`. */
    private readonly pronounce?: (word: string) => string[],
  ) {
    for (const f of [options.hmm, options.phoneLm]) {
      if (!existsSync(f)) throw new Error(`PocketSphinx model file not found: ${f} (apt-get install pocketsphinx-en-us)`);
    }
  }

  private model?: { hmm: string; phoneLm: string };

  /** The acoustic model's and phone LM's contents (sha256, memoised by content-hash), for result-cache keys. */
  private modelKey(): { hmm: string; phoneLm: string } {
    return (this.model ??= { hmm: contentHash(this.options.hmm), phoneLm: contentHash(this.options.phoneLm) });
  }

  /**
   * Runs `pocketsphinx_batch` over `items` split across processes; `prepare` writes per-chunk files
   * and returns extra flags. Results by utterance id; an utterance without output is a failure.
   */
  private async batch<T extends GlassItem>(
    items: readonly T[],
    kind: string,
    prepare: (dir: string, part: readonly T[]) => string[],
    keepSilence: boolean,
    signal?: AbortSignal,
    schedule?: BatchSchedule,
    /** Filled with the decoder's own reason per utterance id, when its log gives one (see `decoderReasons`). */
    reasons?: Map<string, DecoderReason>,
    /** The pass's settings that decide a result (cache key part; the model files' contents are added here). */
    passConfig?: unknown,
    /** What besides the audio and the pass's settings decides an item's result (cache key part), e.g. its grammar. */
    itemKey?: (it: T) => unknown,
  ): Promise<BatchResult<TimedPhone[]>> {
    const out: BatchResult<TimedPhone[]> = new Map();
    const good: T[] = [];
    const cache = schedule?.cache;
    const keys = new Map<string, string>();
    const config = cache ? { model: this.modelKey(), pass: passConfig ?? null, keepSilence } : undefined;
    for (const it of items) {
      try {
        checkBatchWav(it.wav);
        if (cache) {
          const k = cache.key(kind, config, itemKey?.(it) ?? null, it);
          const hit = cache.get<TimedPhone[]>(k, kind);
          if (hit) {
            out.set(it.id, { ok: true, value: hit });
            continue;
          }
          keys.set(it.id, k);
        }
        good.push(it);
      } catch (e) {
        out.set(it.id, { ok: false, error: (e as Error).message });
      }
    }
    if (good.length === 0) return out;
    const dir = makeTempDir(`asrfair-glass-${kind}-`);
    try {
      const limit = schedule?.limit ?? (<R>(job: () => Promise<R>) => job());
      await Promise.all(
        balancedChunks(good, schedule?.chunks ?? this.options.processes, wavBytes).map((part, pi) => limit(async () => {
          signal?.throwIfAborted();
          const pdir = join(dir, String(pi));
          mkdirSync(pdir);
          // Control entries are the WAV paths without `.wav`, relative to -cepdir /; one per line, index = order.
          writeFileSync(join(pdir, 'ctl'), part.map((it, k) => `${resolve(it.wav).slice(1, -4)} 0 -1 u${k}`).join('\n') + '\n');
          const hypseg = join(pdir, 'hypseg');
          const args = [
            '-adcin', 'yes', '-adchdr', '44', '-cepdir', '/', '-cepext', '.wav',
            '-hmm', this.options.hmm, '-ctl', join(pdir, 'ctl'), '-hypseg', hypseg, '-logfn', join(pdir, 'log'),
            ...prepare(pdir, part),
          ];
          await runProcess('pocketsphinx_batch', args, signal);
          const lines = existsSync(hypseg) ? readFileSync(hypseg, 'utf8').split('\n').filter((l) => l.trim()) : [];
          const byKey = new Map<string, string>();
          for (const l of lines) byKey.set(l.split(/\s+/, 1)[0], l);
          const logFile = join(pdir, 'log');
          const why = decoderReasons(existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
          const because = (k: number) => (why.has(`u${k}`) ? ` (pocketsphinx_batch: ${why.get(`u${k}`)!.message})` : '');
          part.forEach((it, k) => {
            const reason = why.get(`u${k}`);
            if (reason) reasons?.set(it.id, reason);
            const failed = (error: string) => out.set(it.id, { ok: false, error, ...(reason?.noFrames ? { noFrames: true as const } : {}) });
            const line = byKey.get(`u${k}`);
            if (!line) {
              failed(`pocketsphinx_batch gave no ${kind} result for ${it.id}${because(k)}`);
              return;
            }
            try {
              const phones = parsePhoneHypseg(line, keepSilence).phones;
              if (!phones.length) failed(`empty ${kind} result for ${it.id}${because(k)}`);
              else out.set(it.id, { ok: true, value: phones });
              if (phones.length && cache && keys.has(it.id)) cache.put(keys.get(it.id)!, phones);
            } catch (e) {
              failed(`${it.id}: ${(e as Error).message}${because(k)}`);
            }
          });
        })),
      );
    } finally {
      removeTempDir(dir);
    }
    return out;
  }

  /** Free phone-loop decoding of many utterances (`-allphone`); silences and fillers are kept (every frame scored). */
  decodePhonesBatch(items: readonly GlassItem[], signal?: AbortSignal, schedule?: BatchSchedule): Promise<BatchResult<TimedPhone[]>> {
    const o = this.options;
    return this.batch(
      items,
      'phone-loop',
      () => ['-allphone', o.phoneLm, '-allphone_ci', o.allphoneCi ? 'yes' : 'no', '-beam', o.loopBeam, '-pbeam', o.loopBeam, '-lw', o.loopLw],
      true,
      signal,
      schedule,
      undefined,
      { allphoneCi: o.allphoneCi, beam: o.loopBeam, lw: o.loopLw },
    );
  }

  /**
   * Phone-level forced alignment: a per-utterance grammar over phones (`-fsgctl`), each phone a "word"
   * of a one-phone dictionary, with optional silence/fillers between any two phones. With several
   * pronunciations per word the decoder picks the one that fits the audio.
   */
  async forceAlignWordsBatch(items: readonly WordAlignItem[], signal?: AbortSignal, attempt: AlignAttempt = {}, schedule?: BatchSchedule): Promise<BatchResult<WordAlignment>> {
    for (const it of items) {
      const all = it.prons.flat(2);
      const odd = all.filter((p) => !PHONE_SET.has(p));
      if (all.length === 0 || it.prons.some((w) => w.length === 0 || w.some((v) => v.length === 0))) {
        throw new BackendError(`${it.id}: cannot align a word without a pronunciation`, false);
      }
      if (odd.length) throw new BackendError(`${it.id}: cannot align unknown phones ${odd.join(' ')}`, false);
    }
    const beam = attempt.beam ?? this.options.alignBeam;
    const fsg = attempt.loose ? looseFsg : pronunciationFsg;
    const reasons = new Map<string, DecoderReason>();
    const because = (id: string) => (reasons.has(id) ? ` (pocketsphinx_batch: ${reasons.get(id)!.message})` : '');
    const raw = await this.batch(
      items,
      'alignment',
      (pdir, part) => {
        writeFileSync(join(pdir, 'phones.dict'), ARPABET_PHONES.map((p) => `${p} ${p}`).join('\n') + '\n');
        part.forEach((it, k) => writeFileSync(join(pdir, `u${k}.fsg`), fsg(`u${k}`, it.prons)));
        writeFileSync(join(pdir, 'fsgctl'), part.map((_, k) => `u${k}`).join('\n') + '\n');
        return [
          '-dict', join(pdir, 'phones.dict'), '-fsgctl', join(pdir, 'fsgctl'), '-fsgdir', pdir, '-fsgext', '.fsg',
          '-beam', beam, '-pbeam', beam, '-wbeam', beam,
        ];
      },
      false,
      signal,
      schedule,
      reasons,
      { beam, loose: attempt.loose === true },
      (it) => it.prons,
    );
    const out: BatchResult<WordAlignment> = new Map();
    for (const it of items) {
      const r = raw.get(it.id);
      if (!r) continue;
      if (!r.ok) {
        out.set(it.id, r);
        continue;
      }
      // A partial result (search ended off the final state) matches no full path.
      const seq = r.value.map((p) => p.phone);
      if (attempt.loose) {
        const parse = chosenLoose(it.prons, seq);
        out.set(it.id, parse ? { ok: true, value: { phones: r.value, ...parse } } : { ok: false, error: `${it.id}: loose alignment did not reach the end of the grammar${because(it.id)}` });
        continue;
      }
      const chosen = chosenVariants(it.prons, seq);
      out.set(it.id, chosen ? { ok: true, value: { phones: r.value, chosen } } : { ok: false, error: `${it.id}: alignment did not reach the end of the grammar${because(it.id)}` });
    }
    return out;
  }

  /** Forced alignment of one fixed phone sequence per utterance. */
  async forceAlignPhonesBatch(items: readonly AlignItem[], signal?: AbortSignal): Promise<BatchResult<TimedPhone[]>> {
    const bad = items.find((it) => it.phones.length === 0 || it.phones.some((p) => !PHONE_SET.has(p)));
    if (bad) {
      const odd = bad.phones.filter((p) => !PHONE_SET.has(p));
      throw new BackendError(`${bad.id}: cannot align ${bad.phones.length ? `unknown phones ${odd.join(' ')}` : 'an empty phone sequence'}`, false);
    }
    const r = await this.forceAlignWordsBatch(
      items.map((it) => ({ id: it.id, wav: it.wav, prons: [[it.phones]] })),
      signal,
    );
    return new Map([...r].map(([id, v]) => [id, v.ok ? { ok: true as const, value: v.value.phones } : v]));
  }

  async decodePhones(audio: AudioRef, signal: AbortSignal): Promise<PhoneSegment[]> {
    const r = (await this.decodePhonesBatch([{ id: audio.id, wav: audio.wav16k }], signal)).get(audio.id);
    if (!r?.ok) throw new BackendError(r?.error ?? `no phone-loop result for ${audio.id}`, false);
    return speechPhones(r.value);
  }

  async forceAlign(audio: AudioRef, words: string[], signal: AbortSignal): Promise<{ words: WordTiming[]; phones: PhoneSegment[] }> {
    if (!this.pronounce) throw new BackendError('forceAlign needs a pronunciation function (G2P)', false);
    const prons = words.map((w) => this.pronounce!(w));
    const r = (await this.forceAlignPhonesBatch([{ id: audio.id, wav: audio.wav16k, phones: prons.flat() }], signal)).get(audio.id);
    if (!r?.ok) throw new BackendError(r?.error ?? `no alignment for ${audio.id}`, false);
    const timings: WordTiming[] = [];
    let k = 0;
    prons.forEach((p, wi) => {
      const seg = r.value.slice(k, k + p.length);
      k += p.length;
      if (seg.length) timings.push({ word: words[wi], start: seg[0].start, end: seg[seg.length - 1].end });
    });
    return { words: timings, phones: r.value };
  }
}
