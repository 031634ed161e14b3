/**
 * Vendors as they really come (issue 12, items 4 and 5), through the run engine with real backends: the OpenAI
 * backend against the loopback server (real HTTP on 127.0.0.1), the command backend running real processes,
 * aws-transcribe as built from a suite, PocketSphinx's declared language.
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIServer, wavDurationSec, type OpenAIFakeServer } from '../helpers/openai-server.ts';
import { librivoxFixtures, type SpeechFixture } from './fixtures.ts';
import { cli } from './e2e-helpers.ts';
import { runSuite, SAME_4XX_STOP_AFTER, type RunSummary } from '../../src/run/engine.ts';
import { RunStore } from '../../src/run/store.ts';
import { loadSuite } from '../../src/run/suite.ts';
import { InputError } from '../../src/manifest/errors.ts';
import { OpenAIBackend, parseOpenAIOptions } from '../../src/backends/openai.ts';
import { BackendError } from '../../src/backends/types.ts';
import { getNormaliser } from '../../src/text/normalise.ts';

const SECRET = 'sk-runchecks-UNIQUEkeyVALUE-5521';
let server: OpenAIFakeServer;
let fx: SpeechFixture[];
const dirs: string[] = [];
const stores: RunStore[] = [];
const savedKey = process.env.OPENAI_API_KEY;

beforeAll(async () => {
  server = await startOpenAIServer(SECRET);
  fx = librivoxFixtures();
  server.setResolver((wav) => {
    const d = wavDurationSec(wav);
    return fx.find((f) => d !== undefined && Math.abs(f.audio.durationSec - d) < 0.002)?.text;
  });
});
afterAll(async () => {
  await server.close();
  if (savedKey === undefined) delete process.env.OPENAI_API_KEY;
  else process.env.OPENAI_API_KEY = savedKey;
});
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface Utt {
  id: string;
  file: string;
  text: string;
  language?: string;
}

/** A folder with the utterances' audio, manifest.jsonl and suite.yaml (backends given as YAML lines). */
function workspace(utts: Utt[], backendLines: string[], extra: string[] = []): { dir: string; suitePath: string; store: RunStore } {
  const dir = mkdtempSync(join(tmpdir(), 'asrfair-runchecks-'));
  dirs.push(dir);
  const lines = utts.map((u, i) => {
    const name = `a${i}-${u.file.split('/').pop()}`;
    copyFileSync(u.file, join(dir, name));
    return JSON.stringify({ id: u.id, audio: name, text: u.text, speaker: `s${i % 2}`, labels: { accent: i % 2 ? 'north' : 'south' }, ...(u.language ? { language: u.language } : {}) });
  });
  writeFileSync(join(dir, 'manifest.jsonl'), lines.join('\n') + '\n');
  const suite = ['name: checks', 'manifest: manifest.jsonl', 'groupBy: [accent]', 'concurrency: 1', 'timeoutSec: 20', 'retries: 0', ...extra, 'backends:', ...backendLines, ''];
  writeFileSync(join(dir, 'suite.yaml'), suite.join('\n'));
  const store = new RunStore(join(dir, 'store.sqlite'));
  stores.push(store);
  return { dir, suitePath: join(dir, 'suite.yaml'), store };
}

const librivoxUtts = (): Utt[] => fx.map((f, i) => ({ id: `u${i}`, file: f.audio.wav16k, text: f.text }));
const openaiLines = (opts = '') => ['  - name: whisper', '    type: openai', `    options: { baseURL: "${server.baseURL}", model: whisper-1${opts} }`];

function run(w: ReturnType<typeof workspace>, more: { dryRun?: boolean } = {}): Promise<RunSummary> {
  const suite = loadSuite(w.suitePath);
  return runSuite({ suite, normaliser: getNormaliser(suite.normaliser), store: w.store, audioCacheDir: join(w.dir, 'cache'), retryPolicy: { baseDelayMs: 5, maxDelayMs: 20 }, ...more });
}

const resultRows = (store: RunStore) => store.db.prepare('SELECT status, error FROM results').all() as { status: string; error: string | null }[];

describe('option values are checked when the suite loads', () => {
  it('language: english is refused before any call, naming the suite and suggesting en (one line, exit 2)', async () => {
    process.env.OPENAI_API_KEY = SECRET;
    const w = workspace(librivoxUtts().slice(0, 1), openaiLines(', language: english'));
    const before = server.requests.length;
    const err = await run(w).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(String(err)).toMatch(/suite\.yaml: backend "whisper" \(openai\): .*option "language" must be an ISO-639-1 code .*"english".*did you mean "en"/);
    expect(server.requests.length).toBe(before);
    const c = await cli(w.dir, ['run', 'suite.yaml', '--store', 'cli.sqlite', '--no-progress'], { OPENAI_API_KEY: SECRET });
    expect(c.code).toBe(2);
    expect(c.stderr.trim().split('\n')).toHaveLength(1);
    expect(c.stderr).not.toMatch(/\n\s+at /);
  });

  it('aws-transcribe: a language name is refused; two backends differing only in s3Endpoint are one recogniser, named both', async () => {
    const aws = (name: string, extra: string) => [`  - name: ${name}`, '    type: aws-transcribe', `    options: { region: us-east-1, bucket: b, endpoint: "http://127.0.0.1:9", ${extra} }`];
    const bad = workspace(librivoxUtts().slice(0, 1), aws('t', 'languageCode: english'));
    await expect(run(bad)).rejects.toThrow(/option "languageCode" must be a Transcribe language code such as en-US.*"english"/);
    const twin = workspace(librivoxUtts().slice(0, 2), [...aws('east', 's3Endpoint: "http://127.0.0.1:9"'), ...aws('west', 's3Endpoint: "http://127.0.0.1:10"')]);
    const err = await run(twin).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(String(err)).toMatch(/backends "east" and "west" are the same recogniser/);
    expect(String(err)).not.toMatch(/duplicate utterance id/);
  });
});

