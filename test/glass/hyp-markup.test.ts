/**
 * Markup in black-box hypotheses (`glass --hyp`): a vendor transcript with `[noise]`, `<unk>` or `(%HESITATION)` had
 * those tokens looked up for phones and counted as inserted phones, a bias against the group whose vendor output
 * carries more markup. Hypotheses are now read as the references are (src/analysis/glass-markup.ts; sclite reads
 * hypothesis markup as reference markup): the tokens are left out, said once for the file with a count per group.
 * Real speechocean762 clips, real PocketSphinx phone loop.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from '../helpers/cli.ts';
import type { GlassReport } from '../../src/analysis/glass-suite.ts';
import { NO_PHONE } from '../../src/analysis/confusable.ts';
import { soText, soWav } from '../helpers/speechocean.ts';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-glass-hypmarkup-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const text = soText;
const wav = soWav;

describe('glass --hyp: markup in hypotheses', () => {
  it('is left out as in references, said once for the file with a count per group; no phones for it', () => {
    const ids = (spk: string) => [...text.keys()].filter((k) => k.slice(1, 5) === spk).slice(0, 2);
    const adult = [...ids('1030'), ...ids('1037')];
    const child = [...ids('1046'), ...ids('1050')];
    const lines = [...adult.map((id) => ({ id, grp: 'adult' })), ...child.map((id) => ({ id, grp: 'child' }))].map(({ id, grp }) => ({ id, audio: wav(id), text: text.get(id)!, speaker: id.slice(1, 5), labels: { grp } }));
    writeFileSync(join(dir, 'm.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    // Every hypothesis is its reference; the child group's vendor output carries markup (6 tokens in 3 utterances).
    const marked: Record<string, string> = {
      [child[0]]: `[noise] ${text.get(child[0])} <unk>`,
      [child[1]]: `(%HESITATION) ${text.get(child[1])}`,
      [child[2]]: `${text.get(child[2])} [laughter] {breath} (uh)`,
    };
    writeFileSync(join(dir, 'h.jsonl'), lines.map((l) => JSON.stringify({ id: l.id, hyp: marked[l.id] ?? l.text })).join('\n') + '\n');
    const r = spawnSync(process.execPath, [BIN, 'glass', 'm.jsonl', '--hyp', 'h.jsonl', '--group-by', 'grp', '--no-goodness', '--processes', '1', '--min-speakers', '1', '--out', 'out', '--cache-dir', 'cache'], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'out', 'confusable.json'), 'utf8')) as GlassReport;
    // Each hypothesis is its reference: no inserted or wrong phone in either group's black box.
    for (const g of ['adult', 'child']) {
      const m = report.blackBox!.matrices.find((x) => x.group === g)!;
      expect(m.utterances, g).toBe(4);
      expect(m.counts[NO_PHONE], g).toBeUndefined();
      for (const [ref, row] of Object.entries(m.counts)) expect(Object.keys(row), `${g} ${ref}`).toEqual([ref]);
    }
    expect(JSON.stringify(report.blackBox)).not.toMatch(/"(noise|unk|hesitation|laughter|breath|uh)"/);
    // Said once, for the file, with the count per group.
    const said = r.stderr.split('\n').filter((l) => l.includes('h.jsonl'));
    expect(said).toEqual(['asrfair: warning: glass: h.jsonl: markup tokens ([noise], <unk>, (uh), {breath}) left out of 3 hypotheses, as of references (not words: no phones; by group: child 3 utterances, 6 tokens)']);
    expect(report.hypothesisMarkup).toEqual({ child: { utterances: 3, tokens: 6 } });
    expect(report.warnings?.some((w) => w.startsWith('glass: h.jsonl: markup tokens'))).toBe(true);
  }, 240_000);
});
