import { NO_PHONE, type ConfusableResult, type ConfusionMatrix, type ConfusionTest, type PhoneTest, type WordTest } from '../analysis/confusable.ts';
import { failureCounts, type GlassReport } from '../analysis/glass-suite.ts';
import type { GoodnessTest } from '../analysis/glass.ts';
import { ARPABET_PHONES } from '../backends/pocketsphinx-glass.ts';
import { DASH, fmtP, fmtPct } from './format.ts';
import { CARD_STYLE, esc, htmlTextTable, sha256b64 } from './render-html.ts';
import { mdEscape as mdEsc, mdTextTable } from './render-md.ts';
import { failureWhere } from './glass-failures.ts';
import { ratesText } from '../audio/source-rates.ts';
import { isRoleGroup, isUndeclaredGroup } from '../analysis/cells.ts';

/** Renderers of the "confusable sounds" section: SVG heatmaps, Markdown, HTML fragment/page, JSON. */

/** Escapes text for HTML and SVG (element content and attribute values). */

function phoneOrder(m: ConfusionMatrix): { rows: string[]; cols: string[] } {
  const known = new Set(ARPABET_PHONES);
  const seenRef = new Set(Object.keys(m.refCounts));
  const seenHyp = new Set(Object.values(m.counts).flatMap((r) => Object.keys(r)));
  const extra = [...seenRef, ...seenHyp].filter((p) => p !== NO_PHONE && !known.has(p)).sort();
  const rows = [...ARPABET_PHONES, ...extra].filter((p) => seenRef.has(p));
  if (m.counts[NO_PHONE]) rows.push(NO_PHONE);
  const cols = [...ARPABET_PHONES, ...extra].filter((p) => seenHyp.has(p) || seenRef.has(p));
  cols.push(NO_PHONE);
  return { rows, cols };
}

/**
 * Confusion heatmap (inline SVG) of one group: rows are reference phones (last row: insertions),
 * columns the recognised phone (last column: deletion), colour = rate normalised by the reference phone's
 * frequency. Off-diagonal cells share one red scale (the diagonal, in grey, would swamp it); flagged
 * confusions get a black outline. Every cell has a tooltip with counts.
 */
export function confusionHeatmapSvg(m: ConfusionMatrix, flagged: readonly ConfusionTest[] = [], opts: { cell?: number; title?: string } = {}): string {
  const cell = opts.cell ?? 16;
  const { rows, cols } = phoneOrder(m);
  const totalRef = Object.values(m.refCounts).reduce((a, b) => a + b, 0);
  const rate = (r: string, c: string) => {
    const n = m.counts[r]?.[c] ?? 0;
    const d = r === NO_PHONE ? totalRef : (m.refCounts[r] ?? 0);
    return { n, d, v: d > 0 ? n / d : 0 };
  };
  let maxOff = 0;
  for (const r of rows) for (const c of cols) if (r !== c) maxOff = Math.max(maxOff, rate(r, c).v);
  const isFlagged = new Set(flagged.map((f) => `${f.ref}\u0000${f.hyp}`));
  const red = (t: number) => `rgb(${Math.round(255 - 76 * t)},${Math.round(235 - 197 * t)},${Math.round(235 - 205 * t)})`;
  const grey = (v: number) => {
    const g = Math.round(235 - 120 * v);
    return `rgb(${g},${g},${g})`;
  };
  const left = 44;
  const top = 78;
  const w = Math.max(560, left + cols.length * cell + 12);
  const gridBottom = top + rows.length * cell;
  const h = gridBottom + 78;
  const title = opts.title ?? `Phone confusions: ${m.group}`;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="heatmap" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${esc(title)}" font-family="system-ui,sans-serif" font-size="11">`,
    `<title>${esc(title)}</title>`,
    `<text x="4" y="14" font-size="13" font-weight="600">${esc(title)}</text>`,
    `<text x="4" y="30">rows: reference phone; columns: recognised phone; ∅ = deleted / inserted</text>`,
  ];
  cols.forEach((c, j) => {
    const x = left + j * cell + cell / 2 + 4;
    parts.push(`<text x="${x}" y="${top - 4}" text-anchor="start" transform="rotate(-90 ${x} ${top - 4})">${esc(c)}</text>`);
  });
  rows.forEach((r, i) => {
    const y = top + i * cell;
    parts.push(`<text x="${left - 4}" y="${y + cell - 4}" text-anchor="end">${esc(r)}</text>`);
    cols.forEach((c, j) => {
      const { n, d, v } = rate(r, c);
      if (n === 0) return;
      const x = left + j * cell;
      const fill = r === c ? grey(v) : red(maxOff > 0 ? Math.min(1, v / maxOff) : 0);
      const outline = isFlagged.has(`${r}\u0000${c}`) ? ' stroke="#000" stroke-width="1.5"' : '';
      parts.push(
        `<rect x="${x}" y="${y}" width="${cell - 1}" height="${cell - 1}" fill="${fill}"${outline}><title>${esc(`${r} → ${c}: ${n}/${d} (${fmtPct(v)})`)}</title></rect>`,
      );
    });
  });
  // Colour scale: the red ramp of off-diagonal rates (0 … max), the grey of the diagonal, the flag outline.
  const sy = gridBottom + 30;
  const steps = 10;
  const sw = 18;
  parts.push(`<g class="scale" aria-label="colour scale"><text x="${left}" y="${sy - 6}">confusion rate (off-diagonal):</text>`);
  for (let k = 0; k < steps; k++) parts.push(`<rect class="scale-step" x="${left + k * sw}" y="${sy}" width="${sw}" height="10" fill="${red((k + 0.5) / steps)}"/>`);
  parts.push(`<text x="${left}" y="${sy + 24}" text-anchor="start">0%</text><text x="${left + steps * sw}" y="${sy + 24}" text-anchor="end">${esc(fmtPct(maxOff))}</text>`);
  const gx = left + steps * sw + 24;
  parts.push(
    `<rect x="${gx}" y="${sy}" width="10" height="10" fill="${grey(0.8)}"/><text x="${gx + 14}" y="${sy + 9}">diagonal: recognised as itself (grey by rate)</text>`,
    `<rect x="${gx}" y="${sy + 16}" width="10" height="10" fill="#fff" stroke="#000" stroke-width="1.5"/><text x="${gx + 14}" y="${sy + 25}">outlined: flagged for this group</text></g>`,
  );
  parts.push(`<text x="4" y="${h - 6}">${esc(`${m.utterances} utterances, ${m.speakers} speakers`)}</text>`, '</svg>');
  return parts.join('');
}

