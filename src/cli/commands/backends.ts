import type { Command } from 'commander';
import { backendFactories, type BackendFactory } from '../../backends/index.ts';
import type { BackendCapabilities } from '../../backends/types.ts';
// Backend types registered outside src/backends (they read with later stages).
import '../../scoreimport/ctm-backend.ts';
import { sayJson, sayOutBlock } from '../terminal.ts';

interface BackendListing {
  type: string;
  description: string;
  options: Record<string, string>;
  env: string[];
  /** From an instance built with default options; absent when defaults are not enough (e.g. a required file). */
  capabilities?: BackendCapabilities;
  capabilitiesNote?: string;
}

async function describe(f: BackendFactory, probe: boolean): Promise<BackendListing> {
  const out: BackendListing = { type: f.type, description: f.description, options: f.options, env: f.env ?? [] };
  if (!probe) return out;
  try {
    const b = await f.create({}, { baseDir: process.cwd() });
    try {
      out.capabilities = (await b.info()).capabilities;
    } finally {
      await b.close?.();
    }
  } catch (e) {
    out.capabilitiesNote = `needs options to describe itself (${(e as Error).message.split('\n')[0].slice(0, 120)})`;
  }
  return out;
}

function caps(c: BackendCapabilities): string {
  return (Object.entries(c) as [string, boolean][]).map(([k, v]) => `${k}${v ? '' : ' ✗'}`).join(', ');
}

export function registerBackends(program: Command): void {
  program
    .command('backends')
    .description('List the registered backend types, their suite options, environment variables and capabilities')
    .option('--json', 'print as JSON')
    .option('--no-probe', 'do not build a default instance to read capabilities')
    .action(async (opts: { json?: boolean; probe: boolean }) => {
      const list: BackendListing[] = [];
      for (const f of backendFactories()) list.push(await describe(f, opts.probe));
      if (opts.json) {
        sayJson(list, 2);
        return;
      }
      const lines: string[] = [];
      for (const b of list) {
        lines.push(`${b.type} — ${b.description}`);
        if (b.capabilities) lines.push(`  capabilities: ${caps(b.capabilities)}`);
        else if (b.capabilitiesNote) lines.push(`  capabilities: ${b.capabilitiesNote}`);
        lines.push(`  env: ${b.env.length ? b.env.join(', ') : '(none)'}`);
        const opts = Object.entries(b.options);
        lines.push(opts.length ? '  options:' : '  options: (none)');
        const w = Math.max(0, ...opts.map(([k]) => k.length));
        for (const [k, d] of opts) lines.push(`    ${k.padEnd(w)}  ${d}`);
        lines.push('');
      }
      // A probe's error message may name a path of the working folder: every line escaped.
      sayOutBlock(lines.join('\n'));
    });
}
