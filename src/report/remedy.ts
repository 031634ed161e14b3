/**
 * The remedy section (md, html, json): per-group WER before and after adaptation on the held-out
 * test speakers with paired speaker-bootstrap intervals, the change in worst-group WER and gap,
 * the dev-set selection, and what each candidate scored on dev.
 */
import type { AdaptResult } from '../adapt/pipeline.ts';
import { leftOutText, type RemedyReport } from '../adapt/remedy.ts';
import { esc as escapeHtml } from './render-html.ts';
import { mdEscape } from './render-md.ts';
import { DEFAULT_MIN_CELL, intervalMinSpeakers } from '../analysis/groups.ts';
import { remedyNoIntervalLines as noIntervalLinesOf } from './format.ts';
import { PER_GROUP_CAVEAT } from './remedy-section.ts';
import { gapCell, gapSentence, worseGroups, worseVerdictLines, type GapFormat } from './remedy-gap.ts';

/**
 * What the remedy outputs render: the adaptation result and the warnings said about its input (e.g. a stale import
 * record, src/manifest/import-record.ts), shown at the top of remedy.md and remedy.html and kept in remedy.json.
 */
export type AdaptReport = AdaptResult & { warnings?: readonly string[] };

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '—');
/** `digits` decimals of 100·x with no negative zero (−0.04 → "0.0", not "-0.0"). */
const fixed = (x: number, digits: number) => (Math.abs(100 * x) < 0.5 * 10 ** -digits ? 0 : 100 * x).toFixed(digits);
const pp = (x: number) => `${fixed(x, 1).startsWith('-') ? '' : '+'}${fixed(x, 1)}`;
/** A WER difference (a gap between groups) in percentage points, as the card prints gaps. */
const gapPp = (x: number) => (Number.isFinite(x) ? `${fixed(x, 1)} pp` : '—');
/** The worse-group cell when no group got significantly worse: not a group name (README's null group is called `none`). */
const NO_GROUP = '*no group*';
const ci = (i: { estimate: number; lo: number; hi: number }) => (Number.isNaN(i.lo) || Number.isNaN(i.hi) ? `${pp(i.estimate)} [—]` : `${pp(i.estimate)} [${pp(i.lo)}, ${pp(i.hi)}]`);
const remedyNoIntervalLines = (r: RemedyReport): string[] => noIntervalLinesOf(r, DEFAULT_MIN_CELL);
/** Markdown text: the report stage's one Markdown escape (`mdEscape`: markup escaped, line breaks folded, control characters shown). */
const md = mdEscape;
const fmt: GapFormat = { pp: gapPp, ci, name: md };
const htmlFmt: GapFormat = { pp: gapPp, ci, name: escapeHtml };
/** The pair's gap sentence (plain text). */
const pairText = (p: NonNullable<RemedyReport['pair']>, f = fmt) => gapSentence(`Gap ${f.name(p.target)} − ${f.name(p.reference)}`, p.gapBefore, p.gapAfter, p, f, { a: p.target, b: p.reference });

/** The utterances cell: those compared, and those of the group left out of before and after alike. */
const utts = (g: RemedyReport['groups'][number]) => `${g.utterances}${g.unpaired ? ` (+${g.unpaired} left out)` : ''}`;

/** What was left out of before and after alike (plain text), per group with ids and causes; undefined when nothing. */
function unpairedLine(r: RemedyReport): string | undefined {
  const u = r.unpaired ?? [];
  if (!u.length) return undefined;
  const groups = [...new Set(u.map((x) => x.group))].map((g) => `${g} ${u.filter((x) => x.group === g).length}`);
  return `Left out of before and after alike (not scored on one side or by another tested candidate), per group: ${groups.join(', ')} — ${u.slice(0, 5).map((x) => `${x.id}: ${x.why}`).join('; ')}${u.length > 5 ? `; and ${u.length - 5} more (adapt.json)` : ''}`;
}

