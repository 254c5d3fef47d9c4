import { z } from 'zod';

/**
 * A command as an argv array: the program, then each argument as its own item. medic never runs
 * a shell, so nothing in an alert or a target name can become part of a command line.
 */
export const argvSchema = z
  .array(z.string().min(1, 'an argument must not be empty'))
  .min(1, 'must name at least the program, e.g. [systemctl, restart, web.service]')
  .refine((argv) => !/\s/.test(argv[0] ?? ''), {
    message: 'the first item is the program, not a command line: write each argument as its own list item, e.g. [supervisorctl, restart, web]',
  });

export type Argv = z.infer<typeof argvSchema>;

export const portSchema = z.number().int().min(1).max(65_535);