/** The settings line under a method's heading: minimums, tests and family sizes. */
function settingsLine(result: ConfusableResult): string {
  const o = result.options;
  const phones = result.phones ?? [];
  const tested = phones.filter((t) => Number.isFinite(t.p)).length;
  const matched = phones.filter((t) => t.design === 'matched').length;
  const test = o.test === 'permutation' ? `speaker permutations (${o.permutations} when not enumerated)` : 'Welch t-test, never below the exact permutation p';
  const design = matched ? `sounds: paired over matched strata in ${matched} of ${phones.length} tests, else ${test}; confusions: ${test}` : test;
  return `Minimum ${o.minCount} occurrences and ${o.minSpeakers} speakers; ${design}; FDR ${o.alpha} over ${tested} sound tests and ${result.tested} confusion tests; z ≥ ${o.minZ}.`;
}

/** `R (word-final)`, `TH`, `insertions`. */
export function phoneLabel(t: { phone: string; position?: string }): string {
  if (t.phone === NO_PHONE) return 'insertions';
  return t.position ? `${t.phone} (${t.position})` : t.phone;
}

const fmtGop = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x.toFixed(2) : DASH);
const fmtPp = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)} pp` : DASH);

/** Head and rows (plain text, unescaped) of a group's flagged sounds. */
function phoneTable(result: ConfusableResult, g: string, top: number, rest: string): { head: string[]; rows: string[][] } {
  const base = result.options.speakerBaseline ? ' vs speaker\'s other phones' : '';
  const head = ['Sound', 'Misrecognised in group', `In ${rest}`, `Excess${base} (group / ${rest})`, 'adj. p', 'Speakers', `Heard as (count in group / ${rest}), largest excess first`];
  const rows = topFor(result.phones ?? [], g, top).map((t: PhoneTest) => [
    phoneLabel(t),
    `${fmtPct(t.rateGroup)} (${t.errorsGroup}/${t.totalGroup})`,
    `${fmtPct(t.rateRest)} (${t.errorsRest}/${t.totalRest})`,
    `${fmtPp(t.excessGroup)} / ${fmtPp(t.excessRest)}`,
    `${fmtP(t.pAdjusted)}${t.design === 'matched' ? ` (matched, ${t.strata} strata)` : ''}`,
    `${t.speakersWithErrors}/${t.speakersInGroup}`,
    t.outcomes.slice(0, 3).map((o) => `${o.hyp === NO_PHONE ? 'deleted' : o.hyp} ${o.countGroup}/${o.countRest}`).join(', '),
  ]);
  return { head, rows };
}

/**
 * What to say about a group with no flagged sound, so "nothing flagged" is never read as "nothing
 * there": whether anything was testable, whether the smallest p this many speakers can give could
 * pass Benjamini–Hochberg on its own, and the closest tests. Plus confusions withheld because their
 * sound was not flagged. Plain text (unescaped).
 */
function quietGroupNotes(result: ConfusableResult, g: string): string[] {
  const out: string[] = [];
  const phones = result.phones ?? [];
  if (!phones.some((t) => t.group === g && t.flagged)) {
    const mine = phones.filter((t) => t.group === g && Number.isFinite(t.p)).sort((a, b) => a.p - b.p);
    if (!mine.length) out.push('No sound could be tested: a speaker-level test needs at least 2 speakers with the sound on each side and enough misrecognitions.');
    else {
      const tested = phones.filter((t) => Number.isFinite(t.p));
      out.push(
        noFlagNote(
          mine.map((t) => ({ ...t, detail: `${t.errorsGroup}/${t.totalGroup} vs ${t.errorsRest}/${t.totalRest}` })),
          { tests: tested.length, flagged: tested.filter((t) => t.flagged).length, alpha: result.options.alpha, speakers: mine[0].speakersInGroup, what: 'sound' },
        ),
      );
    }
  }
  const withheld = result.confusions.filter((t) => t.group === g && t.withheld);
  if (withheld.length) out.push(`${withheld.length} confusion${withheld.length === 1 ? '' : 's'} passed ${withheld.length === 1 ? 'its' : 'their'} own test but ${withheld.length === 1 ? 'its sound was' : 'their sounds were'} not flagged (not counted as flags): ${withheld.map(confusionLabel).join(', ')}.`);
  return out;
}

/**
 * "No <what> flagged" with the closest tests (`mine`, smallest p first), and — when the smallest p these
 * speakers can give (the permutation floor) is above α/m — that no lone finding could pass Benjamini–Hochberg
 * over the family of `tests` at this size (flags elsewhere in the family raise the bar for the k-th smallest p
 * to k·α/m, which the note says when there are some). Plain text.
 */
function noFlagNote(
  mine: readonly { phone: string; position?: string; p: number; pAdjusted: number; pMin?: number; detail: string }[],
  o: { tests: number; flagged: number; alpha: number; speakers?: number; what: string },
): string {
  const floor = Math.min(...mine.map((t) => t.pMin ?? Number.NaN).filter(Number.isFinite));
  const closest = mine.slice(0, 3).map((t) => `${phoneLabel(t)} (${t.detail}, p ${fmtP(t.p)}, adj. ${fmtP(t.pAdjusted)})`).join('; ');
  const m = o.tests;
  if (!(floor > o.alpha / m)) return `No ${o.what} flagged. Closest: ${closest}.`;
  const who = o.speakers !== undefined ? `${o.speakers} speakers against the comparison's` : "this group's speakers against the comparison's";
  const others = o.flagged ? ` (the ${o.flagged} flag${o.flagged === 1 ? '' : 's'} elsewhere in the family raise the bar for the k-th smallest p to k·α/m)` : '';
  return `No ${o.what} flagged, and none could be on its own at this size: the smallest p ${who} can give is ${floor.toPrecision(2)} (exact permutation floor), and Benjamini–Hochberg over ${m} test${m === 1 ? '' : 's'} needs p ≤ ${(o.alpha / m).toPrecision(2)} for a lone finding${others}. Closest: ${closest}.`;
}

