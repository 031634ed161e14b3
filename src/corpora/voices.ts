/**
 * TTS voices of the synthetic demo corpus. `accent` is the accent the voice's authors document for it:
 * the demo's "self-declared" label. These are synthetic accents, not people; the TTS engine is a
 * confounder (espeak-ng decodes far worse on PocketSphinx than flite/festival whatever the accent),
 * so the engine is recorded as its own label and reports can slice by it.
 */
export interface DemoVoice {
  /** Short id used in speaker ids: letters and digits only. */
  id: string;
  engine: 'flite' | 'festival' | 'espeak-ng';
  /** Voice name as the engine knows it. */
  voice: string;
  accent: string;
  accentRaw: string;
  gender: 'female' | 'male';
}

export const DEMO_VOICES: DemoVoice[] = [
  { id: 'fliteslt', engine: 'flite', voice: 'slt', accent: 'us', accentRaw: 'US English (CMU ARCTIC slt)', gender: 'female' },
  { id: 'fliterms', engine: 'flite', voice: 'rms', accent: 'us', accentRaw: 'US English (CMU ARCTIC rms)', gender: 'male' },
  { id: 'flitekal', engine: 'flite', voice: 'kal16', accent: 'us', accentRaw: 'US English (kal)', gender: 'male' },
  { id: 'festked', engine: 'festival', voice: 'ked_diphone', accent: 'us', accentRaw: 'American English (ked diphone)', gender: 'male' },
  { id: 'festslt', engine: 'festival', voice: 'cmu_us_slt_arctic_hts', accent: 'us', accentRaw: 'US English (slt HTS)', gender: 'female' },
  { id: 'fliteawb', engine: 'flite', voice: 'awb', accent: 'scottish', accentRaw: 'Scottish English (CMU ARCTIC awb)', gender: 'male' },
  { id: 'espsco', engine: 'espeak-ng', voice: 'en-gb-scotland', accent: 'scottish', accentRaw: 'Scottish English (espeak-ng en-gb-scotland)', gender: 'male' },
  { id: 'espusa', engine: 'espeak-ng', voice: 'en-us', accent: 'us', accentRaw: 'American English (espeak-ng en-us)', gender: 'male' },
  { id: 'esprp', engine: 'espeak-ng', voice: 'en-gb-x-rp', accent: 'british-rp', accentRaw: 'British English, Received Pronunciation (espeak-ng en-gb-x-rp)', gender: 'male' },
  { id: 'espgb', engine: 'espeak-ng', voice: 'en-gb', accent: 'british-rp', accentRaw: 'British English (espeak-ng en-gb)', gender: 'male' },
  { id: 'espcar', engine: 'espeak-ng', voice: 'en-029', accent: 'caribbean', accentRaw: 'Caribbean English (espeak-ng en-029)', gender: 'male' },
  { id: 'esplan', engine: 'espeak-ng', voice: 'en-gb-x-gbclan', accent: 'lancastrian', accentRaw: 'Lancastrian English (espeak-ng en-gb-x-gbclan)', gender: 'male' },
];

/** Per-voice "speaker" variants: a pitch shift (cents) and tempo so each voice yields several distinct talkers. */
export const SPEAKER_VARIANTS: { pitchCents: number; tempo: number }[] = [
  { pitchCents: 0, tempo: 1.0 },
  { pitchCents: -150, tempo: 0.96 },
  { pitchCents: 150, tempo: 1.04 },
  { pitchCents: -300, tempo: 1.0 },
];
