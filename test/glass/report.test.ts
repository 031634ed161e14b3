import { describe, expect, it } from 'vitest';
import { findConfusableSounds, type EvidenceUtterance, type PhoneEvent } from '../../src/analysis/confusable.ts';
import type { GlassReport } from '../../src/analysis/glass-suite.ts';
import { defaultGlassOptions } from '../../src/backends/pocketsphinx-glass.ts';
import { confusableHtmlPage, confusableHtmlSection, confusableJson, confusableMarkdown, confusionHeatmapSvg } from '../../src/report/confusable.ts';

const EVIL_GROUP = '<img src=x onerror=alert(1)>|x';
const EVIL_WORD = '</td><script>alert(1)</script>';

function evidence(group: string, confused: boolean): EvidenceUtterance[] {
  return [1, 2, 3, 4, 5, 6].map((k) => {
    const events: PhoneEvent[] = [];
    for (let i = 0; i < 4; i++) events.push({ ref: 'TH', hyp: confused && i < 2 ? 'T' : 'TH', word: EVIL_WORD });
    events.push({ ref: 'S', hyp: 'S', word: 'sun' });
    return { id: `${group}-u${k}"'`, speaker: `${group}-${k}`, group, events, words: [{ word: EVIL_WORD, error: confused }] };
  });
}

function report(): GlassReport {
  const r = findConfusableSounds([...evidence(EVIL_GROUP, true), ...evidence('plain', false)], { permutations: 1000 });
  return {
    groupBy: 'accent',
    groups: r.groups,
    utterances: 12,
    speakers: 12,
    phoneLoop: r,
    blackBox: { ...r, hypothesisSource: 'test <b>hyp</b>' },
    goodness: [],
    failures: [{ id: '<x>', stage: 'alignment', error: 'bad <b>' }],
    settings: { glass: defaultGlassOptions(), engine: 'pocketsphinx' },
  };
}