/** What to say under a goodness heading for a group with no phone that fits worse (see `noFlagNote`). */
function quietGoodnessNote(tests: readonly GoodnessTest[], g: string, alpha: number, counts?: GlassReport['groupCounts']): string {
  // A group whose every utterance failed (no audio, say) has nothing to test: that is the reason, not its speakers.
  const c = counts?.find((x) => x.group === g);
  if (c && c.analysed === 0) return `Not analysed: all ${c.utterances} utterance${c.utterances === 1 ? '' : 's'} failed (see "Utterances missing from a stage").`;
  const mine = tests.filter((t) => t.group === g && Number.isFinite(t.p)).sort((a, b) => a.p - b.p);
  if (!mine.length) return 'No phone with lower goodness could be tested: a speaker-level test needs at least 2 speakers with the phone on each side.';
  const tested = tests.filter((t) => Number.isFinite(t.p));
  return noFlagNote(
    mine.map((t) => ({ ...t, detail: `GOP per frame ${t.meanGroup.toFixed(1)} vs ${t.meanRest.toFixed(1)}` })),
    { tests: tested.length, flagged: tested.filter((t) => t.flagged).length, alpha, what: 'phone with significantly lower goodness' },
  );
}

function confusionLabel(t: Pick<ConfusionTest, 'kind' | 'ref' | 'hyp'>): string {
  if (t.kind === 'del') return `${t.ref} deleted`;
  if (t.kind === 'ins') return `${t.hyp} inserted`;
  return `${t.ref} → ${t.hyp}`;
}

function examplesText(t: ConfusionTest): string {
  return t.examples.map((e) => `${e.word} (${e.utteranceId})`).join(', ');
}

