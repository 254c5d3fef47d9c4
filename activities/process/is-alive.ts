/** Whether a PID names a live process on this machine (signal 0 checks without signalling). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user, which is still alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
