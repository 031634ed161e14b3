import { makeOutputDir, writeOutputFiles } from '../manifest/output.ts';
import { join } from 'node:path';
import { buildPlantedCorpus, readAccentRules, ruleDescription, type AccentRules, type PlantedCorpus, type PlantedUtterance } from '../corpora/planted/index.ts';
import { runGlassboxOnManifest, type GlassReport } from '../analysis/glass-suite.ts';
import { closestTests, plantedPairs, reportFlags, validateGlassReport, type EvidenceValidation } from '../analysis/glass-validation.ts';
import { confusableHtmlPage, confusableJson, confusableMarkdown, phoneLabel } from './confusable.ts';
import { esc, htmlTextTable } from './render-html.ts';
import { mdEscape as mdEsc, mdTextTable } from './render-md.ts';
import { fmtP } from './format.ts';

/**
 * The demo's glass-box section on planted accents (synthetic): festival speaks CMUdict pronunciations
 * rewritten by known rules, the glass box looks for confusable sounds per group, and the findings are
 * printed beside the ground truth (what was planted), with recall and precision per kind of evidence.
 */

export const PLANTED_DEMO_RULES = new URL('../../corpora/accent-rules/demo.yaml', import.meta.url);
/** The demo's prompts: sentences dense in the sounds its rules rewrite. */
const PROMPTS_FILE = 'corpora/prompts/th-r-dense.txt';
const PROMPTS_LINE = `${PROMPTS_FILE} (sentences dense in TH, DH and R after vowels)`;
export const PLANTED_DEMO_PROMPTS = new URL(`../../${PROMPTS_FILE}`, import.meta.url).pathname;

/** Builds (or reuses) the demo's planted corpus: corpora/accent-rules/demo.yaml, 6 speakers × 8 sentences by default (the demo's `--sentences` default). */
export function buildPlantedDemoCorpus(outDir: string, opts: { speakers?: number; sentences?: number; seed?: number; rules?: AccentRules; onProgress?: (m: string) => void } = {}): Promise<PlantedCorpus> {
  return buildPlantedCorpus({
    rules: opts.rules ?? readAccentRules(new URL(PLANTED_DEMO_RULES).pathname),
    outDir,
    speakers: opts.speakers ?? 6,
    sentences: opts.sentences ?? 8,
    seed: opts.seed ?? 1,
    // Speaker k has the same pitch, tempo and sentences in every group: the groups differ only by the rules.
    matchedSpeakers: true,
    // Sentences dense in the planted sounds (TH, DH, R after vowels): Harvard sentences hold about 0.2 TH each,
    // too few per speaker for a 6-vs-6 speaker-level test at the demo's 8 sentences.
    promptsFile: PLANTED_DEMO_PROMPTS,
    onProgress: opts.onProgress,
  });
}

/** Planted pairs of one kind of evidence whose sound was flagged, and those visible to it. */
function soundCounts(v: EvidenceValidation): { found: number; visible: number } {
  return { found: v.rules.reduce((a, r) => a + r.foundByPhone.length, 0), visible: v.rules.reduce((a, r) => a + r.visible.length, 0) };
}

const KIND_NAMES: Record<EvidenceValidation['kind'], string> = { phoneLoop: 'phone loop', goodness: 'forced-alignment goodness', blackBox: 'black box (PocketSphinx words)' };

/**
 * For each visible planted pair whose sound `v` did not flag: "<evidence> <group> <pair>: <closest test>", the
 * test of the pair's canonical phone (any position or one) with the smallest p.
 */
