/**
 * Text-stage benchmark (src/text).
 *   1. `english` normaliser vs `basic` on the same utterances (mixed words, numbers, contractions,
 *      British spellings). Goal: english ≤ 15× basic (utterances/s printed for information).
 *   2. PER (G2P of ref and hyp + phone alignment + word tagging) vs aligning the same phone
 *      strings alone: the G2P and bookkeeping overhead. Goal: ≤ 2×. (PER vs WER is printed too:
 *      phone strings are ~3.5× longer than word strings, so the quadratic alignment alone is ~12×.)
 *   3. Letter-to-sound for unknown words: one batched `prepare` vs one process per word.
 *      Goal: batching ≥ 5× faster.
 * Usage: node --import tsx bench/text.ts [--n 20000] [--oov 200]
 */
import { align, tokenize } from '../src/score/align.ts';
import { normaliseEnglish } from '../src/text/english.ts';
import { basic } from '../src/text/normalise.ts';
import { createG2P } from '../src/text/g2p.ts';
import { phoneCounts } from '../src/score/per.ts';

const args = process.argv.slice(2);
const arg = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const N = arg('n', 20_000);
const OOV_N = arg('oov', 200);

let seed = 12345;
const rnd = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

const WORDS = (
  'the birch canoe slid on smooth planks glue sheet to dark blue background it is easy tell depth of a well ' +
  'these days chicken leg rare dish rice often served in round bowls juice lemons makes fine punch box was ' +
  'thrown beside parked truck hogs were fed chopped corn and garbage four hours steady work faced us'
).split(' ');
const EXTRAS = ["Mr.", "Dr.", "can't", "won't", "he's", "colour", "centre", 'organise', 'twenty', 'five', 'hundred', 'dollars', '1,000', '$5', 'uh', 'um', '(noise)', 'percent'];

function utterance(): string {
  const n = 6 + Math.floor(rnd() * 12);
  const ws: string[] = [];
  for (let i = 0; i < n; i++) ws.push(rnd() < 0.2 ? pick(EXTRAS) : pick(WORDS));
  return ws.join(' ') + (rnd() < 0.5 ? '.' : ',');
}

function time(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/** Best time of each function over interleaved repetitions (the machine is shared: load comes and goes). */
function bestOf(fns: (() => void)[], reps = 7): number[] {
  const ms = fns.map(() => Number.POSITIVE_INFINITY);
  for (let r = 0; r < reps; r++) fns.forEach((fn, i) => (ms[i] = Math.min(ms[i]!, time(fn))));
  return ms;
}

const corpus = Array.from({ length: N }, utterance);
let sink = 0;

// 1. normalisers
const [basicMs, englishMs] = bestOf([
  () => {
    for (const u of corpus) sink += basic.normalise(u).length;
  },
  () => {
    for (const u of corpus) sink += normaliseEnglish(u).length;
  },
]) as [number, number];
const ratio1 = englishMs / basicMs;
const perSec = (N / englishMs) * 1000;
console.log(`1. english normaliser: ${englishMs.toFixed(0)} ms for ${N} utterances (${perSec.toFixed(0)}/s); basic ${basicMs.toFixed(0)} ms`);
console.log(`   ratio english/basic = ${ratio1.toFixed(2)}× (goal ≤ 15×): ${ratio1 <= 15 ? 'PASS' : 'FAIL'}`);

// 2. PER vs WER
const g2p = await createG2P();
const pairs = corpus.slice(0, Math.min(N, 5000)).map((u) => {
  const ref = basic.normalise(u).replace(/\d+/g, '').replace(/\s+/g, ' ');
  const words = tokenize(ref);
  const hyp = words.map((w) => (rnd() < 0.15 ? pick(WORDS) : w)).filter(() => rnd() > 0.05).join(' ');
  return { ref, hyp };
});
await g2p.prepare(pairs.flatMap((p) => [p.ref, p.hyp]));
const phoneStrings = pairs.map((p) => ({
  ref: g2p.sentence(p.ref).flatMap((w) => w.phones),
  hyp: g2p.sentence(p.hyp).flatMap((w) => w.phones),
}));
const [werMs, phoneAlignMs, perMs] = bestOf([
  () => {
    for (const p of pairs) sink += align(tokenize(p.ref), tokenize(p.hyp)).counts.ref;
  },
  () => {
    for (const p of phoneStrings) sink += align(p.ref, p.hyp).counts.ref;
  },
  () => {
    for (const p of pairs) sink += phoneCounts(p.ref, p.hyp, g2p).counts.ref;
  },
]) as [number, number, number];
const ratio2 = perMs / phoneAlignMs;
console.log(`2. PER ${perMs.toFixed(0)} ms vs phone alignment alone ${phoneAlignMs.toFixed(0)} ms for ${pairs.length} pairs: ratio ${ratio2.toFixed(2)}× (goal ≤ 2×): ${ratio2 <= 2 ? 'PASS' : 'FAIL'}`);
console.log(`   (WER on the same pairs ${werMs.toFixed(0)} ms: PER/WER = ${(perMs / werMs).toFixed(1)}×)`);

// 3. batched letter-to-sound
const letters = 'bcdfgklmnprstvz';
const vowels = 'aeiou';
const oov = new Set<string>();
while (oov.size < OOV_N) {
  let w = '';
  for (let i = 0; i < 3; i++) w += pick([...letters]) + pick([...vowels]);
  if (g2p.pronunciations(w).length === 0) oov.add(w + 'x');
}
const oovList = [...oov];
const batched = await createG2P();
const t0 = process.hrtime.bigint();
await batched.prepare(oovList);
const batchMs = Number(process.hrtime.bigint() - t0) / 1e6;
const single = await createG2P();
const singleMs = time(() => {
  for (const w of oovList) sink += single.word(w).length;
});
const ratio3 = singleMs / batchMs;
console.log(`3. ${OOV_N} unknown words via ${batched.fallback}: batched ${batchMs.toFixed(0)} ms vs one call each ${singleMs.toFixed(0)} ms: ${ratio3.toFixed(1)}× faster (goal ≥ 5×): ${ratio3 >= 5 ? 'PASS' : 'FAIL'}`);
if (sink === -1) console.log('');
