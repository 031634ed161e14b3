#!/usr/bin/env node
// Builds corpora/artie-bias-corpus/manifest.jsonl (text-only: no audio) from the corpus's own
// data/artie-bias-corpus.tsv (client_id, path, sentence, up_votes, down_votes, age, gender, accent; `NA` = not
// declared). id = clip name without extension, so `idFrom: basename-without-extension` maps the vendor tables'
// `path` column (common_voice_en_N.wav) onto it. Beside it, manifest.import.json (the import record of
// src/manifest/import-record.ts): how many `NA` became undeclared per key and the manifest's sha256, for the run's card. `--check` exits 1 when
// either shipped file differs.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(import.meta.dirname, '..', 'corpora', 'artie-bias-corpus');
const tsv = join(dir, 'data', 'artie-bias-corpus.tsv');
const out = join(dir, 'manifest.jsonl');
const recordFile = join(dir, 'manifest.import.json');
const undeclared = { accent: 0, age: 0, gender: 0 };
const speakers = new Set();
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
    if (v === 'NA') undeclared[key]++;
  }
  speakers.add(f[cId]);
  rows.push(JSON.stringify({ id: f[cPath].replace(/\.[^.]+$/, ''), text: f[cText], speaker: f[cId], labels, corpus: 'artie-bias-corpus', split: 'test' }));
});
const body = `${rows.join('\n')}\n`;
const record = {
  format: 'artie-manifest',
  corpus: 'artie-bias-corpus',
  source: 'artie-bias-corpus.tsv',
  utterances: rows.length,
  speakers: speakers.size,
  notes: ['artie-bias-corpus: "NA" marks a field the speaker did not declare (its README and DATASHEET.md); imported as undeclared'],
  leftOut: [],
  undeclared: Object.entries(undeclared).map(([key, count]) => ({ key, raw: 'NA', count })),
  missingAudio: 0,
  // The manifest's content hash, so that run and report can tell when the manifest was edited after this record.
  manifestSha256: createHash('sha256').update(body).digest('hex'),
};
const recordText = JSON.stringify(record, null, 2) + '\n';
if (process.argv.includes('--check')) {
  for (const [file, text] of [[out, body], [recordFile, recordText]]) {
    if (readFileSync(file, 'utf8') !== text) {
      console.error(`${file} differs from what ${tsv} gives; run node scripts/artie-manifest.mjs`);
      process.exit(1);
    }
  }
} else {
  writeFileSync(out, body);
  writeFileSync(recordFile, recordText);
  console.log(`${out}: ${rows.length} utterances; ${recordFile}`);
}
