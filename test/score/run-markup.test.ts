/**
 * The run scorer reads trn markup as `asrfair score` and NIST sclite do (issue 11): SCTK's own
 * alternation test references (tsclite's tests.ref / tests.hyp: alternations with @, nested networks,
 * fragments, optionally deletable words, ;tags) go through `asrfair run` with the hypotheses backend, and
 * every speaker's errors equal `asrfair score` and Debian's sclite on the same files with the same flags.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../src/cli/commands/run.ts';
import { scoreFiles } from '../../src/score/score.ts';
import { parseTrnLine, speakerOf } from '../../src/score/trn.ts';
import { loadRunForReport } from '../../src/score/run-export.ts';
import { parseScliteOutput, SCLITE, scliteAvailable } from './sclite-run.ts';
import { TSCLITE_DIR } from './tsclite.ts';
import { BIN } from '../helpers/cli.ts';

const have = scliteAvailable && existsSync(join(TSCLITE_DIR, 'tests.ref'));
let dir: string;

/** tsclite's tests.ref/hyp as trn copies with lower-case ids, without the empty references (a manifest needs words). */
function writeInputs(): { ref: string; hyp: string; manifest: string; dropped: number } {
  const read = (f: string) =>
    readFileSync(join(TSCLITE_DIR, f), 'utf8')
      .split('\n')
      .map((l, i) => parseTrnLine(l, f, i + 1))
      .filter((t) => t !== undefined)
      .map((t) => ({ ...t, id: t.id.toLowerCase() }));
  const refs = read('tests.ref');
  const kept = refs.filter((r) => r.text.trim() !== '');
  const ids = new Set(kept.map((r) => r.id));
  const hyps = read('tests.hyp').filter((h) => ids.has(h.id));
  const ref = join(dir, 'ref.trn');
  const hyp = join(dir, 'hyp.trn');
  writeFileSync(ref, kept.map((r) => `${r.text} (${r.id})`).join('\n') + '\n');
  writeFileSync(hyp, hyps.map((h) => `${h.text} (${h.id})`).join('\n') + '\n');
  const manifest = join(dir, 'manifest.jsonl');
  writeFileSync(manifest, kept.map((r) => JSON.stringify({ id: r.id, text: r.text, speaker: speakerOf(r.id), labels: { accent: speakerOf(r.id) } })).join('\n') + '\n');
  return { ref, hyp, manifest, dropped: refs.length - kept.length };
}

function runSuite(name: string, markup: string, inputs: { hyp: string }): Promise<string> {
  const suite = join(dir, `${name}.yaml`);
  writeFileSync(
    suite,
    [
      `name: ${name}`,
      'manifest: manifest.jsonl',
      'normaliser: none',
      `markup: ${markup}`,
      'qc: false',
      'backends:',
      `  - { type: hypotheses, name: tests-hyp, options: { file: ${inputs.hyp}, format: trn } }`,
      'groupBy: [accent]',
      '',
    ].join('\n'),
  );
  const out = join(dir, `export-${name}`);
  return runCommand(suite, { progress: false, drainSec: 5, store: join(dir, `${name}.sqlite`), out, say: () => undefined, gate: false }).then(() => out);
}

function perSpeaker(exportDir: string): Map<string, [number, number, number, number]> {
  const m = new Map<string, [number, number, number, number]>();
  for (const u of loadRunForReport(exportDir).utterances) {
    expect(u.status, `${u.id}: ${u.error ?? ''}`).toBe('ok');
    const t = m.get(u.speaker) ?? [0, 0, 0, 0];
    m.set(u.speaker, [t[0] + u.words.hits, t[1] + u.words.sub, t[2] + u.words.del, t[3] + u.words.ins]);
  }
  return m;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-run-markup-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!have)('run scorer: sclite markup in references and hypotheses', () => {
  for (const [name, markup, flags] of <[string, string, string[]][]>[
    ['plain', 'sclite', []],
    ['dash-d-f', '{ convention: sclite, optionallyDeletable: true, fragments: true }', ['-D', '-F']],
  ]) {
    it(`tsclite tests.ref × tests.hyp (${flags.join(' ') || 'no flags'}): per-speaker C/S/D/I of the run = asrfair score = sclite`, async () => {
      const inputs = writeInputs();
      expect(inputs.dropped).toBe(3); // (empty-1), (empty-2) and one more reference without words
      const exp = await runSuite(name, markup, inputs);
      const ours = perSpeaker(exp);

      const sc = await scoreFiles(inputs.ref, inputs.hyp, { markup: { optionalDeletable: flags.includes('-D'), fragments: flags.includes('-F') }, chars: false });
      const viaScore = new Map(sc.speakers.rows().map((r) => [r.speaker, [r.counts.hits, r.counts.sub, r.counts.del, r.counts.ins]]));
      expect(ours).toEqual(viaScore);

      const r = spawnSync(SCLITE, ['-r', inputs.ref, 'trn', '-h', inputs.hyp, 'trn', '-i', 'spu_id', ...flags, '-o', 'sum', 'rsum', 'stdout'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const theirs = new Map(parseScliteOutput(r.stdout).rawSpeakers.map((s) => [s.speaker, [s.corr, s.sub, s.del, s.ins]]));
      expect(ours).toEqual(theirs);
      // Markup was not scored as words: no alternation bracket or @ in any scored text.
      for (const u of loadRunForReport(exp).utterances) expect(`${u.ref} ${u.hyp}`).not.toMatch(/[{}@]|\s\/\s/);
    }, 60_000);
  }
});

describe('run scorer: malformed markup', () => {
  it('an unclosed "{" in one reference fails that row with a clear error; the other rows are scored', async () => {
    writeFileSync(
      join(dir, 'manifest.jsonl'),
      [
        { id: 'a-1', text: 'the cat { sat / sit' },
        { id: 'a-2', text: 'the { dog / hound } ran' },
        { id: 'b-1', text: 'a plain sentence' },
      ]
        .map((u) => JSON.stringify({ ...u, speaker: u.id.slice(0, 1), labels: { accent: 'x' } }))
        .join('\n') + '\n',
    );
    const hyp = join(dir, 'bad-hyp.trn');
    writeFileSync(hyp, 'the cat sat (a-1)\nthe hound ran (a-2)\na plain sentence (b-1)\n');
    const stderr: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (stderr.push(String(s)), true)) as typeof process.stderr.write;
    let exp: string;
    try {
      exp = await runSuite('badmarkup', 'sclite', { hyp });
    } finally {
      process.stderr.write = write;
    }
    const rows = new Map(loadRunForReport(exp).utterances.map((u) => [u.id, u]));
    expect(rows.get('a-1')).toMatchObject({ status: 'failed', error: 'markup: reference of a-1: unbalanced "{": the alternation is not closed with "}"' });
    expect(rows.get('a-2')).toMatchObject({ status: 'ok', words: { ref: 3, hits: 3, sub: 0, del: 0, ins: 0 } });
    expect(rows.get('b-1')!.status).toBe('ok');
    expect(stderr.join('')).toContain('1 utterance(s) with malformed markup were not scored');
  }, 30_000);

  it('asrfair validate --suite names the manifest file:line of a reference with malformed markup', () => {
    const r = spawnSync(process.execPath, [BIN, 'validate', join(dir, 'manifest.jsonl'), '--suite', join(dir, 'badmarkup.yaml')], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${join(dir, 'manifest.jsonl')}:1: unbalanced "{": the alternation is not closed with "}" (id a-1; the suite reads sclite markup)`);
  }, 30_000);
});
