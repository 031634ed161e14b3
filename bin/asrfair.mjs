#!/usr/bin/env node
// Runs the CLI from source through tsx so `npx asrfair` works right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
