import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { CODEC_ENCODERS } from '../audio/conditions.ts';
import { ffmpegEncoders } from '../audio/ffmpeg.ts';
import { loadSuite } from '../run/suite.ts';
import { missingEncoderErrors } from '../run/suite-encoders.ts';

export interface DoctorCheck {
  name: string;
  ok: boolean;
  /** A failing required check makes `asrfair doctor` exit 1. */
  required: boolean;
  detail: string;
  /** How to fix a failure. */
  fix?: string;
}

const MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
export const SCLITE_PATH = '/usr/lib/sctk/bin/sclite';
/** sphinxtrain's Baum–Welch tool and sphinxbase's feature extractor (acoustic adaptation, `adapt`). */
const SPHINXTRAIN_BW = '/usr/lib/sphinxtrain/bw';
const SPHINX_FE = '/usr/bin/sphinx_fe';

/** Runs a program and returns the first line of its output, or undefined when it cannot run. */
function probe(cmd: string, args: string[], timeoutMs = 10_000): Promise<string | undefined> {
  return new Promise((res) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      const text = `${stdout}\n${stderr}`.split('\n').find((l) => l.trim() !== '')?.trim();
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return res(undefined);
      // Some tools (sclite, pocketsphinx_batch without args) exit non-zero on a help request but still run.
      res(text ?? (err ? undefined : ''));
    });
  });
}

async function tool(name: string, cmd: string, args: string[], required: boolean, fix: string, quiet = false): Promise<DoctorCheck> {
  const out = await probe(cmd, args);
  return out === undefined
    ? { name, ok: false, required, detail: `${cmd} not found`, fix }
    : { name, ok: true, required, detail: quiet ? `${cmd} runs` : out.slice(0, 100) || `${cmd} runs` };
}

function files(name: string, paths: string[], required: boolean, fix: string): DoctorCheck {
  const missing = paths.filter((p) => !existsSync(p));
  return missing.length
    ? { name, ok: false, required, detail: `missing: ${missing.join(', ')}`, fix }
    : { name, ok: true, required, detail: paths.length === 1 ? paths[0] : `${paths.length} files present` };
}

function sqliteWritable(storePath: string): DoctorCheck {
  const dir = dirname(resolve(storePath));
  const probeFile = join(dir, `.doctor-${randomBytes(4).toString('hex')}.sqlite`);
  try {
    mkdirSync(dir, { recursive: true });
    const db = new Database(probeFile);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);');
    const n = (db.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n;
    db.close();
    return { name: 'SQLite run store', ok: n === 1, required: true, detail: `${dir} is writable (WAL ok)` };
  } catch (e) {
    return { name: 'SQLite run store', ok: false, required: true, detail: `${dir}: ${(e as Error).message}`, fix: `make ${dir} writable or pass --store to a writable path; if better-sqlite3 fails to load, run \`npm rebuild better-sqlite3\`` };
  } finally {
    for (const suffix of ['', '-wal', '-shm']) rmSync(probeFile + suffix, { force: true });
  }
}

function openaiCredentials(env: NodeJS.ProcessEnv): DoctorCheck {
  const set = typeof env.OPENAI_API_KEY === 'string' && env.OPENAI_API_KEY.length > 0;
  // Never print the value, not even a prefix.
  return set
    ? { name: 'OpenAI credentials', ok: true, required: false, detail: 'OPENAI_API_KEY is set' }
    : { name: 'OpenAI credentials', ok: false, required: false, detail: 'OPENAI_API_KEY is not set (needed only by the openai backend)', fix: 'export OPENAI_API_KEY=… (or set apiKeyEnv in the suite to name another variable)' };
}

function awsCredentials(env: NodeJS.ProcessEnv): DoctorCheck {
  const name = 'AWS credentials';
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return { name, ok: true, required: false, detail: 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are set' };
  const credFile = env.AWS_SHARED_CREDENTIALS_FILE ?? join(homedir(), '.aws', 'credentials');
  const configFile = env.AWS_CONFIG_FILE ?? join(homedir(), '.aws', 'config');
  if (existsSync(credFile) || existsSync(configFile)) return { name, ok: true, required: false, detail: `shared config found (${existsSync(credFile) ? credFile : configFile}${env.AWS_PROFILE ? `, profile ${env.AWS_PROFILE}` : ''})` };
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) return { name, ok: true, required: false, detail: 'web-identity or container credentials configured' };
  return {
    name,
    ok: false,
    required: false,
    detail: 'no AWS credentials in the environment or ~/.aws (needed only by the aws-transcribe backend; instance roles are not probed)',
    fix: 'export AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… (or `aws configure`)',
  };
}

