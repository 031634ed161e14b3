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
      // Artie's README is ours in one line (its speaker count, below); every other shipped file is the source's bytes.
      for (const f of src.filter((f) => !(name === 'artie-bias-corpus' && f === 'README.md'))) {
        expect(sha(readFileSync(join(SHIPPED, name, f))), `${name}/${f}`).toBe(sha(readFileSync(join(SHARED, name, f))));
      }
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

  it("Artie's README: every count of its Distributions section is the TSV's (969 speakers, not upstream's 970), its only change", () => {
    const readme = readFileSync(join(SHIPPED, 'artie-bias-corpus/README.md'), 'utf8');
    const upstream = readFileSync(join(SHARED, 'artie-bias-corpus/README.md'), 'utf8');
    const [header, ...rows] = readFileSync(join(SHIPPED, 'artie-bias-corpus/data/artie-bias-corpus.tsv'), 'utf8').trimEnd().split('\n').map((l) => l.split('\t'));
    const col = (name: string) => rows.map((r) => r[header.indexOf(name)]);
    const speakers = new Set(col('client_id')).size;
    expect(readme).toContain(`\n${rows.length} utterances\n${speakers} speakers\n`);
    // The shared copy still says 970 (not ours to edit): the test fails if it is ever fixed there, so this note is revisited.
    expect(upstream).toContain('\n1712 utterances\n970 speakers\n');
    expect(speakers).toBe(969);
    // Each "cut -f N … | uniq -c" block: count and value, as `uniq -c` prints them, equal the TSV's column.
    for (const [name, key] of [['age', 'age'], ['gender', 'gender'], ['accent', 'accent']] as const) {
      const block = readme.split(`## Distribution over ${name}`)[1].split('```')[1];
      const listed = Object.fromEntries([...block.matchAll(/^\s*(\d+) (\S+)$/gm)].map((m) => [m[2], Number(m[1])]));
      const counted: Record<string, number> = {};
      for (const v of col(key)) counted[v] = (counted[v] ?? 0) + 1;
      expect(listed, name).toEqual(counted);
    }
    // Our only change to the upstream file: the speaker count and the note that says what we counted and how.
    const lines = readme.split('\n');
    const from = lines.findIndex((l) => l.startsWith("> asrfair's copy"));
    let to = from;
    while (lines[to].startsWith('> ')) to++;
    expect(from).toBeGreaterThan(0);
    // The note's lines and the blank line after them out, upstream's count back: the upstream file, byte for byte.
    expect([...lines.slice(0, from), ...lines.slice(to + 1)].join('\n').replace('\n969 speakers\n', '\n970 speakers\n')).toBe(upstream);
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
