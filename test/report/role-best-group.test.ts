/**
 * `interviewer` is a role in CORAAL (corpus staff, `labels.role` = `interviewer`), not a group of the speaker
 * population. Service cards could still name it the best group (the reference every other group's gap is measured
 * against) and the model's automatic reference (the largest declared group). Real CORAAL transcript lines
 * (../shared/data, CC BY-NC-SA: imported into a temp dir, never shipped) imported with `--include-interviewers` and
 * scored text-only: the recogniser answers each interviewer line exactly and adds one word to each interviewee line,
 * so the interviewers have the lowest WER, and with 1,153 rows they are the largest row by site. Now the best group and
 * the automatic reference are declared groups (sites), and every format (md, html, csv, json, terminal) says that the
 * `interviewer` row is a role, never a candidate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliIn } from '../helpers/cli.ts';
import { CORAAL_SAMPLE, type CoraalRow } from '../helpers/coraal-lines.ts';
import { parseCsv } from './parse-csv.ts';
import { loadRunForReport } from '../../src/score/run-export.ts';
import { buildServiceCard } from '../../src/report/model.ts';
import { renderTerminalSummary } from '../../src/report/render-terminal.ts';

const dir = mkdtempSync(join(tmpdir(), 'asrfair-role-best-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ROLE = 'interviewer: a role (corpus staff, labels.role = interviewer), not a declared group: never the best group nor an automatic reference';

interface Table { kind: string; bestGroup: string; rows: { group: string; wer: { estimate: number }; gapToBest: { estimate: number }; flags: string[] }[] }
let report: Awaited<ReturnType<typeof cliIn>>;
let rows: CoraalRow[];
beforeAll(async () => {
  const imp = await cliIn(['import', 'coraal', CORAAL_SAMPLE, '-o', 'coraal.jsonl', '--include-interviewers'], dir);
  expect(imp.code, imp.stderr).toBe(0);
  rows = readFileSync(join(dir, 'coraal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as CoraalRow);
  // 1,153 interviewer rows against roc 1,109, dcb 668, atl 364: the largest row by site.
  expect(rows.filter((u) => u.labels.role === 'interviewer').length).toBe(1153);
  const hyps = rows.map((u) => `${u.id}\t${u.text}${u.labels.role === 'interviewer' ? '' : ' yeah'}`);
  writeFileSync(join(dir, 'hyps.tsv'), hyps.join('\n') + '\n');
  writeFileSync(
    join(dir, 'suite.yaml'),
    'name: coraal-roles\nkind: blackbox\nmanifest: coraal.jsonl\ngroupBy: [site]\nnormaliser: basic\nbootstrap: { B: 200 }\n' +
      'backends:\n  - name: vendor\n    type: hypotheses\n    options: { file: hyps.tsv }\n',
  );
  const run = await cliIn(['run', 'suite.yaml', '--out', 'export', '--no-progress'], dir);
  expect(run.code, run.stderr).toBe(0);
  report = await cliIn(['report', 'export', '--out', 'card'], dir);
  expect(report.code, report.stderr).toBe(0);
}, 240_000);

describe('cards never pick the interviewer role as the best or reference group', () => {
  it('card.json: the best group is the lowest-WER site; the interviewer row keeps its gap to it', () => {
    const card = JSON.parse(readFileSync(join(dir, 'card', 'card.json'), 'utf8')) as { tables: Table[]; models?: { referenceGroup: string }[]; footnotes: string[] };
    const t = card.tables.find((x) => x.kind === 'group')!;
    const byGroup = new Map(t.rows.map((r) => [r.group, r]));
    expect([...byGroup.keys()].sort()).toEqual(['atl', 'dcb', 'interviewer', 'roc']);
    const iv = byGroup.get('interviewer')!;
    expect(iv.wer.estimate).toBe(0);
    const sites = t.rows.filter((r) => r.group !== 'interviewer').sort((a, b) => a.wer.estimate - b.wer.estimate);
    expect(t.bestGroup).toBe(sites[0].group);
    expect(iv.flags).not.toContain('best');
    expect(iv.gapToBest.estimate).toBeCloseTo(-sites[0].wer.estimate, 10);
    for (const m of card.models ?? []) expect(m.referenceGroup).not.toBe('interviewer');
    expect(card.models?.length).toBeGreaterThan(0);
    expect(card.footnotes.join('\n')).toContain(ROLE);
  });

  it('card.md, card.html, card-notes.csv and the terminal say the interviewer row is a role, never a candidate', () => {
    const md = readFileSync(join(dir, 'card', 'card.md'), 'utf8');
    const html = readFileSync(join(dir, 'card', 'card.html'), 'utf8').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
    const csv = parseCsv(readFileSync(join(dir, 'card', 'card-notes.csv'), 'utf8')).map((r) => r.note).join('\n');
    // The terminal summary (demo's; render-terminal.ts) of the same run's card.
    const run = loadRunForReport(join(dir, 'export'));
    const terminal = renderTerminalSummary(buildServiceCard(run.meta, run.utterances, { groupBy: 'site', bootstrap: 200, seed: 1, model: 'none' }), []);
    for (const [fmt, text] of Object.entries({ md, html, csv, terminal })) expect(text, fmt).toContain(ROLE);
    expect(md).toMatch(/Best group \(lowest WER among all declared groups: none meets the minimum cell\): (atl|dcb|roc)\./);
    expect(md).not.toMatch(/Best group[^\n]*: interviewer\./);
    expect(terminal).not.toMatch(/^\s*interviewer\b[^\n]*best adequate group/m);
  });
});

describe('a user-given reference group that is a role', () => {
  it('report --reference-group interviewer: the card is written, with one warning line saying it is a role', async () => {
    const r = await cliIn(['report', 'export', '--out', 'card-iv', '--reference-group', 'interviewer', '--format', 'json'], dir);
    expect(r.code, r.stderr).toBe(0);
    const warnings = r.stderr.split('\n').filter((l) => l.includes('--reference-group interviewer'));
    expect(warnings).toEqual([expect.stringMatching(/^asrfair: warning: --reference-group interviewer: "interviewer" is a role \(corpus staff, labels\.role = interviewer\), not a declared group/)]);
    // A declared group given: no such line.
    const site = await cliIn(['report', 'export', '--out', 'card-roc', '--reference-group', 'roc', '--format', 'json'], dir);
    expect(site.code, site.stderr).toBe(0);
    expect(site.stderr).not.toContain('is a role');
  }, 120_000);
});