/** Head and rows (plain text, unescaped) of a group's flagged confusions; `rest` names the comparison. */
function confusionTable(flagged: readonly ConfusionTest[], rest: string): { head: string[]; rows: string[][] } {
  const head = ['Confusion', 'Rate in group', `Rate in ${rest}`, 'Count', 'z', 'adj. p', 'Speakers', 'Examples'];
  const rows = flagged.map((t) => [
    confusionLabel(t),
    fmtPct(t.rateGroup),
    fmtPct(t.rateRest),
    `${t.countGroup}/${t.totalGroup}`,
    t.z.toFixed(2),
    fmtP(t.pAdjusted),
    `${t.speakersWithConfusion}/${t.speakersInGroup}`,
    examplesText(t),
  ]);
  return { head, rows };
}

/** Head and rows (plain text, unescaped) of a group's words with the largest differential error. */
function wordTable(words: readonly WordTest[], rest: string): { head: string[]; rows: string[][] } {
  const head = ['Word', 'Error rate in group', `In ${rest}`, 'z', 'adj. p', 'Utterances'];
  const rows = words.map((w) => [w.word, `${fmtPct(w.rateGroup)} (${w.errorsGroup}/${w.countGroup})`, fmtPct(w.rateRest), w.z.toFixed(2), fmtP(w.pAdjusted), w.utteranceIds.join(', ')]);
  return { head, rows };
}

const AGREEMENT_HEAD = ['Group', 'Flagged', 'Annotated', 'Agreed', 'Precision', 'Recall'];

function topFor<T extends { group: string; flagged: boolean }>(list: readonly T[], group: string, top: number): T[] {
  return list.filter((t) => t.group === group && t.flagged).slice(0, top);
}

function methodSections(report: GlassReport): { name: string; note: string; result: ConfusableResult }[] {
  const out: { name: string; note: string; result: ConfusableResult }[] = [];
  if (report.phoneLoop) out.push({ name: 'Glass-box: free phone-loop decoding vs canonical phones', note: `PocketSphinx phone loop (${report.settings.glass.allphoneCi ? 'context-independent' : 'context-dependent'} phones, beam ${report.settings.glass.loopBeam}); canonical phones: ${report.settings.canonical === 'first-variant' ? "each word's first CMUdict pronunciation (forced alignment did not choose among variants: --no-goodness or --no-variants)" : 'for each word, the CMUdict pronunciation variant forced alignment chose'} (G2P for words it lacks).`, result: report.phoneLoop });
  if (report.blackBox) out.push({ name: 'Black-box: G2P phones of reference vs hypothesis', note: `Hypotheses: ${report.blackBox.hypothesisSource}.`, result: report.blackBox });
  return out;
}

/** What each group was compared with, as printed in column heads: `rest` or the reference group. */
function comparisonOf(report: GlassReport): string {
  return report.phoneLoop?.comparison ?? report.blackBox?.comparison ?? 'rest';
}

