import { escapeControl, terminalJson } from '../manifest/escape.ts';

/**
 * The one writer of `adapt`'s and `glass`'s terminal lines (stdout and stderr). Every line goes through
 * `escapeControl`, so a group name, path, rule string or error message holding a control character (ESC [ 2 J
 * clears the screen, a bare CR rewrites the line, U+202E reorders it, an LF would forge a line of its own) shows as
 * a visible escape (`\x1b`, `\x0d`) instead of acting on the reader's terminal.
 */
type Stream = Pick<NodeJS.WriteStream, 'write'>;

/** One line: every control character escaped, LF too (a value never forges a second line). */
export function writeLine(stream: Stream, line: string): void {
  stream.write(`${escapeControl(line)}\n`);
}

/** A block of our own lines (e.g. a Markdown report), split at LF; each line escaped as `writeLine` does. */
export function writeBlock(stream: Stream, text: string): void {
  for (const line of text.replace(/\n$/, '').split('\n')) writeLine(stream, line);
}

/** One line on stderr, escaped. */
export function sayErr(line: string): void {
  writeLine(process.stderr, line);
}

/** One line on stdout, escaped. */
export function sayOut(line: string): void {
  writeLine(process.stdout, line);
}

/** One tab-separated line on stdout: each field escaped (a tab or LF inside a field shows as `\x09`/`\x0a`), joined by tabs. */
export function sayFields(fields: readonly string[]): void {
  process.stdout.write(`${fields.map((f) => escapeControl(f)).join('\t')}\n`);
}

/** A block of lines on stdout (split at LF, each escaped). */
export function sayOutBlock(text: string): void {
  writeBlock(process.stdout, text);
}

/** A block of lines on stderr (split at LF, each escaped). */
export function sayErrBlock(text: string): void {
  writeBlock(process.stderr, text);
}

/** `value` as JSON on stdout (`--json` outputs): C1, DEL and bidi controls as `\uXXXX` (`terminalJson`), then LF. */
export function sayJson(value: unknown, space?: number): void {
  process.stdout.write(`${terminalJson(value, space)}\n`);
}

/** `asrfair: warning: …` on stderr, escaped. */
export function warnLine(text: string): void {
  sayErr(`asrfair: warning: ${text}`);
}
