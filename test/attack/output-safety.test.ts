/**
 * Issue 13, items 5 and 6: one CSV writer for the whole project, formula-guarded (the raw export left
 * `=`, `+`, `-`, `@` cells unguarded), and control characters (ESC sequences, OSC-8 links, CR, newlines)
 * in labels escaped in every text output: terminal tables, `check` lines, card.md, CSV.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { csvCell, escapeControl } from '../../src/manifest/escape.ts';
import { tmp, wavBytes } from '../run/helpers.ts';
import { cli } from './helpers.ts';
import { mkdirSync } from 'node:fs';

const ESC = '\u001b';
const OSC8 = `${ESC}]8;;https://evil.example/${ESC}\\click${ESC}]8;;${ESC}\\`;
const NASTY = `north${ESC}[2J${ESC}[31mRED\rfake\n${OSC8}\u202egnp.exe`;

describe('the CSV writer', () => {
  it('smallest inputs: formulas guarded, quotes doubled, controls escaped, numbers kept', () => {
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-1+2')).toBe("'-1+2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell(-0.5)).toBe('-0.5');
    expect(csvCell({ a: '=x' })).toBe('"{""a"":""=x""}"');
    expect(csvCell(`a${ESC}[31m`)).toBe('a\\x1b[31m');
    // A line break inside a value is escaped like every other control character: one record, one line.
    expect(csvCell('two\nlines')).toBe('two\\x0alines');
    expect(csvCell('tab\there')).toBe('tab\\x09here');
  });

  it('escapeControl shows ESC, CR, C1 and bidi overrides; one line unless breaks are kept', () => {
    expect(escapeControl(`a${ESC}b\rc\nd\u009be\u202ef`)).toBe('a\\x1bb\\x0dc\\x0ad\\x9be\\u202ef');
    expect(escapeControl('a\nb\tc\rd', true)).toBe('a\nb\tc\\x0dd');
  });
});

describe('labels with control characters and formulas, end to end', () => {
  it('raw CSV export, run table, card.md, card.csv and check lines carry no raw control character and no bare formula', async () => {
    const dir = tmp('asrfair-attack-');
    mkdirSync(join(dir, 'audio'));
    const lines: string[] = [];
    const hyps: string[] = [];
    for (let i = 0; i < 8; i++) {
      writeFileSync(join(dir, 'audio', `u${i}.wav`), wavBytes(i + 1));
      const accent = i % 2 ? NASTY : '=HYPERLINK("http://evil.example","x")';
      lines.push(JSON.stringify({ id: `u${i}`, audio: `audio/u${i}.wav`, text: 'hello world again', speaker: `s${i}`, labels: { accent } }));
      hyps.push(JSON.stringify({ id: `u${i}`, text: i % 2 ? '@cmd hello world' : 'hello world again' }));
    }
    writeFileSync(join(dir, 'm.jsonl'), lines.join('\n') + '\n');
    writeFileSync(join(dir, 'hyp.jsonl'), hyps.join('\n') + '\n');
    writeFileSync(join(dir, 'suite.yaml'), 'name: ctl\nmanifest: m.jsonl\nqc: false\nbackends:\n  - type: hypotheses\n    options: { file: hyp.jsonl }\n');
    const run = await cli(['run', 'suite.yaml', '--store', 'st.sqlite', '--out', 'out', '--no-progress'], dir).done;
    expect(run.code, run.err).toBe(0);
    const raw = await cli(['export', 'st.sqlite', '--format', 'csv'], dir).done;
    const rep = await cli(['report', 'out', '--bootstrap', '200', '--min-speakers', '1', '--min-words', '1'], dir).done;
    expect(rep.code, rep.err).toBe(0);
    const check = await cli(['check', 'out', '--max-wer', '0.01', '--bootstrap', '200', '--min-speakers', '1', '--min-words', '1'], dir).done;
    expect(check.code).toBe(1);
    // eslint-disable-next-line no-control-regex
    const controls = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/;
    for (const [what, text] of [['run stdout', run.out], ['run stderr', run.err], ['raw csv', raw.out], ['check', check.out + check.err], ['report', rep.out]] as const) {
      expect(controls.test(text.replace(/\r\n/g, '\n')), what).toBe(false);
    }
    for (const f of readdirSync(join(dir, 'out', 'report')).map((f) => join(dir, 'out', 'report', f)).filter((f) => statSync(f).isFile() && /\.(md|csv)$/.test(f))) {
      expect(controls.test(readFileSync(f, 'utf8').replace(/\r\n/g, '\n')), f).toBe(false);
    }
    expect(check.err).toContain('\\x1b[2J');
    // Every CSV cell: no cell starts with = + - @ unguarded (numbers aside).
    const cells = raw.out.split('\n').slice(1).filter(Boolean).flatMap((l) => l.split(','));
    expect(cells.some((c) => /^"?[=+@]/.test(c))).toBe(false);
    expect(readFileSync(join(dir, 'out', 'report', 'card.csv'), 'utf8')).toContain(`"'=HYPERLINK(`);
    // The label's LF is escaped (\x0a), not left raw inside a quoted cell: every CSV record is one line.
    for (const f of ['card.csv', 'card-model.csv']) {
      const text = readFileSync(join(dir, 'out', 'report', f), 'utf8');
      expect(text.split('\r\n').some((l) => l.includes('\n')), f).toBe(false);
    }
    expect(readFileSync(join(dir, 'out', 'report', 'card.csv'), 'utf8')).toContain('fake\\x0a');
    expect(raw.out.trimEnd().split(/\r?\n/)).toHaveLength(9);
    expect(raw.out).toContain("'@cmd hello world");
  });
});