/** The method paragraph: the comparison and the speaker-cluster test actually used. */
function methodText(report: GlassReport): string {
  const c = comparisonOf(report);
  const o = report.phoneLoop?.options ?? report.blackBox?.options;
  const versus = c === 'rest' ? 'versus all other groups' : `versus the reference group "${c}" (which is not tested itself)`;
  const test =
    o?.test === 'permutation'
      ? 'a speaker-level permutation test (labels permuted across speakers, so one speaker cannot make a flag)'
      : 'a one-sided cluster-level Welch t-test of the per-speaker rates (each speaker one observation, so one speaker cannot make a flag)';
  const phoneTest =
    o?.matched && (report.phoneLoop?.phones ?? report.blackBox?.phones ?? []).some((t) => t.design === 'matched')
      ? 'a paired t-test over matched speaker strata (group mean minus reference mean per stratum)'
      : o?.test === 'permutation'
        ? 'a speaker-level permutation test of the mean'
        : 'a one-sided cluster-level Welch t-test';
  const baseline = o?.speakerBaseline === false ? 'its misrecognition rate' : "its misrecognition rate minus the rate of the same speaker's other phones (so a speaker or group recognised worse everywhere does not make every sound look accented)";
  return `Sounds: each canonical phone, at every position and at each position in the word (word-final, before a vowel, before a consonant), is tested for being misrecognised (substituted or deleted) more in the group ${versus}. Each speaker gives one value, ${baseline}; ${phoneTest}; Benjamini–Hochberg across every (group, sound). Confusions then say as what a flagged sound is heard: rates normalised by the reference phone's frequency (insertions: by all reference phones), log-odds ratio with an informative Dirichlet prior (z), ${test}, Benjamini–Hochberg across every (group, confusion) with enough pooled occurrences; a confusion is flagged only under a flagged sound. Goodness: the same sound test on per-speaker mean GOP per frame${o?.speakerBaseline === false ? '' : ` (minus the speaker's other phones${report.goodness?.[0]?.baseline === 'same-class' ? ' of the same class, vowels or consonants' : ''})`}, one-sided (lower fit).`;
}

/**
 * What a flag means without ground truth (every glass report: on real speech nothing says what each speaker's
 * accent does; a planted corpus's ground truth is in glass-planted.*, beside the findings).
 */
export const READING_CAVEAT =
  'No ground truth: a flagged sound says that this engine misrecognises it more for the group\'s speakers than for the comparison, at the stated false discovery rate; it does not say why. An accent feature, a difference in recording (sample rate, channel, noise), the speakers\' age or voice, or a weakness of the model all look alike here, so a flag is a reading to check by listening, not a finding about the dialect. Planted accents (`synth --accent-rules`) give the ground truth: `glass` then also writes glass-planted.* with the planted sounds beside the findings.';

const GROUP_HEAD = ['Group', 'Speakers', 'Utterances', 'Analysed', 'Source audio'];

/**
 * What the `undeclared` row is, said wherever the glass report shows it (md, html, json `groupNotes`): the speakers
 * who declared no value of the grouping key. It is tested against the rest like a group (its speakers are real), but
 * it is no group identity, so a sound flagged there describes no dialect.
 */
export function undeclaredNote(group: string, groupBy?: string): string {
  return `${group}: speakers who declared no value${groupBy ? ` of ${groupBy}` : ''}; not a group. It is tested against the rest as the groups are, since its speakers are real, but it is no group identity: a sound flagged there describes no dialect (its speakers may have any accent, or several).`;
}

/**
 * What the `interviewer` row is, said wherever the glass report shows it (md, html, json `groupNotes`): corpus staff
 * (CORAAL's interviewers, `labels.role` = `interviewer`), a role, not a group their speakers declared. Tested against
 * the rest as the groups are, but a sound flagged there describes the interviewers' speech, no community.
 */
export function interviewerNote(group: string, groupBy?: string): string {
  return `${group}: corpus staff (interviewers, labels.role = interviewer) who declared no value${groupBy ? ` of ${groupBy}` : ''}; a role, not a group. They are kept apart from undeclared speakers and tested against the rest as the groups are, since their speakers are real, but a sound flagged there describes the interviewers, not a community or dialect.`;
}

/**
 * A group's heading (and terminal label): `undeclared` is labelled as no group (isUndeclaredGroup), `interviewer` as a
 * role (isRoleGroup), every other name as it is.
 */
export function groupHeading(g: string): string {
  if (isUndeclaredGroup(g)) return `${g} (no declared value; not a group)`;
  return isRoleGroup(g) ? `${g} (a role, not a declared group)` : g;
}

/**
 * What the fragment policy left out, per group (GlassReport.fragments; analysis/fragments.ts), as one sentence:
 * `Word fragments: <policy>. Left out: atl 3 fragments in 3 utterances (black box: 1 hypothesis word they matched); …`.
 * Undefined when no reference kept a fragment.
 */
export function fragmentNote(report: Pick<GlassReport, 'fragments'>): string | undefined {
  const f = report.fragments;
  if (!f) return undefined;
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  const per = Object.entries(f.byGroup)
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([g, c]) => `${g} ${plural(c.fragments, 'fragment')} in ${plural(c.utterances, 'utterance')} (black box: ${plural(c.hypothesisWordsMatched, 'hypothesis word')} they matched)`);
  return `Word fragments: ${f.policy}. Left out, per group: ${per.join('; ')}.`;
}

/** The notes on rows that are not groups (`undeclared`, the `interviewer` role), keyed by the row's name; empty when there is none. */
export function groupNotes(report: Pick<GlassReport, 'groups' | 'groupBy'>): Record<string, string> {
  return Object.fromEntries(
    report.groups.flatMap((g) => (isUndeclaredGroup(g) ? [[g, undeclaredNote(g, report.groupBy)]] : isRoleGroup(g) ? [[g, interviewerNote(g, report.groupBy)]] : [])),
  );
}

/**
 * The groups as the manifest declares them (rows of GROUP_HEAD: speakers, utterances, analysed — through every
 * stage that ran — and the source audio's sample rates), the report's warnings, and a note naming each group
 * with nothing analysed, so no group disappears from the report. Plain text (unescaped).
 */
function groupOverview(report: GlassReport): { rows: string[][]; notes: string[] } {
  const counts = report.groupCounts ?? [];
  const rows = counts.map((c) => [groupHeading(c.group), String(c.speakers), String(c.utterances), String(c.analysed), report.sourceRates?.[c.group] ? ratesText(report.sourceRates[c.group]) : DASH]);
  const fragments = fragmentNote(report);
  const notes = [...(report.warnings ?? []).map((w) => `Warning: ${w}.`), ...Object.values(groupNotes(report)), ...(fragments ? [fragments] : [])];
  const none = counts.filter((c) => c.analysed === 0);
  if (none.length) notes.push(`${none.map((c) => `"${c.group}"`).join(', ')}: no utterance analysed — every one failed (see "Utterances missing from a stage"), so ${none.length === 1 ? 'it is' : 'they are'} in no test below.`);
  return { rows, notes };
}

