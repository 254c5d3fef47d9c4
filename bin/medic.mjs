#!/usr/bin/env node
// Entry script. The installed package runs its compiled JavaScript (dist/). A checkout runs its
// TypeScript sources through tsx instead (scripts/cli-from-sources.mjs, which the package does not
// ship), so a developer's `npx medic` never runs a stale build.
import { existsSync } from 'node:fs';

const fromSources = new URL('../scripts/cli-from-sources.mjs', import.meta.url);
await import(existsSync(fromSources) ? fromSources.href : '../dist/src/cli/main.js');
