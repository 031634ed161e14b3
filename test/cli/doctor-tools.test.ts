/** Issue 14, point 10: doctor checks festival, redis-server, chromium and sphinxtrain, with a fix for each. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.ts';

const doctor = (env: NodeJS.ProcessEnv) => {
  const r = spawnSync(process.execPath, [BIN, 'doctor', '--json', '--store', '/tmp/asrfair-doctor-tools/store.sqlite'], { encoding: 'utf8', env });
  return { code: r.status, checks: JSON.parse(r.stdout) as { name: string; ok: boolean; required: boolean; detail: string; fix?: string }[] };
};

describe('asrfair doctor: the other tools asrfair runs', () => {
  it('finds festival, redis-server, chromium and sphinxtrain on this machine, with their versions', () => {
    const { checks } = doctor(process.env);
    const by = (n: string) => checks.find((c) => c.name === n)!;
    expect(by('festival')).toMatchObject({ ok: true, required: false });
    expect(by('festival').detail).toMatch(/Festival Speech Synthesis System/);
    expect(by('redis-server').detail).toMatch(/^Redis server v=\d/);
    expect(by('chromium').detail).toMatch(/Chromium \d+/);
    expect(by('sphinxtrain')).toMatchObject({ ok: true, detail: '2 files present' });
  });

  it('says how to install each one when it is missing (optional: exit status unaffected by them)', () => {
    const { checks } = doctor({ HOME: process.env.HOME, PATH: '/nonexistent' });
    const by = (n: string) => checks.find((c) => c.name === n)!;
    expect(by('festival')).toMatchObject({ ok: false, required: false, fix: 'apt-get install -y festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts' });
    expect(by('redis-server')).toMatchObject({ ok: false, fix: 'apt-get install -y redis-server' });
    expect(by('chromium')).toMatchObject({ ok: false, fix: 'apt-get install -y chromium' });
    // sphinxtrain is found by path, not PATH: still present here.
    expect(by('sphinxtrain').ok).toBe(true);
  });
});
