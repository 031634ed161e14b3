// Real Common Voice clips for the "group that lost every utterance" tests: group "a" is the one speaker of the sample
// with exactly two clips; group "b" is three other real sentences whose audio is missing, truncated (a real WAV cut to
// 100 bytes) and empty (a header with no samples).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const CV_SAMPLE = join(import.meta.dirname, '../../corpora/cv-6.1-en-sample');

interface Row {
  id: string;
  audio: string;
  text: string;
  speaker: string;
  labels: Record<string, string>;
}

/** Writes `<dir>/manifest.jsonl` (groups under label `grp`, plus `extra(row)` labels) and returns its rows. */
export function writeLostGroupManifest(dir: string, extra: (r: Row) => Record<string, string> = () => ({})): { a: Row[]; b: Row[] } {
  const rows = readFileSync(join(CV_SAMPLE, 'manifest.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Row);
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.speaker, (counts.get(r.speaker) ?? 0) + 1);
  const a = rows.filter((r) => counts.get(r.speaker) === 2);
  const b = rows.filter((r) => counts.get(r.speaker) === 1).slice(0, 3);
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', join(CV_SAMPLE, b[1].audio), '-ar', '16000', '-ac', '1', join(dir, 'full.wav')]);
  writeFileSync(join(dir, 'truncated.wav'), readFileSync(join(dir, 'full.wav')).subarray(0, 100));
  execFileSync('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', join(dir, 'empty.wav'), 'trim', '0', '0']);
  const audio = ['missing.wav', 'truncated.wav', 'empty.wav'];
  const lines = [
    ...a.map((r) => ({ id: r.id, audio: join(CV_SAMPLE, r.audio), text: r.text, speaker: r.speaker, labels: { grp: 'a', ...extra(r) } })),
    ...b.map((r, i) => ({ id: r.id, audio: join(dir, audio[i]), text: r.text, speaker: r.speaker, labels: { grp: 'b', ...extra(r) } })),
  ];
  writeFileSync(join(dir, 'manifest.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return { a, b };
}
