#!/usr/bin/env node
// Entry script: load TypeScript sources through tsx, then run the CLI.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
