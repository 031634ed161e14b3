/**
 * Kaldi data directories: wav.scp, text, utt2spk, optional segments, spk2gender, and any other `spk2<key>` /
 * `utt2<key>` file, which becomes label `<key>` (e.g. spk2accent → labels.accent). Piped wav.scp entries
 * ("cmd … |") execute shell commands, so they are refused unless allowPipes is set; then each command runs once and
 * its output is saved next to the manifest under kaldi-audio/.
 *
 * Relative wav.scp paths: Kaldi opens them as given, i.e. relative to the directory its scripts run from, which in
 * every recipe is the recipe folder `egs/<corpus>/s5` holding the data dirs as `data/<set>` (kaldi-asr.org/doc/
 * data_prep.html). So without `--root`, the data dir's parent's parent is tried first, then the data dir's parent
 * (corpora shipped as `<corpus>/{test,WAVE}`, e.g. speechocean762), then the data dir itself; the candidate under
 * which the most paths exist wins (said in the import's notes), and none at all is an error asking for `--root`.
 * Every audio path is then checked; missing files are warned (summarised), all missing is an error.
 * Noise tokens in `text` (`<unk>`, `[noise]`, …) are removed (policy `kaldi`); language from `--language`.
 */
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { InputError } from '../../manifest/errors.ts';
import { checkOutputFiles, makeOutputDir, writeOutputFile } from '../../manifest/output.ts';
import { checked, exists, isDir, manifestAudioPath, readKeyed, type ImportContext, type Imported } from './common.ts';
import { applyKaldiMarkup, hasWords } from './markup.ts';

/** spk2gender values (Kaldi's convention: m, f) → groups. */
const KALDI_GENDERS: Readonly<Record<string, string>> = { m: 'male', f: 'female' };

const NOT_LABELS = new Set(['utt2spk', 'utt2dur', 'utt2num_frames', 'utt2uniq', 'spk2utt', 'utt2warp', 'spk2warp']);

export interface KaldiOptions {
  corpus?: string;
  /** Where recordings are when there is no wav.scp (EdAcc: `<root>/data/<rec>.wav`). */
  recordingPath?: (rec: string) => string;
  /** Speaker → extra labels (EdAcc linguistic background). */
  speakerLabels?: (spk: string, labels: Record<string, string>) => void;
  /** Reference cleaner (default: Kaldi noise tokens); EdAcc passes its own tags policy. */
  markup?: (text: string) => ReturnType<typeof applyKaldiMarkup>;
  /** Language of the references when the caller knows it (EdAcc: en); else ctx.language. */
  language?: string;
  /** Utterances to leave out (EdAcc: segments the stm marks IGNORE_TIME_SEGMENT_IN_SCORING); returns the reason. */
  skip?: (utt: string, rec: string, start: number | undefined, end: number | undefined) => string | undefined;
}

function isPlainPath(value: string): boolean {
  return !value.endsWith('|') && !/\.ark:\d+$/.test(value) && !/\s/.test(value);
}

/**
 * Folder relative wav.scp paths are resolved against: `--root` when given, else the Kaldi-way candidate under which
 * the most of (up to 200 of) the paths exist. Throws when none resolves any.
 */
async function chooseRoot(ctx: ImportContext, dir: string, scpFile: string, scp: Map<string, { value: string; line: number }>): Promise<string> {
  if (ctx.root) return resolve(ctx.root);
  const rel = [...scp.values()].filter((e) => isPlainPath(e.value) && !isAbsolute(e.value)).slice(0, 200);
  const candidates: Array<[string, string]> = [
    [resolve(dir, '..', '..'), "recipe folder (the data dir's parent's parent, where Kaldi scripts run)"],
    [resolve(dir, '..'), "the data dir's parent"],
    [resolve(dir), 'the data dir'],
  ];
  if (rel.length === 0) return candidates[0][0];
  let best = candidates[0];
  let bestHits = -1;
  for (const c of candidates) {
    let hits = 0;
    for (const e of rel) if (await exists(resolve(c[0], e.value))) hits++;
    if (hits > bestHits) [best, bestHits] = [c, hits];
  }
  if (bestHits === 0) {
    throw new InputError(
      scpFile,
      rel[0].line,
      `relative audio paths (e.g. "${rel[0].value}") exist under none of: ${candidates.map((c) => c[0]).join(', ')}; pass --root DIR (the folder Kaldi runs from)`,
    );
  }
  ctx.note?.(`wav.scp relative paths resolved from ${best[0]}: ${best[1]}, where ${bestHits} of ${rel.length} checked exist (--root overrides)`, true);
  return best[0];
}

