import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVER = fileURLToPath(new URL('../fixtures/backend-app/server.cjs', import.meta.url));

export interface ReleaseTree {
  releasesDir: string;
  currentLink: string;
  /** The script through the `current` link: what a process manager starts. */
  script: string;
}

/**
 * A deploy layout as on a real host: <root>/releases/<version>/ with the test backend in each,
 * and <root>/current pointing at `current`. A release listed in `broken` fails every request.
 */
export function makeReleaseTree(root: string, versions: string[], current: string, broken: string[] = []): ReleaseTree {
  const releasesDir = join(root, 'releases');
  for (const version of versions) {
    const dir = join(releasesDir, version);
    mkdirSync(dir, { recursive: true });
    copyFileSync(SERVER, join(dir, 'server.cjs'));
    writeFileSync(join(dir, 'VERSION'), `${version}\n`);
    if (broken.includes(version)) writeFileSync(join(dir, 'BROKEN'), 'this release fails every request\n');
  }
  const currentLink = join(root, 'current');
  symlinkSync(join('releases', current), currentLink);
  return { releasesDir, currentLink, script: join(currentLink, 'server.cjs') };
}
