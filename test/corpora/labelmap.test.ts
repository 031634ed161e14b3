import { describe, expect, it } from 'vitest';
import { LabelMapper, parseLabelMap } from '../../src/manifest/labelmap.ts';
import { InputError } from '../../src/manifest/errors.ts';

const YAML = `accent:
  "Scottish English": scottish
  "/\\\\b(glaswegian|scots?)\\\\b/i": scottish
  "/^(us|american|united states)/i": us
  "Prefer not to say": null
l1:
  Mandarin: chinese
`;

describe('label maps', () => {
  it('exact (case/space-insensitive) entries, regexes in order, null = declared non-answer', () => {
    const m = new LabelMapper(parseLabelMap(YAML, 'map.yaml'));
    const labels: Record<string, string> = {};
    m.assign(labels, 'accent', '  scottish   ENGLISH ');
    expect(labels).toEqual({ accent: 'scottish', accent_raw: '  scottish   ENGLISH ' }); // raw kept verbatim
    expect(m.canonical('accent', 'A bit Glaswegian')).toBe('scottish');
    expect(m.canonical('accent', 'United States English')).toBe('us');
    const none: Record<string, string> = {};
    m.assign(none, 'accent', 'prefer not to say');
    expect(none).toEqual({ accent_raw: 'prefer not to say' });
    const blank: Record<string, string> = {};
    m.assign(blank, 'accent', '   ');
    expect(blank).toEqual({});
  });

  it('counts unmapped values of mapped keys only, and keeps them as normalised raw text', () => {
    const m = new LabelMapper(parseLabelMap(YAML, 'map.yaml'));
    expect(m.canonical('accent', 'Kiwi')).toBe('kiwi');
    m.canonical('accent', 'Kiwi');
    m.canonical('accent', 'Geordie');
    m.canonical('gender', 'female'); // no section for gender: not reported
    expect(m.unmappedValues()).toEqual([
      { key: 'accent', raw: 'Kiwi', count: 2 },
      { key: 'accent', raw: 'Geordie', count: 1 },
    ]);
    expect(m.formatReport()).toContain('accent: "Kiwi" ×2');
  });

  it('bad YAML or a bad regex names the file and line', () => {
    expect(() => parseLabelMap('accent:\n  "/([a-z/": x\n', 'bad.yaml')).toThrow(/bad\.yaml:2: .*invalid regex/);
    expect(() => parseLabelMap('accent: [unclosed\n', 'bad2.yaml')).toThrow(InputError);
    expect(() => parseLabelMap('accent:\n  x: [1, 2]\n', 'bad3.yaml')).toThrow(/bad3\.yaml:2: .*string or null/);
  });
});

describe('unmapped report', () => {
  it('lists the 20 most frequent unmapped values, then counts the rest per key', async () => {
    const m = new LabelMapper(parseLabelMap('accent:\n  us: us\n', 'm.yaml'));
    for (let i = 0; i < 25; i++) for (let k = 0; k <= i; k++) m.canonical('accent', `free text ${i}`);
    const lines = m.formatReport().trimEnd().split('\n');
    expect(lines).toHaveLength(22);
    expect(lines[1]).toBe('  accent: "free text 24" ×25');
    expect(lines[21]).toBe('  accent: 5 more values not shown (15 utterances)'); // 1+2+3+4+5
  });
});
