/**
 * Output safety shared by every text the report stage (and the CLI) prints: control characters and
 * spreadsheet formulas from labels, ids and transcripts must not act on the reader's terminal or
 * spreadsheet (issue 13, items 5 and 6), nor Markdown markup from them act in a rendered Markdown file.
 */

// C0 controls (ESC starts ANSI/OSC-8 sequences; CR rewrites the line), DEL, C1 controls (U+009B is a
// one-character CSI), and the bidirectional overrides/isolates that reorder displayed text ("Trojan source").
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_AND_BREAKS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function hex(c: string): string {
  const n = c.charCodeAt(0);
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
}

/**
 * Shows control characters as visible escapes (`\x1b`, `\x0d`, `\u202e`). With `keepBreaks` newline and
 * tab are kept (multi-line text; CR is still escaped: it rewrites the terminal line); otherwise every
 * line break is escaped too, so one value stays on one line.
 */
export function escapeControl(s: string, keepBreaks = false): string {
  return keepBreaks ? s.replace(CONTROL, hex) : s.replace(CONTROL_AND_BREAKS, hex);
}

// What JSON.stringify leaves raw in a string: DEL, the C1 controls, the line/paragraph separators, the bidi controls.
const JSON_RAW = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON text safe on a terminal: `JSON.stringify(value, null, space)` with every control character it leaves raw
 * (DEL, C1 such as the one-character CSI U+009B, U+2028/9, bidi overrides) written as a `\uXXXX` escape. Still valid
 * JSON of the same value (those characters only occur inside strings).
 */
export function terminalJson(value: unknown, space?: number): string {
  return (JSON.stringify(value, null, space) ?? 'null').replace(JSON_RAW, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Values a CSV cell may hold. Objects and arrays are written as JSON. */
export type CsvValue = string | number | boolean | null | undefined | object;

/**
 * One CSV cell: RFC 4180 quoting (`"` doubled; quoted when it holds `,` or `"`, or starts or ends with a space), control characters
 * escaped (CR, LF and tab too: `\x0a`, like every other control character), and OWASP's CSV-injection guard: text starting with `=` `+` `-` `@` tab or CR gets a leading `'`
 * so spreadsheets show it instead of running it. Numbers are written as numbers (a negative number is
 * not a formula); non-finite numbers and null/undefined are empty.
 */
export function csvCell(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  const raw = typeof v === 'string' ? v : JSON.stringify(v);
  const guarded = /^[=+\-@\t\r]/.test(raw) ? `'${raw}` : raw;
  // Line breaks and tabs too: a value never spans two lines (a raw LF, even quoted, splits the record
  // for line-based tools and shows as a break in one cell only in some spreadsheets).
  const s = escapeControl(guarded);
  // Leading or trailing spaces quoted too: readers that trim unquoted cells would merge "england " into "england".
  return /[",]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * A group name as a table cell shows it: quoted (JSON string syntax) when it starts or ends with whitespace or is
 * empty, so "england " stays distinguishable from "england" where a renderer or terminal trims the cell.
 */
export function groupCellText(name: string): string {
  return name === '' || /^\s|\s$/.test(name) ? JSON.stringify(name) : name;
}

/** One CSV line (no line end) of `cells`. The project's only CSV writer: every CSV file goes through it. */
export function csvLine(cells: readonly CsvValue[]): string {
  return cells.map(csvCell).join(',');
}

// Characters that start inline markup wherever they stand (CommonMark 0.31 §6; GFM §6.5 strikethrough, §4.10 the
// table's cell separator); `<` only where it can open raw HTML (§6.6: a letter, `/`, `!`, `?` follows) or an autolink
// (§6.5: a scheme starts with a letter; an e-mail address is a local part then `@`); `&` only before what would be
// decoded as an entity or numeric character reference (§2.5).
const INLINE_MARKUP = /[\\`*_[\]|~#]|<(?=[A-Za-z/!?]|[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@)|&(?=#?[A-Za-z0-9]+;)/g;
// At the start of a paragraph: a block quote (`>`), a list item (`-`, `+`, `N.`, `N)` then a space or nothing), a
// thematic break or setext underline (a line of `-`/`=`); `*`, `#`, backtick and `~` fences are escaped everywhere.
const BLOCK_START = /^(\s*)(?:(>)|([+=-])(?=\s|[\s+=-]*$)|(\d{1,9})([.)])(?=\s|$))/;

/**
 * Escapes text for Markdown as GitHub and any CommonMark renderer read it, in a table cell or as a paragraph, with
 * backslash escapes only (CommonMark 0.31 §2.4: any ASCII punctuation may be backslash-escaped; GFM §4.10: `\|`
 * inside a table cell): `\` `` ` `` `*` `_` `[` `]` `|` `~` `#` everywhere, `<` where it could open HTML or an
 * autolink, `&` before an entity, and a block marker at the start. A `<` or `&` that cannot start markup is left as
 * it is, so `p <0.001` reads the same raw and rendered (never an HTML entity such as `&lt;`, which a raw reader, and
 * a renderer that does not decode entities in tables, shows as is). Line breaks fold to one space; control
 * characters show as visible escapes (`escapeControl`). Not escaped: GFM's extended autolinks (a bare `www.…`,
 * `https://…` or e-mail address becomes a link; its text is unchanged).
 */
export function mdEscape(s: string): string {
  return escapeControl(s.replace(/\s*[\r\n]+\s*/g, ' '))
    .replace(INLINE_MARKUP, (c) => `\\${c}`)
    .replace(BLOCK_START, (_m, sp: string, gt?: string, bullet?: string, num?: string, delim?: string) =>
      gt ? `${sp}\\>` : bullet ? `${sp}\\${bullet}` : `${sp}${num}\\${delim}`);
}

/**
 * Text as a Markdown code span (CommonMark 0.31 §6.1): fenced by one backtick more than the longest run of backticks
 * inside, padded with a space when it starts or ends with a backtick, so no content can end the span; line breaks
 * fold to one space and control characters show as escapes. Not for a table cell (a `|` there ends the cell even
 * inside a code span, GFM §4.10): use `mdEscape`.
 */
export function mdCode(s: string): string {
  const text = escapeControl(s.replace(/\s*[\r\n]+\s*/g, ' '));
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}
