import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';

describe('usage errors exit 2, never 1 (the gate code)', () => {
  it('an unknown option, a missing required option or argument exit 2; help and version exit 0', async () => {
    const typo = await cli('check', 'some-run', '--max-gapp', '0.03');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/unknown option '--max-gapp'/);
    // The error, commander's suggestion and a pointer to --help; not the whole help text.
    const run = await cli('run', 'x.yaml', '--cache-dir', 'y');
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n'), run.stderr).toEqual(["error: unknown option '--cache-dir'", '(add --help for the options)']);
    expect((await cli('score', '--ref', 'r.trn')).code).toBe(2);
    expect((await cli('report')).code).toBe(2);
    expect((await cli('score', '--help')).code).toBe(0);
    expect((await cli('--version')).code).toBe(0);
  });
});
