import { PocketSphinxBackend, defaultPocketSphinxOptions } from '../src/backends/pocketsphinx.ts';
const be = new PocketSphinxBackend({ ...defaultPocketSphinxOptions(), processes: 2 });
const ws = ['00','01','02'].flatMap(j => ['slt','rms'].map(v => `/tmp/psx/corpus/th-${v}-100-${j}.wav`));
process.on('exit', (c) => console.log('exit', c));
const r = await Promise.all(ws.map(w => be.transcribe({ id: w, path: w, wav16k: w, sha256: '', durationSec: 0 }, new AbortController().signal).then(r => r.text, e => 'ERR ' + e.message)));
console.log(r);
await be.close();
