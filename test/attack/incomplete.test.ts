/**
 * Issue 13, item 2: a run killed with kill -9 exported with exit 0 and a card showing 2 of 5 groups
 * without saying so. Now export/report refuse an incomplete run unless --allow-incomplete, and its
 * cards say "incomplete: n of N" at the top and per group; the killed run is said to be interrupted (export reads the store read-only: the next run marks it).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, cli, query, service, until, workspace, type Service } from './helpers.ts';

const dirs: string[] = [];
const services: Service[] = [];
afterEach(() => cleanup(dirs, services));

describe('a run killed with kill -9', () => {
  it('is refused by export and report unless --allow-incomplete, and then says incomplete at the top and per group', async () => {
    const N = 16;
    const ws0 = workspace(N, 'http://127.0.0.1:1');
    dirs.push(ws0.dir);
    const s = await service(ws0.texts, { latencyMs: 5, answerFirst: 6 });
    services.push(s);
    const ws = workspace(N, s.srv.url, '', 0);
    dirs.push(ws.dir);
    const run = cli(['run', 'suite.yaml', '--store', ws.store, '--no-progress', '--concurrency', '1'], ws.dir);
    await until(() => query(ws.store, "SELECT * FROM run_items").length === 6 && s.held.size === 1, 'six items stored and a call in flight');
    run.child.kill('SIGKILL');
    await run.done;
    for (const r of s.held) r.destroy();

    const raw = await cli(['export', ws.store, '--format', 'csv'], ws.dir).done;
    expect(raw.code).toBe(2);
    expect(raw.err.trim().split('\n')).toHaveLength(1);
    expect(raw.err).toMatch(/is incomplete \(interrupted, 6 of 16 items\).*--allow-incomplete/);
    expect(raw.out).toBe('');
    // export reads the store read-only: the stale lease says "interrupted"; the store is left as the killed run left it.
    expect(query<{ status: string }>(ws.store, 'SELECT status FROM runs')[0].status).toBe('running');

    const scoredRefused = await cli(['export', ws.store, '--scored', 'out'], ws.dir).done;
    expect(scoredRefused.code).toBe(2);
    expect(existsSync(join(ws.dir, 'out', 'run.json'))).toBe(false);

    const scored = await cli(['export', ws.store, '--scored', 'out', '--allow-incomplete'], ws.dir).done;
    expect(scored.code).toBe(0);
    const meta = JSON.parse(readFileSync(join(ws.dir, 'out', 'run.json'), 'utf8')) as { incomplete: { items: number; expected: number; groups: Record<string, Record<string, { items: number; expected: number }>> } };
    expect(meta.incomplete.items).toBe(6);
    expect(meta.incomplete.expected).toBe(16);
    // corpus(): odd indices north, even south; the first six utterances are u0000–u0005.
    expect(meta.incomplete.groups.accent).toEqual({ north: { items: 3, expected: 8 }, south: { items: 3, expected: 8 } });

    const refused = await cli(['report', 'out', '--format', 'md'], ws.dir).done;
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/^asrfair: out: run .* is incomplete \(interrupted, 6 of 16 items\)/);

    const rep = await cli(['report', 'out', '--format', 'md,html', '--allow-incomplete', '--bootstrap', '200'], ws.dir).done;
    expect(rep.code).toBe(0);
    const md = readFileSync(join(ws.dir, 'out', 'report', 'card.md'), 'utf8');
    expect(md.split('\n').slice(0, 4).join('\n')).toContain('incomplete: 6 of 16 items');
    expect(md).toMatch(/\| north .*incomplete: 3 of 8 \|/);
    expect(md).toMatch(/\| south .*incomplete: 3 of 8 \|/);
    const html = readFileSync(join(ws.dir, 'out', 'report', 'card.html'), 'utf8');
    expect(html).toContain('id="incomplete"');
    expect(html).toContain('incomplete: 3 of 8');
  });
});
