/**
 * Acoustic adaptation of a PocketSphinx model with Debian's SphinxTrain 1.0.8 and sphinxbase's
 * `sphinx_fe`, following CMU's documented recipe ("Adapting the default acoustic model",
 * cmusphinx.github.io/wiki/tutorialadapt):
 *
 *   sphinx_fe -argfile <hmm>/feat.params -samprate 16000 -c ids -di . -do . -ei wav -eo mfc -mswav yes
 *   pocketsphinx_mdef_convert -text <hmm>/mdef mdef.txt
 *   bw -hmmdir <hmm> -moddeffn mdef.txt -ts2cbfn .ptm. -feat 1s_c_d_dd -svspec 0-12/13-25/26-38
 *      -cmn current -agc none -dictfn <dict> -ctlfn ids -lsnfn transcription -accumdir acc
 *   mllr_solve -meanfn <hmm>/means -varfn <hmm>/variances -outmllrfn mllr_matrix -accumdir acc
 *   map_adapt  -moddeffn mdef.txt -ts2cbfn .ptm. -meanfn … -varfn … -mixwfn … -tmatfn … -accumdir acc
 *              -mapmeanfn … -mapvarfn … (-mapmixwfn …) -maptmatfn …
 *
 * The model's `feat.params` supplies the front end and feature flags. `bw` needs mixture weights,
 * which Debian's model has only as `sendump`; they are reconstructed with `readSendump`.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { contentHash } from '../backends/content-hash.ts';
import { clearStep, codeChangedLine, inputsHash, markStepDone, stepStatus, type StepStamp } from './steps.ts';
import { codeVersion, debianVersion } from '../backends/code-version.ts';
import { makeOutputDir } from '../manifest/output.ts';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ModelFileError, readSendump, writeS3Mixw } from './sendump.ts';

const run = promisify(execFile);

/**
 * The version of the code that makes the SphinxTrain steps' outputs (features, text mdef, mixture weights, bw counts,
 * MLLR transforms, MAP models): this module's `codeVersion` and the Debian versions of the tools it runs. Part of each
 * step's stamp, so an upgrade of either makes the steps again.
 */
export function sphinxtrainCode(): string {
  return `${codeVersion(['adapt/sphinxtrain.ts'])}; sphinxtrain ${debianVersion('sphinxtrain')}, sphinxbase-utils ${debianVersion('sphinxbase-utils')}, pocketsphinx ${debianVersion('pocketsphinx')}`;
}

/** Where a step says it is made again because the code changed (`codeChangedLine`); default: silent. */
export type SayFn = (line: string) => void;

/** The step's stamp; says when only the code changed since `output` was made. True when the step is done. */
function isDone(output: string, inputs: string, what: string, say?: SayFn): { done: boolean; stamp: StepStamp } {
  const stamp = { inputs, code: sphinxtrainCode() };
  const s = stepStatus(output, stamp);
  if (!s.done && s.madeBy) say?.(codeChangedLine(what, s.madeBy, stamp.code));
  return { done: s.done, stamp };
}

export const SPHINXTRAIN_DIR = '/usr/lib/sphinxtrain';

/** One adaptation utterance: 16 kHz mono 16-bit WAV and its transcript (dictionary words). */
export interface TrainUtterance {
  id: string;
  wav: string;
  words: string[];
}

/** A failure of one tool on one input, naming the utterance or file. */
export class AdaptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdaptError';
  }
}

/** What a model folder allows: MLLR needs means/variances; MAP also needs mixture weights (file or sendump). */
export interface ModelCapabilities {
  hmm: string;
  ptm: boolean;
  means: boolean;
  variances: boolean;
  /** `mixture_weights` as SphinxTrain writes it (exact). */
  mixtureWeights: boolean;
  /** `sendump` (quantised weights; reconstructable, see sendump.ts). */
  sendump: boolean;
  featParams: Record<string, string>;
}

