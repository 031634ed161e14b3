import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '../../bin/asrfair.mjs');

describe('asrfair demo (synthesis → PocketSphinx → service card)', () => {
  it('runs end to end on a small corpus, writes the reports, and reuses everything on a rerun', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'demo-'));
    const args = [BIN, 'demo', '--voices', 'fliteslt,fliteawb', '--speakers', '2', '--sentences', '2', '--no-progress'];
    const first = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 240_000 });
    expect(first.stderr).not.toMatch(/Error|error:/);
    expect(first.status).toBe(0);
    // Two voices × 2 speakers × 2 sentences, 16 kHz WAVs and a manifest with declared accents.
    const audio = readdirSync(join(cwd, 'corpora/demo/audio'));
    expect(audio).toHaveLength(8);
    const manifest = readFileSync(join(cwd, 'corpora/demo/manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { labels: Record<string, string> });
    expect(new Set(manifest.map((m) => m.labels.accent))).toEqual(new Set(['us', 'scottish']));
    const dir = join(cwd, 'reports/demo/latest');
    for (const f of ['run.json', 'results.jsonl', 'report/card.md', 'report/card.json', 'report/card.html', 'report/card.csv']) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
    const results = readFileSync(join(dir, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { status: string; hyp: string; words: { ref: number }; phones?: { ref: number } });
    expect(results).toHaveLength(8);
    expect(results.every((r) => r.status === 'ok' && r.words.ref > 0 && (r.phones?.ref ?? 0) > 0)).toBe(true);
    expect(results.some((r) => r.hyp.length > 0)).toBe(true);
    const md = readFileSync(join(dir, 'report/card.md'), 'utf8');
    expect(md).toContain('Synthetic accents');
    expect(md).toMatch(/\| scottish \|/);
    expect(md).toMatch(/\| us \|/);
    expect(md).toContain('PER');
    expect(first.stdout).toMatch(/^ {2}reports\/demo\/latest\/report\/card\.md$/m); // the terminal summary lists the card files

    const again = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 240_000 });
    expect(again.status).toBe(0);
    expect(again.stderr).toContain('0 newly spoken');
    expect(again.stdout).toMatch(/pocketsphinx\s+clean\s+8\s+8\s+0\s/); // 8 items, 8 cached, 0 called
  }, 300_000);
});
