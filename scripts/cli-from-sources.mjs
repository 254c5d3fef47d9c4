// The CLI in a checkout: TypeScript sources through tsx (a devDependency). bin/medic.mjs loads this
// file only where it exists, which is never in the installed package.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
