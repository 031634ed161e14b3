import { readFileSync } from 'node:fs';
import { synthesise, speakersFor } from '../test/glass/corpus.ts';
import { PocketSphinxGlass, defaultGlassOptions } from '../src/backends/pocketsphinx-glass.ts';
import { PocketSphinxBackend, defaultPocketSphinxOptions } from '../src/backends/pocketsphinx.ts';
import { phoneLoopEvidence, blackBoxEvidence } from '../src/analysis/glass.ts';
import { findConfusableSounds } from '../src/analysis/confusable.ts';
const dict = new Map<string,string[]>();
for (const l of readFileSync('/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict','utf8').split('\n')) { const [w,...p]=l.split(' '); if (w && !w.includes('(') && !dict.has(w)) dict.set(w,p); }
const pron = { word: (w: string) => dict.get(w) ?? [] };
const dir = '/tmp/psx/corpus';
let t = Date.now();
const utts = [
  ...synthesise(dir, speakersFor('th', [1.0, 1.08], true), 4),
  ...synthesise(dir, speakersFor('std', [1.0, 1.08], false), 4),
  ...synthesise(dir, speakersFor('std2', [0.96, 1.04], false), 4),
];
console.log('synth', Date.now()-t, utts.length); t = Date.now();
const g = new PocketSphinxGlass({ ...defaultGlassOptions(), processes: 2 });
const loop = await g.decodePhonesBatch(utts.map(u => ({ id: u.id, wav: u.wav })));
console.log('loop', Date.now()-t); t = Date.now();
const be = new PocketSphinxBackend({ ...defaultPocketSphinxOptions(), processes: 2 });
const hyps = new Map<string,string>();
for (const u of utts) { const r = await be.transcribe({ id: u.id, path: u.wav, wav16k: u.wav, sha256: '', durationSec: 0 }, new AbortController().signal); hyps.set(u.id, r.text); }
await be.close();
console.log('words', Date.now()-t); t = Date.now();
const ev = utts.map(u => phoneLoopEvidence({ id: u.id, speaker: u.speaker, group: u.group, ref: u.text }, (loop.get(u.id) as any).value.map((p: any) => p.phone), pron));
const bb = utts.map(u => blackBoxEvidence({ id: u.id, speaker: u.speaker, group: u.group, ref: u.text }, hyps.get(u.id)!, pron));
for (const [name, e] of [['loop', ev], ['bb', bb]] as const) {
  for (const sub of [['th','std','std2'], ['std','std2']]) {
    const r = findConfusableSounds(e.filter(x => sub.includes(x.group)));
    console.log(name, sub.join(','), Date.now()-t);
    for (const c of r.confusions.filter(c => c.flagged || c.z > 2).slice(0, 12)) console.log('  ', c.group, c.ref, '->', c.hyp, c.countGroup, c.totalGroup, c.rateGroup.toFixed(3), c.rateRest.toFixed(3), c.z.toFixed(2), c.p.toFixed(4), c.pAdjusted.toFixed(4), c.flagged, c.speakersWithConfusion);
    for (const w of r.words.filter(w => w.flagged).slice(0, 5)) console.log('   word', w.group, w.word, w.rateGroup.toFixed(2), w.rateRest.toFixed(2), w.pAdjusted.toFixed(4));
  }
}
console.log(utts.slice(0,3).map(u => [u.spoken, hyps.get(u.id)]));
