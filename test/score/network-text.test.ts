// networkText writes a reference network back in sclite's markup: what results.jsonl `refNetwork` holds and
// `compare` pairs on, the same for every backend whatever alternative its alignment chose.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMarkup } from '../../src/text/markup.ts';
import { networkText } from '../../src/score/network-text.ts';

const SCTK = join(import.meta.dirname, '../../../shared/data/sctk-sclite-testdata');
const text = (t: string) => {
  const p = parseMarkup(t, { optionalDeletable: true });
  if (p.kind !== 'network') throw new Error(`not a network: ${t}`);
  return networkText(p.net);
};

describe('networkText', () => {
  it.each([
    ['{ ok / okay } let us go', '{ ok / okay } let us go'],
    ['a { b c / @ } d', 'a { b c / @ } d'],
    ['a { b { c / d } / e } f', 'a { b { c / d } / e } f'],
    ["i { can't / cannot / can not } go", "i { can't / cannot / can not } go"],
    ['x (uh) y', 'x (uh) y'],
  ])('%s', (input, expected) => expect(text(input)).toBe(expected));

  it('every csrnab reference with an alternation reads back as itself (case folded), and re-parses to the same text', () => {
    const lines = readFileSync(join(SCTK, 'csrnab.ref'), 'latin1').split('\n').filter((l) => l.includes('{'));
    expect(lines.length).toBeGreaterThan(3);
    for (const l of lines) {
      const body = l.replace(/\s*\([^()]+\)\s*$/, '');
      const t = text(body);
      expect(t).toBe(body.toLowerCase().replace(/\s+/g, ' ').trim());
      expect(text(t)).toBe(t);
    }
  });
});
