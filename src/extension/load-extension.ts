import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';
import { ACTIVITIES, declaredActivities } from '../../activities/declarations.js';
import { registerExtension } from '../../workflows/extension.js';
import { registerTargetSection, TargetSchema } from '../config/target-schema.js';
import type { ImplementedActivity } from './implement.js';

// Loads a user's extension in the worker's (and the CLI's) process: the workflows module registers
// its playbooks and activity declarations, so routes naming them are checked like medic's own; the
// activities module gives implementations and target sections. The worker bundles the same
// workflows module into its workflow bundle (src/extension/workflow-entry.ts).

/** `extension` in the configuration, with paths as written (relative to the configuration file). */
export interface ExtensionPaths {
  workflows: string;
  activities?: string | undefined;
}

export interface LoadedExtension {
  /** Absolute path of the workflows module (bundled beside medic's workflows). */
  workflowsPath: string;
  activitiesPath?: string;
  /** The playbooks it added, by name. */
  playbooks: string[];
  /** Implementations by activity name. */
  activities: Map<string, ImplementedActivity>;
}

export class ExtensionError extends Error {
  override readonly name = 'ExtensionError';
}

/** Resolve the configured paths against the configuration file's folder; a missing file says which. */
export function resolveExtensionPaths(paths: ExtensionPaths, configPath: string): { workflows: string; activities?: string } {
  const base = dirname(configPath);
  const one = (field: 'workflows' | 'activities', p: string): string => {
    const abs = isAbsolute(p) ? p : resolve(base, p);
    if (!existsSync(abs)) throw new ExtensionError(`${configPath}: extension.${field}: ${abs} does not exist. To fix: point it at your module (relative to ${base}), built if it is TypeScript and medic runs without tsx`);
    return abs;
  };
  return { workflows: one('workflows', paths.workflows), ...(paths.activities !== undefined && { activities: one('activities', paths.activities) }) };
}

const loaded = new Map<string, Promise<LoadedExtension>>();

/** Load an extension once per process (the CLI may load the configuration more than once). */
export function loadExtension(paths: { workflows: string; activities?: string }): Promise<LoadedExtension> {
  const key = `${paths.workflows}\n${paths.activities ?? ''}`;
  let found = loaded.get(key);
  if (found === undefined) {
    found = load(paths);
    loaded.set(key, found);
  }
  return found;
}

async function load(paths: { workflows: string; activities?: string }): Promise<LoadedExtension> {
  const before = new Set(declaredActivities().keys());
  const workflows = await importModule(paths.workflows, 'extension.workflows');
  const { playbookNames } = await import('../../playbooks/index.js');
  const shipped = new Set(playbookNames());
  try {
    registerExtension(workflows, paths.workflows);
  } catch (err) {
    throw new ExtensionError((err as Error).message);
  }
  const added = playbookNames().filter((n) => !shipped.has(n));
  const declared = [...declaredActivities().keys()].filter((n) => !before.has(n));

  const activities = new Map<string, ImplementedActivity>();
  if (paths.activities !== undefined) {
    const module = await importModule(paths.activities, 'extension.activities');
    for (const [name, schema] of Object.entries((module['sections'] ?? {}) as Record<string, z.ZodType>)) {
      try {
        registerTargetSection(name, schema, paths.activities);
      } catch (err) {
        throw new ExtensionError((err as Error).message);
      }
    }
    const list = module['activities'];
    if (!Array.isArray(list)) throw new ExtensionError(`${paths.activities} exports no activities. To fix: export const activities = [implement(myActivity, async (input, { target }) => ...)]`);
    for (const item of list as ImplementedActivity[]) {
      if (typeof item?.name !== 'string' || typeof item.run !== 'function') throw new ExtensionError(`${paths.activities}: every entry of activities must come from implement(activity, fn)`);
      if (Object.hasOwn(ACTIVITIES, item.name)) throw new ExtensionError(`${paths.activities} implements "${item.name}", which is medic's own activity. To fix: declare your own with another name`);
      if (!declaredActivities().has(item.name)) {
        throw new ExtensionError(`${paths.activities} implements "${item.name}", which no workflows module declares. To fix: declare it with defineActivity in ${paths.workflows}`);
      }
      if (activities.has(item.name)) throw new ExtensionError(`${paths.activities} implements "${item.name}" twice. To fix: keep one`);
      activities.set(item.name, item);
    }
  }
  // Every declared activity needs an implementation, and a section that exists.
  for (const name of declared) {
    if (!activities.has(name)) {
      throw new ExtensionError(`the activity "${name}" is declared in ${paths.workflows} but not implemented. To fix: export implement(${name}, ...) from the module named in extension.activities`);
    }
    const section = declaredActivities().get(name)?.section;
    if (section !== undefined && !Object.hasOwn(TargetSchema.shape, section.name) && !(Object.hasOwn((await importSections(paths)) ?? {}, section.name))) {
      throw new ExtensionError(`the activity "${name}" needs the target section "${section.name}", which no extension defines. To fix: export sections = { ${section.name}: z.object({...}) } from ${paths.activities ?? 'your activities module'}`);
    }
  }
  return { workflowsPath: paths.workflows, ...(paths.activities !== undefined && { activitiesPath: paths.activities }), playbooks: added, activities };
}

async function importSections(paths: { activities?: string }): Promise<Record<string, unknown> | undefined> {
  if (paths.activities === undefined) return undefined;
  return (await importModule(paths.activities, 'extension.activities'))['sections'] as Record<string, unknown> | undefined;
}

async function importModule(path: string, field: string): Promise<Record<string, unknown>> {
  try {
    return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    throw new ExtensionError(`cannot load ${field} ${path}: ${(err as Error).message}. To fix: check the module builds and runs (TypeScript needs to be compiled when medic runs without tsx)`);
  }
}
