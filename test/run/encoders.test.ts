/**
 * t16 defect 8: a condition whose ffmpeg encoder this machine lacks (`codec: amr-nb` without libopencore_amrnb) was
 * accepted, `--dry-run` exited 0 with every utterance "audio failed", and the run reported each utterance as bad audio
 * pointing to `asrfair validate`. It is a machine problem: one line naming the suite file:line, the codec and the
 * encoder, exit 2, before anything is decoded — in run, --dry-run, validate --suite and doctor --suite.
 * Real ffmpeg (Debian's has no libopencore_amrnb) and a real Common Voice clip.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { missingEncoderErrors } from '../../src/run/suite-encoders.ts';
import { loadSuite } from '../../src/run/suite.ts';

const CLIP = '/tmp/shared/data/cv-6.1-en-sample/en/clips/common_voice_en_18091118.mp3';
const hasAmr = /libopencore_amrnb/.test(execFileSync('ffmpeg', ['-hide_banner', '-encoders'], { encoding: 'utf8' }));

describe.skipIf(hasAmr)('a condition whose ffmpeg encoder is missing (t16 #8)', () => {
  let dir: string;
  let suite: string;
  let manifest: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'enc-'));
    manifest = join(dir, 'm.jsonl');
    writeFileSync(
      manifest,
      JSON.stringify({ id: 'cv-18091118', audio: CLIP, text: 'My empire reaches from the ocean in the East to the mountain ridge in the West.', speaker: 's1', labels: { accent: 'us' } }) + '\n',
    );
    suite = join(dir, 'amr.yaml');
    writeFileSync(
      suite,
      [
        'name: amr',
        'manifest: m.jsonl',
        'backends:',
        '  - name: ps',
        '    type: pocketsphinx',
        'conditions:',
        '  - name: gsm',
        '    steps: [{ type: codec, codec: gsm }]',
        '  - name: amr',
        '    steps:',
        '      - { type: telephone }',
        '      - { type: codec, codec: amr-nb }',
        '',
      ].join('\n'),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const LINE = () => `${suite}:12: conditions[1].steps[1].codec: codec amr-nb needs the ffmpeg encoder libopencore_amrnb, which this machine's ffmpeg does not have`;

  it('the suite check names file:line, codec and encoder', async () => {
    const errs = await missingEncoderErrors(loadSuite(suite));
    expect(errs.map((e) => e.message)).toHaveLength(1);
    expect(errs[0].message.startsWith(LINE())).toBe(true);
  });

  for (const args of [['run'], ['run', '--dry-run']]) {
    it(`asrfair ${args.join(' ')}: one line, exit 2, nothing decoded or stored`, async () => {
      const store = join(dir, `${args.length}.sqlite`);
      const r = await cli(args[0], suite, ...args.slice(1), '--store', store, '--no-progress');
      expect(r.code).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0].startsWith(`asrfair: ${LINE()}`)).toBe(true);
      expect(r.stderr).not.toMatch(/bad audio|asrfair validate/);
      expect(r.stdout).not.toMatch(/audio failed/);
      expect(existsSync(store)).toBe(false);
    });
  }

  it('validate --suite says it too (exit 2)', async () => {
    const r = await cli('validate', manifest, '--suite', suite);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(LINE());
  });

  it('doctor lists the codec encoders; with --suite the missing one is a failed check naming file:line', async () => {
    const plain = await cli('doctor', '--store', join(dir, 'd.sqlite'));
    expect(plain.stdout).toMatch(/ffmpeg codec encoders: .*missing libopencore_amrnb \(codec amr-nb\)/);
    const r = await cli('doctor', '--store', join(dir, 'd.sqlite'), '--suite', suite);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`FAIL  suite conditions: ${LINE()}`);
  });
});
