/**
 * Markdown cards are escaped with backslashes (CommonMark 0.31 §2.4, GFM §4.10), never with HTML entities: the card
 * printed `p &lt;0.001`, which a raw reader (and a renderer that does not decode entities in tables) sees as is
 * (last session's left-alone defect). Real card output — the Artie corpus with Amazon en-US's real transcripts, four
 * accents renamed to hostile names — rendered by cmark-gfm, GitHub's own Markdown parser (Debian `cmark-gfm`, with
 * raw HTML let through as GitHub's parser passes it to its sanitiser): every group name comes out as the exact
 * text, in its own cell, with no markup; `<0.001` reads the same raw and rendered; HTML cards still escape for
 * HTML; CSV is unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { mdCode, mdEscape } from '../../src/manifest/escape.ts';

const ROOT = join(import.meta.dirname, '../..');
const ARTIE = join(ROOT, 'corpora/artie-bias-corpus');
/** Declared accents renamed: HTML, a table pipe, emphasis, code, an entity, a link, strikethrough, a heading mark. */
const RENAMED: Record<string, string> = {
  us: '<script>alert(1)</script>',
  indian: 'a|b *c* _d_',
  england: '`x` &amp; [l](x) ~~s~~',
  canada: '# <b>bold</b> & <0.5',
};

/** GitHub's Markdown parser, raw HTML passed through (GitHub sanitises afterwards; here it would show). */
function gfm(md: string, extensions = ['table', 'strikethrough', 'autolink']): string {
  return execFileSync('cmark-gfm', ['--unsafe', ...extensions.flatMap((e) => ['-e', e])], { input: md, encoding: 'utf8' });
}
const decode = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

let dir: string;
let card: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'asrfair-md-escape-'));
  const lines = readFileSync(join(ARTIE, 'manifest.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => {
    const u = JSON.parse(l) as { labels: Record<string, string> };
    const a = u.labels.accent;
    if (a && RENAMED[a]) u.labels = { ...u.labels, accent: RENAMED[a] };
    return JSON.stringify(u);
  });
  writeFileSync(join(dir, 'm.jsonl'), lines.join('\n') + '\n');
  writeFileSync(
    join(dir, 's.yaml'),
    `name: md-escape\nmanifest: m.jsonl\ngroupBy: [accent]\nnormaliser: basic\nbootstrap: { B: 200 }\nminCell: { speakers: 10, words: 500 }\nmetrics: [wer]\nbackends:\n` +
      `  - { name: amazon, type: hypotheses, options: { file: ${join(ARTIE, 'predictions/amazon/en-US/dec-9-2019.tsv')}, idFrom: basename-without-extension } }\n`,
  );
  const run = join(dir, 'run');
  const r = await cli('run', join(dir, 's.yaml'), '--store', join(dir, 's.sqlite'), '--out', run, '--no-progress', '--no-gate');
  expect(r.code, r.stderr).toBe(0);
  card = join(dir, 'card');
  const rep = await cli('report', run, '--format', 'md,html,csv,json', '--out', card);
  expect(rep.code, rep.stderr).toBe(0);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Markdown card escaping on real card output, rendered by cmark-gfm', () => {
  it('no HTML entity in the raw Markdown; p <0.001 reads the same raw and rendered', () => {
    const md = readFileSync(join(card, 'card.md'), 'utf8');
    // (The one entity-like text is a group name's own "&amp;", escaped so that it is not decoded.)
    expect(md.replace(/\\&amp;/g, '')).not.toMatch(/&(lt|gt|amp|quot|#\d+);/);
    // A sentence run through the escaper holds "<0.001" (the within/between p, the MC interval of a sampled p).
    const para = md.split('\n').filter((l) => !l.startsWith('|') && /<0\.001/.test(l));
    expect(para.length).toBeGreaterThan(0);
    const html = gfm(md);
    for (const l of para) {
      const p = decode(gfm(l).replace(/<\/?p>\n?/g, ''));
      expect(p.trim()).toBe(l.replace(/\\(.)/g, '$1'));
      expect(p).toMatch(/<0\.001/);
    }
    expect(decode(html)).toContain('<0.001');
    expect(html).not.toMatch(/\\</);
  });

  it('every hostile group name renders as its own text in its own cell, with no markup, in tables and sentences', () => {
    const md = readFileSync(join(card, 'card.md'), 'utf8');
    const html = gfm(md);
    // No markup made from a name: no script, bold, emphasis, code, link or strikethrough element anywhere.
    // (The card's own markup: its title, the corpus name in bold, its hash as code, the bold "All groups".)
    expect(html).not.toMatch(/<(script|b|em|a|del)\b/);
    expect(html.match(/<code>/g)).toHaveLength(1);
    expect(html.match(/<h[1-6]>/g)).toHaveLength(md.split('\n').filter((l) => /^#{1,6} /.test(l)).length);
    const firstTable = html.slice(html.indexOf('<table>'), html.indexOf('</table>'));
    const headCells = [...firstTable.slice(0, firstTable.indexOf('</thead>')).matchAll(/<th(?:\s[^>]*)?>/g)].length;
    const rows = [...firstTable.matchAll(/<tr>\n([\s\S]*?)<\/tr>/g)].slice(1).map((m) => [...m[1].matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => decode(c[1])));
    for (const r of rows) expect(r).toHaveLength(headCells);
    const groups = rows.map((r) => r[0]);
    for (const name of Object.values(RENAMED)) expect(groups).toContain(name);
    // The best group (us, renamed) is named in a sentence under the table: the exact text again.
    expect(decode(html)).toContain(`): ${RENAMED.us}.`);
  });

  it('HTML cards still escape for HTML; CSV keeps the names as they are (quoted)', () => {
    const html = readFileSync(join(card, 'card.html'), 'utf8');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&lt;b&gt;bold&lt;/b&gt; &amp; &lt;0.5');
    const csv = readFileSync(join(card, 'card.csv'), 'utf8');
    expect(csv).toContain(',<script>alert(1)</script>,');
    expect(csv).toContain(',`x` &amp; [l](x) ~~s~~,');
    expect(csv).toContain(',# <b>bold</b> & <0.5,');
  });

  it('mdEscape: block markers at the start of a paragraph, entities, autolinks; mdCode: any backticks inside', () => {
    const cases = ['> quoted', '- item', '+ item', '1. first', '2) second', '---', '&copy; &#42; &#x2a;', '<http://x.y>', '<a@b.c>', '<!-- c -->', '<?php ?>', 'a <= b, c < 3 & d', 'x\\y'];
    // CommonMark's own autolinks count; GFM's extended ones (bare www./https:// text) are documented as left alone.
    for (const s of cases) expect(decode(gfm(mdEscape(s), ['table', 'strikethrough']).trim()), s).toBe(`<p>${s}</p>`);
    // Left bare where CommonMark reads them as text: the raw line is what is rendered.
    expect(mdEscape('p <0.001 & q')).toBe('p <0.001 & q');
    expect(mdEscape('-0.5 pp')).toBe('-0.5 pp');
    for (const s of ['a`b', '``x``', '`', 'plain', 'ends with `']) expect(decode(gfm(`- ${mdCode(s)}`)), s).toContain(`<code>${s}</code>`);
  });
});