function nodeVersion(): DoctorCheck {
  const major = Number(process.versions.node.split('.')[0]);
  return major >= 20
    ? { name: 'Node.js', ok: true, required: true, detail: `v${process.versions.node}` }
    : { name: 'Node.js', ok: false, required: true, detail: `v${process.versions.node} (need ≥ 20)`, fix: 'install Node.js 20 or later' };
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Which ffmpeg encoders the `codec` condition steps need are there (optional: only suites with those codecs need them). */
async function codecEncoders(): Promise<DoctorCheck> {
  const name = 'ffmpeg codec encoders';
  let have: Set<string>;
  try {
    have = await ffmpegEncoders();
  } catch (e) {
    return { name, ok: false, required: false, detail: `ffmpeg -encoders failed: ${(e as Error).message.split('\n')[0]}`, fix: 'apt-get install -y ffmpeg' };
  }
  const all = Object.entries(CODEC_ENCODERS);
  const missing = all.filter(([, enc]) => !have.has(enc));
  const present = all.filter(([, enc]) => have.has(enc)).map(([codec, enc]) => `${enc} (codec ${codec})`);
  const detail = `${present.length ? present.join(', ') : 'none of the codec steps\' encoders'}${missing.length ? `; missing ${missing.map(([codec, enc]) => `${enc} (codec ${codec})`).join(', ')}: conditions with ${missing.length === 1 ? 'that codec' : 'those codecs'} cannot run here` : ''}`;
  return missing.length
    ? { name, ok: false, required: false, detail, fix: 'use an ffmpeg built with the missing encoders (Debian\'s lacks libopencore_amrnb), or leave those codecs out of your suites' }
    : { name, ok: true, required: false, detail };
}

/**
 * What a suite needs of this machine (`doctor --suite`): the ffmpeg encoder of each codec step, one failed check per
 * missing one, naming the suite file:line (required: the suite cannot run without it). The suite's schema errors throw
 * (InputError, exit 2) as in `run`.
 */
async function suiteChecks(file: string): Promise<DoctorCheck[]> {
  const suite = loadSuite(file);
  const errors = await missingEncoderErrors(suite);
  if (!errors.length) return [{ name: 'suite conditions', ok: true, required: true, detail: `${file}: every condition's ffmpeg encoder is there` }];
  return errors.map((e) => ({ name: 'suite conditions', ok: false, required: true, detail: e.message, fix: 'use an ffmpeg built with this encoder, or remove the condition from the suite' }));
}

/** Checks the tools, models, store and credentials asrfair uses (and, given a suite file, what its conditions need). */
export async function runDoctor(opts: { storePath?: string; env?: NodeJS.ProcessEnv; suite?: string } = {}): Promise<DoctorCheck[]> {
  const env = opts.env ?? process.env;
  const apt = (pkgs: string) => `apt-get install -y ${pkgs}`;
  const checks = await Promise.all([
    Promise.resolve(nodeVersion()),
    tool('ffmpeg', 'ffmpeg', ['-hide_banner', '-version'], true, apt('ffmpeg')),
    codecEncoders(),
    tool('sox', 'sox', ['--version'], false, apt('sox')),
    tool('pocketsphinx_batch', 'pocketsphinx_batch', [], true, apt('pocketsphinx'), true),
    Promise.resolve(
      files(
        'PocketSphinx en-us model',
        [join(MODEL_DIR, 'en-us'), join(MODEL_DIR, 'en-us.lm.bin'), join(MODEL_DIR, 'cmudict-en-us.dict'), join(MODEL_DIR, 'en-us-phone.lm.bin')],
        true,
        apt('pocketsphinx-en-us'),
      ),
    ),
    Promise.resolve(
      executable(SCLITE_PATH)
        ? { name: 'sclite (NIST SCTK)', ok: true, required: false, detail: SCLITE_PATH }
        : { name: 'sclite (NIST SCTK)', ok: false, required: false, detail: `${SCLITE_PATH} not found (used to cross-check scoring)`, fix: apt('sctk') },
    ),
    tool('espeak-ng', 'espeak-ng', ['--version'], false, apt('espeak-ng')),
    tool('flite', 'flite', ['--version'], false, apt('flite')),
    tool('festival', 'festival', ['--version'], false, apt('festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts')),
    tool('redis-server', 'redis-server', ['--version'], false, apt('redis-server')),
    tool('chromium', 'chromium', ['--version'], false, apt('chromium')),
    Promise.resolve(files('sphinxtrain', [SPHINXTRAIN_BW, SPHINX_FE], false, apt('sphinxtrain sphinxbase-utils'))),
    Promise.resolve(sqliteWritable(opts.storePath ?? '.asrfair/store.sqlite')),
    Promise.resolve(openaiCredentials(env)),
    Promise.resolve(awsCredentials(env)),
  ]);
  return opts.suite === undefined ? checks : [...checks, ...(await suiteChecks(opts.suite))];
}

/** Human-readable doctor report; one line per check plus its fix. */
export function formatDoctor(checks: DoctorCheck[]): string {
  const lines: string[] = [];
  for (const c of checks) {
    const mark = c.ok ? 'ok  ' : c.required ? 'FAIL' : 'warn';
    lines.push(`${mark}  ${c.name}: ${c.detail}`);
    if (!c.ok && c.fix) lines.push(`      fix: ${c.fix}`);
  }
  const failed = checks.filter((c) => !c.ok && c.required).length;
  const warned = checks.filter((c) => !c.ok && !c.required).length;
  lines.push(failed ? `${failed} required check(s) failed` : `all required checks passed${warned ? ` (${warned} optional warning(s))` : ''}`);
  return lines.join('\n');
}
