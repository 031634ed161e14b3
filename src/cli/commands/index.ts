import type { Command } from 'commander';
import { registerValidate } from './validate.ts';

/** Each command lives in its own file and registers itself here. */
export const commands: Array<(program: Command) => void> = [registerValidate];
