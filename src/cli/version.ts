import { readFileSync } from 'node:fs';

/** asrfair's version, from package.json (recorded in every run). */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
