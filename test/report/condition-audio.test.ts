/**
 * Fresh-user trial 10, item 1: in a card with acoustic conditions every condition's players loaded the source
 * clip (results.jsonl records one `audio` path per utterance) and nothing said so. The run export does not carry
 * the conditions' prepared audio (it is in the audio cache; copying it would multiply the export by the number of
 * conditions), so each non-clean condition's players say they play the source recording. Real data: Common
 * Voice 6.1 clips through the real audio stage (ffmpeg telephone band), PocketSphinx and a hypotheses backend (the
 * transcripts; clean audio only, since it reads none).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliIn } from '../helpers/cli.ts';

const CV = join(import.meta.dirname, '../../corpora/cv-6.1-en-sample');
const dir = mkdtempSync(join(tmpdir(), 'cond-audio-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('card: the players of a condition table say what they play', () => {
  it('captions the telephone table\'s players "source recording, not the telephone version"; clean has no caption', async () => {
    const rows = readFileSync(join(CV, 'manifest.jsonl'), 'utf8').trim().split('\n').slice(0, 4).map((l) => JSON.parse(l) as { id: string; audio: string; text: string });
    mkdirSync(join(dir, 'en/clips'), { recursive: true });
    for (const r of rows) copyFileSync(join(CV, r.audio), join(dir, r.audio));
    writeFileSync(join(dir, 'm.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    writeFileSync(join(dir, 'hyp.jsonl'), rows.map((r) => JSON.stringify({ id: r.id, text: r.text })).join('\n') + '\n');
    writeFileSync(
      join(dir, 'suite.yaml'),
      // A condition needs a backend that reads audio (trial 16: a text-only suite with conditions is refused); the
      // hypotheses backend then runs on the clean audio only.
      'name: cond\nmanifest: m.jsonl\ngroupBy: [gender]\nbackends:\n  - { name: hyp, type: hypotheses, options: { file: hyp.jsonl } }\n  - { name: ps, type: pocketsphinx }\n' +
        'conditions:\n  - name: telephone\n    steps:\n      - { type: telephone, low: 300, high: 3400, mulaw: true }\n',
    );
    const r = await cliIn(['run', 'suite.yaml', '--store', 'store.sqlite', '--out', 'out', '--no-progress', '--no-gate'], dir);
    expect(r.code, r.stderr).toBe(0);
    const results = readFileSync(join(dir, 'out/results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { condition: string; audio: string });
    expect(new Set(results.map((x) => x.condition))).toEqual(new Set(['clean', 'telephone']));
    const rep = await cliIn(['report', 'out', '--format', 'html', '--out', 'card', '--model', 'none'], dir);
    expect(rep.code, rep.stderr).toBe(0);
    const html = readFileSync(join(dir, 'card/card.html'), 'utf8');
    const caption = 'The players play the source recording, not the telephone version.';
    const sections = html.split('<section').filter((s) => s.includes('<audio '));
    const tel = sections.filter((s) => s.includes('telephone'));
    const clean = sections.filter((s) => !s.includes('telephone'));
    expect(tel.length).toBeGreaterThan(0);
    expect(clean.length).toBeGreaterThan(0);
    for (const s of tel) {
      expect(s).toContain(`<p class="meta audio-note">${caption}</p>`);
      const players = s.match(/<audio [^>]*>/g)!;
      expect(players.length).toBeGreaterThan(0);
      for (const p of players) expect(p).toContain(`title="${caption}"`);
    }
    for (const s of clean) expect(s).not.toContain('source recording');
  }, 180_000);
});
