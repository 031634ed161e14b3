import { PocketSphinxBackend, defaultPocketSphinxOptions } from '/work/main/src/backends/pocketsphinx.ts';
const b = new PocketSphinxBackend(defaultPocketSphinxOptions());
console.log(b.key, await b.info());
const t0 = Date.now();
const rs = await Promise.all([1,2,3,4].map(i => b.transcribe({ id: 'u'+i, path: '/tmp/ps/a16.wav', wav16k: i%2? '/tmp/ps/a16.wav':'/tmp/ps/b16.wav', sha256: 'x', durationSec: 2.47 }, new AbortController().signal)));
console.log(Date.now()-t0, rs.map(r=>r.text), rs[0].words);
await b.close();
