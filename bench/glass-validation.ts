/**
 * Glass-box validation on planted accents: per rule, recall of the planted confusions and precision of
 * all flags, for the phone loop, forced-alignment goodness and black-box evidence separately, at group
 * sizes of 3, 6 and 12 speakers and several seeds; and null-vs-null (the null group's speakers split
 * at random into two halves, 20 seeds) with how often nothing is flagged.
 *
 * One corpus is synthesised and decoded (corpora/accent-rules/validation.yaml, 12 speakers per group
 * × `sentences`); the smaller group sizes are seeded random subsets of its speakers, re-analysed from the
 * kept per-utterance evidence. That equals decoding the subset alone: every stage is per utterance.
 *
 *   node --import tsx bench/glass-validation.ts [sentences=40] [seeds=3] [speakers=12] [rules.yaml]
 *        [--save-evidence FILE] [--evidence FILE] [--reference GROUP|rest] [--seed N] [--dir DIR] [--test welch|permutation] [--min-pooled N]
 *        [--independent-speakers] [--paired] [--alpha Q] [--why] [--prompts FILE] [--pitch-range LOW:HIGH=-400:0]
 *        [--no-speaker-baseline] [--reference-speakers N]
 *
 * Speakers are matched (`synth --matched-speakers`): speaker k has the same pitch, tempo and sentences in
 * every group, so the groups differ only by the rules, and random subsets keep the same profiles in
 * every group. `--independent-speakers` draws each group's speakers on their own (the earlier design).
 * `--paired` compares sounds profile by profile (paired t-test over strata, floored by the sign-flip p)
 * instead of Welch. `--why` prints, for every visible planted sound not found, its closest tests and its
 * site test's p. `--no-speaker-baseline` tests each speaker's raw rate (not minus its other phones' rate).
 * `--reference-speakers N` keeps N speakers of the reference group at every smaller size (e.g. 6-speaker accent groups
 * against a 12-speaker reference; at 6 vs 12 the permutation floor is 1/18,564 instead of 1/924).
 * Each subset also gets the site test of every planted pair (`siteTests`): the summary's last column is
 * recall over the pairs whose own sites show the group worse at that size.
 *
 * `--save-evidence FILE` writes the decoded evidence, the failures and the ground truth to FILE (JSON)
 * after decoding; `--evidence FILE` skips synthesis and decoding and re-analyses that file (seconds
 * instead of the decode's minutes), so the analysis can be iterated on one decode.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { cores, load1, sinceStart } from './cpu.ts';
import { join } from 'node:path';
import { DEFAULT_PITCH_RANGE, buildPlantedCorpus, parsePitchRange, readAccentRules, type PlantedCorpus } from '../src/corpora/planted/index.ts';
import { runGlassboxOnManifest, type GlassReport } from '../src/analysis/glass-suite.ts';
import { findConfusableSounds } from '../src/analysis/confusable.ts';
import { goodnessByGroup } from '../src/analysis/glass.ts';
import {
  EVIDENCE_KINDS,
  closestTests,
  SEEN_CONFUSION,
  SEEN_GOODNESS_D,
  engineSees,
  nullPartitions,
  siteSignals,
  siteTests,
  unseenReason,
  validateGlassReport,
  type EvidenceKind,
  type EvidenceValidation,
} from '../src/analysis/glass-validation.ts';
import { createRng } from '../src/stats/rng.ts';

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  if (i < 0) return undefined;
  const v = argv[i + 1];
  argv.splice(i, 2);
  return v;
};
const saveFile = flag('--save-evidence');
const promptsFile = flag('--prompts');
const loadFile = flag('--evidence');
const referenceFlag = flag('--reference');
const corpusSeed = Number(flag('--seed') ?? 1);
const workDir = flag('--dir');
const testFlag = flag('--test') === 'permutation' ? 'permutation' : 'welch';
const minPooled = flag('--min-pooled');
const alphaFlag = flag('--alpha');
const pitchFlag = flag('--pitch-range');
const refSpeakersFlag = flag('--reference-speakers');
const goodnessBaselineFlag = flag('--goodness-baseline');
if (goodnessBaselineFlag !== undefined && goodnessBaselineFlag !== 'all' && goodnessBaselineFlag !== 'same-class') throw new Error('--goodness-baseline must be all or same-class');
// Default -400:0 cents, not synth's ±400: sox's pitch shift moves the formants, and the voice shifted up
// is child-like to the en-US model (null-group phone-loop errors 0.29-0.35 at -400…0 cents, 0.43-0.78 at
// +73…+381), so those speakers carry little evidence about any sound (README, planted accents).
const pitch: readonly [number, number] = pitchFlag ? parsePitchRange(pitchFlag) : [-400, 0];
const boolFlag = (name: string): boolean => (argv.includes(name) ? (argv.splice(argv.indexOf(name), 1), true) : false);
let matchedSpeakers = !boolFlag('--independent-speakers');
const paired = boolFlag('--paired');
const why = boolFlag('--why');
const noBaseline = boolFlag('--no-speaker-baseline');
const sentences = Number(argv[0] ?? 40);
const nSeeds = Number(argv[1] ?? 3);
let maxSpk = Number(argv[2] ?? 12);
const rulesFile = argv[3] ?? new URL('../corpora/accent-rules/validation.yaml', import.meta.url).pathname;

/** What `--save-evidence` writes: enough to re-run every statistic without decoding. */
interface SavedEvidence {
  rulesFile: string;
  /** Prompt file the speakers read (absent: the Harvard lists). */
  promptsFile?: string;
  /** Speaker k had the same pitch and tempo in every group (`synth --matched-speakers`). */
  matchedSpeakers?: boolean;
  /** Speakers' pitch shifts drawn in this range of cents (absent: the default ±400). */
  pitchRange?: readonly [number, number];
  sentences: number;
  speakers: number;
  corpus: Pick<PlantedCorpus, 'groups' | 'utterances'>;
  report: GlassReport;
}
// --dir keeps the synthesised corpus (and reuses what an earlier run there spoke); default: a temp dir, removed.
const dir = workDir ?? mkdtempSync(join(tmpdir(), 'asrfair-bench-glassval-'));
const t0 = Date.now();
const secs = () => ((Date.now() - t0) / 1000).toFixed(0);
try {
  let corpus: Pick<PlantedCorpus, 'groups' | 'utterances'>;
  let conf: { speakerBaseline?: boolean; goodnessBaseline?: 'all' | 'same-class'; referenceGroup?: string; test?: 'welch' | 'permutation'; minPooledCount?: number; matched?: boolean; alpha?: number } = {};
  let report: GlassReport;
  if (loadFile) {
    // Several files (comma-separated, e.g. decodes with different --seed) are pooled: the speakers of
    // file k > 0 get the prefix `k:` so they stay distinct clusters.
    const files = loadFile.split(',');
    const all = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as SavedEvidence);
    const tag = <T extends { speaker: string; id: string }>(xs: readonly T[], k: number): T[] => (k ? xs.map((x) => ({ ...x, id: `${k}:${x.id}`, speaker: `${k}:${x.speaker}` })) : [...xs]);
    const saved = all[0];
    corpus = {
      groups: saved.corpus.groups.map((g) => ({ ...g, speakers: all.flatMap((a, k) => (a.corpus.groups.find((x) => x.name === g.name)?.speakers ?? []).map((sp) => (k ? { ...sp, id: `${k}:${sp.id}` } : sp))) })),
      utterances: all.flatMap((a, k) => tag(a.corpus.utterances, k)),
    };
    report = {
      ...saved.report,
      failures: all.flatMap((a) => a.report.failures),
      evidence: {
        phoneLoop: all.flatMap((a, k) => tag(a.report.evidence!.phoneLoop, k)),
        blackBox: all.flatMap((a, k) => tag(a.report.evidence!.blackBox, k)),
        goodness: all.flatMap((a, k) => tag(a.report.evidence!.goodness, k)),
      },
    };
    maxSpk = all.reduce((a, x) => a + x.speakers, 0);
    matchedSpeakers = all.every((a) => a.matchedSpeakers);
    console.log(`evidence of ${corpus.utterances.length} utterances (${saved.rulesFile}, ${maxSpk} speakers × ${saved.sentences} sentences of ${saved.promptsFile ?? 'the Harvard lists'} per group, pitch ${(saved.pitchRange ?? DEFAULT_PITCH_RANGE).join(' to ')} cents) read from ${files.join(', ')}; statistics recomputed`);
  } else {
    const rules = readAccentRules(rulesFile);
    const built = await buildPlantedCorpus({ rules, outDir: dir, speakers: maxSpk, sentences, seed: corpusSeed, matchedSpeakers, pitchRange: pitch, ...(promptsFile ? { promptsFile } : {}) });
    corpus = built;
    console.log(`synthesised ${built.utterances.length} utterances (${rules.groups.length} groups × ${maxSpk} speakers × ${sentences} sentences of ${promptsFile ?? 'the Harvard lists'}, pitch ${pitch.join(' to ')} cents) in ${secs()} s`);
    report = await runGlassboxOnManifest(built.manifest, 'accent', { cacheDir: join(dir, 'cache'), keepEvidence: true, onProgress: (m) => console.log(`  [${secs()} s] ${m}`) });
    if (saveFile) {
      const saved: SavedEvidence = { rulesFile, ...(promptsFile ? { promptsFile } : {}), sentences, speakers: maxSpk, matchedSpeakers, pitchRange: pitch, corpus: { groups: built.groups, utterances: built.utterances }, report };
      writeFileSync(saveFile, JSON.stringify(saved));
      console.log(`evidence written to ${saveFile}`);
    }
  }
  // The comparison: every group against the declared null group (the first group without rules), or --reference.
  const nullGroup = corpus.groups.find((g) => g.rules.length === 0)?.name;
  const reference = referenceFlag === 'rest' ? undefined : (referenceFlag ?? nullGroup);
  const refSpeakers = refSpeakersFlag === undefined ? undefined : Number(refSpeakersFlag);
  if (refSpeakers !== undefined && !(Number.isInteger(refSpeakers) && refSpeakers >= 2 && refSpeakers <= maxSpk && reference)) {
    throw new Error(`--reference-speakers must be a whole number from 2 to ${maxSpk} (the decoded speakers per group), with a reference group`);
  }
  conf = { ...(noBaseline ? { speakerBaseline: false } : {}), ...(goodnessBaselineFlag ? { goodnessBaseline: goodnessBaselineFlag } : {}), test: testFlag, matched: paired && matchedSpeakers, ...(alphaFlag ? { alpha: Number(alphaFlag) } : {}), ...(reference ? { referenceGroup: reference } : {}), ...(minPooled ? { minPooledCount: Number(minPooled) } : {}) };
  if (paired && matchedSpeakers) {
    // The matching stratum is the speaker profile: `stops-s03` and `none-s03` share pitch, tempo and sentences
    // (pooled files keep their `k:` prefix, so profiles of different decodes stay apart).
    const profile = (speaker: string) => speaker.replace(/^((?:\d+:)?)[^:]*-(s\d+)$/, '$1$2');
    const ev0 = report.evidence!;
    report = {
      ...report,
      evidence: {
        phoneLoop: ev0.phoneLoop.map((u) => ({ ...u, match: profile(u.speaker) })),
        blackBox: ev0.blackBox.map((u) => ({ ...u, match: profile(u.speaker) })),
        goodness: ev0.goodness.map((u) => ({ ...u, match: profile(u.speaker) })),
      },
    };
  }
  console.log(`${matchedSpeakers ? `matched speakers (speaker k has the same pitch, tempo and sentences in every group)${paired ? ', compared profile by profile (paired)' : ''}; ` : 'independent speakers per group; '}each group is compared with ${reference ? `the reference group "${reference}"` : 'all other groups'}; speaker-cluster ${testFlag === 'welch' ? 'Welch t-test' : 'permutation test'}, Benjamini–Hochberg`);
  {
    const ev = report.evidence!;
    report = {
      ...report,
      phoneLoop: findConfusableSounds(ev.phoneLoop, conf),
      blackBox: ev.blackBox.length ? { ...findConfusableSounds(ev.blackBox, conf), hypothesisSource: report.blackBox!.hypothesisSource } : undefined,
      goodness: ev.goodness.length ? goodnessByGroup(ev.goodness, conf) : undefined,
    };
  }
  const glassSec = (Date.now() - t0) / 1000;
  const failures = new Map<string, number>();
  for (const f of report.failures) failures.set(f.stage, (failures.get(f.stage) ?? 0) + 1);
  console.log(`glass analysis done at ${glassSec.toFixed(0)} s (${sinceStart().cpu.toFixed(0)} CPU s so far, load average ${load1()}); failures by stage: ${[...failures].map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);

  const ev = report.evidence!;
  /** Report restricted to `keep` speakers, statistics recomputed from the kept evidence. */
  const subset = (keep: Set<string>, seed: number): GlassReport => {
    const f = <T extends { speaker: string }>(xs: readonly T[]) => xs.filter((x) => keep.has(x.speaker));
    return {
      ...report,
      evidence: { phoneLoop: f(ev.phoneLoop), blackBox: f(ev.blackBox), goodness: f(ev.goodness) },
      phoneLoop: findConfusableSounds(f(ev.phoneLoop), { ...conf, seed }),
      blackBox: ev.blackBox.length ? { ...findConfusableSounds(f(ev.blackBox), { ...conf, seed }), hypothesisSource: report.blackBox!.hypothesisSource } : undefined,
      goodness: ev.goodness.length ? goodnessByGroup(f(ev.goodness), { ...conf, seed }) : undefined,
    };
  };
  const fmt = (x: number) => (Number.isNaN(x) ? '  – ' : x.toFixed(2));
  // What the engine can see: the planted site's evidence in the group against the same words spoken by the reference.
  const signals = reference ? siteSignals(corpus.utterances, ev, reference) : [];
  const seenBy = (kind: EvidenceKind, p: { group: string; from: string; to: string }) => {
    const sig = signals.find((x) => x.kind === kind && x.group === p.group && x.from === p.from && x.to === p.to);
    return !sig || engineSees(sig);
  };
  console.log(`
Definitions (src/analysis/glass-validation.ts):
  planted pair: canonical → planted phone a group's rules produced; visible with >= 10 tokens from >= 2 speakers
    and when the engine shows it: site signal (the rewritten phone's tokens in the rewritten words, group against the
    same words read by "${reference ?? '-'}") >= ${SEEN_CONFUSION} of tokens recognised as something else (phone loop, black box)
    or GOP per frame lower by >= ${SEEN_GOODNESS_D} of the tokens' pooled SD (goodness: Cohen's d).
  a flag = a flagged sound (group, canonical phone, at any position or one position in the word); goodness: a phone
    that fits worse.
  recall of a rule = its visible pairs whose canonical phone is a flagged sound of its group (whatever it was heard
    as); strict recall = the exact pair flagged as a confusion. Mean recall = mean over rules with a visible pair.
  precision = flagged sounds that are planted or consequences of the rules (per token, the group's excess over the
    reference in words the rules rewrote is at least twice its excess in other words) / all flagged sounds;
    strict precision = planted sounds / all.`);
  if (signals.length) {
    console.log('\nsite signals (all decoded speakers): kind group rule pair tokens(group/ref) value(group/ref) delta seen');
    for (const x of signals) {
      console.log(`  ${x.kind.padEnd(9)} ${x.group.padEnd(7)} ${x.rule.padEnd(18)} ${`${x.from}→${x.to}`.padEnd(7)} ${String(x.tokensGroup).padStart(4)}/${String(x.tokensReference).padEnd(4)} ${fmt(x.valueGroup)}/${fmt(x.valueReference)} ${fmt(x.delta)} ${engineSees(x) ? 'yes' : 'NO'}`);
    }
    const unseen = signals.filter((x) => !engineSees(x));
    if (unseen.length) {
      console.log('\nnot visible to the engine (excluded from recall), and why:');
      for (const x of unseen) console.log(`  ${x.kind.padEnd(9)} ${x.rule} ${x.from}→${x.to}: ${unseenReason(x)}`);
    }
  }
  const sizes = [3, 6, 12].filter((s) => s <= maxSpk);
  const summary: { size: number; kind: string; recall: number[]; siteRecall: number[]; precision: number[]; strictRecall: number[]; strictPrecision: number[] }[] = [];
  for (const size of sizes) {
    const seeds = size === maxSpk ? 1 : nSeeds;
    for (let s = 1; s <= seeds; s++) {
      const rng = createRng(1000 * size + s);
      const keep = new Set<string>();
      const order = corpus.groups[0].speakers.map((_, k) => k);
      for (const g of corpus.groups) {
        // Matched designs keep the same speaker positions (profiles) in every group; else each group draws its own.
        const pos = matchedSpeakers ? order : g.speakers.map((_, k) => k);
        if (!matchedSpeakers || g === corpus.groups[0]) {
          for (let k = pos.length - 1; k > 0; k--) {
            const j = Math.floor(rng.next() * (k + 1));
            [pos[k], pos[j]] = [pos[j], pos[k]];
          }
        }
        pos.slice(0, g.name === reference && refSpeakers ? Math.max(size, refSpeakers) : size).forEach((k) => keep.add(g.speakers[k].id));
      }
      const keptTruth = corpus.utterances.filter((u) => keep.has(u.speaker));
      const val: EvidenceValidation[] = validateGlassReport(size === maxSpk ? report : subset(keep, s), keptTruth, { seen: seenBy });
      // The site test at this size (SiteTest): the planted pairs an analysis knowing the sites could find here.
      const keptEv = { phoneLoop: ev.phoneLoop.filter((u) => keep.has(u.speaker)), blackBox: ev.blackBox.filter((u) => keep.has(u.speaker)), goodness: ev.goodness.filter((u) => keep.has(u.speaker)) };
      const sites = reference ? siteTests(keptTruth, keptEv, reference) : [];
      const siteP = (kind: EvidenceKind, group: string, pair: string) => {
        const xs = sites.filter((x) => x.kind === kind && x.group === group && (kind === 'goodness' ? x.from === pair : `${x.from}→${x.to}` === pair));
        return xs.length ? Math.min(...xs.map((x) => (Number.isNaN(x.p) ? 1 : x.p))) : Number.NaN;
      };
      console.log(`\n${size} speakers/group${refSpeakers && size < refSpeakers ? ` (reference "${reference}": ${refSpeakers})` : ''}, seed ${s}:`);
      for (const v of val) {
        const per = v.rules.map((r) => `${r.rule} ${r.visible.length ? `${r.foundByPhone.length}/${r.visible.length}` : '–'}${r.unseen.length ? ` (unseen ${r.unseen.join(',')})` : ''}`).join('; ');
        const visible = v.rules.filter((r) => r.visible.length);
        const macro = visible.reduce((a, r) => a + r.recallByPhone, 0) / Math.max(1, visible.length);
        const strict = visible.reduce((a, r) => a + r.recall, 0) / Math.max(1, visible.length);
        // Recall over the visible pairs the site test finds at this size (p <= 0.05, unadjusted).
        const det = visible.map((r) => ({ r, d: r.visible.filter((x) => siteP(v.kind, r.group, x) <= 0.05) })).filter((x) => x.d.length);
        const siteRecall = det.reduce((a, x) => a + x.d.filter((y) => x.r.foundByPhone.includes(y)).length / x.d.length, 0) / Math.max(1, det.length);
        const beyond = visible.flatMap((r) => r.visible.filter((x) => !(siteP(v.kind, r.group, x) <= 0.05)).map((x) => `${r.group}: ${x}`));
        console.log(`  ${v.kind.padEnd(9)} precision ${fmt(v.precisionAttributed)} (${v.attributedFlags}/${v.flags}; strict ${fmt(v.precision)})  mean recall ${fmt(macro)} (strict ${fmt(strict)}) | ${per}`);
        if (v.wrong.length) console.log(`            not planted pairs: ${v.wrong.slice(0, 14).join(', ')}${v.wrong.length > 14 ? ' …' : ''}`);
        if (v.unattributed.length) console.log(`            not attributable: ${v.unattributed.join(', ')}`);
        if (reference) console.log(`            site test: mean recall ${fmt(det.length ? siteRecall : Number.NaN)} over the visible pairs its sites show at this size${beyond.length ? `; sites alone do not show ${beyond.join(', ')}` : ''}`);
        if (why) {
          // For each visible planted sound not found: its closest test (smallest p over positions).
          const r = size === maxSpk ? report : subset(keep, s);
          for (const rule of v.rules) {
            for (const pair of rule.visible.filter((x) => !rule.foundByPhone.includes(x))) {
              const phone = pair.split('→')[0];
              const best = closestTests(r, v.kind, rule.group, phone, 2).map((x) => ({
                pos: x.test.position ?? 'all',
                p: x.test.p,
                adj: x.test.pAdjusted,
                what: x.kind === 'goodness'
                  ? `GOP ${x.test.meanGroup.toFixed(1)} vs ${x.test.meanRest.toFixed(1)}`
                  : `${(100 * x.test.rateGroup).toFixed(0)}% vs ${(100 * x.test.rateRest).toFixed(0)}%, excess ${(100 * x.test.excessGroup).toFixed(0)} vs ${(100 * x.test.excessRest).toFixed(0)} pp, ${x.test.errorsGroup}/${x.test.totalGroup}`,
              }));
              console.log(`            missed ${rule.group} ${pair}: ${best.map((b) => `${b.pos} p ${b.p.toExponential(1)} adj ${b.adj.toFixed(3)} (${b.what})`).join('; ') || 'not tested'}; sites alone p ${siteP(v.kind, rule.group, pair).toExponential(1)}`);
            }
          }
        }
        let row = summary.find((r) => r.size === size && r.kind === v.kind);
        if (!row) summary.push((row = { size, kind: v.kind, recall: [], siteRecall: [], precision: [], strictRecall: [], strictPrecision: [] }));
        row.recall.push(macro);
        row.siteRecall.push(det.length ? siteRecall : Number.NaN);
        row.precision.push(v.precisionAttributed);
        row.strictRecall.push(strict);
        row.strictPrecision.push(v.precision);
      }
    }
  }
  const nullGroups = corpus.groups.filter((g) => g.rules.length === 0).map((g) => g.name);
  if (nullGroups.length) {
    const np = nullPartitions(ev, nullGroups, 20, 7, { test: testFlag, ...(alphaFlag ? { alpha: Number(alphaFlag) } : {}) });
    console.log(`\nnull vs null (${nullGroups.join(', ')}: speakers split at random into two halves, 20 seeds): runs with no flag`);
    for (const k of EVIDENCE_KINDS) if (np[k].runs) console.log(`  ${k.padEnd(9)} ${np[k].clean}/${np[k].runs}${np[k].flagged.length ? `  flags seen: ${[...new Set(np[k].flagged)].slice(0, 8).join(', ')}` : ''}`);
  }
  console.log('\nsummary (mean over seeds; no flags = precision –): size kind precision recall | strict precision, strict recall | recall over the pairs the site test finds');
  for (const r of summary) {
    const m = (xs: number[]) => {
      const ok = xs.filter((x) => !Number.isNaN(x));
      return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : Number.NaN;
    };
    console.log(`  ${String(r.size).padStart(2)} ${r.kind.padEnd(9)} ${fmt(m(r.precision))} ${fmt(m(r.recall))} | ${fmt(m(r.strictPrecision))} ${fmt(m(r.strictRecall))} | ${fmt(m(r.siteRecall))}`);
  }
  console.log(`\nwhole bench: ${secs()} s wall, ${sinceStart().cpu.toFixed(0)} CPU s (this process + festival, sox, pocketsphinx) on ${cores()} cores; load average ${load1()} (machine shared with other jobs: CPU s / cores is the wall time on idle cores)`);
} finally {
  if (!workDir) rmSync(dir, { recursive: true, force: true });
}