function headerLine(report: GlassReport): string {
  const analysed = report.groupCounts?.reduce((a, c) => a + c.analysed, 0);
  const failed = new Set(report.failures.map((f) => f.id)).size;
  const part = analysed !== undefined && failed ? ` (${analysed} analysed, ${failed} failed at a stage)` : '';
  return `${report.utterances} utterances${part}, ${report.speakers} speakers, groups${report.groupBy ? ` by ${report.groupBy}` : ''}: ${report.groups.join(', ')}.`;
}

/** Markdown "Confusable sounds" section (no heatmaps: Markdown viewers drop inline SVG). */
export function confusableMarkdown(report: GlassReport, opts: { top?: number } = {}): string {
  const top = opts.top ?? 10;
  const lines: string[] = ['## Confusable sounds', '', mdEsc(methodText(report)), '', mdEsc(READING_CAVEAT), ''];
  lines.push(mdEsc(headerLine(report)), '');
  const overview = groupOverview(report);
  if (overview.rows.length) lines.push(...mdTextTable(GROUP_HEAD, overview.rows, 'lrrrl'), '');
  for (const n of overview.notes) lines.push(mdEsc(n), '');
  for (const { name, note, result } of methodSections(report)) {
    lines.push(`### ${mdEsc(name)}`, '', mdEsc(note), '');
    lines.push(mdEsc(settingsLine(result)), '');
    for (const g of result.groups.filter((x) => x !== result.comparison)) {
      const flagged = topFor(result.confusions, g, top);
      lines.push(`#### ${mdEsc(groupHeading(g))}`, '');
      const sounds = phoneTable(result, g, top, comparisonOf(report));
      for (const n of quietGroupNotes(result, g)) lines.push(mdEsc(n), '');
      if (sounds.rows.length) {
        lines.push(...mdTextTable(sounds.head, sounds.rows, `l${'r'.repeat(sounds.head.length - 1)}`));
        lines.push('');
      }
      if (flagged.length === 0) lines.push('No confusion flagged.', '');
      else {
        const table = confusionTable(flagged, comparisonOf(report));
        lines.push(...mdTextTable(table.head, table.rows, 'lrrrrrrl'), '');
      }
      const words = topFor(result.words, g, top);
      if (words.length) {
        const table = wordTable(words, comparisonOf(report));
        lines.push('Words with the largest differential error:', '', ...mdTextTable(table.head, table.rows, 'lrrrrl'), '');
      }
    }
  }
  if (report.goodness) lines.push(...goodnessMarkdown(report.goodness, report.groups.filter((g) => g !== comparisonOf(report)), top, comparisonOf(report), alphaOf(report), report.groupCounts));
  for (const t of agreementTables(report)) {
    lines.push(`### ${mdEsc(t.title)}`, '', ...mdTextTable(AGREEMENT_HEAD, t.rows, 'llllrr'), '');
  }
  const dropped = droppedTable(report);
  if (dropped) {
    lines.push('### Utterances missing from a stage', '', ...dropped.notes.map((n) => `${mdEsc(n)}`), '');
    if (dropped.rows.length) lines.push(...mdTextTable(DROPPED_HEAD, dropped.rows, 'llr'), '');
    if (report.failures.length) lines.push(`Each failure (${report.failures.length}):`, '', ...mdTextTable(FAILURE_HEAD, failureRows(report), 'llllll'), '');
  }
  return lines.join('\n');
}

const DROPPED_HEAD = ['Group', 'Stage', 'Utterances'];
const FAILURE_HEAD = ['Utterance', 'Group', 'Stage', 'Manifest line', 'Audio', 'Reason'];

/** Every failure, one row each (plain text, unescaped): utterance, group, stage, manifest file:line, audio file, the tool's reason. */
function failureRows(report: GlassReport): string[][] {
  return report.failures.map((f) => [f.id, f.group ?? DASH, f.stage, failureWhere(f) ?? DASH, f.audio ?? DASH, f.error]);
}

/** Failures per group and stage (rows of DROPPED_HEAD), and what the forced-alignment retries recovered; undefined when nothing to say. */
function droppedTable(report: GlassReport): { notes: string[]; rows: string[][] } | undefined {
  const rows = failureCounts(report.failures).map((r) => [r.group, r.stage, String(r.count)]);
  const notes: string[] = [];
  for (const a of report.alignmentRetries?.attempts ?? []) {
    notes.push(`Forced alignment retry (${a.attempt}, beam ${a.beam}): ${a.recovered} of ${a.tried} recovered (${Object.entries(a.byGroup).map(([g, r]) => `${g} ${r.recovered}/${r.tried}`).join(', ')}).`);
  }
  const skipped = Object.entries(report.alignmentRetries?.skippedPhones ?? {});
  if (skipped.length) notes.push(`Canonical phones the loose grammar skipped (no goodness score): ${skipped.map(([g, n]) => `${g} ${n}`).join(', ')}.`);
  if (rows.length === 0 && notes.length === 0) return undefined;
  if (rows.length === 0) notes.push('After retries, every utterance went through every stage.');
  return { notes, rows };
}

