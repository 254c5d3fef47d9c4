/**
 * Where the demo's parts tell the user what happens. Only the entry script (run-demo.ts) writes
 * to the terminal; the parts get this interface.
 */
export interface Output {
  /** A heading: the start of a phase or scenario. */
  section(title: string): void;
  /** One line of the story. */
  line(text: string): void;
  /** A secondary line (links, paths), shown dimmed on a terminal. */
  detail(text: string): void;
}

