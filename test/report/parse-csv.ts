/** Parses the CSV the report writes (RFC 4180 quoting, CRLF) into one record per line keyed by the header. */
export function parseCsv(text: string): Array<Record<string, string>> {
  const rows: string[][] = [];
  let cur: string[] = [];
  let cell = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') q = false;
      else cell += c;
    } else if (c === '"') q = true;
    else if (c === ',') cur.push(cell), (cell = '');
    else if (c === '\r') continue;
    else if (c === '\n') cur.push(cell), rows.push(cur), (cur = []), (cell = '');
    else cell += c;
  }
  const [head, ...body] = rows;
  return body.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
}