/** Rows (already formatted, unescaped) of the agreement-with-annotations tables, one table per method. */
function agreementTables(report: GlassReport): { title: string; rows: string[][] }[] {
  const a = report.annotations;
  if (!a) return [];
  const out: { title: string; rows: string[][] }[] = [];
  for (const [name, ag] of [
    ['phone loop', a.phoneLoop],
    ['black box', a.blackBox],
  ] as const) {
    if (!ag) continue;
    const rows = ag.groups.map((g) => [g.group, g.flagged.join(', ') || DASH, g.annotated.join(', ') || DASH, g.agreed.join(', ') || DASH, fmtPct(g.precision), fmtPct(g.recall)]);
    rows.push(['all groups', String(ag.overall.flagged), String(ag.overall.annotated), String(ag.overall.agreed), fmtPct(ag.overall.precision), fmtPct(ag.overall.recall)]);
    out.push({ title: `Agreement of flagged substitutions with annotated phone errors (${name})`, rows });
  }
  return out;
}

/** Head and rows (plain text, unescaped) of a group's phones that fit worse; `rest` names the comparison. */
function goodnessTable(flagged: readonly GoodnessTest[], rest: string): { head: string[]; rows: string[][] } {
  const head = ['Sound', 'Mean GOP in group', `In ${rest}`, 'Difference', { all: `Excess vs speaker's other phones (group / ${rest})`, 'same-class': `Excess vs speaker's other phones of its class (group / ${rest})`, none: `Speakers' mean (group / ${rest})` }[flagged[0]?.baseline ?? 'all'], 'Tokens', 'adj. p', 'Lowest tokens'];
  const rows = flagged.map((t) => [
    phoneLabel(t),
    t.meanGroup.toFixed(2),
    t.meanRest.toFixed(2),
    t.diff.toFixed(2),
    `${fmtGop(t.excessGroup)} / ${fmtGop(t.excessRest)}`,
    String(t.countGroup),
    fmtP(t.pAdjusted),
    t.examples.map((e) => `${e.word} (${e.utteranceId})`).join(', '),
  ]);
  return { head, rows };
}

/** Under the goodness heading: what is tested and over how many tests. */
function goodnessLine(tests: readonly GoodnessTest[]): string {
  const n = tests.filter((t) => Number.isFinite(t.p)).length;
  const b = tests[0]?.baseline ?? 'all';
  const value = b === 'none' ? "Each speaker's mean GOP per frame of the sound" : `Each speaker's mean GOP per frame of the sound minus that of the speaker's other ${b === 'same-class' ? 'phones of its class (vowels for a vowel, consonants for a consonant)' : 'phones'}`;
  return `${value}, one-sided (lower fit); Benjamini–Hochberg over ${n} tests. The table shows the raw means, and ${b === 'none' ? 'the speakers\' mean' : 'that excess'} (group / comparison).`;
}

/** The FDR level the glass run used (its confusable options; goodness shares it). */
function alphaOf(report: GlassReport): number {
  return report.phoneLoop?.options.alpha ?? report.blackBox?.options.alpha ?? 0.05;
}

function goodnessMarkdown(tests: readonly GoodnessTest[], groups: readonly string[], top: number, comparison: string, alpha: number, counts?: GlassReport['groupCounts']): string[] {
  const lines = ['### Forced-alignment goodness (GOP per frame: aligned minus free phone-loop score)', '', mdEsc(goodnessLine(tests)), ''];
  for (const g of groups) {
    const f = topFor(tests, g, top);
    lines.push(`#### ${mdEsc(groupHeading(g))}`, '');
    if (!f.length) {
      lines.push(mdEsc(quietGoodnessNote(tests, g, alpha, counts)), '');
      continue;
    }
    const table = goodnessTable(f, comparison);
    lines.push(...mdTextTable(table.head, table.rows, 'lrrrrrrl'), '');
  }
  return lines;
}

