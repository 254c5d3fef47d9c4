import stringWidth from 'string-width';

// Terminal columns, not UTF-16 code units: a CJK character or an emoji takes two columns, a
// combining mark none, so `.length` and `padEnd` misalign a table with such names in it.

/** How many terminal columns the text takes. */
export function displayWidth(text: string): number {
  return stringWidth(text);
}

/** The text followed by spaces up to `width` columns (unchanged when already as wide). */
export function padToWidth(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}
