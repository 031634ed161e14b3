/**
 * Audio-stage throughput: audio-hours prepared per CPU-hour (this process + its ffmpeg children), for WAV inputs.
 * Goal: ≥ 500× real time per core for decode + resample + perturb. Reference in the same process: a plain
 * `ffmpeg -i in.wav -c copy out.wav` per file (the cheapest thing one ffmpeg process per utterance can do).
 *
 *   node --import tsx bench/audio.ts [utterances=200] [seconds=5]
 */
import { execFileSync, execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { prepareAudio } from '../src/audio/prepare.ts';
import type { ConditionSpecInput } from '../src/audio/conditions.ts';

const N = Number(process.argv[2] ?? 200);
const SEC = Number(process.argv[3] ?? 5);
const GOAL = 500;
const TICK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
const SPEECH = '/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0870.wav';

/** CPU seconds of this process plus its waited-for children (ffmpeg). */
function cpuSeconds(): number {
  const self = process.cpuUsage();
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after the command name start at field 3 (state): cutime is field 16, cstime 17.
  const children = (Number(f[13]) + Number(f[14])) / TICK;
  return (self.user + self.system) / 1e6 + children;
}

function makeInputs(dir: string, rate: number, channels: number): string[] {
  const one = join(dir, `one-${rate}-${channels}.wav`);
  execFileSync('sox', ['-D', SPEECH, '-r', String(rate), '-c', String(channels), '-b', '16', one, 'trim', '0', String(SEC)]);
  const bytes = readFileSync(one);
  const files: string[] = [];
  for (let i = 0; i < N; i++) {
    const p = join(dir, `u${i}-${rate}-${channels}.wav`);
    // Distinct content per file: prepared audio is cached by content hash, so identical copies would be free.
    bytes.writeInt16LE(i, 44);
    writeFileSync(p, bytes);
    files.push(p);
  }
  return files;
}

async function measure(name: string, work: () => Promise<void>): Promise<number> {
  const c0 = cpuSeconds();
  const t0 = performance.now();
  await work();
  const cpu = cpuSeconds() - c0;
  const wall = (performance.now() - t0) / 1000;
  const x = (N * SEC) / cpu;
  console.log(`${name.padEnd(44)} cpu ${cpu.toFixed(2).padStart(6)} s  wall ${wall.toFixed(2).padStart(6)} s  ${x.toFixed(0).padStart(6)}× real time per core`);
  return x;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'asrfair-bench-audio-'));
  try {
    const wav16 = makeInputs(dir, 16000, 1);
    const wav44 = makeInputs(dir, 44100, 2);
    const wav48 = makeInputs(dir, 48000, 1);
    console.log(`${N} utterances × ${SEC} s = ${((N * SEC) / 3600).toFixed(3)} audio-hours per scenario\n`);

    const run = (files: string[], tag: string, condition?: ConditionSpecInput) => async () => {
      const cacheDir = join(dir, `cache-${tag}`);
      for (let i = 0; i < files.length; i++) await prepareAudio({ id: `u${i}`, audioPath: files[i] }, { cacheDir, condition, seed: 1 });
    };
    const copyRef = await measure('reference: ffmpeg -c copy per file', async () => {
      for (let i = 0; i < wav16.length; i++) {
        await promisify(execFile)('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-i', wav16[i], '-c', 'copy', join(dir, `copy${i}.wav`)]);
      }
    });
    const results: Array<[string, number]> = [];
    results.push(['16k mono WAV, clean (hash only)', await measure('16k mono WAV, clean (hash only)', run(wav16, 'a'))]);
    results.push(['44.1k stereo → 16k mono, clean', await measure('44.1k stereo → 16k mono, clean', run(wav44, 'b'))]);
    const noise: ConditionSpecInput = { name: 'noise10', steps: [{ type: 'noise', color: 'pink', snrDb: 10 }] };
    results.push(['44.1k stereo → 16k + pink noise 10 dB', await measure('44.1k stereo → 16k + pink noise 10 dB', run(wav44, 'c', noise))]);
    results.push(['48k mono → 16k + pink noise 10 dB', await measure('48k mono → 16k + pink noise 10 dB', run(wav48, 'g', noise))]);
    results.push(['16k WAV + pink noise 10 dB', await measure('16k WAV + pink noise 10 dB', run(wav16, 'h', noise))]);
    const room: ConditionSpecInput = { name: 'room', steps: [{ type: 'reverb', rt60: 0.4 }, { type: 'noise', snrDb: 15 }] };
    results.push(['16k WAV + reverb 0.4 s + white noise', await measure('16k WAV + reverb 0.4 s + white noise', run(wav16, 'd', room))]);
    const phone: ConditionSpecInput = { name: 'phone', steps: [{ type: 'telephone' }] };
    results.push(['44.1k stereo → 16k + telephone (JS)', await measure('44.1k stereo → 16k + telephone (JS)', run(wav44, 'e', phone))]);
    const mp3: ConditionSpecInput = { name: 'mp3', steps: [{ type: 'codec', codec: 'mp3', bitrateKbps: 24 }] };
    results.push(['16k WAV + mp3 24k (2 ffmpeg runs)', await measure('16k WAV + mp3 24k (2 ffmpeg runs)', run(wav16, 'f', mp3))]);

    console.log('\nscenario                                       ×RT/core   vs goal 500×   vs ffmpeg-copy reference');
    for (const [name, x] of results) {
      console.log(`${name.padEnd(44)} ${x.toFixed(0).padStart(8)}   ${(x / GOAL).toFixed(2).padStart(8)}×    ${(x / copyRef).toFixed(2).padStart(8)}×`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
