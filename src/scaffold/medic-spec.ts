import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';

// Which medic a scaffolded repository depends on: the one that made it. From a checkout, that
// folder; from an installed package, what the installing project asked for (a tarball's `file:`
// spec made absolute, so it still resolves from the new folder), else the version.

const readJson = (path: string): Record<string, unknown> | undefined => (existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>) : undefined);

export function medicSpec(packageRoot: string, version: string): string {
  const marker = `${sep}node_modules${sep}`;
  const at = packageRoot.lastIndexOf(marker);
  if (at < 0) return `file:${packageRoot}`;
  const project = packageRoot.slice(0, at);
  const manifest = readJson(join(project, 'package.json'));
  const asked = [manifest?.['dependencies'], manifest?.['devDependencies']].map((d) => (d as Record<string, string> | undefined)?.['medic']).find((s) => s !== undefined);
  if (asked === undefined) return version;
  if (!asked.startsWith('file:')) return asked;
  const path = asked.slice('file:'.length);
  return `file:${isAbsolute(path) ? path : resolve(project, path)}`;
}
