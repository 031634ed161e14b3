import type { Command, Option } from 'commander';
import { UsageError } from '../manifest/errors.ts';

/**
 * Whether an option may be given more than once: it collects its values (a default array, as `--exclude-group`), or its
 * description says it is repeatable (`--backend`, `--slices`: "repeat the flag", "repeatable").
 */
function repeatable(o: Option): boolean {
  return Array.isArray(o.defaultValue) || /\brepeat/i.test(o.description) || o.variadic;
}

/**
 * Makes every command of `program` refuse a value option given twice (`check --max-gap 0.1 --max-gap 0.5`), which
 * commander would silently settle by taking the last: throws UsageError (exit 2) naming the flag and both values.
 * Switches (no value) and repeatable options are left alone. Call after every command is registered.
 */
export function refuseRepeatedOptions(cmd: Command): void {
  for (const o of cmd.options) {
    if (!(o.required || o.optional) || repeatable(o)) continue;
    let first: string | undefined;
    cmd.on(`option:${o.name()}`, (value: string) => {
      if (first === undefined) {
        first = String(value);
        return;
      }
      throw new UsageError(`${cmd.name()}: ${o.long ?? o.short} is given twice (${first}, then ${value}); give it once`);
    });
  }
  for (const sub of cmd.commands) refuseRepeatedOptions(sub);
}