describe('configuration errors are not utterance failures', () => {
  it('a missing API key stops the run storing nothing; after the key is set the rerun calls and succeeds', async () => {
    delete process.env.OPENAI_API_KEY;
    const w = workspace(librivoxUtts().slice(0, 3), openaiLines(', language: en'));
    const before = server.requests.length;
    await expect(run(w)).rejects.toThrow(/backend "whisper": .*OPENAI_API_KEY is not set.*nothing was stored/);
    expect(server.requests.length).toBe(before);
    expect(resultRows(w.store)).toEqual([]);
    process.env.OPENAI_API_KEY = SECRET;
    const s = await run(w);
    expect(server.requests.length).toBe(before + 3);
    expect(s.cells[0]).toMatchObject({ called: 3, ok: 3, failed: 0 });
  });

  it('a rejected key (401) is a configuration error too, not three stored failures', async () => {
    process.env.OPENAI_API_KEY = 'sk-wrong-UNIQUEwrongKEY-0001';
    const w = workspace(librivoxUtts().slice(0, 3), openaiLines());
    await expect(run(w)).rejects.toThrow(/HTTP 401/);
    expect(resultRows(w.store)).toEqual([]);
    process.env.OPENAI_API_KEY = SECRET;
  });
});

describe('a backend whose every call fails with the same 4xx', () => {
  it('exits non-zero with one summary line (CLI), after all five calls failed 400', async () => {
    const w = workspace(librivoxUtts(), openaiLines());
    server.pushFault(...fx.map(() => ({ kind: 'status' as const, status: 400, message: "Invalid language 'xx'." })));
    const c = await cli(w.dir, ['run', 'suite.yaml', '--store', 'cli.sqlite', '--out', 'out', '--no-progress'], { OPENAI_API_KEY: SECRET });
    expect(c.code).toBe(1);
    const lines = c.stderr.trim().split('\n').filter((l) => /all \d+ calls failed/.test(l));
    expect(lines).toEqual([`asrfair: backend "whisper": all ${fx.length} calls failed with HTTP 400: openai: HTTP 400: Invalid language 'xx'.`]);
  });

  it(`stops calling after ${SAME_4XX_STOP_AFTER} identical 4xx with no success; mixed outcomes are not a dead backend`, async () => {
    process.env.OPENAI_API_KEY = SECRET;
    const dir = mkdtempSync(join(tmpdir(), 'asrfair-tones-'));
    dirs.push(dir);
    // 12 distinct tones: the server knows none of them, so every call is a 400.
    const utts: Utt[] = Array.from({ length: 12 }, (_, i) => {
      const f = join(dir, `tone${i}.wav`);
      execFileSync('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', f, 'synth', '0.3', 'sine', String(300 + 50 * i), 'vol', '0.3']);
      return { id: `t${i}`, file: f, text: 'a tone' };
    });
    const w = workspace(utts, openaiLines());
    const before = server.requests.length;
    const s = await run(w);
    expect(server.requests.length - before).toBe(SAME_4XX_STOP_AFTER);
    expect(s.cells[0]).toMatchObject({ failed: SAME_4XX_STOP_AFTER, skipped: 12 - SAME_4XX_STOP_AFTER });
    expect(s.notices.filter((n) => n.kind === 'backend-failed').map((n) => n.message)).toEqual([
      expect.stringMatching(new RegExp(`all ${SAME_4XX_STOP_AFTER} calls failed with HTTP 400 \\(2 more not sent\\)`)),
    ]);

    const mixed = workspace([...librivoxUtts().slice(0, 1), ...utts.slice(0, 2)], openaiLines());
    const m = await run(mixed);
    expect(m.cells[0]).toMatchObject({ ok: 1, failed: 2 });
    expect(m.notices.filter((n) => n.kind === 'backend-failed')).toEqual([]);
  });
});

