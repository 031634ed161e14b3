/**
 * CORAAL interviewers in the glass box. Real CORAAL transcript lines (../shared/data, CC BY-NC-SA: imported into a temp
 * dir, never shipped) imported with `--include-interviewers`: the interviewers (`ATL_int_01`, `ROC_int_01`) are labelled
 * `role: interviewer` and have no site, so by site they form the row `interviewer` (schema.ts groupOf), apart from
 * undeclared speakers. The glass report printed that row as if it were a declared community; the `undeclared` row was
 * already labelled "no group". Now md, html, json (`groupNotes`) and the terminal label it as a role, not a group.
 * Audio: each line spoken by espeak-ng (the report's labels, not its phones, are under test).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from '../helpers/cli.ts';
import { importCoraal, shortLines, speakManifest, type CoraalRow } from '../helpers/coraal-lines.ts';

const dir = mkdtempSync(join(tmpdir(), 'asrfair-glass-interviewer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8' });
const HEADING = 'interviewer (a role, not a declared group)';
const NOTE =
  'interviewer: corpus staff (interviewers, labels.role = interviewer) who declared no value of site; a role, not a group. They are kept apart from undeclared speakers and tested against the rest as the groups are, since their speakers are real, but a sound flagged there describes the interviewers, not a community or dialect.';

let r: ReturnType<typeof run>;
beforeAll(async () => {
  const all = await importCoraal(dir, ['--include-interviewers']);
  // Two short lines (under 50 characters, no fragment) of each ATL and ROC interviewee and of each of their interviewers.
  const pick = (f: (u: CoraalRow) => boolean) => shortLines(all, f, false, 50).slice(0, 2);
  const rows = [
    ...pick((u) => u.labels.site === 'atl'),
    ...pick((u) => u.labels.site === 'roc'),
    ...pick((u) => u.speaker.includes('ATL_int')),
    ...pick((u) => u.speaker.includes('ROC_int')),
  ];
  expect(rows).toHaveLength(8);
  for (const u of rows.slice(4)) expect(u.labels).toEqual({ role: 'interviewer' });
  speakManifest(dir, rows);
  r = run('glass', 'm.jsonl', '--group-by', 'site', '--no-goodness', '--no-words', '--processes', '2', '--out', 'out', '--cache-dir', 'cache', '--min-speakers', '1');
}, 300_000);

describe('glass: the CORAAL interviewer row is labelled as a role, not a group', () => {
  it('confusable.json: the row is there, with its note in groupNotes', () => {
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(readFileSync(join(dir, 'out', 'confusable.json'), 'utf8')) as { groups: string[]; groupNotes?: Record<string, string> };
    expect(json.groups).toEqual(expect.arrayContaining(['atl', 'roc', 'interviewer']));
    expect(json.groupNotes).toEqual({ interviewer: NOTE });
  });

  it('confusable.md and .html: heading, groups table and note; the sites keep their names', () => {
    const md = readFileSync(join(dir, 'out', 'confusable.md'), 'utf8');
    expect(md).toContain(`\n${NOTE}\n`);
    expect(md).toMatch(/\n\| interviewer \(a role, not a declared group\) \| 2 \| 4 \| 4 \|/);
    expect(md).toMatch(/\n\| atl \| 1 \| 2 \| 2 \|/);
    const html = readFileSync(join(dir, 'out', 'confusable.html'), 'utf8');
    expect(html).toContain(`<p class="warning">${NOTE}</p>`);
    expect(html).toContain(HEADING);
  });

  it('the terminal line names it as a role', () => {
    expect(r.stdout).toMatch(/^interviewer \(a role, not a declared group\): (sounds flagged|not tested)/m);
  });
});
