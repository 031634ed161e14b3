import type { Backend } from './types.ts';

/** How a backend type is described in `asrfair backends` and built from suite options. */
export interface BackendFactory {
  /** Type name used in suite files (`type: pocketsphinx`). */
  type: string;
  description: string;
  /** Options accepted in suite files, for `asrfair backends` and docs: name → description. */
  options: Record<string, string>;
  /** Environment variables it reads (credentials are never stored). */
  env?: string[];
  /** Builds a backend; throws a clear error on bad options. `baseDir` resolves relative paths in options. */
  create(options: Record<string, unknown>, ctx: { baseDir: string }): Promise<Backend>;
}

const factories = new Map<string, BackendFactory>();

export function registerBackend(f: BackendFactory): void {
  factories.set(f.type, f);
}

export function backendFactories(): BackendFactory[] {
  return [...factories.values()];
}

export function getBackendFactory(type: string): BackendFactory {
  const f = factories.get(type);
  if (!f) throw new Error(`unknown backend type "${type}" (known: ${[...factories.keys()].join(', ')})`);
  return f;
}
