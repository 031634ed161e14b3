export { prepareAudio, decodeSource16k, type PrepareEntry, type PrepareOptions } from './prepare.ts';
export { qcAudio, qcSamples, withSourceFacts, type AudioQC } from './qc.ts';
export { AUDIO_FLAGS, AUDIO_FLAG_MEANINGS, countAudioFlagsByGroup, downmix, type AudioFlag, type SourceFacts } from './flags.ts';
export type { AudioRef } from './types.ts';
export { AudioError } from './errors.ts';
export {
  ConditionSpecSchema,
  ConditionStepSchema,
  applyCondition,
  conditionKey,
  parseCondition,
  type ConditionSpec,
  type ConditionSpecInput,
  type ConditionStep,
} from './conditions.ts';
