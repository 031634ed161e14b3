import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const BIN = resolve('bin/asrfair.mjs');

function cli(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('asrfair doctor and backends', () => {
  it('doctor passes on this machine and never prints credential values', () => {
    const secret = 'sk-doctor-SECRET-1234567890';
    const r = cli(['doctor', '--store', '/tmp/asrfair-doctor/store.sqlite'], { ...process.env, OPENAI_API_KEY: secret });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ok +ffmpeg: ffmpeg version/m);
    expect(r.out).toMatch(/^ok +PocketSphinx en-us model/m);
    expect(r.out).toMatch(/^ok +sclite \(NIST SCTK\): \/usr\/lib\/sctk\/bin\/sclite/m);
    expect(r.out).toMatch(/^ok +OpenAI credentials: OPENAI_API_KEY is set/m);
    expect(r.out).not.toContain(secret);
    expect(r.out).toContain('all required checks passed');
  });

  it('doctor fails with a fix for each missing tool when they are not on PATH', () => {
    const r = cli(['doctor', '--json'], { HOME: process.env.HOME, PATH: '/nonexistent' });
    expect(r.code).toBe(1);
    const checks = JSON.parse(r.out) as { name: string; ok: boolean; required: boolean; fix?: string }[];
    const ff = checks.find((c) => c.name === 'ffmpeg')!;
    expect(ff).toMatchObject({ ok: false, required: true, fix: 'apt-get install -y ffmpeg' });
    expect(checks.find((c) => c.name === 'pocketsphinx_batch')).toMatchObject({ ok: false, fix: 'apt-get install -y pocketsphinx' });
    expect(checks.find((c) => c.name === 'OpenAI credentials')).toMatchObject({ ok: false, required: false });
  });

  it('backends lists every registered type with options, env and capabilities', () => {
    const r = cli(['backends', '--json']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.out) as { type: string; options: Record<string, string>; env: string[]; capabilities?: { glassBox: boolean; remote: boolean } }[];
    const ps = list.find((b) => b.type === 'pocketsphinx')!;
    expect(ps.capabilities).toMatchObject({ glassBox: true, remote: false });
    expect(Object.keys(ps.options)).toContain('hmm');
    const oa = list.find((b) => b.type === 'openai');
    if (oa) expect(oa.env).toContain('OPENAI_API_KEY');
  });

  it('run reports a bad suite with its file and line, exit 2', () => {
    const r = cli(['run', resolve('test/run/fixtures/bad-suite.yaml'), '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad-suite\.yaml:6: backends\[0\]\.concurrency: /);
  });
});