/** HTML fragment of the section (inline SVG heatmaps; classes only, no inline styles or scripts). */
export function confusableHtmlSection(report: GlassReport, opts: { top?: number; heading?: boolean } = {}): string {
  const top = opts.top ?? 10;
  // Without its own h2 (a page whose h1 names it), the methods are h2 and the groups h3: no level skipped.
  const h3 = opts.heading === false ? 2 : 3;
  const h: string[] = [`<section class="confusable">${opts.heading === false ? '' : '<h2>Confusable sounds</h2>'}`, `<p class="meta">${esc(methodText(report))}</p>`, `<p class="caveat">${esc(READING_CAVEAT)}</p>`];
  h.push(`<p>${esc(headerLine(report))}</p>`);
  const overview = groupOverview(report);
  if (overview.rows.length) h.push(htmlTextTable(GROUP_HEAD, overview.rows));
  for (const n of overview.notes) h.push(`<p class="warning">${esc(n)}</p>`);
  for (const { name, note, result } of methodSections(report)) {
    h.push(`<h${h3}>${esc(name)}</h${h3}><p>${esc(note)}</p><p class="meta">${esc(settingsLine(result))}</p>`);
    for (const g of result.groups.filter((x) => x !== result.comparison)) {
      const flagged = topFor(result.confusions, g, top);
      h.push(`<h${h3 + 1}>${esc(groupHeading(g))}</h${h3 + 1}>`);
      const sounds = phoneTable(result, g, top, comparisonOf(report));
      for (const n of quietGroupNotes(result, g)) h.push(`<p>${esc(n)}</p>`);
      if (sounds.rows.length) {
        h.push(htmlTextTable(sounds.head, sounds.rows));
      }
      if (!flagged.length) h.push('<p>No confusion flagged.</p>');
      else {
        const table = confusionTable(flagged, comparisonOf(report));
        h.push(htmlTextTable(table.head, table.rows));
      }
      const words = topFor(result.words, g, top);
      if (words.length) {
        const table = wordTable(words, comparisonOf(report));
        h.push('<p>Words with the largest differential error:</p>', htmlTextTable(table.head, table.rows));
      }
      const m = result.matrices.find((x) => x.group === g);
      if (m) h.push(`<figure class="heatmap">${confusionHeatmapSvg(m, flagged, { title: `${name.split(':')[0]} phone confusions: ${g}` })}</figure>`);
    }
  }
  if (report.goodness) {
    h.push(`<h${h3}>Forced-alignment goodness (GOP per frame: aligned minus free phone-loop score)</h${h3}>`, `<p class="meta">${esc(goodnessLine(report.goodness))}</p>`);
    for (const g of report.groups.filter((x) => x !== comparisonOf(report))) {
      const f = topFor(report.goodness, g, top);
      h.push(`<h${h3 + 1}>${esc(groupHeading(g))}</h${h3 + 1}>`);
      if (!f.length) {
        h.push(`<p>${esc(quietGoodnessNote(report.goodness, g, alphaOf(report), report.groupCounts))}</p>`);
        continue;
      }
const table = goodnessTable(f, comparisonOf(report));
      h.push(htmlTextTable(table.head, table.rows));
    }
  }
  for (const t of agreementTables(report)) {
    h.push(`<h${h3}>${esc(t.title)}</h${h3}>`, htmlTextTable(AGREEMENT_HEAD, t.rows));
  }
  const dropped = droppedTable(report);
  if (dropped) {
    h.push(`<h${h3}>Utterances missing from a stage</h${h3}>`, ...dropped.notes.map((n) => `<p>${esc(n)}</p>`));
    if (dropped.rows.length) h.push(htmlTextTable(DROPPED_HEAD, dropped.rows));
    if (report.failures.length) h.push(`<p>${esc(`Each failure (${report.failures.length}):`)}</p>`, htmlTextTable(FAILURE_HEAD, failureRows(report)));
  }
  h.push('</section>');
  return h.join('\n');
}

/** Styles the glass-box page adds to the card's stylesheet. */
const GLASS_STYLE = `
section.confusable h3{margin-top:28px}section.confusable h4{font-size:14px;margin:18px 0 4px}
section.confusable table td,section.confusable table th{text-align:left;white-space:normal}section.confusable table td:first-child{white-space:nowrap}
figure.heatmap{margin:8px 0;overflow-x:auto}figure.heatmap svg{max-width:100%;height:auto}
`;
const GLASS_PAGE_STYLE = CARD_STYLE + GLASS_STYLE;

/**
 * A self-contained HTML page holding only the confusable-sounds section, in the service card's
 * visual language (same stylesheet, same Content-Security-Policy: no script, style by hash).
 * `preface`: trusted HTML (built with `esc`) placed before the section, e.g. the planted ground truth.
 */
export function confusableHtmlPage(report: GlassReport, opts: { title?: string; top?: number; preface?: string } = {}): string {
  const title = opts.title ?? 'asrfair: confusable sounds';
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-${sha256b64(GLASS_PAGE_STYLE)}'; img-src data:; base-uri 'none'; form-action 'none'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<style>${GLASS_PAGE_STYLE}</style>`,
    `</head><body><header><h1>${esc(title)}</h1></header><main>`,
    opts.preface ?? '',
    confusableHtmlSection(report, { ...opts, heading: false }),
    '</main></body></html>',
  ].join('\n');
}

/** JSON of the whole glass report (NaN and ±Infinity become null); `groupNotes` says which rows are no group (`undeclared`, the `interviewer` role). */
export function confusableJson(report: GlassReport): string {
  const { evidence: _evidence, ...rest } = report;
  const notes = groupNotes(report);
  return JSON.stringify({ caveat: READING_CAVEAT, ...(Object.keys(notes).length ? { groupNotes: notes } : {}), ...rest }, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
}
