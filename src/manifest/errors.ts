/** An input problem tied to a file (and line, when known). The message always names the location. */
export class InputError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly detail: string,
  ) {
    super(`${line === undefined ? file : `${file}:${line}`}: ${detail}`);
    this.name = 'InputError';
  }
}
/** A wrong flag combination or argument: printed without a stack, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