describe('confusable-sounds renderers', () => {
  it('escapes every group label, word and utterance id in HTML and SVG', () => {
    const html = confusableHtmlPage(report());
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<b>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;|x');
    expect(html).toContain('&lt;/td&gt;&lt;script&gt;');
    expect(html).toContain('&quot;&#39;');
    // Fragments carry no inline style attributes (the main report's CSP forbids them).
    expect(confusableHtmlSection(report())).not.toMatch(/ style=/);
  });

  it('outlines flagged cells in the heatmap and colours by rate normalised by the reference phone', () => {
    const r = report();
    const m = r.phoneLoop!.matrices.find((x) => x.group === EVIL_GROUP)!;
    const flagged = r.phoneLoop!.confusions.filter((t) => t.flagged && t.group === EVIL_GROUP);
    expect(flagged.map((t) => `${t.ref}>${t.hyp}`)).toEqual(['TH>T']);
    const svg = confusionHeatmapSvg(m, flagged);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.endsWith('</svg>')).toBe(true);
    const th2t = svg.match(/<rect [^>]*><title>TH → T: (\d+)\/(\d+) \(([\d.]+)%\)<\/title>/)!;
    expect(th2t.slice(1)).toEqual(['12', '24', '50.0']);
    expect(svg).toMatch(/<rect [^>]*stroke="#000"[^>]*><title>TH → T/);
    // One outlined cell in the grid (the colour scale's key shows the outline once more).
    const grid = svg.replace(/<g class="scale".*?<\/g>/, '');
    expect(grid.match(/stroke="#000"/g)?.length).toBe(1);
    expect(svg).toContain('<g class="scale"');
  });

  it('writes Markdown tables with escaped cells and JSON without NaN', () => {
    const md = confusableMarkdown(report());
    expect(md).toContain('#### \\<img src=x onerror=alert(1)>\\|x');
    const row = md.split('\n').find((l) => l.startsWith('| TH → T |'))!;
    expect(row).toContain('50.0%');
    expect(row).toContain('\\</td>\\<script>');
    expect(row.split(/(?<!\\)\|/).length).toBe(10);
    // The sound above its confusions: TH misrecognised in 12 of 24 tokens vs none, heard as T.
    const sound = md.split('\n').find((l) => l.startsWith('| TH |'))!;
    expect(sound.split(/(?<!\\)\|/).map((c) => c.trim()).slice(1, 8)).toEqual(['TH', '50.0% (12/24)', '0.0% (0/24)', '+50.0 pp / +0.0 pp', expect.stringMatching(/^[0-9.e-]+$/) as string, '6/6', 'T 12/0']);
    expect(md.indexOf('| TH |')).toBeLessThan(md.indexOf('| TH → T |'));
    expect(confusableHtmlPage(report())).toContain('<td>TH</td><td>50.0% (12/24)</td>');
    // Too few speakers show the confusion to test it: p is NaN in memory, null in JSON.
    const untested = { ...report(), phoneLoop: findConfusableSounds([...evidence('a', true), ...evidence('b', false)], { minSpeakers: 7 }) };
    expect(Number.isNaN(untested.phoneLoop.confusions[0].pAdjusted)).toBe(true);
    const json = confusableJson(untested);
    expect(json).not.toContain('NaN');
    const back = JSON.parse(json) as GlassReport;
    expect(back.phoneLoop!.confusions[0].pAdjusted).toBeNull();
    expect(back.phoneLoop!.confusions[0].flagged).toBe(false);
  });

  it('prints the same cells in the Markdown and HTML confusion and word tables, Markdown as before the shared helpers', () => {
    const r = report();
    const md = confusableMarkdown(r).split('\n');
    // Byte for byte what the hand-written Markdown rows printed (before both formats went through mdTextTable/htmlTextTable).
    expect(md).toContain('| Confusion | Rate in group | Rate in rest | Count | z | adj. p | Speakers | Examples |');
    expect(md).toContain('|---|---:|---:|---:|---:|---:|---:|---|');
    expect(md.find((l) => l.startsWith('| TH → T |'))).toMatch(/^\| TH → T \| 50\.0% \| 0\.0% \| 12\/24 \| 3\.27 \| 0\.0\d+ \| 6\/6 \| \\<\/td>\\<script>alert\(1\)\\<\/script> \(\\<img src=x onerror=alert\(1\)>\\\|x-u1"'\) \|$/);
    expect(md).toContain('| Word | Error rate in group | In rest | z | adj. p | Utterances |');
    expect(md).toContain('|---|---:|---:|---:|---:|---|');
    // Cells of each table row, unescaped, in both formats: the two cannot drift apart.
    const unMd = (c: string) => c.trim().replace(/\\(.)/g, '$1').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    const unHtml = (c: string) => c.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
    const mdRows = md.filter((l) => l.startsWith('| ') && !l.startsWith('|---')).map((l) => l.slice(2, -2).split(/(?<!\\) \| /).map(unMd));
    const html = confusableHtmlPage(r);
    const htmlRows = [...html.matchAll(/<tr>(.*?)<\/tr>/g)].map((m) => [...m[1].matchAll(/<t[hd]>(.*?)<\/t[hd]>/g)].map((c) => unHtml(c[1])));
    for (const first of ['Confusion', 'TH → T', 'Word', EVIL_WORD]) {
      const a = mdRows.filter((row) => row[0] === first);
      expect(a.length).toBeGreaterThan(0);
      expect(htmlRows.filter((row) => row[0] === first)).toEqual(a);
    }
  });

  it('counts failures per group and stage, escaped, with what the alignment retries recovered', () => {
    const r: GlassReport = {
      ...report(),
      failures: [
        { id: 'u1', group: '<g>|x', stage: 'alignment', error: 'e' },
        { id: 'u2', group: '<g>|x', stage: 'alignment', error: 'e' },
        { id: 'u3', group: 'plain', stage: 'words', error: 'e' },
      ],
      alignmentRetries: { attempts: [{ attempt: 'wider-beams', beam: '1e-250', tried: 3, recovered: 1, byGroup: { '<g>|x': { tried: 3, recovered: 1 } } }], skippedPhones: {} },
    };
    const md = confusableMarkdown(r);
    expect(md).toContain('| \\<g>\\|x | alignment | 2 |');
    expect(md).toContain('| plain | words | 1 |');
    expect(md).toContain('Forced alignment retry (wider-beams, beam 1e-250): 1 of 3 recovered (\\<g>\\|x 1/3).');
    const html = confusableHtmlPage(r);
    expect(html).toContain('<tr><td>&lt;g&gt;|x</td><td>alignment</td><td>2</td></tr>');
    expect(html).not.toContain('<g>');
    // Every failure is listed, one row each, escaped, with its manifest line and audio file when known.
    const located: GlassReport = { ...r, failures: [{ id: 'u<1>', group: 'g|1', stage: 'phone-loop', error: 'empty phone-loop result for u<1> (pocketsphinx_batch: 0 frames decoded)', audio: 'clips/a|b.wav', source: { file: 'm.jsonl', line: 7 } }, { id: 'u2', stage: 'audio', error: 'utterance u2: audio x.wav: file not found' }] };
    const lmd = confusableMarkdown(located).split('\n');
    expect(lmd).toContain('Each failure (2):');
    expect(lmd).toContain('| u<1> | g\\|1 | phone-loop | m.jsonl:7 | clips/a\\|b.wav | empty phone-loop result for u<1> (pocketsphinx\\_batch: 0 frames decoded) |');
    expect(lmd).toContain('| u2 | — | audio | — | — | utterance u2: audio x.wav: file not found |');
    expect(confusableHtmlPage(located)).toContain('<tr><td>u&lt;1&gt;</td><td>g|1</td><td>phone-loop</td><td>m.jsonl:7</td><td>clips/a|b.wav</td><td>empty phone-loop result for u&lt;1&gt; (pocketsphinx_batch: 0 frames decoded)</td></tr>');
    // Retries that recovered every utterance: said, with no empty table.
    const recovered = confusableMarkdown({ ...r, failures: [] });
    expect(recovered).toContain('After retries, every utterance went through every stage.');
    expect(recovered).not.toContain('| Group | Stage | Utterances |');
    expect(recovered).not.toContain('Each failure');
  });
});
