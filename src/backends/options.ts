import { createHash } from 'node:crypto';

/** Readers for suite-file backend options: each names the backend type and option in its error. */
export class OptionReader {
  constructor(
    private readonly type: string,
    private readonly options: Record<string, unknown>,
  ) {}

  private fail(name: string, want: string): never {
    throw new Error(`${this.type} backend: option "${name}" must be ${want} (got ${JSON.stringify(this.options[name])})`);
  }

  string(name: string): string | undefined;
  string(name: string, def: string): string;
  string(name: string, def?: string): string | undefined {
    const v = this.options[name];
    if (v === undefined || v === null) return def;
    if (typeof v !== 'string' || v === '') this.fail(name, 'a non-empty string');
    return v;
  }

  number(name: string): number | undefined;
  number(name: string, def: number): number;
  number(name: string, def?: number): number | undefined {
    const v = this.options[name];
    if (v === undefined || v === null) return def;
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isFinite(n)) this.fail(name, 'a number');
    return n;
  }

  boolean(name: string, def: boolean): boolean {
    const v = this.options[name];
    if (v === undefined || v === null) return def;
    if (v === true || v === 'true') return true;
    if (v === false || v === 'false') return false;
    return this.fail(name, 'true or false');
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], def: T): T {
    const v = this.string(name, def);
    if (!(allowed as readonly string[]).includes(v)) this.fail(name, `one of ${allowed.join(', ')}`);
    return v as T;
  }

  numberList(name: string): number[] {
    const v = this.options[name];
    if (v === undefined || v === null) return [];
    const list = Array.isArray(v) ? v : [v];
    return list.map((x) => {
      const n = typeof x === 'string' ? Number(x) : x;
      if (typeof n !== 'number' || !Number.isInteger(n)) this.fail(name, 'an integer or a list of integers');
      return n;
    });
  }

  /** Fails on options the backend does not know, so a typo in a suite file is not silently ignored. */
  rejectUnknown(known: readonly string[]): void {
    const unknown = Object.keys(this.options).filter((k) => !known.includes(k));
    if (unknown.length) throw new Error(`${this.type} backend: unknown option(s) ${unknown.map((k) => `"${k}"`).join(', ')} (known: ${known.join(', ')})`);
  }
}

/** Short stable hash of the options that change a backend's output (key order does not matter). */
export function optionsHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 12);
}

function canonicalJson(v: unknown): string {
  if (v === undefined) return 'null';
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
}

/** USD cost of `durationSec` at a per-minute price (providers bill per second of audio). */
export function costAtPerMinute(durationSec: number, usdPerMinute: number): number {
  return (Math.max(0, durationSec) / 60) * usdPerMinute;
}
