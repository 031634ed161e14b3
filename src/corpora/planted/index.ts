/** Planted accents: a simulator of accent features with ground truth, for validating the glass box. */
export { BUILTIN_RULES, CMU_PHONES, applyRules, ruleDescription, ruleLabel, ruleSites, type AppliedRule, type PlantedRule, type RuleContext } from './rules.ts';
export { checkGroupDesign, parseAccentRules, readAccentRules, type AccentRules } from './config.ts';
export { DEFAULT_PLANTED_VOICE, festivalVoices, festivalScript, speakPhones, type PhoneUtterance } from './festival.ts';
export {
  buildPlantedCorpus,
  plantedConfusions,
  plantedSpeakers,
  DEFAULT_PITCH_RANGE,
  parsePitchRange,
  MAX_PLANTED_SPEAKERS,
  type PlantedCorpus,
  type PlantedCorpusOptions,
  type PlantedSpeaker,
  type PlantedUtterance,
  type PlantedWord,
} from './corpus.ts';
export { checkPlantedPrompts, type PlantedPromptCheck } from './prompts.ts';
export { checkRulesCanApply, contextContradiction, siteExample } from './reach.ts';
