import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The folder that holds medic's package.json: the checkout's root when running from the sources,
// node_modules/medic when installed. A module one level deeper in dist/ (dist/src/...) than in
// the sources (src/...), so a fixed '../../' from import.meta.url would land in dist/ for the
// one and at the root for the other; the nearest package.json above this file is right for both.

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) {
      throw new Error(`no package.json above ${from}. To fix: run medic from its checkout or from an installed package, whose package.json sits above its code`);
    }
  }
}

/** Where medic's own files live (medic.example.yaml, the provisioned tools in .tools/); state does not. */
export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
