/**
 * A group recorded below 16 kHz is misrecognised on fricatives whatever its accent (trial 9: a glass run flagged
 * F, S, Z for the same clips resampled to 8 kHz). The black-box card must say when its groups were recorded at
 * different bandwidths: real LibriVox clips through PocketSphinx, once at 16 kHz and once resampled to 8 kHz.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliIn } from '../helpers/cli.ts';
import { LIBRIVOX, librivox, sox } from '../audio/helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'asrfair-bandwidth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('card: groups recorded at different sample rates', () => {
  it('records each utterance\'s source rate and warns in the card (md, json) when the groups\' narrowband shares differ', async () => {
    const transcript = readFileSync(join(LIBRIVOX, 'transcription'), 'utf8');
    const ids = ['0870', '0880', '0890', '0920'];
    const text = (n: string) => new RegExp(`<s>\\s*(.*?)\\s*</s>\\s*\\(sense_and_sensibility_01_austen_64kb-${n}\\)`).exec(transcript)![1];
    for (const n of ids) sox(librivox(n), '-r', '8000', join(dir, `${n}-8k.wav`));
    const rows = ids.flatMap((n, i) => [
      { id: `w${n}`, audio: librivox(n), text: text(n), speaker: `w${i % 2}`, labels: { band: 'wide' } },
      { id: `n${n}`, audio: join(dir, `${n}-8k.wav`), text: text(n), speaker: `n${i % 2}`, labels: { band: 'narrow' } },
    ]);
    writeFileSync(join(dir, 'm.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    writeFileSync(join(dir, 'suite.yaml'), 'name: band\nmanifest: m.jsonl\ngroupBy: [band]\nbackends:\n  - name: ps\n    type: pocketsphinx\n    options: { processes: 1 }\n');
    const r = await cliIn(['run', 'suite.yaml', '--store', 'store.sqlite', '--out', 'out', '--no-progress'], dir);
    expect(r.code, r.stderr).toBe(0);
    const results = readFileSync(join(dir, 'out', 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; sourceRate?: number });
    expect(Object.fromEntries(results.map((x) => [x.id, x.sourceRate]))).toEqual(Object.fromEntries(rows.map((x) => [x.id, x.id.startsWith('n') ? 8000 : 16000])));
    const rep = await cliIn(['report', 'out', '--format', 'md,json', '--out', 'card'], dir);
    expect(rep.code, rep.stderr).toBe(0);
    const warning = 'groups differ in source sample rate — share of utterances recorded below 16 kHz: narrow 100 % (8000 Hz ×4); wide 0 % (16000 Hz ×4)';
    expect(readFileSync(join(dir, 'card', 'card.md'), 'utf8')).toContain(warning);
    const card = JSON.parse(readFileSync(join(dir, 'card', 'card.json'), 'utf8')) as { warnings: string[] };
    expect(card.warnings.some((w) => w.startsWith(warning))).toBe(true);
  }, 180_000);
});
