import { statfs } from 'node:fs/promises';
import { z } from 'zod';
import { implement } from 'medic';
import { diskUsage } from './workflows.js';

// Worker code: plain Node. Idempotent: reading a filesystem's usage twice changes nothing.

export const sections = {
  disk: z.object({ path: z.string().min(1) }).strict(),
};

export const activities = [
  implement(diskUsage, async (_input, { target }) => {
    const { path } = sections.disk.parse(target['disk']);
    const fs = await statfs(path);
    const usedPercent = Math.round((1 - fs.bavail / fs.blocks) * 100);
    return { summary: `${path}: ${usedPercent}% used`, data: { usedPercent } };
  }),
];
