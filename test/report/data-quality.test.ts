import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { editManifest, tmp, writeCorpus, suiteIn } from '../run/helpers.ts';
import { RunStore } from '../../src/run/store.ts';
import { runSuite } from '../../src/run/engine.ts';
import { exportRun } from '../../src/report/export-run.ts';
import { loadRunForReport, RunMetaSchema } from '../../src/score/run-export.ts';
import type { ScoredUtterance } from '../../src/score/types.ts';
import { buildServiceCard } from '../../src/report/model.ts';
import { renderMarkdown } from '../../src/report/render-md.ts';
import { renderHtml } from '../../src/report/render-html.ts';
import { silentProgress } from '../../src/run/progress.ts';
import '../../src/backends/index.ts';
import { getNormaliser } from '../../src/text/normalise.ts';

describe('the card states, per group, what markup policies removed and which recordings were faulty', () => {
  it('carries manifest markup through the run into a per-group section (md, html, json)', async () => {
    const dir = tmp();
    writeCorpus(dir, [
      { id: 'a1', text: 'one two', speaker: 's1', accent: 'x' },
      { id: 'a2', text: 'three four', speaker: 's2', accent: 'x' },
      { id: 'b1', text: 'five six', speaker: 's3', accent: 'y' },
    ]);
    const markup: Record<string, unknown> = {
      a1: { policy: 'coraal', removed: 3, kinds: { redaction: 2, pause: 1 } },
      a2: { policy: 'coraal', removed: 1, kinds: { nonspeech: 1 } },
    };
    editManifest(dir, (o) => {
      if (markup[o.id]) o.markup = markup[o.id];
    });
    writeFileSync(join(dir, 'hyps.tsv'), 'a1\tone two\na2\tthree four\nb1\tfive six\n');
    writeFileSync(join(dir, 'hyps2.tsv'), 'b1\tfive six\na1\tone two\na2\tthree four\n');
    const suite = suiteIn(dir, `name: dq\nmanifest: manifest.jsonl\nbackends:\n  - name: pre\n    type: hypotheses\n    options: { file: hyps.tsv }\n  - name: pre2\n    type: hypotheses\n    options: { file: hyps2.tsv }\nqc: false\nminCell: { speakers: 1, words: 1 }\n`);
    const store = new RunStore(join(dir, 'store.sqlite'));
    try {
      const s = await runSuite({ suite, normaliser: getNormaliser(suite.normaliser), store, progress: silentProgress, qc: false });
      await exportRun(store, s.runId, join(dir, 'export'));
    } finally {
      store.close();
    }
    const run = loadRunForReport(join(dir, 'export'));
    expect(run.utterances.find((u) => u.id === 'a1')!.markup).toEqual(markup.a1);
    const card = buildServiceCard(run.meta, run.utterances, { groupBy: 'accent', bootstrap: 200, model: 'none' });
    // Counted once per utterance although two backends scored each one.
    expect(card.dataQuality!.rows).toEqual([
      {
        group: 'x', utterances: 2, markupTouched: 2, markupRemoved: 4, markupKinds: { redaction: 2, pause: 1, nonspeech: 1 },
        markupRemovedKinds: { redaction: 2, pause: 1, nonspeech: 1 }, markupKeptKinds: {}, markupDeletableKinds: {}, refWords: 4, audioFlagged: 0, audioFlags: {},
      },
      { group: 'y', utterances: 1, markupTouched: 0, markupRemoved: 0, markupKinds: {}, markupRemovedKinds: {}, markupKeptKinds: {}, markupDeletableKinds: {}, refWords: 2, audioFlagged: 0, audioFlags: {} },
    ]);
    const md = renderMarkdown(card);
    expect(md).toContain('## What was not scored as words, and audio faults, by group');
    expect(md).toContain('| x | 2 | 2 | 4 | redaction 2, nonspeech 1, pause 1 | — | — | 0 | — |');
    expect(md).toContain('Redactions by group: x 2 (500.0 per 1,000 reference words), y 0 (0.0 per 1,000 reference words).');
    expect(md).toMatch(/Markup policy \(README, "Importing corpora"\): coraal: CORAAL conventions/);
    expect(renderHtml(card, run)).toContain('id="s-data-quality"');
  });

  it('counts audio flags per group and explains them; no section when nothing was removed or flagged', () => {
    const base = { speaker: 's', backend: 'b', condition: 'clean', status: 'ok' as const, ref: 'a', hyp: 'a', words: { ref: 1, hits: 1, sub: 0, del: 0, ins: 0 }, chars: { ref: 1, hits: 1, sub: 0, del: 0, ins: 0 } };
    const meta = { format: 'asrfair-run-export', formatVersion: 1, runId: 'r', createdAt: 't', toolVersion: 'v', corpus: { name: 'c', hash: 'h' }, normaliser: { name: 'basic', version: '1' } } as const;
    const rows: ScoredUtterance[] = [
      { ...base, id: 'u1', labels: { accent: 'x' }, audioFlags: ['downmix-cancelled'] },
      { ...base, id: 'u2', labels: { accent: 'x' } },
      { ...base, id: 'u3', labels: { accent: 'y' } },
    ];
    const card = buildServiceCard(loadMeta(meta), rows, { groupBy: 'accent', bootstrap: 200, model: 'none' });
    expect(card.dataQuality!.rows.map((r) => [r.group, r.audioFlagged, r.audioFlags])).toEqual([['x', 1, { 'downmix-cancelled': 1 }], ['y', 0, {}]]);
    expect(renderMarkdown(card)).toMatch(/Audio flags \(the utterance was still scored\): downmix-cancelled: /);
    const plain = buildServiceCard(loadMeta(meta), rows.map(({ audioFlags: _f, ...r }) => r), { groupBy: 'accent', bootstrap: 200, model: 'none' });
    expect(plain.dataQuality).toBeNull();
  });
});

function loadMeta(m: object) {
  return RunMetaSchema.parse(m);
}
