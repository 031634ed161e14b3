import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { glmFilter, loadNistGlm, parseNistGlm } from '../../src/text/nist-glm.ts';
import { parseTrnLine } from '../../src/score/trn.ts';
import { scoreFiles } from '../../src/score/score.ts';
import { InputError } from '../../src/manifest/errors.ts';
import { parseScliteOutput, SCLITE } from '../score/sclite-run.ts';
import { TSCLITE_DIR } from '../score/tsclite.ts';

const SCTK_BIN = '/usr/lib/sctk/bin';
const CSRFILT = join(SCTK_BIN, 'csrfilt.sh');
const GLM = join(import.meta.dirname, 'fixtures/en20030506-excerpt.glm');
const have = existsSync(CSRFILT) && existsSync(SCLITE) && existsSync(join(TSCLITE_DIR, 'tests.ref'));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-nist-glm-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs Debian's csrfilt.sh (rfilter1 must be on PATH, as the script expects). */
function csrfilt(input: string, args: string[] = []): string {
  const r = spawnSync(CSRFILT, [...args, '-i', 'trn', GLM], {
    input,
    encoding: 'latin1',
    env: { ...process.env, PATH: `${SCTK_BIN}:${process.env.PATH}` },
  });
  if (r.status !== 0) throw new Error(`csrfilt.sh failed: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

const CRAFTED = [
  'uh huh-uh i am gonna see mr. binyamin netanyahu the fundraiser adviser advisers (c-1)',
  'okay ok Okay mm-hmm the multicultural healthcare newspaper newspapers everyone (c-2)',
  "ain't c'mon 'em 'cause ma'am 'til kinda oughta gotta wanna (c-3)",
  'william falkner falkner estheticism esthetic t. shirt t. (c-4)',
  '(uh) ( um ah ) down syndrome good by ft se ftse (c-5)',
  '{ uh / um } the aircraft and { ok / @ } (c-6)',
  'alright anymore tornadoes donut catalogue bagdad colosseum cancelled (c-7)',
  '(c-8)',
];

describe.skipIf(!have)('NIST GLM rules applied like csrfilt.sh', () => {
  it('reads the NIST1 header, contexts and rules of en20030506.glm', () => {
    const g = loadNistGlm(GLM);
    expect(g.name).toBe('en20030506.glm');
    expect(g.caseSensitive).toBe(false);
    expect(g.copyNoHit).toBe(true);
    const byFrom = new Map(g.rules.map((r) => [r.from, r]));
    expect(byFrom.get('HUH-UH')).toMatchObject({ to: '%BCNACK', left: ' ', right: ' ' });
    expect(byFrom.get("AIN'T")).toMatchObject({ to: 'ARE NOT', left: ' ', right: ' ' });
    expect(byFrom.get('GONNA')).toMatchObject({ to: 'GOING TO', left: '', right: '' });
    expect(byFrom.get('BINYAMIN')).toMatchObject({ to: 'BENJAMIN', left: '', right: ' NETANYAHU' });
    expect(byFrom.get('FALKNER')).toMatchObject({ to: 'FAULKNER', left: 'WILLIAM ', right: '' });
    expect(byFrom.get('ADVISER')).toMatchObject({ to: 'ADVISOR', left: ' ', right: '' });
  });

  for (const upCase of [true, false]) {
    it(`filters every line exactly as csrfilt.sh${upCase ? '' : ' -s'} (crafted lines, tests.ref, csrnab.ref)`, () => {
      const lines = [
        ...CRAFTED,
        ...readFileSync(join(TSCLITE_DIR, 'tests.ref'), 'latin1').split('\n'),
        ...readFileSync(join(TSCLITE_DIR, 'csrnab.ref'), 'latin1').split('\n'),
      ].filter((l) => l.trim() !== '' && !l.startsWith(';;') && !/\(.*\(|\).*\)/.test(l.replace(/\([^()]*\)\s*$/, '').replace(/\([^()\s]+\)/g, '')));
      const theirs = csrfilt(lines.join('\n') + '\n', upCase ? [] : ['-s']).split('\n');
      const filter = glmFilter(loadNistGlm(GLM), upCase);
      lines.forEach((l, k) => {
        const t = parseTrnLine(l, 'x.trn', k + 1)!;
        const ours = `${filter(t.text, 'x.trn', k + 1)} (${t.id})`.trim();
        expect(ours, l).toBe(theirs[k]!.replace(/^\(/, '(').trim());
      });
    });
  }

  it('scores like csrfilt.sh on ref and hyp followed by sclite (tests.ref/tests.hyp -F -D, csrnab -i wsj)', async () => {
    for (const c of [
      { ref: 'tests.ref', hyp: 'tests.hyp', args: ['-i', 'spu_id', '-F', '-D'], id: 'spu_id' as const },
      { ref: 'csrnab.ref', hyp: 'csrnab.hyp', args: ['-i', 'wsj'], id: 'wsj' as const },
    ]) {
      const fr = join(dir, `${c.ref}.filt`);
      const fh = join(dir, `${c.hyp}.filt`);
      writeFileSync(fr, csrfilt(readFileSync(join(TSCLITE_DIR, c.ref), 'latin1')), 'latin1');
      writeFileSync(fh, csrfilt(readFileSync(join(TSCLITE_DIR, c.hyp), 'latin1')), 'latin1');
      const r = spawnSync(SCLITE, ['-r', fr, 'trn', '-h', fh, 'trn', ...c.args, '-o', 'sum', 'rsum', 'stdout'], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      const sc = parseScliteOutput(r.stdout);
      const res = await scoreFiles(join(TSCLITE_DIR, c.ref), join(TSCLITE_DIR, c.hyp), {
        glm: loadNistGlm(GLM),
        chars: false,
        missingHyp: 'skip',
        idFormat: c.id,
        markup: { caseFold: 'ascii', optionalDeletable: c.args.includes('-D'), fragments: c.args.includes('-F') },
      });
      const ours = res.speakers.rows().map((s) => [s.speaker, s.sentences, s.counts.ref, s.counts.hits, s.counts.sub, s.counts.del, s.counts.ins]);
      expect(ours).toEqual(sc.rawSpeakers.map((x) => [x.speaker, x.sentences, x.words, x.corr, x.sub, x.del, x.ins]));
      // The GLM changed something: hesitations and contractions are mapped on both sides.
      expect(res.glm?.name).toBe('en20030506.glm');
    }
  });

  it('bad rules and unbalanced parentheses name file:line', () => {
    expect(() => parseNistGlm('* name "x"\nGONNA GOING TO\n', 'bad.glm')).toThrow(InputError);
    expect(() => parseNistGlm('* name "x"\nGONNA GOING TO\n', 'bad.glm')).toThrow(/^bad\.glm:2: not a GLM rule/);
    expect(() => parseNistGlm("* format = 'NIST2'\n", 'f.glm')).toThrow(/^f\.glm:1: only GLM format 'NIST1'/);
    const filter = glmFilter(parseNistGlm('X => Y\n', 'g.glm'));
    expect(() => filter('a ( b c', 'ref.trn', 7)).toThrow(/^ref\.trn:7: unbalanced optional-deletion parentheses/);
  });

  it('INPUT_DEPENDENT_APPLICATION regions apply by input type', () => {
    const text = 'A => B\n;; INPUT_DEPENDENT_APPLICATION = "ctm"\nC => D\n;; INPUT_DEPENDENT_APPLICATION = "trn|stm"\nE => F\n';
    expect(parseNistGlm(text, 'r.glm').rules.map((r) => r.from)).toEqual(['A', 'E']);
    expect(parseNistGlm(text, 'r.glm', { inputType: 'ctm' }).rules.map((r) => r.from)).toEqual(['A', 'C']);
  });
});
