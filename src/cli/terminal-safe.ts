/**
 * Text that came from a signal (an unauthenticated sender may have written it) made safe to print
 * to a terminal: every control character becomes visible text instead of acting. Without this an
 * alert could carry `ESC[2K` (erase the line), `\r` (overwrite what came before it), an OSC 8
 * hyperlink that shows one address and opens another, or a bidirectional override that reorders
 * what an operator reads.
 *
 * Neutralised: C0 controls (U+0000-U+001F, tab and newline included, since a table cell or a
 * timeline line must stay one line), DEL, C1 controls (U+0080-U+009F: U+009B is a one-character
 * CSI), and the bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069).
 * Each becomes `\xNN` or `\u{NNNN}`; a backslash stays as it is, so ordinary text is unchanged.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function terminalSafe(text: string): string {
  UNSAFE.lastIndex = 0;
  if (!UNSAFE.test(text)) return text;
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

// JSON.stringify already escapes U+0000-U+001F; these it leaves raw. They only ever occur inside
// strings in JSON, where a \uNNNN escape means the same character: the data is unchanged.
const UNSAFE_IN_JSON = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** `JSON.stringify(value, null, 2)`, with every control character escaped: the same JSON, safe to print. */
export function terminalSafeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(UNSAFE_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