function remedyMarkdown(r: RemedyReport, selection: string): string {
  const lines = [
    `### Remedy: ${md(r.after)} vs ${md(r.before)} (selected by ${selection} dev WER)`,
    '',
    `Test speakers only; change = after − before in percentage points with paired speaker-bootstrap ${Math.round(r.level * 100)}% CI (B = ${r.resamples}, seed ${r.seed}).`,
    '',
    `| ${md(r.groupBy)} | speakers | utterances | words | WER before | WER after | change [CI] | |`,
    '|---|---:|---:|---:|---:|---:|---|---|',
    ...r.groups.map(
      (g) =>
        `| ${md(g.group)} | ${g.speakers} | ${utts(g)} | ${g.words} | ${pct(g.before)} | ${pct(g.after)} | ${ci(g.change)} | ${g.worseSmallCell ? 'worse, but a small cell (no verdict)' : g.smallCell ? 'not enough data (small cell)' : g.significantlyWorse ? '**worse**' : g.significantlyBetter ? 'better' : ''} |`,
    ),
    '',
    `- Worst group: ${md(r.worstBefore.group)} ${pct(r.worstBefore.wer)} before → ${md(r.worstAfter.group)} ${pct(r.worstAfter.wer)} after; change ${ci(r.worstChange)}.`,
    `- ${gapSentence('Gap (worst − best)', r.gapBefore, r.gapAfter, r.gap, fmt, null)}.`,
    ...(leftOutText(r) ? [`- ${leftOutText(r)}.`] : []),
    ...(r.pair
      ? [`- ${pairText(r.pair)}.`]
      : []),
    ...worseVerdictLines(r.groups, intervalMinSpeakers(r.minCell ?? DEFAULT_MIN_CELL), md).map((l) => `- ${l}.`),
    ...(unpairedLine(r) ? [`- ${md(unpairedLine(r)!)}.`] : []),
    ...(r.worseSmallCells.length ? [`- Worse, but small cells (interval wholly above 0, no verdict): ${r.worseSmallCells.map(md).join(', ')}.`] : []),
    ...remedyNoIntervalLines(r).map((l) => `- ${md(l)}`),
  ];
  return lines.join('\n');
}

/**
 * The closing line on utterances left out of a stage (plain text): per stage, how many of each group and split, e.g.
 * "audio: 18+ dev 1, 18+ test 1" (trial 19's line named the stages only).
 */
export function failuresLine(failures: AdaptResult['failures']): string {
  const stages = [...new Set(failures.map((f) => f.stage))];
  const per = stages.map((st) => {
    const n = new Map<string, number>();
    const order = (f: AdaptResult['failures'][number]) => `${f.group ?? '~'}\u0000${['train', 'dev', 'test'].indexOf(f.split ?? '')}`;
    for (const f of failures.filter((x) => x.stage === st).sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0))) {
      const k = `${f.group ?? '(no group)'}${f.split ? ` ${f.split}` : ''}`;
      n.set(k, (n.get(k) ?? 0) + 1);
    }
    return `${st}: ${[...n].map(([k, c]) => `${k} ${c}`).join(', ')}`;
  });
  return `${failures.length} utterance(s) left out of a stage (listed in adapt.json), per stage, group and split: ${per.join('; ')}.`;
}

