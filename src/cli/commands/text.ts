import type { Command } from 'commander';
import { registerG2P } from './g2p.ts';
import { registerNormalise } from './normalise.ts';

/** The text-stage commands: `normalise` and `g2p`. */
export function registerText(program: Command): void {
  registerNormalise(program);
  registerG2P(program);
}
