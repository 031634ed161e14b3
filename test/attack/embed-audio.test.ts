/**
 * Issue 13, item 3: `report --embed-audio` base64-inlined whatever file a row's `audio` named —
 * `/etc/passwd`, a symlink to a secret — even when it failed to decode. Now only audio that decoded and
 * lies (symlinks resolved) in the manifest folders is embedded; other paths need --allow-outside-audio
 * and are then named on the card.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmp, wavBytes } from '../run/helpers.ts';
import { cli } from './helpers.ts';
import { looksLikeAudio } from '../../src/report/audio-embed.ts';

const SECRET = 'TOP-SECRET-0123456789-not-audio';

function b64(s: string | Buffer): string {
  return Buffer.from(s).toString('base64');
}

describe('report --embed-audio', () => {
  it('smallest input: a text file is not audio', () => {
    expect(looksLikeAudio(Buffer.from('root:x:0:0:root:/root:/bin/bash\n'))).toBe(false);
    expect(looksLikeAudio(wavBytes(1).subarray(0, 16))).toBe(true);
  });

  it('embeds decoded audio from the manifest folder only; /etc/passwd, a symlinked secret and a non-audio file never', async () => {
    const root = tmp('asrfair-attack-');
    const corpus = join(root, 'corpus');
    mkdirSync(join(corpus, 'audio'), { recursive: true });
    writeFileSync(join(root, 'secret.txt'), SECRET);
    writeFileSync(join(root, 'outside.wav'), wavBytes(9));
    writeFileSync(join(corpus, 'audio', 'good.wav'), wavBytes(1));
    symlinkSync(join(root, 'secret.txt'), join(corpus, 'audio', 'link.wav'));
    writeFileSync(join(corpus, 'audio', 'text.wav'), `${SECRET}\n`);
    const utts = [
      { id: 'good', audio: 'audio/good.wav' },
      { id: 'passwd', audio: '/etc/passwd' },
      { id: 'link', audio: 'audio/link.wav' },
      { id: 'text', audio: 'audio/text.wav' },
      { id: 'outside', audio: '../outside.wav' },
    ];
    writeFileSync(join(corpus, 'm.jsonl'), utts.map((u, i) => JSON.stringify({ ...u, text: 'hello world', speaker: `s${i}`, labels: { accent: 'a' } })).join('\n') + '\n');
    writeFileSync(join(corpus, 'hyp.jsonl'), utts.map((u) => JSON.stringify({ id: u.id, text: 'hello world' })).join('\n') + '\n');
    writeFileSync(join(corpus, 'suite.yaml'), 'name: emb\nmanifest: m.jsonl\nqc: false\nbackends:\n  - type: hypotheses\n    options: { file: hyp.jsonl }\n');
    const run = await cli(['run', 'suite.yaml', '--store', 'st.sqlite', '--out', 'out', '--no-progress'], corpus).done;
    expect(run.code, run.err).toBe(0);
    const rep = await cli(['report', 'out', '--format', 'html', '--embed-audio', '--bootstrap', '200'], corpus).done;
    expect(rep.code, rep.err).toBe(0);
    const html = readFileSync(join(corpus, 'out', 'report', 'card.html'), 'utf8');
    expect(html).toContain(b64(wavBytes(1)).slice(0, 200));
    expect(html).not.toContain(b64(readFileSync('/etc/passwd')).slice(0, 40));
    expect(html).not.toContain(b64(SECRET).slice(0, 20));
    expect(html).not.toContain(b64(`${SECRET}\n`).slice(0, 20));
    expect(html).not.toContain(b64(wavBytes(9)).slice(0, 200));
    expect(html).not.toContain('outside-audio');

    const allowed = await cli(['report', 'out', '--format', 'html', '--embed-audio', '--allow-outside-audio', '--out', 'rep2', '--bootstrap', '200'], corpus).done;
    expect(allowed.code, allowed.err).toBe(0);
    const html2 = readFileSync(join(corpus, 'rep2', 'card.html'), 'utf8');
    // Real audio outside the folder is used now, and named; text files still never are.
    expect(html2).toContain(b64(wavBytes(9)).slice(0, 200));
    expect(html2).toMatch(new RegExp(`id="outside-audio"[^<]*${join(root, 'outside.wav').replace(/[/.]/g, '\\$&')}`));
    expect(html2).not.toContain(b64(readFileSync('/etc/passwd')).slice(0, 40));
    expect(html2).not.toContain(b64(SECRET).slice(0, 20));
  });
});