export function missedPlanted(report: GlassReport, v: EvidenceValidation): string[] {
  const out: string[] = [];
  for (const rule of v.rules) {
    for (const pair of rule.visible.filter((x) => !rule.foundByPhone.includes(x))) {
      const phone = pair.split('→')[0];
      const best = closestTests(report, v.kind, rule.group, phone, 1).map((x) =>
        x.kind === 'goodness'
          ? { t: x.test, p: x.test.p, what: `GOP per frame ${x.test.meanGroup.toFixed(1)} vs ${x.test.meanRest.toFixed(1)}` }
          : { t: x.test, p: x.test.p, what: `misrecognised ${x.test.errorsGroup}/${x.test.totalGroup} vs ${x.test.errorsRest}/${x.test.totalRest}` },
      )[0];
      out.push(`${KIND_NAMES[v.kind]}, ${rule.group} ${pair.replace('→', ' → ')}: ${best ? `closest ${phoneLabel(best.t)}, ${best.what}, p ${fmtP(best.p)}, adjusted ${fmtP(best.t.pAdjusted)}` : 'not tested (too few tokens or misrecognitions)'}`);
    }
  }
  return out;
}

/** The false discovery rate the findings were flagged at (`--alpha`, Benjamini–Hochberg): ` at FDR q = 0.05`; empty without a test. */
function fdrText(report: GlassReport): string {
  const q = report.phoneLoop?.options.alpha ?? report.blackBox?.options.alpha;
  return q === undefined ? '' : ` at FDR q = ${q}`;
}

/**
 * One terminal line per kind of evidence: planted sounds found of those visible, and how many flags are planted
 * or caused by the rules ("glass box on planted accents (synthetic): goodness 4 of 4 planted sounds, 11 flags, all planted…").
 */
export function plantedSummary(validation: readonly EvidenceValidation[], report: GlassReport, truth?: readonly PlantedUtterance[]): string {
  const rare = truth ? plantedPairs(truth).filter((p) => !p.visible).length : 0;
  const parts = validation.map((v) => {
    const { found, visible } = soundCounts(v);
    const sounds = flaggedSounds(report, v.kind);
    const flags = v.flags ? `${v.flags} flag${v.flags === 1 ? '' : 's'} on ${sounds} sound${sounds === 1 ? '' : 's'}, ${v.attributedFlags === v.flags ? 'all' : `${v.attributedFlags}`} planted or caused by the rules` : 'no flags';
    return `  ${KIND_NAMES[v.kind]}: ${found} of ${visible} planted sounds found${fdrText(report)} (${flags})${rare ? `; ${rare} planted pair${rare === 1 ? '' : 's'} too rare to count (< 10 tokens or < 2 speakers)` : ''}`;
  });
  return ['Glass box on planted accents (synthetic speech, ground truth known):', ...parts].join('\n');
}

/** JSON: the planted pairs (ground truth), the validation per kind of evidence (`validationJson`) and the glass report. */
export function plantedGlassJson(corpus: PlantedTruth, report: GlassReport, validation: readonly EvidenceValidation[]): string {
  return JSON.stringify({ synthetic: true, groundTruth: plantedPairs(corpus.utterances), validation: validation.map((v) => validationJson(v, report)), glass: JSON.parse(confusableJson(report)) as unknown }, null, 2);
}

/**
 * One kind of evidence's validation as the JSON names it, matching the tables: `recall` and `found` are of
 * sounds (the planted pair's canonical phone flagged, whatever it was heard as); `strictRecall` and
 * `foundAsConfusion` need the planted confusion itself; `precision` counts flags planted or caused by the
 * rules, `strictPrecision` planted ones only. NaN becomes null.
 */
export function validationJson(v: EvidenceValidation, report: GlassReport): Record<string, unknown> {
  const num = (x: number) => (Number.isFinite(x) ? x : null);
  const { found, visible } = soundCounts(v);
  return {
    kind: v.kind,
    soundsFound: found,
    visible,
    flags: v.flags,
    flaggedSounds: flaggedSounds(report, v.kind),
    precision: num(v.precisionAttributed),
    strictPrecision: num(v.precision),
    rules: v.rules.map((r) => ({ group: r.group, rule: r.rule, visible: r.visible, found: r.foundByPhone, recall: num(r.recallByPhone), foundAsConfusion: r.found, strictRecall: num(r.recall), unseen: r.unseen })),
    notPlanted: v.wrong,
    notAttributable: v.unattributed,
  };
}

