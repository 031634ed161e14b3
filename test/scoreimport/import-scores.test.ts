import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServiceCard } from '../../src/report/model.ts';
import { alignCounts, tokenize } from '../../src/score/align.ts';
import { loadRunForReport } from '../../src/score/run-export.ts';
import { importScores, parseBackendColumns, parseScoreColumns } from '../../src/scoreimport/import-scores.ts';
import { getNormaliser } from '../../src/text/normalise.ts';
import { cli } from '../helpers/cli.ts';

const ARTIE = join(import.meta.dirname, '../../../shared/data/artie-bias-corpus');

interface Utt {
  id: string;
  speaker: string;
  accent: string;
  sub: number;
  del: number;
  ins: number;
  words: number;
}

/** Real Artie utterances scored against Google en-US's real transcripts (our aligner, basic normaliser). */
function artieGoogleScores(): Utt[] {
  const norm = getNormaliser('basic');
  const rows = readFileSync(join(ARTIE, 'data/artie-bias-corpus.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
  const pred = new Map(
    readFileSync(join(ARTIE, 'predictions/google/en-US/dec-4-2019.tsv'), 'utf8').trim().split('\n').slice(1)
      .map((l) => l.split('\t'))
      .map(([path, p]) => [path.replace(/\.wav$/, ''), p ?? ''] as const),
  );
  return rows.map(([client, path, sentence, , , , , accent]) => {
    const id = path.replace(/\.mp3$/, '');
    const c = alignCounts(tokenize(norm.normalise(sentence)), tokenize(norm.normalise(pred.get(id) ?? '')));
    return { id, speaker: client, accent: accent === 'NA' ? '' : accent, sub: c.sub, del: c.del, ins: c.ins, words: c.ref };
  }).filter((u) => u.words > 0);
}

describe('import scores: per-utterance results from another pipeline', () => {
  let dir: string;
  let utts: Utt[];
  let table: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'asrfair-scores-'));
    utts = artieGoogleScores();
    const lines = ['utt,spk,accent,g_sub,g_del,g_ins,n_words,g_err,g_wer'];
    for (const u of utts) {
      const e = u.sub + u.del + u.ins;
      lines.push([u.id, u.speaker, u.accent, u.sub, u.del, u.ins, u.words, e, String(e / u.words)].join(','));
    }
    table = join(dir, 'scores.csv');
    writeFileSync(table, lines.join('\n') + '\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the same per-accent WER from S/D/I, from totals and from WER × words, equal to a direct count', async () => {
    const out = join(dir, 'run');
    const s = await importScores(table, out, {
      columns: parseScoreColumns('id=utt,speaker=spk,label.accent=accent'),
      backends: ['sdi:sub=g_sub,del=g_del,ins=g_ins,words=n_words', 'err:errors=g_err,words=n_words', 'wer:wer=g_wer,words=n_words'].map(parseBackendColumns),
      toolVersion: 'test',
    });
    expect(s.utterances).toBe(utts.length);
    expect(s.backends).toEqual(['sdi', 'err', 'wer']);
    const run = loadRunForReport(out);
    const card = buildServiceCard(run.meta, run.utterances, { groupBy: 'accent', bootstrap: 200, model: 'none' });
    const direct = (accent: string) => {
      const g = utts.filter((u) => u.accent === accent);
      return {
        pooled: g.reduce((a, u) => a + u.sub + u.del + u.ins, 0) / g.reduce((a, u) => a + u.words, 0),
        meanUtt: g.reduce((a, u) => a + (u.sub + u.del + u.ins) / u.words, 0) / g.length,
      };
    };
    for (const backend of ['sdi', 'err', 'wer']) {
      const t = card.tables.find((x) => x.backend === backend)!;
      for (const accent of ['us', 'england', 'indian']) {
        const r = t.rows.find((x) => x.group === accent)!;
        const d = direct(accent);
        expect(r.wer!.estimate).toBeCloseTo(d.pooled, 12);
        expect(r.werMetrics!['mean-utterance'].estimate).toBeCloseTo(d.meanUtt, 12);
      }
    }
    // The figure measured independently on this corpus (shared/data README): Google en-US, us 18.9%.
    const us = card.tables.find((x) => x.backend === 'sdi')!.rows.find((x) => x.group === 'us')!;
    expect(us.wer!.estimate).toBeGreaterThan(0.184);
    expect(us.wer!.estimate).toBeLessThan(0.194);
  });

  it('report, compare and check read the imported run through the CLI', async () => {
    const out = join(dir, 'cli-run');
    const imp = await cli('import', 'scores', table, '-o', out, '--map', 'id=utt,speaker=spk,label.accent=accent',
      '--backend', 'a:sub=g_sub,del=g_del,ins=g_ins,words=n_words', '--backend', 'b:wer=g_wer,words=n_words');
    expect(imp.stderr).toBe('');
    expect(imp.code).toBe(0);
    expect(imp.stdout).toContain(`${utts.length} utterances`);
    const rep = await cli('report', out, '--bootstrap', '200', '--format', 'md', '--out', join(dir, 'card'), '--headline', 'mean-utterance');
    expect(rep.code).toBe(0);
    const md = readFileSync(join(dir, 'card', 'card.md'), 'utf8');
    expect(md).toContain('Mean per-utterance WER [95% CI]');
    expect(md).toContain('Pooled WER [95% CI]');
    const chk = await cli('check', out, '--max-wer', '0.99', '--bootstrap', '200');
    expect(chk.code).toBe(0);
    // Same counts under two names: the paired difference is exactly zero.
    const cmp = await cli('compare', out, out, '--backend-a', 'a', '--backend-b', 'b', '--bootstrap', '200');
    expect(cmp.code).toBe(0);
    expect(cmp.stdout).toMatch(/\+?0\.0 pp/);
    // Imported counts carry no words to align: each utterance is one MAPSSWE segment, and the notes say how many.
    expect(cmp.stdout).toContain(`MAPSSWE: ${utts.length} paired utterances' word alignment could not be recovered`);
  });

  it('a WER above 1 becomes insertions beyond the reference words, and the card says counts are external', async () => {
    const f = join(dir, 'over.csv');
    writeFileSync(f, 'utt,spk,accent,wer,n\nu1,s1,us,1.5,2\n');
    const out = join(dir, 'over');
    await importScores(f, out, { columns: parseScoreColumns('id=utt,speaker=spk,label.accent=accent'), backends: [parseBackendColumns('x:wer=wer,words=n')], toolVersion: 't' });
    const run = loadRunForReport(out);
    expect(run.utterances[0].words).toEqual({ ref: 2, hits: 0, sub: 2, del: 0, ins: 1 });
    expect(run.meta.costModel).toBe('external');
    const card = buildServiceCard(run.meta, run.utterances, { groupBy: 'accent', bootstrap: 200, model: 'none', minCell: { speakers: 1, words: 1 } });
    expect(card.footnotes.join(' ')).toMatch(/Alignment cost model: external/);
  });

  it('keeps an empty cell as a failed utterance of that backend, counted', async () => {
    const f = join(dir, 'holes.csv');
    writeFileSync(f, 'utt,spk,accent,wer,n\nu1,s1,us,0.5,2\nu2,s2,us,,4\n');
    const out = join(dir, 'holes');
    const s = await importScores(f, out, { columns: parseScoreColumns('id=utt,speaker=spk,label.accent=accent'), backends: [parseBackendColumns('x:wer=wer,words=n')], toolVersion: 't' });
    expect(s.missing).toBe(1);
    const run = loadRunForReport(out);
    expect(run.utterances.map((u) => u.status)).toEqual(['ok', 'failed']);
    expect(run.utterances[1].error).toMatch(/holes\.csv:3/);
  });

  it('refuses bad tables with file:line', async () => {
    const bad = async (body: string, backend = 'x:wer=wer,words=n') => {
      const f = join(dir, 'bad.csv');
      writeFileSync(f, body);
      return importScores(f, join(dir, 'bad-out'), { columns: parseScoreColumns('id=utt,speaker=spk'), backends: [parseBackendColumns(backend)], toolVersion: 't' });
    };
    await expect(bad('utt,spk,wer,n\nu1,s1,0.33,3\n')).rejects.toThrow(/bad\.csv:2: x: WER 0\.33 × 3 words = 0\.9900 errors, not a whole number/);
    await expect(bad('utt,spk,wer,n\nu1,s1,abc,3\n')).rejects.toThrow(/bad\.csv:2: x wer column "wer" is not a non-negative number: "abc"/);
    await expect(bad('utt,spk,wer\nu1,s1,0.5\n')).rejects.toThrow(/bad\.csv:1: missing column\(s\) n/);
    await expect(bad('utt,spk,wer,n\nu1,s1,0.5,2\nu1,s2,0.5,2\n')).rejects.toThrow(/bad\.csv:3: duplicate utterance id "u1" \(first on line 2\)/);
    await expect(bad('utt,spk,s,d,i,n\nu1,s1,2,2,0,3\n', 'x:sub=s,del=d,ins=i,words=n')).rejects.toThrow(/bad\.csv:2: x: substitutions \+ deletions \(4\) exceed the reference words \(3\)/);
    await expect(bad('utt,spk,e,n\nu1,s1,1.5,3\n', 'x:errors=e,words=n')).rejects.toThrow(/bad\.csv:2: x errors column "e" is not a whole number/);
    await expect(bad('utt,spk,wer,n\nu1,s1,0.5,0\n')).rejects.toThrow(/bad\.csv:2: x: WER 0\.5 on 0 reference words is undefined/);
    expect(() => parseBackendColumns('x:wer=w')).toThrow(/words=<column>/);
    expect(() => parseBackendColumns('x:wer=w,errors=e,words=n')).toThrow(/exactly one/);
  });
});
