import type { Command } from 'commander';
import { registerValidate } from './validate.ts';
import { registerScore } from './score.ts';
import { registerRun } from './run.ts';
import { registerBackends } from './backends.ts';
import { registerDoctor } from './doctor.ts';
import { registerExport } from './export.ts';
import { registerReport } from './report.ts';
import { registerCompare } from './compare.ts';
import { registerCheck } from './check.ts';
import { registerImport } from './import.ts';
import { registerSynth } from './synth.ts';
import { registerDemo } from './demo.ts';
import { registerGlass } from './glass.ts';
import { registerText } from './text.ts';
import { registerMerge } from './merge.ts';
import { registerWorker } from './worker.ts';
import { registerAdapt } from './adapt.ts';

/** Each command lives in its own file and registers itself here. */
export const commands: Array<(program: Command) => void> = [registerValidate, registerScore, registerRun, registerBackends, registerDoctor, registerExport, registerReport, registerCompare, registerCheck, registerImport, registerSynth, registerDemo, registerGlass, registerText, registerMerge, registerWorker, registerAdapt];
