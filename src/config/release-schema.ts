import { z } from 'zod';

/**
 * roll back / roll forward by switching a `current` symlink between folders of `releasesDir`
 * (releases/<version>), the layout Capistrano and many deploy tools use.
 */
export const ReleaseSchema = z
  .object({
    releasesDir: z.string().min(1),
    /** The symlink the service runs from; swapped atomically (rename over it). */
    currentLink: z.string().min(1),
    /**
     * Also restart the process after rolling back. Off by default: playbooks restart as their own
     * step after a rollback. Rolling forward (the undo) always restarts when a process is configured.
     */
    restartOnRollback: z.boolean().default(false),
  })
  .strict();
export type ReleaseConfig = z.infer<typeof ReleaseSchema>;
