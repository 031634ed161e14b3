import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineReader } from '../../src/score/trn.ts';
import { readStm } from '../../src/score/stm.ts';

describe('LineReader (trn/stm/ctm hot path)', () => {
  it('refuses a line past the byte limit, naming file and line, instead of growing without bound', () => {
    const dir = mkdtempSync(join(tmpdir(), 'asrfair-lr-'));
    try {
      const f = join(dir, 'long.stm');
      writeFileSync(f, `ok 1\n${'x'.repeat(6 << 20)}\nlast\n`);
      const r = new LineReader(f, 'utf-8', 4 << 20);
      expect(r.next()).toBe(true);
      expect(r.text).toBe('ok 1');
      expect(() => r.next()).toThrow(/long\.stm:2: line is longer than the maximum of 4194304 bytes/);
      const fine = new LineReader(f, 'utf-8', 8 << 20);
      let n = 0;
      while (fine.next()) n++;
      expect(n).toBe(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stm reading reports an invalid UTF-8 line by number', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asrfair-lr-'));
    try {
      const f = join(dir, 'bad.stm');
      writeFileSync(f, Buffer.concat([Buffer.from('f 1 spk 0.0 1.0 hello\n'), Buffer.from([0x66, 0x20, 0x31, 0x20, 0xff, 0x0a])]));
      await expect(readStm(f)).rejects.toThrow(/bad\.stm:2: line is not valid UTF-8/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
