// Importing this module registers every backend type. Each backend file calls registerBackend().
import './pocketsphinx.ts';
import './openai.ts';
import './aws-transcribe.ts';
import './command.ts';
import './hypotheses.ts';
import './by-group.ts';
export * from './registry.ts';
export * from './types.ts';