/** What the planted section's text can say beyond the corpus: the prompts read, the rules file (for rates), whether speakers are matched. */
export interface PlantedTextOptions {
  prompts?: string;
  rules?: AccentRules;
  /** Speaker k has the same pitch, tempo and sentences in every group (`synth --matched-speakers`). */
  matched?: boolean;
}

/** The planted corpus as the section needs it: groups (with their rule names and speakers) and the ground truth. */
export type PlantedTruth = { groups: readonly { name: string; rules: readonly string[]; speakers: readonly unknown[] }[]; utterances: readonly PlantedUtterance[] };

/** Groups of a ground truth read back from `planted.jsonl` (first-seen order; speakers distinct per group). */
export function truthGroups(utterances: readonly PlantedUtterance[]): PlantedTruth['groups'] {
  const m = new Map<string, { name: string; rules: string[]; speakers: string[] }>();
  for (const u of utterances) {
    const g = m.get(u.group) ?? { name: u.group, rules: u.rules, speakers: [] };
    if (!g.speakers.includes(u.speaker)) g.speakers.push(u.speaker);
    m.set(u.group, g);
  }
  return [...m.values()];
}

/** What the planted section says, before rendering: plain text, escaped by each renderer. */
interface PlantedView {
  intro: string;
  truthHeader: string[];
  truthRows: string[][];
  evidenceHeader: string[];
  evidenceRows: string[][];
  missed: string[];
  /** When nothing was flagged: why, and what it does not mean. */
  nothing?: string;
}

/** A group's rules as the intro states them (`ruleDescription`: what each rewrites, where, at what rate; else their labels), "no rules" for the null group. */
function rulesText(group: string, names: readonly string[], rules: AccentRules | undefined): string {
  if (!names.length) return 'no rules';
  const declared = rules?.groups.find((x) => x.name === group)?.rules;
  return declared ? declared.map((r) => `rule ${ruleDescription(r)}`).join('; ') : names.map((r) => `rule ${r}`).join('; ');
}

/** The smallest p the report's sound tests could give (their permutation floors), as text. */
function floorText(report: GlassReport): string {
  const floors = [...(report.phoneLoop?.phones ?? []), ...(report.blackBox?.phones ?? [])].map((t) => t.pMin).filter(Number.isFinite);
  return floors.length ? `p ≥ ${Math.min(...floors).toPrecision(2)}` : 'no sound testable';
}

/** Distinct sounds (group, phone) among one kind of evidence's flags: positions of one phone are one sound. */
function flaggedSounds(report: GlassReport, kind: EvidenceValidation['kind']): number {
  return new Set(reportFlags(report)[kind].map((f) => `${f.group}\u0000${f.ref}`)).size;
}

