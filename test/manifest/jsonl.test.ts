import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { loadManifest, readManifest, writeManifest } from '../../src/manifest/jsonl.ts';
import { InputError } from '../../src/manifest/errors.ts';
import { groupOf, speakerOf, UNDECLARED } from '../../src/manifest/schema.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'manifest-'));

describe('manifest JSONL', () => {
  it('round-trips utterances and resolves audio against the manifest folder', async () => {
    const d = dir();
    const file = join(d, 'm.jsonl');
    await writeManifest(file, [
      { id: 'a-1', audio: 'clips/a.wav', text: 'hello there', speaker: 'a', labels: { accent: 'scottish', accent_raw: 'Scottish English' } },
      { id: 'b-1', audio: '/abs/b.wav', text: 'general kenobi', labels: {}, start: 1, end: 2.5 },
    ]);
    const back = await loadManifest(file);
    expect(back.map((u) => u.id)).toEqual(['a-1', 'b-1']);
    expect(back[0].audioPath).toBe(join(d, 'clips/a.wav'));
    expect(back[1].audioPath).toBe('/abs/b.wav');
    expect(back[1].source).toEqual({ file, line: 2 });
    expect(groupOf(back[0], 'accent')).toBe('scottish');
    expect(groupOf(back[1], 'accent')).toBe(UNDECLARED);
    expect(speakerOf(back[1])).toBe('utt:b-1');
  });

  it('names the file and line of each bad entry and can collect every error', async () => {
    const d = dir();
    const file = join(d, 'bad.jsonl');
    const lines = [
      JSON.stringify({ id: 'ok', audio: 'a.wav', text: 'fine' }),
      '',
      '# a comment',
      '{"id": "x", "audio": "a.wav"',
      JSON.stringify({ id: 'e', audio: 'a.wav', text: '   ' }),
      JSON.stringify({ id: 'ok', audio: 'b.wav', text: 'again' }),
      JSON.stringify({ id: 's', audio: 'a.wav', text: 'x', start: 3, end: 2 }),
      JSON.stringify({ id: 'l', audio: 'a.wav', text: 'x', labels: { accent: 5 } }),
    ];
    writeFileSync(file, lines.join('\n') + '\n');
    await expect(loadManifest(file)).rejects.toThrow(`${file}:4: not valid JSON`);
    const errors: InputError[] = [];
    const ok: string[] = [];
    for await (const u of readManifest(file, { onError: (e) => errors.push(e) })) ok.push(u.id);
    expect(ok).toEqual(['ok']);
    expect(errors.map((e) => e.line)).toEqual([4, 5, 6, 7, 8]);
    expect(errors[1].message).toMatch(/:5: invalid utterance \(id e\): text: .*empty/);
    expect(errors[2].message).toContain('duplicate id "ok" (first seen on line 1)');
    expect(errors[3].message).toContain('end must be greater than start');
    expect(errors[4].message).toContain('labels.accent');
  });

  it('rejects invalid UTF-8 naming the line, and a missing file naming the file', async () => {
    const d = dir();
    const file = join(d, 'latin1.jsonl');
    writeFileSync(
      file,
      Buffer.concat([
        Buffer.from(JSON.stringify({ id: 'a', audio: 'a.wav', text: 'ok' }) + '\n'),
        Buffer.from('{"id":"b","audio":"b.wav","text":"caf'),
        Buffer.from([0xe9]),
        Buffer.from('"}\n'),
      ]),
    );
    await expect(loadManifest(file)).rejects.toThrow(`${file}:2: line is not valid UTF-8`);
    await expect(loadManifest(join(d, 'nope.jsonl'))).rejects.toThrow(/nope\.jsonl: manifest file not found/);
  });

  it('streams a large manifest without holding it in memory', async () => {
    const d = dir();
    const file = join(d, 'big.jsonl');
    // 300k lines (~40 MB): the reader must stream them in bounded memory.
    execFileSync('sh', ['-c', `awk 'BEGIN{for(i=0;i<300000;i++) printf("{\\"id\\":\\"u%d\\",\\"audio\\":\\"a.wav\\",\\"text\\":\\"the birch canoe slid on the smooth planks of the old boat house number %d\\"}\\n", i, i)}' > ${file}`]);
    const script = `
      const { readManifest } = await import(${JSON.stringify(new URL('../../src/manifest/jsonl.ts', import.meta.url).pathname)});
      let n = 0, peak = 0;
      for await (const u of readManifest(${JSON.stringify(file)})) { n++; if (n % 50000 === 0) { globalThis.gc(); peak = Math.max(peak, process.memoryUsage().heapUsed); } }
      console.log(JSON.stringify({ n, peakMb: peak / 1e6 }));`;
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', cwd: join(import.meta.dirname, '../..') });
    expect(r.stderr).toBe('');
    const { n, peakMb } = JSON.parse(r.stdout) as { n: number; peakMb: number };
    expect(n).toBe(300000);
    // Live heap after GC: only the id set (for duplicate detection) grows. The file is ~40 MB; holding it
    // (as strings + parsed objects) would take several times that.
    expect(peakMb).toBeLessThan(50);
  });
});

describe('asrfair validate', () => {
  it('reports every problem with file:line and exits 1; exits 0 on a clean manifest', () => {
    const d = dir();
    execFileSync('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', join(d, 'a.wav'), 'synth', '0.2', 'sine', '300']);
    writeFileSync(join(d, 'empty.wav'), '');
    const good = join(d, 'good.jsonl');
    writeFileSync(good, JSON.stringify({ id: 'a', audio: 'a.wav', text: 'hi' }) + '\n');
    const bad = join(d, 'bad.jsonl');
    writeFileSync(
      bad,
      [
        JSON.stringify({ id: 'a', audio: 'a.wav', text: 'hi' }),
        JSON.stringify({ id: 'b', audio: 'missing.wav', text: 'hi' }),
        JSON.stringify({ id: 'c', audio: 'empty.wav', text: 'hi' }),
        JSON.stringify({ id: 'a', audio: 'a.wav', text: 'dup' }),
      ].join('\n'),
    );
    const bin = join(import.meta.dirname, '../../bin/asrfair.mjs');
    const ok = spawnSync(process.execPath, [bin, 'validate', good], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('1 valid utterances, 0 errors');
    const r = spawnSync(process.execPath, [bin, 'validate', bad], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${bad}:2: audio file not found`);
    expect(r.stderr).toContain(`${bad}:3: audio file is empty`);
    expect(r.stderr).toContain(`${bad}:4: duplicate id "a"`);
  });
});