describe('uploads within the vendor limit', () => {
  it('audio whose FLAC exceeds the limit is refused without a call, and --dry-run says so first', async () => {
    process.env.OPENAI_API_KEY = SECRET;
    // The smallest limit that takes the shortest librivox utterance's FLAC and not the longest's.
    const sizes = fx.map((f) => Number(execFileSync('sh', ['-c', `ffmpeg -v error -i ${f.audio.wav16k} -c:a flac -compression_level 8 -f flac - | wc -c`]).toString()));
    const limit = Math.max(1024, Math.floor((Math.min(...sizes) + Math.max(...sizes)) / 2));
    const over = sizes.filter((n) => n > limit).length;
    expect(over).toBeGreaterThan(0);
    expect(over).toBeLessThan(fx.length);
    const w = workspace(librivoxUtts(), openaiLines(`, maxUploadBytes: ${limit}`));
    const dry = await run(w, { dryRun: true });
    expect(dry.cells[0].uploadRefused).toBe(over);
    expect(dry.notices.find((n) => n.kind === 'upload-limit')?.message).toMatch(new RegExp(`^upload limit: ${over} utterance\\(s\\) cannot be sent to "whisper"`));
    const c = await cli(w.dir, ['run', 'suite.yaml', '--store', 'dry.sqlite', '--dry-run', '--no-progress'], { OPENAI_API_KEY: SECRET });
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/over upload limit/);
    expect(c.stdout).toMatch(new RegExp(`whisper\\s+clean\\s+${fx.length}\\s+0\\s+${fx.length - over}\\s+0\\s+${over}\\s`));
    expect(c.stderr).toMatch(new RegExp(`upload limit: ${over} utterance\\(s\\) cannot be sent to "whisper"`));
    const before = server.requests.length;
    const s = await run(w);
    expect(server.requests.length - before).toBe(fx.length - over);
    expect(s.cells[0]).toMatchObject({ ok: fx.length - over, failed: over, uploadRefused: over });
    expect(resultRows(w.store).filter((r) => r.status === 'failed').every((r) => /upload limit: the FLAC of this .* over the/.test(r.error ?? ''))).toBe(true);
  });
});

describe('the upload is bounded by the call', () => {
  it('an aborted call ends the FLAC encoding and is a retryable abort, with no request sent', async () => {
    process.env.OPENAI_API_KEY = SECRET;
    const b = new OpenAIBackend(parseOpenAIOptions({ baseURL: server.baseURL }));
    const ac = new AbortController();
    ac.abort(new Error('per-call timeout'));
    const before = server.requests.length;
    const e = await b.transcribe(fx[0].audio, ac.signal).catch((x: unknown) => x as BackendError);
    expect(e).toBeInstanceOf(BackendError);
    expect((e as BackendError).retryable).toBe(true);
    expect((e as BackendError).message).toMatch(/call aborted \(per-call timeout\)/);
    expect(server.requests.length).toBe(before);
  });
});

describe('command backend templated with {id}', () => {
  it('two utterances with identical audio each get their own result', async () => {
    const f = fx[0].audio.wav16k;
    const w = workspace(
      [
        { id: 'A', file: f, text: 'x' },
        { id: 'B', file: f, text: 'x' },
      ],
      ['  - name: lookup', '    type: command', '    options: { command: "echo said {id}" }'],
    );
    const s = await run(w);
    expect(s.cells[0]).toMatchObject({ called: 2, ok: 2 });
    const hyps = (w.store.db.prepare('SELECT hypothesis FROM results ORDER BY hypothesis').all() as { hypothesis: string }[]).map((r) => r.hypothesis);
    expect(hyps).toEqual(['said A', 'said B']);
  });
});

describe('command backend templated with {audio}', () => {
  it('gets the original on clean audio, and fails visibly (not silently clean) under a condition', async () => {
    const w = workspace(
      [{ id: 'A', file: fx[0].audio.wav16k, text: 'x' }],
      ['  - name: orig', '    type: command', '    options: { command: "echo heard {audio}" }'],
      ['conditions:', '  - { name: quiet, steps: [{ type: gain, db: -6 }] }'],
    );
    const s = await run(w);
    const byCond = new Map(s.cells.map((c) => [c.condition, c]));
    expect(byCond.get('clean')).toMatchObject({ ok: 1, failed: 0 });
    expect(byCond.get('quiet')).toMatchObject({ ok: 0, failed: 1 });
    const errors = resultRows(w.store).map((r) => r.error).filter(Boolean);
    expect(errors).toEqual([expect.stringMatching(/passes \{audio\}, the original file, but this utterance's audio was altered .*use \{wav16k\}/)]);
  });
});

describe('declared language against the backend language', () => {
  it('real Common Voice clips declared Tamil through the en-US PocketSphinx model warn once, with counts', async () => {
    const clips = join(import.meta.dirname, '../../../shared/data/cv-6.1-en-sample/en/clips');
    const names = readdirSync(clips).filter((n) => n.endsWith('.mp3')).sort().slice(0, 4);
    const utts: Utt[] = names.map((n, i) => ({ id: `cv${i}`, file: join(clips, n), text: 'x', language: i < 3 ? 'ta' : 'en' }));
    const w = workspace(utts, ['  - name: ps', '    type: pocketsphinx'], ['qc: false']);
    const s = await run(w, { dryRun: true });
    const lang = s.notices.filter((n) => n.kind === 'language');
    expect(lang.map((n) => n.message)).toEqual([
      'language: backend "ps" recognises "en" but 3 declare "ta" in the manifest: their error rates measure the language mismatch, not the recogniser',
    ]);
  });
});
