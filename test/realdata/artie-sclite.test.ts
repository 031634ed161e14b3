import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { runSclite, scliteAvailable } from '../score/sclite-run.ts';
import { loadRunForReport } from '../../src/score/run-export.ts';
import { buildServiceCard } from '../../src/report/model.ts';

const SUITE = join(import.meta.dirname, '../../manifests/suites/artie-vendors.yaml');

/**
 * Figures measured independently of asrfair on the same data (../shared/data/README.md: lower-cased, punctuation
 * stripped, pooled WER). Their normaliser is not ours (hyphens, apostrophes), so they agree to within 0.5 pp.
 */
const PUBLISHED: Record<string, Record<string, number>> = {
  'google-en-US': { us: 0.189, england: 0.306, indian: 0.294 },
  'amazon-en-US': { us: 0.186, england: 0.222, indian: 0.349 },
};

describe.skipIf(!scliteAvailable)('Artie bias corpus: Amazon and Google en-US per-accent WER equals Debian sclite on the same normalised trn', () => {
  it('runs the text-only suite, writes trn files per vendor (speaker = accent) and compares every accent with sclite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'artie-sclite-'));
    const out = join(dir, 'run');
    const r = await cli('run', SUITE, '--backend', 'amazon-en-US,google-en-US', '--store', join(dir, 'store.sqlite'), '--out', out, '--no-progress');
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/artie-vendors\): done, 1712 utterances/);
    const run = loadRunForReport(out);
    expect(run.utterances).toHaveLength(2 * 1712);
    expect(run.utterances.every((u) => u.status === 'ok')).toBe(true);
    const card = buildServiceCard(run.meta, run.utterances, { groupBy: 'accent', bootstrap: 100, seed: 1, model: 'none' });
    for (const name of Object.keys(PUBLISHED)) {
      const key = run.meta.backends.find((b) => b.name === name)!.key;
      const rows = run.utterances.filter((u) => u.backend === key);
      // sclite's speaker is the id's prefix before the first '-' (-i rm): make it the accent.
      const trn = (side: 'ref' | 'hyp') => rows.map((u) => `${u[side]} (${u.labels.accent}-${u.id})`).join('\n') + '\n';
      writeFileSync(join(dir, `${name}.ref.trn`), trn('ref'));
      writeFileSync(join(dir, `${name}.hyp.trn`), trn('hyp'));
      const sc = runSclite(join(dir, `${name}.ref.trn`), join(dir, `${name}.hyp.trn`));
      const table = card.tables.find((t) => t.kind === 'group' && t.backendName === name)!;
      expect(table.rows.map((x) => x.group).sort()).toEqual(sc.rawSpeakers.map((s) => s.speaker).sort());
      expect(sc.rawSpeakers.length).toBe(18); // 17 declared accents + undeclared
      for (const s of sc.rawSpeakers) {
        const row = table.rows.find((x) => x.group === s.speaker)!;
        expect(row.refWords, `${name} ${s.speaker}`).toBe(s.words);
        expect(row.wer!.estimate, `${name} ${s.speaker}`).toBeCloseTo(s.err / s.words, 12);
        const mine = rows.filter((u) => u.labels.accent === s.speaker);
        const sum = (k: 'sub' | 'del' | 'ins') => mine.reduce((a, u) => a + u.words[k], 0);
        expect([sum('sub'), sum('del'), sum('ins')], `${name} ${s.speaker} S/D/I`).toEqual([s.sub, s.del, s.ins]);
      }
      for (const [accent, wer] of Object.entries(PUBLISHED[name])) {
        const row = table.rows.find((x) => x.group === accent)!;
        expect(Math.abs(row.wer!.estimate - wer), `${name} ${accent}: ours ${row.wer!.estimate} vs published ${wer}`).toBeLessThanOrEqual(0.005);
      }
    }
    // Every Google en-US clip the vendor returned nothing for is scored as all deletions (status ok, empty hyp).
    const googleKey = run.meta.backends.find((b) => b.name === 'google-en-US')!.key;
    const empty = run.utterances.filter((u) => u.backend === googleKey && u.hyp === '');
    expect(empty).toHaveLength(36);
    expect(empty.every((u) => u.words.del === u.words.ref && u.words.ins === 0)).toBe(true);
    expect(readFileSync(join(out, 'run.json'), 'utf8')).toContain('artie-bias-corpus');
  }, 240_000);
});
