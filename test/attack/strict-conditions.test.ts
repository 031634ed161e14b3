/**
 * Issue 13, item 8: unknown keys inside condition steps (`lowHz`, `bitrate`) were ignored and a different
 * condition ran. Steps are strict like the rest of the suite: the key is an error naming file and line.
 */
import { describe, expect, it } from 'vitest';
import { parseSuite } from '../../src/run/suite.ts';
import { parseCondition } from '../../src/audio/conditions.ts';

const suite = (step: string) =>
  `name: s\nmanifest: m.jsonl\nbackends:\n  - type: hypotheses\n    options: { file: h.jsonl }\nconditions:\n  - name: c\n    steps:\n      - ${step}\n`;

describe('condition steps are strict', () => {
  it('smallest input: a telephone step with lowHz is rejected', () => {
    expect(() => parseCondition({ name: 'c', steps: [{ type: 'telephone', lowHz: 500 }] })).toThrow(/lowHz/);
  });

  for (const [step, key] of [
    ['{ type: telephone, lowHz: 500 }', 'lowHz'],
    ['{ type: codec, codec: mp3, bitrate: 16 }', 'bitrate'],
    ['{ type: noise, snrDb: 10, colour: pink }', 'colour'],
    ['{ type: hum, snrDb: 10, freq: 60 }', 'freq'],
    ['{ type: babble, snrDb: 5, sources: [a.wav], talker: 3 }', 'talker'],
  ] as const) {
    it(`rejects ${key}, naming the suite file and line`, () => {
      expect(() => parseSuite(suite(step), '/x/suite.yaml')).toThrow(new RegExp(`^/x/suite\\.yaml:9: conditions\\[0\\]\\.steps\\[0\\].*${key}`));
    });
  }

  it('an unknown key next to the steps is rejected too', () => {
    expect(() => parseSuite(suite('{ type: gain, db: 3 }') + '    seeds: 3\n', '/x/suite.yaml')).toThrow(/seeds/);
  });

  it('valid steps still parse with their defaults', () => {
    const s = parseSuite(suite('{ type: telephone, low: 300 }'), '/x/suite.yaml');
    expect(s.conditions[0].spec).toEqual({ steps: [{ type: 'telephone', low: 300 }] });
  });
});
