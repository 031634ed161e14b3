import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A small synthetic corpus for validating the glass-box suite: flite voices read TH-rich prompts.
 * Group `th-stopping` reads them with TH → T and DH → D respelled (as in many English dialects);
 * the references keep the standard spelling. Other groups read the standard text.
 */

export const PROMPTS: readonly string[] = [
  'they think that the three things are over there with the other ones',
  'this is the path through the north of the earth',
  'my brother and father thought the weather was rather good',
  'there is nothing in the south that they need this month',
  'both of them went with their mother to the theatre',
  'the thin author gathered three thousand clothes together',
  'they thanked the health worker for the bath on thursday',
  'that truth is worth more than the wealth of those others',
  'the youth threw the feather through the smooth window',
  'though the path was thick with thorns they went further',
  'with this method the third theory is worth nothing',
  'father said that the earth is both thin and smooth',
];

/** TH-stopping respellings flite pronounces with T or D: TH → T, DH → D. */
export const TH_STOPPING: Readonly<Record<string, string>> = {
  they: 'dey', think: 'tink', that: 'dat', the: 'de', three: 'tree', things: 'tings', there: 'dere', with: 'wit',
  other: 'oder', this: 'dis', path: 'pat', through: 'trough', north: 'nort', earth: 'eart', brother: 'brudder',
  father: 'fadder', thought: 'tought', weather: 'wedder', rather: 'radder', nothing: 'nutting', south: 'sout',
  month: 'mont', both: 'bot', them: 'dem', their: 'dere', mother: 'mudder', theatre: 'teeater', thin: 'tin',
  author: 'autor', gathered: 'gaddered', thousand: 'tousand', clothes: 'clodes', together: 'togedder',
  thanked: 'tanked', health: 'helt', bath: 'bat', thursday: 'tursday', truth: 'trut', worth: 'wort', than: 'dan',
  wealth: 'welt', those: 'dose', others: 'udders', youth: 'yout', threw: 'trew', feather: 'fedder', smooth: 'smoot',
  though: 'doe', thick: 'tick', thorns: 'torns', further: 'furder', method: 'metod', third: 'tird', theory: 'teeory',
};

export function stopTh(text: string): string {
  return text
    .split(' ')
    .map((w) => TH_STOPPING[w] ?? w)
    .join(' ');
}

export interface SynthSpeaker {
  id: string;
  group: string;
  voice: string;
  /** flite duration_stretch (speaking rate); differs between speakers of the same voice. */
  stretch: number;
  /** Respell the spoken text with TH-stopping. */
  thStopping: boolean;
}

export interface SynthUtterance {
  id: string;
  speaker: string;
  group: string;
  text: string;
  spoken: string;
  wav: string;
}

/** Speaker k reads `perSpeaker` prompts starting at a speaker-specific offset, so every prompt is read by several voices. */
export function synthesise(dir: string, speakers: readonly SynthSpeaker[], perSpeaker: number): SynthUtterance[] {
  mkdirSync(dir, { recursive: true });
  const out: SynthUtterance[] = [];
  speakers.forEach((s, k) => {
    for (let j = 0; j < perSpeaker; j++) {
      const text = PROMPTS[(k * perSpeaker + j) % PROMPTS.length];
      const spoken = s.thStopping ? stopTh(text) : text;
      const id = `${s.id}-${String(j).padStart(2, '0')}`;
      const wav = join(dir, `${id}.wav`);
      execFileSync('flite', ['-voice', s.voice, '--setf', `duration_stretch=${s.stretch}`, '-t', spoken, '-o', wav]);
      out.push({ id, speaker: s.id, group: s.group, text, spoken, wav });
    }
  });
  return out;
}

/** Writes a JSONL manifest for the corpus (audio paths relative to `dir`). */
export function writeCorpusManifest(dir: string, utts: readonly SynthUtterance[], groupKey = 'accent'): string {
  const file = join(dir, 'manifest.jsonl');
  writeFileSync(
    file,
    utts
      .map((u) => JSON.stringify({ id: u.id, audio: u.wav.slice(dir.length + 1), text: u.text, speaker: u.speaker, labels: { [groupKey]: u.group } }))
      .join('\n') + '\n',
  );
  return file;
}

/** Three voices × two speaking rates per group. */
export function speakersFor(group: string, stretches: readonly number[], thStopping: boolean): SynthSpeaker[] {
  const voices = ['slt', 'rms', 'awb'];
  return stretches.flatMap((stretch) =>
    voices.map((voice) => ({ id: `${group}-${voice}-${Math.round(stretch * 100)}`, group, voice, stretch, thStopping })),
  );
}
