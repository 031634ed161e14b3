import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { runSuite } from '../../src/run/engine.ts';
import { RunStore } from '../../src/run/store.ts';
import { getBackendFactory } from '../../src/backends/index.ts';
import { contentHash, hashCacheFile } from '../../src/backends/content-hash.ts';
import { POCKETSPHINX_MODEL_DIR } from '../../src/backends/pocketsphinx-batch.ts';
import { getNormaliser } from '../../src/text/normalise.ts';
import { suiteIn, tmp } from '../run/helpers.ts';

// Real speech from Debian's pocketsphinx-testdata; the dictionary is Debian's cmudict-en-us, copied so it can be edited.
const DATA = '/usr/share/pocketsphinx/test/data/librivox';
const dir = tmp('asrfair-pskey-');
const prevCache = process.env.ASRFAIR_HASH_CACHE;
process.env.ASRFAIR_HASH_CACHE = join(dir, 'hashes.json');
afterAll(() => {
  if (prevCache === undefined) delete process.env.ASRFAIR_HASH_CACHE;
  else process.env.ASRFAIR_HASH_CACHE = prevCache;
  rmSync(dir, { recursive: true, force: true });
});

describe('pocketsphinx result keys follow the model files\' contents', () => {
  it('a dictionary edited in place is decoded again on rerun; an unchanged one is reused', async () => {
    const dict = join(dir, 'model', 'my.dict');
    mkdirSync(join(dir, 'model'));
    copyFileSync(`${POCKETSPHINX_MODEL_DIR}/cmudict-en-us.dict`, dict);
    writeFileSync(
      join(dir, 'manifest.jsonl'),
      JSON.stringify({ id: '0880', audio: `${DATA}/sense_and_sensibility_01_austen_64kb-0880.wav`, text: 'he was not an ill disposed young man', speaker: 'reader', labels: { accent: 'a' } }) + '\n',
    );
    const suite = suiteIn(dir, 'name: key\nmanifest: manifest.jsonl\nbackends:\n  - {name: sphinx, type: pocketsphinx, options: {processes: 1, dict: model/my.dict}}\nconcurrency: 1\n');
    const store = new RunStore(join(dir, 'store.sqlite'));
    const run = async () => {
      const b = await getBackendFactory('pocketsphinx').create({ processes: 1, dict: 'model/my.dict' }, { baseDir: dir });
      const s = await runSuite({ suite, normaliser: getNormaliser(suite.normaliser), store, backends: new Map([['sphinx', b]]), audioCacheDir: join(dir, 'cache') });
      return { cell: s.cells[0], key: b.key };
    };
    try {
      const first = await run();
      expect(first.cell).toMatchObject({ called: 1, cached: 0, ok: 1 });
      const again = await run();
      expect(again.key).toBe(first.key);
      expect(again.cell).toMatchObject({ called: 0, cached: 1 });
      // Same path, new content (one pronunciation changed): a new key, so the rerun decodes instead of serving old results.
      const text = readFileSync(dict, 'utf8');
      expect(text).toMatch(/^young Y AH NG$/m);
      writeFileSync(dict, text.replace(/^young Y AH NG$/m, 'young Z UW'));
      const edited = await run();
      expect(edited.key).not.toBe(first.key);
      expect(edited.cell).toMatchObject({ called: 1, cached: 0 });
    } finally {
      store.close();
    }
  });

  it('keys on content, not path: the same files elsewhere keep the key; a changed acoustic model folder or MLLR file changes it', async () => {
    const f = getBackendFactory('pocketsphinx');
    const hmm = join(dir, 'hmm');
    mkdirSync(hmm);
    for (const n of ['feat.params', 'mdef', 'means', 'noisedict', 'sendump', 'transition_matrices', 'variances']) copyFileSync(`${POCKETSPHINX_MODEL_DIR}/en-us/${n}`, join(hmm, n));
    const a = await f.create({ hmm, processes: 1 }, { baseDir: dir });
    const b = await f.create({ hmm: 'hmm', processes: 1 }, { baseDir: dir });
    expect(b.key).toBe(a.key);
    const means = readFileSync(join(hmm, 'means'));
    means[means.length - 1] ^= 1;
    writeFileSync(join(hmm, 'means'), means);
    const c = await f.create({ hmm, processes: 1 }, { baseDir: dir });
    expect(c.key).not.toBe(a.key);
    // A file named in a decoder flag (here -fdict, the filler dictionary) counts by content too.
    const noise = join(dir, 'noisedict');
    copyFileSync(`${POCKETSPHINX_MODEL_DIR}/en-us/noisedict`, noise);
    const d1 = await f.create({ flags: { fdict: noise }, processes: 1 }, { baseDir: dir });
    writeFileSync(noise, readFileSync(noise, 'utf8') + '++UM++ SIL\n');
    const d2 = await f.create({ flags: { fdict: noise }, processes: 1 }, { baseDir: dir });
    expect(d2.key).not.toBe(d1.key);
    await Promise.all([a, b, c, d1, d2].map((x) => x.close?.()));
  });

  it('memoises file hashes by path, size and mtime in the hash cache file', () => {
    const p = join(dir, 'x.txt');
    writeFileSync(p, 'abc');
    const h = contentHash(p);
    expect(h).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'); // sha256("abc"), FIPS 180-2 example
    expect(existsSync(hashCacheFile())).toBe(true);
    const memo = JSON.parse(readFileSync(hashCacheFile(), 'utf8')) as Record<string, { sha256: string; size: number }>;
    expect(memo[p]).toMatchObject({ sha256: h, size: 3 });
    writeFileSync(p, 'abd');
    expect(contentHash(p)).not.toBe(h);
  });

  it('trusts a memoised hash while path, size, mtime and inode are unchanged (the file is not read again)', () => {
    const p = join(dir, 'old.txt');
    writeFileSync(p, 'abc');
    const old = new Date(Date.now() - 3600_000);
    utimesSync(p, old, old);
    const h = contentHash(p);
    // Same size and mtime, other bytes: only a read would notice, and the memo spares the read.
    writeFileSync(p, 'xyz');
    utimesSync(p, old, old);
    expect(contentHash(p)).toBe(h);
    // Touched (mtime changed): read again.
    utimesSync(p, new Date(), new Date());
    expect(contentHash(p)).not.toBe(h);
  });
});

