import { PocketSphinxBackend, defaultPocketSphinxOptions } from '../src/backends/pocketsphinx.ts';
const be = new PocketSphinxBackend({ ...defaultPocketSphinxOptions(), processes: 1 });
const w = '/tmp/psx/corpus/th-slt-100-00.wav';
try { const r = await be.transcribe({ id: 'x', path: w, wav16k: w, sha256: '', durationSec: 0 }, new AbortController().signal); console.log(r.text); } catch (e) { console.log('ERR', e); }
await be.close();
