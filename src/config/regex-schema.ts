import { z } from 'zod';

/** A regular expression written in the configuration, checked to compile (unicode mode). */
export const regexSource = z.string().refine(
  (src) => {
    try {
      new RegExp(src, 'u');
      return true;
    } catch {
      return false;
    }
  },
  { message: 'is not a valid regular expression' },
);
