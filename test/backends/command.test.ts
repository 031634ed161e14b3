import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { getBackendFactory } from '../../src/backends/index.ts';
import '../../src/backends/command.ts';
import { CommandBackend, splitCommandLine, parseCommandOptions } from '../../src/backends/command.ts';
import type { AudioRef } from '../../src/backends/types.ts';
import { librivoxFixtures, type SpeechFixture, failure } from './fixtures.ts';

let fx: SpeechFixture[];
let work: string;
let spaced: AudioRef;

beforeAll(() => {
  fx = librivoxFixtures();
  work = mkdtempSync(join(tmpdir(), 'asrfair-cmdtest-'));
  mkdirSync(join(work, 'dir with space'));
  const p = join(work, 'dir with space', "it's a $(touch pwned) file.wav");
  copyFileSync(fx[1].audio.wav16k, p);
  spaced = { ...fx[1].audio, id: `spk-1 "quoted" $(touch ${join(work, 'pwned')}) 'x'`, path: p, wav16k: p };
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function backend(options: Record<string, unknown>): Promise<CommandBackend> {
  return (await getBackendFactory('command').create(options, { baseDir: work })) as CommandBackend;
}

/** 'gone', or the state letter from /proc/<pid>/stat (R, S, Z, …). */
function processState(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0];
  } catch {
    return 'gone';
  }
}

const never = () => new AbortController().signal;