/** The whole adaptation section in Markdown. */
export function adaptMarkdown(a: AdaptReport): string {
  const groups = a.split.groups.map((g) => g.group);
  const out = [
    '## Remedy: group-aware adaptation (PocketSphinx + SphinxTrain)',
    '',
    ...(a.warnings ?? []).flatMap((w) => [`**Warning:** ${md(w)}.`, '']),
    `Speaker-disjoint split per group (seed ${a.split.seed}, hash ${a.split.hash}): ${a.split.groups.map((g) => `${md(g.group)} ${g.train.length}/${g.dev.length}/${g.test.length}`).join(', ')} speakers (train/dev/test). Adaptation data hash ${a.dataHash}, ${(a.trainAudioSeconds / 60).toFixed(1)} min of training audio.`,
    '',
    `${a.rulesSource === 'given' ? 'Rules given (--rules)' : a.rulesSource === 'none' ? 'Pronunciation variants not requested; rules' : 'Rules from the glass box (train speakers)'}: ${Object.entries(a.rules).map(([g, rs]) => `${md(g)}: ${rs.map((r) => `${r.ref}→${r.hyp}`).join(', ')}`).join('; ') || 'none flagged'}.`,
    '',
    '### Candidates on dev speakers',
    '',
    `| candidate | ${groups.map(md).join(' | ')} | worst | average | train s |`,
    `|---|${groups.map(() => '---:|').join('')}---:|---:|---:|`,
    ...a.candidates.map(
      (c) =>
        `| ${md(c.name)}${c.name === a.selected.minimax ? ' (minimax)' : ''}${c.name === a.selected.average ? ' (average)' : ''} | ${groups.map((g) => pct(c.dev?.perGroup[g]?.wer ?? NaN)).join(' | ')} | ${pct(c.dev?.worst ?? NaN)} | ${pct(c.dev?.average ?? NaN)} | ${c.trainSeconds.toFixed(1)}${c.trainReused && c.method !== 'baseline' ? ' (reused)' : ''} |`,
    ),
    '',
    ...(a.candidates.some((c) => c.trainReused && c.method !== 'baseline') ? ['"train s": seconds of the steps that made a candidate as the run that made each step recorded them; (reused): every step came from an earlier run into the same work folder.', ''] : []),
    ...(a.selectionGroups && a.selectionGroups.length < groups.length
      ? [`Worst and average are over ${a.selectionGroups.map(md).join(', ')}: the groups the test report ranks (declared groups that are not small cells on test); left out: ${groups.filter((g) => !a.selectionGroups.includes(g)).map(md).join(', ')}.`, '']
      : []),
    remedyMarkdown(a.remedy.minimax, 'worst-group (minimax)'),
    '',
    ...(a.selected.average !== a.selected.minimax ? [remedyMarkdown(a.remedy.average, 'average'), ''] : [`Selection by average dev WER picks the same candidate (${md(a.selected.average)}).`, '']),
    ...(Object.keys(a.remedyByCandidate).length
      ? [
          '### Every tested candidate vs baseline (test speakers)',
          '',
          `| candidate | ${groups.map(md).join(' | ')} | gap before → after | gap shift | worse group |`,
          `|---|${groups.map(() => '---|').join('')}---|---:|---|`,
          ...Object.entries(a.remedyByCandidate).map(
            ([name, r]) =>
              `| ${md(name)} | ${groups.map((g) => { const x = r.groups.find((y) => y.group === g); return x ? `${pct(x.before)} → ${pct(x.after)} ${ci(x.change)}` : '—'; }).join(' | ')} | ${gapPp(r.pair?.gapBefore ?? r.gapBefore)} → ${gapPp(r.pair?.gapAfter ?? r.gapAfter)} | ${r.pair ? gapCell(r.pair.gapBefore, r.pair.gapAfter, r.pair, fmt) : gapCell(r.gapBefore, r.gapAfter, r.gap, fmt)} | ${worseGroups(r).map(md).join(', ') || NO_GROUP} |`,
          ),
          '',
        ]
      : []),
    ...(a.candidates.some((c) => c.scope === 'group') ? [`Per-group candidates (${a.candidates.filter((c) => c.scope === 'group').map((c) => md(c.name)).join(', ')}): ${md(PER_GROUP_CAVEAT)}`, ''] : []),
    ...(a.failures.length ? [md(failuresLine(a.failures)), ''] : []),
  ];
  return out.join('\n');
}

