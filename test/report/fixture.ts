/** A small synthetic run export: three accent groups with different error rates, plus hostile transcripts. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alignCounts, tokenize } from '../../src/score/align.ts';
import { charCounts } from '../../src/score/metrics.ts';
import { writeRunExport, type ExportedUtterance, type RunMetaInput } from '../../src/score/run-export.ts';
import { prng } from '../score/random-corpus.ts';

const WORDS = 'the birch canoe slid on smooth planks glue sheet to dark blue background it is easy tell depth of a well'.split(' ');

export interface GroupSpec {
  accent: string;
  speakers: number;
  uttsPerSpeaker: number;
  errorRate: number;
}

export const DEFAULT_GROUPS: GroupSpec[] = [
  { accent: 'scottish', speakers: 12, uttsPerSpeaker: 5, errorRate: 0.05 },
  { accent: 'caribbean', speakers: 12, uttsPerSpeaker: 5, errorRate: 0.3 },
  { accent: 'welsh', speakers: 3, uttsPerSpeaker: 4, errorRate: 0.15 },
];

export const HOSTILE_HYP = 'the <script>window.__pwned=1</script> canoe <img src=x onerror="window.__pwned=2"> slid';

/** A tiny silent 16 kHz mono WAV (for the audio player). */
function silentWav(samples = 1600): Buffer {
  const b = Buffer.alloc(44 + samples * 2);
  b.write('RIFF', 0);
  b.writeUInt32LE(36 + samples * 2, 4);
  b.write('WAVE', 8);
  b.write('fmt ', 12);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(16000, 24);
  b.writeUInt32LE(32000, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36);
  b.writeUInt32LE(samples * 2, 40);
  return b;
}

/** Reference texts depend only on `seed` (and the group sizes); errors on `errorSeed` too, so two systems can share references. */
export function makeUtterances(
  opts: {
    groups?: GroupSpec[]; backend?: string; seed?: number; errorSeed?: number; hostile?: boolean; condition?: string;
    /** Base SNR (dB) of the condition: each utterance gets base ± a few dB, so SNR is not a copy of the condition. */
    snrDb?: number;
  } = {},
): ExportedUtterance[] {
  const groups = opts.groups ?? DEFAULT_GROUPS;
  const backend = opts.backend ?? 'mock-asr';
  const rand = prng(opts.seed ?? 7);
  const errRand = prng(opts.errorSeed ?? (opts.seed ?? 7) + 1000);
  const out: ExportedUtterance[] = [];
  for (const g of groups) {
    for (let s = 0; s < g.speakers; s++) {
      const speaker = `${g.accent}-spk${s}`;
      for (let k = 0; k < g.uttsPerSpeaker; k++) {
        const n = 8 + Math.floor(rand() * 6);
        const ref = Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]);
        const hyp: string[] = [];
        for (const w of ref) {
          const r = errRand();
          if (r < g.errorRate * 0.6) hyp.push(WORDS[Math.floor(errRand() * WORDS.length)] + 'x');
          else if (r < g.errorRate * 0.85) continue;
          else hyp.push(w);
          if (errRand() < g.errorRate * 0.15) hyp.push('uh');
        }
        const id = `${speaker}-u${k}`;
        const u = scored(id, speaker, { accent: g.accent, gender: s % 2 ? 'female' : 'male' }, backend, ref.join(' '), hyp.join(' '), opts.condition);
        if (opts.snrDb !== undefined) u.snrDb = opts.snrDb + ((s * 7 + k * 3) % 9) - 4;
        out.push(u);
      }
    }
  }
  if (opts.hostile) {
    const ref = 'the birch canoe slid';
    out.push(scored('scottish-spk0-hostile', 'scottish-spk0', { accent: 'scottish', gender: 'male' }, backend, ref, HOSTILE_HYP, opts.condition));
  }
  return out;
}

function scored(id: string, speaker: string, labels: Record<string, string>, backend: string, ref: string, hyp: string, condition = 'clean'): ExportedUtterance {
  return {
    id, speaker, labels, backend, condition, status: 'ok', ref, hyp,
    durationSec: tokenize(ref).length * 0.4,
    words: alignCounts(tokenize(ref), tokenize(hyp)),
    chars: charCounts(ref, hyp),
  };
}

export const NOISY = 'noise-snr10';

/**
 * Clean and noisy versions of the same utterances (same ids and references), with per-utterance SNR:
 * Scottish WER rises a little in noise, the Caribbean group's far more (significantly more than the rest).
 */
export function makeConditionRun(opts: { backend?: string } = {}): ExportedUtterance[] {
  const clean = makeUtterances({ backend: opts.backend, snrDb: 40 });
  const noisy = makeUtterances({
    backend: opts.backend,
    condition: NOISY,
    errorSeed: 4242,
    snrDb: 10,
    // Welsh (3 speakers) degrades somewhat more than the rest too, but on too few speakers to be significant.
    groups: DEFAULT_GROUPS.map((g) => ({ ...g, errorRate: g.accent === 'caribbean' ? 0.6 : g.accent === 'welsh' ? 0.4 : g.errorRate + 0.03 })),
  });
  return [...clean, ...noisy];
}

export const CONDITIONS_META: Partial<RunMetaInput> = {
  conditions: [{ key: 'clean', name: 'clean' }, { key: NOISY, name: 'white noise 10 dB' }],
};

export function makeMeta(over: Partial<RunMetaInput> = {}): RunMetaInput {
  return {
    format: 'asrfair-run-export',
    formatVersion: 1,
    runId: 'test-run',
    createdAt: '2026-11-23T09:00:00Z',
    toolVersion: '0.1.0',
    corpus: { name: 'fixture-corpus', hash: 'sha256:abc123', synthetic: true },
    backends: [{ key: 'mock-asr', name: 'Mock ASR', version: '1' }],
    conditions: [{ key: 'clean', name: 'clean' }],
    normaliser: { name: 'basic', version: '2' },
    costModel: 'sclite',
    seeds: { run: 1 },
    intendedUse: 'Testing the report layer.',
    limits: ['Synthetic error patterns.'],
    confounders: ['Sentence length varies by chance.'],
    ...over,
  };
}

/** Writes a run export into `dir` (with a few audio files) and returns its utterances. */
export function writeFixtureRun(
  dir: string,
  opts: Parameters<typeof makeUtterances>[0] & { meta?: Partial<RunMetaInput>; utterances?: ExportedUtterance[] } = {},
): ExportedUtterance[] {
  const utts = opts.utterances ?? makeUtterances(opts);
  mkdirSync(join(dir, 'audio'), { recursive: true });
  const wav = silentWav();
  for (const u of utts.slice(0, 3)) {
    writeFileSync(join(dir, 'audio', `${u.id}.wav`), wav);
    u.audio = `audio/${u.id}.wav`;
  }
  writeRunExport(dir, makeMeta(opts.meta), utts);
  return utts;
}
