import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');
const SHIPPED = join(ROOT, 'corpora');
const SHARED = join(import.meta.dirname, '../../../shared/data');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const pcm = (file: string) => sha(spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 's16le', '-'], { maxBuffer: 1 << 26 }).stdout);

describe('shipped real corpora match their sources (PROVENANCE.md)', () => {
  it('Artie and the CV sample are byte-identical copies, plus PROVENANCE, licence, manifest and its import record only', () => {
    for (const name of ['artie-bias-corpus', 'cv-6.1-en-sample']) {
      const src = files(join(SHARED, name)).map((f) => relative(join(SHARED, name), f)).sort();
      const ours = files(join(SHIPPED, name)).map((f) => relative(join(SHIPPED, name), f)).sort();
      expect(ours.filter((f) => !src.includes(f)), name).toEqual(name === 'artie-bias-corpus' ? ['PROVENANCE.md', 'manifest.import.json', 'manifest.jsonl'] : ['LICENSE', 'PROVENANCE.md', 'manifest.import.json', 'manifest.jsonl']);
      expect(src.filter((f) => !ours.includes(f)), name).toEqual([]);
      for (const f of src) expect(sha(readFileSync(join(SHIPPED, name, f))), `${name}/${f}`).toBe(sha(readFileSync(join(SHARED, name, f))));
    }
  });

  it('the Artie manifest is what scripts/artie-manifest.mjs builds from the corpus TSV (NA = undeclared)', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts/artie-manifest.mjs'), '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const rows = readFileSync(join(SHIPPED, 'artie-bias-corpus/manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { audio?: string; labels: Record<string, string> });
    expect(rows).toHaveLength(1712);
    expect(rows.every((r) => r.audio === undefined)).toBe(true);
    expect(rows.filter((r) => r.labels.accent === undefined)).toHaveLength(562); // README: 562 NA
    expect(rows.filter((r) => r.labels.accent === 'indian')).toHaveLength(264);
  });

  it('speechocean762: 10 utterances per speaker, FLAC decoding to the source WAV samples, Kaldi files consistent', () => {
    const dir = join(SHIPPED, 'speechocean762-sample');
    const scp = readFileSync(join(dir, 'test/wav.scp'), 'utf8').trim().split('\n').map((l) => l.split(/\s+/));
    expect(scp).toHaveLength(120);
    const text = new Map(readFileSync(join(SHARED, 'speechocean762-sample/test/text'), 'utf8').trim().split('\n').map((l) => [l.split(/\s/)[0], l]));
    expect(readFileSync(join(dir, 'test/text'), 'utf8').trim().split('\n').every((l) => text.get(l.split(/\s/)[0]) === l)).toBe(true);
    expect(readFileSync(join(dir, 'test/spk2age'), 'utf8')).toBe(readFileSync(join(SHARED, 'speechocean762-sample/test/spk2age'), 'utf8'));
    const perSpeaker = new Map<string, number>();
    for (const [, p] of scp) perSpeaker.set(p.split('/')[1], (perSpeaker.get(p.split('/')[1]) ?? 0) + 1);
    expect([...perSpeaker.values()]).toEqual(Array(12).fill(10));
    // Lossless: a sample of the FLAC files decodes to the very samples of the source WAV.
    for (const [, p] of [scp[0], scp[59], scp[119]]) {
      expect(p).toMatch(/\.flac$/);
      expect(pcm(join(dir, p)), p).toBe(pcm(join(SHARED, 'speechocean762-sample', p.replace(/\.flac$/, '.WAV'))));
    }
    const bytes = scp.reduce((a, [, p]) => a + statSync(join(dir, p)).size, 0);
    expect(bytes).toBeLessThan(9_000_000);
  });

  it('nothing from CORAAL (CC BY-NC-SA: tests only) is shipped', () => {
    const all = files(SHIPPED).map((f) => relative(SHIPPED, f));
    expect(all.filter((f) => /coraal|DCB_se|ATL_se|ROC_se/i.test(f))).toEqual([]);
  });
});
