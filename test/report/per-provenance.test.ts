/**
 * t16 defect 6: PER's letter-to-sound source. README said espeak-ng gives phones to words the dictionary lacks; the
 * code uses flite's t2p when installed (`barmulloch` → B AA R M UW L AH K with t2p, B AA R M AH L AA K with espeak-ng),
 * and neither run.json nor the card said which, nor defined PER. Real Common Voice 6.1 transcripts (validated.tsv)
 * with out-of-dictionary words (shabda, pir, petherton, barmulloch), real CMUdict, real t2p and espeak-ng.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { CMUDICT_PATH } from '../../src/text/g2p.ts';
import { RunStore } from '../../src/run/store.ts';
import { exportRun } from '../../src/report/export-run.ts';

const TSV = '/tmp/shared/data/cv-6.1-en-sample/en/validated.tsv';
// Three sentences with words CMUdict lacks, and in-dictionary sentences of other accents.
const CLIPS = [
  'common_voice_en_19523180.mp3', // england: "Jablonski was succeeded by Shabda Kahn as Pir of the lineage."
  'common_voice_en_19547295.mp3', // newzealand: "… South Petherton Hundred."
  'common_voice_en_19692969.mp3', // newzealand: "Barmulloch also included …"
  'common_voice_en_18091118.mp3', // us
  'common_voice_en_221948.mp3', // england
];

interface Row { id: string; speaker: string; labels: Record<string, string>; ref: string; hyp: string; status: string }

function dictWords(): Set<string> {
  const out = new Set<string>();
  for (const line of readFileSync(CMUDICT_PATH, 'utf8').split('\n')) {
    const w = line.split(/\s/)[0];
    if (w) out.add(w.replace(/\(\d+\)$/, ''));
  }
  return out;
}

describe('PER provenance: dictionary, letter-to-sound engine, OOV tokens per group (t16 #6)', () => {
  let dir: string;
  let store: string;
  let runA: string;
  let runB: string;
  let rows: Row[];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'per-prov-'));
    const lines = readFileSync(TSV, 'utf8').split('\n');
    const head = lines[0].split('\t');
    const col = (n: string) => head.indexOf(n);
    const manifest: string[] = [];
    const hyps: string[] = [];
    for (const clip of CLIPS) {
      const f = lines.find((l) => l.split('\t')[col('path')] === clip)!.split('\t');
      const id = `cv-${clip.replace('.mp3', '')}`;
      const text = f[col('sentence')];
      manifest.push(JSON.stringify({ id, text, speaker: f[col('client_id')], labels: { accent: f[col('accent')] } }));
      // A recogniser's answer: the sentence without its first word (keeps the out-of-dictionary words in both texts).
      hyps.push(JSON.stringify({ id, text: text.split(' ').slice(1).join(' ') }));
    }
    writeFileSync(join(dir, 'm.jsonl'), manifest.join('\n') + '\n');
    writeFileSync(join(dir, 'h.jsonl'), hyps.join('\n') + '\n');
    writeFileSync(
      join(dir, 's.yaml'),
      'name: per\nmanifest: m.jsonl\ngroupBy: [accent]\nbackends:\n  - name: h\n    type: hypotheses\n    options: { file: h.jsonl }\nmetrics: [wer, cer, per]\nbootstrap: 200\nminCell: { speakers: 1, words: 1 }\n',
    );
    store = join(dir, 'st.sqlite');
    runA = join(dir, 'a');
    const r = await cli('run', join(dir, 's.yaml'), '--store', store, '--out', runA, '--no-progress');
    expect(r.code, r.stderr).toBe(0);
    rows = readFileSync(join(runA, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Row);
    // The same stored run scored with espeak-ng's letter-to-sound, as on a machine without flite.
    const meta = JSON.parse(readFileSync(join(runA, 'run.json'), 'utf8')) as { runId: string };
    runB = join(dir, 'b');
    const st = new RunStore(store);
    try {
      await exportRun(st, meta.runId, runB, { g2p: { fallback: 'espeak-ng' } });
    } finally {
      st.close();
    }
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('run.json records the dictionary (path, sha256), the engine (name, version) and OOV tokens per group', () => {
    const meta = JSON.parse(readFileSync(join(runA, 'run.json'), 'utf8'));
    const p = meta.scoring.phones;
    expect(p.dictionary.path).toBe(CMUDICT_PATH);
    expect(p.dictionary.sha256).toBe(createHash('sha256').update(readFileSync(CMUDICT_PATH)).digest('hex'));
    expect(p.letterToSound).toMatchObject({ engine: 'flite', program: 't2p' });
    expect(p.letterToSound.version).toMatch(/^flite-\d/);
    // Counted independently: tokens of the texts as scored that the dictionary file lacks.
    const dict = dictWords();
    const want: Record<string, { refTokens: number; refOov: number; hypTokens: number; hypOov: number }> = {};
    for (const r of rows) {
      const g = (want[r.labels.accent] ??= { refTokens: 0, refOov: 0, hypTokens: 0, hypOov: 0 });
      const ref = r.ref.split(' ').filter(Boolean);
      const hyp = r.hyp.split(' ').filter(Boolean);
      g.refTokens += ref.length;
      g.refOov += ref.filter((w) => !dict.has(w)).length;
      g.hypTokens += hyp.length;
      g.hypOov += hyp.filter((w) => !dict.has(w)).length;
    }
    expect(p.oov.groups.accent).toEqual(want);
    expect(want.newzealand.refOov).toBeGreaterThanOrEqual(2); // petherton, barmulloch
    expect(want.england.refOov).toBeGreaterThanOrEqual(2); // shabda, pir
    expect(want.us.refOov).toBe(0);
    const meta2 = JSON.parse(readFileSync(join(runB, 'run.json'), 'utf8'));
    expect(meta2.scoring.phones.letterToSound).toMatchObject({ engine: 'espeak-ng', program: 'espeak-ng', voice: 'en-us' });
    expect(meta2.scoring.phones.letterToSound.version).toMatch(/^\d+\.\d+/);
  });

  it('the card defines PER and names dictionary, engine and OOV counts per group, in every format', async () => {
    const out = join(dir, 'card');
    const r = await cli('report', runA, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const card = JSON.parse(readFileSync(join(out, 'card.json'), 'utf8'));
    expect(card.meta.scoring.phones.letterToSound.engine).toBe('flite');
    const note = (card.footnotes as string[]).find((n) => n.startsWith('PER (phone error rate)'))!;
    expect(note).toMatch(/Σ\(S\+D\+I\)\/Σ reference phones/);
    expect(note).toMatch(/substitution 4, insertion 3, deletion 3/);
    expect(note).toContain(`Dictionary: ${CMUDICT_PATH} (sha256 ${card.meta.scoring.phones.dictionary.sha256}`);
    expect(note).toMatch(/got phones from flite's t2p \(version flite-/);
    const nz = card.meta.scoring.phones.oov.groups.accent.newzealand;
    expect(note).toContain(`newzealand ${nz.refOov} of ${nz.refTokens} reference, ${nz.hypOov} of ${nz.hypTokens} hypothesis`);
    expect(note).toMatch(/depends on the machine/);
    for (const f of ['card.md', 'card.html', 'card-notes.csv']) expect(readFileSync(join(out, f), 'utf8'), f).toContain('PER (phone error rate)');
  });

  it('a published card leaves suppressed groups out of the per-group counts (note and card.json)', async () => {
    const out = join(dir, 'pub');
    const r = await cli('report', runA, '--out', out, '--publish', '--min-speakers', '2');
    expect(r.code, r.stderr).toBe(0);
    const card = JSON.parse(readFileSync(join(out, 'card.json'), 'utf8'));
    const hidden = new Set<string>(card.tables.filter((t: { kind: string }) => t.kind === 'group').flatMap((t: { rows: { group: string; suppressed: boolean }[] }) => t.rows.filter((x) => x.suppressed).map((x) => x.group)));
    expect(hidden.has('us')).toBe(true); // one speaker
    expect(Object.keys(card.meta.scoring.phones.oov.groups.accent).some((g) => hidden.has(g))).toBe(false);
    const note = (card.footnotes as string[]).find((n) => n.startsWith('PER (phone error rate)'))!;
    expect(note).not.toMatch(/\bus \d+ of/);
    expect(note).toContain('(suppressed groups not listed)');
  });

  it('without a letter-to-sound engine the export goes on: the words are counted per group and the card says their phones are missing', async () => {
    const meta = JSON.parse(readFileSync(join(runA, 'run.json'), 'utf8')) as { runId: string };
    const runN = join(dir, 'n');
    const st = new RunStore(store);
    try {
      await exportRun(st, meta.runId, runN, { g2p: { fallback: 'none' } });
    } finally {
      st.close();
    }
    const p = JSON.parse(readFileSync(join(runN, 'run.json'), 'utf8')).scoring.phones;
    expect(p.letterToSound).toEqual({ engine: 'none' });
    const a = JSON.parse(readFileSync(join(runA, 'run.json'), 'utf8')).scoring.phones;
    expect(p.oov).toEqual(a.oov);
    const refPhones = (d: string) => readFileSync(join(d, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).phones.ref as number);
    const withEngine = refPhones(runA);
    const without = refPhones(runN);
    // The utterances with out-of-dictionary words lost those words' phones, the others are unchanged.
    expect(without.filter((n, i) => n < withEngine[i])).toHaveLength(3);
    expect(without.filter((n, i) => n > withEngine[i])).toHaveLength(0);
    const out = join(dir, 'ncard');
    const r = await cli('report', runN, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const note = (JSON.parse(readFileSync(join(out, 'card.json'), 'utf8')).footnotes as string[]).find((n) => n.startsWith('PER (phone error rate)'))!;
    expect(note).toMatch(/Words it lacks \(4 distinct\) had no phones: no letter-to-sound engine was installed/);
    expect(note).toContain(`newzealand ${p.oov.groups.accent.newzealand.refOov} of ${p.oov.groups.accent.newzealand.refTokens} reference`);
  });

  it('compare warns when the letter-to-sound engine differs between two runs', async () => {
    const r = await cli('compare', runA, runB, '--bootstrap', '200');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/WARNING: PER phones come from different sources \(letter-to-sound engine A flite's t2p \(version flite-[^)]*\), B espeak-ng \(version [\d.]+, voice en-us\)/);
    const same = await cli('compare', runA, runA, '--bootstrap', '200');
    expect(same.stdout).not.toMatch(/PER phones come from different sources/);
  });
});