function plantedView(corpus: PlantedTruth, report: GlassReport, validation: readonly EvidenceValidation[], opts: PlantedTextOptions): PlantedView {
  const pairs = plantedPairs(corpus.utterances);
  const rare = pairs.filter((p) => !p.visible).length;
  const sounds = (r: GlassReport['phoneLoop'], g: string) => (r?.phones ?? []).filter((t) => t.flagged && t.group === g).map(phoneLabel);
  const goodness = (g: string) => (report.goodness ?? []).filter((t) => t.flagged && t.group === g).map(phoneLabel);
  const list = (xs: string[]) => (xs.length ? xs.join(', ') : '—');
  const spk = corpus.groups[0]?.speakers.length ?? 0;
  const view: PlantedView = {
    intro:
      'Synthetic speech, not people: one festival voice speaks CMUdict pronunciations rewritten by known phonological rules ' +
      `(${corpus.groups.map((g) => `group ${g.name}: ${rulesText(g.name, g.rules, opts.rules)}`).join('. ')}), ` +
      `${spk} synthetic speakers per group (pitch, tempo${opts.matched ? '; speaker k has the same pitch, tempo and sentences in every group, so the groups differ only by the rules' : ''}), each group compared with ${report.phoneLoop?.comparison === 'rest' ? 'all the others' : `"${report.phoneLoop?.comparison ?? ''}"`}` +
      `${opts.prompts ? `, reading ${opts.prompts}` : ''}. The ground truth (what was planted) stands beside the sounds the glass box flagged.`,
    truthHeader: ['Group', 'Planted (canonical → spoken, tokens)', 'Phone loop: sounds flagged', 'Goodness: sounds that fit worse', 'Black box: sounds flagged'],
    truthRows: corpus.groups.map((g) => {
      const planted = pairs.filter((p) => p.group === g.name).sort((a, b) => b.tokens - a.tokens);
      const notRun = 'not run';
      return [
        g.name,
        list(planted.map((p) => `${p.from} → ${p.to} (${p.tokens})`)),
        report.phoneLoop ? list(sounds(report.phoneLoop, g.name)) : notRun,
        report.goodness ? list(goodness(g.name)) : notRun,
        report.blackBox ? list(sounds(report.blackBox, g.name)) : notRun,
      ];
    }),
    evidenceHeader: ['Evidence', `Planted sounds found${fdrText(report)} (visible: ≥ 10 tokens, ≥ 2 speakers)`, 'Flags on a planted sound', 'Flags planted or caused by the rules'],
    evidenceRows: validation.map((v) => {
      const { found, visible } = soundCounts(v);
      const sounds = flaggedSounds(report, v.kind);
      const pct = (x: number) => (Number.isNaN(x) ? '—' : `${(100 * x).toFixed(0)}% (${v.flags} flags on ${sounds} sound${sounds === 1 ? '' : 's'})`);
      return [KIND_NAMES[v.kind], `${found} of ${visible}${rare ? ` (${rare} planted pair${rare === 1 ? '' : 's'} too rare to count)` : ''}`, pct(v.precision), pct(v.precisionAttributed)];
    }),
    missed: validation.flatMap((v) => missedPlanted(report, v)),
  };
  if (validation.every((v) => v.flags === 0)) {
    view.nothing =
      `Nothing reached significance at this size (${spk} speakers per group, ${corpus.utterances.length} utterances): ` +
      `a speaker-level test of each (group, sound), never below the exact permutation p of its speakers (here ${floorText(report)}), with ` +
      'Benjamini–Hochberg across every sound, needs more speakers or more sentences per speaker (bench/glass-validation.ts measures how many). ' +
      'A glass box that flags nothing on a small corpus is not evidence that the accents are served alike.';
  }
  return view;
}

const MISSED_HEADING = 'Planted sounds not flagged, with their closest test (smallest p over positions):';

/** Markdown: ground truth beside the findings per group, recall/precision per kind of evidence, what was missed, then the full section. */
export function plantedGlassMarkdown(corpus: PlantedTruth, report: GlassReport, validation: readonly EvidenceValidation[], opts: PlantedTextOptions = {}): string {
  const v = plantedView(corpus, report, validation, opts);
  const lines = [
    '## Confusable sounds on planted accents (synthetic)',
    '',
    mdEsc(v.intro),
    '',
    ...mdTextTable(v.truthHeader, v.truthRows, 'lllll'),
    '',
    ...mdTextTable(v.evidenceHeader, v.evidenceRows, 'llrr'),
  ];
  if (v.missed.length) lines.push('', MISSED_HEADING, '', ...v.missed.map((m) => `- ${mdEsc(m)}`));
  if (v.nothing) lines.push('', `**${mdEsc(v.nothing)}**`);
  lines.push('', confusableMarkdown(report));
  return lines.join('\n');
}

