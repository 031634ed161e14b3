import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '../../bin/asrfair.mjs');

type Row = { id: string; status: string; hyp: string; backend: string; labels: Record<string, string>; words: { ref: number }; phones?: { ref: number } };
const results = (dir: string): Row[] => readFileSync(join(dir, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Row);

describe('asrfair demo: real vendors, PocketSphinx on real speech, then synthetic accents', () => {
  it('runs every part end to end (live parts limited), opens with the real findings, and reuses everything on a rerun', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'demo-'));
    const args = [BIN, 'demo', '--voices', 'fliteslt,fliteawb', '--speakers', '2', '--sentences', '2', '--live-limit', '4', '--no-progress'];
    const first = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 420_000 });
    expect(first.stderr).not.toMatch(/Error|error:/);
    // Part (c) at this size has every cell below the suite's minimum: its gate fails ("no group to check"), and the
    // demo says so last, as a finding, and exits 0 after writing everything below (--gate-exit: 1, below).
    expect(first.status).toBe(0);
    expect(first.stderr.trimEnd().split('\n').at(-1)).toMatch(/^asrfair: demo \(c\) Synthetic accents \(TTS voices\): suite gate FAIL: no group to check: .* — a finding of the demo, not an error \(--gate-exit makes it exit 1\)$/);
    const latest = join(cwd, 'reports/demo/latest');

    // Real findings first: the terminal opens with the vendors on real speakers, then PocketSphinx on real speech,
    // then the synthetic part, labelled as such.
    const out = first.stdout.split('\n');
    expect(out[0]).toBe('(a) Real vendors on real speakers: Amazon and Google on the Artie bias corpus by self-declared accent');
    expect(out[1]).toMatch(/^ {2}amazon-en-US: \w+ \d+\.\d% \[\d+\.\d, \d+\.\d\] vs \w+ \d+\.\d% \[/);
    expect(out[2]).toMatch(/^ {2}google-en-US: /);
    expect(first.stdout).toMatch(/amazon-en-US − google-en-US on 1712 shared utterances: [-+]?\d+\.\d pp \[.*\] \(paired speaker bootstrap\), MAPSSWE p /);
    const order = ['(a) Real vendors', '(b) Live recogniser on real speech: PocketSphinx on Common Voice', '(b) Live recogniser on real speech: PocketSphinx on speechocean762', '(c) Synthetic accents'].map((s) => first.stdout.indexOf(s));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(first.stdout).toContain('indicative only'); // live parts limited to 4 utterances: every cell is small, and said so

    // (a) six vendor models on all 1,712 Artie utterances, text-only, with the paired comparison.
    const vendors = results(join(latest, 'real-vendors'));
    expect(vendors).toHaveLength(6 * 1712);
    expect(vendors.every((r) => r.status === 'ok')).toBe(true);
    for (const f of ['card.md', 'card.html', 'card.json', 'card.csv', 'compare.md', 'compare.json']) expect(existsSync(join(latest, 'real-vendors/report', f)), f).toBe(true);
    const vendorCard = readFileSync(join(latest, 'real-vendors/report/card.md'), 'utf8');
    expect(vendorCard).not.toContain('Synthetic accents');
    expect(vendorCard).toMatch(/\| indian \| 154 \| 264 \|/);
    expect(vendorCard).toContain('Model-based view');

    // (b) PocketSphinx decoded real Common Voice and speechocean762 audio.
    const cv = results(join(latest, 'cv'));
    expect(cv).toHaveLength(4);
    expect(cv.every((r) => r.status === 'ok' && r.words.ref > 0)).toBe(true);
    const so = results(join(latest, 'speechocean'));
    expect(so).toHaveLength(4);
    expect(so.every((r) => r.status === 'ok' && r.labels.age === '18+' && r.labels.age_raw === '27')).toBe(true);
    const soCard = readFileSync(join(latest, 'speechocean/report/card.md'), 'utf8');
    expect(soCard).toContain('small cell');
    // Trial 10: a --live-limit card says it covers 4 of the corpus's 120 utterances, names the age bands the 4 leave
    // out, marks the suite's "6 speakers per age band" as about the whole manifest; the terminal says it too.
    expect(soCard).toContain('> **Warning:** Subset: this run covers 4 of 120 utterances of the manifest (--limit 4');
    expect(soCard).toMatch(/Not in this run \(by age\): "[^"]+" \(60 utterances in the manifest\)/);
    expect(soCard).toContain('Limit (suite text, about the whole manifest, not this subset): 6 speakers per age band');
    expect(first.stdout).toContain('  Subset: this run covers 4 of 120 utterances of the manifest (--live-limit 4');
    // One speaker in the whole run: no row has an interval, the "All groups" row neither (item 2).
    const json = JSON.parse(readFileSync(join(latest, 'speechocean/report/card.json'), 'utf8')) as { tables: { overall: { wer: { lo: unknown } } }[] };
    expect(json.tables.every((t) => t.overall.wer.lo === null)).toBe(true);
    expect(soCard).not.toMatch(/All groups[^\n]*\d\.\d%\s*\[\d/);

    // (c) the synthetic corpus, as before: two voices × 2 speakers × 2 sentences.
    expect(readdirSync(join(cwd, 'corpora/demo/audio'))).toHaveLength(8);
    const synth = results(join(latest, 'synthetic'));
    expect(synth).toHaveLength(8);
    expect(synth.every((r) => r.status === 'ok' && r.words.ref > 0 && (r.phones?.ref ?? 0) > 0)).toBe(true);
    const synthCard = readFileSync(join(latest, 'synthetic/report/card.md'), 'utf8');
    expect(synthCard).toContain('Synthetic accents');
    expect(synthCard).toMatch(/\| scottish \|/);

    // The combined card opens with the findings, real parts first, the synthetic section last and labelled.
    const card = readFileSync(join(latest, 'card.md'), 'utf8');
    expect(card.split('\n').slice(0, 8)).toEqual([
      '# asrfair demo: real people first',
      '',
      '## Findings',
      '',
      '',
      '**(a) Real vendors on real speakers: Amazon and Google on the Artie bias corpus by self-declared accent**',
      '',
      expect.stringMatching(/^- amazon-en-US: /),
    ]);
    expect(card).toMatch(/\n\n\*\*\(b\) Live recogniser/); // a new paragraph, not part of the list above
    expect(card.indexOf('## (a) Real vendors')).toBeLessThan(card.indexOf('## (b) Live recogniser'));
    expect(card.indexOf('## (b) Live recogniser')).toBeLessThan(card.indexOf('## (c) Synthetic accents'));
    expect(card.indexOf('Synthetic accents.** Every voice')).toBeGreaterThan(card.indexOf('## (c) Synthetic accents'));
    expect(first.stdout).toContain('wrote reports/demo/latest/card.md');
    // The gate's FAIL is one of part (c)'s findings in the combined card too, not only on stderr.
    const cFindings = card.slice(card.indexOf('**(c) Synthetic accents'), card.indexOf('## (a) Real vendors'));
    expect(cFindings).toMatch(/\n- suite gate FAIL: no group to check: .*\(asrfair check reports\/demo\/latest\/synthetic repeats it\)\n/);
    expect(card.slice(0, card.indexOf('**(c) Synthetic accents'))).not.toContain('suite gate');
    // Each "wrote <part>/report/ (…)" line names every file in that folder that the card wrote (card-model.csv, card-notes.csv too).
    for (const part of ['real-vendors', 'cv', 'speechocean', 'synthetic']) {
      const line = first.stdout.split('\n').find((l) => l.startsWith(`wrote reports/demo/latest/${part}/report/ (`))!;
      const listed = line.slice(line.indexOf('(') + 1, line.lastIndexOf(')')).split(', ').sort();
      const onDisk = readdirSync(join(latest, part, 'report')).filter((f) => /^(card|compare)/.test(f)).sort();
      expect(listed, part).toEqual(onDisk);
      expect(listed).toContain('card-notes.csv');
    }
    expect(first.stdout).toMatch(/wrote reports\/demo\/latest\/real-vendors\/report\/ \(.*card-model\.csv/);

    // The synthetic part ends with the glass box on planted accents: labelled synthetic, ground truth beside the findings.
    const planted = readFileSync(join(latest, 'synthetic/report/glass-planted.md'), 'utf8');
    expect(planted).toMatch(/synthetic/i);
    expect(planted).toMatch(/ground truth/i);
    expect(JSON.parse(readFileSync(join(latest, 'synthetic/report/glass-planted.json'), 'utf8')).synthetic).toBe(true);
    // … and the combined card ends with it, pointing at its files; the terminal prints the same lines.
    expect(card.indexOf('## Glass box on planted accents (synthetic)')).toBeGreaterThan(card.indexOf('## (c) Synthetic accents'));
    expect(card).toContain('`synthetic/report/glass-planted.md`');
    expect(first.stdout).toMatch(/Glass box on planted accents \(synthetic speech, ground truth known\):\n  phone loop: \d+ of \d+ planted sounds found/);

    // `asrfair report <run>` on a part's run gives that part's card, byte for byte (settings from run.json).
    const re = spawnSync(process.execPath, [BIN, 'report', join(latest, 'real-vendors'), '--format', 'md', '--out', join(cwd, 'recard')], { cwd, encoding: 'utf8' });
    expect(re.status, re.stderr).toBe(0);
    expect(readFileSync(join(cwd, 'recard/card.md'), 'utf8')).toBe(vendorCard);

    const again = spawnSync(process.execPath, [...args, '--gate-exit'], { cwd, encoding: 'utf8', timeout: 420_000 });
    expect(again.status).toBe(1);
    expect(again.stderr.trimEnd().split('\n').at(-1)).toMatch(/suite gate FAIL: no group to check: .*repeats it\)$/);
    expect(again.stderr).toContain('0 newly spoken');
    expect(again.stderr).toMatch(/amazon-en-US\s+clean\s+1712\s+1712\s+0\s/); // all cached
    expect(again.stderr).toMatch(/pocketsphinx\s+clean\s+8\s+8\s+0\s/); // synthetic: 8 items, 8 cached, 0 called
    expect(again.stdout.split('\n')[0]).toBe(out[0]);
  }, 900_000);
});