/**
 * The adaptation section as a self-contained HTML page (every label escaped): what remedy.md carries — warnings, split,
 * rules, the dev candidates table, both selections' remedies, every tested candidate (`--test-all`), caveats, failures.
 */
export function adaptHtml(a: AdaptReport): string {
  const h = escapeHtml;
  const groups = a.split.groups.map((g) => g.group);
  const table = (head: readonly string[], body: readonly (readonly string[])[]) =>
    `<table><tr>${head.map((x) => `<th>${x}</th>`).join('')}</tr>${body.map((r) => `<tr>${r.map((x) => `<td>${x}</td>`).join('')}</tr>`).join('')}</table>`;
  const verdict = (g: RemedyReport['groups'][number]) =>
    g.worseSmallCell ? 'worse, but a small cell (no verdict)' : g.smallCell ? 'not enough data (small cell)' : g.significantlyWorse ? '<strong>worse</strong>' : g.significantlyBetter ? 'better' : '';
  const remedy = (r: RemedyReport, selection: string) => `<h3>Remedy: ${h(r.after)} vs ${h(r.before)} (selected by ${selection} dev WER)</h3>
<p>Test speakers only; change = after − before in percentage points with paired speaker-bootstrap ${Math.round(r.level * 100)}% CI (B = ${r.resamples}, seed ${r.seed}).</p>
${table([h(r.groupBy), 'speakers', 'utterances', 'words', 'WER before', 'WER after', 'change [CI]', ''], r.groups.map((g) => [h(g.group), `${g.speakers}`, utts(g), `${g.words}`, pct(g.before), pct(g.after), h(ci(g.change)), verdict(g)]))}
<ul><li>Worst group: ${h(r.worstBefore.group)} ${pct(r.worstBefore.wer)} before → ${h(r.worstAfter.group)} ${pct(r.worstAfter.wer)} after; change ${h(ci(r.worstChange))}.</li>
<li>${gapSentence('Gap (worst − best)', r.gapBefore, r.gapAfter, r.gap, htmlFmt, null)}.</li>
${leftOutText(r) ? `<li>${h(leftOutText(r)!)}.</li>\n` : ''}${r.pair ? `<li>${pairText(r.pair, htmlFmt)}.</li>\n` : ''}${worseVerdictLines(r.groups, intervalMinSpeakers(r.minCell ?? DEFAULT_MIN_CELL), h).map((l) => `<li>${l}.</li>`).join('\n')}
${unpairedLine(r) ? `<li>${h(unpairedLine(r)!)}.</li>\n` : ''}${r.worseSmallCells.length ? `<li>Worse, but small cells (interval wholly above 0, no verdict): ${h(r.worseSmallCells.join(', '))}.</li>\n` : ''}${remedyNoIntervalLines(r).map((l) => `<li>${h(l)}</li>\n`).join('')}</ul>`;
  const rulesLine = `${a.rulesSource === 'given' ? 'Rules given (--rules)' : a.rulesSource === 'none' ? 'Pronunciation variants not requested; rules' : 'Rules from the glass box (train speakers)'}: ${h(Object.entries(a.rules).map(([g, rs]) => `${g}: ${rs.map((r) => `${r.ref}→${r.hyp}`).join(', ')}`).join('; ') || 'none flagged')}.`;
  const reused = a.candidates.some((c) => c.trainReused && c.method !== 'baseline');
  const body = [
    '<h2>Remedy: group-aware adaptation (PocketSphinx + SphinxTrain)</h2>',
    ...(a.warnings ?? []).map((w) => `<p class="warning"><strong>Warning:</strong> ${h(w)}.</p>`),
    `<p>Speaker-disjoint split per group (seed ${a.split.seed}, hash ${h(a.split.hash)}): ${h(a.split.groups.map((g) => `${g.group} ${g.train.length}/${g.dev.length}/${g.test.length}`).join(', '))} speakers (train/dev/test). Adaptation data hash ${h(a.dataHash)}, ${(a.trainAudioSeconds / 60).toFixed(1)} min of training audio.</p>`,
    `<p>${rulesLine}</p>`,
    '<h3>Candidates on dev speakers</h3>',
    table(['candidate', ...groups.map(h), 'worst', 'average', 'train s'], a.candidates.map((c) => [
      `${h(c.name)}${c.name === a.selected.minimax ? ' (minimax)' : ''}${c.name === a.selected.average ? ' (average)' : ''}`,
      ...groups.map((g) => pct(c.dev?.perGroup[g]?.wer ?? NaN)), pct(c.dev?.worst ?? NaN), pct(c.dev?.average ?? NaN),
      `${c.trainSeconds.toFixed(1)}${c.trainReused && c.method !== 'baseline' ? ' (reused)' : ''}`,
    ])),
    ...(reused ? ['<p>"train s": seconds of the steps that made a candidate as the run that made each step recorded them; (reused): every step came from an earlier run into the same work folder.</p>'] : []),
    ...(a.selectionGroups && a.selectionGroups.length < groups.length
      ? [`<p>Worst and average are over ${h(a.selectionGroups.join(', '))}: the groups the test report ranks (declared groups that are not small cells on test); left out: ${h(groups.filter((g) => !a.selectionGroups.includes(g)).join(', '))}.</p>`]
      : []),
    remedy(a.remedy.minimax, 'worst-group (minimax)'),
    a.selected.average !== a.selected.minimax ? remedy(a.remedy.average, 'average') : `<p>Selection by average dev WER picks the same candidate (${h(a.selected.average)}).</p>`,
    ...(Object.keys(a.remedyByCandidate).length
      ? [
          '<h3>Every tested candidate vs baseline (test speakers)</h3>',
          table(['candidate', ...groups.map(h), 'gap before → after', 'gap shift', 'worse group'], Object.entries(a.remedyByCandidate).map(([name, r]) => [
            h(name),
            ...groups.map((g) => { const x = r.groups.find((y) => y.group === g); return x ? h(`${pct(x.before)} → ${pct(x.after)} ${ci(x.change)}`) : '—'; }),
            h(`${gapPp(r.pair?.gapBefore ?? r.gapBefore)} → ${gapPp(r.pair?.gapAfter ?? r.gapAfter)}`),
            r.pair ? gapCell(r.pair.gapBefore, r.pair.gapAfter, r.pair, htmlFmt) : gapCell(r.gapBefore, r.gapAfter, r.gap, htmlFmt),
            h(worseGroups(r).join(', ')) || '<em>no group</em>',
          ])),
        ]
      : []),
    ...(a.candidates.some((c) => c.scope === 'group') ? [`<p>Per-group candidates (${h(a.candidates.filter((c) => c.scope === 'group').map((c) => c.name).join(', '))}): ${h(PER_GROUP_CAVEAT)}</p>`] : []),
    ...(a.failures.length ? [`<p>${h(failuresLine(a.failures))}</p>`] : []),
  ];
  return `<!doctype html><html><head><meta charset="utf-8"><title>asrfair remedy</title><style>body{font-family:sans-serif;max-width:60em;margin:2em auto}td,th{padding:.2em .6em;text-align:right}td:first-child{text-align:left}</style></head><body>
${body.join('\n')}
</body></html>\n`;
}

/** JSON of the section: the adaptation result without per-utterance detail. */
export function adaptJson(a: AdaptReport): string {
  const slim = (rs: Record<string, RemedyReport>) => Object.fromEntries(Object.entries(rs).map(([k, r]) => [k, { ...r, groups: r.groups.map(({ paired: _p, ...g }) => g) }]));
  return JSON.stringify({ ...a, remedy: slim(a.remedy), remedyByCandidate: slim(a.remedyByCandidate) }, null, 2) + '\n';
}