async function resolveWav(ctx: ImportContext, root: string, scp: string, rec: string, value: string, line: number): Promise<string> {
  if (value.endsWith('|')) {
    if (!ctx.allowPipes) {
      throw new InputError(scp, line, `recording ${rec} is a piped command ("${value.slice(0, 60)}"); it would run a shell command, refused (pass --allow-pipes to run it)`);
    }
    const outDir = join(dirname(resolve(ctx.out)), 'kaldi-audio');
    makeOutputDir(outDir, 'folder of piped audio');
    const file = join(outDir, `${rec.replace(/[^A-Za-z0-9._-]/g, '_')}.wav`);
    // Checked before the command runs; written through a partial file, so a failed write leaves nothing.
    checkOutputFiles([file], 'piped audio file');
    let audio: Buffer;
    try {
      const { stdout } = await promisify(execFile)('sh', ['-c', value.slice(0, -1)], { encoding: 'buffer', maxBuffer: 1 << 30, cwd: process.cwd() });
      if (stdout.length === 0) throw new Error('command wrote no audio');
      audio = stdout;
    } catch (e) {
      throw new InputError(scp, line, `piped command for ${rec} failed: ${(e as Error).message.split('\n')[0]}`);
    }
    writeOutputFile(file, audio, 'piped audio file');
    return file;
  }
  if (/\.ark:\d+$/.test(value)) throw new InputError(scp, line, `recording ${rec} points into an ark file (${value}); extract it to WAV first`);
  if (/\s/.test(value)) throw new InputError(scp, line, `recording ${rec}: expected one path, got "${value}"`);
  return isAbsolute(value) ? value : resolve(root, value);
}

