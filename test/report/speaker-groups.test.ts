// A speaker whose utterances declare different groups is counted once per group (trial 21: the relabelled Artie
// manifest's 688 speakers shown as 1150, clustered errors over 1150 clusters, no warning). run, report and check now
// warn once per grouping key: the count, one example speaker with file:line of two of its groups.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';

const MANIFEST = join(import.meta.dirname, '../../corpora/artie-bias-corpus/manifest.jsonl');
const AMAZON = join(import.meta.dirname, '../../../shared/data/artie-bias-corpus/predictions/amazon/en-US/dec-9-2019.tsv');

const dir = mkdtempSync(join(tmpdir(), 'asrfair-speaker-groups-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Row { id: string; speaker: string; labels: Record<string, string> }
const rows = readFileSync(MANIFEST, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Row);
// Each speaker's second utterance declares another accent (us ↔ england), as a relabelled manifest would.
const seen = new Map<string, number>();
const relabelled = rows.map((r) => {
  const k = (seen.get(r.speaker) ?? 0) + 1;
  seen.set(r.speaker, k);
  if (k !== 2) return r;
  return { ...r, labels: { ...r.labels, accent: r.labels.accent === 'us' ? 'england' : 'us' } };
});
const speakers = seen.size;
const crossing = [...seen.values()].filter((n) => n >= 2).length;
const manifest = join(dir, 'relabelled.jsonl');
const first = relabelled.findIndex((r) => seen.get(r.speaker)! >= 2);
const second = relabelled.findIndex((r, i) => i > first && r.speaker === relabelled[first].speaker);

let run: Awaited<ReturnType<typeof cli>>;
beforeAll(async () => {
  writeFileSync(manifest, relabelled.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const suite = join(dir, 's.yaml');
  writeFileSync(
    suite,
    `name: relabelled\nmanifest: ${manifest}\ngroupBy: [accent]\nnormaliser: basic\nseed: 1\nbootstrap: { B: 200 }\n` +
      `backends:\n  - { name: amazon, type: hypotheses, options: { file: ${AMAZON}, idFrom: basename-without-extension } }\n`,
  );
  run = await cli('run', suite, '--store', join(dir, 's.sqlite'), '--out', join(dir, 'run'), '--no-progress');
}, 180_000);

const warnings = (s: string) => s.split('\n').filter((l) => l.includes('speakers declare more than one group'));

describe('speakers declaring several groups of a grouping key', () => {
  it('run warns once, counting them and naming an example with manifest file:line', () => {
    expect(run.code, run.stderr).toBe(0);
    const w = warnings(run.stderr);
    expect(w).toHaveLength(1);
    const g1 = relabelled[first].labels.accent || 'undeclared';
    const g2 = relabelled[second].labels.accent || 'undeclared';
    expect(w[0]).toBe(
      `asrfair: warning: accent: ${crossing} of ${speakers} speakers declare more than one group (e.g. speaker "${relabelled[first].speaker.slice(0, 12)}…" is "${g1}" at ${manifest}:${first + 1} and "${g2}" at ${manifest}:${second + 1}); ` +
        `each is counted once in every group it declares, ${speakers} speakers as ${(speakers + crossing).toLocaleString("en-US")}: speaker counts, the speaker bootstrap, the group-vs-rest permutation test and the model view's clustered errors take them for different speakers, and assume each speaker in one group`,
    );
  });

  it('report and check say the same count, located in results.jsonl', async () => {
    for (const args of [['report', join(dir, 'run'), '--out', join(dir, 'rep'), '--format', 'md'], ['check', join(dir, 'run'), '--max-wer', '0.9']]) {
      const r = await cli(...args);
      const w = warnings(r.stderr);
      expect(w, r.stderr).toHaveLength(1);
      expect(w[0]).toContain(`accent: ${crossing} of ${speakers} speakers declare more than one group`);
      expect(w[0]).toMatch(/results\.jsonl:\d+ and "[^"]+" at \S+results\.jsonl:\d+\)/);
    }
    // The card says it too (stderr is lost in CI logs): counts only, no speaker id.
    const md = readFileSync(join(dir, 'rep', 'card.md'), 'utf8');
    expect(md).toContain(`Speakers in several groups: accent: ${crossing} of ${speakers} speakers declare more than one group; each is counted once in every group it declares`);
    expect(md).not.toContain(relabelled[first].speaker.slice(0, 12));
  });

  it('the real manifest (each speaker one accent) gives no such warning', async () => {
    const r = await cli('check', join(dir, 'run'), '--max-wer', '0.9', '--group-by', 'gender');
    expect(warnings(r.stderr)).toEqual([]);
  });
});
