/**
 * Issue 13, item 9: `validate` stopped at the first invalid UTF-8 line (later errors never reported) and
 * the line reader was quadratic (a 50 MB line: 162 s). Every line is checked now, in linear time, with a
 * documented maximum line size.
 */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_LINE_BYTES, readLines } from '../../src/manifest/jsonl.ts';
import { InputError } from '../../src/manifest/errors.ts';
import { tmp } from '../run/helpers.ts';
import { cli } from './helpers.ts';

async function collect(file: string, maxLineBytes?: number): Promise<{ lines: number[]; errors: string[] }> {
  const lines: number[] = [];
  const errors: string[] = [];
  for await (const l of readLines(file, { onError: (e: InputError) => errors.push(e.message), maxLineBytes })) lines.push(l.line);
  return { lines, errors };
}

describe('the line reader', () => {
  it('smallest input: an invalid UTF-8 line does not hide the errors after it (validate reports both)', async () => {
    const dir = tmp('asrfair-attack-');
    const m = join(dir, 'm.jsonl');
    writeFileSync(m, Buffer.concat([Buffer.from('{"id":"a"\n'), Buffer.from([0xff, 0xfe, 0x0a]), Buffer.from('not json\n')]));
    const r = await cli(['validate', m, '--no-audio-check'], dir).done;
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${m}:1: not valid JSON`);
    expect(r.err).toContain(`${m}:2: line is not valid UTF-8`);
    expect(r.err).toContain(`${m}:3: not valid JSON`);
    expect(r.out).toContain('0 valid utterances, 3 errors');
  });

  it('reads a 50 MB line in linear time (< 3 s) and keeps the line numbers after it', async () => {
    const dir = tmp('asrfair-attack-');
    const big = join(dir, 'big.jsonl');
    const ref = join(dir, 'ref.jsonl');
    const n = 50 * 1024 * 1024;
    writeFileSync(big, Buffer.concat([Buffer.from('first\n'), Buffer.alloc(n, 0x61), Buffer.from('\nlast\n')]));
    // Reference: the same bytes as short lines, read in the same process (so machine load cancels out).
    writeFileSync(ref, Buffer.alloc(n + 11, 'abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxy\n'));
    let t = performance.now();
    await collect(ref);
    const refMs = performance.now() - t;
    t = performance.now();
    const got = await collect(big);
    const bigMs = performance.now() - t;
    console.log(`50 MB line: ${bigMs.toFixed(0)} ms; same bytes as 100-byte lines: ${refMs.toFixed(0)} ms; ratio ${(bigMs / refMs).toFixed(2)}`);
    expect(got.lines).toEqual([1, 2, 3]);
    expect(got.errors).toEqual([]);
    expect(bigMs).toBeLessThan(3000);
  });

  it('a line over the maximum is an error naming it; the next lines are still read', async () => {
    const dir = tmp('asrfair-attack-');
    const f = join(dir, 'f.txt');
    writeFileSync(f, `ok\n${'x'.repeat(5000)}\nafter\n${'y'.repeat(5000)}`);
    const got = await collect(f, 1000);
    expect(got.lines).toEqual([1, 3]);
    expect(got.errors).toEqual([`${f}:2: line is longer than the maximum of 1000 bytes`, `${f}:4: line is longer than the maximum of 1000 bytes`]);
    expect(MAX_LINE_BYTES).toBe(256 * 1024 * 1024);
  });
});