export async function* importKaldi(dir: string, ctx: ImportContext, opts: KaldiOptions = {}): AsyncIterable<Imported> {
  if (!(await isDir(dir))) throw new InputError(dir, undefined, 'Kaldi input must be a data directory (wav.scp, text, utt2spk, …)');
  const textFile = join(dir, 'text');
  const text = await readKeyed(textFile, 'Kaldi text');
  const scpFile = join(dir, 'wav.scp');
  const scp = (await exists(scpFile)) ? await readKeyed(scpFile, 'wav.scp') : undefined;
  if (!scp && !opts.recordingPath) throw new InputError(scpFile, undefined, 'wav.scp not found');
  const segFile = join(dir, 'segments');
  const segments = (await exists(segFile)) ? await readKeyed(segFile, 'segments') : undefined;
  const utt2spkFile = join(dir, 'utt2spk');
  const utt2spk = (await exists(utt2spkFile)) ? await readKeyed(utt2spkFile, 'utt2spk') : undefined;
  const labelFiles: Array<{ key: string; per: 'spk' | 'utt'; map: Map<string, { value: string; line: number }> }> = [];
  for (const name of (await readdir(dir)).sort()) {
    const m = /^(spk|utt)2([a-z_]+)$/.exec(name);
    if (!m || NOT_LABELS.has(name)) continue;
    labelFiles.push({ key: m[2], per: m[1] as 'spk' | 'utt', map: await readKeyed(join(dir, name), name) });
  }
  const root = scp ? await chooseRoot(ctx, dir, scpFile, scp) : dir;
  const language = opts.language ?? ctx.language;
  const clean = opts.markup ?? applyKaldiMarkup;
  let missing = 0;
  let produced = 0;
  const wavCache = new Map<string, string>();
  const recWav = async (rec: string, file: string, line: number): Promise<string> => {
    const hit = wavCache.get(rec);
    if (hit) return hit;
    let p: string;
    if (scp) {
      const e = scp.get(rec);
      if (!e) throw new InputError(file, line, `recording "${rec}" is not in wav.scp`);
      p = await resolveWav(ctx, root, scpFile, rec, e.value, e.line);
      if (!(await exists(p))) {
        missing++;
        (ctx.missingAudio ?? ctx.warn)(`${scpFile}:${e.line}: audio for ${rec} not found: ${p}`, 'Kaldi audio file not found');
      }
    } else p = opts.recordingPath!(rec);
    wavCache.set(rec, p);
    return p;
  };
  const kind = opts.corpus === 'edacc' ? 'EdAcc' : 'Kaldi';
  /** Recordings some line of `text` names (through segments, or as the utterance id itself). */
  const named = new Set<string>();
  for (const [utt, { value: words, line }] of text) {
    named.add(segments?.get(utt)?.value.split(/\s+/)[0] ?? utt);
    // Kaldi's utils/validate_data_dir.sh refuses text and utt2spk that list different utterances: an utterance
    // without a speaker would lose the speaker's declared labels (spk2*) and become a speaker of its own.
    if (utt2spk && !utt2spk.has(utt)) {
      throw new InputError(
        textFile,
        line,
        `utterance ${utt} is not in utt2spk (${utt2spkFile}): its speaker and the speaker's declared labels would be lost; Kaldi's utils/validate_data_dir.sh refuses this too (add its line, or remove it from text)`,
      );
    }
    if (!words) {
      ctx.warn(`${textFile}:${line}: utterance ${utt} has an empty transcript; left out`, `${kind} empty transcript`);
      ctx.tally?.(`${kind} utterances with an empty transcript in text (no reference)`);
      continue;
    }
    const { text: cleaned, markup } = clean(words);
    if (!hasWords(cleaned)) {
      ctx.tally?.(`${kind} utterances with only markup or noise tokens, not utterances`);
      continue;
    }
    let rec = utt;
    let start: number | undefined;
    let end: number | undefined;
    if (segments) {
      const s = segments.get(utt);
      if (!s) throw new InputError(textFile, line, `utterance ${utt} is not in segments`);
      const f = s.value.split(/\s+/);
      if (f.length < 3 || !Number.isFinite(Number(f[1])) || !Number.isFinite(Number(f[2]))) {
        throw new InputError(segFile, s.line, `expected "<utt> <recording> <start> <end>", got "${utt} ${s.value}"`);
      }
      rec = f[0];
      start = Number(f[1]);
      end = Number(f[2]) < 0 ? undefined : Number(f[2]); // Kaldi: end -1 means "to the end of the recording"
    }
    const skipReason = opts.skip?.(utt, rec, start, end);
    if (skipReason) {
      ctx.tally?.(skipReason);
      continue;
    }
    const spkEntry = utt2spk?.get(utt);
    if (spkEntry && !/^\S+$/.test(spkEntry.value)) {
      throw new InputError(utt2spkFile, spkEntry.line, `expected "<utterance> <speaker>", got "${utt} ${spkEntry.value}"`);
    }
    const spk = spkEntry?.value;
    const labels: Record<string, string> = {};
    for (const lf of labelFiles) {
      const v = lf.map.get(lf.per === 'spk' ? (spk ?? '') : utt)?.value;
      if (v === undefined) continue;
      ctx.labels.assign(labels, lf.key, v); // `<key>_raw` verbatim, as the file says (`m`)
      // Kaldi's spk2gender convention is m/f: the group is male/female unless a label map says otherwise.
      const kaldiGender = lf.key === 'gender' ? KALDI_GENDERS[v.trim().toLowerCase()] : undefined;
      if (kaldiGender && labels.gender !== undefined && ctx.labels.map.lookup('gender', v) === undefined) labels.gender = kaldiGender;
    }
    if (spk) opts.speakerLabels?.(spk, labels);
    produced++;
    yield checked(
      {
        id: utt,
        audio: manifestAudioPath(ctx, await recWav(rec, segments ? segFile : textFile, line)),
        ...(start !== undefined ? { start } : {}),
        ...(end !== undefined ? { end } : {}),
        text: cleaned,
        ...(markup ? { markup, text_raw: words } : {}),
        ...(language ? { language } : {}),
        ...(spk ? { speaker: spk } : {}),
        labels,
        ...(opts.corpus ? { corpus: opts.corpus } : {}),
      },
      textFile,
      line,
    );
  }
  // Recordings and speakers' utterances with no line in text have no reference: left out, each said and counted.
  for (const [rec, { line }] of scp ?? []) {
    if (named.has(rec)) continue;
    ctx.warn(`${scpFile}:${line}: recording ${rec} has no utterance in text (no reference transcript); left out`, `${kind} recording with no transcript`);
    ctx.tally?.(`${kind} recordings in wav.scp with no utterance in text (no reference)`);
  }
  for (const [utt, { line }] of utt2spk ?? []) {
    if (text.has(utt)) continue;
    ctx.warn(`${utt2spkFile}:${line}: utterance ${utt} has no line in text (no reference transcript); left out`, `${kind} utterance with no transcript`);
    ctx.tally?.(`${kind} utterances in utt2spk with no line in text (no reference)`);
  }
  if (scp && produced > 0 && missing === wavCache.size) {
    throw new InputError(scpFile, undefined, `none of the ${missing} audio files exist (first: ${[...wavCache.values()][0]}); pass --root DIR (the folder Kaldi runs from)`);
  }
}
