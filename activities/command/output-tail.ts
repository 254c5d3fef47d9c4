// The end of a command's output, kept while it runs in bounded memory, whatever it prints. What
// a step returns goes into the workflow history, so only the last lines are kept, size-capped.

/** Lines of each stream a command step reports. */
export const TAIL_LINES = 20;
/** Bytes of each stream a command step reports (after the line cut). */
export const TAIL_BYTES = 4_096;
/** Bytes kept while the command runs: enough for TAIL_LINES lines of a normal length. */
const KEEP_BYTES = 4 * TAIL_BYTES;

export interface Tail {
  /** The last lines, at most TAIL_LINES and TAIL_BYTES. */
  text: string;
  /** Bytes the stream carried in all. */
  bytes: number;
  /** True when `text` is less than everything the stream carried. */
  truncated: boolean;
}

export class OutputTail {
  private kept = Buffer.alloc(0);
  private total = 0;

  push(chunk: Buffer): void {
    this.total += chunk.length;
    this.kept = Buffer.concat([this.kept, chunk]);
    if (this.kept.length > KEEP_BYTES) this.kept = this.kept.subarray(this.kept.length - KEEP_BYTES);
  }

  /** The last lines, cut to the limits; a cut is marked with "..." at the start. */
  tail(maxLines = TAIL_LINES, maxBytes = TAIL_BYTES): Tail {
    let text = this.kept.toString('utf8').replace(/\r?\n$/, '');
    let truncated = this.kept.length < this.total;
    const lines = text.split(/\r?\n/);
    if (lines.length > maxLines) {
      text = lines.slice(-maxLines).join('\n');
      truncated = true;
    }
    // The "..." mark counts against the byte cap too.
    const budget = truncated || Buffer.byteLength(text) > maxBytes ? maxBytes - 3 : maxBytes;
    if (Buffer.byteLength(text) > budget) {
      const bytes = Buffer.from(text);
      // A cut inside a multi-byte character decodes to U+FFFD: drop it, so the cap holds.
      text = bytes.subarray(bytes.length - budget).toString('utf8').replace(/^\uFFFD+/, '');
      truncated = true;
    }
    return { text: truncated && text !== '' ? `...${text}` : text, bytes: this.total, truncated };
  }
}
