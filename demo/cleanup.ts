/**
 * What the demo must undo, newest first: each part registers how to stop itself as soon as it has
 * started, so an error or Ctrl-C halfway through the start still stops exactly what is running.
 */
export class Cleanup {
  private readonly steps: { name: string; run: () => Promise<void>; now?: () => void }[] = [];
  private running: Promise<string[]> | undefined;
  /** The step being run: if the process exits during it, its last resort still applies. */
  private current: { name: string; now?: () => void } | undefined;

  /** `now` is a synchronous last resort, used if the process exits before `runAll` finished. */
  add(name: string, run: () => Promise<void>, now?: () => void): void {
    this.steps.push({ name, run, ...(now !== undefined && { now }) });
  }

  /** Run every step once, newest first, each bounded; returns the names of steps that failed. */
  runAll(onStep: (name: string) => void = () => undefined, stepTimeoutMs = 30_000): Promise<string[]> {
    this.running ??= (async () => {
      const failed: string[] = [];
      while (this.steps.length > 0) {
        const step = this.steps.pop();
        if (step === undefined) break;
        onStep(step.name);
        this.current = step;
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`did not stop within ${stepTimeoutMs / 1000} s`)), stepTimeoutMs);
        });
        try {
          await Promise.race([step.run(), timeout]);
        } catch (err) {
          failed.push(`${step.name}: ${err instanceof Error ? err.message : String(err)}`);
          step.now?.();
        } finally {
          clearTimeout(timer);
          this.current = undefined;
        }
      }
      return failed;
    })();
    return this.running;
  }

  /** On process exit: kill whatever is left at once (e.g. after a second Ctrl-C). */
  killRemaining(): void {
    this.current?.now?.();
    for (const step of this.steps.reverse()) step.now?.();
    this.steps.length = 0;
  }
}
