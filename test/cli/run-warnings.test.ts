/**
 * `asrfair run` prints its warnings through cli/terminal.ts's warnLine, as every other command does: each one starts
 * `asrfair: warning: ` and its control characters show as visible escapes. The export's warnings (a hypothesis with
 * malformed markup, not scored) were printed as `asrfair: <text>`, unlabelled and unescaped, so a backend's answer
 * holding ESC [ 2 J cleared the reader's screen. Real answers: Google en-US on the first 30 Artie utterances, one
 * answer given an unbalanced `}` and ESC [ 2 J; groupBy on a key nobody declares (the groupBy hint, a warning too).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';

const MANIFEST = join(import.meta.dirname, '../../corpora/artie-bias-corpus/manifest.jsonl');
const GOOGLE = join(import.meta.dirname, '../../../shared/data/artie-bias-corpus/predictions/google/en-US/dec-4-2019.tsv');
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

const dir = mkdtempSync(join(tmpdir(), 'asrfair-run-warnings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('run: warnings through warnLine', () => {
  it('the export\'s malformed-markup warning and the groupBy hint: labelled `asrfair: warning:` and escaped', async () => {
    const lines = readFileSync(MANIFEST, 'utf8').trim().split('\n').slice(0, 30);
    const ids = new Set(lines.map((l) => (JSON.parse(l) as { id: string }).id));
    writeFileSync(join(dir, 'm.jsonl'), lines.join('\n') + '\n');
    const [head, ...answers] = readFileSync(GOOGLE, 'utf8').trim().split('\n');
    const ours = answers.filter((a) => ids.has(a.split('\t')[0]!.replace(/\.wav$/, '')));
    expect(ours.length).toBeGreaterThan(20);
    const [clip, text] = ours[0]!.split('\t');
    ours[0] = `${clip}\t${text} it}\u001b[2Jwas`;
    writeFileSync(join(dir, 'google.tsv'), [head, ...ours].join('\n') + '\n');
    writeFileSync(
      join(dir, 'suite.yaml'),
      'name: warn\nmanifest: m.jsonl\ngroupBy: [dialect]\nnormaliser: basic\nseed: 1\n' +
        'backends:\n  - { name: google, type: hypotheses, options: { file: google.tsv, idFrom: basename-without-extension } }\n',
    );
    const r = await cli('run', join(dir, 'suite.yaml'), '--store', join(dir, 's.sqlite'), '--out', join(dir, 'out'), '--no-progress', '--no-gate');
    expect(r.code, r.stderr).toBe(0);
    for (const t of [r.stdout, r.stderr]) expect(t.split('\n').filter((l) => RAW.test(l))).toEqual([]);
    const warnings = r.stderr.split('\n').filter((l) => /malformed markup|no utterance declares/.test(l));
    expect(warnings).toHaveLength(2);
    for (const w of warnings) expect(w).toMatch(/^asrfair: warning: /);
    expect(warnings.join('\n')).toContain('1 utterance(s) with malformed markup were not scored (failed rows, counted in the card)');
    expect(warnings.join('\n')).toContain('\\x1b[2J');
  }, 120_000);
});
