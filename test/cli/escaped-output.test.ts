/**
 * `glass` and `adapt` print group names (and paths, rule strings, error messages) through one escaping writer
 * (src/cli/terminal.ts): a declared group label holding ESC [ 2 J (clear the screen) and a bare CR (rewrite the line)
 * reaches neither stdout nor stderr as raw control characters, but as the visible escapes `\x1b` and `\x0d`.
 * A real planted-accent corpus (`synth --accent-rules`: festival speaks TH-stopping for one group, none for the other,
 * 4 matched speakers × 2 sentences per group), whose th-stopping label is then rewritten to carry the characters (synth
 * itself refuses them in a rules file).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.ts';
import { editManifest } from '../run/helpers.ts';

const GROUP = 'th\u001b[2J\rstop';
const SHOWN = 'th\\x1b[2J\\x0dstop';
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

const dir = mkdtempSync(join(tmpdir(), 'asrfair-escaped-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8' });

beforeAll(() => {
  writeFileSync(join(dir, 'rules.yaml'), 'groups:\n  thstop: [{ rule: th-stopping, rate: 1 }]\n  none: []\n');
  writeFileSync(join(dir, 'prompts.txt'), 'the thin man thought of three things\nthey went there with the other ones\nmy brother and father thought it was rather good\n');
  const s = run('synth', '--accent-rules', 'rules.yaml', '-o', 'planted', '--speakers', '4', '--sentences', '2', '--prompts', 'prompts.txt', '--matched-speakers', '--seed', '1');
  expect(s.status, s.stderr).toBe(0);
  // The ground truth names the original group: without it glass reads the manifest alone.
  rmSync(join(dir, 'planted', 'planted.jsonl'));
  editManifest(join(dir, 'planted'), (u) => {
    if (u.labels.accent === 'thstop') u.labels.accent = GROUP;
  });
}, 120_000);

describe('glass and adapt escape what they print', () => {
  it('glass: progress, warnings, per-group lines and the files written', () => {
    // The output folder's name carries them too: a path is printed ("wrote …").
    const r = run('glass', 'planted/manifest.jsonl', '--processes', '2', '--out', `out-${GROUP}`, '--cache-dir', 'cache', '--min-speakers', '1', '--no-goodness', '--no-words');
    expect(r.status, r.stderr).toBe(0);
    for (const text of [r.stdout, r.stderr]) expect(text.split('\n').filter((l) => RAW.test(l))).toEqual([]);
    expect(r.stdout).toContain(`${SHOWN}: `);
    expect(r.stderr).toContain('glass: phone-loop decoding of 16 utterances');
    expect(r.stdout).toContain(`wrote ${join(`out-${SHOWN}`, 'confusable.md')}`);
  }, 240_000);

  it('adapt: the split line, warnings, rules and the remedy report on stdout', () => {
    writeFileSync(join(dir, 'suite.yaml'), 'name: esc\nkind: glassbox\nmanifest: planted/manifest.jsonl\ngroupBy: [accent]\nnormaliser: basic\nseed: 1\nbootstrap: 200\nbackends:\n  - { name: pocketsphinx, type: pocketsphinx }\n');
    const r = run('adapt', 'suite.yaml', '--out', 'aout', '--cache-dir', 'cache', '--methods', 'variants', '--rules', `${GROUP}:TH>T,DH>D`, '--pair', `${GROUP}:none`, '--processes', '2');
    expect(r.status, r.stderr).toBe(0);
    for (const text of [r.stdout, r.stderr]) expect(text.split('\n').filter((l) => RAW.test(l))).toEqual([]);
    // The split line, written by the pipeline's log (it was printed as it came).
    expect(r.stderr).toMatch(new RegExp(`^adapt: (none \\d/\\d/\\d, )?${SHOWN.replace(/[\\[]/g, '\\$&')} \\d/\\d/\\d`, 'm'));
    // remedy.md on stdout: Markdown-escaped (mdEscape folds the CR, a line break, to a space), then the writer's escape.
    expect(r.stdout).toContain('| th\\\\x1b\\[2J stop |');
  }, 300_000);

  it('run: a glassbox suite\'s glass section (progress and warnings through run\'s stderr)', () => {
    // One speaker per group, so the glass section warns naming the groups (a speaker-level test cannot test them).
    const s = run('synth', '--accent-rules', 'rules.yaml', '-o', 'planted1', '--speakers', '1', '--sentences', '2', '--prompts', 'prompts.txt', '--matched-speakers', '--seed', '1');
    expect(s.status, s.stderr).toBe(0);
    rmSync(join(dir, 'planted1', 'planted.jsonl'));
    editManifest(join(dir, 'planted1'), (u) => {
      if (u.labels.accent === 'thstop') u.labels.accent = GROUP;
    });
    writeFileSync(join(dir, 'run-suite.yaml'), 'name: esc-run\nkind: glassbox\nmanifest: planted1/manifest.jsonl\ngroupBy: [accent]\nnormaliser: basic\nseed: 1\nbootstrap: 200\nbackends:\n  - { name: pocketsphinx, type: pocketsphinx }\n');
    const r = run('run', 'run-suite.yaml', '--out', 'rout', '--store', 'rstore.sqlite', '--no-progress', '--no-gate');
    expect(r.status, r.stderr).toBe(0);
    for (const text of [r.stdout, r.stderr]) expect(text.split('\n').filter((l) => RAW.test(l))).toEqual([]);
    expect(r.stdout).toContain('glass-box report: ');
    expect(r.stderr).toMatch(/glass box: .*have fewer than 2 speakers/);
    expect(r.stderr).toContain(SHOWN);
  }, 300_000);
});

describe('glass: the undeclared row is labelled as no group', () => {
  it('md, html and json say what "undeclared" is, and the terminal line too', () => {
    // The same planted corpus (its decoder results are reused from the cache), the null group's speakers declaring no accent.
    const lines = readFileSync(join(dir, 'planted', 'manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { labels: Record<string, string> });
    for (const u of lines) if (u.labels.accent === 'none') delete u.labels.accent;
    writeFileSync(join(dir, 'planted', 'undeclared.jsonl'), lines.map((u) => JSON.stringify(u)).join('\n') + '\n');
    const r = run('glass', 'planted/undeclared.jsonl', '--processes', '2', '--out', 'uout', '--cache-dir', 'cache', '--min-speakers', '1', '--no-goodness', '--no-words');
    expect(r.status, r.stderr).toBe(0);
    const note = 'undeclared: speakers who declared no value of accent; not a group. It is tested against the rest as the groups are, since its speakers are real, but it is no group identity: a sound flagged there describes no dialect (its speakers may have any accent, or several).';
    const md = readFileSync(join(dir, 'uout', 'confusable.md'), 'utf8');
    expect(md).toContain(`\n${note}\n`);
    expect(md).toContain('\n#### undeclared (no declared value; not a group)\n');
    expect(md).toMatch(/\n\| undeclared \(no declared value; not a group\) \| 4 \| 8 \| 8 \|/);
    // The declared group's heading is its name alone.
    expect(md).toContain(`\n#### ${'th\\\\x1b\\[2J stop'}\n`);
    const html = readFileSync(join(dir, 'uout', 'confusable.html'), 'utf8');
    expect(html).toContain('<h3>undeclared (no declared value; not a group)</h3>');
    expect(html).toContain(`<p class="warning">${note}</p>`);
    const json = JSON.parse(readFileSync(join(dir, 'uout', 'confusable.json'), 'utf8')) as { groupNotes?: Record<string, string>; groups: string[] };
    expect(json.groupNotes).toEqual({ undeclared: note });
    expect(json.groups).toContain('undeclared');
    expect(r.stdout).toMatch(/^undeclared \(no declared value; not a group\): (sounds flagged|not tested)/m);
  }, 180_000);
});
