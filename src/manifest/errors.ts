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
/**
 * Several input problems found at once (e.g. every schema error of a suite): the message holds one
 * line per problem, each naming file:line; the CLI prints each on its own line.
 */
export class InputErrors extends InputError {
  constructor(readonly errors: readonly InputError[]) {
    super(errors[0].file, errors[0].line, errors[0].detail);
    this.message = errors.map((e) => e.message).join('\n');
  }
}

/** A wrong flag combination or argument: printed without a stack, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