export function inspectModel(hmm: string): ModelCapabilities {
  const has = (f: string) => existsSync(join(hmm, f));
  if (!has('mdef')) throw new ModelFileError(join(hmm, 'mdef'), 'acoustic model has no mdef (not a PocketSphinx model folder)');
  const featParams: Record<string, string> = {};
  if (has('feat.params')) {
    for (const line of readFileSync(join(hmm, 'feat.params'), 'utf8').split('\n')) {
      const m = /^\s*-(\S+)\s+(\S+)/.exec(line);
      if (m) featParams[m[1]] = m[2];
    }
  }
  return {
    hmm,
    ptm: featParams.model === 'ptm',
    means: has('means'),
    variances: has('variances'),
    mixtureWeights: has('mixture_weights'),
    sendump: has('sendump'),
    featParams,
  };
}

/** Checks a model has what a method needs; throws a one-line AdaptError naming the missing file. */
export function requireFor(method: 'mllr' | 'map', m: ModelCapabilities): void {
  for (const f of ['means', 'variances', 'transition_matrices'] as const) {
    if (!existsSync(join(m.hmm, f))) throw new AdaptError(`${join(m.hmm, f)}: missing; ${method.toUpperCase()} needs the model's ${f}`);
  }
  if (!m.mixtureWeights && !m.sendump) {
    throw new AdaptError(`${m.hmm}: has neither mixture_weights nor sendump; ${method === 'map' ? 'MAP' : 'bw (needed for MLLR)'} needs mixture weights`);
  }
}

async function tool(name: string, args: string[], what: string, cwd?: string): Promise<string> {
  const bin = name.startsWith('/') || name.startsWith('pocketsphinx') || name === 'sphinx_fe' ? name : join(SPHINXTRAIN_DIR, name);
  try {
    const r = await run(bin, args, { cwd, maxBuffer: 64 << 20 });
    return r.stdout + r.stderr;
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string; stdout?: string };
    if (err.code === 'ENOENT') throw new AdaptError(`${bin}: not found (apt-get install sphinxtrain sphinxbase-utils)`);
    const tail = `${err.stdout ?? ''}${err.stderr ?? ''}`.split('\n').filter((l) => /ERROR|FATAL|error/.test(l)).slice(-2).join(' | ');
    throw new AdaptError(`${name} failed ${what}: ${tail || err.message.split('\n')[0]}`);
  }
}

/** Feature flags shared by `bw` from the model's feat.params (front end flags stay with sphinx_fe). */
function featFlags(m: ModelCapabilities): string[] {
  const out = ['-feat', m.featParams.feat ?? '1s_c_d_dd', '-cmn', 'current', '-agc', m.featParams.agc ?? 'none'];
  if (m.featParams.svspec) out.push('-svspec', m.featParams.svspec);
  if (m.featParams.lda) out.push('-ldafn', join(m.hmm, 'feature_transform'));
  return out;
}

/**
 * Extracts MFCCs for each utterance into `<work>/feat/<id>.mfc` with the model's front end
 * (one sphinx_fe call per utterance, so a failing file is named). Returns the ids that succeeded
 * and the failures (id → one-line reason).
 */
