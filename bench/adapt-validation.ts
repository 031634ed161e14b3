/**
 * Remedy validation on planted accents (issue 16, item 4): festival speaks a TH-stopping group and a
 * null group with matched synthetic speakers (speaker k has the same pitch and tempo in both groups,
 * `synth --accent-rules --matched-speakers`), the split deals matched speakers to the same split in
 * both groups, and every remedy candidate is decoded on the held-out test speakers. Prints, per
 * candidate, the planted group's gap to the null group before and after, the share closed, and
 * whether any group got significantly worse (paired speaker-bootstrap interval wholly above 0).
 * Target: pronunciation variants and acoustic adaptation each close ≥ half, no group worse.
 *
 *   node --import tsx bench/adapt-validation.ts [speakers=12] [sentences=16] [rules=TH>T,DH>D|glass]
 *
 * `glass` lets the glass box flag the rules on the train speakers instead of giving them.
 * About 30 min on two loaded cores at the defaults.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPlantedCorpus, readAccentRules } from '../src/corpora/planted/index.ts';
import { adapt } from '../src/adapt/pipeline.ts';
import { parseRules } from '../src/cli/commands/adapt.ts';

const speakers = Number(process.argv[2] ?? 12);
const sentences = Number(process.argv[3] ?? 16);
const rulesArg = process.argv[4] ?? 'TH>T,DH>D';
const dir = mkdtempSync(join(tmpdir(), 'asrfair-bench-adaptval-'));
const t0 = Date.now();
const secs = () => ((Date.now() - t0) / 1000).toFixed(0);
try {
  const rulesFile = join(dir, 'th.yaml');
  writeFileSync(rulesFile, 'voice: cmu_us_slt_arctic_hts\ngroups:\n  th-stopping: [{ rule: th-stopping, rate: 1 }]\n  none: []\n');
  const corpus = await buildPlantedCorpus({ rules: readAccentRules(rulesFile), outDir: join(dir, 'corpus'), speakers, sentences, seed: 1, matchedSpeakers: true });
  console.log(`synthesised ${corpus.utterances.length} utterances (2 groups × ${speakers} matched speakers × ${sentences} sentences) in ${secs()} s`);
  const r = await adapt({
    manifest: corpus.manifest, groupBy: 'accent', out: join(dir, 'out'), cacheDir: join(dir, 'cache'), seed: 3,
    methods: ['variants', 'mllr', 'map'], variantScope: ['group'], weightings: ['unweighted'], acousticScope: ['global', 'group'],
    select: 'minimax', matchSpeakersBy: 'speaker_profile',
    ...(rulesArg === 'glass' ? {} : { rules: parseRules(`th-stopping:${rulesArg}`) }),
    pair: { target: 'th-stopping', reference: 'none' }, normaliser: 'basic', resamples: 1000, processes: 2, testAll: true,
    log: (m) => console.log(`  [${secs()} s] ${m}`),
  });
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  console.log(`split ${r.split.groups.map((g) => `${g.group} ${g.train.length}/${g.dev.length}/${g.test.length}`).join(', ')}; rules (${r.rulesSource}) ${JSON.stringify(r.rules)}`);
  console.log('candidate           th-stopping before→after   none before→after   gap before→after   closed   worse');
  for (const [name, x] of Object.entries(r.remedyByCandidate)) {
    const g = (n: string) => x.groups.find((y) => y.group === n)!;
    console.log(
      `${name.padEnd(18)}  ${pct(g('th-stopping').before)} → ${pct(g('th-stopping').after)}          ${pct(g('none').before)} → ${pct(g('none').after)}     ${pct(x.pair!.gapBefore)} → ${pct(x.pair!.gapAfter)}    ${x.pair!.closed === null ? x.pair!.shift : `${(100 * x.pair!.closed).toFixed(0)}%`}     ${x.groups.filter((y) => y.significantlyWorse).map((y) => y.group).join(',') || 'none'}`,
    );
  }
  console.log(`train audio ${(r.trainAudioSeconds / 60).toFixed(1)} min; total ${secs()} s (machine shared: times are loaded)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
