/**
 * The code version stamped on reusable results (adapt's steps, the glass result cache): the package version and a sha256
 * over the source files a module imports, transitively, and the data files it opens by `new URL(…, import.meta.url)`.
 * On a copy of this checkout's real sources: an edit to an imported file or a version bump changes it, an edit elsewhere
 * does not; a package without src/ hashes its compiled dist/ modules.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { codeVersion } from '../../src/backends/code-version.ts';
import { GlassResultCache, glassDecoderCode } from '../../src/backends/glass-cache.ts';

const ROOT = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'asrfair-code-version-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of this checkout's package.json and src/ (each copy is its own root: versions are memoised per root). */
function copy(name: string): string {
  const root = join(dir, name);
  cpSync(join(ROOT, 'src'), join(root, 'src'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(root, 'package.json'));
  return root;
}
const STEP = ['adapt/sphinxtrain.ts'];

describe('codeVersion', () => {
  it('names the package version and hashes the sources, not where they sit: a copy has the same version', () => {
    const v = codeVersion(STEP);
    const pkg = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    expect(v).toMatch(new RegExp(`^asrfair ${pkg.replace(/\./g, '\\.')}, source sha256 [0-9a-f]{12} \\(\\d+ files\\)$`));
    expect(codeVersion(STEP, copy('same'))).toBe(v);
  });

  it('an edit to a file the module imports (sendump.ts, through sphinxtrain.ts) changes it; an edit elsewhere does not', () => {
    const v = codeVersion(STEP);
    const edited = copy('imported');
    writeFileSync(join(edited, 'src/adapt/sendump.ts'), readFileSync(join(edited, 'src/adapt/sendump.ts'), 'utf8') + '\n// changed\n');
    expect(codeVersion(STEP, edited)).not.toBe(v);
    const other = copy('elsewhere');
    writeFileSync(join(other, 'src/report/format.ts'), readFileSync(join(other, 'src/report/format.ts'), 'utf8') + '\n// changed\n');
    expect(codeVersion(STEP, other)).toBe(v);
  });

  it('a new package version changes it', () => {
    const root = copy('bumped');
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    writeFileSync(join(root, 'package.json'), JSON.stringify({ ...pkg, version: '99.0.0' }));
    expect(codeVersion(STEP, root)).toMatch(/^asrfair 99\.0\.0, /);
    expect(codeVersion(STEP, root).split(', ')[1]).toBe(codeVersion(STEP).split(', ')[1]);
  });

  it('follows data files opened by new URL(…, import.meta.url) (the english normaliser\'s spellings)', () => {
    const v = codeVersion(['text/english.ts']);
    const root = copy('data');
    writeFileSync(join(root, 'src/text/data/english-spellings.json'), '{}');
    expect(codeVersion(['text/english.ts'], root)).not.toBe(v);
  });

  it('without src/, hashes the compiled dist/ modules (.js for .ts); a missing entry module is an error naming it', () => {
    const root = join(dir, 'built');
    mkdirSync(join(root, 'dist', 'x'), { recursive: true });
    writeFileSync(join(root, 'package.json'), JSON.stringify({ version: '1.2.3' }));
    writeFileSync(join(root, 'dist/x/a.js'), "import { b } from './b.js';\nexport const a = b;\n");
    writeFileSync(join(root, 'dist/x/b.js'), 'export const b = 1;\n');
    expect(codeVersion(['x/a.ts'], root)).toMatch(/^asrfair 1\.2\.3, source sha256 [0-9a-f]{12} \(2 files\)$/);
    expect(() => codeVersion(['x/missing.ts'], root)).toThrow(`${join(root, 'dist/x/missing.js')}: no such module`);
  });
});

describe('the glass result cache keys on the decoders\' code version', () => {
  it('a result kept by other decoder code is not found (an upgrade decodes again); the same code finds it', () => {
    const cacheDir = join(dir, 'glass-results');
    const wav = join(import.meta.dirname, '../../corpora/speechocean762-sample/WAVE/SPEAKER1030/010300003.WAV');
    const audio = { wav, sha256: 'a'.repeat(64) };
    const now = new GlassResultCache(cacheDir);
    expect(now.code).toBe(glassDecoderCode());
    expect(now.code).toMatch(/^asrfair \S+, source sha256 [0-9a-f]{12} \(\d+ files\); pocketsphinx \S+$/);
    const older = new GlassResultCache(cacheDir, 'asrfair 0.0.9, source sha256 000000000000 (13 files); pocketsphinx 0.8+5prealpha+1-15');
    older.put(older.key('phone-loop', { model: 'm' }, null, audio), [{ phone: 'AA' }]);
    expect(now.get(now.key('phone-loop', { model: 'm' }, null, audio), 'phone-loop')).toBeUndefined();
    now.put(now.key('phone-loop', { model: 'm' }, null, audio), [{ phone: 'B' }]);
    expect(new GlassResultCache(cacheDir).get(now.key('phone-loop', { model: 'm' }, null, audio))).toEqual([{ phone: 'B' }]);
    expect(older.get(older.key('phone-loop', { model: 'm' }, null, audio))).toEqual([{ phone: 'AA' }]);
  });
});