export async function extractFeatures(
  m: ModelCapabilities,
  utts: readonly TrainUtterance[],
  work: string,
  parallel = 2,
  say?: SayFn,
): Promise<{ ok: TrainUtterance[]; failed: { id: string; wav: string; error: string }[] }> {
  const featDir = join(work, 'feat');
  makeOutputDir(featDir, 'work folder');
  const ok: TrainUtterance[] = [];
  const failed: { id: string; wav: string; error: string }[] = [];
  const queue = [...utts];
  // Features made again because the code changed: said once, with how many.
  let remade = 0;
  let madeBy = '';
  const worker = async () => {
    for (let u = queue.shift(); u; u = queue.shift()) {
      const out = join(featDir, `${u.id}.mfc`);
      try {
        if (!existsSync(u.wav)) throw new Error('audio file not found');
        const stamp = { inputs: inputsHash({ wav: contentHash(u.wav), params: contentHash(join(m.hmm, 'feat.params')) }), code: sphinxtrainCode() };
        const status = stepStatus(out, stamp);
        if (!status.done) {
          if (status.madeBy) {
            remade++;
            madeBy = status.madeBy;
          }
          clearStep(out);
          const t0 = Date.now();
          await tool('sphinx_fe', ['-argfile', join(m.hmm, 'feat.params'), '-samprate', '16000', '-i', u.wav, '-o', out, '-mswav', 'yes'], `on ${u.wav}`);
          if (!existsSync(out) || statSync(out).size <= 4) throw new Error('no frames extracted');
          markStepDone(out, stamp, (Date.now() - t0) / 1000);
        }
        ok.push(u);
      } catch (e) {
        failed.push({ id: u.id, wav: u.wav, error: (e as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, worker));
  if (remade) say?.(codeChangedLine(`features of ${remade} utterance${remade > 1 ? 's' : ''} (${featDir})`, madeBy, sphinxtrainCode()));
  const order = new Map(utts.map((u, i) => [u.id, i]));
  ok.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  return { ok, failed };
}

/** Model files bw/map_adapt read, prepared once per work folder: text mdef, mixture weights. */
export async function prepareModelFiles(m: ModelCapabilities, work: string, say?: SayFn): Promise<{ mdef: string; mixw: string }> {
  makeOutputDir(work, 'work folder');
  const mdef = join(work, 'mdef.txt');
  const mdefStep = isDone(mdef, inputsHash({ mdef: contentHash(join(m.hmm, 'mdef')) }), `the text mdef ${mdef}`, say);
  if (!mdefStep.done) {
    clearStep(mdef);
    const t0 = Date.now();
    await tool('pocketsphinx_mdef_convert', ['-text', join(m.hmm, 'mdef'), mdef], `converting ${join(m.hmm, 'mdef')}`);
    markStepDone(mdef, mdefStep.stamp, (Date.now() - t0) / 1000);
  }
  let mixw = join(m.hmm, 'mixture_weights');
  if (!m.mixtureWeights) {
    mixw = join(work, 'mixture_weights.from-sendump');
    const mixwStep = isDone(mixw, inputsHash({ sendump: contentHash(join(m.hmm, 'sendump')) }), `the mixture weights ${mixw}`, say);
    if (!mixwStep.done) {
      clearStep(mixw);
      const t0 = Date.now();
      writeS3Mixw(mixw, readSendump(join(m.hmm, 'sendump')));
      markStepDone(mixw, mixwStep.stamp, (Date.now() - t0) / 1000);
    }
  }
  return { mdef, mixw };
}

/**
 * Runs `bw` once over the utterances (features already extracted) and writes its counts to
 * `accumDir`. `weights` repeats an utterance in the control file (group balancing: bw has no
 * per-utterance weight, so an utterance listed k times counts k times).
 */
export async function baumWelch(
  m: ModelCapabilities,
  files: { mdef: string; mixw: string },
  dict: string,
  utts: readonly TrainUtterance[],
  work: string,
  accumDir: string,
  repeat: (u: TrainUtterance) => number = () => 1,
  say?: SayFn,
): Promise<void> {
  makeOutputDir(accumDir, 'work folder');
  const ids: string[] = [];
  const lsn: string[] = [];
  for (const u of utts) {
    for (let k = 0; k < repeat(u); k++) {
      ids.push(u.id);
      lsn.push(`<s> ${u.words.join(' ')} </s> (${u.id})`);
    }
  }
  const inputs = inputsHash({
    model: contentHash(m.hmm), mdef: contentHash(files.mdef), mixw: contentHash(files.mixw), dict: contentHash(dict),
    feats: utts.map((u) => contentHash(join(work, 'feat', `${u.id}.mfc`))), ids, lsn,
  });
  const step = isDone(accumDir, inputs, `bw counts ${accumDir}`, say);
  if (step.done) return;
  clearStep(accumDir);
  const t0 = Date.now();
  const ctl = join(accumDir, 'train.fileids');
  const trans = join(accumDir, 'train.transcription');
  writeFileSync(ctl, ids.join('\n') + '\n');
  writeFileSync(trans, lsn.join('\n') + '\n');
  const out = await tool(
    'bw',
    [
      '-hmmdir', m.hmm, '-moddeffn', files.mdef, '-mixwfn', files.mixw, '-ts2cbfn', m.ptm ? '.ptm.' : '.cont.',
      ...featFlags(m), '-dictfn', dict, '-fdictfn', join(m.hmm, 'noisedict'),
      '-ctlfn', ctl, '-lsnfn', trans, '-cepdir', join(work, 'feat'), '-cepext', 'mfc', '-accumdir', accumDir,
    ],
    `on ${utts.length} utterances (${ctl})`,
  );
  if (!existsSync(join(accumDir, 'gauden_counts'))) {
    throw new AdaptError(`bw wrote no counts to ${accumDir}: ${out.split('\n').filter((l) => /ERROR|FATAL/.test(l)).slice(-2).join(' | ')}`);
  }
  markStepDone(accumDir, step.stamp, (Date.now() - t0) / 1000);
}

/** The inputs' hash a finished bw step stamped on its counts folder (part of the inputs of the steps that read it). */
function countsStamp(accumDir: string): string {
  const text = readFileSync(`${accumDir}.inputs`, 'utf8');
  // Its inputs and code only (as stamps were before they recorded their cost): a bw step redone on the same inputs
  // leaves the steps that read its counts valid.
  try {
    const st = JSON.parse(text) as StepStamp;
    return JSON.stringify({ inputs: st.inputs, code: st.code });
  } catch {
    return text;
  }
}

/** `mllr_solve`: one global MLLR mean transform (mean and shift) from bw counts. */
export async function mllrSolve(m: ModelCapabilities, accumDir: string, out: string, say?: SayFn): Promise<string> {
  const inputs = inputsHash({ counts: countsStamp(accumDir), means: contentHash(join(m.hmm, 'means')), variances: contentHash(join(m.hmm, 'variances')) });
  const step = isDone(out, inputs, `the MLLR transform ${out}`, say);
  if (step.done) return out;
  clearStep(out);
  const t0 = Date.now();
  await tool('mllr_solve', ['-meanfn', join(m.hmm, 'means'), '-varfn', join(m.hmm, 'variances'), '-outmllrfn', out, '-accumdir', accumDir], `on ${accumDir}`);
  markStepDone(out, step.stamp, (Date.now() - t0) / 1000);
  return out;
}

/**
 * `map_adapt`: a new model folder `outHmm` = copy of the base with MAP-updated means and
 * variances (and mixture weights when `mixw` is true, written as `mixture_weights` with the
 * sendump removed so PocketSphinx reads them).
 */
export async function mapAdapt(
  m: ModelCapabilities,
  files: { mdef: string; mixw: string },
  accumDir: string,
  outHmm: string,
  opts: { tau?: number; mixw?: boolean; say?: SayFn } = {},
): Promise<string> {
  const inputs = inputsHash({ counts: countsStamp(accumDir), model: contentHash(m.hmm), mixw: contentHash(files.mixw), tau: opts.tau ?? null, mapMixw: opts.mixw ?? false });
  const step = isDone(outHmm, inputs, `the MAP model ${outHmm}`, opts.say);
  if (step.done) return outHmm;
  clearStep(outHmm);
  const t0 = Date.now();
  // A fresh folder: files of an earlier model written here (a sendump beside new mixture_weights) must not remain.
  rmSync(outHmm, { recursive: true, force: true });
  makeOutputDir(outHmm, 'work folder');
  for (const f of ['mdef', 'feat.params', 'noisedict', 'transition_matrices', 'sendump', 'README']) {
    if (existsSync(join(m.hmm, f)) && !(f === 'sendump' && opts.mixw)) copyFileSync(join(m.hmm, f), join(outHmm, f));
  }
  const args = [
    '-moddeffn', files.mdef, '-ts2cbfn', m.ptm ? '.ptm.' : '.cont.',
    '-meanfn', join(m.hmm, 'means'), '-varfn', join(m.hmm, 'variances'), '-mixwfn', files.mixw, '-tmatfn', join(m.hmm, 'transition_matrices'),
    '-accumdir', accumDir, '-mapmeanfn', join(outHmm, 'means'), '-mapvarfn', join(outHmm, 'variances'),
  ];
  if (opts.tau !== undefined) args.push('-fixedtau', 'yes', '-tau', String(opts.tau), '-bayesmean', 'no');
  if (opts.mixw) args.push('-mapmixwfn', join(outHmm, 'mixture_weights'));
  await tool('map_adapt', args, `on ${accumDir}`);
  markStepDone(outHmm, step.stamp, (Date.now() - t0) / 1000);
  return outHmm;
}
