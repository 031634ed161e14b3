#!/usr/bin/env node
// Builds corpora/artie-bias-corpus/manifest.jsonl (text-only: no audio) from the corpus's own
// data/artie-bias-corpus.tsv (client_id, path, sentence, up_votes, down_votes, age, gender, accent; `NA` = not
// declared). id = clip name without extension, so `idFrom: basename-without-extension` maps the vendor tables'
// `path` column (common_voice_en_N.wav) onto it. `--check` exits 1 when the shipped manifest differs.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(import.meta.dirname, '..', 'corpora', 'artie-bias-corpus');
const tsv = join(dir, 'data', 'artie-bias-corpus.tsv');
const out = join(dir, 'manifest.jsonl');
const lines = readFileSync(tsv, 'utf8').split('\n');
const head = lines[0].split('\t');
const col = (name) => {
  const i = head.indexOf(name);
  if (i < 0) throw new Error(`${tsv}:1: no column "${name}"`);
  return i;
};
const [cId, cPath, cText, cAge, cGender, cAccent] = ['client_id', 'path', 'sentence', 'age', 'gender', 'accent'].map(col);
const rows = [];
lines.slice(1).forEach((line, i) => {
  if (!line.trim()) return;
  const f = line.split('\t');
  if (f.length !== head.length) throw new Error(`${tsv}:${i + 2}: expected ${head.length} fields, found ${f.length}`);
  const labels = {};
  for (const [key, c] of [['accent', cAccent], ['age', cAge], ['gender', cGender]]) {
    const v = f[c].trim();
    if (v && v !== 'NA') Object.assign(labels, { [key]: v, [`${key}_raw`]: v });
  }
  rows.push(JSON.stringify({ id: f[cPath].replace(/\.[^.]+$/, ''), text: f[cText], speaker: f[cId], labels, corpus: 'artie-bias-corpus', split: 'test' }));
});
const body = `${rows.join('\n')}\n`;
if (process.argv.includes('--check')) {
  if (readFileSync(out, 'utf8') !== body) {
    console.error(`${out} differs from what ${tsv} gives; run node scripts/artie-manifest.mjs`);
    process.exit(1);
  }
} else {
  writeFileSync(out, body);
  console.log(`${out}: ${rows.length} utterances`);
}
