/**
 * Trial 19: adapt wrote pronunciation alternates only for words of the train, dev *and test* references (planted corpus:
 * 12 entries), so the adapted decoder was never hurt by alternates of words the test speakers do not say. README: every
 * dictionary word whose pronunciation has the phone gets one. Here: Debian's CMUdict (what adapt reads by default) and
 * the trial's rules; the vocabulary adapt passes is none (src/adapt/pipeline.ts), so this is what it writes.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeVariantDictionary } from '../../src/adapt/variants.ts';
import { defaultPocketSphinxOptions } from '../../src/backends/pocketsphinx.ts';

const dir = mkdtempSync(join(tmpdir(), 'asrfair-variants-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('variant dictionaries cover the whole dictionary, not the corpus', () => {
  it('every CMUdict word with TH or DH gets an alternate (TH→T, DH→D)', async () => {
    const dict = defaultPocketSphinxOptions().dict;
    const withPhone = new Set(
      readFileSync(dict, 'utf8').split('\n').filter((l) => /\s(TH|DH)(\s|$)/.test(l)).map((l) => l.split(/\s/, 1)[0].replace(/\(\d+\)$/, '')),
    );
    const r = await writeVariantDictionary(dict, join(dir, 'v.dict'), [{ ref: 'TH', hyp: 'T' }, { ref: 'DH', hyp: 'D' }]);
    // All but the few whose stopped form is already one of theirs (e.g. "thai" has T AY).
    expect(r.words).toBeGreaterThan(0.99 * withPhone.size);
    expect(r.words).toBeLessThanOrEqual(withPhone.size);
    const out = readFileSync(join(dir, 'v.dict'), 'utf8');
    // Words no planted sentence says get theirs too.
    expect(out).toMatch(/^thermometer\(2\) T ER M AA M AH T ER$/m);
    expect(out).toMatch(/^the\(\d\) D /m);
  });
});
