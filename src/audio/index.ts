export { prepareAudio, decodeSource16k, type PrepareEntry, type PrepareOptions } from './prepare.ts';
export { qcAudio, qcSamples, type AudioQC } from './qc.ts';
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
