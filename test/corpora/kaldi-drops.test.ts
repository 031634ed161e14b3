/**
 * Fresh-user trial 11, item 2: a Kaldi data dir (the real speechocean762 sample, one line removed or emptied per case)
 * was imported with rows dropped or relabelled and exit 0, nothing in `.import.json`:
 * - a wav.scp recording with no `text` line;
 * - an utterance missing from utt2spk (lost its speaker and spk2age/spk2gender, became its own speaker);
 * - an empty `text` line (warned, but not in leftOut, so the card never said it).
 * Kaldi's utils/validate_data_dir.sh refuses text and utt2spk that list different utterances: here an utterance of
 * text missing from utt2spk is an error naming text:line; lines with no reference are left out, warned and counted.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmp } from './fixtures.ts';
import { cliIn } from '../helpers/cli.ts';

const SO = resolve(import.meta.dirname, '../../../shared/data/speechocean762-sample');
const FILES = ['wav.scp', 'text', 'utt2spk', 'spk2utt', 'spk2age', 'spk2gender'];

/** A copy of the sample's data dir (WAVE linked beside it) with `edit` applied to its files' lines. */
function sample(edit: (files: Record<string, string[]>) => void): string {
  const root = tmp('so-drops');
  const dir = join(root, 'test');
  mkdirSync(dir);
  symlinkSync(join(SO, 'WAVE'), join(root, 'WAVE'));
  const files = Object.fromEntries(FILES.map((f) => [f, readFileSync(join(SO, 'test', f), 'utf8').trimEnd().split('\n')]));
  edit(files);
  for (const f of FILES) writeFileSync(join(dir, f), files[f].join('\n') + '\n');
  return dir;
}

async function importSo(dir: string) {
  const out = join(dir, '..', 'so.jsonl');
  const r = await cliIn(['import', 'kaldi', dir, '-o', out, '--language', 'en']);
  const record = r.code === 0 ? (JSON.parse(readFileSync(join(dir, '..', 'so.import.json'), 'utf8')) as { utterances: number; leftOut: Array<{ what: string; count: number }> }) : undefined;
  return { ...r, record };
}

describe('Kaldi import of the real speechocean762 dir: nothing dropped or relabelled silently', () => {
  it('an utterance of text missing from utt2spk is an error naming text:line (as validate_data_dir.sh refuses it)', async () => {
    // 010300105 is line 2 of text, speaker 1030 (age 27, m).
    const dir = sample((f) => (f.utt2spk = f.utt2spk.filter((l) => !l.startsWith('010300105 '))));
    const r = await importSo(dir);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(new RegExp(`^asrfair: ${join(dir, 'text')}:2: utterance 010300105 is not in utt2spk \\(.*utt2spk\\): its speaker and the speaker's declared labels would be lost; Kaldi's utils/validate_data_dir\\.sh refuses this too`));
    expect(r.stderr).not.toMatch(/\n\s+at /); // one line, no stack
  });

  it('a wav.scp recording with no text line: left out, warned with wav.scp:line, counted in leftOut', async () => {
    const dir = sample((f) => {
      f.text = f.text.filter((l) => !l.startsWith('010300106'));
      f.utt2spk = f.utt2spk.filter((l) => !l.startsWith('010300106 '));
    });
    const r = await importSo(dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('239 utterances, 12 speakers');
    expect(r.stderr).toContain(`${join(dir, 'wav.scp')}:3: recording 010300106 has no utterance in text (no reference transcript); left out`);
    expect(r.stdout).toContain('left out: 1 Kaldi recordings in wav.scp with no utterance in text (no reference)');
    expect(r.record!.leftOut).toEqual([{ what: 'Kaldi recordings in wav.scp with no utterance in text (no reference)', count: 1 }]);
  });

  it('an empty text line: warned with text:line and counted in leftOut (so the card says it)', async () => {
    const dir = sample((f) => (f.text = f.text.map((l) => (l.startsWith('010300003') ? '010300003' : l))));
    const r = await importSo(dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('239 utterances, 12 speakers');
    expect(r.stderr).toContain(`${join(dir, 'text')}:1: utterance 010300003 has an empty transcript; left out`);
    expect(r.record!.leftOut).toEqual([{ what: 'Kaldi utterances with an empty transcript in text (no reference)', count: 1 }]);
  });

  it('an utterance in utt2spk with no text line: left out, warned with utt2spk:line, counted', async () => {
    const dir = sample((f) => (f.text = f.text.filter((l) => !l.startsWith('010300003'))));
    const r = await importSo(dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${join(dir, 'utt2spk')}:1: utterance 010300003 has no line in text (no reference transcript); left out`);
    expect(r.record!.leftOut).toEqual([
      { what: 'Kaldi recordings in wav.scp with no utterance in text (no reference)', count: 1 },
      { what: 'Kaldi utterances in utt2spk with no line in text (no reference)', count: 1 },
    ]);
  });

  it('the sample as shipped: 240 utterances, nothing left out', async () => {
    const r = await importSo(sample(() => {}));
    expect(r.code, r.stderr).toBe(0);
    expect(r.record).toMatchObject({ utterances: 240, leftOut: [] });
  });
});
