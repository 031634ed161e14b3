import { PocketSphinxGlass, defaultGlassOptions } from '/work/main/src/backends/pocketsphinx-glass.ts';
const g = new PocketSphinxGlass({ ...defaultGlassOptions(), processes: 2 });
const items = [1,2,3].map((i) => ({ id: 'x'+i, wav: `/tmp/psx/b${i}.wav` }));
let t = Date.now();
const loop = await g.decodePhonesBatch(items);
console.log(Date.now()-t, JSON.stringify([...loop.entries()][0]).slice(0,400));
t = Date.now();
const fa = await g.forceAlignPhonesBatch(items.map(i => ({...i, phones: 'AY TH IH NG K DH AH W EH DH ER IH Z R AE DH ER N AY S DH IH S TH ER Z D EY'.split(' ')})));
console.log(Date.now()-t, JSON.stringify([...fa.entries()][2]).slice(0,400));
