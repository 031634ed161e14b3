/**
 * `validate` said nothing about a manifest meant for `glass` whose references hold markup ([noise], <unk>, (uh),
 * {breath}: left out by glass) or digits (not analysed by glass): the user learnt it only after the decoding started.
 * `validate --for glass` (or `--suite` of `kind: glassbox`) now says it as glass does: each utterance named file:line,
 * then one count by group. Real speechocean762 references and audio (Kaldi `text`), real CLI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliIn } from '../helpers/cli.ts';
import { soText, soWav } from '../helpers/speechocean.ts';

const text = soText;
const wav = soWav;

let dir: string;
let adult: string[];
let child: string[];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-validate-glass-'));
  const ids = (spk: string) => [...text.keys()].filter((k) => k.slice(1, 5) === spk).slice(0, 2);
  adult = [...ids('1030'), ...ids('1037')];
  child = [...ids('1046'), ...ids('1050')];
  const line = (id: string, grp: string, t = text.get(id)!) => ({ id, audio: wav(id), text: t, speaker: id.slice(1, 5), labels: { grp } });
  const lines = [
    line(adult[0], 'adult', 'I HAVE 3 CATS AND 42 DOGS'),
    line(adult[1], 'adult'),
    line(child[0], 'child', `[noise] ${text.get(child[0])} <unk> (uh) {breath}`),
    line(child[1], 'child', `${text.get(child[1])} [laughter]`),
    line(adult[2], 'adult'),
    line(child[2], 'child'),
  ];
  writeFileSync(join(dir, 'm.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const EXPECTED = () => [
  `asrfair: warning: m.jsonl:3: utterance ${child[0]}: markup not scored as words by glass: [noise] <unk> (uh) {breath}`,
  `asrfair: warning: m.jsonl:4: utterance ${child[1]}: markup not scored as words by glass: [laughter]`,
  'asrfair: warning: glass: markup tokens ([noise], <unk>, (uh), {breath}) left out of 2 references (not words: no canonical phones; by group: child 2 utterances, 5 tokens)',
  `asrfair: warning: m.jsonl:1: utterance ${adult[0]}: reference has digits (3 42): their spoken form is unknown, so the utterance is not analysed (write numbers as words)`,
  'asrfair: warning: glass: 1 reference with digits not analysed (their spoken form is unknown; by group: adult 1 utterance)',
];
const glassLines = (stderr: string) => stderr.split('\n').filter((l) => /glass|digits/.test(l));

describe('validate: references glass would change', () => {
  it('--for glass --group-by grp: markup and digits named (file:line) and counted per group, as glass says them; still valid', async () => {
    const r = await cliIn(['validate', 'm.jsonl', '--for', 'glass', '--group-by', 'grp'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(glassLines(r.stderr)).toEqual(EXPECTED());
    expect(r.stdout).toContain('m.jsonl: 6 valid utterances, 0 errors, warnings above');
  });

  it('without --for: nothing about glass (black-box scoring reads markup and digits by the suite\'s rules)', async () => {
    const r = await cliIn(['validate', 'm.jsonl'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(glassLines(r.stderr)).toEqual([]);
  });

  it('--suite of kind glassbox: the same lines, grouped by the suite\'s first groupBy key', async () => {
    writeFileSync(join(dir, 'suite.yaml'), 'name: g\nkind: glassbox\nmanifest: m.jsonl\ngroupBy: [grp]\nbackends:\n  - name: ps\n    type: pocketsphinx\n    options: { processes: 1 }\nqc: false\n');
    const r = await cliIn(['validate', 'm.jsonl', '--suite', 'suite.yaml'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(glassLines(r.stderr)).toEqual(EXPECTED());
  });

  it('--for with another stage is one usage line', async () => {
    const r = await cliIn(['validate', 'm.jsonl', '--for', 'run'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('asrfair: --for must be glass (the only stage validate checks references for), got "run"');
  });
});
