import { synthesise, speakersFor, writeCorpusManifest } from '../test/glass/corpus.ts';
const dir = '/tmp/psx/c2';
const utts = [
  ...synthesise(dir, speakersFor('th', [1.0, 1.08], true), 3),
  ...synthesise(dir, speakersFor('std', [1.0, 1.08], false), 3),
  ...synthesise(dir, speakersFor('std2', [0.96, 1.04], false), 3),
];
console.log(writeCorpusManifest(dir, utts));