describe('command backend keys follow its modelFiles', () => {
  it('a model file or folder listed in modelFiles edited in place changes the key; a log the command writes does not', async () => {
    const f = getBackendFactory('command');
    const dict = join(dir, 'cmd.dict');
    const lm = join(dir, 'lmdir');
    const log = join(dir, 'calls.log');
    mkdirSync(lm);
    writeFileSync(dict, 'hello HH AH L OW\n');
    writeFileSync(join(lm, 'x.lm'), 'a');
    writeFileSync(log, '');
    const opts = { command: `pocketsphinx_continuous -infile {wav16k} -dict ${dict} -logfn ${log}`, modelFiles: ['cmd.dict', 'lmdir'], cwd: '.' };
    const a = await f.create(opts, { baseDir: dir });
    writeFileSync(log, 'one call\n');
    expect((await f.create(opts, { baseDir: dir })).key).toBe(a.key);
    writeFileSync(dict, 'hello HH EH L OW\n');
    const b = await f.create(opts, { baseDir: dir });
    expect(b.key).not.toBe(a.key);
    writeFileSync(join(lm, 'x.lm'), 'b');
    expect((await f.create(opts, { baseDir: dir })).key).not.toBe(b.key);
    await expect(f.create({ ...opts, modelFiles: ['missing.bin'] }, { baseDir: dir })).rejects.toThrow(/model file not found: .*missing\.bin/);
  });
});
