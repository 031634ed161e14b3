/**
 * What an import counted reaches the run and the card, in every format (md, html, json, card-notes.csv): the real
 * CORAAL transcripts in ../shared/data (CC BY-NC-SA: read there, copied only to a temp dir) imported, run with
 * hypotheses and reported. The card must say that CORAAL groups are community/site, what the import left out,
 * the whole markup policy, what was removed and what kept per group, and warn about redactions per group.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmp, write } from '../corpora/fixtures.ts';
import { parseCsv } from './parse-csv.ts';
import { cliIn as cli } from '../helpers/cli.ts';

const DATA = resolve(new URL('../../../shared/data', import.meta.url).pathname);
const T = '\t';


describe('CORAAL import notes reach the run and the card', () => {
  it('groups are community/site; left-out rows, the whole markup policy, removed vs kept and the redaction warning in md, html, json, csv', async () => {
    const dir = tmp('coraal-notes');
    const corpus = join(dir, 'corpus');
    const src = join(DATA, 'coraal-transcripts-sample');
    const names = readdirSync(src).filter((n) => n.endsWith('_1.txt')).map((n) => n.replace(/\.txt$/, ''));
    // No .wav (not shipped): the import writes the rows for text-only runs.
    for (const n of names) write(join(corpus, `${n}.txt`), readFileSync(join(src, `${n}.txt`)));
    write(
      join(corpus, 'CORAAL_metadata_test.txt'),
      `CORAAL.File${T}CORAAL.Spkr${T}CORAAL.Sub${T}Gender${T}Age.Group\n` +
        names.map((n) => `${n}${T}${n.replace(/_1$/, '')}${T}${n.slice(0, 3)}${T}${n.includes('_f_') ? 'Female' : 'Male'}${T}1`).join('\n') +
        '\n',
    );
    const imported = await cli(['import', 'coraal', corpus, '-o', join(dir, 'coraal.jsonl')]);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('groups: CORAAL groups are community/site, not self-declared dialect');
    // Without recordings the import is text-only: the manifest runs as imported, with its own import record.
    const utts = readFileSync(join(dir, 'coraal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; text: string; audio?: string; markup?: { kinds: Record<string, number> } });
    expect(utts.every((u) => u.audio === undefined)).toBe(true);
    // The recogniser says the bleeped name: one extra word per redaction.
    const hyps = utts.map((u) => `${u.id}\t${u.text}${' john'.repeat(u.markup?.kinds.redaction ?? 0)}`);
    writeFileSync(join(dir, 'hyps.tsv'), hyps.join('\n') + '\n');
    writeFileSync(
      join(dir, 'suite.yaml'),
      'name: coraal-notes\nkind: blackbox\nmanifest: coraal.jsonl\ngroupBy: [site]\nnormaliser: basic\nbootstrap: { B: 200 }\nmodel: none\n' +
        'backends:\n  - name: said-names\n    type: hypotheses\n    options: { file: hyps.tsv }\n',
    );
    const run = await cli(['run', 'suite.yaml', '--out', 'export', '--no-progress'], dir);
    // The record describes this very manifest: nothing to warn.
    expect(run.stderr.trim()).toBe('');
    expect(run.code).toBe(0);
    const meta = JSON.parse(readFileSync(join(dir, 'export', 'run.json'), 'utf8'));
    expect(meta.corpus.imports).toHaveLength(1);
    expect(meta.corpus.imports[0]).toMatchObject({ format: 'coraal', manifest: 'coraal.jsonl', missingAudio: 3, utterances: 2141, speakers: 3, groupsNote: 'CORAAL groups are community/site, not self-declared dialect' });
    const rep = await cli(['report', 'export', '--out', 'card'], dir);
    expect(rep.stderr.trim()).toBe('');
    expect(rep.code).toBe(0);
    const md = readFileSync(join(dir, 'card', 'card.md'), 'utf8');
    const html = readFileSync(join(dir, 'card', 'card.html'), 'utf8');
    const json = JSON.parse(readFileSync(join(dir, 'card', 'card.json'), 'utf8'));
    const notes = parseCsv(readFileSync(join(dir, 'card', 'card-notes.csv'), 'utf8'));
    const unescaped = html.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    const all = { md, html: unescaped, json: [...json.footnotes, json.dataQuality.note].join('\n'), csv: notes.map((r) => r.note).join('\n') };
    for (const [fmt, text] of Object.entries(all)) {
      expect(text, fmt).toContain('Groups are not (all) self-declared labels: CORAAL groups are community/site, not self-declared dialect');
      expect(text, fmt).not.toContain('Groups are self-declared labels');
      // 1,681 interviewer rows and 1,579 markup-only rows (test/corpora/real-samples.test.ts counts them independently).
      expect(text, fmt).toContain('left out 1,681 CORAAL interviewer rows excluded');
      expect(text, fmt).toContain('left out 1,579 CORAAL rows with only markup');
      // The whole policy: /unintelligible/ and /?/ are removed too; overlaps and best guesses kept; fragments kept as
      // sclite's optionally deletable (like-), scored with -D -F, and counted per group.
      expect(text, fmt).toContain('/?/, /unintelligible/, /inaudible/ removed;');
      expect(text, fmt).toContain('word fragments and false starts ("like-", "I-") kept in sclite\'s notation "(like-)" and scored as sclite -D -F scores them');
      expect(text, fmt).toMatch(/scored as sclite -D -F scores them \(NIST Hub-5 convention\), whatever the suite's markup setting.*By group: atl 49, dcb 138, roc 31\d\./);
      expect(text, fmt).toMatch(/overlaps\\?\] and \/best guesses\/ unwrapped and kept/);
      // ROC 76 redactions against DCB's 16: the per-group insertion effect is warned.
      expect(text, fmt).toMatch(/Warning: redactions .* counts as an insertion.*Redactions by group: roc 76 \([\d.]+ per 1,000 reference words\), atl 23 .*, dcb 16 /);
      expect(text, fmt).toContain('"don’t" → "don\'t", "well-known" → "well known", "30,000" → "30 000"');
    }
    // Removed and kept markup in separate columns: overlap and uncertain (kept) never next to "tokens removed".
    const row = md.split('\n').find((l) => l.startsWith('| roc |') && l.includes('redaction'))!;
    const cells = row.split('|').map((c) => c.trim());
    expect(cells[5]).toMatch(/redaction 76/);
    expect(cells[5]).not.toMatch(/overlap|uncertain/);
    expect(cells[6]).toMatch(/overlap \d+/);
    expect(cells[5]).not.toMatch(/fragment/);
    expect(cells[7]).toMatch(/^fragment 31\d$/);
    expect(html).toContain('<th scope="col">Kept, optionally deletable (sclite -D -F), by kind</th>');
    expect(html).toContain('<th scope="col">Kept as words, by kind</th>');
    const roc = json.dataQuality.rows.find((r: { group: string }) => r.group === 'roc');
    expect(roc.markupRemovedKinds.redaction).toBe(76);
    expect(roc.markupRemoved).toBe(Object.values(roc.markupRemovedKinds as Record<string, number>).reduce((a, b) => a + b, 0));
    // The redactions are visible as insertions in ROC's numbers: 76 inserted words.
    const table = json.tables.find((t: { kind: string }) => t.kind === 'group');
    expect(table.rows.find((r: { group: string }) => r.group === 'roc').wer.estimate).toBeGreaterThan(0);
  }, 120_000);

  it("the demo's Artie part (a): the shipped manifest's import record puts the NA counts in the card", async () => {
    const dir = tmp('artie-notes');
    const suite = resolve(new URL('../../manifests/suites/artie-vendors.yaml', import.meta.url).pathname);
    const run = await cli(['run', suite, '--limit', '200', '--backend', 'amazon-en-US', '--store', join(dir, 's.sqlite'), '--out', join(dir, 'export'), '--no-progress', '--no-gate']);
    expect(run.code, run.stderr).toBe(0);
    const rep = await cli(['report', join(dir, 'export'), '--out', join(dir, 'card'), '--format', 'md', '--bootstrap', '100', '--model', 'none']);
    expect(rep.code, rep.stderr).toBe(0);
    const md = readFileSync(join(dir, 'card', 'card.md'), 'utf8');
    // data/README.md of the corpus: NA ×562 accent, ×14 age, ×20 gender (what the import did, whatever part is run).
    expect(md).toContain('accent "NA" (the corpus\'s "not declared") → undeclared in 562 utterances; age "NA" (the corpus\'s "not declared") → undeclared in 14 utterances; gender "NA" (the corpus\'s "not declared") → undeclared in 20 utterances.');
    expect(md).toContain('Groups are self-declared labels');
  }, 120_000);
});