/** HTML page: the same planted preface as the Markdown, then the glass report's section. */
export function plantedGlassHtml(corpus: PlantedTruth, report: GlassReport, validation: readonly EvidenceValidation[], opts: PlantedTextOptions = {}): string {
  const v = plantedView(corpus, report, validation, opts);
  const preface = [
    '<section><h2>Confusable sounds on planted accents (synthetic)</h2>',
    `<p>${esc(v.intro)}</p>`,
    htmlTextTable(v.truthHeader, v.truthRows),
    htmlTextTable(v.evidenceHeader, v.evidenceRows),
    v.missed.length ? `<p>${esc(MISSED_HEADING)}</p><ul>${v.missed.map((m) => `<li>${esc(m)}</li>`).join('')}</ul>` : '',
    v.nothing ? `<p><strong>${esc(v.nothing)}</strong></p>` : '',
    '</section>',
  ].join('\n');
  return confusableHtmlPage(report, { title: 'asrfair demo: confusable sounds on planted accents (synthetic)', preface });
}

/**
 * Builds the planted demo corpus under `corpusDir` (6 speakers per group, `sentences` each, default 8), runs the glass box on it and writes
 * `glass-planted.{md,html,json}` into `outDir`. Returns the files and the validation.
 */
export async function plantedGlassDemo(opts: { corpusDir: string; outDir: string; sentences?: number; processes?: number; log?: (m: string) => void }): Promise<{ files: string[]; validation: EvidenceValidation[]; report: GlassReport; corpus: PlantedCorpus }> {
  const log = opts.log ?? (() => {});
  const demoRules = readAccentRules(new URL(PLANTED_DEMO_RULES).pathname);
  const corpus = await buildPlantedDemoCorpus(opts.corpusDir, { sentences: opts.sentences, rules: demoRules, onProgress: (m) => log(`planted: ${m}`) });
  if (opts.sentences !== undefined && corpus.sentencesPerSpeaker < opts.sentences) {
    log(`planted: warning: ${corpus.sentencesPerSpeaker} sentences per speaker, not ${opts.sentences}: ${PLANTED_DEMO_PROMPTS} has ${corpus.sentencesPerSpeaker} and a speaker never reads one twice`);
  }
  // Every planted group is compared with the null group (the rules file's group without rules).
  const reference = corpus.groups.find((g) => g.rules.length === 0)?.name;
  const report = await runGlassboxOnManifest(corpus.manifest, 'accent', {
    cacheDir: join(opts.corpusDir, '.cache'),
    keepEvidence: true,
    // 6 vs 6 speakers: the cluster-level Welch test (a permutation p cannot go below 1/924). The speakers are
    // matched (same profiles in every group), but pairing them (`matchBy: 'speaker_profile'`) was no stronger
    // in the validation bench: the speaker baseline already removes what pairing would, at 5 instead of ~10 df.
    confusable: { test: 'welch', ...(reference ? { referenceGroup: reference } : {}) },
    ...(opts.processes ? { processes: opts.processes } : {}),
    onProgress: (m) => log(`planted glass: ${m}`),
  });
  const validation = validateGlassReport(report, corpus.utterances);
  makeOutputDir(opts.outDir);
  const files = [join(opts.outDir, 'glass-planted.md'), join(opts.outDir, 'glass-planted.html'), join(opts.outDir, 'glass-planted.json')];
  writeOutputFiles([
    { path: files[0], data: plantedGlassMarkdown(corpus, report, validation, { prompts: PROMPTS_LINE, rules: demoRules, matched: true }) },
    { path: files[1], data: plantedGlassHtml(corpus, report, validation, { prompts: PROMPTS_LINE, rules: demoRules, matched: true }) },
    { path: files[2], data: plantedGlassJson(corpus, report, validation) },
  ], 'glass report');
  return { files, validation, report, corpus };
}