describe('command backend', () => {
  it('runs a real CLI recogniser (pocketsphinx_continuous) and records its Debian version', async () => {
    const b = await backend({ command: 'pocketsphinx_continuous -infile {wav16k} -logfn /dev/null', versionCommand: 'dpkg-query -W -f=${Version} pocketsphinx' });
    const expectedVersion = execFileSync('dpkg-query', ['-W', '-f=${Version}', 'pocketsphinx'], { encoding: 'utf8' });
    expect((await b.info()).version).toBe(expectedVersion);
    expect(b.key).toMatch(/^command:pocketsphinx_continuous:[0-9a-f]{12}$/);
    const f = fx[1];
    const t = await b.transcribe(f.audio, never());
    const ref = new Set(f.text.split(' '));
    const hits = t.text.split(' ').filter((w) => ref.has(w)).length;
    expect(hits).toBeGreaterThanOrEqual(5); // "he was not an ill disposed young man": a real decode, not an echo
    expect(t.text).toBe(t.text.toLowerCase().trim());
  });

  it('passes placeholders as single argv entries, never through a shell', async () => {
    const b = await backend({ command: ['node', '-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))', '{wav16k}', '{id}', 'pre-{sha256}', '{outbase}'] });
    const raw = (await b.transcribe(spaced, never())).raw as { output: string };
    const argv = JSON.parse(raw.output) as string[];
    expect(argv[0]).toBe(spaced.wav16k);
    expect(argv[1]).toBe(spaced.id);
    expect(argv[2]).toBe(`pre-${spaced.sha256}`);
    expect(argv[3]).toMatch(/asrfair-cmd-.*\/[0-9a-f]{16}$/);
    expect(existsSync(join(work, 'pwned'))).toBe(false);
    // The per-call temp folder is gone afterwards.
    expect(existsSync(argv[3].replace(/\/[^/]+$/, ''))).toBe(false);
  });

  it('shell: true quotes placeholders; textRegex extracts a group', async () => {
    const b = await backend({ shell: true, command: 'cat {wav16k} | sha256sum; echo {id}', textRegex: '^([0-9a-f]{64})' });
    const t = await b.transcribe(spaced, never());
    expect(t.text).toBe(spaced.sha256);
    expect(existsSync(join(work, 'pwned'))).toBe(false);
    const echo = await backend({ shell: true, command: 'echo {id}' });
    expect((await echo.transcribe(spaced, never())).text).toBe(spaced.id.replace(/\s+/g, ' '));
  });

  it('reads an output file written by a real tool (ffprobe -o) and follows a JSON field path', async () => {
    const b = await backend({ command: 'ffprobe -v quiet -print_format json -show_format -o {outfile} {wav16k}', outputFile: '{outbase}.json', jsonField: 'format.duration' });
    expect(b.options.output).toBe('file');
    const t = await b.transcribe(fx[1].audio, never());
    expect(Number(t.text)).toBeCloseTo(fx[1].audio.durationSec, 2);
    const noFile = await backend({ command: 'true', output: 'file' });
    expect((await failure(noFile.transcribe(fx[0].audio, never()))).message).toMatch(/did not write the output file/);
  });

  it('non-zero exit → BackendError with stderr; retryable only for listed codes', async () => {
    const cmd = ['sh', '-c', 'echo "decoder crashed" >&2; exit 3'];
    const e1 = await failure((await backend({ command: cmd })).transcribe(fx[0].audio, never()));
    expect(e1.retryable).toBe(false);
    expect(e1.message).toMatch(/exited with code 3: decoder crashed/);
    const e2 = await failure((await backend({ command: cmd, retryOnExit: [75, 3] })).transcribe(fx[0].audio, never()));
    expect(e2.retryable).toBe(true);
    const e3 = await failure((await backend({ command: 'no-such-recogniser-xyz {wav16k}' })).transcribe(fx[0].audio, never()));
    expect(e3.retryable).toBe(false);
    expect(e3.message).toMatch(/not found/);
  });

  it('abort kills the whole process group, including background children', async () => {
    const pidFile = join(work, 'child.pid');
    const b = await backend({ command: ['sh', '-c', `sleep 30 & echo $! > '${pidFile}'; wait`], killGraceMs: 200 });
    const started = Date.now();
    const e = await failure(b.transcribe(fx[0].audio, AbortSignal.timeout(400)));
    expect(e.retryable).toBe(true);
    expect(e.message).toMatch(/aborted/);
    expect(Date.now() - started).toBeLessThan(5000);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((r) => setTimeout(r, 300));
    expect(processState(pid)).toMatch(/^(gone|Z)$/); // a zombie is dead, waiting for a reaper that is not ours
  });

  it('secrets in the environment do not reach error messages', async () => {
    process.env.ASRFAIR_TEST_TOKEN = 'tok-UNIQUEcommandSECRET-5150';
    try {
      const b = await backend({ command: ['sh', '-c', 'echo "auth failed for $ASRFAIR_TEST_TOKEN" >&2; exit 1'] });
      const e = await failure(b.transcribe(fx[0].audio, never()));
      expect(e.message).toContain('auth failed for [redacted]');
      expect(e.message).not.toContain('UNIQUEcommandSECRET');
    } finally {
      delete process.env.ASRFAIR_TEST_TOKEN;
    }
  });

  it('keys follow the template and version; options are validated', async () => {
    const a = await backend({ command: 'tool -f {wav16k}', version: '1.0' });
    const a2 = await backend({ command: ['tool', '-f', '{wav16k}'], version: '1.0', killGraceMs: 10 });
    const b = await backend({ command: 'tool -f {wav16k}', version: '1.1' });
    const c = await backend({ command: 'tool -f {wav16k} --beam 5', version: '1.0' });
    expect(a2.key).toBe(a.key);
    expect(new Set([a.key, b.key, c.key]).size).toBe(3);
    expect(() => parseCommandOptions({}, work)).toThrow(/"command" is required/);
    expect(() => parseCommandOptions({ command: 'x', textRegex: '(' }, work)).toThrow(/textRegex/);
    expect(() => parseCommandOptions({ command: 'x', output: 'pipe' }, work)).toThrow(/stdout, file/);
    expect(() => parseCommandOptions({ command: ['x'], shell: true }, work)).toThrow(/one string/);
    await expect(backend({ command: 'x', versionCommand: 'sh -c "exit 4"' })).rejects.toThrow(/versionCommand exited with 4/);
  });

  it('without cwd the tool runs in the suite folder (the factory\'s baseDir, as the queue worker passes it), which is in the key', async () => {
    const inSuite = await getBackendFactory('command').create({ command: 'sh -c pwd' }, { baseDir: join(work, 'dir with space') });
    expect((inSuite as CommandBackend).options.cwd).toBe(join(work, 'dir with space'));
    expect((await inSuite.transcribe(fx[1].audio, never())).text).toBe(join(work, 'dir with space'));
    const other = (await getBackendFactory('command').create({ command: 'sh -c pwd' }, { baseDir: work })) as CommandBackend;
    expect(other.key).not.toBe((inSuite as CommandBackend).key);
    // An explicit cwd of "." is the same folder, hence the same key.
    const dot = (await getBackendFactory('command').create({ command: 'sh -c pwd', cwd: '.' }, { baseDir: work })) as CommandBackend;
    expect(dot.key).toBe(other.key);
  });

  it('splits command lines like a POSIX shell (quoting only)', () => {
    expect(splitCommandLine(`a  'b c' "d \\"e\\" $f" g\\ h ''`)).toEqual(['a', 'b c', 'd "e" $f', 'g h', '']);
    expect(splitCommandLine('whisper-cli -f {wav16k} -otxt -of {outbase}')).toEqual(['whisper-cli', '-f', '{wav16k}', '-otxt', '-of', '{outbase}']);
    expect(() => splitCommandLine(`a 'b`)).toThrow(/unterminated single quote/);
    expect(() => splitCommandLine(`a "b`)).toThrow(/unterminated double quote/);
  });
});
